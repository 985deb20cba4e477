"""Paired approximate randomisation (sign-flip) test, and the exact McNemar test.

Under H0 the two systems are exchangeable on every unit (example, or cluster such as a QA
paragraph): swapping their outputs on a unit - for all seeds at once, since seed ``s`` of both
systems is one pairing - leaves the joint distribution unchanged. Each randomisation swaps
every unit with probability 1/2 and recomputes the *corpus* statistic (mean or entity F1 from
summed counts, averaged over seeds), so it is valid for non-decomposable metrics (Yeh 2000).

p-values (Phipson & Smyth 2010; exact level under H0 for any number of randomisations)::

    p_greater   = (1 + #{delta_r >= delta})     / (R + 1)
    p_less      = (1 + #{delta_r <= delta})     / (R + 1)
    p_two_sided = (1 + #{|delta_r| >= |delta|}) / (R + 1)

Unlike testSignificanceNLP's ``rand_permutation`` the tail is the right one, and unlike
deepsig's ``permutation_test`` the statistic is recomputed from counts, not from per-item
means. The test is conditional on the fine-tuning runs: it treats seed-to-seed differences as
fixed, so it answers "are these runs different on this population of examples"; use
:func:`repro.stats.bootstrap.paired_bootstrap` to include seed variance.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import stats as sps

from repro.errors import DataError
from repro.stats.bootstrap import _check_params, tail_pvalues
from repro.stats.resampling import _chunk_rows, canonical_units, orient, use_multinomial
from repro.stats.units import ResampledResult, paired_units


@dataclass(frozen=True)
class RandomisationResult(ResampledResult):
    base: float
    new: float
    delta: float
    p_greater: float
    p_less: float
    p_two_sided: float


def _swap_sums(
    rng: np.random.Generator, values: np.ndarray, counts: np.ndarray, rows: int
) -> np.ndarray:
    """Column sums of ``values`` over the units swapped in each of ``rows`` randomisations.

    ``values`` has one row per distinct difference profile (multiplicities ``counts``): with
    few profiles the number swapped per profile is Binomial(count, 1/2); otherwise every unit
    gets a fair coin from a random bit stream.
    """
    m = counts.size
    n = int(counts.sum())
    if use_multinomial(m, n):
        return rng.binomial(counts, 0.5, size=(rows, m)).astype(np.float64) @ values
    nbytes = -(-rows * n // 8)
    bits = np.unpackbits(np.frombuffer(rng.bytes(nbytes), dtype=np.uint8))[: rows * n]
    expanded = values if m == n else np.repeat(values, counts, axis=0)
    return bits.reshape(rows, n).astype(np.float64) @ expanded


def paired_randomisation(
    base: Any,
    new: Any,
    *,
    metric: str = "mean",
    n_resamples: int = 10_000,
    seed: int = 0,
    groups: Any = None,
) -> RandomisationResult:
    """Paired sign-flip randomisation test of ``new`` vs ``base`` (inputs as for
    :func:`repro.stats.bootstrap.paired_bootstrap`; ``groups`` swaps whole clusters)."""
    _check_params(n_resamples)
    units = paired_units(base, new, metric=metric, groups=groups)
    oriented = orient(units)
    canon = oriented.units
    base_hat, new_hat = float(oriented.per_base.mean()), float(oriented.per_new.mean())
    k = canon.n_seeds
    diffs = canon.differences()
    if metric == "mean":
        # delta is linear in the swaps: only the seed-summed difference of a unit matters
        diffs = diffs.sum(axis=1, keepdims=True)
    uniq, counts = canonical_units(diffs)
    n = int(counts.sum())
    rng = np.random.default_rng(seed)
    rows = _chunk_rows(n_resamples, counts.size if use_multinomial(counts.size, n) else n)
    delta_r = np.empty(n_resamples)
    uc, cc = canonical_units(canon.features)
    full = (cc[:, None] * uc).sum(axis=0)  # as in point_scores, so no swap gives delta exactly
    for start in range(0, n_resamples, rows):
        r = min(rows, n_resamples - start)
        moved = _swap_sums(rng, uniq, counts, r)
        if metric == "mean":
            # swapping a unit changes sum(new - base) by -2 * its seed-summed difference
            delta_r[start : start + r] = oriented.delta - 2.0 * moved[:, 0] / (k * canon.n_examples)
        else:
            swapped = np.broadcast_to(full, (r, full.size)).copy()
            swapped[:, : 2 * k] += moved
            swapped[:, 2 * k :] -= moved
            b, nw = canon.scores(swapped)
            delta_r[start : start + r] = (nw - b).mean(axis=1)
    p_g, p_l, p_two = tail_pvalues(delta_r, oriented.delta, max(abs(base_hat), abs(new_hat)))
    p_g, p_l, _, _ = oriented.to_input(p_g, p_l, 0.0, 0.0)
    return RandomisationResult(
        **RandomisationResult.design(metric, units, n_resamples, seed),
        base=base_hat,
        new=new_hat,
        delta=new_hat - base_hat,
        p_greater=p_g,
        p_less=p_l,
        p_two_sided=p_two,
    )


def mcnemar_exact(base: Any, new: Any) -> dict[str, float | int]:
    """Exact McNemar test for paired 0/1 outcomes of one run each (XNLI correctness, hits).

    Conditional on the ``n01 + n10`` discordant examples, ``n01`` (new right, base wrong) is
    Binomial(n, 1/2) under H0; this is the exact randomisation distribution of the sign-flip
    test, so it cross-checks :func:`paired_randomisation` on accuracy.
    """
    b = np.asarray(base)
    n = np.asarray(new)
    if b.ndim != 1 or b.shape != n.shape:
        raise DataError(
            None,
            "new",
            f"shapes {b.shape} and {n.shape}; expected two equal 1-D arrays of 0/1 outcomes",
        )
    if not (np.isin(b, (0, 1)).all() and np.isin(n, (0, 1)).all()):
        raise DataError(None, None, "expected 0/1 outcomes")
    n01 = int(np.count_nonzero((b == 0) & (n == 1)))
    n10 = int(np.count_nonzero((b == 1) & (n == 0)))
    disc = n01 + n10
    if disc == 0:
        return {"n01": 0, "n10": 0, "p_greater": 1.0, "p_less": 1.0, "p_two_sided": 1.0}
    p_g = float(sps.binom.sf(n01 - 1, disc, 0.5))
    p_l = float(sps.binom.cdf(n01, disc, 0.5))
    return {
        "n01": n01,
        "n10": n10,
        "p_greater": p_g,
        "p_less": p_l,
        "p_two_sided": min(1.0, 2.0 * min(p_g, p_l)),
    }
