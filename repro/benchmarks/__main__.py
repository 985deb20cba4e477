"""``python -m repro.benchmarks --out reports/bench.json [--smoke] [--quick]``: the bench suite.

Writes ``{"machine", "versions", "git_revision", "results": {name: {"ratio", "ours",
"baseline", "unit", ...}}}``. Every figure compares two variants measured side by
side inside one bench step; the suite only schedules the steps and collects what they return.

Each step runs in its own child process (``--one NAME``): a crash, an out-of-memory kill or a
hang costs that step only (it is recorded as ``{"error": ...}``), every step starts from a clean
heap whatever ran before it, and the child's own peak RSS is known (``os.wait4``), which gives
``peak_memory``: the heaviest step's peak RSS against that of a child that only imports torch and
transformers (``baseline``). Linux starts a child's RSS high-water mark at its parent's, so this
process imports nothing heavy (no torch) until every child has run. ``--in-process`` runs the steps in this process instead (debugging;
peak RSS is then cumulative).

``--quick`` shrinks every step to seconds (tests of the suite's shape; the figures mean little).
``--smoke`` adds ``smoke_cold_s`` / ``smoke_warm_s`` (:mod:`repro.benchmarks.smoke_bench`,
about 20 minutes on 2 cores).
"""

from __future__ import annotations

import argparse
import importlib
import json
import logging
import resource
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

log = logging.getLogger("repro.benchmarks")

FLOOR = "_import_floor"  # the child that only imports torch + transformers


@dataclass(frozen=True)
class Bench:
    """A bench step: ``"module:function"`` returning ``{"ratio", "ours", "baseline", "unit"}``."""

    target: str
    full: Mapping[str, Any] = field(default_factory=dict)  # {} = the function's own defaults
    quick: Mapping[str, Any] = field(default_factory=dict)

    def kwargs(self, quick: bool) -> dict[str, Any]:
        return dict(self.quick if quick else self.full)


BENCHES: dict[str, Bench] = {
    "adjust_vs_reference": Bench(
        "repro.benchmarks.adjust_bench:bench_adjust_vs_reference",
        quick={"n_pairs": 24, "hidden": 32, "layers": 2, "batch_size": 8, "repeats": 1},
    ),
    "bootstrap_vs_scipy": Bench(
        "repro.benchmarks.stats_bench:bench_bootstrap_vs_scipy",
        quick={"n": 500, "n_resamples": 1000, "repeats": 1},
    ),
    "eval_bucketed_vs_fixed": Bench(
        "repro.benchmarks.task_bench:bench_eval_bucketed_vs_fixed",
        quick={"n_examples": 64, "repeats": 1},
    ),
    "continual_vs_plain": Bench(
        "repro.benchmarks.task_bench:bench_continual_vs_plain",
        quick={"steps": 2, "warmup": 1, "repeats": 1},
    ),
}
REQUIRED_KEYS = ("ratio", "ours", "baseline", "unit")


def _peak_rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def call_bench(bench: Bench, quick: bool) -> dict[str, Any]:
    """Import and call one bench function; check it returned the required keys."""
    module, func = bench.target.split(":")
    fn: Callable[..., Mapping[str, Any]] = getattr(importlib.import_module(module), func)
    res = dict(fn(**bench.kwargs(quick)))
    missing = [k for k in REQUIRED_KEYS if k not in res]
    if missing:
        raise ValueError(f"{bench.target} returned no {missing}")
    return res


def _import_floor() -> dict[str, Any]:
    import torch  # noqa: F401
    import transformers  # noqa: F401

    return {"ratio": 1.0, "ours": None, "baseline": None, "unit": "MB"}


def _error(exc: BaseException | str) -> dict[str, Any]:
    if isinstance(exc, BaseException):
        return {"error": f"{type(exc).__name__}: {exc}"}
    return {"error": exc}


