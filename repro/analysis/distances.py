"""Embedding-distance ("forgetting") analysis: pure functions over word vectors and distances.

Related pair = an English word and its aligned translation in a held-out parallel sentence;
unrelated pair = the same English word and a random word of a *different* pair (matched in
number, seeded), docs/paper.md §7 / §12.13. The per-link paired difference (unrelated − related) is
what the paper's "paired-differences histograms" show; a positive mass means related words are
closer than unrelated ones.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

QUANTILES: tuple[float, ...] = (0.0, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 1.0)
METRICS = ("cos", "euc")
_EPS = 1e-12


def cosine_distance(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Row-wise 1 − cos(a_i, b_i); 1 (orthogonal) when either vector is zero."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    na, nb = np.linalg.norm(a, axis=-1), np.linalg.norm(b, axis=-1)
    dot = np.einsum("...h,...h->...", a, b)
    return 1.0 - dot / np.maximum(na * nb, _EPS)


def euclidean_distance(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.linalg.norm(np.asarray(a, np.float64) - np.asarray(b, np.float64), axis=-1)


def draw_unrelated(
    link_pair: Sequence[int], valid_words: Sequence[Sequence[int]], rng: np.random.Generator
) -> list[tuple[int, int]]:
    """For each link of pair ``p``: a (pair, word) from a different pair, uniformly.

    ``valid_words[q]`` lists the target words of pair q that have a vector. Pairs with none are
    never drawn. Needs at least two pairs with valid words.
    """
    usable = np.array([q for q, w in enumerate(valid_words) if len(w)], dtype=np.int64)
    out = []
    for p in link_pair:
        choices = usable[usable != p]
        if choices.size == 0:
            raise ValueError("unrelated words need at least two sentence pairs with words")
        q = int(choices[rng.integers(choices.size)])
        words = valid_words[q]
        out.append((q, int(words[rng.integers(len(words))])))
    return out


def _stats(x: np.ndarray) -> dict[str, Any]:
    return {
        "mean": float(np.mean(x)),
        "median": float(np.median(x)),
        "std": float(np.std(x)),
        "quantiles": [float(v) for v in np.quantile(x, QUANTILES)],
    }


def summarize(rows: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Means, medians, gap (unrelated − related), ratio (unrelated / related) and quantiles of
    related, unrelated and paired-difference distances, for cosine and Euclidean."""
    if not rows:
        raise ValueError("no distance rows to summarise")
    out: dict[str, Any] = {"n": len(rows), "quantile_levels": list(QUANTILES)}
    for m in METRICS:
        rel = np.array([r[f"related_{m}"] for r in rows], dtype=np.float64)
        unr = np.array([r[f"unrelated_{m}"] for r in rows], dtype=np.float64)
        diff = unr - rel
        rel_s, unr_s = _stats(rel), _stats(unr)
        out[m] = {
            "related": rel_s,
            "unrelated": unr_s,
            "paired_diff": {**_stats(diff), "share_positive": float(np.mean(diff > 0))},
            "gap": unr_s["mean"] - rel_s["mean"],
            "ratio": unr_s["mean"] / rel_s["mean"] if rel_s["mean"] > _EPS else float("inf"),
        }
    # a degenerate representation puts every word at the same point
    out["collapsed"] = bool(out["euc"]["unrelated"]["mean"] < 1e-6)
    return out


def histogram(
    values: Sequence[float], bins: int = 30, value_range: tuple[float, float] | None = None
) -> dict[str, list[float]]:
    """Counts and edges for plotting (e.g. paired differences)."""
    counts, edges = np.histogram(np.asarray(values, dtype=np.float64), bins=bins, range=value_range)
    return {"counts": [int(c) for c in counts], "edges": [float(e) for e in edges]}
