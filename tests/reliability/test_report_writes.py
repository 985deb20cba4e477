"""The reports folder under concurrency and SIGKILL, end to end through ``repro run``.

Two ``repro run`` processes on one artifact store and one reports folder must both finish
with identical, valid outputs; a run killed at any moment while it exports results and writes
claims.json and the report must leave the previous, complete report in place. The tiny
profile (``tests/helpers/tiny_profile.py``) runs every stage for real in about 20 s.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from tiny_profile import TINY_OVERRIDES

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
#: Files a rerun of one config must reproduce byte for byte (run.json and the report hold
#: timings, so the report is checked for being whole instead).
STABLE = ("claims.json", "results.csv", "results.json")


def stable(files: dict[str, bytes]) -> dict[str, bytes]:
    return {k: v for k, v in files.items() if k in STABLE or k.startswith("results/")}


def assert_report_whole(pdir: Path) -> None:
    import json

    html = (pdir / "report.html").read_text(encoding="utf-8")
    md = (pdir / "report.md").read_text(encoding="utf-8")
    assert html.rstrip().endswith("</html>") and '<tr id="row-' in html
    assert md.rstrip().endswith("`repro report --profile smoke`")
    json.loads((pdir / "run.json").read_text(encoding="utf-8"))  # whole, parseable


def repro_run(tmp: Path, store: Path, reports: Path) -> subprocess.Popen:
    args = [sys.executable, "-m", "repro", "run", "--profile", "smoke", "--claims", "C01"]
    args += [a for o in TINY_OVERRIDES for a in ("--set", o)]
    args += ["--reports", str(reports), "--jobs", "1"]
    env = {**os.environ, "REPRO_ARTIFACTS": str(store)}
    log = open(tmp / f"run-{time.monotonic_ns()}.log", "w")  # noqa: SIM115 - closed by the child
    return subprocess.Popen(args, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)


def snapshot(pdir: Path) -> dict[str, bytes]:
    """Every file of reports/<profile>/ but run.json and the lock, by relative path."""
    return {
        p.relative_to(pdir).as_posix(): p.read_bytes()
        for p in sorted(pdir.rglob("*"))
        if p.is_file() and p.name not in ("run.json", ".lock")
    }


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("ref")
    proc = repro_run(tmp, tmp / "store", tmp / "reports")
    assert proc.wait(timeout=600) == 0, next(tmp.glob("run-*.log")).read_text()[-3000:]
    return tmp, snapshot(tmp / "reports" / "smoke")


def test_two_concurrent_runs_write_identical_valid_reports(reference, tmp_path):
    _, want = reference
    store, reports = tmp_path / "store", tmp_path / "reports"
    procs = [repro_run(tmp_path, store, reports) for _ in range(2)]
    codes = [p.wait(timeout=600) for p in procs]
    logs = [p.read_text()[-2000:] for p in sorted(tmp_path.glob("run-*.log"))]
    assert codes == [0, 0], logs
    pdir = reports / "smoke"
    assert stable(snapshot(pdir)) == stable(want)
    assert_report_whole(pdir)
    leftovers = [p.name for p in pdir.rglob("*") if p.name != ".lock" and p.name.startswith(".")]
    assert leftovers == []


def test_sigkill_while_writing_leaves_the_previous_report(reference, tmp_path):
    ref_tmp, want = reference
    reports = tmp_path / "reports"
    import shutil

    shutil.copytree(ref_tmp / "reports", reports)
    store = tmp_path / "store"
    shutil.copytree(ref_tmp / "store", store)  # warm: the rerun only exports, decides, writes
    killed = 0
    for delay in (0.8, 1.2, 1.6, 2.0, 2.4, 2.8, 3.2):
        proc = repro_run(tmp_path, store, reports)
        time.sleep(delay)
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
            killed += 1
        proc.wait(timeout=60)
        pdir = reports / "smoke"
        assert stable(snapshot(pdir)) == stable(want), f"damaged by a kill after {delay} s"
        assert_report_whole(pdir)
    assert killed >= 3  # most kills land inside the run, not after it
