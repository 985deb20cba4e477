"""C04 — cross-lingual QA improves in three languages, some gains not significant."""

from repro.claims import Claim, Need
from repro.claims.checks import cross_qa_rule
from repro.claims.testing import lock_test, qa_rows

CLAIM = Claim(
    id="C04",
    slug="cross_qa_gain",
    title="Cross-lingual QA improves in three languages",
    statement=(
        "On QA pairs whose question and context languages differ (one side English), the "
        "SQuAD-fine-tuned adjusted model scores higher than the original in three "
        "languages; some of these gains are not statistically significant."
    ),
    source="ECIR 2023 abstract; notes/paper.md §10.4, Table D",
    rule=(
        "Per language: QA F1 pooled over both directions (en-xx and xx-en) and every dataset, "
        "paired bootstrap over seeds × paragraphs, one-sided; Holm. SUPPORTED if ≥ 3 languages "
        "have a positive mean gain and ≥ 1 is significant; REFUTED if ≥ 2 languages are "
        "significantly worse; INCONCLUSIVE otherwise."
    ),
    needs=(Need("eval", ("original", "adjusted"), task="qa"),),
    check=lambda ctx: cross_qa_rule(qa_rows(ctx, cross=True), ctx.alpha, n_required=3),
)

test_c04 = lock_test(CLAIM)
