"""The decision rules of repro.claims.checks on hand-made rows, and the trend contrast.

Rows carry what ``ClaimContext.compare`` writes: ``delta``, one-sided ``p_greater``/``p_less``
and, with a margin, the four shift-test p-values against ±margin.
"""

import math

import numpy as np
import pytest

from repro.claims import Verdict
from repro.claims.checks import (
    equivalent_within,
    gain_in_at_least,
    gains_some_not_significant,
    no_gain_some_loss,
    required_of,
)
from repro.claims.context import ClaimContext
from repro.claims.results import Entry, EntryKey, ResultSet
from repro.config import resolve

ALPHA = 0.05


def row(label, delta, p_greater, p_less=None, **extra):
    return {
        "label": label,
        "delta": delta,
        "p_greater": p_greater,
        "p_less": 1 - p_greater if p_less is None else p_less,
        **extra,
    }


def test_three_of_four_is_scaled_to_the_configured_languages():
    assert [required_of(n) for n in (1, 2, 3, 4, 5, 8)] == [1, 2, 3, 3, 4, 6]


def test_a_fourth_significant_gain_is_stronger_than_the_paper_not_hidden():
    rows = [row(x, 0.05, 1e-4) for x in "abcd"]
    out = gain_in_at_least(rows, 3, ALPHA, paper_count=3)
    assert out.verdict is Verdict.SUPPORTED
    assert out.evidence["pattern"] == "stronger than the paper"
    three = [row(x, 0.05, 1e-4) for x in "abc"] + [row("d", 0.01, 0.4)]
    assert gain_in_at_least(three, 3, ALPHA, paper_count=3).evidence["pattern"] == "as the paper"


def test_c04_reports_which_gains_missed_significance():
    rows = [row(x, 0.05, 1e-4) for x in "abc"] + [row("d", 0.02, 0.3)]
    out = gains_some_not_significant(rows, ALPHA, n_required=3, paper_count=3)
    assert out.verdict is Verdict.SUPPORTED
    assert out.evidence["some_not_significant"] and out.evidence["positive_not_significant"] == [
        "d"
    ]
    everywhere = gains_some_not_significant(
        [row(x, 0.05, 1e-4) for x in "abcd"], ALPHA, n_required=3, paper_count=3
    )
    assert not everywhere.evidence["some_not_significant"]
    assert "stronger" in everywhere.evidence["pattern"]


def bounded(label, delta, p_gain, p_loss, p_below_margin):
    return row(label, delta, p_gain, p_loss, p_below_margin=p_below_margin)


def test_never_improves_needs_every_gain_bounded_and_one_loss():
    supported = [bounded("a", -0.03, 0.99, 1e-4, 1e-4), bounded("b", 0.0, 0.5, 0.5, 0.001)]
    assert no_gain_some_loss(supported, ALPHA, margin=0.04).verdict is Verdict.SUPPORTED
    # absence of a significant gain is not "never improves": a wide interval stays open
    wide = [bounded("a", -0.03, 0.99, 1e-4, 1e-4), bounded("b", 0.02, 0.2, 0.8, 0.3)]
    out = no_gain_some_loss(wide, ALPHA, margin=0.04)
    assert out.verdict is Verdict.INCONCLUSIVE and "not shown below" in out.rationale
    no_loss = [bounded("a", 0.0, 0.5, 0.5, 1e-4), bounded("b", 0.0, 0.5, 0.5, 1e-4)]
    assert no_gain_some_loss(no_loss, ALPHA, margin=0.04).verdict is Verdict.INCONCLUSIVE
    gain = [bounded("a", 0.06, 1e-4, 0.99, 0.9), bounded("b", 0.0, 0.5, 0.5, 0.01)]
    assert no_gain_some_loss(gain, ALPHA, margin=0.04).verdict is Verdict.REFUTED


def tost(label, p_below, p_above_neg, p_above, p_below_neg):
    return row(
        label,
        0.0,
        0.5,
        p_below_margin=p_below,
        p_above_neg_margin=p_above_neg,
        p_above_margin=p_above,
        p_below_neg_margin=p_below_neg,
    )


def test_modest_means_both_one_sided_tests_pass_and_refuting_is_corrected():
    inside = [tost(x, 0.001, 0.002, 0.99, 0.99) for x in "abcd"]
    assert equivalent_within(inside, ALPHA, what="gap").verdict is Verdict.SUPPORTED
    one_side = inside[:3] + [tost("d", 0.001, 0.2, 0.6, 0.6)]
    assert equivalent_within(one_side, ALPHA, what="gap").verdict is Verdict.INCONCLUSIVE
    # p = 0.02 beyond the margin in one of four rows: 0.04 two-sided, 0.16 after Holm
    weak = inside[:3] + [tost("d", 0.9, 0.9, 0.02, 0.99)]
    assert equivalent_within(weak, ALPHA, what="gap").verdict is Verdict.INCONCLUSIVE
    strong = inside[:3] + [tost("d", 0.9, 0.9, 1e-4, 0.99)]
    assert equivalent_within(strong, ALPHA, what="gap").verdict is Verdict.REFUTED


def test_untestable_rows_decide_nothing():
    failed = [{"label": x, "failed": True} for x in "ab"]
    assert gain_in_at_least(failed, 1, ALPHA).verdict is Verdict.FAILED
    short = [{"label": "a", "insufficient_runs": True}, {"label": "b", "failed": True}]
    out = gain_in_at_least(short, 1, ALPHA)
    assert out.verdict is Verdict.INCONCLUSIVE and "fewer than 2 runs" in out.rationale
    assert out.margin is None


# ---------------------------------------------------------------------------- trend (C11)
SIZES = (1_000, 10_000, 100_000)


def sweep(slope_per_decade, *, seeds=(1, 2, 3), n=600, seed=0):
    """NLI accuracy linear in log10(size) plus a per-run offset; paired items across sizes."""
    rng = np.random.default_rng(seed)
    rs = ResultSet()
    ids = [f"x{i:04d}" for i in range(n)]
    u = {s: rng.random(n) for s in seeds}
    run = {s: rng.normal(0, 0.01) for s in seeds}
    for size in SIZES:
        for s in seeds:
            p = 0.5 + run[s] + slope_per_decade * (math.log10(size) - 4)
            corr = (u[s] < p).astype(int)
            key = EntryKey("eval", "nli", "xnli", "es", f"adjusted@{size}", s)
            rs.add(Entry(key, ids, {"correct": corr}))
    return rs


def trend_row(rs):
    ctx = ClaimContext(resolve("smoke", overrides=("claims.n_resamples=2000",)), rs)
    return ctx.trend(
        "nli",
        [("xnli", "es")],
        [f"adjusted@{n}" for n in SIZES],
        [math.log10(n) for n in SIZES],
        label="slope",
    )


def test_the_slope_is_least_squares_over_the_curve_and_tested_with_run_variance():
    r = trend_row(sweep(0.05))
    xs = np.log10(SIZES)
    ys = np.array([r["curve"][f"adjusted@{n}"] for n in SIZES])
    assert r["slope"] == pytest.approx(np.polyfit(xs, ys, 1)[0], abs=1e-9)
    assert r["p_greater"] < 0.01 and r["n_seeds"] == 3
    flat = trend_row(sweep(0.0, seed=1))
    assert flat["p_greater"] > 0.05


def test_a_trend_over_one_run_is_refused():
    r = trend_row(sweep(0.05, seeds=(1,)))
    assert r.get("insufficient_runs") and "p_greater" not in r
