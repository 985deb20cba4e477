"""Process environment: offline HF, seeding, device choice, provenance (versions, git, machine)."""

from __future__ import annotations

import functools
import logging
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


@functools.lru_cache(maxsize=1)
def cpu_bf16_native() -> bool:
    """Whether this CPU computes bf16 natively (x86 AVX512-BF16 or AMX-BF16, Arm BF16).

    Where it does, bf16 autocast trains 1.5–2.6× faster than fp32; where it does not (e.g. an
    AVX2-only EPYC) PyTorch emulates it and a linear layer's forward + backward was measured
    18× *slower* than fp32, which turned a 6-minute pretraining into two hours. Unknown → False.
    ``REPRO_CPU_BF16=1`` / ``0`` overrides the detection.
    """
    forced = os.environ.get("REPRO_CPU_BF16", "").strip()
    if forced in ("0", "1"):
        return forced == "1"
    try:
        return bf16_in_cpuinfo(Path("/proc/cpuinfo").read_text())
    except OSError:
        return False


def bf16_in_cpuinfo(text: str) -> bool:
    """Native bf16 in a ``/proc/cpuinfo`` text: the first core's flags (x86) or features (Arm)."""
    for line in text.splitlines():
        if line.startswith(("flags", "Features")):
            flags = set(line.split(":", 1)[1].split())
            return bool(flags & {"avx512_bf16", "amx_bf16", "bf16"})
    return False


def use_bf16(device: Any, want_bf16: bool) -> bool:
    """bf16 where asked for and fast: on GPUs, and on CPUs with native bf16 (else fp32)."""
    import torch

    if not want_bf16:
        return False
    if torch.device(device).type == "cpu" and not cpu_bf16_native():
        _warn_bf16_emulated()
        return False
    return True


@functools.lru_cache(maxsize=1)
def _warn_bf16_emulated() -> None:
    logging.getLogger("repro").warning(
        "bf16 asked for, but this CPU has no native bf16 (emulated bf16 is many times slower): "
        "training in fp32 (set REPRO_CPU_BF16=1 to force bf16)"
    )


def autocast_dtype(device: str, want_bf16: bool):
    """bf16 on CPUs with native bf16 (:func:`cpu_bf16_native`) and on GPUs that support it,
    fp16 on other GPUs; else fp32 (None)."""
    import torch

    if not use_bf16(device, want_bf16):
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
        info["cpu_bf16_native"] = cpu_bf16_native()
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


def lang_rng(seed: int, lang: str):
    """A NumPy generator per (seed, language): stable whatever other languages are configured."""
    import zlib

    import numpy as np

    return np.random.default_rng([int(seed), zlib.crc32(lang.encode("utf-8"))])
