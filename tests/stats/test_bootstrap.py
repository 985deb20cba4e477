from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest
from scipy import stats as sps
from scipy.stats import norm

from repro.errors import ConfigError, DataError
from repro.metrics.spans import f1_from_counts
from repro.stats.bootstrap import (
    InsufficientRuns,
    bootstrap_deltas,
    bootstrap_scores,
    paired_bootstrap,
)

B = 2000


CASE_NAMES = [
    "binary-k1",
    "binary-k1-gain",
    "continuous-k3-groups",
    "continuous-k3-multibootstrap",
    "f1-k2",
]


@pytest.fixture(scope="module")
def cases(sim):
    rng = np.random.default_rng(11)
    b1, n1 = sim.binary_pair(rng, 400)
    g1, h1 = sim.binary_pair(rng, 400, gain=0.05)
    b3, n3 = sim.continuous_pair(rng, 120, k=3, gain=0.02)
    groups = rng.integers(0, 30, size=120)
    f1b, f1n = sim.span_counts(rng, 150, k=2), sim.span_counts(rng, 150, k=2, quality=0.75)
    return {
        "binary-k1": ((b1, n1), {"resample_seeds": False}),
        "binary-k1-gain": ((g1, h1), {"resample_seeds": False}),
        "continuous-k3-groups": ((b3, n3), {"groups": groups}),
        "continuous-k3-multibootstrap": ((b3, n3), {"seed_method": "multibootstrap"}),
        "f1-k2": ((f1b, f1n), {"metric": "f1"}),
    }


@pytest.mark.parametrize("name", CASE_NAMES)
def test_swapping_systems_mirrors_everything_exactly(cases, name):
    (base, new), kw = cases[name]
    r = paired_bootstrap(base, new, n_resamples=B, **kw)
    s = paired_bootstrap(new, base, n_resamples=B, **kw)
    assert s.delta == -r.delta and (s.base, s.new) == (r.new, r.base)
    assert (s.ci_low, s.ci_high) == (-r.ci_high, -r.ci_low)
    assert (s.p_greater, s.p_less, s.p_two_sided) == (r.p_less, r.p_greater, r.p_two_sided)


def _permute(x, order):
    if isinstance(x, dict):
        return {key: np.asarray(v)[..., order] for key, v in x.items()}
    return np.asarray(x)[..., order]


@pytest.mark.parametrize("name", CASE_NAMES)
def test_joint_permutation_of_examples_changes_nothing(cases, name):
    (base, new), kw = cases[name]
    n = np.asarray(base["tp"] if isinstance(base, dict) else base).shape[-1]
    order = np.random.default_rng(5).permutation(n)
    kw2 = dict(kw)
    if "groups" in kw:  # permute and also rename the clusters
        kw2["groups"] = [f"para-{g * 7 % 31}" for g in np.asarray(kw["groups"])[order]]
    r = paired_bootstrap(base, new, n_resamples=B, **kw)
    s = paired_bootstrap(_permute(base, order), _permute(new, order), n_resamples=B, **kw2)
    assert r.to_dict() == s.to_dict()


@pytest.mark.parametrize("name", CASE_NAMES)
def test_same_seed_same_result_and_ci_contains_estimate(cases, name):
    (base, new), kw = cases[name]
    r = paired_bootstrap(base, new, n_resamples=B, seed=3, **kw)
    assert r == paired_bootstrap(base, new, n_resamples=B, seed=3, **kw)
    draws = bootstrap_deltas(base, new, n_resamples=B, seed=3, **kw)
    assert np.array_equal(draws, bootstrap_deltas(base, new, n_resamples=B, seed=3, **kw))
    assert not np.array_equal(draws, bootstrap_deltas(base, new, n_resamples=B, seed=4, **kw))
    assert r.ci_low <= r.delta <= r.ci_high
    assert json.loads(json.dumps(r.to_dict()))["per_seed_base"] == list(r.per_seed_base)


