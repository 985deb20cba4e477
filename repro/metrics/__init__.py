"""Task metrics as pure functions that also expose the per-example statistics paired tests need.

QA's per-answer ``exact_match``/``f1`` live in :mod:`repro.metrics.squad` (not re-exported here,
so ``f1`` is never mistaken for span F1, which is :func:`span_f1`).
"""

from __future__ import annotations

from repro.metrics.classification import accuracy, correctness
from repro.metrics.retrieval import both_directions, hits, similarity_ranks, top1_accuracy
from repro.metrics.spans import (
    f1_from_counts,
    get_entities,
    prf_from_counts,
    sentence_counts,
    span_f1,
)
from repro.metrics.squad import (
    QuestionScores,
    get_normalizer,
    normalize_mlqa,
    normalize_squad,
    score_questions,
    score_squad,
)

__all__ = [
    "QuestionScores",
    "accuracy",
    "both_directions",
    "correctness",
    "f1_from_counts",
    "get_entities",
    "get_normalizer",
    "hits",
    "normalize_mlqa",
    "normalize_squad",
    "prf_from_counts",
    "score_questions",
    "score_squad",
    "sentence_counts",
    "similarity_ranks",
    "span_f1",
    "top1_accuracy",
]
