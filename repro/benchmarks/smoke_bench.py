"""Wall time of ``repro run --profile smoke`` cold (fresh artifact store) and warm (all cached).

Both runs are subprocesses with ``REPRO_ARTIFACTS`` and ``--reports`` in one temporary directory,
so the committed ``reports/smoke`` and the user's artifact store are never touched. The warm run
reuses the cold run's store: it measures what a rerun costs (claim checks and report only).
Each child is reaped with ``os.wait4`` so its own peak RSS is known, not the maximum over every
child of this process.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

#: Overrides that shrink the smoke run to seconds (tests of the bench itself; ``--quick``).
TINY_OVERRIDES: tuple[str, ...] = (
    'languages=["es"]',
    'world.languages=["en","es"]',
    "world.n_mono=400",
    "world.n_parallel=120",
    "world.n_heldout=20",
    "world.n_nli_train=160",
    "world.n_nli_dev=30",
    "world.n_nli_test=60",
    "world.n_ner_train=40",
    "world.n_ner_dev=10",
    "world.n_ner_test=20",
    "world.n_qa_train=40",
    "world.n_qa_dev=10",
    "world.n_qa_test=20",
    "world.n_xsr=40",
    "model.vocab_size=400",
    "model.hidden_size=32",
    "model.num_hidden_layers=2",
    "model.intermediate_size=64",
    "model.max_position_embeddings=64",
    "pretrain.steps=30",
    "pretrain.batch_size=16",
    "pretrain.bf16=false",
    "adjust.max_pairs=100",
    "adjust.batch_size=16",
    "adjust.bf16=false",
    "finetune.seeds=[1,2]",
    "finetune.bf16=false",
    "finetune.nli.num_train_epochs=1.0",
    "finetune.nli.batch_size=16",
    "finetune.nli.max_seq_length=48",
    "claims.n_resamples=200",
    "sweep.enabled=false",
)


@dataclass(frozen=True)
class ChildRun:
    """Outcome of one measured child process."""

    returncode: int
    wall_s: float
    peak_rss_mb: float
    stdout: str
    stderr: str
    timed_out: bool = False

    def tail(self, n: int = 2000) -> str:
        return (self.stderr or self.stdout)[-n:]


def run_measured(
    cmd: Sequence[str],
    *,
    env: Mapping[str, str] | None = None,
    cwd: str | Path | None = None,
    timeout: float | None = None,
) -> ChildRun:
    """Run ``cmd``; wall seconds and the child's own peak RSS (MB, from ``os.wait4``).

    Linux carries the parent's RSS high-water mark into a spawned child, so the figure is
    ``max(parent RSS at spawn, child peak)``: spawn from a light process for honest numbers.
    """
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(
            list(cmd),
            env=dict(env) if env is not None else None,
            cwd=cwd,
            stdout=out,
            stderr=err,
            start_new_session=True,
        )
        expired = threading.Event()

        def _kill() -> None:
            expired.set()
            with contextlib.suppress(ProcessLookupError):  # it ended just now
                os.killpg(proc.pid, signal.SIGKILL)

        timer = threading.Timer(timeout, _kill) if timeout else None
        if timer is not None:
            timer.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        finally:
            if timer is not None:
                timer.cancel()
        wall = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return ChildRun(
            returncode=proc.returncode,
            wall_s=round(wall, 3),
            peak_rss_mb=round(usage.ru_maxrss / 1024, 1),
            stdout=out.read().decode("utf-8", "replace"),
            stderr=err.read().decode("utf-8", "replace"),
            timed_out=expired.is_set(),
        )


def _jobs(run_json: Path) -> dict[str, Any]:
    try:
        return json.loads(run_json.read_text(encoding="utf-8")).get("jobs", {})
    except (OSError, json.JSONDecodeError):
        return {}


def bench_smoke(
    profile: str = "smoke",
    *,
    overrides: Sequence[str] = (),
    claims: str | None = None,
    report: bool = True,
    timeout: float = 3600.0,
    workdir: str | Path | None = None,
) -> dict[str, dict[str, Any]]:
    """``{"smoke_cold_s": {...}, "smoke_warm_s": {...}}``: ``ours`` holds wall seconds of each
    run and ``ratio`` is warm / cold in both. Raises RuntimeError when either run fails."""
    with tempfile.TemporaryDirectory(prefix="repro-smoke-bench-", dir=workdir) as tmp:
        root = Path(tmp)
        env = dict(os.environ)
        env.update(
            {
                "REPRO_ARTIFACTS": str(root / "artifacts"),
                "HF_HUB_OFFLINE": "1",
                "HF_DATASETS_OFFLINE": "1",
                "TOKENIZERS_PARALLELISM": "false",
            }
        )
        cmd = [
            sys.executable,
            "-m",
            "repro",
            "run",
            "--profile",
            profile,
            "--reports",
            str(root / "reports"),
        ]
        for o in overrides:
            cmd += ["--set", o]
        if claims:
            cmd += ["--claims", claims]
        if not report:
            cmd.append("--no-report")
        runs: dict[str, ChildRun] = {}
        jobs: dict[str, dict[str, Any]] = {}
        for name in ("cold", "warm"):
            log.info("smoke bench: %s run: %s", name, " ".join(cmd))
            res = run_measured(cmd, env=env, cwd=os.getcwd(), timeout=timeout)
            if res.returncode != 0:
                why = "timed out" if res.timed_out else f"exit code {res.returncode}"
                raise RuntimeError(
                    f"{name} `repro run --profile {profile}` failed ({why}): {res.tail()}"
                )
            runs[name] = res
            jobs[name] = _jobs(root / "reports" / profile / "run.json")
    cold, warm = runs["cold"].wall_s, runs["warm"].wall_s
    ratio = round(warm / cold, 4) if cold > 0 else None
    common = {
        "unit": "s",
        "profile": profile,
        "overrides": list(overrides),
        "claims": claims or "all",
        "report": report,
    }
    return {
        "smoke_cold_s": {
            "ratio": ratio,
            "ours": cold,
            "baseline": warm,
            **common,
            "note": "ratio is warm/cold (as for smoke_warm_s); baseline = warm s",
            "jobs": jobs["cold"],
            "peak_rss_mb": runs["cold"].peak_rss_mb,
        },
        "smoke_warm_s": {
            "ratio": ratio,
            "ours": warm,
            "baseline": cold,
            **common,
            "jobs": jobs["warm"],
            "all_cached": jobs["warm"].get("ran") == 0,
            "peak_rss_mb": runs["warm"].peak_rss_mb,
        },
    }


def main(argv: list[str] | None = None) -> int:
    import argparse

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--profile", default="smoke")
    ap.add_argument("--tiny", action="store_true", help="shrink the run (TINY_OVERRIDES)")
    args = ap.parse_args(argv)
    res = bench_smoke(args.profile, overrides=TINY_OVERRIDES if args.tiny else ())
    sys.stdout.write(json.dumps(res, indent=1) + "\n")
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
