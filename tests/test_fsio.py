"""Atomic writes: a reader sees the old content or the new, never half; a kill keeps the old."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap

import pytest

from repro.fsio import folder_lock, staged_dir, write_json_atomic, write_text_atomic


def test_text_and_json_replace_whole_files(tmp_path):
    p = tmp_path / "sub" / "a.json"
    write_json_atomic(p, {"b": 1, "a": [1, 2]})
    assert json.loads(p.read_text()) == {"a": [1, 2], "b": 1} and p.read_text().endswith("\n")
    write_text_atomic(p, "x")
    assert p.read_text() == "x"
    assert [q.name for q in p.parent.iterdir()] == ["a.json"]  # no temp file left


def test_a_failed_write_keeps_the_old_file(tmp_path):
    p = tmp_path / "a.json"
    p.write_text("old")
    with pytest.raises(TypeError):
        write_json_atomic(p, {1j: 1})  # a key JSON cannot hold
    assert p.read_text() == "old" and [q.name for q in tmp_path.iterdir()] == ["a.json"]


def test_staged_dir_swaps_in_whole_or_not_at_all(tmp_path):
    target = tmp_path / "results"
    target.mkdir()
    (target / "old.json").write_text("1")
    with pytest.raises(RuntimeError), staged_dir(target) as build:
        (build / "half.json").write_text("2")
        raise RuntimeError("export failed")
    assert [p.name for p in target.iterdir()] == ["old.json"]
    assert [p.name for p in tmp_path.iterdir()] == ["results"]
    with staged_dir(target) as build:
        (build / "new.json").write_text("3")
        assert (target / "old.json").exists()  # still the old one while building
    assert [p.name for p in target.iterdir()] == ["new.json"]
    assert [p.name for p in tmp_path.iterdir()] == ["results"]


def test_sigkill_while_building_leaves_the_previous_directory(tmp_path):
    target = tmp_path / "results"
    target.mkdir()
    (target / "kept.json").write_text("old")
    code = textwrap.dedent(
        f"""
        import os, signal, time
        from pathlib import Path
        from repro.fsio import staged_dir
        with staged_dir(Path({str(target)!r})) as build:
            (build / "part.json").write_text("new")
            os.kill(os.getpid(), signal.SIGKILL)
        """
    )
    proc = subprocess.run([sys.executable, "-c", code], env={**os.environ}, timeout=60)
    assert proc.returncode == -signal.SIGKILL
    assert [p.name for p in target.iterdir()] == ["kept.json"]
    assert (target / "kept.json").read_text() == "old"


def test_folder_lock_excludes_a_second_writer(tmp_path):
    from filelock import Timeout

    with folder_lock(tmp_path), pytest.raises(Timeout), folder_lock(tmp_path, timeout=0.1):
        pass  # pragma: no cover
