"""The `adjust` stage: cross-lingual adjustment of an encoder on aligned parallel pairs.

Config (:class:`~repro.workflow.stage_configs.AdjustJob`)
``{"adjust": AdjustConfig, "langs": [...]}``; inputs ``encoder`` and ``align_<lang>``
(``pairs.jsonl``). Samples ``adjust.max_pairs`` pairs per language (seeded per language, so
adding a language never changes another's sample); ``per_language`` mode takes exactly one
language (one model per language, as Efimov et al.), ``joint`` mode shuffles all languages'
pairs together into one model (Cao et al.). Writes ``encoder/`` and ``loss_curve.json``.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import numpy as np

from repro.adjust.objective import check_pair
from repro.align import PAIRS_FILE
from repro.data.bundle import iter_jsonl
from repro.env import lang_rng
from repro.errors import ConfigError, DataError
from repro.fsio import write_json_atomic
from repro.workflow.jobs import StageContext

log = logging.getLogger(__name__)


def load_pairs(path: Path) -> list[dict[str, Any]]:
    """Read and check aligned parallel records; errors name the file and line."""
    out = []
    for lineno, rec in enumerate(iter_jsonl(path), 1):
        if not rec.get("alignment"):
            raise DataError(
                path,
                rec.get("id", f"line {lineno}"),
                "pair has no alignment links (align stage output expected)",
            )
        check_pair(rec, source=path, index=lineno)
        out.append(rec)
    return out


def sample_pairs(
    records: list[dict[str, Any]], k: int, rng: np.random.Generator
) -> list[dict[str, Any]]:
    """``k`` records without replacement in random order (all of them when the pool is smaller)."""
    take = min(k, len(records))
    idx = rng.choice(len(records), size=take, replace=False)
    return [records[int(i)] for i in idx]


def _window(n_steps: int) -> int:
    """Steps averaged for the first/final losses (up to 10, at most a quarter of the run)."""
    return max(1, min(10, n_steps // 4))


def _mean(values: list[float]) -> float | None:
    return round(float(np.mean(values)), 6) if values else None


def run(ctx: StageContext) -> dict[str, Any]:
    from repro.env import seed_everything
    from repro.model.io import load_encoder, save_encoder

    job = ctx.stage_config
    cfg, langs = job.adjust, list(job.langs)
    if not langs:
        raise ConfigError("adjust: no languages given")
    if cfg.mode == "per_language" and len(langs) != 1:
        raise ConfigError(
            f"adjust.mode=per_language trains one model per language, got {langs}; "
            "use adjust.mode=joint for one model of several languages"
        )
    seed_everything(cfg.seed)
    pairs: list[dict[str, Any]] = []
    counts: dict[str, dict[str, int]] = {}
    for lang in langs:
        path = ctx.input_path(f"align_{lang}") / PAIRS_FILE
        pool = load_pairs(path)
        if not pool:
            raise DataError(path, None, "no aligned pairs")
        chosen = sample_pairs(pool, cfg.max_pairs, lang_rng(cfg.seed, lang))
        counts[lang] = {"pool": len(pool), "used": len(chosen)}
        if len(chosen) < cfg.max_pairs:
            log.warning(
                "adjust %s: only %d pairs available (max_pairs=%d)",
                lang,
                len(chosen),
                cfg.max_pairs,
            )
        pairs += chosen
    if len(langs) > 1:
        order = np.random.default_rng(cfg.seed).permutation(len(pairs))
        pairs = [pairs[int(i)] for i in order]

    model, tokenizer = load_encoder(ctx.input_path("encoder"), device=ctx.device)
    from repro.adjust.loop import adjust_encoder

    model, curve = adjust_encoder(
        model, tokenizer, pairs, cfg, device=ctx.device, work_dir=ctx.work_dir, progress=True
    )
    save_encoder(model.cpu(), tokenizer, ctx.out_dir / "encoder")
    curve["pairs_per_language"] = counts
    curve["langs"] = langs
    write_json_atomic(ctx.out_dir / "loss_curve.json", curve)
    k = _window(len(curve["align"]))
    return {
        "langs": langs,
        "pairs_per_language": {k: v["used"] for k, v in counts.items()},
        "steps": curve["n_steps"],
        "wall_s": curve["wall_s"],
        "pairs_per_s": curve["pairs_per_s"],
        "resumed_from_step": curve["resumed_from"],
        "first_align": _mean(curve["align"][:k]),
        "final_align": _mean(curve["align"][-k:]),
        "final_reg": _mean(curve["reg"][-k:]),
        "final_loss": _mean(curve["loss"][-k:]),
    }
