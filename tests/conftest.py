"""Test-wide setup: offline HF before any HF import, 2 threads, hypothesis profiles, data dir."""

from __future__ import annotations

import os

from repro.env import set_offline  # imports nothing heavy: must run before HF and torch load

set_offline()  # the same offline/OMP settings the CLI applies (repro.env.OFFLINE_VARS)

from pathlib import Path  # noqa: E402

import pytest  # noqa: E402
from hypothesis import HealthCheck, settings  # noqa: E402

settings.register_profile(
    "ci",
    derandomize=True,
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("dev", deadline=None)
settings.register_profile("thorough", max_examples=1000, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture(scope="session")
def data_dir() -> Path:
    """The real data directory (REPRO_DATA_DIR); tests that need it skip when it is absent."""
    raw = os.environ.get("REPRO_DATA_DIR")
    if not raw:
        pytest.skip("REPRO_DATA_DIR is not set: real-data tests need ../shared/data")
    path = Path(raw)
    if not (path / "MANIFEST.tsv").is_file():
        pytest.skip(f"REPRO_DATA_DIR={raw} has no MANIFEST.tsv: real data absent")
    return path


@pytest.fixture(autouse=True)
def _torch_threads():
    try:
        import torch
    except ImportError:  # pragma: no cover
        yield
        return
    torch.set_num_threads(2)
    yield
