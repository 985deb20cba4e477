"""C05 — monolingual QA never improves and sometimes degrades."""

from repro.claims import Claim, Need
from repro.claims.checks import no_gain_some_loss
from repro.claims.testing import lock_test, qa_rows

CLAIM = Claim(
    id="C05",
    slug="mono_qa_no_gain",
    title="Monolingual QA never improves, sometimes degrades",
    statement=(
        "With question and context in the same target language (XQuAD, MLQA, TyDiQA), the "
        "adjusted model never scores significantly higher than the original, and sometimes "
        "significantly lower."
    ),
    source="every abstract version; notes/paper.md §10.5, Table C",
    rule=(
        "Per (dataset, language): QA F1, paired bootstrap over seeds × paragraphs; Holm over "
        "all rows. REFUTED by any significant gain; SUPPORTED if none and ≥ 1 significant "
        "loss; INCONCLUSIVE otherwise."
    ),
    needs=(Need("eval", ("original", "adjusted"), task="qa"),),
    check=lambda ctx: no_gain_some_loss(qa_rows(ctx, cross=False), ctx.alpha),
)

test_c05 = lock_test(CLAIM)
