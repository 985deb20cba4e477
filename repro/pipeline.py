"""Jobs, the stage protocol, and the runner that executes a job DAG through an executor.

A :class:`Job` is (stage, config, named input jobs); its key hashes all three, so changing any
hashed setting upstream changes every downstream key. The runner dedupes jobs by key, skips
finished artifacts, and hands the rest to an executor (``local`` in-process or a process pool,
``submitit`` for Slurm job arrays) in dependency waves.
"""

from __future__ import annotations

import importlib
import logging
import os
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import Future
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from repro.cache import Artifact, ArtifactStore, artifact_key
from repro.configtools import to_dict
from repro.env import provenance
from repro.errors import ReproError

log = logging.getLogger(__name__)

# stage name -> ("module:function", version). Lazy so `repro config show` never imports torch.
# Bump a version when a stage's output format or semantics change: every key downstream changes.
STAGES: dict[str, tuple[str, int]] = {
    "data": ("repro.stages.data:run", 1),
    "pretrain": ("repro.stages.pretrain:run", 1),
    "hub_model": ("repro.stages.pretrain:run_hub_model", 1),
    "align": ("repro.stages.align:run", 1),
    "adjust": ("repro.stages.adjust:run", 1),
    "finetune": ("repro.stages.finetune:run", 1),
    "evaluate": ("repro.stages.evaluate:run", 1),
    "retrieve": ("repro.stages.retrieve:run", 1),
    "distances": ("repro.stages.distances:run", 1),
}


# Stages that finish in seconds at every profile's scale; the rest (training, evaluation) are long.
QUICK_STAGES = frozenset({"data", "align", "retrieve", "distances"})


@dataclass(eq=False)
class Job:
    stage: str
    config: dict[str, Any]
    inputs: dict[str, Job] = field(default_factory=dict)
    label: str = ""

    def __post_init__(self) -> None:
        if self.stage not in STAGES:
            raise ReproError(f"unknown stage {self.stage!r}; known: {sorted(STAGES)}")
        self.config = to_dict(self.config)
        self.key = artifact_key(
            self.stage,
            self.config,
            {k: j.key for k, j in self.inputs.items()},
            version=STAGES[self.stage][1],
        )
        self.label = self.label or self.stage

    def __repr__(self) -> str:
        return f"Job({self.stage}, {self.label}, {self.key[:10]})"


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


@dataclass
class StageContext:
    """What a stage function receives. It writes only under ``out_dir``."""

    stage: str
    key: str
    config: dict[str, Any]
    inputs: dict[str, Artifact]
    out_dir: Path
    work_dir: Path
    device: str = "cpu"
    torch_threads: int = 2
    summary: dict[str, Any] = field(default_factory=dict)

    def input_path(self, name: str) -> Path:
        try:
            return self.inputs[name].path
        except KeyError as exc:
            raise ReproError(f"stage {self.stage} expects input {name!r}") from exc


def stage_function(stage: str) -> Callable[[StageContext], Any]:
    target, _ = STAGES[stage]
    module, func = target.split(":")
    return getattr(importlib.import_module(module), func)


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


def execute_job(
    job: Job,
    store_root: str,
    device: str = "auto",
    torch_threads: int = 2,
    extra_manifest: Mapping[str, Any] | None = None,
) -> str:
    """Run one job (inputs must exist). Safe to call from a worker process. Returns its key."""
    from repro.env import pick_device, set_offline

    set_offline()
    if not logging.getLogger().handlers:  # a spawned worker: show its progress like the parent
        logging.basicConfig(
            level=logging.INFO,
            datefmt="%H:%M:%S",
            format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        )
    store = ArtifactStore(store_root)
    with store.lock(job.stage, job.key), _labelled_logs(job.label):
        if store.get(job.stage, job.key) is not None:
            return job.key
        log.info(
            "running %s [%s] %s (%d torch thread(s))",
            job.stage,
            job.label,
            job.key[:12],
            torch_threads,
        )
        inputs = {}
        for name, dep in job.inputs.items():
            art = store.get(dep.stage, dep.key)
            if art is None:
                raise ReproError(f"input {name} ({dep!r}) of {job!r} is missing")
            inputs[name] = art
        try:
            import torch

            torch.set_num_threads(torch_threads)
        except ImportError:  # pragma: no cover
            pass
        manifest: dict[str, Any] = {
            "label": job.label,
            "config": job.config,
            "inputs": {k: {"stage": d.stage, "key": d.key} for k, d in job.inputs.items()},
            **provenance(),
            **(dict(extra_manifest) if extra_manifest else {}),
        }
        t0 = time.time()
        with store.writer(job.stage, job.key, manifest) as out_dir:
            ctx = StageContext(
                stage=job.stage,
                key=job.key,
                config=job.config,
                inputs=inputs,
                out_dir=out_dir,
                work_dir=store.work_dir(job.stage, job.key),
                device=pick_device(device),
                torch_threads=torch_threads,
            )
            result = stage_function(job.stage)(ctx)
            manifest["summary"] = {**ctx.summary, **(result or {})}
            manifest["timings"] = {"started": t0, "wall_s": round(time.time() - t0, 3)}
    return job.key


