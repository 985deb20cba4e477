"""One job on several processes (DDP) under ``torchrun`` or ``accelerate launch``.

The stages stay single-process code: the adjustment loop goes through ``accelerate.Accelerator``
when ``WORLD_SIZE`` > 1 and the ``finetune`` stage uses the HF ``Trainer``, which does DDP by
itself under a launcher. This module only runs one job in every rank, with the artifact rules
of a distributed run:

* rank 0 holds the store's per-key lock, checks the cache and the inputs, and broadcasts the
  verdict (skip / run / error), so every rank takes the same branch;
* every rank runs the stage function; rank 0 writes into the store's temp directory, the other
  ranks into a private scratch directory that is thrown away (they compute, they never write
  the artifact); all share ``work_dir``, where rank 0 alone writes resumable checkpoints;
* a barrier after the stage function returns and before rank 0's atomic rename, so an artifact
  appears only when every rank finished; a rank that fails makes ``torchrun`` stop the others
  and nothing is published.

Command line (what the executors run; ``--nproc-per-node`` = GPUs of the node, or CPU
processes with ``CUDA_VISIBLE_DEVICES=""``, which use the gloo backend)::

    torchrun --standalone --nproc-per-node 4 -m repro.workflow.ddp --job-file JOB.json --store DIR

``accelerate launch --multi_gpu --num_processes 4 -m repro.workflow.ddp ...`` works the same way: both
set ``RANK``/``LOCAL_RANK``/``WORLD_SIZE`` and the rendezvous variables read here. Without a
launcher (``WORLD_SIZE`` unset) the job runs in one process exactly as
:func:`repro.workflow.jobs.execute_job`.

The world size is recorded in the manifest but is not part of the key: the global batch is
(``adjust.batch_size`` and the fine-tuning ``batch_size`` are global; the adjustment loop and the
Trainer split it across ranks).
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from repro.errors import ConfigError, ReproError
from repro.workflow.jobs import (
    Job,
    StageContext,
    execute_job,
    job_file_path,
    read_job_file,
    stage_function,
    write_job_file,
)

log = logging.getLogger(__name__)

#: Stages that run on several processes when an executor's ``procs_per_job`` > 1. The others
#: are short (data, align on CPU) or inference (evaluate, retrieve, distances).
DDP_STAGES = frozenset({"adjust", "finetune"})


# -- what runs where ------------------------------------------------------------------------------
def split_ddp(jobs: Sequence[Job], procs_per_job: int) -> tuple[list[Job], list[Job]]:
    """(single-process jobs, jobs to run on ``procs_per_job`` processes) of a wave."""
    if procs_per_job < 1:
        raise ReproError(f"procs_per_job must be >= 1, got {procs_per_job}")
    if procs_per_job == 1:
        return list(jobs), []
    return (
        [j for j in jobs if j.stage not in DDP_STAGES],
        [j for j in jobs if j.stage in DDP_STAGES],
    )


def gpu_slots(
    workers: int, device: str = "auto", *, visible: str | None = None, count: int | None = None
) -> list[str]:
    """The GPU id each of ``workers`` pool processes should see (round robin), or [] when there
    are fewer than two GPUs, one worker, or ``device`` is "cpu".

    ``visible``/``count`` default to ``CUDA_VISIBLE_DEVICES`` and the CUDA device count.
    """
    if device == "cpu" or workers < 2:
        return []
    if visible is None:
        visible = os.environ.get("CUDA_VISIBLE_DEVICES")
    if visible is not None:
        ids = [v.strip() for v in visible.split(",") if v.strip()]
    else:
        if count is None:
            import torch

            count = torch.cuda.device_count()
        ids = [str(i) for i in range(count)]
    if len(ids) < 2:
        return []
    return [ids[i % len(ids)] for i in range(workers)]


def pin_gpu(queue) -> None:
    """Process-pool initializer: this worker sees one GPU (set before torch touches CUDA)."""
    os.environ["CUDA_VISIBLE_DEVICES"] = str(queue.get())


# -- job files ------------------------------------------------------------------------------------


# -- inside every rank ----------------------------------------------------------------------------
def _dist_env() -> tuple[int, int, int]:
    """(rank, local rank, world size) as set by torchrun / accelerate launch."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    rank = int(os.environ.get("RANK", "0"))
    local = int(os.environ.get("LOCAL_RANK", str(rank)))
    return rank, local, world


def _broadcast(obj: Any) -> Any:
    import torch.distributed as dist

    box = [obj]
    dist.broadcast_object_list(box, src=0)
    return box[0]


