"""Per-example correctness and accuracy (XNLI), kept per example so paired tests can resample."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from repro.errors import DataError


def correctness(pred: Sequence, gold: Sequence) -> np.ndarray:
    """1 where the prediction equals the gold label, else 0 (int8, one entry per example)."""
    if len(pred) != len(gold):
        raise DataError(
            None,
            None,
            f"{len(pred)} predictions for {len(gold)} gold labels; "
            "expected one prediction per example",
        )
    return np.fromiter(
        (p == g for p, g in zip(pred, gold, strict=True)), dtype=np.int8, count=len(gold)
    )


def accuracy(pred: Sequence, gold: Sequence) -> float:
    """Fraction (0-1) of examples predicted correctly; an empty test set is an error, not 0."""
    if len(gold) == 0:
        raise DataError(None, None, "no examples: accuracy of an empty test set is undefined")
    return float(correctness(pred, gold).mean())
