"""`repro calibrate`: the unadjusted encoder's transfer regime, and nothing else.

Calibrating the synthetic world (docs/calibration.md) must never look at the method under
test. This verb therefore builds only the jobs of the ``original`` state — pretraining (or
the hub encoder), its English fine-tunings and their zero-shot evaluations, and retrieval
with the unadjusted encoder — and reports English learnability and transfer ratios
(:mod:`repro.analysis.transfer`). No adjustment job is planned, so no adjusted result and no
verdict exists to be looked at. Artifacts go to the normal store, so a probe that changes a
fine-tuning knob reuses the pretrained encoder of the last one.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from repro.analysis.transfer import transfer_table, xsr_table
from repro.cache import ArtifactStore
from repro.claims import Need
from repro.config import ExperimentConfig, as_dict
from repro.env import machine, provenance
from repro.fsio import write_json_atomic
from repro.workflow.export import export_results
from repro.workflow.graph import Graph
from repro.workflow.needs import jobs_for_need
from repro.workflow.schedule import run

STATE = "original"
TASKS = ("nli", "ner", "qa")


def calibration_needs(tasks: Sequence[str], xsr: bool = True) -> list[Need]:
    needs = [Need("eval", (STATE,), task=t) for t in tasks]
    return needs + ([Need("xsr", (STATE,))] if xsr else [])


def calibrate(
    cfg: ExperimentConfig,
    tasks: Sequence[str] = TASKS,
    *,
    xsr: bool = True,
    store: ArtifactStore | None = None,
    overrides: Sequence[str] = (),
    progress: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Run the original state's jobs for ``tasks`` and return the transfer summary."""
    from repro.workflow.run import estimated_seconds, make_executor

    t0 = time.time()
    store = store or ArtifactStore()
    graph = Graph(cfg)
    pairs = [p for need in calibration_needs(tasks, xsr) for p in jobs_for_need(graph, need)]
    if any(parse_base(ex.state) != STATE for _, ex in pairs):  # pragma: no cover - invariant
        raise AssertionError("calibration planned a non-original job")
    jobs = [j for j, _ in pairs]
    executor = make_executor(cfg, store)
    seconds = estimated_seconds(cfg, jobs)
    report = run(jobs, store, executor, progress=progress, seconds=seconds)
    results = export_results(cfg, pairs, store)
    rows = transfer_table(results, STATE)
    predicted = predicted_labels(pairs, store)
    return {
        "profile": cfg.profile,
        "state": STATE,
        "overrides": list(overrides),
        "seeds": list(cfg.finetune.seeds),
        "transfer": [r.to_dict() for r in rows],
        "xsr_top1": xsr_table(results, STATE),
        "english": _english_scores(results),
        "nli_predicted": predicted,
        "wall_s": round(time.time() - t0, 1),
        "jobs": {"total": report.total, "ran": report.ran, "cached": report.cached},
        "stage_seconds": {k: round(v, 1) for k, v in sorted(report.stage_seconds.items())},
        **provenance(),
        "machine": machine(),
        "config": as_dict(cfg),
    }


def predicted_labels(pairs, store) -> dict[str, dict[str, float]]:
    """Share of each predicted NLI label per evaluation set, over all runs.

    A transfer failure shows here first: a model that has not carried English over predicts
    one label for almost every target example (measured: "neutral" for ~95 %).
    """
    from collections import Counter

    from repro.data.bundle import iter_jsonl

    counts: dict[str, Counter] = {}
    seen = set()
    for job, ex in pairs:
        if ex.kind != "eval" or ex.task != "nli" or job.key in seen:
            continue
        seen.add(job.key)
        art = store.get(job.stage, job.key, verify=False)
        if art is None:
            continue
        for name in job.stage_config.sets:
            path = art.path / "predictions" / f"{name}.jsonl"
            if path.is_file():
                c = counts.setdefault(name.split(".", 2)[2], Counter())
                c.update(str(r.get("pred")) for r in iter_jsonl(path))
    return {
        lang: {k: round(v / sum(c.values()), 3) for k, v in sorted(c.items())}
        for lang, c in sorted(counts.items())
    }


