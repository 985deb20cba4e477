"""`repro run`: every job the selected claims need → results → verdicts → report."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from repro.cache import ArtifactStore
from repro.claims import discover, select
from repro.claims.lock import compare_with_lock
from repro.claims.results import ResultSet
from repro.claims.verdicts import evaluate_all, skipped_claims, write_status
from repro.config import ExperimentConfig, as_dict
from repro.env import machine, provenance
from repro.fsio import folder_lock, staged_dir, write_text_atomic
from repro.workflow.cost import job_cost
from repro.workflow.executors import LocalExecutor, SubmititExecutor
from repro.workflow.export import export_results
from repro.workflow.jobs import Job
from repro.workflow.needs import plan_claims
from repro.workflow.schedule import run, toposort

log = logging.getLogger(__name__)


@dataclass
class RunResult:
    status: dict[str, Any]
    status_path: Path
    wall_s: float
    ran: int
    cached: int


def make_executor(cfg: ExperimentConfig, store: ArtifactStore):
    r = cfg.run
    if r.executor == "submitit":
        return SubmititExecutor(
            folder=str(store.root / ".submitit"),
            partition=r.slurm_partition,
            gpus_per_node=r.slurm_gpus_per_node,
            timeout_min=r.slurm_timeout_min,
            procs_per_job=r.procs_per_job,
            cpus_per_task=r.slurm_cpus_per_task,
            array_parallelism=r.slurm_array_parallelism,
        )
    return LocalExecutor(
        jobs=r.jobs, device=r.device, torch_threads=r.torch_threads, procs_per_job=r.procs_per_job
    )


def estimated_seconds(cfg: ExperimentConfig, jobs: list[Job]) -> dict[str, float]:
    """The cost model's seconds for every job of the graph, for the scheduler's priorities.

    Only the ranking matters, so the model's absolute error (docs/calibration.md) does not.
    """
    return {j.key: job_cost(cfg, j).seconds for j in toposort(jobs)}  # upstream jobs too


def run_profile(
    cfg: ExperimentConfig,
    *,
    claim_ids: str | None = None,
    reports_root: Path = Path("reports"),
    store: ArtifactStore | None = None,
    overrides: tuple[str, ...] = (),
    write_lock: bool = True,
    progress: Callable[[str], None] | None = None,
) -> RunResult:
    t0 = time.time()
    store = store or ArtifactStore()
    all_claims = discover()
    claims = select(all_claims, claim_ids)
    pairs, skipped = plan_claims(cfg, claims)
    executor = make_executor(cfg, store)
    jobs = [j for j, _ in pairs]
    report = run(jobs, store, executor, progress=progress, seconds=estimated_seconds(cfg, jobs))
    pdir = reports_root / cfg.profile
    results_dir = pdir / "results"
    status_path = pdir / "claims.json"
    fresh = export_results(cfg, pairs, store)
    with folder_lock(pdir):  # one writer of reports/<profile>/ at a time
        if claim_ids is None:  # a full run replaces every stored result, all at once
            with staged_dir(results_dir) as build:
                fresh.save(build)
        else:
            fresh.save(results_dir)
        results = ResultSet.load(results_dir)
        status = evaluate_all(cfg, claims, results, skipped)
        status["overrides"] = list(overrides)
        if claim_ids is not None and status_path.is_file():
            old = json.loads(status_path.read_text())
            old_claims = old.get("claims", {})
            old_claims.update(status["claims"])
            status["claims"] = dict(sorted(old_claims.items()))
        if write_lock:
            write_status(status, status_path)
            write_run_info(pdir, cfg, report, time.time() - t0, store)
        if cfg.run.prediction_files:
            from repro.report.predictions import write_prediction_files

            n = write_prediction_files(pairs, store, pdir / "predictions")
            log.info("wrote %d prediction file(s) to %s", n, pdir / "predictions")
    return RunResult(status, status_path, round(time.time() - t0, 2), report.ran, report.cached)


def write_run_info(
    pdir: Path, cfg: ExperimentConfig, report, wall_s: float, store: ArtifactStore
) -> None:
    """Provenance that varies run to run (timings, machine) kept apart from the verdicts."""
    info = {
        "profile": cfg.profile,
        **provenance(),
        "machine": machine(),
        "config": as_dict(cfg),
        "jobs": {"total": report.total, "ran": report.ran, "cached": report.cached},
        "stage_seconds": {k: round(v, 2) for k, v in sorted(report.stage_seconds.items())},
        "wall_s": round(wall_s, 2),
        "artifact_root": str(store.root),
        "data": _data_provenance(cfg, store),
    }
    text = json.dumps(info, indent=1, sort_keys=True, default=str)
    write_text_atomic(pdir / "run.json", text)


def _data_provenance(cfg: ExperimentConfig, store: ArtifactStore) -> dict[str, Any]:
    """Sources, checksums and licences of the data actually used (the bundle's notes)."""
    from repro.data.bundle import Bundle
    from repro.workflow.graph import Graph

    try:
        job = Graph(cfg).data()
    except Exception as exc:  # noqa: BLE001 - provenance must never break a finished run
        return {"missing": str(exc)}
    art = store.get(job.stage, job.key, verify=False)
    if art is None:
        return {"missing": "data artifact not in the store"}
    bundle = Bundle.load(art.path)
    return {"source": bundle.source, "artifact": job.key[:16], "notes": bundle.notes}


def _match_lock_precision(run_json: Path) -> None:
    """Recompute in fp32 when the lock was computed in fp32 (a CPU without native bf16).

    bf16 is only used on CPUs that compute it natively (:func:`repro.env.cpu_bf16_native`), so
    the same config trains in bf16 on one machine and fp32 on another. A from-scratch check of
    an fp32 lock on a bf16 machine therefore forces fp32 (slower, never emulated), so the
    check compares the same computation. ``REPRO_CPU_BF16`` set by the user wins.
    """
    import os

    from repro.env import cpu_bf16_native

    try:
        locked = json.loads(run_json.read_text()).get("machine", {}).get("cpu_bf16_native")
    except (OSError, ValueError):
        return
    if locked is False and "REPRO_CPU_BF16" not in os.environ and cpu_bf16_native():
        log.info("the lock was computed in fp32 (no native bf16): recomputing in fp32")
        os.environ["REPRO_CPU_BF16"] = "0"  # inherited by the stage workers
        cpu_bf16_native.cache_clear()


def verify(
    cfg: ExperimentConfig,
    *,
    from_results: bool,
    reports_root: Path = Path("reports"),
    store: ArtifactStore | None = None,
    overrides: tuple[str, ...] = (),
    progress: Callable[[str], None] | None = None,
) -> tuple[list[str], dict[str, Any]]:
    """Recompute verdicts (from committed results, or by rerunning) and diff them with the lock."""
    pdir = reports_root / cfg.profile
    lock_path = pdir / "claims.json"
    if not lock_path.is_file():
        from repro.errors import ReproError

        raise ReproError(
            f"no locked verdicts at {lock_path}; run `repro run --profile "
            f"{cfg.profile}` and commit the result"
        )
    lock = json.loads(lock_path.read_text())
    claims = discover()
    if from_results:  # no job graph: re-analysis needs neither data nor artifacts
        skipped = skipped_claims(cfg, claims)
        status = evaluate_all(cfg, claims, ResultSet.load(pdir / "results"), skipped)
        status["from_results"] = True  # the results' own provenance is in run.json
    else:
        _match_lock_precision(pdir / "run.json")
        store = store or ArtifactStore()
        pairs, skipped = plan_claims(cfg, claims)
        jobs = [j for j, _ in pairs]
        seconds = estimated_seconds(cfg, jobs)
        run(jobs, store, make_executor(cfg, store), progress=progress, seconds=seconds)
        status = evaluate_all(cfg, claims, export_results(cfg, pairs, store), skipped)
    return compare_with_lock(status, lock), status
