"""Download the paper profile's hub datasets into a bundle (the package's one network path).

``fetch`` refuses to run with the offline variables set; beside the bundle it writes
``SHA256SUMS`` (checked offline by :func:`repro.data.manifest.verify_fetched`) and
``revisions.toml``, the commit each dataset repository was read at.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

from repro.data.bundle import Bundle
from repro.data.hub import HubDataConfig, build_hub_bundle
from repro.data.manifest import write_checksums
from repro.errors import ConfigError
from repro.fsio import write_text_atomic

#: What ``repro data fetch`` writes beside the bundle: the commit of every repo it read.
REVISIONS = "revisions.toml"


def _offline() -> bool:
    return any(
        os.environ.get(v, "").strip().lower() in {"1", "true", "yes", "on"}
        for v in ("HF_HUB_OFFLINE", "HF_DATASETS_OFFLINE")
    )


def fetch(cfg: HubDataConfig, out_dir: Path) -> Bundle:
    """Download the paper profile's hub datasets, convert them, write a bundle (JSONL) plus
    ``SHA256SUMS``. Needs the network: refuses when HF offline variables are set."""
    if _offline():
        raise ConfigError(
            "data fetch needs the network, but HF_HUB_OFFLINE/HF_DATASETS_OFFLINE "
            "is set; unset both in the shell that runs `repro data fetch`"
        )
    bundle = build_hub_bundle(cfg, Path(out_dir))
    read_at = bundle.notes.get("revisions", {}).get("read_at", {})
    write_text_atomic(Path(out_dir) / REVISIONS, revisions_toml(resolve_commits(read_at)))
    write_checksums(Path(out_dir))
    return bundle


def resolve_commits(
    read_at: dict[str, str], info: Callable[[str, str], str] | None = None
) -> dict[str, str]:
    """Commit id of each repo at the revision it was read at (``info(repo, rev)`` -> sha;
    default: the hub API, which needs the network)."""
    if info is None:
        from huggingface_hub import HfApi

        api = HfApi()

        def info(repo: str, rev: str) -> str:
            return api.dataset_info(repo, revision=rev).sha

    return {repo: info(repo, rev) for repo, rev in sorted(read_at.items())}


def revisions_toml(commits: dict[str, str]) -> str:
    """A ``[hub.revisions]`` table pinning every repo to the commit read (paste into a profile,
    or pass ``--set 'hub.revisions={...}'``)."""
    lines = [
        "# written by `repro data fetch`: the commit each hub dataset was read at.",
        "# Copy this table into the profile so later runs read exactly these files.",
        "[hub.revisions]",
        *(f"{json.dumps(repo)} = {json.dumps(sha)}" for repo, sha in sorted(commits.items())),
    ]
    return "\n".join(lines) + "\n"
