"""The `align` stage: word-align one language's parallel pool and held-out pairs.

Writes ``pairs.jsonl`` (adjustment/continual-learning pool) and ``heldout.jsonl`` (distance
analysis), both filtered as the authors do (≤64 words, one-to-one links, identical tokens dropped).
When gold alignments exist (synthetic world) the chosen aligner is also scored by AER against them.
"""

from __future__ import annotations

import json
import logging
from dataclasses import replace
from typing import Any

from repro.align import HELDOUT_FILE, PAIRS_FILE
from repro.align.api import align_records, score_aligner
from repro.data.bundle import Bundle, read_jsonl, write_jsonl
from repro.errors import DataError
from repro.workflow.jobs import StageContext

log = logging.getLogger(__name__)


def run(ctx: StageContext) -> dict[str, Any]:
    job = ctx.stage_config
    cfg, lang = job.align, job.lang
    bundle = Bundle.load(ctx.input_path("data"))
    if lang not in bundle.parallel:
        raise DataError(
            bundle.path("bundle.json"),
            lang,
            f"no parallel data for language {lang!r} (have {sorted(bundle.parallel)})",
        )
    stats: dict[str, Any] = {"lang": lang, "method": cfg.method}
    for name, table in ((PAIRS_FILE, bundle.parallel), (HELDOUT_FILE, bundle.parallel_heldout)):
        if lang not in table:
            continue
        records = read_jsonl(bundle.path(table[lang]))
        aligned, st = align_records(records, cfg)
        stats[name] = st
        if name == "pairs" and any(r.get("alignment") for r in records):
            # gold links exist (synthetic world): score our own aligner against them (AER)
            scored = cfg if cfg.method != "gold" else replace(cfg, method="ibm1")
            stats["aer"] = {"method": scored.method, **score_aligner(records, scored)}
        write_jsonl(ctx.out_dir / name, aligned)
    (ctx.out_dir / "stats.json").write_text(json.dumps(stats, indent=1, sort_keys=True))
    return {"pairs": stats.get("pairs", {}).get("n_out"), "method": cfg.method}
