"""The `distances` stage: related vs unrelated cross-lingual word distances of one model state.

Config (:class:`~repro.workflow.stage_configs.DistancesJob`)
``{"distances": DistancesConfig, "langs": [...], "pooling": "avg"}``; inputs ``model``
(artifact with ``encoder/`` or ``model/``) and ``align_<lang>`` (``heldout.jsonl``). Uses the
first ``max_sentences`` held-out pairs; each alignment link is a related pair, its unrelated
partner the same English word against a random target word of another pair (drawn from the data
and seed only, so rows of different model states pair up by ``id``). Word vector = pooled
sub-words of ``hidden_states[layer]`` (last layer by default), no [CLS]/[SEP].

Outputs ``distances/<lang>.jsonl`` and ``metrics.json`` (keyed by language).
"""

from __future__ import annotations

import logging
from typing import Any

from repro.align import HELDOUT_FILE
from repro.analysis.distances import (
    summarize,
)
from repro.analysis.word_distances import word_distances
from repro.data.bundle import iter_jsonl, write_jsonl
from repro.errors import DataError
from repro.fsio import write_json_atomic
from repro.workflow.jobs import StageContext

log = logging.getLogger(__name__)


def run(ctx: StageContext) -> dict[str, Any]:
    from repro.model.io import load_encoder

    job = ctx.stage_config
    cfg, pooling = job.distances, job.pooling
    model, tokenizer = load_encoder(ctx.input_path("model"), device=ctx.device)
    metrics: dict[str, Any] = {}
    summary: dict[str, Any] = {}
    for lang in job.langs:
        path = ctx.input_path(f"align_{lang}") / HELDOUT_FILE
        records = []
        for rec in iter_jsonl(path):
            if len(records) >= cfg.max_sentences:
                break
            if rec.get("alignment"):
                records.append(rec)
        if len(records) < 2:
            raise DataError(
                path, None, f"need at least 2 aligned held-out pairs, got {len(records)}"
            )
        rows = word_distances(
            model,
            tokenizer,
            records,
            lang,
            pooling=pooling,
            layer=cfg.layer,
            seed=cfg.seed,
            device=ctx.device,
            source=path,
        )
        write_jsonl(ctx.out_dir / "distances" / f"{lang}.jsonl", rows)
        metrics[lang] = {
            **summarize(rows),
            "sentences": len(records),
            "layer": cfg.layer,
            "pooling": pooling,
        }
        m = metrics[lang]
        summary[f"{lang}_related_cos"] = round(m["cos"]["related"]["mean"], 4)
        summary[f"{lang}_gap_cos"] = round(m["cos"]["gap"], 4)
        log.info(
            "distances %s: cos related %.3f unrelated %.3f (n=%d links)",
            lang,
            m["cos"]["related"]["mean"],
            m["cos"]["unrelated"]["mean"],
            len(rows),
        )
    write_json_atomic(ctx.out_dir / "metrics.json", metrics)
    return summary
