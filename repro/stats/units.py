"""The bootstrap's input layer: per-example statistics of two systems over several runs, checked and
reduced to paired resampling units (clusters such as SQuAD paragraphs, F1 as tp/denominator
sums)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from repro.errors import ConfigError, DataError


@dataclass(frozen=True)
class PairedUnits:
    """Per-unit summed sufficient statistics of both systems, shared by all paired tests.

    Column layout of ``features`` (k = n_seeds):
    ``"mean"``: ``[base_0..base_{k-1}, new_0..new_{k-1}, size]``;
    ``"f1"``: ``[tp_base (k), den_base (k), tp_new (k), den_new (k)]`` with den = n_pred + n_gold.
    """

    metric: str
    n_seeds: int
    n_examples: int
    features: np.ndarray

    @property
    def n_units(self) -> int:
        return int(self.features.shape[0])

    def _halves(self) -> tuple[np.ndarray, np.ndarray]:
        k = self.n_seeds
        if self.metric == "mean":
            return np.arange(k), np.arange(k, 2 * k)
        return np.arange(2 * k), np.arange(2 * k, 4 * k)

    def swap_columns(self) -> np.ndarray:
        """Column permutation that exchanges the two systems."""
        b, n = self._halves()
        extra = [2 * self.n_seeds] if self.metric == "mean" else []
        return np.concatenate([n, b, np.asarray(extra, dtype=np.int64)])

    def swapped(self) -> PairedUnits:
        return PairedUnits(
            self.metric, self.n_seeds, self.n_examples, self.features[:, self.swap_columns()]
        )

    def differences(self) -> np.ndarray:
        """``new - base`` columns per unit (what a label swap of the unit changes)."""
        b, n = self._halves()
        return self.features[:, n] - self.features[:, b]

    def scores(self, sums: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per-seed ``(base, new)`` scores, shape (..., k), from weighted feature sums (..., F)."""
        k = self.n_seeds
        if self.metric == "mean":
            size = sums[..., 2 * k : 2 * k + 1]
            return sums[..., :k] / size, sums[..., k : 2 * k] / size
        return (
            _f1(sums[..., :k], sums[..., k : 2 * k]),
            _f1(sums[..., 2 * k : 3 * k], sums[..., 3 * k : 4 * k]),
        )


