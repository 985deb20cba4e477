"""Minimum detectable effect (MDE) of the paired bootstrap test for the seeds and examples used.

Why: a non-significant gain only means something next to the smallest gain the design could
detect. We use the normal approximation for a one-sided level-``alpha`` test::

    MDE = (z_{1 - alpha / n_comparisons} + z_{power}) * SE(delta)

where ``SE`` is the standard deviation of the bootstrap distribution of ``delta`` under the
same resampling scheme as :func:`repro.stats.bootstrap.paired_bootstrap` (units or clusters x
seeds). ``n_comparisons > 1`` uses the Bonferroni level, which is the level Holm applies to
the first (smallest) p-value of the family, so it is the MDE for "at least one" detection.

* With ``new`` given (``method="paired"``), SE is that of the paired delta; it includes the
  correlation between the systems.
* With only ``base`` (``method="unpaired_bound"``, planning before the new system exists),
  SE = sqrt(2) * SE(base score): the SE of a difference between two independent systems as
  variable as ``base``. Systems scored on the same examples are positively correlated, so the
  real paired MDE is smaller; this is an upper bound.

The approximation assumes the estimate is roughly normal and the SE does not change with the
effect; with very few units or seeds treat it as indicative only.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from scipy.stats import norm

from repro.errors import ConfigError
from repro.stats.bootstrap import bootstrap_distribution, paired_units


@dataclass(frozen=True)
class MDEResult:
    mde: float
    se: float
    alpha: float
    power: float
    n_comparisons: int
    method: str  # "paired" or "unpaired_bound"
    metric: str
    n_units: int
    n_seeds: int
    n_resamples: int
    seed: int

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def minimum_detectable_effect(base: Any, new: Any = None, *, metric: str = "mean",
                              alpha: float = 0.05, power: float = 0.8, groups: Any = None,
                              n_comparisons: int = 1, n_resamples: int = 2_000, seed: int = 0,
                              resample_seeds: bool = True) -> MDEResult:
    """Smallest true ``new - base`` that the one-sided test detects with probability ``power``
    (inputs as for :func:`repro.stats.bootstrap.paired_bootstrap`; see module docstring)."""
    if not 0.0 < alpha < 1.0:
        raise ConfigError(f"alpha must be in (0, 1), got {alpha!r}")
    if not 0.0 < power < 1.0:
        raise ConfigError(f"power must be in (0, 1), got {power!r}")
    if int(n_comparisons) != n_comparisons or n_comparisons < 1:
        raise ConfigError(f"n_comparisons must be a positive integer, got {n_comparisons!r}")
    paired = new is not None
    other = new if paired else base
    units = paired_units(base, other, metric=metric, groups=groups)
    b_star, n_star = bootstrap_distribution(base, other, metric=metric, groups=groups,
                                            n_resamples=n_resamples, seed=seed,
                                            resample_seeds=resample_seeds)
    if paired:
        se = float(np.std(n_star - b_star, ddof=1)) if n_resamples > 1 else 0.0
    else:
        se = float(np.sqrt(2.0) * np.std(b_star, ddof=1)) if n_resamples > 1 else 0.0
    z = float(norm.ppf(1.0 - alpha / n_comparisons) + norm.ppf(power))
    return MDEResult(mde=z * se, se=se, alpha=float(alpha), power=float(power),
                     n_comparisons=int(n_comparisons),
                     method="paired" if paired else "unpaired_bound", metric=metric,
                     n_units=units.n_units, n_seeds=units.n_seeds,
                     n_resamples=int(n_resamples), seed=int(seed))