@contextmanager
def _labelled_logs(label: str) -> Iterator[None]:
    """Tag every log line of a job with its label: parallel jobs' lines interleave in one log."""

    def tag(record: logging.LogRecord) -> bool:
        if not record.name.endswith("]"):
            record.name = f"{record.name} [{label}]"
        return True

    handlers = list(logging.getLogger().handlers)
    for h in handlers:
        h.addFilter(tag)
    try:
        yield
    finally:
        for h in handlers:
            h.removeFilter(tag)


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


class Executor(Protocol):
    def run_wave(self, jobs: list[Job], store: ArtifactStore) -> None: ...


def init_worker(parent: int, gpu_queue: Any = None, poll_s: float = 1.0) -> None:
    """Pool-worker initializer: pin a GPU if given one, and exit when the run's process is gone.

    A run stopped with ``kill`` (SIGTERM) or SIGKILL dies without unwinding its pool, and its
    workers would go on training for minutes, orphaned, beside the rerun. Their half-made
    artifact stays a temp dir that ``repro gc`` removes.
    """
    import threading

    if gpu_queue is not None:
        from repro.launch import pin_gpu

        pin_gpu(gpu_queue)

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(poll_s)
        os._exit(1)

    threading.Thread(target=watch, name="exit-with-run", daemon=True).start()


