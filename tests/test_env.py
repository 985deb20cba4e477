"""The one mixed-precision helper every training and evaluation loop uses."""

from __future__ import annotations

import pytest
import torch

from repro.env import autocast, bf16_in_cpuinfo, cpu_bf16_native, use_bf16


@pytest.fixture
def bf16_cpu(monkeypatch):
    """Force the CPU's bf16 detection one way (the detection is cached per process)."""

    def force(native: bool) -> None:
        monkeypatch.setenv("REPRO_CPU_BF16", "1" if native else "0")
        cpu_bf16_native.cache_clear()

    yield force
    cpu_bf16_native.cache_clear()


def test_autocast_bf16_on_a_native_bf16_cpu_and_fp32_when_off(bf16_cpu):
    bf16_cpu(True)
    a = torch.ones(4, 4)
    with autocast("cpu", True):
        assert (a @ a).dtype == torch.bfloat16
    with autocast(torch.device("cpu"), False):
        assert (a @ a).dtype == torch.float32
    assert use_bf16("cpu", True) and not use_bf16("cpu", False)


def test_a_cpu_that_only_emulates_bf16_trains_in_fp32(bf16_cpu):
    bf16_cpu(False)
    a = torch.ones(4, 4)
    with autocast("cpu", True):
        assert (a @ a).dtype == torch.float32
    assert not use_bf16("cpu", True)


def test_native_bf16_is_read_from_the_cpu_flags():
    avx2_epyc = "processor\t: 0\nflags\t\t: fpu sse2 avx avx2 fma\nprocessor\t: 1\n"
    sapphire = "flags\t\t: avx2 avx512f avx512_bf16 amx_tile amx_bf16\n"
    graviton = "Features\t: fp asimd bf16 i8mm\n"
    assert not bf16_in_cpuinfo(avx2_epyc)
    assert bf16_in_cpuinfo(sapphire) and bf16_in_cpuinfo(graviton)
    assert not bf16_in_cpuinfo("")


def test_git_revision_is_dirty_for_code_changes_not_for_rewritten_reports(tmp_path):
    import shutil
    import subprocess

    import pytest

    from repro.env import git_revision

    if shutil.which("git") is None:
        pytest.skip("git is not installed")

    def git(*args):
        subprocess.run(["git", *args], cwd=tmp_path, check=True, capture_output=True)

    git("init", "-q")
    (tmp_path / "reports").mkdir()
    (tmp_path / "reports" / "claims.json").write_text("{}")
    (tmp_path / "code.py").write_text("x = 1\n")
    git("add", ".")
    git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "init")
    head = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=tmp_path, capture_output=True, text=True
    ).stdout.strip()

    (tmp_path / "reports" / "claims.json").write_text('{"rerun": true}')  # a run's own output
    git_revision.cache_clear()
    assert git_revision(tmp_path) == head
    (tmp_path / "code.py").write_text("x = 2\n")
    git_revision.cache_clear()
    assert git_revision(tmp_path) == head + "-dirty"
    git_revision.cache_clear()


def test_a_from_scratch_check_of_an_fp32_lock_recomputes_in_fp32(tmp_path, monkeypatch, bf16_cpu):
    import json
    import os

    from repro.workflow.run import _match_lock_precision

    run_json = tmp_path / "run.json"
    run_json.write_text(json.dumps({"machine": {"cpu_bf16_native": False}}))
    monkeypatch.delenv("REPRO_CPU_BF16", raising=False)
    cpu_bf16_native.cache_clear()
    monkeypatch.setattr("repro.env.bf16_in_cpuinfo", lambda text: True)  # a bf16 machine
    assert cpu_bf16_native()
    _match_lock_precision(run_json)
    assert os.environ["REPRO_CPU_BF16"] == "0" and not cpu_bf16_native()

    monkeypatch.setenv("REPRO_CPU_BF16", "1")  # the user's choice wins
    cpu_bf16_native.cache_clear()
    _match_lock_precision(run_json)
    assert cpu_bf16_native()
    run_json.write_text(json.dumps({"machine": {"cpu_bf16_native": True}}))
    monkeypatch.delenv("REPRO_CPU_BF16")
    cpu_bf16_native.cache_clear()
    _match_lock_precision(run_json)  # a bf16 lock on a bf16 machine: nothing to change
    assert "REPRO_CPU_BF16" not in os.environ
