"""Monte-Carlo checks that the tests hold their nominal level under a true null and have the
power the MDE promises.

Each simulated data set draws two systems with equal expected score (per-example noise, a run
effect per run, cluster effects where the design has clusters); the rejection rate at
alpha = 0.05 over 2,000 replications (Monte-Carlo SE 0.005) must lie within ±0.015 of 0.05
for each one-sided and the two-sided test. The seeds are fixed, so these tests are
deterministic. Designs: accuracy (k = 2, 3, 5, with and without run effects), entity F1 from
span counts (k = 2, 5), QA F1 resampled by paragraph (k = 3, 5), distance links resampled by
sentence pair against an exact (untrained) base (k = 2, 3, 5), and one run per system: refused
with run variance, nominal with fixed runs.

An exact base with little run variance is conservative by design (repro.stats.bootstrap's
docstring): there only validity (rate <= 0.05 + 0.015) is asserted, and the measured rate is
documented in docs/statistics.md.
"""

from __future__ import annotations

import numpy as np
import pytest

from repro.stats.bootstrap import InsufficientRuns, paired_bootstrap
from repro.stats.permutation import paired_randomisation
from repro.stats.power import minimum_detectable_effect

ALPHA = 0.05
N_SIMS = 2000
TOL = 0.015
B = 1000


def accuracy(rng, n, k, run_sd, exact=False):
    p = rng.uniform(0.15, 0.85, n)

    def run(kk, sd):
        shift = np.clip(rng.normal(0, sd, (kk, 1)), -0.12, 0.12)  # symmetric: mean 0
        return (rng.random((kk, n)) < p + shift).astype(float)

    return (run(1, 0.0) if exact else run(k, run_sd)), run(k, run_sd), {}


def entity_f1(rng, n, k, run_sd, exact=False):
    n_gold = rng.poisson(1.5, n)
    quality = rng.uniform(0.4, 0.9, n)

    def run(kk, sd):
        shift = np.clip(rng.normal(0, sd, (kk, 1)), -0.08, 0.08)
        gold = np.broadcast_to(n_gold, (kk, n))
        tp = rng.binomial(gold, np.clip(quality + shift, 0, 1))
        return {"tp": tp, "n_pred": tp + rng.poisson(0.4, (kk, n)), "n_gold": gold.copy()}

    return (run(1, 0.0) if exact else run(k, run_sd)), run(k, run_sd), {"metric": "f1"}


