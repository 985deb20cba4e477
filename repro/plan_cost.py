"""A documented cost model for ``repro plan``: GPU-hours per stage before anything runs.

Training FLOPs ≈ 6 × parameters × tokens (forward + backward; Kaplan et al. 2020), inference
FLOPs ≈ 2 × parameters × tokens. Throughput is a sustained fraction of peak: mBERT-base on one
A100/H100 in bf16 sustains roughly 30% of ~312 TFLOP/s dense in HF-style loops (padding,
dataloaders, small batches), i.e. ~1e14 FLOP/s. Token counts come from the profile's sizes.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from repro.config import ExperimentConfig
from repro.pipeline import Job

SUSTAINED_FLOPS = {"gpu": 1.0e14, "cpu": 2.0e10}  # FLOP/s actually achieved, not peak
MBERT_PARAMS = 178e6  # bert-base-multilingual-cased incl. the 120k-token embedding matrix
MBERT_NON_EMBEDDING_PARAMS = 85e6  # what the FLOPs per token scale with
# Paper-scale example counts and mean tokens per example (notes/paper.md §2, §5).
TRAIN_TOKENS = {"nli": 392_702 * 128, "ner": 20_000 * 48, "qa": 88_600 * 384}
EVAL_TOKENS = {"nli": 5_010 * 5 * 64, "ner": 10_000 * 5 * 48, "qa": 1_190 * 16 * 384}


def _params(cfg: ExperimentConfig) -> float:
    if cfg.model.source == "hub":
        return MBERT_NON_EMBEDDING_PARAMS
    m = cfg.model
    return 12 * m.num_hidden_layers * m.hidden_size**2


def job_flops(cfg: ExperimentConfig, job: Job) -> float:
    p = _params(cfg)
    c = job.config
    if job.stage == "pretrain":
        pc = c["pretrain"]
        return 6 * p * pc["steps"] * pc["batch_size"] * pc["max_seq_length"] * 0.5
    if job.stage == "adjust":
        a = c["adjust"]
        # trained model fwd+bwd on both sides of each pair + a frozen anchor forward (English)
        pairs = a["max_pairs"] * len(c["langs"]) * a["epochs"]
        return (6 * 2 + 2) * p * pairs * 40
    if job.stage == "finetune":
        task = c["task"]
        tokens = TRAIN_TOKENS[task] * c["train"]["num_train_epochs"]
        if c["train"].get("max_train_examples"):
            tokens *= min(1.0, c["train"]["max_train_examples"] / (TRAIN_TOKENS[task] / 128))
        factor = 1.0
        if c.get("continual"):
            # 16 extra pairs per 32-example step, both sides trained, anchor cached
            factor += 6 * 2 * 16 * 40 / (6 * 32 * (TRAIN_TOKENS[task] / 392_702 / 1.0 or 1))
        return 6 * p * tokens * factor
    if job.stage == "evaluate":
        return 2 * p * EVAL_TOKENS[c["task"]] / 5
    if job.stage == "retrieve":
        return 2 * p * 2_000 * 32 * len(c["langs"])
    if job.stage == "distances":
        return 2 * p * 600 * 40 * len(c["langs"])
    return 0.0


def estimate(cfg: ExperimentConfig, jobs: Iterable[Job]) -> dict[str, Any]:
    device = "gpu" if cfg.model.source == "hub" else "cpu"
    per_stage: dict[str, float] = {}
    for j in jobs:
        hours = job_flops(cfg, j) / SUSTAINED_FLOPS[device] / 3600
        per_stage[j.stage] = per_stage.get(j.stage, 0.0) + hours
    return {"device": "GPU (A100/H100 class)" if device == "gpu" else "CPU (2 cores)",
            "basis": "6·params·tokens train, 2·params·tokens inference; "
                     f"{SUSTAINED_FLOPS[device]:.0e} FLOP/s sustained",
            "per_stage_hours": {k: round(v, 3) for k, v in sorted(per_stage.items())},
            "total_hours": round(sum(per_stage.values()), 3)}
