from __future__ import annotations

import numpy as np
import pytest
from scipy import stats as sps

from repro.errors import DataError
from repro.stats.permutation import mcnemar_exact, paired_randomisation


def test_identical_systems_give_p_one(sim):
    rng = np.random.default_rng(0)
    x = sim.continuous_pair(rng, 200, k=2)[0]
    r = paired_randomisation(x, x, n_resamples=500)
    assert r.delta == 0.0 and r.p_two_sided == 1.0 and r.p_greater == r.p_less == 1.0
    f = sim.span_counts(rng, 200, k=2)
    assert paired_randomisation(f, f, metric="f1", n_resamples=500).p_two_sided == 1.0


def test_matches_scipy_permutation_test_on_continuous_scores(sim):
    rng = np.random.default_rng(1)
    base, new = sim.continuous_pair(rng, 300, gain=0.015)
    ours = paired_randomisation(base, new, n_resamples=20_000, seed=1)
    for alternative, ours_p in (("greater", ours.p_greater), ("two-sided", ours.p_two_sided)):
        ref = sps.permutation_test(
            (base, new),
            lambda b, x, axis: np.mean(x - b, axis=axis),
            permutation_type="samples",
            vectorized=True,
            n_resamples=20_000,
            alternative=alternative,
            rng=np.random.default_rng(2),
        ).pvalue
        assert ours_p == pytest.approx(ref, abs=0.012)
    assert 0.01 < ours.p_greater < 0.5  # the comparison is informative


def test_matches_exact_mcnemar_on_accuracy(sim):
    rng = np.random.default_rng(2)
    base, new = sim.binary_pair(rng, 2000, gain=0.03)
    ours = paired_randomisation(base, new, n_resamples=40_000)
    exact = mcnemar_exact(base, new)
    assert 0.005 < exact["p_greater"] < 0.5
    assert ours.p_greater == pytest.approx(exact["p_greater"], abs=0.006)
    assert ours.p_less == pytest.approx(exact["p_less"], abs=0.006)
    assert ours.p_two_sided == pytest.approx(exact["p_two_sided"], abs=0.01)


def test_mcnemar_hand_case():
    base = np.array([1, 1, 0, 0, 0, 1])
    new = np.array([1, 0, 1, 1, 1, 1])  # n01 = 3, n10 = 1
    r = mcnemar_exact(base, new)
    assert (r["n01"], r["n10"]) == (3, 1)
    assert r["p_greater"] == pytest.approx(5 / 16)  # P(X >= 3), X ~ Bin(4, 1/2)
    assert r["p_less"] == pytest.approx(15 / 16)
    assert mcnemar_exact(base, base)["p_two_sided"] == 1.0
    with pytest.raises(DataError):
        mcnemar_exact([0, 2], [0, 1])


@pytest.mark.parametrize("kw", [{}, {"groups": np.arange(240) // 4}])
def test_swap_and_permutation_symmetries(sim, kw):
    rng = np.random.default_rng(3)
    base, new = sim.continuous_pair(rng, 240, k=2, gain=0.01)
    r = paired_randomisation(base, new, n_resamples=2000, **kw)
    s = paired_randomisation(new, base, n_resamples=2000, **kw)
    assert (s.delta, s.p_greater, s.p_less, s.p_two_sided) == (
        -r.delta,
        r.p_less,
        r.p_greater,
        r.p_two_sided,
    )
    order = rng.permutation(240)
    kw2 = {"groups": kw["groups"][order]} if kw else {}
    t = paired_randomisation(base[:, order], new[:, order], n_resamples=2000, **kw2)
    assert t == r


def test_f1_randomisation_swaps_whole_sentences(sim):
    rng = np.random.default_rng(4)
    base, new = sim.span_counts(rng, 400), sim.span_counts(rng, 400, quality=0.8)
    r = paired_randomisation(base, new, metric="f1", n_resamples=4000)
    assert r.delta > 0 and r.p_greater < 0.01 and r.p_less > 0.99

    # naive reference: swap each sentence with probability 1/2 and recompute corpus F1
    def f1(tp, npred, ngold):
        return 2 * tp.sum() / (npred.sum() + ngold.sum())

    b = [np.asarray(base[key])[0] for key in ("tp", "n_pred", "n_gold")]
    n = [np.asarray(new[key])[0] for key in ("tp", "n_pred", "n_gold")]
    gen = np.random.default_rng(5)
    null = []
    for _ in range(1500):
        s = gen.random(400) < 0.5
        sb = [np.where(s, y, x) for x, y in zip(b, n, strict=True)]
        sn = [np.where(s, x, y) for x, y in zip(b, n, strict=True)]
        null.append(f1(*sn) - f1(*sb))
    ours = paired_randomisation(base, new, metric="f1", n_resamples=1500, seed=9)
    obs = f1(*n) - f1(*b)
    assert ours.delta == pytest.approx(obs)
    naive_p = (1 + np.sum(np.abs(null) >= abs(obs) - 1e-12)) / 1501
    assert ours.p_two_sided == pytest.approx(naive_p, abs=0.01)
