"""The `pretrain` stage (tiny BERT, MLM on the bundle's monolingual text) and `hub_model`.

The stage reads the bundle, trains or reloads the WordPiece tokenizer, and hands the encoded
corpus to :func:`repro.loops.pretrain.pretrain_mlm` (the loop, its checkpoints and resume).
Sequences are single sentences (words pre-split, so sub-word -> word ids match the data's words)
or packed rows, in language-balanced batches (:mod:`repro.loops.mlm_batches`).
"""

from __future__ import annotations

import json
import logging
import os
import random
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from repro.data.bundle import Bundle
from repro.errors import ConfigError, DataError, ReproError
from repro.fsio import staged_dir
from repro.loops.mlm_batches import (
    SpecialIds,
    encode_corpus,
)
from repro.loops.pretrain import peak_rss_mb, pretrain_mlm

if TYPE_CHECKING:
    from repro.config import ModelConfig, PretrainConfig
    from repro.workflow.jobs import StageContext

log = logging.getLogger(__name__)

TOKENIZER_SAMPLE_PER_LANG = 20_000  # sentences per language for WordPiece training


# -- corpus ------------------------------------------------------------------------------------
def read_mono(bundle: Bundle) -> dict[str, list[str]]:
    """Non-empty lines of each language's monolingual text, in bundle language order."""
    out: dict[str, list[str]] = {}
    for lang in bundle.languages:
        rel = bundle.mono.get(lang)
        if not rel:
            raise DataError(
                bundle.path("bundle.json"),
                f"mono.{lang}",
                "pretraining needs monolingual text for every bundle language",
            )
        path = bundle.path(rel)
        lines: list[str] = []
        try:
            with open(path, "rb") as fh:  # decoded per line so a bad byte names its line
                for lineno, raw in enumerate(fh, 1):
                    try:
                        text = raw.decode("utf-8").strip()
                    except UnicodeDecodeError as exc:
                        raise DataError(
                            path, f"line {lineno}", f"invalid UTF-8: {exc.reason}"
                        ) from exc
                    if text:
                        lines.append(text)
        except FileNotFoundError as exc:
            raise DataError(path, None, f"monolingual text of {lang!r} not found") from exc
        if not lines:
            raise DataError(path, None, f"no non-empty sentence for language {lang!r}")
        out[lang] = lines
    return out


def tokenizer_sample(corpora: Mapping[str, Sequence[str]], per_lang: int, seed: int) -> list[str]:
    """A language-balanced, seeded sample of sentences for tokenizer training."""
    rng = random.Random(seed)
    sample: list[str] = []
    for lang in sorted(corpora):
        lines = corpora[lang]
        if len(lines) <= per_lang:
            sample.extend(lines)
        else:
            sample.extend(lines[i] for i in sorted(rng.sample(range(len(lines)), per_lang)))
    return sample


def _load_or_train_tokenizer(
    work_dir: Path,
    corpora: Mapping[str, Sequence[str]],
    model_cfg: ModelConfig,
    cfg: PretrainConfig,
) -> Any:
    """Kept in ``work_dir`` so a resumed run continues with the very same vocabulary."""
    from transformers import AutoTokenizer

    from repro.model.io import quiet_transformers
    from repro.model.tiny import train_wordpiece

    tok_dir = work_dir / "tokenizer"
    if not (tok_dir / "tokenizer.json").is_file():
        sample = tokenizer_sample(corpora, TOKENIZER_SAMPLE_PER_LANG, cfg.seed)
        tokenizer = train_wordpiece(
            sample, model_cfg.vocab_size, model_max_length=model_cfg.max_position_embeddings
        )
        with staged_dir(tok_dir) as tmp, quiet_transformers():
            tokenizer.save_pretrained(str(tmp))
    # always the saved copy: loading adds init kwargs (is_local, ...) that save_pretrained writes
    # out again, so a fresh and a resumed run must both load it to save identical files
    with quiet_transformers():
        return AutoTokenizer.from_pretrained(str(tok_dir), trust_remote_code=False)


def _encoder_with_pooler(mlm: Any, seed: int) -> Any:
    """The saved encoder carries a seeded pooler, so every later load is complete and identical."""
    import torch
    from transformers import BertModel

    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        encoder = BertModel(mlm.config, add_pooling_layer=True)
    missing, unexpected = encoder.load_state_dict(mlm.bert.state_dict(), strict=False)
    if unexpected or any(not k.startswith("pooler.") for k in missing):  # pragma: no cover
        raise ReproError(f"encoder copy mismatch: missing {missing}, unexpected {unexpected}")
    encoder.eval()
    return encoder


