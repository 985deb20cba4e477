"""Paired bootstrap over test units (examples or clusters) x fine-tuning seeds.

The claim checker compares two systems (``base``, ``new``) evaluated on the same test examples
with the same fine-tuning seeds. Each resample draws units with replacement (examples, or
whole clusters such as QA paragraphs; the same draw for both systems) *and* seed indices with
replacement (the same indices for both systems, because seed ``s`` fixes data order and head
initialisation for both). A system's resampled score is its per-seed score on the drawn units,
averaged over the drawn seeds (Sellam et al. 2022, "multi-bootstrap"). With one seed this is
the plain paired bootstrap of Koehn (2004).

Every resample recomputes the *corpus* statistic from summed per-unit sufficient statistics:
``"mean"`` sums values and unit sizes; ``"f1"`` sums ``tp`` and ``n_pred + n_gold`` and takes
``2 tp / (n_pred + n_gold)`` (entity F1; averaging per-sentence F1 would test another quantity).

p-values use the shift (centred) method of Berg-Kirkpatrick et al. (2012): the bootstrap
deviations ``d_b = delta*_b - delta`` approximate the sampling distribution of the estimate
around the truth, so under H0 (true delta = 0) the estimate is distributed like ``d``::

    p_greater   = (1 + #{d_b >= delta})   / (B + 1)      H1: new > base
    p_less      = (1 + #{d_b <= delta})   / (B + 1)      H1: new < base
    p_two_sided = (1 + #{|d_b| >= |delta|}) / (B + 1)

Ties within a 1e-12 relative tolerance count as "at least as extreme" (conservative). This
avoids the peer bugs noted in method.md D: the resamples are paired (deepsig's
``bootstrap_test`` is not), the tail is the right one (testSignificanceNLP's ``rand_permutation``
counts the reversed tail), inputs are never mutated, and no global RNG is used. The reported
interval is the percentile interval of ``delta*``; it can disagree with the p-value when the
bootstrap distribution is skewed (decisions use the p-value).

Reproducibility: results are a deterministic function of the *multiset* of unit profiles and
``seed``: units are put in a canonical (sorted) order before resampling, so reordering the
examples (jointly for both systems) gives bit-identical results, and the pair is put in a
canonical orientation, so swapping ``base`` and ``new`` exactly negates ``delta`` and the
interval and exchanges ``p_greater`` and ``p_less``.

Speed: identical unit profiles are collapsed (for 0/1 metrics with one seed there are at most
four: the McNemar table), and units are drawn as multinomial counts, so a resample costs one
small matrix product instead of a gather over all examples.

Known limitation: with few seeds (k <= 5) resampling seeds underestimates the seed component of
the variance by a factor (k - 1) / k, so when seed-to-seed variation dominates, the test is
somewhat liberal; see ``tests/stats`` for the calibration we check.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from repro.errors import ConfigError, DataError

METRICS = ("mean", "f1")
F1_KEYS = ("tp", "n_pred", "n_gold")
TIE_RTOL = 1e-12
_CHUNK_CELLS = 1 << 21  # resample rows x units per chunk (~16 MB of int64 indices)


@dataclass(frozen=True)
class PairedResult:
    """One paired comparison; ``delta = new - base`` on the metric's own scale (e.g. 0-1)."""

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
        return PairedUnits(self.metric, self.n_seeds, self.n_examples,
                           self.features[:, self.swap_columns()])

    def differences(self) -> np.ndarray:
        """``new - base`` columns per unit (what a label swap of the unit changes)."""
        b, n = self._halves()
        return self.features[:, n] - self.features[:, b]

    def scores(self, sums: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per-seed ``(base, new)`` scores, shape (..., k), from weighted feature sums (..., F)."""
        k = self.n_seeds
        if self.metric == "mean":
            size = sums[..., 2 * k:2 * k + 1]
            return sums[..., :k] / size, sums[..., k:2 * k] / size
        return (_f1(sums[..., :k], sums[..., k:2 * k]),
                _f1(sums[..., 2 * k:3 * k], sums[..., 3 * k:4 * k]))


def _f1(tp: np.ndarray, den: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(den > 0, 2.0 * tp / np.where(den > 0, den, 1.0), 0.0)


def _as_runs(x: Any, name: str, *, integer: bool = False) -> np.ndarray:
    arr = np.asarray(x)
    if arr.ndim == 1:
        arr = arr[None, :]
    if arr.ndim != 2 or arr.shape[1] == 0 or arr.shape[0] == 0:
        raise DataError(None, name, f"shape {np.shape(x)}; expected (n_examples,) or "
                        "(n_seeds, n_examples) with at least one example")
    if arr.dtype == object or not np.issubdtype(arr.dtype, np.number) and arr.dtype != bool:
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
        raise DataError(None, name, f"count arrays have shapes {tp.shape}, {n_pred.shape}, "
                        f"{n_gold.shape}; expected one shape")
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


def paired_units(base: Any, new: Any, *, metric: str = "mean", groups: Any = None
                 ) -> PairedUnits:
    """Validate both systems' per-example statistics and sum them into resampling units."""
    if metric not in METRICS:
        raise ConfigError(f"unknown metric {metric!r}; expected one of {METRICS}")
    if metric == "mean":
        b, n = _as_runs(base, "base"), _as_runs(new, "new")
        if b.shape != n.shape:
            raise DataError(None, "new", f"shape {n.shape} differs from base {b.shape}; both "
                            "systems need the same seeds and examples (join on id first)")
        k, n_ex = b.shape
        per_example = np.concatenate([b.T, n.T, np.ones((n_ex, 1))], axis=1)
    else:
        tp_b, den_b = _f1_runs(base, "base")
        tp_n, den_n = _f1_runs(new, "new")
        if tp_b.shape != tp_n.shape:
            raise DataError(None, "new", f"shape {tp_n.shape} differs from base {tp_b.shape}; "
                            "both systems need the same seeds and sentences")
        k, n_ex = tp_b.shape
        per_example = np.concatenate([tp_b.T, den_b.T, tp_n.T, den_n.T], axis=1)
    if groups is None:
        return PairedUnits(metric, k, n_ex, per_example)
    g = np.asarray(groups)
    if g.ndim != 1 or g.shape[0] != n_ex:
        raise DataError(None, "groups", f"shape {g.shape}; expected ({n_ex},): one cluster id "
                        "per example")
    inverse = np.unique(g, return_inverse=True)[1].reshape(-1)
    return PairedUnits(metric, k, n_ex, _cluster_sums(per_example, inverse))


# --------------------------------------------------------------------------- resampling core


def canonical_units(features: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct unit profiles in sorted order and their multiplicities."""
    uniq, counts = np.unique(features, axis=0, return_counts=True)
    return uniq, counts.astype(np.int64)


def canonical_orientation(units: PairedUnits) -> tuple[PairedUnits, bool]:
    """The orientation (as given, or swapped) whose sorted profile table is smaller.

    Running the resampling in this orientation and mapping back makes results exactly
    antisymmetric under swapping the systems.
    """
    u1, c1 = canonical_units(units.features)
    swapped = units.swapped()
    u2, c2 = canonical_units(swapped.features)
    a = np.concatenate([c1.astype(np.float64), u1.ravel()])
    b = np.concatenate([c2.astype(np.float64), u2.ravel()])
    diff = np.flatnonzero(a != b)
    if diff.size and b[diff[0]] < a[diff[0]]:
        return swapped, True
    return units, False


def _chunk_rows(n_resamples: int, width: int) -> int:
    return max(1, min(n_resamples, _CHUNK_CELLS // max(width, 1)))


def use_multinomial(m: int, n_units: int) -> bool:
    """Few distinct profiles: draw their counts directly; else draw unit indices."""
    return m <= 8 or 16 * m <= n_units


def draw_unit_weights(rng: np.random.Generator, counts: np.ndarray, rows: int) -> np.ndarray:
    """``rows`` bootstrap draws of how often each distinct profile is picked: (rows, m)."""
    m = counts.size
    n = int(counts.sum())
    if use_multinomial(m, n):
        return rng.multinomial(n, counts / n, size=rows).astype(np.float64)
    idx = rng.integers(0, n, size=(rows, n))
    if m != n:
        idx = np.repeat(np.arange(m), counts)[idx]
    idx += (np.arange(rows, dtype=np.int64) * m)[:, None]
    return np.bincount(idx.ravel(), minlength=rows * m).reshape(rows, m).astype(np.float64)


def _bootstrap_scores(units: PairedUnits, n_resamples: int, rng: np.random.Generator,
                      resample_seeds: bool) -> tuple[np.ndarray, np.ndarray]:
    uniq, counts = canonical_units(units.features)
    k = units.n_seeds
    n = int(counts.sum())
    width = counts.size if use_multinomial(counts.size, n) else n
    rows = _chunk_rows(n_resamples, width)
    base_star = np.empty(n_resamples)
    new_star = np.empty(n_resamples)
    seed_p = np.full(k, 1.0 / k)
    for start in range(0, n_resamples, rows):
        r = min(rows, n_resamples - start)
        sums = draw_unit_weights(rng, counts, r) @ uniq
        b, nw = units.scores(sums)
        if resample_seeds and k > 1:
            v = rng.multinomial(k, seed_p, size=r) / k
            base_star[start:start + r] = (v * b).sum(axis=1)
            new_star[start:start + r] = (v * nw).sum(axis=1)
        else:
            base_star[start:start + r] = b.mean(axis=1)
            new_star[start:start + r] = nw.mean(axis=1)
    return base_star, new_star


def point_scores(units: PairedUnits) -> tuple[np.ndarray, np.ndarray]:
    """Per-seed scores of both systems on the full test set (order-independent sums)."""
    uniq, counts = canonical_units(units.features)
    return units.scores(counts.astype(np.float64) @ uniq)


def _check_params(n_resamples: int, confidence: float | None = None) -> None:
    if isinstance(n_resamples, bool) or not isinstance(n_resamples, (int, np.integer)) \
            or n_resamples < 1:
        raise ConfigError(f"n_resamples must be a positive integer, got {n_resamples!r}")
    if confidence is not None and not 0.0 < confidence < 1.0:
        raise ConfigError(f"confidence must be in (0, 1), got {confidence!r}")


def bootstrap_distribution(base: Any, new: Any, *, metric: str = "mean", groups: Any = None,
                           n_resamples: int = 10_000, seed: int = 0,
                           resample_seeds: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Resampled scores ``(base*, new*)`` (each of length ``n_resamples``), for plots and power."""
    _check_params(n_resamples)
    units = paired_units(base, new, metric=metric, groups=groups)
    canon, flipped = canonical_orientation(units)
    b, n = _bootstrap_scores(canon, n_resamples, np.random.default_rng(seed), resample_seeds)
    return (n, b) if flipped else (b, n)


def tail_pvalues(null_draws: np.ndarray, observed: float, scale: float = 1.0
                 ) -> tuple[float, float, float]:
    """``(p_greater, p_less, p_two_sided)`` with +1 smoothing, from draws of the statistic
    under H0 (already centred at 0); ties within ``TIE_RTOL * scale`` count as extreme."""
    tol = TIE_RTOL * max(1.0, abs(scale), abs(observed))
    big = len(null_draws) + 1.0
    greater = (1.0 + np.count_nonzero(null_draws >= observed - tol)) / big
    less = (1.0 + np.count_nonzero(null_draws <= observed + tol)) / big
    two = (1.0 + np.count_nonzero(np.abs(null_draws) >= abs(observed) - tol)) / big
    return float(greater), float(less), float(two)


def paired_bootstrap(base: Any, new: Any, *, metric: str = "mean", groups: Any = None,
                     n_resamples: int = 10_000, confidence: float = 0.95, seed: int = 0,
                     resample_seeds: bool = True) -> PairedResult:
    """Paired (examples-or-clusters x seeds) bootstrap comparison of ``new`` against ``base``.

    ``base``/``new``: for ``metric="mean"`` float arrays (n_examples,) or (n_seeds, n_examples)
    of per-example values (0/1 correctness, EM, F1, retrieval hit); for ``metric="f1"`` a
    mapping ``{"tp", "n_pred", "n_gold"}`` of integer arrays of those shapes (per sentence).
    Row ``s`` of both systems must come from the same fine-tuning seed and column ``i`` from
    the same example (join on id first). ``groups`` (n_examples,) holds cluster ids (QA
    paragraphs) to resample clusters instead of examples. Point estimates are per-seed corpus
    scores averaged over seeds; ``delta = new - base``. See the module docstring for the
    p-value method (shift / centred, +1 smoothing) and the percentile interval.
    """
    _check_params(n_resamples, confidence)
    units = paired_units(base, new, metric=metric, groups=groups)
    per_b, per_n = point_scores(units)
    base_hat, new_hat = float(per_b.mean()), float(per_n.mean())
    canon, flipped = canonical_orientation(units)
    b_star, n_star = _bootstrap_scores(canon, n_resamples, np.random.default_rng(seed),
                                       resample_seeds)
    delta_star = n_star - b_star
    delta_c = (base_hat - new_hat) if flipped else (new_hat - base_hat)
    alpha = 1.0 - confidence
    lo_c, hi_c = np.quantile(delta_star, [alpha / 2.0, 1.0 - alpha / 2.0])
    scale = max(abs(base_hat), abs(new_hat))
    p_g, p_l, p_two = tail_pvalues(delta_star - delta_c, delta_c, scale)
    if flipped:
        lo_c, hi_c = -hi_c, -lo_c
        p_g, p_l = p_l, p_g
    return PairedResult(
        metric=metric, base=base_hat, new=new_hat, delta=new_hat - base_hat,
        ci_low=float(lo_c), ci_high=float(hi_c), confidence=float(confidence),
        p_greater=p_g, p_less=p_l, p_two_sided=p_two,
        n_units=units.n_units, n_seeds=units.n_seeds, n_resamples=int(n_resamples),
        seed=int(seed),
        per_seed_base=tuple(float(x) for x in per_b), per_seed_new=tuple(float(x) for x in per_n),
    )
