"""The `retrieve` stage: cross-lingual sentence retrieval (XSR, Tatoeba protocol).

Config (:class:`~repro.workflow.stage_configs.RetrieveJob`)
``{"retrieve": RetrieveConfig, "langs": [...]}``; inputs ``encoder`` (artifact with
``encoder/`` or ``model/``) and ``data`` (bundle ``xsr[lang]``: records with src = English,
tgt = xx, row i translating row i). Sentence vector = mean of ``hidden_states[layer]`` over all
tokens incl. [CLS]/[SEP] (XTREME: ``pool_skip_special_token`` off) or the [CLS] vector; cosine
(``normalize="per_vector"``) or Cao et al.'s whole-matrix normalisation (``"cao"``); ranks from
:mod:`repro.metrics.retrieval` in both directions (xx->en = Efimov et al., English indexed;
en->xx = XTREME). Every layer's top-1 is kept as a diagnostic table.

Outputs ``predictions/xsr.<lang>.jsonl`` and ``metrics.json`` (keyed by language).
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np

from repro.data.bundle import Bundle, read_jsonl, write_jsonl
from repro.errors import DataError
from repro.fsio import write_json_atomic
from repro.records import validate_all
from repro.tasks.xsr import rank_both, resolve_layer, sentence_embeddings
from repro.workflow.jobs import StageContext

log = logging.getLogger(__name__)


def run(ctx: StageContext) -> dict[str, Any]:
    from repro.model.io import load_encoder

    job = ctx.stage_config
    cfg, langs = job.retrieve, list(job.langs)
    bundle = Bundle.load(ctx.input_path("data"))
    model, tokenizer = load_encoder(ctx.input_path("encoder"), device=ctx.device)
    metrics: dict[str, Any] = {}
    summary: dict[str, Any] = {}
    for lang in langs:
        if lang not in bundle.xsr:
            raise DataError(
                bundle.path("bundle.json"),
                lang,
                f"no XSR test set for {lang!r} (have {sorted(bundle.xsr)})",
            )
        path = bundle.path(bundle.xsr[lang])
        recs = validate_all("xsr", read_jsonl(path), path)
        if len(recs) < 2:
            raise DataError(path, None, "XSR needs at least two sentence pairs")
        texts = [r["src"] for r in recs] + [r["tgt"] for r in recs]
        emb = sentence_embeddings(
            model,
            tokenizer,
            texts,
            pooling=cfg.pooling,
            batch_size=cfg.batch_size,
            device=ctx.device,
        )
        n = len(recs)
        en_all, xx_all = emb[:n], emb[n:]
        n_states = emb.shape[1]
        chosen = resolve_layer(cfg.layer, n_states)
        by_layer: dict[str, dict[str, float]] = {}
        chosen_ranks: dict[str, np.ndarray] = {}
        for layer in range(n_states):
            ranks = rank_both(en_all[:, layer], xx_all[:, layer], cfg.normalize)
            acc = {d: float(np.mean(r == 0)) for d, r in ranks.items()}
            by_layer[str(layer)] = {
                "top1_xx2en": acc["xx2en"],
                "top1_en2xx": acc["en2xx"],
                "top1_mean": (acc["xx2en"] + acc["en2xx"]) / 2,
            }
            if layer == chosen:
                chosen_ranks = ranks
        rows = []
        for k, r in enumerate(recs):
            a, b = int(chosen_ranks["xx2en"][k]), int(chosen_ranks["en2xx"][k])
            rows.append(
                {
                    "id": str(r["id"]),
                    "lang": lang,
                    "rank_xx2en": a,
                    "rank_en2xx": b,
                    "hit_xx2en": int(a == 0),
                    "hit_en2xx": int(b == 0),
                }
            )
        write_jsonl(ctx.out_dir / "predictions" / f"xsr.{lang}.jsonl", rows)
        top = by_layer[str(chosen)]
        chance = 1.0 / n
        metrics[lang] = {
            **top,
            "n": n,
            "chance": chance,
            "layer": chosen,
            "pooling": cfg.pooling,
            "normalize": cfg.normalize,
            # ranks break ties towards the lower index, so identical vectors score 1/n
            "collapsed": bool(top["top1_mean"] <= chance),
            "by_layer": by_layer,
        }
        summary[f"top1_{lang}"] = round(top["top1_mean"], 4)
        log.info(
            "XSR %s layer %d: xx->en %.3f en->xx %.3f (n=%d)",
            lang,
            chosen,
            top["top1_xx2en"],
            top["top1_en2xx"],
            n,
        )
    write_json_atomic(ctx.out_dir / "metrics.json", metrics)
    return summary