def _check_on_main(store, job: Job) -> tuple[str, str]:
    """Rank 0: ("done", "") when stored, ("run", "") when every input is intact, else error."""
    if store.get(job.stage, job.key) is not None:
        return "done", ""
    for name, dep in job.inputs.items():
        if store.get(dep.stage, dep.key) is None:  # verifies checksums (quarantines if corrupt)
            return "error", f"input {name} ({dep!r}) of {job!r} is missing"
    return "run", ""


def execute_job_distributed(
    job: Job,
    store_root: str,
    device: str = "auto",
    torch_threads: int = 2,
    keep_rank_outputs: str | Path | None = None,
) -> str:
    """Run ``job`` in this rank of a launched process group; returns its key.

    ``keep_rank_outputs``: copy what each rank's stage function wrote (rank 0's artifact files
    included) to ``<dir>/rank<r>/`` — for tests and debugging of per-rank results.
    """
    rank, local_rank, world = _dist_env()
    if world <= 1:
        key = execute_job(job, store_root, device, torch_threads)
        if keep_rank_outputs is not None:
            from repro.cache import ArtifactStore

            art = ArtifactStore(store_root).get(job.stage, job.key, verify=False)
            if art is not None:
                shutil.copytree(art.path, Path(keep_rank_outputs) / "rank0", dirs_exist_ok=True)
        return key

    import torch
    import torch.distributed as dist
    from accelerate import PartialState

    from repro.cache import ArtifactStore
    from repro.env import pick_device, provenance, set_offline

    set_offline()
    dev = pick_device(device)
    if dev == "cuda":
        n_gpus = torch.cuda.device_count()
        if local_rank >= n_gpus:
            raise ConfigError(
                f"rank {rank}: local rank {local_rank} but only {n_gpus} GPU(s) "
                "visible; use at most one process per GPU"
            )
        torch.cuda.set_device(local_rank)  # so "cuda" in the stages means this rank's GPU
    # one process group for the whole job: the adjustment loop's Accelerator and the Trainer
    # both reuse this (process-wide) state; gloo on CPU, nccl on GPUs
    state = PartialState(cpu=dev == "cpu")
    torch.set_num_threads(max(1, torch_threads))
    store = ArtifactStore(store_root)
    is_main = rank == 0
    lock = store.lock(job.stage, job.key) if is_main else contextlib.nullcontext()
    with lock:
        verdict = _broadcast(_check_on_main(store, job) if is_main else None)
        if verdict[0] == "done":
            log.info("rank %d: %s is already stored", rank, job)
            return job.key
        if verdict[0] == "error":
            raise ReproError(verdict[1])
        inputs = {}
        for name, dep in job.inputs.items():
            art = store.get(dep.stage, dep.key, verify=False)
            if art is None:
                raise ReproError(
                    f"rank {rank}: input {name} ({dep!r}) of {job!r} is missing; "
                    "ranks must share the artifact store"
                )
            inputs[name] = art
        work_dir = store.work_dir(job.stage, job.key)

        def context(out_dir: Path) -> StageContext:
            return StageContext(
                stage=job.stage,
                key=job.key,
                config=job.config,
                inputs=inputs,
                out_dir=out_dir,
                work_dir=work_dir,
                device=dev,
                torch_threads=torch_threads,
            )

        if is_main:
            manifest: dict[str, Any] = {
                "label": job.label,
                "config": job.config,
                "inputs": {k: {"stage": d.stage, "key": d.key} for k, d in job.inputs.items()},
                **provenance(),
                "distributed": {
                    "world_size": world,
                    "backend": dist.get_backend(),
                    "device": dev,
                    "launcher": "torchrun/accelerate",
                },
            }
            t0 = time.time()
            with store.writer(job.stage, job.key, manifest) as out_dir:
                ctx = context(out_dir)
                result = stage_function(job.stage)(ctx)
                manifest["summary"] = {**ctx.summary, **(result or {})}
                manifest["timings"] = {"started": t0, "wall_s": round(time.time() - t0, 3)}
                state.wait_for_everyone()  # every rank finished: now publish atomically
                if keep_rank_outputs is not None:
                    shutil.copytree(out_dir, Path(keep_rank_outputs) / "rank0", dirs_exist_ok=True)
        else:
            scratch = store.root / ".work" / f"{job.stage}-{job.key[:32]}.rank{rank}"
            shutil.rmtree(scratch, ignore_errors=True)
            scratch.mkdir(parents=True)
            try:
                stage_function(job.stage)(context(scratch))
                state.wait_for_everyone()
                if keep_rank_outputs is not None:
                    shutil.copytree(
                        scratch, Path(keep_rank_outputs) / f"rank{rank}", dirs_exist_ok=True
                    )
            finally:
                shutil.rmtree(scratch, ignore_errors=True)
    return job.key


