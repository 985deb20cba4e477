"""C03 — sentence retrieval (XSR) improves in three of four languages."""

from repro.claims import Claim, Need
from repro.claims.checks import gain_in_at_least
from repro.claims.testing import lock_test, xsr_rows

CLAIM = Claim(
    id="C03",
    slug="xsr_gain_3of4",
    title="Sentence retrieval improves in three of four languages",
    statement=(
        "Without fine-tuning, the adjusted encoder retrieves translations (Tatoeba, "
        "en↔xx, top-1) better than the original in three of the four languages."
    ),
    source="ECIR 2023 abstract; notes/paper.md §10.3, Table E",
    rule=(
        "Per language: paired bootstrap of the top-1 hit averaged over both directions, "
        "one-sided; Holm; SUPPORTED if ≥ 3 significant gains."
    ),
    needs=(Need("xsr", ("original", "adjusted")),),
    check=lambda ctx: gain_in_at_least(xsr_rows(ctx), 3, ctx.alpha),
)

test_c03 = lock_test(CLAIM)
