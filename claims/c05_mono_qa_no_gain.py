"""C05 — monolingual QA never improves and sometimes degrades."""

from repro.claims import Claim, Need, RuleChange
from repro.claims.checks import no_gain_some_loss
from repro.claims.testing import lock_test, qa_rows

# "Never improves": every gain bounded below 4 F1 points, the QA power target of the smoke
# profile (docs/statistics.md) — a gain this design could not rule out is not "no gain".
MARGIN = 0.04


def check(ctx):
    return no_gain_some_loss(qa_rows(ctx, cross=False, margin=MARGIN), ctx.alpha, margin=MARGIN)


CLAIM = Claim(
    id="C05",
    slug="mono_qa_no_gain",
    title="Monolingual QA never improves, sometimes degrades",
    statement=(
        "With question and context in the same target language (XQuAD, MLQA, TyDiQA), the "
        "adjusted model never scores significantly higher than the original, and sometimes "
        "significantly lower."
    ),
    source="every abstract version; docs/paper.md §10.5, Table C",
    rule=(
        "Per (dataset, language): QA F1, paired bootstrap over seeds × paragraphs. REFUTED by "
        "any significant gain (Holm over all rows). SUPPORTED only if every row's gain is "
        "shown below 4 F1 points (one-sided 95% upper bound < 0.04; an intersection-union "
        "test, no correction) and ≥ 1 row is a significant loss (Holm); INCONCLUSIVE otherwise."
    ),
    needs=(Need("eval", ("original", "adjusted"), task="qa"),),
    check=check,
    rule_changes=(
        RuleChange(
            "2026-12-06",
            "SUPPORTED when no gain was significant and ≥ 1 loss was",
            "absence of a significant gain is not evidence of no gain: 'never improves' now "
            "needs every gain bounded below a stated margin",
        ),
    ),
)

test_c05 = lock_test(CLAIM)
