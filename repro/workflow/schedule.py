"""Ordering and running a job graph: topological order, dependency waves, critical-path
priorities, torch threads per job, and :func:`run` — skip what is stored, run the rest through an
executor, report per-stage seconds."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any, Protocol

from repro.cache import ArtifactStore
from repro.errors import ReproError
from repro.workflow.jobs import QUICK_STAGES, Job

log = logging.getLogger(__name__)


def threads_per_worker(jobs: list[Job], workers: int, torch_threads: int) -> int:
    """Torch threads for each job of a dependency wave: the cores split over its *long* jobs.

    Splitting over every job left the smoke/mini ``pretrain`` on one thread of two for its whole
    run because four ``align`` jobs, done in seconds, shared its wave.
    """
    long_jobs = sum(j.stage not in QUICK_STAGES for j in jobs)
    return max(1, torch_threads // max(1, min(workers, long_jobs or len(jobs))))


def thread_plan(order: list[Job], workers: int, torch_threads: int) -> dict[str, int]:
    """Torch threads per job from the *whole* graph's dependency waves (cached jobs included).

    Deterministic for a config: a resumed or partly cached run gives each job the threads of a
    cold run, so CPU results do not depend on the cache state or on timing.
    """
    return {
        j.key: threads_per_worker(wave, workers, torch_threads)
        for wave in waves(order)
        for j in wave
    }


def critical_path(order: list[Job], seconds: Mapping[str, float]) -> dict[str, float]:
    """Each job's estimated seconds plus the longest estimated chain of jobs that wait on it.

    Starting the ready job with the longest chain first (critical-path list scheduling) keeps
    long chains off the tail: by topological order alone the mini profile started three NLI
    fine-tunings before the adjustment that every adjusted-model job waits on, and its last
    continual-learning run ended alone on one of two cores.
    """
    waiting: dict[str, list[str]] = {j.key: [] for j in order}
    for j in order:
        for d in j.inputs.values():
            if d.key in waiting:
                waiting[d.key].append(j.key)
    rank: dict[str, float] = {}
    for j in reversed(order):
        rank[j.key] = float(seconds.get(j.key, 0.0)) + max(
            (rank[k] for k in waiting[j.key]), default=0.0
        )
    return rank


def toposort(jobs: Iterable[Job]) -> list[Job]:
    """All jobs reachable from ``jobs``, deduplicated by key, dependencies first."""
    order: list[Job] = []
    seen: dict[str, Job] = {}

    def visit(job: Job, stack: tuple[str, ...]) -> None:
        if job.key in seen:
            return
        if job.key in stack:
            raise ReproError(f"cycle in job graph at {job!r}")
        for dep in job.inputs.values():
            visit(dep, stack + (job.key,))
        seen[job.key] = job
        order.append(job)

    for j in jobs:
        visit(j, ())
    return order


def waves(order: list[Job]) -> list[list[Job]]:
    """Group jobs into dependency levels: every job's inputs are in earlier waves."""
    level: dict[str, int] = {}
    for j in order:
        level[j.key] = 1 + max((level[d.key] for d in j.inputs.values()), default=-1)
    out: list[list[Job]] = [[] for _ in range(max(level.values(), default=-1) + 1)]
    for j in order:
        out[level[j.key]].append(j)
    return out


