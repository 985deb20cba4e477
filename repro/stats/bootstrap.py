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

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from repro.errors import ConfigError
from repro.stats.resampling import (
    Oriented,
    _unit_draws,
    orient,
    point_scores,
    seed_deviations,
)
from repro.stats.units import PairedUnits, ResampledResult, paired_units

SEED_METHODS = ("components", "multibootstrap")
TIE_RTOL = 1e-12


class InsufficientRuns(ConfigError):
    """Run variance was asked for but a trained side has fewer than two runs."""


@dataclass(frozen=True)
class PairedResult(ResampledResult):
    """One paired comparison; ``delta = new - base`` on the metric's own scale (e.g. 0-1).

    ``bound_low``/``bound_high``: one-sided bounds at ``confidence`` consistent with the shift
    p-values (``p_less < 1 - confidence`` iff ``bound_high < 0``, up to ties), the bounds an
    equivalence-style rule needs (the two-sided ``ci_low``/``ci_high`` are percentile bounds).
    """

    base: float
    new: float
    delta: float
    ci_low: float
    ci_high: float
    confidence: float
    p_greater: float
    p_less: float
    p_two_sided: float
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


# --------------------------------------------------------------------------- resampling core


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
        **PairedResult.design(metric, units, n_resamples, seed),
        base=base_hat,
        new=new_hat,
        delta=new_hat - base_hat,
        ci_low=low,
        ci_high=high,
        confidence=float(confidence),
        p_greater=p_g,
        p_less=p_l,
        p_two_sided=p_two,
        per_seed_base=tuple(float(x) for x in per_b),
        per_seed_new=tuple(float(x) for x in per_n),
        bound_low=float(b_low),
        bound_high=float(b_high),
        exact_base=bool(exact_base),
        **margin_p,
    )