# -- from an executor: start the launcher and wait ------------------------------------------------


def torchrun_command(
    job_file: str | Path,
    store_root: str | Path,
    nproc: int,
    *,
    device: str = "auto",
    torch_threads: int = 2,
    keep_rank_outputs: str | Path | None = None,
    python: str = sys.executable,
) -> list[str]:
    """``python -m torch.distributed.run --standalone`` (= ``torchrun``) on one node."""
    cmd = [
        python,
        "-m",
        "torch.distributed.run",
        "--standalone",
        f"--nproc-per-node={nproc}",
        "-m",
        "repro.workflow.ddp",
        "--job-file",
        str(job_file),
        "--store",
        str(store_root),
        "--device",
        device,
        "--threads",
        str(torch_threads),
    ]
    if keep_rank_outputs is not None:
        cmd += ["--keep-rank-outputs", str(keep_rank_outputs)]
    return cmd


def run_distributed(
    job: Job,
    store_root: str,
    nproc: int,
    device: str = "auto",
    torch_threads: int = 2,
    *,
    keep_rank_outputs: str | Path | None = None,
    env: Mapping[str, str] | None = None,
    timeout: float | None = None,
) -> str:
    """Run ``job`` on ``nproc`` processes of this node via torchrun; returns its key.

    Module-level and picklable: :class:`repro.workflow.executors.SubmititExecutor` submits it as is. The
    job's inputs must already be stored. ``nproc`` = 1 runs in this process.
    """
    if nproc < 1:
        raise ConfigError(f"procs_per_job must be >= 1, got {nproc}")
    if nproc == 1:
        return execute_job_distributed(
            job, store_root, device, torch_threads, keep_rank_outputs=keep_rank_outputs
        )
    job_file = write_job_file(job, job_file_path(store_root, job))
    cmd = torchrun_command(
        job_file,
        store_root,
        nproc,
        device=device,
        torch_threads=torch_threads,
        keep_rank_outputs=keep_rank_outputs,
    )
    child_env = dict(os.environ if env is None else env)
    child_env.setdefault("OMP_NUM_THREADS", str(max(1, torch_threads)))
    log.info("launching %s on %d processes: %s", job, nproc, " ".join(cmd))
    try:
        proc = subprocess.run(cmd, env=child_env, timeout=timeout, check=False)
    except subprocess.TimeoutExpired as exc:
        raise ReproError(f"{job!r}: torchrun did not finish within {timeout} s") from exc
    if proc.returncode != 0:
        raise ReproError(
            f"{job!r}: torchrun with {nproc} processes exited with status "
            f"{proc.returncode} (the ranks' tracebacks are in the log above); "
            "finished checkpoints are kept and the next run resumes"
        )
    job_file.unlink(missing_ok=True)
    return job.key


# -- command line ---------------------------------------------------------------------------------
def _terminate(signum, frame):  # noqa: ARG001 - signal handler signature
    # torchrun stops the surviving ranks with SIGTERM when one fails: unwind, so the store's
    # temp directory is removed instead of left behind
    raise SystemExit(128 + signum)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m repro.workflow.ddp",
        description="Run one pipeline job in every rank of a torchrun / "
        "accelerate launch process group.",
    )
    p.add_argument("--job-file", required=True, help="JSON job description (write_job_file)")
    p.add_argument("--store", required=True, help="artifact store root shared by all ranks")
    p.add_argument("--device", default="auto", choices=("auto", "cpu", "cuda"))
    p.add_argument("--threads", type=int, default=2, help="torch threads per process")
    p.add_argument(
        "--keep-rank-outputs",
        default=None,
        metavar="DIR",
        help="copy each rank's stage outputs to DIR/rank<r>/ (debugging, tests)",
    )
    return p


def main(argv: Sequence[str] | None = None) -> int:
    from repro.env import set_offline

    set_offline()
    args = build_parser().parse_args(argv)
    rank, _, world = _dist_env()
    logging.basicConfig(
        level=logging.INFO,
        format=f"%(asctime)s rank{rank}/{world} %(levelname)s %(name)s: %(message)s",
        datefmt="%H:%M:%S",
    )
    signal.signal(signal.SIGTERM, _terminate)
    try:
        job = read_job_file(args.job_file)
        execute_job_distributed(
            job, args.store, args.device, args.threads, keep_rank_outputs=args.keep_rank_outputs
        )
    except ReproError as exc:
        print(f"rank {rank}: error: {exc}", file=sys.stderr)
        return 1
    finally:
        with contextlib.suppress(Exception):
            import torch.distributed as dist

            if dist.is_available() and dist.is_initialized():
                dist.destroy_process_group()
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
