"""C08 — fine-tuning on English task data 'forgets' cross-lingual alignment."""

from repro.claims import Claim, Need
from repro.claims.checks import all_in_direction
from repro.claims.testing import distance_rows, lock_test

TASKS = ("nli", "ner")


def check(ctx):
    rows = []
    for task in TASKS:
        rows += [
            dict(r, task=task)
            for r in distance_rows(
                ctx, "original", f"original+{task}", "gap_cos", label_prefix=f"{task}/"
            )
        ]
    return all_in_direction(
        rows, ctx.alpha, direction="loss", what="smaller related/unrelated gap after fine-tuning"
    )


CLAIM = Claim(
    id="C08",
    slug="finetune_forgetting",
    title="Fine-tuning forgets cross-lingual alignment",
    statement=(
        "After English task fine-tuning (NLI, NER), related and unrelated pairs both move "
        "closer and the separation between them shrinks relative to the encoder before "
        "fine-tuning."
    ),
    source="all abstract versions; notes/paper.md §7, §10.8",
    rule=(
        "Per (task ∈ {NLI, NER}, language): per-link gap (unrelated − related cosine distance) "
        "of the original encoder vs the same encoder after fine-tuning (first seed), paired, "
        "one-sided; Holm over the 8 cells; SUPPORTED if the gap shrinks in every cell, "
        "REFUTED if it grows significantly in any. A fine-tuning whose English score is near "
        "chance (collapsed) did not learn its task: its cells are excluded."
    ),
    needs=(
        Need("distances", ("original", "original+nli", "original+ner")),
        # whether each fine-tuning learned its task: collapsed runs are excluded, not evidence
        *(Need("eval", ("original",), task=t, seeds="first") for t in TASKS),
    ),
    check=check,
)

test_c08 = lock_test(CLAIM)
