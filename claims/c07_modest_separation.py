"""C07 — the relative separation of related vs unrelated words changes only modestly."""

from repro.claims import Claim, Need, RuleChange
from repro.claims.checks import equivalent_within
from repro.claims.testing import distance_rows, lock_test

# "Modest" = a shift of the mean per-link gap smaller than half the SD of the original
# encoder's per-link gaps: below Cohen's (1988) "medium" standardized effect (d = 0.5), i.e.
# at most a small one. The paper speaks of histograms of paired differences that shift only
# slightly; a shift measured against the histogram's own spread is that picture's effect size.
MODEST_D = 0.5


def check(ctx):
    margins = {
        lang: MODEST_D
        * ctx.spread("distances", "distances", "heldout", lang, "original", "gap_cos")
        for lang in ctx.languages
    }
    rows = distance_rows(ctx, "original", "adjusted", "gap_cos", margins=margins)
    outcome = equivalent_within(rows, ctx.alpha, what="gap change")
    return type(outcome)(
        outcome.verdict,
        outcome.rationale,
        {**dict(outcome.evidence), "modest_d": MODEST_D, "margins": margins},
        outcome.margin,
    )


CLAIM = Claim(
    id="C07",
    slug="modest_separation_change",
    title="Relative separation changes only modestly",
    statement=(
        "The paired differences (unrelated minus related distance) shift only slightly "
        "after adjustment, although related words move much closer."
    ),
    source="arXiv v1 abstract ('paired-differences histograms'); docs/paper.md §7, §10.7",
    rule=(
        "Per language: mean per-link gap (unrelated − related cosine distance), adjusted vs "
        "original, resampled by sentence pair with run variance. Margin m = 0.5 × SD of the "
        "original per-link gaps (Cohen's medium effect: 'modest' is at most a small shift). "
        "SUPPORTED if every language is within ±m (two one-sided tests at α; intersection-"
        "union, no correction); REFUTED if some language's shift exceeds m significantly "
        "(Holm across languages); INCONCLUSIVE otherwise."
    ),
    needs=(Need("distances", ("original", "adjusted")),),
    check=check,
    rule_changes=(
        RuleChange(
            "2026-12-06",
            "'modest' = the gap's relative-change CI below half the related distance's "
            "relative change (an unexplained 0.5); one uncorrected language could refute",
            "the threshold now has a stated source (Cohen's d on the per-link gaps) and "
            "refutation is Holm-corrected across languages",
        ),
    ),
)

test_c07 = lock_test(CLAIM)
