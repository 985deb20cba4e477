"""From stored artifacts to result entries (``repro.claims.results``): the one place that knows
each stage's artifact file layout (metrics.json, predictions/, distances/)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from repro.claims.results import EntryKey, ResultSet, entry_from_predictions
from repro.config import ExperimentConfig
from repro.workflow.graph import FT_STATE_RE, Graph, concerns
from repro.workflow.jobs import Job
from repro.workflow.needs import Export


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
            for name in job.stage_config.sets:
                task, dataset, set_lang = name.split(".", 2)
                if set(set_lang.split("-")) == {"en"} and not _language_independent(cfg, ex.state):
                    continue
                if not concerns(set_lang, ex.lang):
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
    english = [n for n in eval_job.stage_config.sets if n.split(".")[2] in ("en", "en-en")]
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
    seed = graph.finetuned_seed(ex.seed)
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
