"""Entity-level span F1 for IOB2 tagging (WikiANN), compatible with ``seqeval``.

Why our own chunker: the significance tests need *per-sentence* sufficient statistics
(tp, n_pred, n_gold) so that F1 can be recomputed from summed counts on every resample;
seqeval only returns the corpus score. ``mode="lenient"`` (default) reproduces seqeval's
default mode, which is conlleval-like: a stray ``I-X`` (after ``O`` or after another type)
starts a new entity and a type change ends one. ``mode="strict"`` reproduces
``seqeval`` with ``mode="strict", scheme=IOB2``: only ``B-X (I-X)*`` runs are entities and
stray ``I-`` tokens are ignored.

Corpus F1 is ``2 tp / (n_pred + n_gold)`` over *summed* counts (seqeval concatenates sentences
with an ``O`` between them, so no entity crosses a sentence boundary and per-sentence counts
sum to the corpus counts). Never average per-sentence F1: that is a different quantity.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from repro.errors import DataError

Entity = tuple[str, int, int]  # (type, first token, last token), inclusive like seqeval

_LENIENT_PREFIXES = frozenset("BIES")
_STRICT_PREFIXES = frozenset("BI")
MODES = ("lenient", "strict")


def _split(tag: str, allowed: frozenset[str], where: str) -> tuple[str, str]:
    if tag == "O":
        return "O", ""
    if isinstance(tag, str) and len(tag) > 2 and tag[0] in allowed and tag[1] == "-":
        return tag[0], tag[2:]
    expected = "'O' or " + "/".join(sorted(allowed)) + "-TYPE"
    raise DataError(None, where, f"bad tag {tag!r}; expected {expected}")


def _lenient_entities(tags: Sequence[str], where: str) -> list[Entity]:
    chunks: list[Entity] = []
    prev, prev_type, begin = "O", "", 0
    for i, tag in enumerate([*tags, "O"]):  # the trailing O flushes the last chunk
        cur, cur_type = _split(tag, _LENIENT_PREFIXES, f"{where}, token {i}")
        ends = (
            prev in "ES"
            or (prev in "BI" and cur in "BSO")
            or (prev != "O" and prev_type != cur_type)
        )
        starts = (
            cur in "BS" or (cur in "EI" and prev in "ESO") or (cur != "O" and prev_type != cur_type)
        )
        if ends:
            chunks.append((prev_type, begin, i - 1))
        if starts:
            begin = i
        prev, prev_type = cur, cur_type
    return chunks


def _strict_entities(tags: Sequence[str], where: str) -> list[Entity]:
    chunks: list[Entity] = []
    open_type: str | None = None
    begin = 0
    for i, tag in enumerate([*tags, "O"]):
        cur, cur_type = _split(tag, _STRICT_PREFIXES, f"{where}, token {i}")
        if open_type is not None and not (cur == "I" and cur_type == open_type):
            chunks.append((open_type, begin, i - 1))
            open_type = None
        if cur == "B":
            open_type, begin = cur_type, i
    return chunks


def get_entities(
    tags: Sequence[str], *, mode: str = "lenient", where: str = "sentence"
) -> list[Entity]:
    """Entities ``(type, start, end)`` (end inclusive) of one tag sequence."""
    if mode == "lenient":
        return _lenient_entities(tags, where)
    if mode == "strict":
        return _strict_entities(tags, where)
    raise DataError(None, None, f"unknown span mode {mode!r}; expected one of {MODES}")


def sentence_counts(
    gold_tags: Sequence[Sequence[str]], pred_tags: Sequence[Sequence[str]], *, mode: str = "lenient"
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per-sentence ``(tp, n_pred, n_gold)`` int64 arrays: the resampling unit for span F1."""
    if len(gold_tags) != len(pred_tags):
        raise DataError(
            None,
            None,
            f"{len(pred_tags)} predicted sentences for "
            f"{len(gold_tags)} gold sentences; expected one per sentence",
        )
    n = len(gold_tags)
    tp = np.zeros(n, dtype=np.int64)
    n_pred = np.zeros(n, dtype=np.int64)
    n_gold = np.zeros(n, dtype=np.int64)
    for i, (gold, pred) in enumerate(zip(gold_tags, pred_tags, strict=True)):
        if len(gold) != len(pred):
            raise DataError(
                None,
                f"sentence {i}",
                f"{len(pred)} predicted tags for {len(gold)} gold tags; expected one tag per word",
            )
        g = set(get_entities(gold, mode=mode, where=f"sentence {i} (gold)"))
        p = set(get_entities(pred, mode=mode, where=f"sentence {i} (pred)"))
        tp[i], n_pred[i], n_gold[i] = len(g & p), len(p), len(g)
    return tp, n_pred, n_gold


def prf_from_counts(tp, n_pred, n_gold) -> dict[str, float]:
    """Micro precision/recall/F1 (0-1) from summed counts; 0 where undefined, as seqeval."""
    t, p, g = (int(np.sum(x)) for x in (tp, n_pred, n_gold))
    if t > min(p, g) or t < 0:
        raise DataError(
            None,
            None,
            f"inconsistent counts: tp={t}, n_pred={p}, n_gold={g}; "
            "expected 0 <= tp <= min(n_pred, n_gold)",
        )
    precision = t / p if p else 0.0
    recall = t / g if g else 0.0
    f1 = 2.0 * t / (p + g) if t else 0.0
    return {"precision": precision, "recall": recall, "f1": f1}


def f1_from_counts(tp, n_pred, n_gold) -> float:
    """Micro entity F1 (0-1) from counts summed over sentences (never mean of sentence F1s)."""
    return prf_from_counts(tp, n_pred, n_gold)["f1"]


def span_f1(
    gold_tags: Sequence[Sequence[str]], pred_tags: Sequence[Sequence[str]], *, mode: str = "lenient"
) -> float:
    """Corpus entity F1 (0-1); equals ``seqeval.metrics.f1_score`` in the same mode."""
    return f1_from_counts(*sentence_counts(gold_tags, pred_tags, mode=mode))
