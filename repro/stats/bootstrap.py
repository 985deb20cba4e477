"""Paired bootstrap over test units (examples or clusters) x fine-tuning seeds.

The claim checker compares two systems (``base``, ``new``) evaluated on the same test examples
with the same fine-tuning seeds (row ``s`` of both systems shares data order and head
initialisation). The target is ``delta = E[new] - E[base]`` over test sets *and* fine-tuning
runs, estimated by the seed average of per-seed corpus scores.

Units. Each resample draws units with replacement - examples, or whole clusters such as QA
paragraphs - with the same draw for both systems and all seeds, and recomputes every per-seed
*corpus* statistic from summed per-unit sufficient statistics: ``"mean"`` sums values and unit
sizes; ``"f1"`` sums ``tp`` and ``n_pred + n_gold`` and takes ``2 tp / (n_pred + n_gold)``
(entity F1; averaging per-sentence F1 would test another quantity).

Seeds (``seed_method``). In a crossed design ``D_si = mu + a_s + b_i + e_si`` (run effect,
unit effect, run x unit noise), ``Var(delta_hat) = (s_a^2 + s_e^2 / n) / k + s_b^2 / n``.

* ``"components"`` (default): ``d_b = c * x_b + (S / sqrt(k)) * T_b``. ``x_b`` are the
  unit-bootstrap deviations of the seed average (runs fixed); ``S`` is the sample SD of the k
  per-seed deltas, which estimates ``s_a^2 + s_e^2 / n`` with k - 1 degrees of freedom, so
  ``T_b ~ t(k - 1)`` carries the uncertainty of having few seeds; ``c`` shrinks ``x_b`` to the
  part ``s_b^2 / n`` not already in ``S`` (estimated from the same resamples as
  ``(k V_avg - mean_s V_s) / (k - 1)``, floored at 0). If seed variance dominates this is the
  paired t-test on per-seed deltas; if unit variance dominates it is the unit bootstrap.
  In between it is conservative: with an exact base (whose own example noise is a unit
  effect) and little run variance, simulated false-positive rates are 0.02-0.03 at nominal
  0.05 (k = 2, 3; docs/statistics.md). Two alternatives were simulated and rejected because
  they are liberal: a Welch-Satterthwaite t-scale on the whole deviation (0.074-0.085 with
  k = 2) and a t-scale on only the run part in excess of the example noise (0.08 with k = 3).
* ``"multibootstrap"``: Sellam et al. (2022): each resample also draws k seed indices with
  replacement (the same for both systems) and averages over the drawn seeds. It counts the
  ``s_e^2`` noise twice (once through units, once through seeds) and shrinks the seed part by
  (k - 1) / k; in our simulations (tests/stats) it is over-conservative (type-I ~0.01 at
  nominal 0.05) when per-example noise dominates and liberal (~0.12) when run effects dominate
  with k = 3. Kept for comparison only.
* ``resample_seeds=False``: only units are resampled (runs held fixed), the plain paired
  bootstrap of Koehn (2004). Right for deterministic systems (two fixed encoders); for trained
  systems it ignores run-to-run variance, so it must be asked for explicitly.
* One run per system with ``resample_seeds=True`` is **refused** (:class:`InsufficientRuns`):
  run variance cannot be estimated from one run, and silently falling back to the unit
  bootstrap gave false-positive rates of 0.19-0.35 at nominal 0.05 in simulations with real
  run variance. ``exact_base=True`` declares the base a single deterministic system (e.g. the
  unadjusted encoder standing for the one published mBERT): its one run is compared with every
  run of ``new``, and the seed term is the run variance of ``new`` alone.

p-values: shift (centred) method of Berg-Kirkpatrick et al. (2012). The deviations ``d_b``
approximate the sampling distribution of the estimate around the truth, so under H0 (true
delta = 0) the estimate is distributed like ``d``::

    p_greater   = (1 + #{d_b >= delta})     / (B + 1)      H1: new > base
    p_less      = (1 + #{d_b <= delta})     / (B + 1)      H1: new < base
    p_two_sided = (1 + #{|d_b| >= |delta|}) / (B + 1)

Ties within a 1e-12 relative tolerance count as "at least as extreme" (conservative). The
interval is the percentile interval of ``delta + d_b``; it can disagree with the p-value when
the distribution is skewed (decisions use the p-value). This avoids the peer bugs in
method.md D: resamples are paired (deepsig's ``bootstrap_test`` is not), the tail is the
right one (testSignificanceNLP's ``rand_permutation`` counts the reversed tail), the statistic
is recomputed from counts (not a mean of per-item scores), inputs are never mutated, and no
global RNG is used.

Reproducibility: results are a deterministic function of the *multiset* of unit profiles and
``seed``: units are put in a canonical (sorted) order before resampling, so reordering the
examples (jointly for both systems) gives bit-identical results, and the pair is put in a
canonical orientation, so swapping ``base`` and ``new`` exactly negates ``delta`` and the
interval and exchanges ``p_greater`` and ``p_less``.

Speed: identical unit profiles are collapsed (for 0/1 metrics with one seed there are at most
four: the McNemar table) and units are drawn as multinomial counts, so a resample costs one
small matrix product instead of a gather over all examples.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from repro.errors import ConfigError, DataError

METRICS = ("mean", "f1")
F1_KEYS = ("tp", "n_pred", "n_gold")
SEED_METHODS = ("components", "multibootstrap")
TIE_RTOL = 1e-12
_CHUNK_CELLS = 1 << 15  # rows x units per chunk: 256 KB int64 buffers avoid page-fault churn
_GATHER_MAX_COLUMNS = 4


class InsufficientRuns(ConfigError):
    """Run variance was asked for but a trained side has fewer than two runs."""


@dataclass(frozen=True)
class PairedResult:
    """One paired comparison; ``delta = new - base`` on the metric's own scale (e.g. 0-1).

    ``bound_low``/``bound_high``: one-sided bounds at ``confidence`` consistent with the shift
    p-values (``p_less < 1 - confidence`` iff ``bound_high < 0``, up to ties), the bounds an
    equivalence-style rule needs (the two-sided ``ci_low``/``ci_high`` are percentile bounds).
    """

    metric: str
    base: float
    new: float
    delta: float
    ci_low: float
    ci_high: float
    confidence: float
    p_greater: float
    p_less: float
    p_two_sided: float
    n_units: int
    n_seeds: int
    n_resamples: int
    seed: int
    per_seed_base: tuple[float, ...]
    per_seed_new: tuple[float, ...]
    bound_low: float = float("nan")
    bound_high: float = float("nan")
    exact_base: bool = False
    margin: float | None = None  # equivalence margin m the four p-values below refer to
    p_above_margin: float | None = None  # H1: delta > m
    p_below_margin: float | None = None  # H1: delta < m
    p_above_neg_margin: float | None = None  # H1: delta > -m
    p_below_neg_margin: float | None = None  # H1: delta < -m

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["per_seed_base"] = list(self.per_seed_base)
        out["per_seed_new"] = list(self.per_seed_new)
        return out


# --------------------------------------------------------------------------- input layer


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


# --------------------------------------------------------------------------- resampling core


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


def _check_params(
    n_resamples: int, confidence: float | None = None, seed_method: str = "components"
) -> None:
    if (
        isinstance(n_resamples, bool)
        or not isinstance(n_resamples, (int, np.integer))
        or n_resamples < 1
    ):
        raise ConfigError(f"n_resamples must be a positive integer, got {n_resamples!r}")
    if confidence is not None and not 0.0 < confidence < 1.0:
        raise ConfigError(f"confidence must be in (0, 1), got {confidence!r}")
    if seed_method not in SEED_METHODS:
        raise ConfigError(f"unknown seed_method {seed_method!r}; expected one of {SEED_METHODS}")


def require_runs(n_seeds: int, resample_seeds: bool) -> None:
    """Refuse a run-variance test that has one run (module docstring)."""
    if resample_seeds and n_seeds < 2:
        raise InsufficientRuns(
            f"{n_seeds} run per system: run-to-run variance cannot be estimated. Give each "
            "trained system >= 2 runs (seeds), declare a deterministic base with "
            "exact_base=True, or pass resample_seeds=False to test fixed systems only"
        )


def _delta_deviations(
    units: PairedUnits,
    n_resamples: int,
    seed: int,
    resample_seeds: bool,
    seed_method: str,
    tails: str = "t",
) -> tuple[np.ndarray, Oriented]:
    """Bootstrap deviations ``d`` of delta, computed in the canonical orientation."""
    require_runs(units.n_seeds, resample_seeds)
    oriented = orient(units)
    rng = np.random.default_rng(seed)
    draws = _unit_draws(oriented.units, n_resamples, rng, "delta")
    method = seed_method if resample_seeds else "none"
    return seed_deviations(oriented.per_seed_delta(), draws, rng, method, tails), oriented


def bootstrap_deltas(
    base: Any,
    new: Any,
    *,
    metric: str = "mean",
    groups: Any = None,
    n_resamples: int = 10_000,
    seed: int = 0,
    resample_seeds: bool = True,
    seed_method: str = "components",
    exact_base: bool = False,
    tails: str = "t",
) -> np.ndarray:
    """The bootstrap distribution of ``delta = new - base`` (``delta_hat + d_b``) that
    :func:`paired_bootstrap` uses, in the input orientation (for plots and power analysis;
    ``tails="normal"`` gives the seed part normal rather than t(k - 1) tails)."""
    _check_params(n_resamples, seed_method=seed_method)
    units = paired_units(base, new, metric=metric, groups=groups, exact_base=exact_base)
    dev, oriented = _delta_deviations(units, n_resamples, seed, resample_seeds, seed_method, tails)
    draws = oriented.delta + dev
    if oriented.symmetric:  # symmetric distribution: use it both ways
        return np.where(np.arange(draws.size) % 2 == 0, draws, -draws)
    return -draws if oriented.flipped else draws


def bootstrap_scores(
    scores: Any,
    *,
    metric: str = "mean",
    groups: Any = None,
    n_resamples: int = 10_000,
    seed: int = 0,
    resample_seeds: bool = True,
    seed_method: str = "components",
) -> np.ndarray:
    """Bootstrap distribution of one system's seed-averaged score (same scheme as deltas)."""
    _check_params(n_resamples, seed_method=seed_method)
    units = paired_units(scores, scores, metric=metric, groups=groups)
    require_runs(units.n_seeds, resample_seeds)
    rng = np.random.default_rng(seed)
    b_star = _unit_draws(units, n_resamples, rng, "base")
    per_b, _ = point_scores(units)
    method = seed_method if resample_seeds else "none"
    return float(per_b.mean()) + seed_deviations(per_b, b_star, rng, method)


