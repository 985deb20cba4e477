"""`repro stability`: do the verdicts hold in other synthetic worlds?

A verdict of the smoke profile is a finding about the method only if it does not depend on
the one world the profile happens to generate. This verb reruns the whole profile (every
claim, from the world up) with ``world.seed`` set to each of several seeds and writes a
claim x world table of verdicts and margins to ``reports/<profile>/stability.json``. A claim
whose verdict differs between worlds is marked as flipping there, in the report and in the
README's claim table. Each world's own results, verdicts and run record stay under
``reports/<profile>/stability/world-<seed>/`` so they can be re-analysed.

The world seeds are chosen before any run (default: 0, 1, 2; 0 is the profile's own world)
and every world gets the same config otherwise, so nothing is picked by looking at verdicts.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from repro.config import ExperimentConfig
from repro.env import provenance
from repro.errors import ConfigError
from repro.fsio import write_json_atomic

FILE = "stability.json"
DEFAULT_WORLD_SEEDS = (0, 1, 2)


def agreement(per_world: Mapping[int, Mapping[str, Any]]) -> dict[str, Any]:
    """Claim x world verdict table from each world's ``claims.json`` content.

    ``stable``: one verdict in every world that ran the claim; ``verdicts``: the distinct
    verdicts seen, in world order.
    """
    seeds = sorted(per_world)
    ids = sorted({cid for st in per_world.values() for cid in st.get("claims", {})})
    out: dict[str, Any] = {}
    for cid in ids:
        cells = {}
        for s in seeds:
            rec = per_world[s].get("claims", {}).get(cid)
            if rec is None:
                continue
            margin = (rec.get("margin") or {}).get("decades")
            cells[str(s)] = {"verdict": rec["verdict"], "margin": margin}
        seen = list(dict.fromkeys(c["verdict"] for c in cells.values()))
        out[cid] = {
            "title": next(
                (
                    per_world[s]["claims"][cid].get("title", "")
                    for s in seeds
                    if cid in per_world[s].get("claims", {})
                ),
                "",
            ),
            "per_world": cells,
            "verdicts": seen,
            "stable": len(seen) == 1 and len(cells) == len(seeds),
        }
    return out


def stability_record(
    profile: str, per_world: Mapping[int, Mapping[str, Any]], wall_s: Mapping[int, float]
) -> dict[str, Any]:
    return {
        "profile": profile,
        "world_seeds": sorted(per_world),
        "claims": agreement(per_world),
        "wall_s": {str(k): round(v, 1) for k, v in sorted(wall_s.items())},
        **provenance(),
    }


def world_config(cfg: ExperimentConfig, seed: int) -> ExperimentConfig:
    if cfg.data.source != "synthetic":
        raise ConfigError(
            f"stability reruns the synthetic world with other seeds; profile {cfg.profile!r} "
            f"reads {cfg.data.source!r} data"
        )
    return replace(cfg, world=replace(cfg.world, seed=seed))


def run_stability(
    cfg: ExperimentConfig,
    world_seeds: Sequence[int] = DEFAULT_WORLD_SEEDS,
    *,
    reports_root: Path = Path("reports"),
    store=None,
    progress: Callable[[str], None] | None = None,
    run_profile: Callable[..., Any] | None = None,
) -> Path:
    """Run the profile once per world seed; write and return ``stability.json``."""
    if len(set(world_seeds)) < 2:
        raise ConfigError(
            f"stability needs at least two distinct world seeds, got {list(world_seeds)}"
        )
    if run_profile is None:
        from repro.workflow.run import run_profile
    pdir = Path(reports_root) / cfg.profile
    per_world: dict[int, dict[str, Any]] = {}
    wall: dict[int, float] = {}
    for seed in world_seeds:
        t0 = time.time()
        if progress:
            progress(f"stability: world seed {seed} ({len(per_world) + 1}/{len(world_seeds)})")
        root = pdir / "stability" / f"world-{seed}"
        res = run_profile(
            world_config(cfg, seed), reports_root=root, store=store, progress=progress
        )
        per_world[seed] = json.loads(json.dumps(res.status))
        wall[seed] = time.time() - t0
    path = pdir / FILE
    write_json_atomic(path, stability_record(cfg.profile, per_world, wall))
    return path


def load_stability(profile: str, reports_root: Path = Path("reports")) -> dict[str, Any] | None:
    path = Path(reports_root) / profile / FILE
    if not path.is_file():
        return None
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise ConfigError(f"{path} is not valid JSON: {exc}") from exc


def cell(stab: Mapping[str, Any] | None, cid: str) -> str:
    """The README/report cell for one claim: '3/3 worlds' or '⚠ flips (…)'; '' without data."""
    if not stab or cid not in stab.get("claims", {}):
        return ""
    rec = stab["claims"][cid]
    n = len(stab.get("world_seeds", []))
    if rec["stable"]:
        return f"{n}/{n} worlds"
    return "⚠ flips: " + " / ".join(
        f"{v['verdict']} (world {s})" for s, v in rec["per_world"].items()
    )
