"""The one mixed-precision helper every training and evaluation loop uses."""

from __future__ import annotations

import torch

from repro.env import autocast


def test_autocast_bf16_on_cpu_and_fp32_when_off():
    a = torch.ones(4, 4)
    with autocast("cpu", True):
        assert (a @ a).dtype == torch.bfloat16
    with autocast(torch.device("cpu"), False):
        assert (a @ a).dtype == torch.float32


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
