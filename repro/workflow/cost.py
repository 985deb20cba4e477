"""A documented cost model for ``repro plan``: device-hours per stage before anything runs.

Every job's time is ``FLOPs × precision factor / sustained FLOP/s + steps × per-step overhead``.

FLOPs (Kaplan et al. 2020, "Scaling laws for neural language models", §2.1): a forward pass
costs ``2·N + 2·n_layer·n_ctx·d`` per token, N = non-embedding parameters
(``n_layer·(4·d² + 2·d·d_ff)``; 85M for mBERT, 0.79M for the 4×128 tiny model); training =
3 × forward (backward ≈ 2 × forward). MLM pretraining adds the output layer ``d·V``.

Tokens come from the profile's config and data sizes:

* example counts: the synthetic world's ``world.n_*`` (smoke), the ``data.*`` subset sizes of the
  local files (mini), the paper's datasets (paper: MNLI 392,702; WikiANN en 20,000; SQuAD
  87,599; XNLI 5,010 per language; WikiANN test 10,000, hi 1,000; XQuAD 1,190; MLQA test es
  5,253 / vi 5,495 / hi 4,918 / en 11,590; TyDiQA ru 812; Tatoeba 1,000 — ``repro.data.hub``
  PAPER_SIZES, the one table of them, and docs/paper.md §2), capped by
  ``max_train_examples``/``evaluate.max_examples``;
* epochs (``num_train_epochs``, ``adjust.epochs``), adjustment pairs
  (``min(adjust.max_pairs, pool)`` per language), continual-learning pairs per step and pool;
* mean whitespace words per example, ``WORDS`` (measured on the staged real files and on a
  generated synthetic world, see there) × sub-words per word (``FERTILITY``) + special tokens,
  × a padding factor, capped by the config's ``max_seq_length``.

Throughput (``GPU``, ``CPU``). These constants live in :mod:`repro.workflow.cost_inputs`:

* GPU — published: MosaicBERT (Portes et al., NeurIPS 2023) trained its Hugging Face BERT-Base
  baseline for 70,000 steps × 4,096 sequences × 128 tokens in 11.5 h on 8 × A100-80GB (bf16):
  1.11e5 tokens/s per GPU × 6.6e8 training FLOPs per token (BERT-Base with its 30,522-word MLM
  output layer) = 7.3e13 FLOP/s per A100 (23 % of the 312 TFLOP/s bf16 peak). An H100 is
  faster; the estimate is for A100-class GPUs. The per-step overhead (kernel launches, optimizer,
  data collation of small 32-example batches that do not fill the GPU) is an assumption [I]:
  0.05 s. fp32 stages (no TF32: PyTorch's default) run ``fp32_factor`` = 6× slower: NVIDIA's
  DeepLearningExamples BERT-Large SQuAD fine-tuning shows a 2.9–3.5× mixed-precision speed-up
  on V100, whose fp16/fp32 peak ratio is 8×; the A100's bf16/fp32 peak ratio is 16×, hence ≈ 6×
  [I].
* CPU — measured on this project's 2-core machine (2026-11-24, bf16 autocast on AMX,
  hidden 128 × 4 layers): MLM pretraining 0.1 s per step of 128 × 24 tokens and adjustment
  0.07 s per step of 32 pairs (10k pairs in 22 s) give, solving for the two unknowns,
  5.8e11 FLOP/s and 0.064 s per step; fp32 was 2.3× slower there (2.1–2.6× across stages).
  Alignment (IBM-1, 5 iterations, both directions) runs at 3,000 pairs of 22 words per second
  on that machine (measured for this module), scaling with words². Against the other timings
  measured then the smoke estimates are 0.9× (pretraining 174 s vs 193 s), 1.0× (adjustment) and
  1.3–2× too high (fine-tuning: NLI 95 s vs 54–72 s, NER 30 s vs 11–16 s, QA 77 s vs 42–62 s,
  evaluation included).

The result is an order-of-magnitude plan, not a promise: it ignores data loading, tokenisation,
start-up and model loading, and small batches fill a GPU less than the published large-batch
run. Compare with the measured ``stage_seconds`` in ``reports/<profile>/run.json`` after a run.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from repro.config import ExperimentConfig
from repro.workflow.cost_inputs import (
    ALIGN_PAIRS_PER_S,
    ALIGN_REF_WORDS,
    CPU,
    GPU,
    PAD_BUCKETED,
    PAD_TRAIN,
    Sizes,
    Throughput,
    device_kind,
    model_shape,
    qa_features,
)
from repro.workflow.jobs import Job


@dataclass(frozen=True)
class JobCost:
    flops: float
    steps: int
    bf16: bool
    resource: str  # "gpu" | "cpu"
    seconds: float


def _task_tokens(sizes: Sizes, task: str, max_len: int, *, train: bool) -> float:
    kind = f"{task}_{'train' if train else 'eval'}"
    specials = 3 if task in ("nli", "qa") else 2
    return sizes.tokens(
        kind, specials=specials, pad=PAD_TRAIN if train else PAD_BUCKETED, cap=max_len
    )


def job_cost(cfg: ExperimentConfig, job: Job, hardware: Throughput | None = None) -> JobCost:
    """FLOPs, steps and seconds of one job under the profile's sizes and ``hardware``."""
    kind = device_kind(cfg)
    hw = hardware or (GPU if kind == "gpu" else CPU)
    shape = model_shape(cfg)
    sizes = Sizes(cfg)
    flops, steps, bf16, resource = 0.0, 0, True, kind
    if job.stage == "pretrain":
        pc = job.stage_config.pretrain
        ctx = sizes.tokens("mono", pad=PAD_TRAIN, cap=pc.max_seq_length)
        per_token = shape.train_flops(ctx) + 3 * 2 * shape.hidden * shape.vocab  # + MLM output
        steps = pc.steps
        flops = steps * pc.batch_size * ctx * per_token
        bf16 = pc.bf16
    elif job.stage == "adjust":
        adj = job.stage_config
        a = adj.adjust
        pairs = sum(min(a.max_pairs, sizes.parallel_pool(x)) for x in adj.langs) * a.epochs
        side = sizes.tokens("pair")
        # trained model: fwd+bwd of both sides; frozen anchor: forward of the English side
        flops = pairs * side * (2 * shape.train_flops(side) + shape.forward_flops(side))
        steps = math.ceil(pairs / a.batch_size)
        bf16 = a.bf16
    elif job.stage == "finetune":
        ft = job.stage_config
        task, tc = ft.task, ft.train
        n = sizes.train_examples(task)
        if tc.max_train_examples:
            n = min(n, tc.max_train_examples)
        if task == "qa":
            n = math.ceil(n * qa_features(sizes, "qa_train", tc.max_seq_length, ft.doc_stride))
        ctx = _task_tokens(sizes, task, tc.max_seq_length, train=True)
        steps = math.ceil(math.ceil(n / tc.batch_size) * tc.num_train_epochs)
        flops = steps * tc.batch_size * ctx * shape.train_flops(ctx)
        cl = ft.continual
        if cl:
            side = sizes.tokens("pair")
            flops += steps * cl.pairs_per_step * 2 * side * shape.train_flops(side)
            pool = sum(min(cl.pool_size, sizes.parallel_pool(x)) for x in ft.cl_langs)
            flops += pool * side * shape.forward_flops(side)  # the anchor's cached vectors
        bf16 = ft.bf16
    elif job.stage == "evaluate":
        ev = job.stage_config
        task = ev.task
        max_len = getattr(cfg.finetune, task).max_seq_length
        ctx = _task_tokens(sizes, task, max_len, train=False)
        batch = ev.evaluate.batch_size
        windows = (
            qa_features(sizes, "qa_eval", max_len, cfg.finetune.qa_doc_stride)
            if task == "qa"
            else 1.0
        )
        for name in ev.sets:
            n = math.ceil(sizes.eval_examples(name) * windows)
            flops += n * ctx * shape.forward_flops(ctx)
            steps += math.ceil(n / batch)
        bf16 = False
    elif job.stage == "retrieve":
        rj = job.stage_config
        n = sizes.xsr_pairs() * 2 * len(rj.langs)
        ctx = sizes.tokens("xsr")
        flops = n * ctx * shape.forward_flops(ctx)
        steps = math.ceil(n / rj.retrieve.batch_size)
        bf16 = False
    elif job.stage == "distances":
        dj = job.stage_config
        n = dj.distances.max_sentences * 2 * len(dj.langs)
        ctx = sizes.tokens("pair")
        flops = n * ctx * shape.forward_flops(ctx)
        steps = math.ceil(n / 64)
        bf16 = False
    elif job.stage == "align":
        resource = "cpu"
        aj = job.stage_config
        if aj.align.method != "gold":
            words = sizes.words["pair"]
            pairs = sizes.align_pool(aj.lang)
            seconds = pairs / ALIGN_PAIRS_PER_S * (words / ALIGN_REF_WORDS) ** 2
            return JobCost(0.0, 0, False, resource, seconds)
        return JobCost(0.0, 0, False, resource, 0.0)
    else:  # data, hub_model: downloads and format conversion (I/O, minutes), not compute
        return JobCost(0.0, 0, False, "cpu", 0.0)
    seconds = flops * (1.0 if bf16 else hw.fp32_factor) / hw.flops_per_s
    seconds += steps * hw.step_overhead_s
    return JobCost(flops, steps, bf16, resource, seconds)


