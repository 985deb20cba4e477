"""The `data` stage: materialise a data bundle from the configured source.

The only profile-specific code path: synthetic world, local files in
``REPRO_DATA_DIR``, or hub datasets. Everything downstream reads the bundle.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

from repro.configtools import from_dict
from repro.errors import ConfigError
from repro.workflow.jobs import StageContext

log = logging.getLogger(__name__)


def data_dir_from_env() -> Path:
    raw = os.environ.get("REPRO_DATA_DIR")
    if not raw:
        raise ConfigError(
            "data.source=local needs REPRO_DATA_DIR pointing at the staged data "
            "(e.g. REPRO_DATA_DIR=../shared/data)"
        )
    path = Path(raw).expanduser().resolve()
    if not (path / "MANIFEST.tsv").is_file():
        raise ConfigError(f"REPRO_DATA_DIR={raw}: no MANIFEST.tsv found there")
    return path


def run(ctx: StageContext) -> dict[str, Any]:
    job = ctx.stage_config
    source = job.source
    if source == "synthetic":
        from repro.data.synthetic import WorldConfig, generate_world, write_bundle

        cfg = from_dict(WorldConfig, job.world or {}, prefix="world")
        bundle = write_bundle(generate_world(cfg), ctx.out_dir)
    elif source == "local":
        from repro.data.local_bundle import LocalDataConfig, build_local_bundle

        cfg = job.local or LocalDataConfig()
        bundle = build_local_bundle(data_dir_from_env(), cfg, ctx.out_dir)
    elif source == "hub":
        from repro.data.hub import HubDataConfig, build_hub_bundle

        bundle = build_hub_bundle(job.hub or HubDataConfig(), ctx.out_dir)
    else:  # pragma: no cover - validated by DataConfig
        raise ConfigError(f"unknown data source {source!r}")
    return {
        "source": source,
        "languages": bundle.languages,
        "eval_sets": len(bundle.eval),
        "parallel": sorted(bundle.parallel),
    }