def tail_pvalues(
    null_draws: np.ndarray, observed: float, scale: float = 1.0
) -> tuple[float, float, float]:
    """``(p_greater, p_less, p_two_sided)`` with +1 smoothing, from draws of the statistic
    under H0 (already centred at 0); ties within ``TIE_RTOL * scale`` count as extreme."""
    tol = TIE_RTOL * max(1.0, abs(scale), abs(observed))
    big = len(null_draws) + 1.0
    greater = (1.0 + np.count_nonzero(null_draws >= observed - tol)) / big
    less = (1.0 + np.count_nonzero(null_draws <= observed + tol)) / big
    two = (1.0 + np.count_nonzero(np.abs(null_draws) >= abs(observed) - tol)) / big
    return float(greater), float(less), float(two)


def paired_bootstrap(
    base: Any,
    new: Any,
    *,
    metric: str = "mean",
    groups: Any = None,
    n_resamples: int = 10_000,
    confidence: float = 0.95,
    seed: int = 0,
    resample_seeds: bool = True,
    seed_method: str = "components",
    exact_base: bool = False,
    margin: float | None = None,
) -> PairedResult:
    """Paired bootstrap comparison of ``new`` against ``base`` over units x seeds.

    ``base``/``new``: for ``metric="mean"`` float arrays (n_examples,) or (n_seeds, n_examples)
    of per-example values (0/1 correctness, EM, F1, retrieval hit); for ``metric="f1"`` a
    mapping ``{"tp", "n_pred", "n_gold"}`` of integer arrays of those shapes (per sentence).
    Row ``s`` of both systems must come from the same fine-tuning seed and column ``i`` from
    the same example (join on id first). ``groups`` (n_examples,) holds cluster ids (QA
    paragraphs) to resample clusters instead of examples. Point estimates are per-seed corpus
    scores averaged over seeds; ``delta = new - base``. ``exact_base=True``: ``base`` is one
    deterministic run, compared with each run of ``new``. ``margin`` (m >= 0) adds the shift
    p-values against ``delta = +m`` and ``delta = -m`` (equivalence and minimum-effect tests).

    ``resample_seeds=False`` keeps the runs fixed (test-set variance only). Otherwise
    ``seed_method`` says how run-to-run variance enters (module docstring): "components"
    (default; calibrated) or "multibootstrap" (Sellam et al.'s seeds x examples resampling).
    p-values: shift (centred) method with +1 smoothing; interval: percentile.
    """
    _check_params(n_resamples, confidence, seed_method)
    units = paired_units(base, new, metric=metric, groups=groups, exact_base=exact_base)
    dev, oriented = _delta_deviations(units, n_resamples, seed, resample_seeds, seed_method)
    per_b, per_n = oriented.per_base, oriented.per_new
    base_hat, new_hat = float(per_b.mean()), float(per_n.mean())
    alpha = 1.0 - confidence
    low, high = np.quantile(oriented.delta + dev, [alpha / 2.0, 1.0 - alpha / 2.0])
    q_lo, q_hi = np.quantile(dev, [alpha, 1.0 - alpha])
    p_g, p_l, p_two = tail_pvalues(dev, oriented.delta, max(abs(base_hat), abs(new_hat)))
    # one-sided bounds of the shift method: delta - q(1-a) and delta - q(a), canonical side
    _, _, b_low, b_high = oriented.to_input(
        1.0, 1.0, oriented.delta - float(q_hi), oriented.delta - float(q_lo)
    )
    p_g, p_l, low, high = oriented.to_input(p_g, p_l, float(low), float(high))
    margin_p: dict[str, Any] = {}
    if margin is not None:
        if not margin >= 0:
            raise ConfigError(f"margin must be >= 0, got {margin!r}")
        dev_in = -dev if oriented.flipped else dev
        scale = max(abs(base_hat), abs(new_hat))
        above_m, below_m, _ = tail_pvalues(dev_in, new_hat - base_hat - margin, scale)
        above_neg, below_neg, _ = tail_pvalues(dev_in, new_hat - base_hat + margin, scale)
        margin_p = {
            "margin": float(margin),
            "p_above_margin": above_m,
            "p_below_margin": below_m,
            "p_above_neg_margin": above_neg,
            "p_below_neg_margin": below_neg,
        }
    return PairedResult(
        metric=metric,
        base=base_hat,
        new=new_hat,
        delta=new_hat - base_hat,
        ci_low=low,
        ci_high=high,
        confidence=float(confidence),
        p_greater=p_g,
        p_less=p_l,
        p_two_sided=p_two,
        n_units=units.n_units,
        n_seeds=units.n_seeds,
        n_resamples=int(n_resamples),
        seed=int(seed),
        per_seed_base=tuple(float(x) for x in per_b),
        per_seed_new=tuple(float(x) for x in per_n),
        bound_low=float(b_low),
        bound_high=float(b_high),
        exact_base=bool(exact_base),
        **margin_p,
    )