@pytest.mark.parametrize("kw", [{}, {"groups": np.arange(300) // 3}, {"metric": "f1"}])
def test_identical_systems_give_zero_delta_and_p_one(sim, kw):
    rng = np.random.default_rng(2)
    if kw.get("metric") == "f1":
        x = sim.span_counts(rng, 300, k=3)
    else:
        x = sim.continuous_pair(rng, 300, k=3)[0]
    r = paired_bootstrap(x, x, n_resamples=500, **kw)
    assert r.delta == 0.0 and (r.ci_low, r.ci_high) == (0.0, 0.0)
    assert r.p_two_sided == 1.0 and r.p_greater == 1.0 and r.p_less == 1.0


def test_single_seed_interval_matches_scipy_percentile_bootstrap(sim):
    rng = np.random.default_rng(3)
    base, new = sim.continuous_pair(rng, 400, gain=0.02)
    ours = paired_bootstrap(base, new, n_resamples=5000, seed=1, resample_seeds=False)
    ref = sps.bootstrap(
        (base, new),
        lambda b, x, axis: np.mean(x - b, axis=axis),
        paired=True,
        vectorized=True,
        n_resamples=5000,
        method="percentile",
        rng=np.random.default_rng(2),
    ).confidence_interval
    se = np.std(new - base, ddof=1) / np.sqrt(400)
    assert ours.ci_low == pytest.approx(ref.low, abs=0.25 * se)
    assert ours.ci_high == pytest.approx(ref.high, abs=0.25 * se)
    assert ours.delta == pytest.approx(np.mean(new - base), abs=1e-15)


def test_single_seed_p_values_match_the_normal_approximation(sim):
    rng = np.random.default_rng(4)
    base, new = sim.binary_pair(rng, 5010, gain=0.04)
    r = paired_bootstrap(base, new, n_resamples=20_000, resample_seeds=False)
    d = new - base
    z = d.mean() / (d.std(ddof=1) / np.sqrt(d.size))
    assert 0.005 < r.p_greater < 0.3  # the case is informative
    assert r.p_greater == pytest.approx(norm.sf(z), abs=0.01)
    assert r.p_less == pytest.approx(norm.cdf(z), abs=0.01)
    assert r.p_two_sided == pytest.approx(2 * norm.sf(abs(z)), abs=0.015)


def test_one_run_per_system_is_refused_unless_the_runs_are_declared_fixed(sim):
    rng = np.random.default_rng(5)
    base, new = sim.continuous_pair(rng, 200)
    for method in ("components", "multibootstrap"):
        with pytest.raises(InsufficientRuns, match="run-to-run variance"):
            paired_bootstrap(base, new, n_resamples=B, seed_method=method)
    with pytest.raises(InsufficientRuns):
        bootstrap_deltas(base, new, n_resamples=B)
    with pytest.raises(InsufficientRuns):
        paired_bootstrap(base, new, n_resamples=B, exact_base=True)  # new is one run too
    fixed = paired_bootstrap(base, new, n_resamples=B, resample_seeds=False)
    assert fixed.n_seeds == 1 and 0 < fixed.p_two_sided <= 1


def test_exact_base_is_one_run_compared_with_every_run_of_new(sim):
    rng = np.random.default_rng(15)
    base, new = sim.continuous_pair(rng, 200, k=3, gain=0.03)
    tiled = np.repeat(base[:1], 3, axis=0)
    r = paired_bootstrap(base[:1], new, n_resamples=B, exact_base=True)
    assert r == dataclasses.replace(paired_bootstrap(tiled, new, n_resamples=B), exact_base=True)
    assert r.per_seed_base == (pytest.approx(base[0].mean()),) * 3
    with pytest.raises(DataError, match="one base run"):
        paired_bootstrap(base, new, n_resamples=B, exact_base=True)


def test_one_sided_bounds_agree_with_the_one_sided_p_values(sim):
    rng = np.random.default_rng(16)
    for gain in (-0.03, 0.0, 0.02, 0.05):
        base, new = sim.continuous_pair(rng, 300, k=3, gain=gain)
        r = paired_bootstrap(base, new, n_resamples=B, margin=0.02)
        assert (r.bound_low > 0) == (r.p_greater < 0.05)
        assert (r.bound_high < 0) == (r.p_less < 0.05)
        assert (r.bound_high < 0.02) == (r.p_below_margin < 0.05)
        assert (r.bound_low > -0.02) == (r.p_above_neg_margin < 0.05)
        s = paired_bootstrap(new, base, n_resamples=B, margin=0.02)
        assert s.p_below_margin == r.p_above_neg_margin and s.p_above_margin == r.p_below_neg_margin


def test_f1_is_recomputed_from_summed_counts():
    base = {"tp": [[0, 3]], "n_pred": [[1, 3]], "n_gold": [[1, 4]]}
    new = {"tp": [[1, 3]], "n_pred": [[1, 3]], "n_gold": [[1, 4]]}
    r = paired_bootstrap(base, new, metric="f1", n_resamples=200, resample_seeds=False)
    assert r.base == pytest.approx(f1_from_counts([0, 3], [1, 3], [1, 4]))  # 6/9, not 0.43
    assert r.base == pytest.approx(6 / 9) and r.new == pytest.approx(8 / 9)


def _naive_deltas(base, new, metric, groups, n_resamples, seed):
    """Textbook loop: resample units, recompute the corpus metric on the concatenation."""
    rng = np.random.default_rng(seed)
    clusters = [np.flatnonzero(groups == g) for g in np.unique(groups)]
    out = []
    for _ in range(n_resamples):
        pick = np.concatenate([clusters[i] for i in rng.integers(0, len(clusters), len(clusters))])
        if metric == "f1":
            f = [
                f1_from_counts(*(np.asarray(x[key])[0, pick] for key in ("tp", "n_pred", "n_gold")))
                for x in (base, new)
            ]
            out.append(f[1] - f[0])
        else:
            out.append(new[pick].mean() - base[pick].mean())
    return np.array(out)


@pytest.mark.parametrize("metric", ["mean", "f1"])
def test_vectorised_cluster_bootstrap_matches_a_naive_loop(sim, metric):
    rng = np.random.default_rng(6)
    n = 240
    groups = rng.integers(0, 40, size=n)
    if metric == "f1":
        base, new = sim.span_counts(rng, n), sim.span_counts(rng, n, quality=0.8)
    else:
        shared = rng.normal(0, 0.3, 40)[groups]  # clusters share difficulty
        base = np.clip(0.5 + shared + rng.normal(0, 0.1, n), 0, 1)
        new = np.clip(0.52 + shared + rng.normal(0, 0.1, n), 0, 1)
    ours = bootstrap_deltas(
        base, new, metric=metric, groups=groups, n_resamples=4000, seed=1, resample_seeds=False
    )
    naive = _naive_deltas(base, new, metric, groups, 1500, seed=2)
    sd = naive.std()
    assert ours.std() == pytest.approx(sd, rel=0.1)
    assert ours.mean() == pytest.approx(naive.mean(), abs=0.15 * sd)
    assert np.quantile(ours, 0.05) == pytest.approx(np.quantile(naive, 0.05), abs=0.25 * sd)


def test_cluster_resampling_widens_the_interval_for_correlated_clusters():
    rng = np.random.default_rng(7)
    n = 600
    groups = np.repeat(np.arange(60), 10)
    effect = rng.normal(0, 0.2, 60)[groups]  # the gain differs by paragraph
    base = rng.random(n)
    new = base + 0.01 + effect + rng.normal(0, 0.05, n)
    flat = paired_bootstrap(base, new, n_resamples=B, resample_seeds=False)
    clustered = paired_bootstrap(base, new, groups=groups, n_resamples=B, resample_seeds=False)
    assert (clustered.ci_high - clustered.ci_low) > 2 * (flat.ci_high - flat.ci_low)
    assert clustered.n_units == 60 and flat.n_units == n


def test_singleton_clusters_equal_example_resampling_exactly(sim):
    rng = np.random.default_rng(8)
    base, new = sim.continuous_pair(rng, 150, k=2)
    r = paired_bootstrap(base, new, n_resamples=B)
    s = paired_bootstrap(base, new, groups=np.arange(150)[::-1], n_resamples=B)
    assert r == s


def test_few_profile_and_all_distinct_engines_agree_in_distribution(sim):
    rng = np.random.default_rng(9)
    base, new = sim.binary_pair(rng, 3000, gain=0.02)  # four distinct profiles: multinomial path
    jitter = rng.uniform(-1e-9, 1e-9, size=(2, 3000))  # all distinct: index path
    a = bootstrap_deltas(base, new, n_resamples=8000, seed=1, resample_seeds=False)
    b = bootstrap_deltas(
        base + jitter[0], new + jitter[1], n_resamples=8000, seed=1, resample_seeds=False
    )
    assert b.std() == pytest.approx(a.std(), rel=0.05)
    assert np.quantile(b, [0.025, 0.975]) == pytest.approx(
        np.quantile(a, [0.025, 0.975]), abs=0.2 * a.std()
    )


def test_seed_component_uses_per_seed_spread():
    # identical per-example noise-free outputs within each run, but runs differ: all the
    # uncertainty is between seeds, and the interval must reflect the t(k-1) spread
    run_effect = np.array([0.0, 0.1, -0.05])[:, None]
    base = np.full((3, 200), 0.5)
    new = 0.5 + run_effect + np.zeros((3, 200))
    r = paired_bootstrap(base, new, n_resamples=20_000)
    deltas = run_effect.ravel()
    half = sps.t.ppf(0.975, 2) * deltas.std(ddof=1) / np.sqrt(3)
    assert r.ci_low == pytest.approx(deltas.mean() - half, rel=0.1)
    assert r.ci_high == pytest.approx(deltas.mean() + half, rel=0.1)
    assert r.p_two_sided == pytest.approx(sps.ttest_1samp(deltas, 0).pvalue, abs=0.01)
    fixed = paired_bootstrap(base, new, n_resamples=500, resample_seeds=False)
    assert fixed.ci_low == fixed.ci_high == pytest.approx(deltas.mean())


def test_bootstrap_scores_spread_matches_the_binomial_se():
    rng = np.random.default_rng(10)
    x = (rng.random(2000) < 0.6).astype(float)
    draws = bootstrap_scores(x, n_resamples=8000, resample_seeds=False)
    assert draws.std() == pytest.approx(np.sqrt(0.6 * 0.4 / 2000), rel=0.08)


@pytest.mark.parametrize(
    ("args", "kw", "error", "match"),
    [
        (([1.0, 0.0], [1.0]), {}, DataError, "same seeds and examples"),
        (([1.0, np.nan], [1.0, 0.0]), {}, DataError, "NaN"),
        (([[[1.0]]], [[[1.0]]]), {}, DataError, "n_seeds, n_examples"),
        ((["a", "b"], ["a", "b"]), {}, DataError, "numbers"),
        (([1.0, 0.0], [1.0, 0.0]), {"metric": "acc"}, ConfigError, "metric"),
        (([1.0, 0.0], [1.0, 0.0]), {"n_resamples": 0}, ConfigError, "n_resamples"),
        (([1.0, 0.0], [1.0, 0.0]), {"confidence": 95}, ConfigError, "confidence"),
        (([1.0, 0.0], [1.0, 0.0]), {"seed_method": "t"}, ConfigError, "seed_method"),
        (([1.0, 0.0], [1.0, 0.0]), {"groups": [1, 2, 3]}, DataError, "cluster id"),
        (({"tp": [1]}, {"tp": [1]}), {"metric": "f1"}, DataError, "keys"),
        (({"tp": [2], "n_pred": [1], "n_gold": [2]},) * 2, {"metric": "f1"}, DataError, "tp"),
        (
            ({"tp": [0.5], "n_pred": [1], "n_gold": [2]},) * 2,
            {"metric": "f1"},
            DataError,
            "integer",
        ),
    ],
)
def test_bad_input_is_rejected(args, kw, error, match):
    with pytest.raises(error, match=match):
        paired_bootstrap(*args, **kw)
