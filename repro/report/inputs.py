"""What a report is built from: claims.json, run.json, results, figures and the resolved config of
one profile's reports folder, read once into :class:`Inputs`."""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from repro.claims.results import ResultSet
from repro.config import ExperimentConfig
from repro.configtools import from_dict
from repro.errors import DataError, ReproError

log = logging.getLogger(__name__)


@dataclass
class Inputs:
    profile: str
    pdir: Path
    status: dict[str, Any] | None
    run: dict[str, Any] | None
    results: ResultSet
    results_present: bool
    config: dict[str, Any] | None
    config_origin: str
    stability: dict[str, Any] | None = None  # reports/<profile>/stability.json
    typed: ExperimentConfig | None = None  # ``config`` parsed; None where it no longer parses


def _read_json(path: Path) -> dict[str, Any] | None:
    if not path.is_file():
        return None
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise DataError(path, f"line {exc.lineno}", f"invalid JSON: {exc.msg}") from exc
    if not isinstance(raw, dict):
        raise DataError(path, None, "expected a JSON object")
    return raw


def _resolved_config(
    profile: str, status: Mapping[str, Any] | None, run: Mapping[str, Any] | None
) -> tuple[dict[str, Any] | None, str]:
    """run.json's config; else the profile preset + the lock's overrides, checked by sha256."""
    if run and isinstance(run.get("config"), dict):
        return run["config"], "run.json"
    try:
        from repro.config import as_dict, resolve
        from repro.configtools import sha256_of

        overrides = tuple((status or {}).get("overrides") or ())
        cfg = as_dict(resolve(profile, overrides=overrides))
    except Exception as exc:  # noqa: BLE001 - an unknown profile still gets a report
        log.warning("cannot resolve the %s config: %s", profile, exc)
        return None, "unavailable"
    want = (status or {}).get("config_sha256")
    if want and sha256_of(cfg) == want:
        return (
            cfg,
            "resolved from the profile preset and the recorded overrides (its sha256 "
            "matches claims.json)",
        )
    return cfg, (
        "resolved from the profile preset and the recorded overrides; claims.json "
        "records no config hash to check it against"
        if not want
        else "resolved from the profile preset; its sha256 does NOT match claims.json, so "
        "the run may have used other settings"
    )


def load_inputs(profile: str, reports_root: Path) -> Inputs:
    pdir = Path(reports_root) / profile
    status = _read_json(pdir / "claims.json")
    run = _read_json(pdir / "run.json")
    rdir = pdir / "results"
    results = ResultSet.load(rdir)
    config, origin = _resolved_config(profile, status, run)
    return Inputs(
        profile,
        pdir,
        status,
        run,
        results,
        rdir.is_dir() and len(results) > 0,
        config,
        origin,
        _read_json(pdir / "stability.json"),
        _typed(config, pdir),
    )


def _typed(config: Mapping[str, Any] | None, pdir: Path) -> ExperimentConfig | None:
    """The stored config as the dataclasses the rules read; a config written by an older
    version that no longer parses gives no deviation table rather than a wrong one."""
    if config is None:
        return None
    try:
        return from_dict(ExperimentConfig, config)
    except (ReproError, TypeError, ValueError) as exc:
        log.warning("the config of %s does not parse (%s): no deviations listed", pdir, exc)
        return None
