"""The `distances` stage: related vs unrelated cross-lingual word distances of one model state.

Config ``{"distances": DistancesConfig, "langs": [...], "pooling": "avg"}``; inputs ``model``
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

import numpy as np

from repro.adjust.objective import check_pair
from repro.align import HELDOUT_FILE
from repro.analysis.distances import (
    cosine_distance,
    draw_unrelated,
    euclidean_distance,
    summarize,
)
from repro.configtools import from_dict
from repro.data.bundle import iter_jsonl, write_jsonl
from repro.env import lang_rng
from repro.errors import DataError
from repro.fsio import write_json_atomic
from repro.model.wordlevel import batched_word_vectors
from repro.workflow.jobs import StageContext

log = logging.getLogger(__name__)


def word_distances(
    model: Any,
    tokenizer: Any,
    records: list[dict[str, Any]],
    lang: str,
    *,
    pooling: str = "avg",
    layer: int = -1,
    seed: int = 0,
    device: str = "cpu",
    source: Any = None,
) -> list[dict[str, Any]]:
    """One row per related link (see the module docstring)."""
    parsed = [check_pair(r, source=source, index=k) for k, r in enumerate(records)]
    kw = {"pooling": pooling, "layer": layer, "device": device, "add_cls_sep": False}
    en_vecs = batched_word_vectors(model, tokenizer, [p[0] for p in parsed], **kw)
    xx_vecs = batched_word_vectors(model, tokenizer, [p[1] for p in parsed], **kw)
    link_pair, links = [], []
    for p, (_, _, pl) in enumerate(parsed):
        for i, j in pl:
            if en_vecs[p][1][i] and xx_vecs[p][1][j]:
                link_pair.append(p)
                links.append((i, j))
    if not links:
        raise DataError(source, None, "no usable alignment links in the held-out pairs")
    valid = [np.flatnonzero(m) for _, m in xx_vecs]
    partners = draw_unrelated(link_pair, valid, lang_rng(seed, lang))
    en = np.stack([en_vecs[p][0][i] for p, (i, _) in zip(link_pair, links, strict=True)])
    rel = np.stack([xx_vecs[p][0][j] for p, (_, j) in zip(link_pair, links, strict=True)])
    unr = np.stack([xx_vecs[q][0][j] for q, j in partners])
    rel_cos, unr_cos = cosine_distance(en, rel), cosine_distance(en, unr)
    rel_euc, unr_euc = euclidean_distance(en, rel), euclidean_distance(en, unr)
    rows = []
    for k, (p, (i, j)) in enumerate(zip(link_pair, links, strict=True)):
        q, jq = partners[k]
        rows.append(
            {
                "id": f"{records[p].get('id', p)}:{i}-{j}",
                "lang": lang,
                "en_word": parsed[p][0][i],
                "xx_word": parsed[p][1][j],
                "unrelated_xx_word": parsed[q][1][jq],
                "unrelated_id": f"{records[q].get('id', q)}:{jq}",
                "related_cos": float(rel_cos[k]),
                "unrelated_cos": float(unr_cos[k]),
                "related_euc": float(rel_euc[k]),
                "unrelated_euc": float(unr_euc[k]),
            }
        )
    return rows


def run(ctx: StageContext) -> dict[str, Any]:
    from repro.config import DistancesConfig
    from repro.model.io import load_encoder

    cfg = from_dict(DistancesConfig, ctx.config["distances"])
    pooling = ctx.config.get("pooling", "avg")
    model, tokenizer = load_encoder(ctx.input_path("model"), device=ctx.device)
    metrics: dict[str, Any] = {}
    summary: dict[str, Any] = {}
    for lang in ctx.config["langs"]:
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
