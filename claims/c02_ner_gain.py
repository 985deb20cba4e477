"""C02 — NER gain in three of four languages."""

from repro.claims import Claim, Need, RuleChange
from repro.claims.checks import gain_in_at_least, required_of
from repro.claims.testing import eval_rows, lock_test

CLAIM = Claim(
    id="C02",
    slug="ner_gain_3of4",
    title="NER improves in three of four languages",
    statement=(
        "Fine-tuned on English WikiANN, the adjusted model has higher entity F1 than the "
        "original in three of the four languages."
    ),
    source="ECIR 2023 / ACL-ARR June 2022 abstracts (v1 said two); docs/paper.md §10.2, Table B",
    rule=(
        "Per language: paired bootstrap of entity F1 from summed per-sentence counts "
        "(seeds × sentences), one-sided; Holm. SUPPORTED if ≥ 3 of 4 (ceil(3n/4) of n configured) are significant gains, the paper's "
        "pattern; the count is set against the paper's 3, so a 4th significant gain is reported as "
        "stronger than the paper."
    ),
    needs=(Need("eval", ("original", "adjusted"), task="ner"),),
    check=lambda ctx: gain_in_at_least(
        (rows := eval_rows(ctx, "ner")),
        required_of(len(rows)),
        ctx.alpha,
        paper_count=required_of(len(rows)),
    ),
    rule_changes=(
        RuleChange(
            "2026-12-06",
            "SUPPORTED if ≥ 3 significant gains; a 4th passed silently as agreeing with the paper",
            "the paper says three of four: the count is now reported against the paper's and "
            "scaled to the configured languages",
        ),
    ),
)

test_c02 = lock_test(CLAIM)
