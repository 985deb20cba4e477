"""C08 — fine-tuning on English task data 'forgets' cross-lingual alignment."""

from repro.claims import Claim, Need, RuleChange
from repro.claims.checks import all_in_direction, combine
from repro.claims.testing import distance_rows, lock_test

TASKS = ("nli", "ner")
PARTS = (
    ("related_closer", "related_cos", "smaller related-pair distance after fine-tuning"),
    ("unrelated_closer", "unrelated_cos", "smaller unrelated-pair distance after fine-tuning"),
    ("gap_shrinks", "gap_cos", "smaller related/unrelated gap after fine-tuning"),
)


def check(ctx):
    parts = []
    for name, quantity, what in PARTS:
        rows = [
            dict(r, task=task)
            for task in TASKS
            for r in distance_rows(
                ctx, "original", f"original+{task}", quantity, label_prefix=f"{task}/"
            )
        ]
        parts.append((name, all_in_direction(rows, ctx.alpha, direction="loss", what=what)))
    return combine(parts)


CLAIM = Claim(
    id="C08",
    slug="finetune_forgetting",
    title="Fine-tuning forgets cross-lingual alignment",
    statement=(
        "After English task fine-tuning (NLI, NER), related and unrelated pairs both move "
        "closer and the separation between them shrinks relative to the encoder before "
        "fine-tuning."
    ),
    source="all abstract versions; docs/paper.md §7, §10.8",
    rule=(
        "Per (task ∈ {NLI, NER}, language), original encoder (one exact run) vs the same encoder "
        "after each fine-tuning run: (a) related-pair and (b) unrelated-pair cosine distance "
        "fall and (c) the per-link gap (unrelated − related) falls, each one-sided, resampled by "
        "sentence pair, Holm over the 8 cells of each part. SUPPORTED if all three hold in "
        "every cell, REFUTED if any part is significantly the other way in any cell. A "
        "fine-tuning whose English score is near chance did not learn its task: excluded."
    ),
    needs=(
        Need("distances", ("original", "original+nli", "original+ner")),
        # whether each fine-tuning learned its task: collapsed runs are excluded, not evidence
        *(Need("eval", ("original",), task=t) for t in TASKS),
    ),
    check=check,
    rule_changes=(
        RuleChange(
            "2026-12-06",
            "only the gap was tested, on the first fine-tuning seed",
            "the paper says both related and unrelated words move closer (a uniform "
            "contraction also shrinks the gap): all three are tested, over every run",
        ),
    ),
)

test_c08 = lock_test(CLAIM)
