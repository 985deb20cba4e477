"""Results -> verdicts -> ``claims.json``: evaluate each claim on a result set, with provenance."""

from __future__ import annotations

import dataclasses
import json
import logging
import traceback
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from repro.claims import Claim, Outcome, Verdict
from repro.claims.context import ClaimContext, MissingResults
from repro.claims.lock import DEFAULT_TOLERANCE
from repro.claims.results import ResultSet
from repro.config import ExperimentConfig, as_dict
from repro.configtools import sha256_of
from repro.env import provenance
from repro.fsio import write_text_atomic

log = logging.getLogger(__name__)

FRAGILE_DECADES = 0.3  # a deciding p-value within a factor of 2 of α


def skipped_claims(cfg: ExperimentConfig, claims: Mapping[str, Claim]) -> dict[str, str]:
    """Claims the profile does not run, with the reason; needs no data (re-analysis uses it)."""
    return {
        cid: "the data-size sweep is disabled in this profile (enable with --set sweep.enabled=true)"
        for cid, claim in claims.items()
        if claim.requires_profile_feature == "sweep" and not cfg.sweep.enabled
    }


def evaluate_claim(claim: Claim, ctx: ClaimContext, skipped_reason: str | None = None) -> Outcome:
    if skipped_reason:
        return Outcome(Verdict.NOT_RUN, skipped_reason)
    try:
        return claim.check(ctx)
    except MissingResults as exc:
        return Outcome(Verdict.NOT_RUN, f"results missing: {exc}")
    except Exception as exc:  # noqa: BLE001 - an ERROR verdict carries the failure
        log.exception("claim %s failed", claim.id)
        return Outcome(
            Verdict.ERROR,
            f"{type(exc).__name__}: {exc}",
            {"traceback": traceback.format_exc(limit=8)},
        )


def claim_record(claim: Claim, outcome: Outcome, profile: str) -> dict[str, Any]:
    margin = outcome.margin
    return {
        "verdict": outcome.verdict.value,
        "title": claim.title,
        "statement": claim.statement,
        "source": claim.source,
        "rule": claim.rule,
        "rationale": outcome.rationale,
        "margin": {"decades": margin, "fragile": margin is not None and margin < FRAGILE_DECADES},
        "evidence": _jsonable(outcome.evidence),
        "paper_values": dict(claim.paper_values),
        "rule_changes": [dataclasses.asdict(c) for c in claim.rule_changes],
        "command": f"repro run --profile {profile} --claims {claim.id}",
    }


def evaluate_all(
    cfg: ExperimentConfig,
    claims: Mapping[str, Claim],
    results: ResultSet,
    skipped: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    ctx = ClaimContext(cfg, results)
    skipped = skipped or {}
    records = {
        cid: claim_record(claim, evaluate_claim(claim, ctx, skipped.get(cid)), cfg.profile)
        for cid, claim in sorted(claims.items())
    }
    return {
        "profile": cfg.profile,
        **provenance(),
        "config_sha256": sha256_of(as_dict(cfg)),
        "decision": {
            "alpha": cfg.claims.alpha,
            "correction": cfg.claims.correction,
            "n_resamples": cfg.claims.n_resamples,
            "bootstrap_seed": cfg.claims.seed,
            "fragile_below_decades": FRAGILE_DECADES,
        },
        "tolerance": DEFAULT_TOLERANCE,
        "claims": records,
    }


def write_status(status: Mapping[str, Any], path: Path) -> None:
    write_text_atomic(path, json.dumps(status, indent=1, sort_keys=True, ensure_ascii=False) + "\n")


def _jsonable(obj: Any) -> Any:
    import numpy as np

    if isinstance(obj, Mapping):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, float):
        return round(obj, 6)
    if isinstance(obj, Verdict):
        return obj.value
    return obj