@dataclass
class LocalExecutor:
    """In-process for ``jobs=1`` (deterministic, debuggable); a spawn process pool otherwise.

    The pool is fed by :func:`run_dag`: a job starts as soon as its inputs exist.

    With several GPUs visible and ``jobs`` > 1, each pool worker is pinned to one GPU
    (``CUDA_VISIBLE_DEVICES``), so independent jobs run side by side, one per GPU.

    ``procs_per_job`` > 1: every ``adjust``/``finetune`` job runs on that many processes of this
    node under ``torchrun`` (DDP, one process per GPU, or CPU processes on gloo), one such job
    at a time, after the wave's other jobs (:mod:`repro.launch`).
    """

    jobs: int = 1
    device: str = "auto"
    torch_threads: int = 2
    procs_per_job: int = 1

    @property
    def schedules_graph(self) -> bool:
        """A pool starts each job when its inputs exist, not when its whole wave is done."""
        return self.jobs > 1 and self.procs_per_job == 1

    def run_graph(
        self,
        jobs: list[Job],
        store: ArtifactStore,
        progress: Callable[[str], None] | None = None,
        graph: list[Job] | None = None,
        priority: Mapping[str, float] | None = None,
        on_done: Callable[[Job], None] | None = None,
    ) -> None:
        """Run ``jobs`` (the uncached part of ``graph``, in topological order) on the pool."""
        threads = thread_plan(graph or jobs, self.jobs, self.torch_threads)
        with self._pool() as pool:
            run_dag(
                jobs,
                lambda j, n: pool.submit(execute_job, j, str(store.root), self.device, n),
                self.jobs,
                threads,
                progress,
                priority,
                on_done,
            )

    def _pool(self) -> Any:
        import concurrent.futures as cf
        import multiprocessing as mp

        from repro.launch import gpu_slots

        ctx = mp.get_context("spawn")
        slots = gpu_slots(self.jobs, self.device)
        queue = None
        if slots:  # one GPU per worker (round robin when there are more workers than GPUs)
            queue = ctx.Queue()
            for s in slots:
                queue.put(s)
        return cf.ProcessPoolExecutor(
            self.jobs, mp_context=ctx, initializer=init_worker, initargs=(os.getpid(), queue)
        )

    def run_wave(self, jobs: list[Job], store: ArtifactStore) -> None:
        from repro.launch import split_ddp

        plain, ddp = split_ddp(jobs, self.procs_per_job)
        self._run_plain(plain, store)
        if ddp:
            from repro.launch import run_distributed

            threads = max(1, self.torch_threads // self.procs_per_job)
            for j in ddp:
                _announce(j, f"launching on {self.procs_per_job} processes:")
                run_distributed(j, str(store.root), self.procs_per_job, self.device, threads)

    def _run_plain(self, jobs: list[Job], store: ArtifactStore) -> None:
        if not jobs:
            return
        if self.jobs <= 1 or len(jobs) == 1:
            for j in jobs:
                execute_job(j, str(store.root), self.device, self.torch_threads)
            return
        import concurrent.futures as cf

        threads = max(1, self.torch_threads // self.jobs)  # fixed: independent of cache state
        jobs = sorted(jobs, key=lambda j: j.stage in QUICK_STAGES)  # long jobs start first
        with self._pool() as pool:
            futs = {
                pool.submit(execute_job, j, str(store.root), self.device, threads): j for j in jobs
            }
            for fut in cf.as_completed(futs):
                fut.result()


@dataclass
class SubmititExecutor:
    """Slurm job arrays through submitit (``pip install xlingual-repro[slurm]``).

    One array per wave (``map_array``; at most ``array_parallelism`` tasks at once). With
    ``procs_per_job`` > 1 the wave's ``adjust``/``finetune`` jobs go to a second array whose
    tasks each get ``procs_per_job`` GPUs of one node and run ``torchrun`` there
    (:func:`repro.launch.run_distributed`). The artifact store must be on a file system that
    every node sees. ``cluster="local"``/``"debug"`` run the same code without Slurm (tests).
    """

    folder: str
    partition: str = ""
    gpus_per_node: int = 1
    timeout_min: int = 720
    cluster: str | None = None  # None = auto (slurm if available); "local"/"debug" for tests
    torch_threads: int = 8
    procs_per_job: int = 1
    cpus_per_task: int = 0  # 0 = Slurm's default; else CPUs per array task
    array_parallelism: int = 64
    extra: dict[str, Any] = field(default_factory=dict)  # more submitit/Slurm parameters

    def _executor(self, gpus: int):
        try:
            import submitit
        except ImportError as exc:
            raise ReproError(
                "run.executor=submitit needs `pip install xlingual-repro[slurm]`"
            ) from exc
        ex = submitit.AutoExecutor(folder=self.folder, cluster=self.cluster)
        params: dict[str, Any] = {
            "timeout_min": self.timeout_min,
            "tasks_per_node": 1,
            "slurm_array_parallelism": self.array_parallelism,
        }
        if self.partition:
            params["slurm_partition"] = self.partition
        if gpus and ex.cluster == "slurm":
            params["gpus_per_node"] = gpus
        if self.cpus_per_task:
            params["cpus_per_task"] = self.cpus_per_task
        params.update(self.extra)
        ex.update_parameters(**params)
        return ex

    def run_wave(self, jobs: list[Job], store: ArtifactStore) -> None:
        from repro.launch import split_ddp

        plain, ddp = split_ddp(jobs, self.procs_per_job)
        root = str(store.root)
        submitted = []
        if plain:
            ex = self._executor(self.gpus_per_node)
            for j in plain:
                _announce(j, "submitting")
            n = len(plain)
            submitted += ex.map_array(
                execute_job, plain, [root] * n, ["auto"] * n, [self.torch_threads] * n
            )
        if ddp:
            from repro.launch import run_distributed

            ex = self._executor(self.procs_per_job)
            for j in ddp:
                _announce(j, "submitting (DDP)")
            n = len(ddp)
            threads = max(1, self.torch_threads // self.procs_per_job)
            submitted += ex.map_array(
                run_distributed,
                ddp,
                [root] * n,
                [self.procs_per_job] * n,
                ["auto"] * n,
                [threads] * n,
            )
        errors = []
        for s in submitted:
            try:
                s.result()
            except Exception as exc:  # noqa: BLE001 - wait for every task, then report all
                errors.append(f"{getattr(s, 'job_id', '?')}: {exc}")
        if errors:
            raise ReproError(
                f"{len(errors)} of {len(submitted)} submitit task(s) failed:\n" + "\n".join(errors)
            )


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

    ``seconds`` (job key -> estimated seconds, e.g. from :func:`repro.plan_cost.job_cost`) lets
    a graph-scheduling executor start the longest remaining chain first.
    """
    from repro.progress import RunProgress

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
