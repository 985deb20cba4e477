"""Simulated paired evaluations shared by the statistics tests."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest


def binary_pair(
    rng: np.random.Generator,
    n: int,
    *,
    k: int = 1,
    acc: float = 0.7,
    flip: float = 0.15,
    gain: float = 0.0,
) -> tuple[np.ndarray, np.ndarray]:
    """0/1 correctness of two correlated systems, shape (k, n) (or (n,) when k == 1)."""
    base = (rng.random((k, n)) < acc).astype(np.float64)
    redo = rng.random((k, n)) < flip
    new = np.where(redo, rng.random((k, n)) < acc + gain, base).astype(np.float64)
    return (base[0], new[0]) if k == 1 else (base, new)


def continuous_pair(
    rng: np.random.Generator, n: int, *, k: int = 1, gain: float = 0.0, noise: float = 0.2
) -> tuple[np.ndarray, np.ndarray]:
    """Per-example scores in [0, 1] (QA F1-like), shape (k, n) (or (n,) when k == 1)."""
    difficulty = rng.beta(2.0, 1.0, size=n)
    base = np.clip(difficulty + rng.normal(0, noise, (k, n)), 0, 1)
    new = np.clip(difficulty + gain + rng.normal(0, noise, (k, n)), 0, 1)
    return (base[0], new[0]) if k == 1 else (base, new)


def span_counts(
    rng: np.random.Generator, n: int, *, k: int = 1, quality: float = 0.7
) -> dict[str, np.ndarray]:
    """Per-sentence (tp, n_pred, n_gold) of a tagger, shape (k, n)."""
    n_gold = np.broadcast_to(rng.poisson(1.5, size=n), (k, n))
    tp = rng.binomial(n_gold, quality)
    n_pred = tp + rng.poisson(0.4, size=(k, n))
    return {"tp": tp, "n_pred": n_pred, "n_gold": np.array(n_gold)}


@pytest.fixture(scope="session")
def sim() -> SimpleNamespace:
    return SimpleNamespace(
        binary_pair=binary_pair, continuous_pair=continuous_pair, span_counts=span_counts
    )
