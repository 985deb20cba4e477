"""C09 — the adjusted model's better separation survives fine-tuning only for NLI (weak claim)."""

from repro.claims import Claim, Need, Outcome, RuleChange, Verdict
from repro.claims.checks import all_in_direction
from repro.claims.testing import distance_rows, lock_test


def check(ctx):
    parts = {}
    for task in ("nli", "ner"):
        rows = [
            dict(r, task=task)
            for r in distance_rows(
                ctx, f"original+{task}", f"adjusted+{task}", "gap_cos", label_prefix=f"{task}/"
            )
        ]
        parts[task] = all_in_direction(
            rows, ctx.alpha, direction="gain", what=f"larger gap after {task} fine-tuning"
        )
    nli, ner = parts["nli"], parts["ner"]
    evidence = {
        "parts": {
            t: {
                "verdict": o.verdict.value,
                "rationale": o.rationale,
                "margin": o.margin,
                **dict(o.evidence),
            }
            for t, o in parts.items()
        }
    }
    if nli.verdict is Verdict.FAILED:
        return Outcome(Verdict.FAILED, f"NLI: {nli.rationale}", evidence, None)
    if ner.verdict is Verdict.FAILED and nli.verdict is Verdict.SUPPORTED:
        return Outcome(
            Verdict.INCONCLUSIVE,
            f"consistent for NLI, but NER failed: {ner.rationale}",
            evidence,
            None,
        )
    if nli.verdict is Verdict.SUPPORTED and ner.verdict is not Verdict.SUPPORTED:
        return Outcome(
            Verdict.SUPPORTED, f"consistent for NLI; NER: {ner.rationale}", evidence, nli.margin
        )
    if nli.verdict is Verdict.REFUTED or ner.verdict is Verdict.SUPPORTED:
        why = (
            "NER is consistent too" if ner.verdict is Verdict.SUPPORTED else f"NLI: {nli.rationale}"
        )
        return Outcome(
            Verdict.REFUTED,
            why,
            evidence,
            ner.margin if ner.verdict is Verdict.SUPPORTED else nli.margin,
        )
    return Outcome(Verdict.INCONCLUSIVE, f"NLI: {nli.rationale}", evidence, nli.margin)


CLAIM = Claim(
    id="C09",
    slug="survives_finetuning_nli_only",
    title="Adjustment survives fine-tuning consistently only for NLI",
    statement=(
        "After fine-tuning, the adjusted model separates related from unrelated words "
        "better than the fine-tuned original model, consistently only for NLI."
    ),
    source="arXiv v1 abstract only (weak claim); docs/paper.md §7.4, §10.9",
    rule=(
        "Per (task, language): per-link gap of adjusted+task vs original+task (every paired run, "
        "resampled by sentence pair), "
        "one-sided gain, Holm within each task. SUPPORTED if every NLI language gains and NER "
        "does not in every language; REFUTED if an NLI language loses significantly or NER "
        "gains everywhere too. Cells whose fine-tuning collapsed (English near chance) are "
        "excluded."
    ),
    needs=(
        Need("distances", ("original+nli", "adjusted+nli", "original+ner", "adjusted+ner")),
        # whether each fine-tuning learned its task: collapsed runs are excluded, not evidence
        *(Need("eval", ("original", "adjusted"), task=t) for t in ("nli", "ner")),
    ),
    check=check,
    rule_changes=(
        RuleChange(
            "2026-12-06",
            "first fine-tuning seed only, one adjusted encoder",
            "one run per system ignores run variance: every paired run is used",
        ),
    ),
)

test_c09 = lock_test(CLAIM)