def _f1(tp: np.ndarray, den: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(den > 0, 2.0 * tp / np.where(den > 0, den, 1.0), 0.0)


def _as_runs(x: Any, name: str, *, integer: bool = False) -> np.ndarray:
    arr = np.asarray(x)
    if arr.ndim == 1:
        arr = arr[None, :]
    if arr.ndim != 2 or arr.shape[1] == 0 or arr.shape[0] == 0:
        raise DataError(
            None,
            name,
            f"shape {np.shape(x)}; expected (n_examples,) or "
            "(n_seeds, n_examples) with at least one example",
        )
    if not (np.issubdtype(arr.dtype, np.number) or arr.dtype == bool):
        raise DataError(None, name, f"dtype {arr.dtype}; expected numbers")
    arr = arr.astype(np.float64)
    if not np.isfinite(arr).all():
        raise DataError(None, name, "contains NaN or infinity; expected finite numbers")
    if integer and ((arr < 0).any() or (arr != np.round(arr)).any()):
        raise DataError(None, name, "expected non-negative integer counts")
    return arr


def _f1_runs(x: Any, name: str) -> tuple[np.ndarray, np.ndarray]:
    if not isinstance(x, Mapping) or any(key not in x for key in F1_KEYS):
        raise DataError(None, name, f"expected a mapping with keys {F1_KEYS} for metric 'f1'")
    tp, n_pred, n_gold = (_as_runs(x[key], f"{name}[{key!r}]", integer=True) for key in F1_KEYS)
    if not (tp.shape == n_pred.shape == n_gold.shape):
        raise DataError(
            None,
            name,
            f"count arrays have shapes {tp.shape}, {n_pred.shape}, "
            f"{n_gold.shape}; expected one shape",
        )
    if (tp > np.minimum(n_pred, n_gold)).any():
        raise DataError(None, name, "tp exceeds n_pred or n_gold for some sentence")
    return tp, n_pred + n_gold


def _cluster_sums(values: np.ndarray, inverse: np.ndarray) -> np.ndarray:
    """Per-cluster column sums in a canonical (value-sorted) order, so they are bit-identical
    whatever the order of examples within a cluster."""
    n_clusters = int(inverse.max()) + 1
    out = np.empty((n_clusters, values.shape[1]))
    for f in range(values.shape[1]):
        order = np.lexsort((values[:, f], inverse))
        sorted_ids = inverse[order]
        starts = np.flatnonzero(np.r_[True, sorted_ids[1:] != sorted_ids[:-1]])
        out[:, f] = np.add.reduceat(values[order, f], starts)
    return out


def _tile_exact(b: np.ndarray, n: np.ndarray) -> np.ndarray:
    """One deterministic base run repeated for each run of ``new``."""
    if b.shape[0] != 1:
        raise DataError(
            None, "base", f"exact_base needs one base run, got {b.shape[0]} (shape {b.shape})"
        )
    return np.repeat(b, n.shape[0], axis=0)


def paired_units(
    base: Any, new: Any, *, metric: str = "mean", groups: Any = None, exact_base: bool = False
) -> PairedUnits:
    """Validate both systems' per-example statistics and sum them into resampling units."""
    if metric not in METRICS:
        raise ConfigError(f"unknown metric {metric!r}; expected one of {METRICS}")
    if metric == "mean":
        b, n = _as_runs(base, "base"), _as_runs(new, "new")
        if exact_base:
            b = _tile_exact(b, n)
        if b.shape != n.shape:
            raise DataError(
                None,
                "new",
                f"shape {n.shape} differs from base {b.shape}; both "
                "systems need the same seeds and examples (join on id first)",
            )
        k, n_ex = b.shape
        per_example = np.concatenate([b.T, n.T, np.ones((n_ex, 1))], axis=1)
    else:
        tp_b, den_b = _f1_runs(base, "base")
        tp_n, den_n = _f1_runs(new, "new")
        if exact_base:
            tp_b, den_b = _tile_exact(tp_b, tp_n), _tile_exact(den_b, tp_n)
        if tp_b.shape != tp_n.shape:
            raise DataError(
                None,
                "new",
                f"shape {tp_n.shape} differs from base {tp_b.shape}; "
                "both systems need the same seeds and sentences",
            )
        k, n_ex = tp_b.shape
        per_example = np.concatenate([tp_b.T, den_b.T, tp_n.T, den_n.T], axis=1)
    if groups is None:
        return PairedUnits(metric, k, n_ex, per_example)
    g = np.asarray(groups)
    if g.ndim != 1 or g.shape[0] != n_ex:
        raise DataError(
            None, "groups", f"shape {g.shape}; expected ({n_ex},): one cluster id per example"
        )
    inverse = np.unique(g, return_inverse=True)[1].reshape(-1)
    return PairedUnits(metric, k, n_ex, _cluster_sums(per_example, inverse))


METRICS = ("mean", "f1")


F1_KEYS = ("tp", "n_pred", "n_gold")


@dataclass(frozen=True)
class ResampledResult:
    """What every resampling result records besides its estimates: the metric and the design
    it was drawn from (units, runs, resamples and the generator's seed), so a number in a
    report can be traced to the draw that made it."""

    metric: str
    n_units: int
    n_seeds: int
    n_resamples: int
    seed: int

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @staticmethod
    def design(metric: str, units: PairedUnits, n_resamples: int, seed: int) -> dict[str, Any]:
        """The fields above for a draw of ``n_resamples`` from ``units`` with ``seed``."""
        return {
            "metric": metric,
            "n_units": units.n_units,
            "n_seeds": units.n_seeds,
            "n_resamples": int(n_resamples),
            "seed": int(seed),
        }