# -- child process ------------------------------------------------------------------------------
def _child(name: str, quick: bool, result_path: Path, threads: int) -> int:
    """Run one step and write ``{"result": ...}`` or ``{"error": ...}`` to ``result_path``."""
    from repro.env import set_offline

    set_offline()
    t0 = time.perf_counter()
    try:
        import torch

        torch.set_num_threads(threads)
        out: dict[str, Any] = {
            "result": _import_floor() if name == FLOOR else call_bench(BENCHES[name], quick)
        }
    except Exception as exc:  # noqa: BLE001 - reported to the parent as this step's error
        traceback.print_exc()
        out = _error(exc)
    out["wall_s"] = round(time.perf_counter() - t0, 3)
    out["peak_rss_mb"] = _peak_rss_mb()
    _write_json(result_path, out)
    return 0 if "result" in out else 1


def _run_child(name: str, quick: bool, threads: int, timeout: float) -> tuple[dict, float | None]:
    """(result or error entry, the child's peak RSS in MB or None)."""
    from repro.benchmarks.smoke_bench import run_measured

    with tempfile.TemporaryDirectory(prefix="repro-bench-") as tmp:
        result_path = Path(tmp) / "result.json"
        cmd = [
            sys.executable,
            "-m",
            "repro.benchmarks",
            "--one",
            name,
            "--result",
            str(result_path),
            "--threads",
            str(threads),
        ]
        if quick:
            cmd.append("--quick")
        run = run_measured(cmd, timeout=timeout)
        if result_path.is_file():
            out = json.loads(result_path.read_text(encoding="utf-8"))
        elif run.timed_out:
            out = _error(f"timed out after {timeout:.0f} s")
        else:
            out = _error(
                f"child exited with code {run.returncode} without a result: {run.tail(1500)}"
            )
    # the child's own resource.getrusage figure; the parent's os.wait4 one if it died first
    peak = out.get("peak_rss_mb") or run.peak_rss_mb
    if "result" not in out:
        return {"error": out.get("error", "unknown error")}, peak
    res = dict(out["result"])
    res.setdefault("wall_s", out.get("wall_s"))
    return res, peak