def qa_paragraphs(rng, n, k, run_sd, exact=False, per=4, rho=0.3):
    groups = np.repeat(np.arange(n // per), per)
    difficulty = rng.beta(2, 1.2, n // per)[groups]

    def run(kk, sd):
        shift = np.clip(rng.normal(0, sd, (kk, 1)), -0.1, 0.1)
        para = rng.normal(0, 0.15, (kk, n // per))[:, groups] * np.sqrt(rho)
        noise = rng.normal(0, 0.15, (kk, n)) * np.sqrt(1 - rho)
        return np.clip(difficulty + shift + para + noise, 0, 1)

    return (run(1, 0.0) if exact else run(k, run_sd)), run(k, run_sd), {"groups": groups}


def distance_links(rng, n, k, run_sd, exact=True, per=5):
    """Per-link distances; links of one sentence pair share a sentence effect (ICC ~0.3)."""
    groups = np.repeat(np.arange(n // per), per)
    level = rng.normal(0.5, 0.1, n) + rng.normal(0, 0.1, n // per)[groups]

    def run(kk, sd):
        shift = rng.normal(0, sd, (kk, 1))
        sentence = rng.normal(0, 0.08, (kk, n // per))[:, groups]
        return level + shift + sentence + rng.normal(0, 0.05, (kk, n))

    base = run(1, 0.0) if exact else run(k, run_sd)
    return base, run(k, run_sd), {"groups": groups}


def rejection_rates(design, *, n=300, k=3, run_sd=0.03, exact=False, n_sims=N_SIMS, seed=2024):
    rng = np.random.default_rng(seed)
    hits = np.zeros(3)
    for i in range(n_sims):
        base, new, kw = design(rng, n, k, run_sd, exact)
        r = paired_bootstrap(base, new, n_resamples=B, seed=i, exact_base=exact, **kw)
        hits += np.array([r.p_greater, r.p_less, r.p_two_sided]) <= ALPHA
    return hits / n_sims


def _assert_nominal(rates):
    assert np.all(np.abs(rates - ALPHA) <= TOL), (
        f"rejection rates {rates} (greater, less, two-sided) not within {TOL} of {ALPHA}"
    )


@pytest.mark.slow
@pytest.mark.parametrize(
    ("design", "k", "run_sd"),
    [
        (accuracy, 2, 0.0),
        (accuracy, 2, 0.03),
        (accuracy, 3, 0.03),
        (accuracy, 5, 0.0),
        (accuracy, 5, 0.03),
        (entity_f1, 2, 0.03),
        (entity_f1, 5, 0.03),
        (qa_paragraphs, 3, 0.03),
        (qa_paragraphs, 5, 0.0),
    ],
    ids=lambda v: getattr(v, "__name__", str(v)),
)
def test_type_one_error_is_nominal_with_run_variance(design, k, run_sd):
    _assert_nominal(rejection_rates(design, k=k, run_sd=run_sd))


@pytest.mark.slow
@pytest.mark.parametrize("k", [2, 3, 5])
def test_clustered_distance_links_against_an_exact_base_are_valid(k):
    """Measured 0.023-0.029 (k = 2) to 0.03-0.04 (k = 3, 5): valid, conservative (an exact
    base's own noise is a unit effect; module docstring of repro.stats.bootstrap)."""
    rates = rejection_rates(distance_links, k=k, run_sd=0.03, exact=True)
    assert np.all(rates <= ALPHA + TOL) and np.all(rates >= 0.02), rates


def test_ignoring_sentence_clusters_would_be_liberal():
    """Why distances are resampled by sentence pair: links of one sentence are correlated."""
    rng = np.random.default_rng(5)
    hits = 0
    for i in range(300):
        base, new, kw = distance_links(rng, 300, 3, 0.0, exact=True)
        flat = paired_bootstrap(base, new, n_resamples=500, seed=i, exact_base=True)
        hits += flat.p_two_sided <= ALPHA
    assert hits / 300 > ALPHA + 0.03


@pytest.mark.slow
@pytest.mark.parametrize("k", [2, 3])
def test_exact_base_with_little_run_variance_is_valid_if_conservative(k):
    rates = rejection_rates(accuracy, k=k, run_sd=0.0, exact=True)
    assert np.all(rates <= ALPHA + TOL), rates


def test_one_run_per_trained_system_is_refused_not_tested(sim):
    base, new = sim.binary_pair(np.random.default_rng(1), 300)
    with pytest.raises(InsufficientRuns):
        paired_bootstrap(base, new, n_resamples=B)
    with pytest.raises(InsufficientRuns):
        paired_bootstrap(base[None], np.stack([new]), n_resamples=B, exact_base=True)


@pytest.mark.slow
@pytest.mark.parametrize("test", ["bootstrap", "randomisation"])
def test_fixed_single_runs_are_nominal(test):
    """One run per system with the runs declared fixed: the plain paired tests."""
    rng = np.random.default_rng(2024)
    hits = np.zeros(3)
    for i in range(N_SIMS):
        base, new, _ = accuracy(rng, 300, 1, 0.0)
        if test == "bootstrap":
            r = paired_bootstrap(base, new, n_resamples=B, seed=i, resample_seeds=False)
        else:
            r = paired_randomisation(base[0], new[0], n_resamples=B, seed=i)
        hits += np.array([r.p_greater, r.p_less, r.p_two_sided]) <= ALPHA
    _assert_nominal(hits / N_SIMS)


@pytest.mark.slow
@pytest.mark.parametrize("power", [0.5, 0.8])
def test_a_planted_effect_of_the_mde_is_found_as_often_as_designed(power):
    """Plant a gain equal to the design's MDE (the median over null pilots of the same design,
    since one pilot's seed SD is itself noisy) and count one-sided detections: about
    ``power`` of the replications."""
    rng = np.random.default_rng(77)
    n, k = 400, 3
    mdes = []
    for j in range(15):
        pilot_base, pilot_new, kw = qa_paragraphs(rng, n, k, 0.02)
        mdes.append(
            minimum_detectable_effect(
                pilot_base, pilot_new, power=power, n_resamples=4000, seed=j, **kw
            ).mde
        )
    mde = float(np.median(mdes))
    n_sims, detected = 600, 0
    for i in range(n_sims):
        base, new, kw = qa_paragraphs(rng, n, k, 0.02)
        r = paired_bootstrap(base, new + mde, n_resamples=B, seed=i, **kw)
        detected += r.p_greater <= ALPHA
    # measured 0.65 at a designed 0.5 and 0.80-0.90 at 0.8: the MDE never promises more than
    # the test delivers; at 50% it is conservative because the test's threshold scales with
    # the estimated seed SD (t tails), which the MDE's location-family argument ignores
    assert power - 0.05 <= detected / n_sims <= power + 0.17


def test_multibootstrap_miscalibration_documented_in_the_module():
    def rates(run_sd):
        rng = np.random.default_rng(2024)
        hits = 0
        for i in range(300):
            base, new, _ = accuracy(rng, 300, 3, run_sd)
            r = paired_bootstrap(base, new, n_resamples=B, seed=i, seed_method="multibootstrap")
            hits += r.p_two_sided <= ALPHA
        return hits / 300

    assert rates(0.0) < 0.025  # over-conservative when per-example noise dominates
    assert rates(0.1) > 0.08  # liberal when run effects dominate and k is small
