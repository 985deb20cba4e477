"""Retrieval by embedding similarity (Tatoeba-style XSR; Cao et al. word retrieval).

The gold target of source ``i`` is target ``i``. :func:`similarity_ranks` returns, per source,
the 0-based rank of its gold target (0 = retrieved first), so top-1 accuracy is
``mean(rank == 0)`` and the per-query hits feed the paired tests. Ties are broken towards the
lower target index, like ``numpy.argmax``.

Normalisation modes:

* ``"per_vector"`` (correct; XTREME's faiss ``IndexFlatL2`` on L2-normalised vectors): every
  source and target vector is scaled to unit length, so the score is cosine similarity.
* ``"cao"`` reproduces the released helper of Cao et al. (2020), whose ``normalize()`` divides
  a whole matrix by its Frobenius norm instead of each row. A single query vector is thereby
  unit-normalised, but the candidate matrix is only scaled by a constant, so candidates keep
  their different lengths and the ranking is that of the raw dot product; with CSLS the
  hubness term (computed between two globally scaled matrices) is also on a much smaller scale
  than the similarity term, so it barely matters. On vectors with varied norms this ranks very
  differently from cosine.
* ``"none"``: raw dot product (for comparison).

``scoring="csls"`` uses CSLS (Conneau et al. 2018), ``2 cos(x, y) - r_T(x) - r_S(y)`` with
``r`` the mean similarity to the ``k`` nearest neighbours in the other set; only ``r_S(y)``
affects a query's ranking. In ``"cao"`` mode it follows Cao's ``bestk_idx_CSLS``.
"""

from __future__ import annotations

import numpy as np

from repro.errors import ConfigError, DataError

NORMALIZE_MODES = ("per_vector", "cao", "none")
SCORINGS = ("cosine", "csls")
_BLOCK = 1024
_EPS = 1e-5  # Cao's guard: norms below this are treated as 1


def _check(src: np.ndarray, tgt: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    src = np.asarray(src, dtype=np.float64)
    tgt = np.asarray(tgt, dtype=np.float64)
    if src.ndim != 2 or tgt.ndim != 2 or src.shape != tgt.shape:
        raise DataError(
            None,
            None,
            f"source {src.shape} and target {tgt.shape} embeddings: "
            "expected two (n, dim) matrices of the same shape (row i pairs with i)",
        )
    if src.shape[0] == 0:
        raise DataError(None, None, "no embeddings to retrieve")
    if not (np.isfinite(src).all() and np.isfinite(tgt).all()):
        raise DataError(None, None, "embeddings contain NaN or infinity")
    return src, tgt


def _unit_rows(x: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    return x / np.where(norms < _EPS, 1.0, norms)


def _frobenius(x: np.ndarray) -> np.ndarray:
    norm = float(np.linalg.norm(x))
    return x / (1.0 if norm < _EPS else norm)


def _topk_mean_over_rows(a: np.ndarray, b: np.ndarray, k: int) -> np.ndarray:
    """For each row of ``b``: mean of its ``k`` largest similarities ``a @ b_j`` (blocked)."""
    k = min(k, a.shape[0])
    out = np.empty(b.shape[0])
    for s in range(0, b.shape[0], _BLOCK):
        sim = b[s : s + _BLOCK] @ a.T
        out[s : s + _BLOCK] = np.partition(sim, sim.shape[1] - k, axis=1)[:, -k:].mean(axis=1)
    return out


def similarity_ranks(
    src_emb: np.ndarray,
    tgt_emb: np.ndarray,
    *,
    normalize: str = "per_vector",
    scoring: str = "cosine",
    k: int = 10,
) -> np.ndarray:
    """Rank (0 = best) of the gold target ``tgt_emb[i]`` for each query ``src_emb[i]``."""
    if normalize not in NORMALIZE_MODES:
        raise ConfigError(f"unknown normalize {normalize!r}; expected one of {NORMALIZE_MODES}")
    if scoring not in SCORINGS:
        raise ConfigError(f"unknown scoring {scoring!r}; expected one of {SCORINGS}")
    if k < 1:
        raise ConfigError(f"CSLS k must be >= 1, got {k}")
    src, tgt = _check(src_emb, tgt_emb)
    if normalize == "per_vector":
        queries, cands = _unit_rows(src), _unit_rows(tgt)
        hub_src = queries
    elif normalize == "cao":
        queries, cands = _unit_rows(src), _frobenius(tgt)  # one query at a time -> unit
        hub_src = _frobenius(src)
    else:
        queries, cands = src, tgt
        hub_src = src
    penalty = _topk_mean_over_rows(hub_src, cands, k) if scoring == "csls" else None
    n = src.shape[0]
    ranks = np.empty(n, dtype=np.int64)
    for s in range(0, n, _BLOCK):
        scores = queries[s : s + _BLOCK] @ cands.T
        if penalty is not None:
            scores = 2.0 * scores - penalty[None, :]
        rows = np.arange(s, min(s + _BLOCK, n))
        gold = scores[rows - s, rows][:, None]
        cols = np.arange(n)[None, :]
        better = (scores > gold) | ((scores == gold) & (cols < rows[:, None]))
        ranks[s : s + _BLOCK] = better.sum(axis=1)
    return ranks


def top1_accuracy(ranks: np.ndarray) -> float:
    """Fraction (0-1) of queries whose gold target is retrieved first."""
    ranks = np.asarray(ranks)
    if ranks.size == 0:
        raise DataError(None, None, "no ranks: accuracy of an empty query set is undefined")
    return float(np.mean(ranks == 0))


def hits(ranks: np.ndarray) -> np.ndarray:
    """Per-query top-1 hit (int8 0/1), the per-example statistic for paired tests."""
    return (np.asarray(ranks) == 0).astype(np.int8)


def both_directions(src_emb: np.ndarray, tgt_emb: np.ndarray, **kwargs) -> dict[str, np.ndarray]:
    """Ranks in both directions: ``"src_to_tgt"`` (queries from src, target side indexed) and
    ``"tgt_to_src"``. With XSR records (src = English): src_to_tgt is XTREME's en->xx,
    tgt_to_src is Efimov et al.'s xx->en (English side indexed)."""
    return {
        "src_to_tgt": similarity_ranks(src_emb, tgt_emb, **kwargs),
        "tgt_to_src": similarity_ranks(tgt_emb, src_emb, **kwargs),
    }
