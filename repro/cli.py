"""Command line: argument parsing only; every command calls a library function.

Exit codes: 0 success; 1 a claim errored or verification found drift; 2 usage, config or
data error (a ReproError).
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Sequence
from pathlib import Path
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


def _cfg(args: argparse.Namespace):
    from repro.config import resolve

    return resolve(args.profile, tuple(args.config), tuple(args.overrides))


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
    cmd = args.command
    if cmd == "config":
        return _config_show(args)
    if cmd == "run":
        return _run(args)
    if cmd == "plan":
        return _plan(args)
    if cmd == "claims":
        return _claims(args)
    if cmd == "report":
        return _report(args)
    if cmd == "cache":
        return _cache(args)
    if cmd == "data":
        return _data(args)
    if cmd == "world":
        return _world(args)
    if cmd == "calibrate":
        return _calibrate(args)
    if cmd == "stability":
        return _stability(args)
    raise AssertionError(cmd)  # pragma: no cover


def _config_show(args) -> int:
    from repro.config import as_dict
    from repro.configtools import to_toml
    from repro.workflow.graph import Graph

    cfg = _cfg(args)
    g = Graph(cfg)  # every key first: an error (no data dir, say) comes before any output
    jobs = [g.data(), g.encoder()] + [g.align(x) for x in cfg.languages]
    jobs += [g.adjusted(x, run=s) for x in cfg.languages for s in cfg.finetune.seeds]
    lines, seen = [], set()
    for j in jobs:
        if j.key not in seen:
            seen.add(j.key)
            lines.append(f"# {j.stage:10s} {j.label:24s} {j.key[:16]}")
    print(to_toml(as_dict(cfg)))
    print("# stage keys")
    print("\n".join(lines))
    return 0


def _with_cli_run_settings(args, cfg):
    from dataclasses import replace

    run = cfg.run
    if getattr(args, "jobs", None):
        run = replace(run, jobs=args.jobs)
    if getattr(args, "executor", None):
        run = replace(run, executor=args.executor)
    if getattr(args, "procs_per_job", None):
        run = replace(run, procs_per_job=args.procs_per_job)
    return replace(cfg, run=run)


def _run(args) -> int:
    from repro.workflow.run import run_profile

    cfg = _with_cli_run_settings(args, _cfg(args))
    res = run_profile(
        cfg,
        claim_ids=args.claims,
        reports_root=Path(args.reports),
        overrides=tuple(args.overrides),
        progress=lambda m: log.info("%s", m),
    )
    if not args.no_report:
        _render(cfg, Path(args.reports))
    print(_verdict_table(res.status))
    print(
        f"\n{res.ran} job(s) ran, {res.cached} cached; {res.wall_s:.1f} s; "
        f"verdicts in {res.status_path}"
    )
    errors = [c for c, r in res.status["claims"].items() if r["verdict"] == "ERROR"]
    return 1 if errors else 0


def _calibrate(args) -> int:
    from repro.analysis.transfer import TransferRow, format_table
    from repro.errors import ConfigError
    from repro.workflow.calibrate import calibrate, save

    if args.summarize:
        from repro.workflow.calibrate import PROBES_MARKER, probe_table, update_doc

        print(probe_table(sorted(Path(args.summarize).glob("*.json"))))
        if args.doc and not update_doc(Path(args.doc), Path(args.summarize)):
            raise ConfigError(f"{args.doc} has no <!-- {PROBES_MARKER} --> block")
        return 0
    tasks = [t.strip() for t in args.tasks.split(",") if t.strip()]
    bad = [t for t in tasks if t not in ("nli", "ner", "qa")]
    if bad or not tasks:
        raise ConfigError(
            f"--tasks: expected a comma-separated subset of nli,ner,qa, got {args.tasks!r}"
        )
    cfg = _with_cli_run_settings(args, _cfg(args))
    summary = calibrate(
        cfg,
        tasks,
        xsr=not args.no_xsr,
        overrides=tuple(args.overrides),
        progress=lambda m: log.info("%s", m),
    )
    rows = [
        TransferRow(**{**r, "ratio_per_run": tuple(r["ratio_per_run"])})
        for r in summary["transfer"]
    ]
    print(format_table(rows))
    for lang, shares in summary["nli_predicted"].items():
        print(
            f"NLI predicted labels {lang}: " + ", ".join(f"{k} {v:.2f}" for k, v in shares.items())
        )
    if summary["xsr_top1"]:
        print("XSR top-1: " + ", ".join(f"{k} {v:.3f}" for k, v in summary["xsr_top1"].items()))
    print(
        f"{summary['jobs']['ran']} job(s) ran, {summary['jobs']['cached']} cached; {summary['wall_s']} s"
    )
    if args.out:
        save(summary, Path(args.out))
    return 0


def _stability(args) -> int:
    from repro.errors import ConfigError
    from repro.workflow.stability import cell, load_stability, run_stability

    try:
        seeds = [int(x) for x in args.world_seeds.split(",") if x.strip()]
    except ValueError:
        raise ConfigError(
            f"--world-seeds: expected comma-separated integers, got {args.world_seeds!r}"
        ) from None
    cfg = _with_cli_run_settings(args, _cfg(args))
    path = run_stability(
        cfg, seeds, reports_root=Path(args.reports), progress=lambda m: log.info("%s", m)
    )
    stab = load_stability(cfg.profile, Path(args.reports))
    for cid, rec in stab["claims"].items():
        print(
            f"{cid:6s} {' '.join(v['verdict'] for v in rec['per_world'].values()):40s} "
            f"{cell(stab, cid)}"
        )
    print(f"wrote {path}")
    return 0


def _verdict_table(status) -> str:
    lines = [f"{'claim':6s} {'verdict':13s} {'margin':>7s}  title"]
    for cid, rec in status["claims"].items():
        m = rec.get("margin", {}).get("decades")
        ms = f"{m:7.2f}" if isinstance(m, (int, float)) else "      -"
        lines.append(f"{cid:6s} {rec['verdict']:13s} {ms}  {rec['title']}")
    return "\n".join(lines)


def _plan(args) -> int:
    from collections import Counter

    from repro.cache import ArtifactStore
    from repro.claims import discover, select
    from repro.workflow.cost import describe, estimate
    from repro.workflow.needs import plan_claims
    from repro.workflow.schedule import plan

    cfg = _cfg(args)
    pairs, skipped = plan_claims(cfg, select(discover(), args.claims))
    rows = plan([j for j, _ in pairs], ArtifactStore())
    est = estimate(cfg, [j for j, _ in rows], cached=[j.key for j, c in rows if c])
    if args.json:
        print(
            json.dumps(
                {
                    "profile": cfg.profile,
                    "jobs": [
                        {"stage": j.stage, "label": j.label, "key": j.key, "cached": c}
                        for j, c in rows
                    ],
                    "estimate": est,
                    "skipped_claims": skipped,
                },
                indent=1,
            )
        )
        return 0
    for j, cached in rows:
        print(f"{'cached' if cached else 'to run':7s} {j.stage:10s} {j.label:32s} {j.key[:12]}")
    n_cached = sum(c for _, c in rows)
    print(
        f"\n{len(rows)} jobs: {n_cached} cached, {len(rows) - n_cached} to run "
        f"(profile {cfg.profile}; languages {', '.join(cfg.languages)}; "
        f"fine-tuning seeds {', '.join(map(str, cfg.finetune.seeds))})"
    )
    states = Counter(j.label.split("/")[1] for j, _ in rows if j.stage == "finetune")
    if states:
        print(
            "fine-tuning runs by task/model state: "
            + ", ".join(f"{s} {n}" for s, n in sorted(states.items()))
        )
    adjusts = sum(j.stage == "adjust" for j, _ in rows)
    if adjusts:
        print(
            f"adjustment runs: {adjusts} (one per language, data size and run: run i pairs "
            f"adjustment seed adjust.seed+i with fine-tuning seed i, so every comparison "
            f"carries run variance; see the adjust row below for their cost)"
        )
    for cid, why in skipped.items():
        print(f"{cid}: NOT_RUN ({why})")
    print()
    print("\n".join(describe(est)))
    return 0


def _claims(args) -> int:
    if args.claims_command == "list":
        from repro.claims import discover

        for cid, c in discover().items():
            print(f"{cid} {c.slug:32s} {c.title}")
        return 0
    from repro.errors import ConfigError
    from repro.workflow.run import verify

    if args.write_lock and not args.from_results:
        raise ConfigError("--write-lock re-locks from stored results: add --from-results")
    cfg = _cfg(args)
    problems, status = verify(
        cfg,
        from_results=args.from_results,
        reports_root=Path(args.reports),
        overrides=tuple(args.overrides),
        progress=lambda m: log.info("%s", m),
    )
    print(_verdict_table(status))
    if args.write_lock:
        return _write_lock(cfg, Path(args.reports), status, problems)
    if problems:
        print("\nclaim status drift against the lock:", file=sys.stderr)
        for p in problems:
            print(f"  {p}", file=sys.stderr)
        return 1
    print("\nall verdicts match the lock")
    return 0


def _write_lock(cfg, reports_root: Path, status: dict, changes: list[str]) -> int:
    """Re-lock from stored results: the lock's tolerances and overrides carry over."""
    from repro.claims.verdicts import write_status

    path = reports_root / cfg.profile / "claims.json"
    old = json.loads(path.read_text())
    status = {**status, **{k: old[k] for k in ("tolerance", "overrides") if k in old}}
    write_status(status, path)
    for c in changes:
        print(f"  changed: {c}")
    print(f"\nwrote {path} ({len(changes)} change(s) against the previous lock)")
    return 0


