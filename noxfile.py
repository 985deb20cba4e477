"""Sessions: tests (default), reproduce, claims, report, bench, stats, faults, calibrate,
stability, lint.

Every session installs torch==2.13.0 pinned exactly first (a range pulls a multi-GB CUDA build),
then the package; venvs are reused so reruns start in seconds.
"""

from __future__ import annotations

import os
from pathlib import Path

import nox

nox.options.sessions = ["tests"]
nox.options.reuse_existing_virtualenvs = True
nox.options.error_on_missing_interpreters = False

TORCH = "torch==2.13.0"
OFFLINE = {
    "HF_HUB_OFFLINE": "1",
    "HF_DATASETS_OFFLINE": "1",
    "TOKENIZERS_PARALLELISM": "false",
    "TRANSFORMERS_VERBOSITY": "error",
    "OMP_WAIT_POLICY": "PASSIVE",
    "REPRO_ARTIFACTS": os.environ.get("REPRO_ARTIFACTS", os.path.abspath(".artifacts")),
}


def _install(session: nox.Session, extras: str = "dev") -> None:
    session.install(TORCH)
    session.install("-e", f".[{extras}]")


def _env() -> dict[str, str]:
    env = dict(OFFLINE)
    if "REPRO_DATA_DIR" in os.environ:
        env["REPRO_DATA_DIR"] = os.environ["REPRO_DATA_DIR"]
    return env


@nox.session(reuse_venv=True)
def tests(session: nox.Session) -> None:
    """Unit, property and integration tests, plus the claim specs against the committed lock."""
    _install(session)
    args = session.posargs or ["-q", "-m", "not browser"]
    # pytest exits 5 when it collects nothing: that is a broken test layout, not a pass
    session.run("python", "-m", "pytest", *args, env=_env(), success_codes=[0])


@nox.session(reuse_venv=True)
def reproduce(session: nox.Session) -> None:
    """Run everything the claims need, test them, write the report (default profile: smoke)."""
    _install(session)
    args = list(session.posargs)
    if not any(a == "--profile" or a.startswith("--profile=") for a in args):
        args = ["--profile", "smoke", *args]
    session.run("repro", "run", *args, env=_env())


@nox.session(reuse_venv=True)
def claims(session: nox.Session) -> None:
    """Re-analyse every committed lock from its results, then recompute one profile (smoke).

    Only smoke is recomputed by default: mini needs REPRO_DATA_DIR and about an hour of 2 cores.
    """
    _install(session)
    profile = session.posargs[0] if session.posargs else "smoke"
    locked = sorted(p.parent.name for p in Path("reports").glob("*/claims.json"))
    for name in locked if profile in locked else [*locked, profile]:
        session.run("repro", "claims", "verify", "--profile", name, "--from-results", env=_env())
    session.run("repro", "claims", "verify", "--profile", profile, env=_env())


@nox.session(reuse_venv=True)
def report(session: nox.Session) -> None:
    """Render the report from stored results and check it in headless Chromium."""
    _install(session)
    profile = session.posargs[0] if session.posargs else "smoke"
    session.run("repro", "report", "--profile", profile, env=_env())
    session.run(
        "python",
        "-m",
        "pytest",
        "-q",
        "-m",
        "browser",
        "tests/report",
        env=_env(),
        success_codes=[0],
    )


@nox.session(reuse_venv=True)
def bench(session: nox.Session) -> None:
    """Benchmarks measured side by side in one run; writes reports/bench.json."""
    _install(session)
    session.run(
        "python",
        "-m",
        "repro.benchmarks",
        "--out",
        "reports/bench.json",
        *session.posargs,
        env=_env(),
    )


@nox.session(reuse_venv=True)
def stats(session: nox.Session) -> None:
    """The statistics' self-tests: null calibration (2,000 replications a design) and power."""
    _install(session)
    args = session.posargs or ["-q", "tests/stats"]
    session.run("python", "-m", "pytest", *args, env=_env(), success_codes=[0])


FAULT_SUITES = (
    "tests/reliability/test_bad_input_matrix.py",
    "tests/data/test_damaged_staged.py",
    "tests/data/test_bad_input.py",
    "tests/reliability/test_fuzz.py",
    "tests/test_fsio.py",
    "tests/test_cache.py",
)
FAULT_SLOW = ("tests/reliability/test_report_writes.py", "tests/reliability/test_faults.py")


@nox.session(reuse_venv=True)
def faults(session: nox.Session) -> None:
    """Bad input, damaged staged files, SIGKILL and concurrent runs; prints the fault matrix.

    ``nox -s faults -- fast`` (what CI runs) leaves out the end-to-end kill and concurrency
    suites (about 3 minutes); they also run in ``nox -s tests``.
    """
    _install(session)
    fast = "fast" in session.posargs
    xml = Path(session.create_tmp()) / "faults.xml"
    suites = FAULT_SUITES if fast else (*FAULT_SUITES, *FAULT_SLOW)
    session.run(
        "python",
        "-m",
        "pytest",
        "-q",
        f"--junitxml={xml}",
        *suites,
        env=_env(),
        success_codes=[0, 1],
    )
    session.run("python", "tests/helpers/fault_matrix.py", str(xml), env=_env())


@nox.session(reuse_venv=True)
def calibrate(session: nox.Session) -> None:
    """The unadjusted encoder's transfer ratios (no adjustment runs); args go to the verb."""
    _install(session)
    session.run("repro", "calibrate", *session.posargs, env=_env())


@nox.session(reuse_venv=True)
def stability(session: nox.Session) -> None:
    """The smoke profile in several synthetic worlds; writes stability.json beside its claims."""
    _install(session)
    session.run("repro", "stability", *session.posargs, env=_env())


@nox.session(reuse_venv=True)
def lint(session: nox.Session) -> None:
    session.install("ruff")
    session.run("ruff", "check", "repro", "tests", "claims", "noxfile.py")
    session.run("ruff", "format", "--check", "repro", "tests", "claims", "noxfile.py")
