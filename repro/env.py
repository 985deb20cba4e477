"""Process environment: offline HF, seeding, device choice, provenance (versions, git, machine)."""

from __future__ import annotations

import functools
import os
import platform
import subprocess
from importlib import metadata
from pathlib import Path
from typing import Any

OFFLINE_VARS = {
    "HF_HUB_OFFLINE": "1",
    "HF_DATASETS_OFFLINE": "1",
    "TOKENIZERS_PARALLELISM": "false",
    "TRANSFORMERS_VERBOSITY": "error",
    "HF_HUB_DISABLE_PROGRESS_BARS": "1",
    "HF_DATASETS_DISABLE_PROGRESS_BARS": "1",
    # torch's OpenMP threads spin-wait by default; on a loaded 2-core box that made 2 threads
    # 15-20x slower than 1 (measured). Must be set before torch is imported.
    "OMP_WAIT_POLICY": "PASSIVE",
}

TRACKED_PACKAGES = (
    "xlingual-repro",
    "torch",
    "transformers",
    "datasets",
    "accelerate",
    "tokenizers",
    "numpy",
    "scipy",
    "seqeval",
    "safetensors",
)


def set_offline(offline: bool = True) -> None:
    """Must run before HF libraries are imported; each hub miss otherwise waits ~46 s."""
    for k, v in OFFLINE_VARS.items():
        if k.endswith("_OFFLINE") and not offline:
            continue
        os.environ.setdefault(k, v)


def seed_everything(seed: int) -> None:
    import random

    import numpy as np
    import torch

    random.seed(seed)
    np.random.seed(seed % (2**32))  # for third-party code that still reads the global state
    torch.manual_seed(seed)


def pick_device(preference: str = "auto") -> str:
    import torch

    if preference == "cpu":
        return "cpu"
    if preference == "cuda":
        if not torch.cuda.is_available():
            from repro.errors import ConfigError

            raise ConfigError("run.device=cuda but no CUDA device is available")
        return "cuda"
    return "cuda" if torch.cuda.is_available() else "cpu"


def autocast_dtype(device: str, want_bf16: bool):
    """bf16 on CPU (AMX, 1.5–2.6× faster here) and on GPUs that support it; else fp32 (None)."""
    import torch

    if not want_bf16:
        return None
    if device == "cuda":
        return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
    return torch.bfloat16


def autocast(device: Any, want_bf16: bool):
    """The mixed-precision context for ``device`` (``"cpu"``, ``"cuda:1"``, a ``torch.device``):
    :func:`autocast_dtype`'s choice, or a disabled autocast (fp32) when it gives none."""
    import torch

    kind = torch.device(device).type
    dtype = autocast_dtype(kind, want_bf16)
    return torch.autocast(device_type=kind, dtype=dtype, enabled=dtype is not None)


@functools.lru_cache(maxsize=1)
def versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for name in TRACKED_PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return out


PACKAGE_ROOT = Path(__file__).resolve().parent.parent


@functools.lru_cache(maxsize=4)
def git_revision(root: Path = PACKAGE_ROOT) -> str:
    """HEAD, with ``-dirty`` when tracked files outside ``reports/`` differ from it.

    ``reports/`` is what a run writes: a full run rewrites the committed results before it
    records its provenance, and counting that would mark every rerun of a clean checkout dirty.
    """
    try:
        rev = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            cwd=root,
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            [
                "git",
                "status",
                "--porcelain",
                "--untracked-files=no",
                "--",
                ".",
                ":(exclude)reports",
            ],
            cwd=root,
            capture_output=True,
            text=True,
            timeout=5,
        ).stdout.strip()
        return rev + ("-dirty" if dirty else "")
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def machine() -> dict[str, Any]:
    info: dict[str, Any] = {
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "cpu_count": os.cpu_count(),
    }
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                info["cpu_model"] = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                info["mem_total_kb"] = int(line.split()[1])
                break
    except OSError:
        pass
    try:
        import torch

        info["cuda"] = torch.cuda.is_available()
        if info["cuda"]:
            info["gpus"] = [torch.cuda.get_device_name(i) for i in range(torch.cuda.device_count())]
    except ImportError:
        pass
    return info


def provenance() -> dict[str, Any]:
    return {"versions": versions(), "git_revision": git_revision()}
