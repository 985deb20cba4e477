"""Minimum detectable effect (MDE) of the one-sided paired bootstrap test for the design used.

Why: a non-significant gain only means something next to the smallest gain the design (these
test units, these seeds) could detect. Treating the bootstrap deviations ``d`` of
:func:`repro.stats.bootstrap.paired_bootstrap` as the sampling distribution of the estimate
around any true effect (a location family, as the shift test itself assumes), the test at
level ``a = alpha / n_comparisons`` rejects when ``delta_hat > q_{1-a}(d)``, and it does so with
probability ``power`` once the true effect reaches::

    MDE = q_{1-a}(d) - q_{1-power}(e)     (= (z_{1-a} + z_{power}) * SE for normal d)

``d`` has the test's t(k - 1) seed tails (the seed SD is estimated, so the threshold is wide);
``e`` is the estimate's own sampling spread, the same construction with a normal seed part
(the seed SD at its value). Using ``d`` for both overstated the MDE: a planted effect of that
size was found 74% of the time at a nominal 50% (tests/stats/test_calibration.py).
``n_comparisons > 1`` uses the Bonferroni level, the level Holm applies to the smallest
p-value of the family, so it is the MDE for one detection within the family.

* With ``new`` (``method="paired"``): ``d`` of the paired delta, including the correlation
  between the systems.
* With only ``base`` (``method="unpaired_bound"``, planning before the new system exists):
  ``d = sqrt(2) * (base* - base_hat)``, the difference of two independent systems as variable
  as ``base``. Systems scored on the same examples are positively correlated, so the real
  paired MDE is smaller: this is an upper bound.

``se`` is half the central 68.27% range of ``d`` (the SD when ``d`` is normal).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.stats import norm

from repro.errors import ConfigError
from repro.stats.bootstrap import bootstrap_deltas, bootstrap_scores
from repro.stats.units import ResampledResult, paired_units


@dataclass(frozen=True)
class MDEResult(ResampledResult):
    mde: float
    se: float
    alpha: float
    power: float
    n_comparisons: int
    method: str  # "paired" or "unpaired_bound"


def minimum_detectable_effect(
    base: Any,
    new: Any = None,
    *,
    metric: str = "mean",
    alpha: float = 0.05,
    power: float = 0.8,
    groups: Any = None,
    n_comparisons: int = 1,
    n_resamples: int = 4_000,
    seed: int = 0,
    resample_seeds: bool = True,
    seed_method: str = "components",
    exact_base: bool = False,
) -> MDEResult:
    """Smallest true ``new - base`` that the one-sided test detects with probability ``power``
    (inputs as for :func:`repro.stats.bootstrap.paired_bootstrap`; see module docstring)."""
    if not 0.0 < alpha < 1.0:
        raise ConfigError(f"alpha must be in (0, 1), got {alpha!r}")
    if not 0.0 < power < 1.0:
        raise ConfigError(f"power must be in (0, 1), got {power!r}")
    if isinstance(n_comparisons, bool) or int(n_comparisons) != n_comparisons or n_comparisons < 1:
        raise ConfigError(f"n_comparisons must be a positive integer, got {n_comparisons!r}")
    kwargs = dict(
        metric=metric,
        groups=groups,
        n_resamples=n_resamples,
        seed=seed,
        resample_seeds=resample_seeds,
        seed_method=seed_method,
    )
    if new is not None:
        units = paired_units(base, new, metric=metric, groups=groups, exact_base=exact_base)
        dev = bootstrap_deltas(base, new, exact_base=exact_base, **kwargs)
        # the estimate's own spread: the seed SD at its value (normal), not the test's t tails
        spread = bootstrap_deltas(base, new, exact_base=exact_base, tails="normal", **kwargs)
        method = "paired"
    else:
        units = paired_units(base, base, metric=metric, groups=groups)
        draws = bootstrap_scores(base, **kwargs)
        dev = np.sqrt(2.0) * draws
        spread = dev
        method = "unpaired_bound"
    a = alpha / n_comparisons
    q_reject = np.quantile(dev, 1.0 - a)
    q_power = np.quantile(spread - np.median(spread) + np.median(dev), 1.0 - power)
    lo, hi = np.quantile(spread, [norm.cdf(-1.0), norm.cdf(1.0)])
    return MDEResult(
        **MDEResult.design(metric, units, n_resamples, seed),
        mde=float(q_reject - q_power),
        se=float((hi - lo) / 2.0),
        alpha=float(alpha),
        power=float(power),
        n_comparisons=int(n_comparisons),
        method=method,
    )
