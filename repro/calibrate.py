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
from repro.claims.runner import export_results, jobs_for_need
from repro.config import ExperimentConfig, as_dict
from repro.env import machine, provenance
from repro.experiment import Graph
from repro.fsio import write_json_atomic
from repro.pipeline import run

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
    from repro.run import estimated_seconds, make_executor

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
    return {
        "profile": cfg.profile,
        "state": STATE,
        "overrides": list(overrides),
        "seeds": list(cfg.finetune.seeds),
        "transfer": [r.to_dict() for r in rows],
        "xsr_top1": xsr_table(results, STATE),
        "english": _english_scores(results),
        "wall_s": round(time.time() - t0, 1),
        "jobs": {"total": report.total, "ran": report.ran, "cached": report.cached},
        "stage_seconds": {k: round(v, 1) for k, v in sorted(report.stage_seconds.items())},
        **provenance(),
        "machine": machine(),
        "config": as_dict(cfg),
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


def save(summary: dict[str, Any], path: Path) -> None:
    write_json_atomic(Path(path), summary)


def load(path: Path) -> dict[str, Any]:
    return json.loads(Path(path).read_text(encoding="utf-8"))