def run(ctx: StageContext) -> dict[str, Any]:
    from repro.env import seed_everything
    from repro.model.io import ENCODER_DIR, save_encoder
    from repro.model.tiny import make_tiny_mlm

    job = ctx.stage_config
    model_cfg, cfg = job.model, job.pretrain
    seed_everything(cfg.seed)
    t0 = time.perf_counter()
    bundle = Bundle.load(ctx.input_path("data"))
    corpora = read_mono(bundle)
    tokenizer = _load_or_train_tokenizer(Path(ctx.work_dir), corpora, model_cfg, cfg)
    max_len = min(cfg.max_seq_length, model_cfg.max_position_embeddings)
    if max_len < 3:
        raise ConfigError("pretrain.max_seq_length must leave room for [CLS] x [SEP] (≥ 3)")
    corpus = encode_corpus(tokenizer, corpora, max_len)
    prep_s = time.perf_counter() - t0
    log.info(
        "pretrain: %d sentences in %d languages, vocab %d, prepared in %.1f s",
        len(corpus.lengths),
        len(corpus.langs),
        len(tokenizer),
        prep_s,
    )
    model = make_tiny_mlm(model_cfg, len(tokenizer), seed=cfg.seed)
    result = pretrain_mlm(
        model, corpus, SpecialIds.of(tokenizer), cfg, work_dir=ctx.work_dir, device=ctx.device
    )
    save_encoder(_encoder_with_pooler(model.cpu(), cfg.seed), tokenizer, ctx.out_dir / ENCODER_DIR)
    (ctx.out_dir / "mlm_curve.json").write_text(
        json.dumps(
            {"steps": result.steps, "batch_size": cfg.batch_size, "points": result.curve}, indent=1
        )
    )
    last = result.curve[-1] if result.curve else {}
    return {
        "final_loss": last.get("loss"),
        "masked_accuracy": last.get("accuracy"),
        "first_loss": result.curve[0]["loss"] if result.curve else None,
        "steps": result.steps,
        "resumed_from": result.resumed_from,
        "train_wall_s": result.wall_s,
        "prep_wall_s": round(prep_s, 3),
        "steps_per_s": result.steps_per_s,
        "peak_rss_mb": peak_rss_mb(),
        "vocab_size": len(tokenizer),
        "n_parameters": sum(p.numel() for p in model.bert.parameters()),
        "sentences": {
            lang: int(n) for lang, n in zip(corpus.langs, corpus.lang_size.tolist(), strict=True)
        },
        "tokens_per_sentence": corpus.tokens_per_sentence(),
    }


def run_hub_model(ctx: StageContext) -> dict[str, Any]:
    """Copy a hub (or local) checkpoint into the artifact, so later stages never touch the hub."""
    from transformers import AutoModel, AutoTokenizer

    from repro.model.io import ENCODER_DIR, quiet_transformers, save_encoder

    name = ctx.stage_config.model.name
    try:
        with quiet_transformers():
            tokenizer = AutoTokenizer.from_pretrained(name, trust_remote_code=False)
            model = AutoModel.from_pretrained(name, trust_remote_code=False)
    except (OSError, ValueError) as exc:
        offline = os.environ.get("HF_HUB_OFFLINE", "") not in ("", "0")
        where = os.environ.get("HF_HOME", "~/.cache/huggingface")
        hint = (
            f"offline (HF_HUB_OFFLINE=1) the model must already be in the HF cache "
            f"(HF_HOME={where}) or model.name must be a local directory"
            if offline
            else "check the name, the network, or use a local directory"
        )
        raise ReproError(f"cannot load model.name={name!r}: {hint} ({exc})") from exc
    if getattr(model.config, "model_type", None) != "bert":
        raise ConfigError(
            f"model.name={name!r} is a {model.config.model_type!r} model; the "
            "pipeline needs a BERT encoder (e.g. bert-base-multilingual-cased)"
        )
    save_encoder(model, tokenizer, ctx.out_dir / ENCODER_DIR)
    return {
        "name": name,
        "n_parameters": sum(p.numel() for p in model.parameters()),
        "vocab_size": len(tokenizer),
        "peak_rss_mb": peak_rss_mb(),
    }
