"""C11 — more parallel data helps NLI; QA peaks at a small corpus size."""

from repro.claims import Claim, Need
from repro.claims.checks import all_in_direction, combine, gain_in_at_least
from repro.claims.context import MissingResults
from repro.claims.testing import lock_test


def _sources(ctx, task):
    if task == "nli":
        return [(d, x) for x in ctx.languages for d in ctx.datasets("nli", x)]
    pairs = [p for x in ctx.languages for p in (f"{x}-{x}", f"en-{x}", f"{x}-en")]
    return [(d, p) for p in pairs for d in ctx.datasets("qa", p)]


def check(ctx):
    sizes = sorted(ctx.cfg.sweep.sizes)
    if len(sizes) < 3:
        raise MissingResults("the sweep needs at least three sizes")
    states = [f"adjusted@{n}" for n in sizes]
    nli = ctx.compare_pooled(
        "eval",
        "nli",
        _sources(ctx, "nli"),
        states[0],
        states[-1],
        label=f"NLI {sizes[0]}→{sizes[-1]}",
        seeds="first",
    )
    scores = {}
    for st in states[:-1]:
        row = ctx.compare_pooled(
            "eval",
            "qa",
            _sources(ctx, "qa"),
            st,
            states[-1],
            label=f"QA {st.split('@')[1]}→{sizes[-1]}",
            seeds="first",
        )
        scores[st] = row
    best = max(scores, key=lambda s: scores[s]["base"])
    qa_row = scores[best]
    outcome = combine(
        [
            ("nli_more_data_helps", gain_in_at_least([nli], 1, ctx.alpha)),
            (
                "qa_peaks_below_largest",
                all_in_direction(
                    [qa_row], ctx.alpha, direction="loss", what="QA lower at the largest size"
                ),
            ),
        ]
    )
    curve = {st: {"qa_f1": scores[st]["base"]} for st in states[:-1]}
    curve[states[-1]] = {"qa_f1": qa_row["new"]}
    return type(outcome)(
        outcome.verdict,
        outcome.rationale,
        {**dict(outcome.evidence), "sizes": sizes, "qa_curve": curve, "qa_best_smaller_size": best},
        outcome.margin,
    )


CLAIM = Claim(
    id="C11",
    slug="data_size_sweep",
    title="NLI gains grow with parallel data; QA peaks early",
    statement=(
        "Varying the number of parallel pairs used for adjustment: NLI keeps improving "
        "with more pairs, whereas QA peaks at about 5K pairs and declines after."
    ),
    source="first ACL-ARR 2022 abstract only; notes/paper.md §10.11, Figure G",
    rule=(
        "Sizes from the profile's sweep.sizes (first seed). (a) NLI accuracy pooled over "
        "languages at the largest vs the smallest size: one-sided gain. (b) QA F1 pooled over "
        "all QA sets at the largest size vs the best smaller size (chosen by point estimate): "
        "one-sided loss. SUPPORTED if both; REFUTED if either is significant the other way."
    ),
    needs=(
        Need("eval", ("adjusted@sweep",), task="nli"),
        Need("eval", ("adjusted@sweep",), task="qa"),
    ),
    check=check,
    requires_profile_feature="sweep",
)

test_c11 = lock_test(CLAIM)
