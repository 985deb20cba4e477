"""C01 — NLI gain in all four languages (the headline result)."""

from repro.claims import Claim, Need
from repro.claims.checks import gain_in_at_least
from repro.claims.testing import eval_rows, lock_test

CLAIM = Claim(
    id="C01",
    slug="nli_gain",
    title="NLI improves in all four languages",
    statement=(
        "Adjusting mBERT with en–xx parallel word alignments, then fine-tuning on English "
        "MNLI, raises XNLI accuracy over fine-tuned original mBERT in all four languages "
        "(es, ru, vi, hi)."
    ),
    source="arXiv 2204.06457 v1–v3 abstracts (ECIR 2023); docs/paper.md §10.1, Table A",
    rule=(
        "Per language: paired bootstrap (seeds × examples) of accuracy, adjusted − original, "
        "one-sided; Holm across languages; SUPPORTED if every configured language is a "
        "significant gain. Each adjusted run has its own adjustment seed (paired with its "
        "fine-tuning seed), so the seed term covers both."
    ),
    needs=(Need("eval", ("original", "adjusted"), task="nli"),),
    check=lambda ctx: gain_in_at_least(
        eval_rows(ctx, "nli"), len(ctx.languages), ctx.alpha, paper_count=len(ctx.languages)
    ),
)

test_c01 = lock_test(CLAIM)
