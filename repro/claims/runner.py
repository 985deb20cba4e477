"""Claims → jobs → results → verdicts → ``claims.json``, and the status-lock comparison."""

from __future__ import annotations

import dataclasses
import json
import logging
import traceback
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from repro.claims import Claim, Need, Outcome, Verdict
from repro.claims.context import ClaimContext, MissingResults
from repro.claims.lock import DEFAULT_TOLERANCE
from repro.claims.results import EntryKey, ResultSet, entry_from_predictions
from repro.config import ExperimentConfig, as_dict
from repro.configtools import sha256_of
from repro.env import provenance
from repro.experiment import FT_STATE_RE, Graph, _concerns, parse_state
from repro.fsio import write_text_atomic
from repro.pipeline import Job

log = logging.getLogger(__name__)

SWEEP_STATE = "adjusted@sweep"
FRAGILE_DECADES = 0.3  # a deciding p-value within a factor of 2 of α


def expand_states(cfg: ExperimentConfig, states: tuple[str, ...]) -> list[str]:
    out: list[str] = []
    for s in states:
        if s == SWEEP_STATE:
            out += [f"adjusted@{n}" for n in cfg.sweep.sizes]
        else:
            out.append(s)
    return out


@dataclass(frozen=True)
class Export:
    """How to turn one job's artifact into result entries."""

    kind: str
    task: str
    state: str
    lang: str
    seed: int = -1


def jobs_for_need(graph: Graph, need: Need) -> list[tuple[Job, Export]]:
    cfg = graph.cfg
    out: list[tuple[Job, Export]] = []
    for state in expand_states(cfg, need.states):
        for lang in cfg.languages:
            if need.kind == "eval":
                _, size, _ = parse_state(state)
                seeds = graph.sweep_seeds() if size is not None else cfg.finetune.seeds
                if need.seeds == "first":
                    seeds = seeds[:1]
                for seed in seeds:
                    out.append(
                        (
                            graph.evaluate(need.task, state, lang, seed),
                            Export("eval", need.task, state, lang, seed),
                        )
                    )
            elif need.kind == "xsr":
                out += [
                    (
                        graph.retrieve(state, lang, run),
                        Export("xsr", "xsr", state, lang, _seed(run)),
                    )
                    for run in graph.runs(state)
                ]
            else:
                out += [
                    (
                        graph.distances(state, lang, run),
                        Export("distances", "distances", state, lang, _seed(run)),
                    )
                    for run in graph.runs(state)
                ]
    return out


def _seed(run: int | None) -> int:
    return -1 if run is None else run


def plan_claims(
    cfg: ExperimentConfig, claims: Mapping[str, Claim]
) -> tuple[list[tuple[Job, Export]], dict[str, str]]:
    """All (job, export) pairs the claims need, plus claims skipped by profile (reason)."""
    graph = Graph(cfg)
    skipped = skipped_claims(cfg, claims)
    pairs: list[tuple[Job, Export]] = []
    for cid, claim in claims.items():
        if cid not in skipped:
            for need in claim.needs:
                pairs.extend(jobs_for_need(graph, need))
    return pairs, skipped


def skipped_claims(cfg: ExperimentConfig, claims: Mapping[str, Claim]) -> dict[str, str]:
    """Claims the profile does not run, with the reason; needs no data (re-analysis uses it)."""
    return {
        cid: "the data-size sweep is disabled in this profile (enable with --set sweep.enabled=true)"
        for cid, claim in claims.items()
        if claim.requires_profile_feature == "sweep" and not cfg.sweep.enabled
    }


def _language_independent(cfg: ExperimentConfig, state: str) -> bool:
    return Graph(cfg).shares_model_across_languages(state)


def export_results(cfg: ExperimentConfig, pairs: list[tuple[Job, Export]], store) -> ResultSet:
    rs = ResultSet()
    for job, ex in pairs:
        art = store.get(job.stage, job.key, verify=False)
        if art is None:
            continue
        metrics = json.loads((art.path / "metrics.json").read_text())
        if ex.kind == "eval":
            per_set = metrics.get("sets", metrics)
            english_collapsed = _english_collapsed(job, metrics)
            for name in job.config["sets"]:
                task, dataset, set_lang = name.split(".", 2)
                if set(set_lang.split("-")) == {"en"} and not _language_independent(cfg, ex.state):
                    continue
                if not _concerns(set_lang, ex.lang):
                    continue
                key = EntryKey("eval", task, dataset, set_lang, ex.state, ex.seed)
                meta = {
                    "artifact": job.key[:16],
                    "model_artifact": job.inputs["model"].key[:16],
                    "metrics": _stable(per_set.get(name, {})),
                    "collapsed": bool(per_set.get(name, {}).get("collapsed")),
                    "english_collapsed": english_collapsed,
                }
                rs.add(
                    entry_from_predictions(key, art.path / "predictions" / f"{name}.jsonl", meta)
                )
            continue
        if ex.kind == "xsr":
            key = EntryKey("xsr", "xsr", "xsr", ex.lang, ex.state, ex.seed)
            rows = art.path / "predictions" / f"xsr.{ex.lang}.jsonl"
        else:
            key = EntryKey("distances", "distances", "heldout", ex.lang, ex.state, ex.seed)
            rows = art.path / "distances" / f"{ex.lang}.jsonl"
        meta = {"artifact": job.key[:16], "metrics": _stable(metrics.get(ex.lang, metrics))}
        if ex.kind == "distances":
            collapsed = _finetuning_collapsed(cfg, job, ex, store)
            if collapsed is not None:  # a fine-tuned encoder: did that fine-tuning learn?
                meta["english_collapsed"] = collapsed
        rs.add(entry_from_predictions(key, rows, meta))
    return rs


def _english_collapsed(eval_job: Job, metrics: Mapping[str, Any]) -> bool:
    """Whether the evaluated model failed its English test (near chance): a failed fine-tuning."""
    per_set = metrics.get("sets", metrics)
    english = [n for n in eval_job.config["sets"] if n.split(".")[2] in ("en", "en-en")]
    return any(per_set.get(n, {}).get("collapsed") for n in english)


def _finetuning_collapsed(cfg: ExperimentConfig, job: Job, ex: Export, store) -> bool | None:
    """For distances of a fine-tuned encoder (state ``x+task``): did that run collapse?

    Distances compare an encoder before and after fine-tuning; a run that never learned its
    task is no evidence about what fine-tuning does, so the claims exclude it as they exclude
    collapsed seeds from task comparisons. ``None``: not a fine-tuned state, or its English
    evaluation is not in the store (claims that read these distances also need that eval).
    """
    m = FT_STATE_RE.match(ex.state)
    if not m:
        return None
    graph = Graph(cfg)
    seed = cfg.finetune.seeds[0] if ex.seed < 0 else ex.seed
    ev = graph.evaluate(m.group(3), m.group(1) + (m.group(2) or ""), ex.lang, seed)
    if ev.inputs["model"].key != job.inputs["model"].key:
        return None
    art = store.get(ev.stage, ev.key, verify=False)
    if art is None:
        return None
    return _english_collapsed(ev, json.loads((art.path / "metrics.json").read_text()))


def _stable(metrics: Any) -> Any:
    """Drop timings so committed results change only when results change."""
    if not isinstance(metrics, Mapping):
        return metrics
    return {
        k: v
        for k, v in metrics.items()
        if not (k.endswith("_s") or k in ("seconds", "wall", "timing", "timings"))
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