def _render(cfg, reports_root: Path) -> None:
    from repro.report.build import build_report

    build_report(cfg.profile, reports_root)


def _report(args) -> int:
    from repro.errors import ConfigError

    cfg = _cfg(args)
    pdir = Path(args.reports) / cfg.profile
    if not (pdir / "claims.json").is_file() and not (pdir / "results").is_dir():
        raise ConfigError(
            f"nothing to report: {pdir} has no claims.json and no results/; "
            f"run `repro run --profile {cfg.profile}` first"
        )
    _render(cfg, Path(args.reports))
    print(f"wrote {Path(args.reports) / cfg.profile / 'report.html'} and report.md")
    if args.readme:
        from repro.errors import ConfigError
        from repro.report.readme import marker, update_readme

        if not update_readme(Path(args.readme), cfg.profile, Path(args.reports)):
            raise ConfigError(f"{args.readme} has no <!-- {marker(cfg.profile)} --> block")
        print(f"updated the {cfg.profile} verdict table in {args.readme}")
    return 0


def _cache(args) -> int:
    from repro.cache import ArtifactStore

    store = ArtifactStore()
    if args.cache_command == "ls":
        arts = store.list()
        for a in arts:
            m = a.manifest
            wall = m.get("timings", {}).get("wall_s", 0)
            print(f"{a.key[:16]} {a.stage:10s} {m.get('label', ''):32s} {wall:8.1f}s")
        print(f"{len(arts)} artifact(s) in {store.root}")
        return 0
    if args.cache_command == "show":
        art = store.find(args.key)
        problem = store.check(art)
        print(json.dumps(art.manifest, indent=1, sort_keys=True))
        if problem:
            print(f"CORRUPT: {problem}", file=sys.stderr)
            return 1
        return 0
    keep = None
    if args.keep_profile:
        from repro.claims import discover
        from repro.config import resolve
        from repro.workflow.needs import plan_claims
        from repro.workflow.schedule import toposort

        keep = set()
        for prof in args.keep_profile:
            pairs, _ = plan_claims(resolve(prof), discover())
            keep |= {j.key for j in toposort([j for j, _ in pairs])}
    removed = store.gc(keep, dry_run=args.dry_run)
    for p in removed:
        print(("would remove " if args.dry_run else "removed ") + str(p))
    return 0


def _data(args) -> int:
    import os

    from repro.data.manifest import verify_data_dir, verify_fetched

    if args.data_command == "verify":
        raw = args.dir or os.environ.get("REPRO_DATA_DIR")
        if not raw:
            from repro.errors import ConfigError

            raise ConfigError("give a directory or set REPRO_DATA_DIR")
        path = Path(raw)
        # a `repro data fetch` output carries SHA256SUMS; a staged data dir carries MANIFEST.tsv
        report = verify_fetched(path) if (path / "SHA256SUMS").is_file() else verify_data_dir(path)
        print(report.summary())
        return 0 if report.ok else 1
    from dataclasses import replace

    from repro.data.fetch import fetch

    cfg = _cfg(args)
    fetch(replace(cfg.hub, languages=tuple(cfg.languages)), Path(args.out))
    print(f"fetched into {args.out}; check it offline with `repro data verify {args.out}`")
    return 0


def _world(args) -> int:
    from repro.data.synthetic import describe_world, generate_world

    cfg = _cfg(args)
    print(describe_world(generate_world(cfg.world), n_examples=args.n))
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
