"""Command line: argument parsing only; every command calls a library function.

Exit codes: 0 success; 1 a claim errored or verification found drift; 2 usage, config or
data error (a ReproError).
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from typing import Any

from repro.env import set_offline

log = logging.getLogger("repro")


def _add_config_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--profile", default="smoke", help="smoke (default) | mini | paper | cao")
    p.add_argument(
        "--config",
        action="append",
        default=[],
        metavar="FILE",
        help="extra TOML layered over the profile (repeatable)",
    )
    p.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        dest="overrides",
        help="override one setting, e.g. --set adjust.learning_rate=1e-4",
    )


def _version() -> str:
    from repro import __version__

    return __version__


def _sub(parent: Any, name: str, help_: str, example: str) -> argparse.ArgumentParser:
    """A sub-command whose help page has its one-line help as description and one example."""
    return parent.add_parser(
        name,
        help=help_,
        description=help_[0].upper() + help_[1:] + ".",
        epilog=f"example:\n  {example}",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="repro",
        description=(
            "Executable reproduction of Efimov et al. (ECIR 2023), cross-lingual "
            "adjustment of contextual word representations."
        ),
        epilog=(
            "Scoring prediction files the way the official scripts do: "
            "python -m repro.metrics squad|mlqa|ner|nli|xsr (see its --help). "
            "Exit codes: 0 success, 1 a claim or verification failed, 2 usage, config or "
            "data error."
        ),
    )
    p.add_argument("-v", "--verbose", action="count", default=0)
    p.add_argument("--version", action="version", version=f"repro {_version()}")
    sub = p.add_subparsers(dest="command", required=True)

    r = _sub(
        sub,
        "run",
        "run every job the claims need, test them, write the report",
        "repro run --profile smoke --claims C01,C03",
    )
    _add_config_args(r)
    r.add_argument("--claims", default=None, help="comma-separated claim ids (default: all)")
    r.add_argument("--jobs", type=int, default=None, help="local parallel jobs (run.jobs)")
    r.add_argument(
        "--executor",
        choices=("local", "submitit"),
        default=None,
        help="local: a process pool here; submitit: Slurm job arrays (run.executor)",
    )
    r.add_argument(
        "--procs-per-job",
        type=int,
        default=None,
        help="processes (GPUs) per adjust/finetune job under torchrun (run.procs_per_job)",
    )
    r.add_argument("--reports", default="reports", help="reports root (default: reports/)")
    r.add_argument("--no-report", action="store_true", help="skip rendering the report")

    pl = _sub(
        sub,
        "plan",
        "the job graph: cached vs to run, estimated cost",
        'repro plan --profile paper --set \'languages=["de","fr"]\'',
    )
    _add_config_args(pl)
    pl.add_argument(
        "--claims", default=None, help="comma-separated claim ids (default: all): their jobs only"
    )
    pl.add_argument(
        "--json", action="store_true", help="the job list and cost estimate as JSON on stdout"
    )

    c = sub.add_parser("config", help="resolved configuration")
    csub = c.add_subparsers(dest="config_command", required=True)
    cs = _sub(
        csub,
        "show",
        "print the resolved config and each stage's key",
        "repro config show --profile mini --set adjust.max_pairs=1000",
    )
    _add_config_args(cs)

    cl = sub.add_parser("claims", help="claim specs and their locked verdicts")
    clsub = cl.add_subparsers(dest="claims_command", required=True)
    _sub(clsub, "list", "list the claim specs", "repro claims list")
    cv = _sub(
        clsub,
        "verify",
        "recompute verdicts; exit 1 when they drift from reports/<profile>/claims.json",
        "repro claims verify --profile smoke --from-results",
    )
    _add_config_args(cv)
    cv.add_argument(
        "--from-results",
        action="store_true",
        help="re-analyse the committed per-example results (no training)",
    )
    cv.add_argument(
        "--write-lock",
        action="store_true",
        help="with --from-results: replace the lock with the recomputed verdicts (after a "
        "rule change; list it in the claim's rule_changes) and print what changed",
    )
    cv.add_argument("--reports", default="reports", help="reports root (default: reports/)")

    rep = _sub(
        sub,
        "report",
        "render reports/<profile>/report.{html,md}",
        "repro report --profile smoke --readme README.md",
    )
    _add_config_args(rep)
    rep.add_argument("--reports", default="reports", help="reports root (default: reports/)")
    rep.add_argument(
        "--readme",
        default=None,
        metavar="PATH",
        help="also rewrite this profile's verdict table in PATH (between its table markers)",
    )

    ca = sub.add_parser("cache", help="inspect and prune the artifact store")
    casub = ca.add_subparsers(dest="cache_command", required=True)
    _sub(casub, "ls", "list artifacts", "repro cache ls")
    cshow = _sub(casub, "show", "print an artifact's manifest", "repro cache show 3f2a9c")
    cshow.add_argument("key", help="key or unique key prefix")
    cgc = _sub(
        casub,
        "gc",
        "remove temp/corrupt dirs and artifacts no profile needs",
        "repro cache gc --keep-profile smoke --dry-run",
    )
    cgc.add_argument(
        "--keep-profile",
        action="append",
        default=[],
        help="keep artifacts needed by this profile (repeatable)",
    )
    cgc.add_argument(
        "--dry-run", action="store_true", help="list what would be removed; remove nothing"
    )

    d = sub.add_parser("data", help="check or fetch real data")
    dsub = d.add_subparsers(dest="data_command", required=True)
    dv = _sub(
        dsub,
        "verify",
        "check REPRO_DATA_DIR (or DIR) against its MANIFEST",
        "repro data verify ../shared/data",
    )
    dv.add_argument("dir", nargs="?", default=None, help="data dir (default: REPRO_DATA_DIR)")
    df = _sub(
        dsub,
        "fetch",
        "download hub datasets for the paper profile (network)",
        "repro data fetch /data/xlingual --profile paper",
    )
    df.add_argument("out", help="output directory")
    _add_config_args(df)

    cal = sub.add_parser(
        "calibrate",
        help="transfer ratios of the unadjusted encoder only (world calibration)",
        description=(
            "Run only the unadjusted encoder's jobs (pretraining, English fine-tuning, "
            "zero-shot evaluation, retrieval) and print English scores and transfer ratios "
            "(target - chance) / (English - chance). No adjustment runs, so no verdict can "
            "steer a calibration. Example: repro calibrate --tasks nli "
            "--set world.shared_name_rate=0.8 --out probe.json"
        ),
    )
    _add_config_args(cal)
    cal.add_argument(
        "--tasks", default="nli,ner,qa", help="comma-separated tasks (default nli,ner,qa)"
    )
    cal.add_argument("--no-xsr", action="store_true", help="skip retrieval")
    cal.add_argument("--jobs", type=int, default=None, help="local parallel jobs (run.jobs)")
    cal.add_argument("--out", default=None, metavar="FILE", help="write the summary as JSON")
    cal.add_argument(
        "--summarize",
        default=None,
        metavar="DIR",
        help="run nothing: print the NLI probe table of the summaries in DIR",
    )
    cal.add_argument(
        "--doc", default=None, metavar="FILE", help="with --summarize: rewrite FILE's probe table"
    )

    st = sub.add_parser(
        "stability",
        help="rerun the profile in other synthetic worlds; claim x world verdict table",
        description=(
            "Run every claim once per world seed (world.seed) and write "
            "reports/<profile>/stability.json: verdict and margin per claim and world, and "
            "whether the verdict flips. Example: repro stability --world-seeds 0,1,2"
        ),
    )
    _add_config_args(st)
    st.add_argument("--world-seeds", default="0,1,2", help="comma-separated (default 0,1,2)")
    st.add_argument("--jobs", type=int, default=None, help="local parallel jobs (run.jobs)")
    st.add_argument("--reports", default="reports", help="reports root (default: reports/)")

    w = sub.add_parser("world", help="the synthetic world of the smoke profile")
    wsub = w.add_subparsers(dest="world_command", required=True)
    ws = _sub(
        wsub,
        "show",
        "sample sentences, alignments and task examples",
        "repro world show --profile smoke -n 3",
    )
    _add_config_args(ws)
    ws.add_argument("-n", type=int, default=2, help="examples per language")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    set_offline()
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG
        if args.verbose > 1
        else logging.INFO
        if args.verbose or args.command in ("run", "calibrate", "stability")
        else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        datefmt="%H:%M:%S",
    )
    from repro.errors import ReproError

    try:
        rc = _dispatch(args)
        sys.stdout.flush()  # a closed pipe (`repro claims list | head`) surfaces here
        return rc
    except BrokenPipeError:
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no flush error at exit
        return 0
    except ReproError as exc:  # usage, config or data: exit 2 (1 is a claim or check failing)
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted; finished artifacts are kept and the next run resumes", file=sys.stderr)
        return 130


def _dispatch(args: argparse.Namespace) -> int:
    from repro import commands

    command = args.command.replace("-", "_") if args.command != "config" else "config_show"
    return getattr(commands, command)(args)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
