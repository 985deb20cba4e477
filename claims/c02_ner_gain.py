"""C02 — NER gain in three of four languages."""

from repro.claims import Claim, Need
from repro.claims.checks import gain_in_at_least
from repro.claims.testing import eval_rows, lock_test

CLAIM = Claim(
    id="C02",
    slug="ner_gain_3of4",
    title="NER improves in three of four languages",
    statement=(
        "Fine-tuned on English WikiANN, the adjusted model has higher entity F1 than the "
        "original in three of the four languages."
    ),
    source="ECIR 2023 / ACL-ARR June 2022 abstracts (v1 said two); notes/paper.md §10.2, Table B",
    rule=(
        "Per language: paired bootstrap of entity F1 from summed per-sentence counts "
        "(seeds × sentences), one-sided; Holm; SUPPORTED if ≥ 3 significant gains."
    ),
    needs=(Need("eval", ("original", "adjusted"), task="ner"),),
    check=lambda ctx: gain_in_at_least(eval_rows(ctx, "ner"), 3, ctx.alpha),
)

test_c02 = lock_test(CLAIM)
