"""The bench suite (``python -m repro.benchmarks``): bench.json shape, failure isolation."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import types
from pathlib import Path

import pytest

from repro.benchmarks import __main__ as suite
from repro.benchmarks.smoke_bench import run_measured

DESIGN_NAMES = (
    "adjust_vs_reference",
    "bootstrap_vs_scipy",
    "eval_bucketed_vs_fixed",
    "continual_vs_plain",
    "peak_memory",
)
ROOT = Path(__file__).resolve().parents[2]


def ok_bench(scale: int = 1) -> dict:
    return {"ratio": 2.0 * scale, "ours": 1.0, "baseline": 2.0, "unit": "s"}


def failing_bench() -> dict:
    raise RuntimeError("bench exploded")


def shapeless_bench() -> dict:
    return {"ours": 1.0}


def _check_entry(name: str, entry: dict) -> None:
    assert isinstance(entry, dict), name
    if "error" in entry:
        assert isinstance(entry["error"], str) and entry["error"], name
        return
    for key in ("ratio", "ours", "baseline", "unit"):
        assert key in entry, (name, key)
    assert isinstance(entry["unit"], str) and entry["unit"]


def test_in_process_suite_records_errors_without_aborting(monkeypatch, tmp_path):
    mod = "repro_bench_fakes"
    fakes = types.ModuleType(mod)
    fakes.ok_bench, fakes.failing_bench, fakes.shapeless_bench = (
        ok_bench,
        failing_bench,
        shapeless_bench,
    )
    monkeypatch.setitem(sys.modules, mod, fakes)
    benches = {
        "good": suite.Bench(f"{mod}:ok_bench", full={"scale": 3}, quick={"scale": 1}),
        "broken": suite.Bench(f"{mod}:failing_bench"),
        "shapeless": suite.Bench(f"{mod}:shapeless_bench"),
        "missing_module": suite.Bench("repro.benchmarks.no_such_module:bench"),
    }
    monkeypatch.setattr(suite, "BENCHES", benches)
    doc = suite.run_suite(quick=True, isolate=False, progress=lambda m: None)
    res = doc["results"]
    assert res["good"]["ratio"] == 2.0  # the quick kwargs were used, not the full ones
    assert "bench exploded" in res["broken"]["error"]
    assert "ratio" in res["shapeless"]["error"]
    assert "no_such_module" in res["missing_module"]["error"]
    assert res["peak_memory"]["unit"] == "MB" and res["peak_memory"]["ours"] > 0
    assert set(doc) >= {"machine", "versions", "git_revision", "results"}
    assert doc["machine"]["cpu_count"] == os.cpu_count()
    full = suite.run_suite(["good"], quick=False, isolate=False, progress=lambda m: None)
    assert full["results"]["good"]["ratio"] == 6.0


def test_unknown_bench_name_is_a_config_error():
    from repro.errors import ConfigError

    with pytest.raises(ConfigError, match="unknown bench"):
        suite.run_suite(["no_such_bench"], isolate=False)


def test_write_is_atomic(tmp_path, monkeypatch):
    out = tmp_path / "reports" / "bench.json"
    suite._write_json(out, {"a": 1})
    assert json.loads(out.read_text()) == {"a": 1}

    def boom(*a, **k):
        raise OSError(28, "No space left on device")

    import repro.fsio

    monkeypatch.setattr(repro.fsio.os, "fsync", boom)  # the disk fills while writing
    with pytest.raises(OSError):
        suite._write_json(out, {"a": 2})
    assert json.loads(out.read_text()) == {"a": 1}  # the old file is intact
    assert sorted(p.name for p in out.parent.iterdir()) == ["bench.json"]


def test_run_measured_reports_child_rss_exit_code_and_timeout():
    # a child starts from its parent's RSS high-water mark (Linux keeps it across exec), so the
    # allocation must exceed this (torch-importing) test process to show
    parent = suite._peak_rss_mb()
    big = run_measured(
        [
            sys.executable,
            "-c",
            f"b = bytearray({int(parent) + 300} * 2**20); "
            "b[::4096] = b'x' * len(b[::4096]); raise SystemExit(3)",
        ]
    )
    small = run_measured([sys.executable, "-c", "pass"])
    assert big.returncode == 3 and small.returncode == 0
    assert big.peak_rss_mb > small.peak_rss_mb + 200  # the child's own peak, not the parent's
    slow = run_measured([sys.executable, "-c", "import time; time.sleep(30)"], timeout=1)
    assert slow.timed_out and slow.returncode != 0 and slow.wall_s < 20


def test_bench_smoke_surfaces_a_failed_run(monkeypatch, tmp_path):
    from repro.benchmarks import smoke_bench

    monkeypatch.setenv("REPRO_ARTIFACTS", str(tmp_path / "never-used"))
    with pytest.raises(RuntimeError, match="cold .*failed"):
        smoke_bench.bench_smoke(overrides=("adjust.no_such_key=1",), workdir=tmp_path)
    assert not (tmp_path / "never-used").exists()
    assert not list(tmp_path.glob("repro-smoke-bench-*"))  # its temp dir is cleaned up


@pytest.mark.slow
def test_quick_suite_writes_design_shape(tmp_path):
    """The real suite, each step in its own child at tiny sizes (~40 s on 2 busy cores)."""
    out = tmp_path / "reports" / "bench.json"
    proc = subprocess.run(
        [sys.executable, "-m", "repro.benchmarks", "--quick", "--out", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert out.is_file(), proc.stderr[-3000:]
    doc = json.loads(out.read_text())
    assert set(doc) >= {"machine", "versions", "git_revision", "results"}
    assert doc["machine"]["cpu_count"] and doc["versions"]["torch"]
    res = doc["results"]
    for name in DESIGN_NAMES:
        assert name in res
        _check_entry(name, res[name])
    errors = {k: v["error"] for k, v in res.items() if "error" in v}
    assert proc.returncode == (1 if errors else 0), proc.stderr[-3000:]
    # every bench module is present in this checkout: none may fail
    assert not errors, errors
    for name in DESIGN_NAMES[:4]:
        assert res[name]["ratio"] > 0 and res[name]["ours"] > 0 and res[name]["baseline"] > 0
    mem = res["peak_memory"]
    assert mem["step"] in DESIGN_NAMES[:4] and mem["ours"] == max(mem["per_step"].values())
    assert mem["ours"] > mem["baseline"] > 50  # a step does more than import torch


@pytest.mark.slow
def test_smoke_bench_cold_then_warm(tmp_path):
    """``smoke_cold_s``/``smoke_warm_s`` on a shrunken smoke run: the warm run only reads."""
    from repro.benchmarks.smoke_bench import TINY_OVERRIDES, bench_smoke

    res = bench_smoke(overrides=TINY_OVERRIDES, claims="C03", report=False, workdir=tmp_path)
    cold, warm = res["smoke_cold_s"], res["smoke_warm_s"]
    assert cold["jobs"]["ran"] > 0 and warm["jobs"]["ran"] == 0 and warm["all_cached"]
    assert cold["ours"] > 0 and warm["ours"] > 0
    assert cold["ratio"] == warm["ratio"] == pytest.approx(warm["ours"] / cold["ours"], rel=1e-3)
    assert not list(tmp_path.iterdir())  # the temp store and reports are gone
