"""The resampling core: units canonicalised and oriented once, resample sums drawn in chunks
(multinomial counts or gathered indices, whichever is cheaper for the shape), and the seed term's
deviations. Pure functions of numpy arrays and a generator."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from repro.stats.units import PairedUnits, _f1

_CHUNK_CELLS = 1 << 15  # rows x units per chunk: 256 KB int64 buffers avoid page-fault churn


_GATHER_MAX_COLUMNS = 4


def canonical_units(features: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct unit profiles in sorted order and their multiplicities."""
    uniq, counts = np.unique(features, axis=0, return_counts=True)
    return uniq, counts.astype(np.int64)


@dataclass(frozen=True)
class Oriented:
    """The pair in canonical orientation, with per-seed scores mapped back to the input.

    The canonical orientation is the one (as given, or swapped) whose sorted profile table is
    smaller; resampling there and mapping back makes results exactly antisymmetric under
    swapping the systems. ``symmetric``: both orientations are the same multiset of units, so
    delta is exactly 0 and the bootstrap distribution is symmetric; results are then made
    symmetric conservatively (``p_greater = p_less = max``, interval ``[-h, h]``).
    """

    units: PairedUnits
    flipped: bool
    symmetric: bool
    per_base: np.ndarray  # per-seed scores, input orientation
    per_new: np.ndarray

    @property
    def delta(self) -> float:
        """Estimate of delta in the canonical orientation."""
        if self.symmetric:
            return 0.0
        b, n = (self.per_new, self.per_base) if self.flipped else (self.per_base, self.per_new)
        return float(n.mean() - b.mean())

    def per_seed_delta(self) -> np.ndarray:
        """Per-seed deltas in the canonical orientation."""
        d = self.per_new - self.per_base
        return -d if self.flipped else d

    def to_input(
        self, p_greater: float, p_less: float, low: float, high: float
    ) -> tuple[float, float, float, float]:
        """Map one-sided p-values and an interval for delta back to the input orientation."""
        if self.symmetric:
            p = max(p_greater, p_less)
            h = max(abs(low), abs(high))
            return p, p, -h, h
        if self.flipped:
            return p_less, p_greater, -high, -low
        return p_greater, p_less, low, high


def orient(units: PairedUnits) -> Oriented:
    u1, c1 = canonical_units(units.features)
    swapped = units.swapped()
    u2, c2 = canonical_units(swapped.features)
    a = np.concatenate([c1.astype(np.float64), u1.ravel()])
    b = np.concatenate([c2.astype(np.float64), u2.ravel()])
    diff = np.flatnonzero(a != b)
    flipped = bool(diff.size and b[diff[0]] < a[diff[0]])
    canon = swapped if flipped else units
    per_b, per_n = point_scores(canon)
    if not diff.size:  # the same multiset both ways: the two systems score identically
        per_n = per_b
    if flipped:
        per_b, per_n = per_n, per_b
    return Oriented(canon, flipped, not diff.size, per_b, per_n)


