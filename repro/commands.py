"""The commands behind ``repro <command>``: each reads its parsed arguments, calls library
functions and prints; exit codes as in :mod:`repro.cli`."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

log = logging.getLogger("repro")


def config_from_args(args: argparse.Namespace):
    from repro.config import resolve

    return resolve(args.profile, tuple(args.config), tuple(args.overrides))


def config_show(args) -> int:
    from repro.config import as_dict
    from repro.configtools import to_toml
    from repro.workflow.graph import Graph

    cfg = config_from_args(args)
    g = Graph(cfg)  # every key first: an error (no data dir, say) comes before any output
    lines = [f"# {j.stage:10s} {j.label:24s} {j.key[:16]}" for j in g.model_jobs()]
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


def run(args) -> int:
    from repro.workflow.run import run_profile

    cfg = _with_cli_run_settings(args, config_from_args(args))
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


def calibrate(args) -> int:
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
    cfg = _with_cli_run_settings(args, config_from_args(args))
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


def stability(args) -> int:
    from repro.errors import ConfigError
    from repro.workflow.stability import cell, load_stability, run_stability

    try:
        seeds = [int(x) for x in args.world_seeds.split(",") if x.strip()]
    except ValueError:
        raise ConfigError(
            f"--world-seeds: expected comma-separated integers, got {args.world_seeds!r}"
        ) from None
    cfg = _with_cli_run_settings(args, config_from_args(args))
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


def plan(args) -> int:
    from collections import Counter

    from repro.cache import ArtifactStore
    from repro.claims import discover, select
    from repro.workflow.cost import describe, estimate
    from repro.workflow.needs import plan_claims
    from repro.workflow.schedule import plan

    cfg = config_from_args(args)
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


def claims(args) -> int:
    if args.claims_command == "list":
        from repro.claims import discover

        for cid, c in discover().items():
            print(f"{cid} {c.slug:32s} {c.title}")
        return 0
    from repro.errors import ConfigError
    from repro.workflow.run import verify

    if args.write_lock and not args.from_results:
        raise ConfigError("--write-lock re-locks from stored results: add --from-results")
    cfg = config_from_args(args)
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


def report(args) -> int:
    from repro.errors import ConfigError

    cfg = config_from_args(args)
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


def cache(args) -> int:
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


def data(args) -> int:
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

    cfg = config_from_args(args)
    fetch(replace(cfg.hub, languages=tuple(cfg.languages)), Path(args.out))
    print(f"fetched into {args.out}; check it offline with `repro data verify {args.out}`")
    return 0


def world(args) -> int:
    from repro.data.synthetic import describe_world, generate_world

    cfg = config_from_args(args)
    print(describe_world(generate_world(cfg.world), n_examples=args.n))
    return 0
