"""C10 — continual learning improves NLI further."""

from repro.claims import Claim, Need
from repro.claims.checks import annotate, gain_in_at_least
from repro.claims.testing import eval_rows, lock_test, pooled_rows


def check(ctx):
    pooled = pooled_rows(ctx, "nli", "adjusted", "adjusted+cl", label="all languages")
    outcome = gain_in_at_least(pooled, 1, ctx.alpha, what="gain")
    per_lang = eval_rows(ctx, "nli", base="adjusted", new="adjusted+cl")
    annotate(per_lang, ctx.alpha)
    return type(outcome)(
        outcome.verdict,
        outcome.rationale,
        {**dict(outcome.evidence), "per_language": per_lang},
        outcome.margin,
    )


CLAIM = Claim(
    id="C10",
    slug="continual_learning_nli",
    title="Continual learning improves NLI further",
    statement=(
        "Fine-tuning on MNLI with the alignment loss (weight 0.01) and the English "
        "anchoring loss (weight 1) added every step gives higher XNLI accuracy than the "
        "adjusted model fine-tuned without them."
    ),
    source="ACL-ARR June 2022 and ECIR 2023 abstracts; docs/paper.md §6, §10.10",
    rule=(
        "Accuracy of adjusted+CL vs adjusted, pooled over the target languages (clusters = the "
        "shared item id), paired bootstrap over seeds × items, one-sided. SUPPORTED if "
        "significant gain, REFUTED if significant loss. Per-language rows are reported, not "
        "used for the verdict."
    ),
    needs=(Need("eval", ("adjusted", "adjusted+cl"), task="nli"),),
    check=check,
)

test_c10 = lock_test(CLAIM)