def _chunk_rows(n_resamples: int, width: int) -> int:
    return max(1, min(n_resamples, _CHUNK_CELLS // max(width, 1)))


def use_multinomial(m: int, n_units: int) -> bool:
    """Few distinct profiles: draw their counts directly; else draw unit indices."""
    return m <= 8 or 16 * m <= n_units


def _statistic_columns(units: PairedUnits, uniq: np.ndarray, target: str):
    """The columns a resample must sum for ``target`` ("delta": new - base per seed; "base":
    base per seed), and the map from those sums (r, F') to the per-seed statistic (r, k).

    For means only the differences (and cluster sizes, when they vary) are summed, which keeps
    the per-resample work small; F1 is non-linear and needs both systems' counts.
    """
    k = units.n_seeds
    if units.metric == "mean":
        values = uniq[:, k : 2 * k] - uniq[:, :k] if target == "delta" else uniq[:, :k]
        size = uniq[:, 2 * k]
        if np.all(size == 1.0):  # no clusters: every resample has exactly n units
            n = float(units.n_units)
            return values, lambda sums: sums / n
        return (
            np.concatenate([values, size[:, None]], axis=1),
            lambda sums: sums[:, :k] / sums[:, k : k + 1],
        )
    if target == "delta":

        def f1_delta(sums: np.ndarray) -> np.ndarray:
            base, new = units.scores(sums)
            return new - base

        return uniq, f1_delta
    cols = uniq[:, : 2 * k]
    return cols, lambda sums: _f1(sums[:, :k], sums[:, k:])


def _resample_sums(
    rng: np.random.Generator, values: np.ndarray, counts: np.ndarray, rows: int
) -> np.ndarray:
    """Column sums of ``values`` (one row per distinct profile, multiplicities ``counts``)
    over ``rows`` bootstrap resamples of the units: (rows, F')."""
    m, width = values.shape
    n = int(counts.sum())
    if use_multinomial(m, n):
        return rng.multinomial(n, counts / n, size=rows).astype(np.float64) @ values
    idx = rng.integers(0, n, size=(rows, n))
    expanded = values if m == n else np.repeat(values, counts, axis=0)
    if width <= _GATHER_MAX_COLUMNS:  # a gather from a small table beats counts + BLAS
        return np.stack([np.take(expanded[:, f], idx).sum(axis=1) for f in range(width)], axis=1)
    idx += (np.arange(rows, dtype=np.int64) * n)[:, None]
    picked = np.bincount(idx.ravel(), minlength=rows * n).reshape(rows, n)
    return picked.astype(np.float64) @ expanded


def _unit_draws(
    units: PairedUnits, n_resamples: int, rng: np.random.Generator, target: str = "delta"
) -> np.ndarray:
    """Per-seed ``target`` statistic on ``n_resamples`` unit resamples: (B, k)."""
    uniq, counts = canonical_units(units.features)
    values, to_stat = _statistic_columns(units, uniq, target)
    n = int(counts.sum())
    rows = _chunk_rows(n_resamples, counts.size if use_multinomial(counts.size, n) else n)
    out = np.empty((n_resamples, units.n_seeds))
    for start in range(0, n_resamples, rows):
        r = min(rows, n_resamples - start)
        out[start : start + r] = to_stat(_resample_sums(rng, values, counts, r))
    return out


def seed_deviations(
    point: np.ndarray,
    draws: np.ndarray,
    rng: np.random.Generator,
    seed_method: str,
    tails: str = "t",
) -> np.ndarray:
    """Bootstrap deviations ``d_b`` of a seed-averaged statistic around its estimate.

    ``point``: (k,) per-seed values on the full test set; ``draws``: (B, k) per-seed values on
    the same B unit resamples. See the module docstring for the three methods.
    """
    k = point.size
    estimate = float(point.mean())
    if seed_method == "multibootstrap" and k > 1:
        picks = rng.multinomial(k, np.full(k, 1.0 / k), size=draws.shape[0]) / k
        return (picks * draws).sum(axis=1) - estimate
    example_dev = draws.mean(axis=1) - estimate
    if seed_method == "none" or k == 1:
        return example_dev
    many = draws.shape[0] > 1
    v_avg = float(np.var(example_dev, ddof=1)) if many else 0.0
    v_single = float(np.var(draws, axis=0, ddof=1).mean()) if many else 0.0
    v_between_units = max(0.0, (k * v_avg - v_single) / (k - 1))
    shrink = np.sqrt(v_between_units / v_avg) if v_avg > 0 else 0.0
    seed_sd = float(np.std(point, ddof=1)) / np.sqrt(k)
    # tails="normal": the sampling distribution of the estimate itself (the seed SD at its
    # value), which power analysis needs; tests use t(k - 1) because S is estimated
    seed_draws = (
        rng.standard_t(k - 1, size=draws.shape[0])
        if tails == "t"
        else rng.standard_normal(draws.shape[0])
    )
    return shrink * example_dev + seed_sd * seed_draws


def point_scores(units: PairedUnits) -> tuple[np.ndarray, np.ndarray]:
    """Per-seed scores of both systems on the full test set (order-independent sums)."""
    uniq, counts = canonical_units(units.features)
    # an axis-0 sum (not BLAS) treats every column alike, so identical systems tie exactly
    return units.scores((counts[:, None] * uniq).sum(axis=0))