def parse_base(state: str) -> str:
    return state.split("+")[0].split("@")[0]


def _english_scores(results) -> dict[str, list[float]]:
    from repro.analysis.transfer import entry_score

    out: dict[str, list[float]] = {}
    for e in sorted(results, key=lambda e: (e.key.task, e.key.dataset, e.key.seed)):
        if e.key.kind == "eval" and e.key.lang in ("en", "en-en"):
            out.setdefault(f"{e.key.task}.{e.key.dataset}", []).append(round(entry_score(e), 4))
    return out


PROBES_MARKER = "calibration-probes"


def probe_table(paths: Sequence[Path], task: str = "nli") -> str:
    """Markdown table of stored probe summaries: one row per probe, transfer ratio per language.

    Rows are in file-name order; a probe is named by its file stem. Ratios are of the means
    over the probe's runs (per-run ranges in the JSON); "one-label share" is how often the
    most predicted label is predicted in the target languages (1/3 when balanced); XSR is
    top-1 on the same encoder.
    """
    summaries = [(Path(p).stem, load(p)) for p in sorted(paths, key=lambda p: Path(p).name)]
    langs = sorted(
        {r["lang"] for _, s in summaries for r in s["transfer"] if r["task"] == task},
        key=lambda x: ("es", "ru", "vi", "hi").index(x) if x in ("es", "ru", "vi", "hi") else 9,
    )
    head = (
        f"| probe | settings (`--set`) | runs | English | {' | '.join(langs)} | near chance "
        "| one-label share | XSR top-1 |"
    )
    lines = [head, "|" + "|".join([":---"] * 2 + ["---:"] * (len(langs) + 5)) + "|"]
    for name, s in summaries:
        rows = {r["lang"]: r for r in s["transfer"] if r["task"] == task}
        if not rows:
            continue
        any_row = next(iter(rows.values()))
        xsr = s.get("xsr_top1") or {}
        cells = [f"{rows[x]['ratio']:.2f}" if x in rows else "–" for x in langs]
        near = sum(r["near_chance_runs"] for r in rows.values())
        total = sum(r["runs"] for r in rows.values())
        sets = " ".join(f"`{o}`" for o in s.get("overrides", []) if "finetune.seeds" not in o)
        xsr_text = f"{100 * sum(xsr.values()) / len(xsr):.1f}%" if xsr else "–"
        pred = s.get("nli_predicted") or {}
        modal = [max(pred[x].values()) for x in langs if x in pred and pred[x]]
        modal_text = f"{100 * sum(modal) / len(modal):.0f}%" if modal else "–"
        lines.append(
            f"| {name} | {sets or 'profile defaults'} | {any_row['runs']} | "
            f"{100 * any_row['english']:.1f} | {' | '.join(cells)} | {near}/{total} | "
            f"{modal_text} | {xsr_text} |"
        )
    return "\n".join(lines)


def update_doc(doc: Path, probe_dir: Path) -> bool:
    """Rewrite the ``<!-- calibration-probes -->`` block of ``doc`` from ``probe_dir/*.json``."""
    from repro.docblocks import replace_block
    from repro.fsio import write_text_atomic

    table = probe_table(sorted(Path(probe_dir).glob("*.json")))
    new = replace_block(Path(doc).read_text(encoding="utf-8"), PROBES_MARKER, table)
    if new is None:
        return False
    write_text_atomic(Path(doc), new)
    return True


def save(summary: dict[str, Any], path: Path) -> None:
    write_json_atomic(Path(path), summary)


def load(path: Path) -> dict[str, Any]:
    return json.loads(Path(path).read_text(encoding="utf-8"))