def run_dag(
    jobs: list[Job],
    submit: Callable[[Job, int], Future],
    workers: int,
    threads: Mapping[str, int],
    progress: Callable[[str], None] | None = None,
    priority: Mapping[str, float] | None = None,
    on_done: Callable[[Job], None] | None = None,
) -> None:
    """Start each job as soon as its inputs are done, at most ``workers`` at once.

    ``jobs`` are the ones still to run (inputs outside the list count as done). Waves made the
    last long job of a wave hold every worker of the next one idle (the mini profile's third QA
    seed ran alone on one of two cores while adjusted-model jobs waited). After a failure no new
    job starts; the running ones finish and the first error is raised. ``threads`` (job key ->
    torch threads, :func:`thread_plan`) is fixed by the graph, not by timing, so a job's
    floating-point reductions do not depend on what else happened to be running. ``priority``
    (job key -> :func:`critical_path` seconds) picks among ready jobs, highest first; without
    it long stages go before quick ones in topological order.
    """
    from concurrent.futures import FIRST_COMPLETED, wait

    if priority is None:
        order_key: Callable[[Job], Any] = lambda j: j.stage in QUICK_STAGES  # noqa: E731
    else:
        order_key = lambda j: -priority.get(j.key, 0.0)  # noqa: E731

    todo = {j.key: j for j in jobs}
    needs = {j.key: {d.key for d in j.inputs.values() if d.key in todo} for j in jobs}
    done: set[str] = set()
    running: dict[Future, Job] = {}
    error: BaseException | None = None
    while (todo or running) and not (error and not running):
        ready = [j for j in todo.values() if needs[j.key] <= done]
        ready.sort(key=order_key)  # stable: ties keep topological order
        if error is None:
            for j in ready[: workers - len(running)]:
                del todo[j.key]
                running[submit(j, threads[j.key])] = j
        if not running:
            if todo:
                raise ReproError(f"jobs wait on inputs that never run: {sorted(todo)[:3]}")
            break
        finished, _ = wait(running, return_when=FIRST_COMPLETED)
        for fut in finished:
            job = running.pop(fut)
            exc = fut.exception()
            if exc is None:
                done.add(job.key)
                if on_done:
                    on_done(job)
                elif progress:
                    progress(f"{len(done)}/{len(jobs)} done: {job.stage}[{job.label}]")
            elif error is None:
                error = exc
                log.error("%r failed; waiting for %d running job(s)", job, len(running))
    if error is not None:
        raise error


def _announce(job: Job, verb: str = "running") -> None:
    log.info("%s %s [%s] %s", verb, job.stage, job.label, job.key[:12])


@dataclass
class RunReport:
    total: int = 0
    cached: int = 0
    ran: int = 0
    wall_s: float = 0.0
    stage_seconds: dict[str, float] = field(default_factory=dict)


def plan(jobs: Iterable[Job], store: ArtifactStore) -> list[tuple[Job, bool]]:
    """Every job with whether its artifact is already stored (verified)."""
    return [(j, store.get(j.stage, j.key, verify=False) is not None) for j in toposort(jobs)]


def run(
    jobs: Iterable[Job],
    store: ArtifactStore,
    executor: Executor,
    progress: Callable[[str], None] | None = None,
    seconds: Mapping[str, float] | None = None,
) -> RunReport:
    """Run what is not cached.

    ``seconds`` (job key -> estimated seconds, e.g. from :func:`repro.workflow.cost.job_cost`) lets
    a graph-scheduling executor start the longest remaining chain first.
    """
    from repro.workflow.progress import RunProgress

    order = toposort(jobs)
    report = RunReport(total=len(order))
    t0 = time.time()
    graph_mode = getattr(executor, "schedules_graph", False)
    # what is left to run: checked in full where it decides the work (the graph path), by
    # existence only where it feeds the progress line (each wave checks its own jobs)
    pending = [j for j in order if store.get(j.stage, j.key, verify=graph_mode) is None]
    tracker = RunProgress(pending, seconds, progress) if progress and pending else None
    if graph_mode:
        todo = pending
        report.cached, report.ran = len(order) - len(todo), len(todo)
        if todo:
            if progress:
                progress(f"{len(todo)} job(s) to run, {report.cached} cached")
            priority = critical_path(order, seconds) if seconds else None
            executor.run_graph(  # type: ignore[attr-defined]
                todo, store, progress, order, priority, tracker.finished if tracker else None
            )
    else:
        for wave in waves(order):
            todo = [j for j in wave if store.get(j.stage, j.key) is None]
            report.cached += len(wave) - len(todo)
            if not todo:
                continue
            if progress:
                progress(f"{len(todo)} job(s): " + ", ".join(f"{j.stage}[{j.label}]" for j in todo))
            executor.run_wave(todo, store)
            report.ran += len(todo)
            for j in todo if tracker else ():
                tracker.finished(j)
    for j in order:
        art = store.get(j.stage, j.key, verify=False)
        if art is None:
            raise ReproError(f"{j!r} did not produce an artifact")
        wall = art.manifest.get("timings", {}).get("wall_s", 0.0)
        report.stage_seconds[j.stage] = report.stage_seconds.get(j.stage, 0.0) + float(wall)
    report.wall_s = round(time.time() - t0, 3)
    return report


class Executor(Protocol):
    def run_wave(self, jobs: list[Job], store: ArtifactStore) -> None: ...
