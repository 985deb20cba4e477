from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import norm

from repro.errors import ConfigError
from repro.stats.power import minimum_detectable_effect


def test_normal_case_matches_the_textbook_formula(sim):
    rng = np.random.default_rng(0)
    base, new = sim.binary_pair(rng, 5010)
    r = minimum_detectable_effect(base, new, n_resamples=20_000, resample_seeds=False)
    d = new - base
    se = d.std() / np.sqrt(d.size)
    assert r.se == pytest.approx(se, rel=0.05)
    assert r.mde == pytest.approx((norm.ppf(0.95) + norm.ppf(0.8)) * se, rel=0.06)
    assert r.method == "paired" and r.n_units == 5010


def test_paired_mde_is_below_the_unpaired_bound_for_correlated_systems(sim):
    rng = np.random.default_rng(1)
    base, new = sim.binary_pair(rng, 2000, flip=0.1)
    paired = minimum_detectable_effect(base, new, resample_seeds=False)
    bound = minimum_detectable_effect(base, resample_seeds=False)
    assert bound.method == "unpaired_bound"
    assert bound.se == pytest.approx(np.sqrt(2 * 0.7 * 0.3 / 2000), rel=0.1)
    assert paired.mde < 0.6 * bound.mde


def test_mde_shrinks_like_one_over_root_n_and_grows_with_the_family(sim):
    rng = np.random.default_rng(2)
    small = sim.continuous_pair(rng, 500)
    large = sim.continuous_pair(rng, 2000)
    a = minimum_detectable_effect(*small, resample_seeds=False)
    b = minimum_detectable_effect(*large, resample_seeds=False)
    assert a.mde / b.mde == pytest.approx(2.0, rel=0.15)
    holm4 = minimum_detectable_effect(*large, n_comparisons=4, resample_seeds=False)
    expected = (norm.ppf(1 - 0.05 / 4) + norm.ppf(0.8)) / (norm.ppf(0.95) + norm.ppf(0.8))
    assert holm4.mde / b.mde == pytest.approx(expected, rel=0.05)


def test_few_seeds_widen_the_mde_through_t_tails():
    run_effect = np.array([0.0, 0.02, -0.01])[:, None]
    base = np.full((3, 300), 0.5)
    new = base + run_effect
    r = minimum_detectable_effect(base, new, n_resamples=20_000)
    s = np.std(run_effect, ddof=1) / np.sqrt(3)
    normal = (norm.ppf(0.95) + norm.ppf(0.8)) * s
    assert r.mde > 1.5 * normal  # t(2) quantiles are far wider than normal ones


@pytest.mark.parametrize("kw", [{"alpha": 0}, {"power": 1.0}, {"n_comparisons": 0}])
def test_bad_parameters(kw):
    with pytest.raises(ConfigError):
        minimum_detectable_effect(np.ones(10), **kw)
