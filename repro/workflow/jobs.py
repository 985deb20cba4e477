"""Jobs and the stage protocol: :class:`Job`, the stage registry, :class:`StageContext`,
:func:`execute_job` (one job, in this process) and job files (a job handed to another process).

A :class:`Job` is (stage, config, named input jobs); its key hashes all three, so changing any
hashed setting upstream changes every downstream key. Ordering and dispatch are in
:mod:`repro.workflow.schedule` and :mod:`repro.workflow.executors`.
"""

from __future__ import annotations

import importlib
import json
import logging
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from repro.cache import Artifact, ArtifactStore, artifact_key
from repro.configtools import to_dict
from repro.env import provenance
from repro.errors import ReproError
from repro.fsio import write_json_atomic

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

    @cached_property
    def stage_config(self) -> Any:
        """The config as its stage's dataclass (:mod:`repro.workflow.stage_configs`), parsed
        once (the config does not change after the key is computed)."""
        return _typed(self.stage, self.config)


def _typed(stage: str, config: Mapping[str, Any]) -> Any:
    from repro.workflow.stage_configs import STAGE_CONFIGS  # the profile config: import late

    return STAGE_CONFIGS[stage].of(config)


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

    @cached_property
    def stage_config(self) -> Any:
        """The job's config as its stage's dataclass (:mod:`repro.workflow.stage_configs`)."""
        return _typed(self.stage, self.config)

    def input_path(self, name: str) -> Path:
        try:
            return self.inputs[name].path
        except KeyError as exc:
            raise ReproError(f"stage {self.stage} expects input {name!r}") from exc


def stage_function(stage: str) -> Callable[[StageContext], Any]:
    target, _ = STAGES[stage]
    module, func = target.split(":")
    return getattr(importlib.import_module(module), func)


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


# -- job files: a job handed to another process (torchrun ranks, a Slurm task) -------------------
JOB_FILE_DIR = ".launch"


def job_to_dict(job: Job) -> dict[str, Any]:
    """The job and its whole input graph as plain JSON data (keys included, for checking)."""
    return {
        "stage": job.stage,
        "label": job.label,
        "key": job.key,
        "config": job.config,
        "inputs": {name: job_to_dict(dep) for name, dep in job.inputs.items()},
    }


def job_from_dict(data: Mapping[str, Any], *, where: str = "job") -> Job:
    """Rebuild a :class:`Job`; its recomputed key must equal the recorded one."""
    try:
        inputs = {
            name: job_from_dict(d, where=f"{where}.inputs.{name}")
            for name, d in data.get("inputs", {}).items()
        }
        job = Job(data["stage"], dict(data["config"]), inputs, label=data.get("label", ""))
    except (KeyError, TypeError, AttributeError) as exc:
        raise ReproError(f"{where}: not a job description ({type(exc).__name__}: {exc})") from exc
    recorded = data.get("key")
    if recorded and recorded != job.key:
        raise ReproError(
            f"{where}: key {recorded[:12]} does not match its config (recomputed "
            f"{job.key[:12]}); the job file comes from another version of the code"
        )
    return job


def write_job_file(job: Job, path: str | Path) -> Path:
    path = Path(path)
    write_json_atomic(path, job_to_dict(job))
    return path


def read_job_file(path: str | Path) -> Job:
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ReproError(f"job file {path} not found") from exc
    except json.JSONDecodeError as exc:
        raise ReproError(f"job file {path}: invalid JSON ({exc.msg}, line {exc.lineno})") from exc
    return job_from_dict(data, where=str(path))


def job_file_path(store_root: str | Path, job: Job) -> Path:
    return Path(store_root) / JOB_FILE_DIR / f"{job.stage}-{job.key[:32]}.json"