# -- the suite ----------------------------------------------------------------------------------
def run_suite(
    names: Iterable[str] | None = None,
    *,
    quick: bool = False,
    smoke: bool = False,
    isolate: bool = True,
    threads: int = 2,
    timeout: float = 1800.0,
    smoke_kwargs: Mapping[str, Any] | None = None,
    progress: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Run the selected steps; return the bench.json document (never raises for one step)."""
    from repro.env import git_revision, machine, versions

    selected = list(BENCHES) if names is None else list(names)
    unknown = [n for n in selected if n not in BENCHES]
    if unknown:
        from repro.errors import ConfigError

        raise ConfigError(f"unknown bench(es) {unknown}; known: {sorted(BENCHES)}")
    results: dict[str, Any] = {}
    rss: dict[str, float] = {}
    say = progress or (lambda m: log.info("%s", m))
    if isolate:
        floor, floor_rss = _run_child(FLOOR, quick, threads, timeout)
        if "error" in floor:
            say(f"import floor failed: {floor['error']}")
    for name in selected:
        say(f"bench {name} ...")
        t0 = time.perf_counter()
        if isolate:
            res, peak = _run_child(name, quick, threads, timeout)
        else:
            try:
                res = call_bench(BENCHES[name], quick)
            except Exception as exc:  # noqa: BLE001 - one failing bench must not abort the suite
                log.exception("bench %s failed", name)
                res = _error(exc)
            peak = _peak_rss_mb()
        results[name] = res
        if peak is not None:
            rss[name] = peak
        say(f"bench {name}: {_brief(res)} ({time.perf_counter() - t0:.1f} s)")
    if smoke:
        from repro.benchmarks.smoke_bench import bench_smoke

        say("smoke cold + warm runs ...")
        try:
            smoke_res = bench_smoke(**dict(smoke_kwargs or {}))
            results.update(smoke_res)
            rss["smoke_cold_s"] = smoke_res["smoke_cold_s"]["peak_rss_mb"]
        except Exception as exc:  # noqa: BLE001
            log.exception("smoke bench failed")
            results["smoke_cold_s"] = results["smoke_warm_s"] = _error(exc)
        say(f"smoke: {_brief(results['smoke_cold_s'])} / {_brief(results['smoke_warm_s'])}")
    results["peak_memory"] = _peak_memory(rss, floor_rss if isolate else None, isolate)
    return {
        "machine": machine(),
        "versions": versions(),
        "git_revision": git_revision(),
        "quick": quick,
        "threads": threads,
        "results": results,
    }


def _peak_memory(rss: Mapping[str, float], floor: float | None, isolate: bool) -> dict[str, Any]:
    if not rss:
        return _error("no bench step reported its memory")
    step = max(rss, key=lambda k: rss[k])
    peak = rss[step]
    return {
        "ratio": round(peak / floor, 3) if floor else None,
        "ours": peak,
        "baseline": floor,
        "unit": "MB",
        "step": step,
        "per_step": dict(rss),
        "measure": (
            "peak RSS (ru_maxrss) of each step's own process; baseline: a process "
            "that only imports torch and transformers"
        )
        if isolate
        else "cumulative peak RSS of this process after each step (in-process run)",
    }


def _brief(res: Mapping[str, Any]) -> str:
    if "error" in res:
        return f"ERROR {str(res['error'])[:200]}"
    ratio = res.get("ratio")
    return f"ratio {ratio:.3g}" if isinstance(ratio, (int, float)) else f"ratio {ratio}"


def _write_json(path: Path, obj: Any) -> None:
    """Atomically (temp + rename), so a killed suite never leaves a truncated bench.json."""
    from repro.fsio import write_json_atomic

    write_json_atomic(Path(path), obj)


def _parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(
        prog="python -m repro.benchmarks", description=__doc__.splitlines()[0]
    )
    ap.add_argument("--out", type=Path, default=Path("reports/bench.json"))
    ap.add_argument(
        "--smoke",
        action="store_true",
        help="also time `repro run --profile smoke` cold and warm (~20 min)",
    )
    ap.add_argument("--quick", action="store_true", help="tiny sizes (tests of the suite)")
    ap.add_argument(
        "--only",
        action="append",
        default=None,
        metavar="NAME",
        choices=sorted(BENCHES),
        help="run only this bench (repeatable)",
    )
    ap.add_argument("--threads", type=int, default=2, help="torch threads per step (default 2)")
    ap.add_argument("--timeout", type=float, default=1800.0, help="seconds per step")
    ap.add_argument("--in-process", action="store_true", help="no child processes (debugging)")
    ap.add_argument("-v", "--verbose", action="store_true")
    ap.add_argument("--one", default=None, help=argparse.SUPPRESS)
    ap.add_argument("--result", type=Path, default=None, help=argparse.SUPPRESS)
    return ap


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        datefmt="%H:%M:%S",
    )
    if args.one is not None:
        if args.result is None:
            raise SystemExit("--one needs --result")
        return _child(args.one, args.quick, args.result, args.threads)
    from repro.env import set_offline

    set_offline()
    smoke_kwargs: dict[str, Any] = {}
    if args.quick:
        from repro.benchmarks.smoke_bench import TINY_OVERRIDES

        smoke_kwargs = {"overrides": TINY_OVERRIDES, "claims": "C01,C03", "report": False}
    doc = run_suite(
        args.only,
        quick=args.quick,
        smoke=args.smoke,
        isolate=not args.in_process,
        threads=args.threads,
        timeout=args.timeout,
        smoke_kwargs=smoke_kwargs,
    )
    _write_json(args.out, doc)
    errors = sorted(k for k, v in doc["results"].items() if "error" in v)
    sys.stdout.write(json.dumps(doc["results"], indent=1, sort_keys=True, default=str) + "\n")
    sys.stdout.write(
        f"wrote {args.out}" + (f"; failed: {', '.join(errors)}" if errors else "") + "\n"
    )
    return 1 if errors else 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
