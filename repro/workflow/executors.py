"""Executors: where a wave or a graph of jobs runs — this process, a local process pool, or
Slurm through submitit. Multi-process (DDP) jobs go through :mod:`repro.workflow.ddp`."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from repro.cache import ArtifactStore
from repro.errors import ReproError
from repro.workflow.jobs import QUICK_STAGES, Job, execute_job
from repro.workflow.schedule import _announce, run_dag, thread_plan


def init_worker(parent: int, gpu_queue: Any = None, poll_s: float = 1.0) -> None:
    """Pool-worker initializer: pin a GPU if given one, and exit when the run's process is gone.

    A run stopped with ``kill`` (SIGTERM) or SIGKILL dies without unwinding its pool, and its
    workers would go on training for minutes, orphaned, beside the rerun. Their half-made
    artifact stays a temp dir that ``repro gc`` removes.
    """
    import threading

    if gpu_queue is not None:
        from repro.workflow.ddp import pin_gpu

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
    at a time, after the wave's other jobs (:mod:`repro.workflow.ddp`).
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

        from repro.workflow.ddp import gpu_slots

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
        from repro.workflow.ddp import split_ddp

        plain, ddp = split_ddp(jobs, self.procs_per_job)
        self._run_plain(plain, store)
        if ddp:
            from repro.workflow.ddp import run_distributed

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
    (:func:`repro.workflow.ddp.run_distributed`). The artifact store must be on a file system that
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
        from repro.workflow.ddp import split_ddp

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
            from repro.workflow.ddp import run_distributed

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