def job_flops(cfg: ExperimentConfig, job: Job) -> float:
    return job_cost(cfg, job).flops


def estimate(
    cfg: ExperimentConfig, jobs: Iterable[Job], cached: Iterable[str] = ()
) -> dict[str, Any]:
    """Hours per stage for ``jobs`` (all of them, and those not in ``cached`` keys)."""
    kind = device_kind(cfg)
    hw = GPU if kind == "gpu" else CPU
    done = set(cached)
    per_stage: dict[str, dict[str, Any]] = {}
    for j in jobs:
        cost = job_cost(cfg, j, hw)
        row = per_stage.setdefault(
            j.stage,
            {
                "jobs": 0,
                "cached": 0,
                "hours": 0.0,
                "to_run_hours": 0.0,
                "flops": 0.0,
                "steps": 0,
                "resource": cost.resource,
            },
        )
        hours = cost.seconds / 3600
        row["jobs"] += 1
        row["hours"] += hours
        row["flops"] += cost.flops
        row["steps"] += cost.steps
        if j.key in done:
            row["cached"] += 1
        else:
            row["to_run_hours"] += hours
    for row in per_stage.values():
        for k in ("hours", "to_run_hours"):
            row[k] = round(row[k], 4)
        row["flops"] = float(f"{row['flops']:.4g}")
    stages = dict(sorted(per_stage.items()))
    return {
        "device": hw.name,
        "basis": (
            f"2·N + 2·L·ctx·d FLOPs per token forward, ×3 to train; "
            f"{hw.flops_per_s:.2g} FLOP/s sustained ({hw.source}), "
            f"{hw.step_overhead_s} s per step, fp32 ×{hw.fp32_factor}"
        ),
        "per_stage_hours": {k: v["hours"] for k, v in stages.items()},
        "per_stage": stages,
        "total_hours": round(sum(v["hours"] for v in stages.values()), 3),
        "to_run_hours": round(sum(v["to_run_hours"] for v in stages.values()), 3),
        "hours_by_resource": {
            r: round(sum(v["hours"] for v in stages.values() if v["resource"] == r), 3)
            for r in sorted({v["resource"] for v in stages.values()})
        },
    }


def describe(est: Mapping[str, Any]) -> list[str]:
    """Lines for ``repro plan``: one per stage, then the totals."""
    lines = [
        f"estimated cost in {est['device']}",
        "  from a FLOP count of the model: at paper scale a duration; for the tiny encoders of "
        "smoke and mini only a ranking of jobs (tokenisation, start-up and QA post-processing "
        "dominate there: mini measured 1.6 CPU-h against 0.37 estimated)",
        f"  basis: {est['basis']}",
        f"  {'stage':10s} {'jobs':>5s} {'cached':>6s} {'hours':>10s} {'to run':>10s}  on",
    ]
    for stage, row in est["per_stage"].items():
        lines.append(
            f"  {stage:10s} {row['jobs']:5d} {row['cached']:6d} {row['hours']:10.3f} "
            f"{row['to_run_hours']:10.3f}  {row['resource'].upper()}"
        )
    lines.append(
        f"  {'total':10s} {'':5s} {'':6s} {est['total_hours']:10.3f} "
        f"{est['to_run_hours']:10.3f}  "
        + ", ".join(f"{h:.2f} h {r.upper()}" for r, h in est["hours_by_resource"].items())
    )
    return lines
