"""C07 — the relative separation of related vs unrelated words changes only modestly."""

import math

from repro.claims import Claim, Need, Outcome, Verdict
from repro.claims.testing import distance_rows, lock_test

MODEST = 0.5  # |relative change of the gap| must stay below half the related-distance change


def check(ctx):
    gap = distance_rows(ctx, "original", "adjusted", "gap_cos")
    related = distance_rows(ctx, "original", "adjusted", "related_cos")
    rows, verdicts, margins = [], [], []
    for g, r in zip(gap, related):
        rel_change = abs(r["delta"]) / max(abs(r["base"]), 1e-12)
        bound = MODEST * rel_change
        hi = max(abs(g["ci_low"]), abs(g["ci_high"])) / max(abs(g["base"]), 1e-12)
        lo = (
            0.0
            if g["ci_low"] <= 0 <= g["ci_high"]
            else min(abs(g["ci_low"]), abs(g["ci_high"])) / max(abs(g["base"]), 1e-12)
        )
        if hi < bound:
            v, m = "modest", math.log10(bound / max(hi, 1e-12))
        elif lo > bound:
            v, m = "not_modest", math.log10(lo / bound)
        else:
            v, m = "unclear", 0.0
        verdicts.append(v)
        margins.append(m)
        rows.append(
            {
                **g,
                "label": g["label"],
                "gap_relative_change_ci": [lo, hi],
                "related_relative_change": rel_change,
                "bound": bound,
                "finding": v,
            }
        )
    evidence = {"rows": rows, "modest_fraction": MODEST}
    if all(v == "modest" for v in verdicts):
        return Outcome(
            Verdict.SUPPORTED,
            "gap change modest in every language",
            evidence,
            round(min(margins), 3),
        )
    if any(v == "not_modest" for v in verdicts):
        bad = [r["label"] for r in rows if r["finding"] == "not_modest"]
        return Outcome(
            Verdict.REFUTED,
            "gap changed more than modestly in " + ", ".join(bad),
            evidence,
            round(max(m for m, v in zip(margins, verdicts) if v == "not_modest"), 3),
        )
    return Outcome(Verdict.INCONCLUSIVE, "the gap's CI straddles the modest bound", evidence, 0.0)


CLAIM = Claim(
    id="C07",
    slug="modest_separation_change",
    title="Relative separation changes only modestly",
    statement=(
        "The paired differences (unrelated minus related distance) shift only slightly "
        "after adjustment, although related words move much closer."
    ),
    source="arXiv v1 abstract ('paired-differences histograms'); notes/paper.md §7, §10.7",
    rule=(
        "Per language: 95% bootstrap CI of the relative change of the mean per-link gap "
        "(unrelated − related cosine distance). 'Modest' = the whole CI below half the "
        "relative change of the related distance. SUPPORTED if modest in every language; "
        "REFUTED if any language's CI lies entirely above the bound."
    ),
    needs=(Need("distances", ("original", "adjusted")),),
    check=check,
)

test_c07 = lock_test(CLAIM)
