"""NLI (XNLI / MultiNLI and the synthetic NLI task): premise/hypothesis pair -> 3 labels.

Head: ``BertForSequenceClassification`` on the pooled [CLS] vector, as the paper's
``run_xnli`` scripts. Metric: accuracy from per-example correctness (paired tests resample it).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from repro.metrics.classification import correctness
from repro.records import NLI_LABELS
from repro.tasks.base import Encoded, Feature, FeatureConfig, head_loaders, is_collapsed

if TYPE_CHECKING:
    from transformers import PreTrainedTokenizerBase

NAME = "nli"
RECORD_KIND = "nli"
OUTPUTS = ("logits",)
PER_TOKEN = False
LABEL_KEYS = ("labels",)
LABELS: tuple[str, ...] = NLI_LABELS
LABEL2ID = {lab: i for i, lab in enumerate(LABELS)}
build_model, load_model = head_loaders("AutoModelForSequenceClassification", LABELS)


def _encode(
    records: Sequence[Mapping],
    tokenizer: PreTrainedTokenizerBase,
    fcfg: FeatureConfig,
    with_labels: bool,
) -> list[Feature]:
    if not records:
        return []
    enc = tokenizer(
        [r["premise"] for r in records],
        [r["hypothesis"] for r in records],
        truncation=True,
        max_length=fcfg.max_seq_length,
        return_token_type_ids=True,
        return_attention_mask=True,
    )
    feats: list[Feature] = []
    for i, rec in enumerate(records):
        f: Feature = {
            "input_ids": enc["input_ids"][i],
            "token_type_ids": enc["token_type_ids"][i],
            "attention_mask": enc["attention_mask"][i],
        }
        if with_labels:
            f["labels"] = LABEL2ID[rec["label"]]
        feats.append(f)
    return feats


def encode_train(
    records: Sequence[Mapping], tokenizer: PreTrainedTokenizerBase, fcfg: FeatureConfig
) -> list[Feature]:
    return _encode(records, tokenizer, fcfg, with_labels=True)


def encode_eval(
    records: Sequence[Mapping], tokenizer: PreTrainedTokenizerBase, fcfg: FeatureConfig
) -> Encoded:
    return Encoded(features=_encode(records, tokenizer, fcfg, with_labels=False))


def decode(
    records: Sequence[Mapping], encoded: Encoded, outputs: Mapping[str, list[np.ndarray]], ecfg: Any
) -> list[dict]:
    """One record per example: ``{id, lang, label, pred, correct}``."""
    logits = outputs["logits"]
    preds = [LABELS[int(np.argmax(row))] for row in logits]
    golds = [r["label"] for r in records]
    correct = correctness(preds, golds)
    return [
        {"id": r["id"], "lang": r["lang"], "label": r["label"], "pred": p, "correct": int(c)}
        for r, p, c in zip(records, preds, correct, strict=True)
    ]


def chance_level(records: Sequence[Mapping]) -> float:
    """Accuracy of always predicting the majority gold label (1/3 on balanced XNLI)."""
    counts = Counter(r["label"] for r in records)
    return max(counts.values()) / len(records) if records else 1.0 / len(LABELS)


def score(predictions: Sequence[Mapping], records: Sequence[Mapping], ecfg: Any) -> dict[str, Any]:
    n = len(predictions)
    acc = float(np.mean([p["correct"] for p in predictions])) if n else 0.0
    chance = chance_level(records)
    return {
        "metric": "accuracy",
        "accuracy": acc,
        "n": n,
        "chance": chance,
        "collapsed": is_collapsed(acc, chance, ecfg.collapse_margin),
    }
