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
  PAPER_SIZES, the one table of them, and docs/paper.md §2), capped by ``max_train_examples``/``evaluate.max_examples``;
* epochs (``num_train_epochs``, ``adjust.epochs``), adjustment pairs
  (``min(adjust.max_pairs, pool)`` per language), continual-learning pairs per step and pool;
* mean whitespace words per example, :data:`WORDS` (measured on the staged real files and on a
  generated synthetic world, see there) × sub-words per word (:data:`FERTILITY`) + special
  tokens, × a padding factor, capped by the config's ``max_seq_length``.

Throughput (:data:`GPU`, :data:`CPU`):

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
from repro.data.hub.sources import PAPER_SIZES
from repro.workflow.jobs import Job


@dataclass(frozen=True)
class Throughput:
    name: str
    flops_per_s: float  # sustained, bf16/mixed precision, large batches
    step_overhead_s: float  # fixed cost of one optimizer or inference step
    fp32_factor: float  # time multiplier of an fp32 stage
    source: str


GPU = Throughput(
    "GPU-hours (1 × A100-80GB class)",
    7.3e13,
    0.05,
    6.0,
    "MosaicBERT BERT-Base baseline: 1.11e5 tokens/s/A100 (Portes et al. 2023)",
)
CPU = Throughput(
    "CPU-hours (the project's 2-core box)",
    5.8e11,
    0.064,
    2.3,
    "measured 2026-11-24 on the 2-core box (MLM and adjustment steps, bf16 on AMX)",
)
ALIGN_PAIRS_PER_S = 3000.0  # IBM-1, 22-word pairs, 2 cores (measured); scales with words²
ALIGN_REF_WORDS = 22.0

#: Mean whitespace words per example (per side for pairs and XSR), by data source.
#: synthetic: a generated world (WorldConfig defaults); local/hub: the staged real files
#: (MNLI train subset 35.3, XNLI test 24–38 → 30, WikiANN en train 8.0 / test 6–7, SQuAD dev
#: 134 (question + context), XQuAD 125–193 → 154, Tatoeba 6–9 → 7, FLORES/news 21.6 → 22;
#: WikiMatrix ≤ 64-word sentences are assumed as long as news sentences [I]).
_STAGED_WORDS = {
    "mono": 15.0,
    "pair": 22.0,
    "nli_train": 35.3,
    "nli_eval": 30.0,
    "ner_train": 8.0,
    "ner_eval": 6.6,
    "qa_train": 134.0,
    "qa_eval": 154.0,
    "xsr": 7.0,
}
WORDS: dict[str, dict[str, float]] = {
    "synthetic": {
        "mono": 6.4,
        "pair": 6.4,
        "nli_train": 13.3,
        "nli_eval": 13.3,
        "ner_train": 6.5,
        "ner_eval": 6.5,
        "qa_train": 22.8,
        "qa_eval": 22.8,
        "xsr": 6.4,
    },
    "local": _STAGED_WORDS,
    "hub": {**_STAGED_WORDS, "mono": 22.0},  # hub monolingual text: news-like sentences
}
#: Sub-words per word: mBERT ≈ 1.5 over en/es/ru/vi/hi (Ács 2019, "Exploring BERT's
#: vocabulary": 1.2–1.9 for most languages) [I]; the tiny in-package WordPiece vocabularies
#: (2,500–8,000 pieces) ≈ 1.3 [I].
FERTILITY = {"hub": 1.5, "pretrain": 1.3}
PAD_TRAIN = 1.5  # random 32-example batches pad to their longest (MNLI p95/mean = 1.8)
PAD_BUCKETED = 1.1  # length-bucketed batches (adjustment, evaluation, retrieval)
QA_FEATURES_PER_QUESTION = 1.03  # SQuAD at 384/128: the long-context tail adds windows [I]

#: Paper-scale counts: the hub builder's own table (docs/paper.md §2), read here, not copied.
PAPER_TRAIN = {task: PAPER_SIZES[f"train.{task}"] for task in ("nli", "ner", "qa")}
PAPER_EVAL = {
    key.removeprefix("eval."): n for key, n in PAPER_SIZES.items() if key.startswith("eval.")
}
PAPER_EVAL["ner.wikiann"] = PAPER_SIZES["eval.ner.wikiann.en"]
PAPER_EVAL["qa.tydiqa"] = PAPER_SIZES["eval.qa.tydiqa.ru"]
#: Local (mini) sizes the config does not state: QA training = SQuAD dev minus XQuAD paragraphs
#: plus TyDiQA en train (local_bundle docstring); MLQA dev sizes; cleaned parallel pairs.
LOCAL_QA_TRAIN = 9_380 + 3_696
LOCAL_MLQA_DEV = {"en": 1_148, "es": 500, "vi": 511, "hi": 507}
LOCAL_PARALLEL = {"es": 21_700, "ru": 29_900, "vi": 5_800, "hi": 7_600}
XQUAD_SIZE = 1_190


@dataclass(frozen=True)
class Shape:
    layers: int
    hidden: int
    ffn: int
    vocab: int

    @property
    def params(self) -> float:
        """Non-embedding parameters (what the FLOPs per token scale with)."""
        return self.layers * (4 * self.hidden**2 + 2 * self.hidden * self.ffn)

    def forward_flops(self, ctx: float) -> float:
        """FLOPs of one forward pass per token at context length ``ctx`` (Kaplan et al.)."""
        return 2 * self.params + 2 * self.layers * ctx * self.hidden

    def train_flops(self, ctx: float) -> float:
        return 3 * self.forward_flops(ctx)


MBERT = Shape(layers=12, hidden=768, ffn=3072, vocab=119_547)


@dataclass(frozen=True)
class JobCost:
    flops: float
    steps: int
    bf16: bool
    resource: str  # "gpu" | "cpu"
    seconds: float


def model_shape(cfg: ExperimentConfig) -> Shape:
    if cfg.model.source == "hub":
        return MBERT
    m = cfg.model
    return Shape(m.num_hidden_layers, m.hidden_size, m.intermediate_size, m.vocab_size)


def device_kind(cfg: ExperimentConfig) -> str:
    """The paper profile (hub model) plans for GPUs; the tiny-model profiles for this CPU."""
    return "gpu" if cfg.model.source == "hub" else "cpu"


class Sizes:
    """Example counts and lengths of one profile, from its config (nothing is loaded)."""

    def __init__(self, cfg: ExperimentConfig) -> None:
        self.cfg = cfg
        self.source = cfg.data.source
        self.words = WORDS[self.source]
        self.fertility = FERTILITY[cfg.model.source]

    def tokens(
        self, kind: str, *, specials: int = 2, pad: float = PAD_BUCKETED, cap: int | None = None
    ) -> float:
        n = (self.words[kind] * self.fertility + specials) * pad
        return float(min(n, cap)) if cap else n

    def train_examples(self, task: str) -> int:
        c = self.cfg
        if self.source == "synthetic":
            n = getattr(c.world, f"n_{task}_train")
        elif self.source == "local":
            n = {
                "nli": c.local.n_nli_train,
                "ner": c.local.n_ner_train,
                "qa": c.local.n_qa_train or LOCAL_QA_TRAIN,
            }[task]
        else:
            n = PAPER_TRAIN[task]
        return int(n)

    def eval_examples(self, set_name: str) -> int:
        task, dataset, lang = set_name.split(".", 2)
        c = self.cfg
        if self.source == "synthetic":
            n = getattr(c.world, f"n_{task}_test")
        elif self.source == "local":
            if task == "qa":
                full = (
                    LOCAL_MLQA_DEV.get(lang.split("-")[-1], 500)
                    if dataset == "mlqa"
                    else XQUAD_SIZE
                )
                n = min(full, c.local.n_qa_test) if c.local.n_qa_test else full
            else:
                n = getattr(c.local, f"n_{task}_test")
        else:
            context = lang.split("-")[-1]
            if task == "ner":
                n = PAPER_EVAL["ner.wikiann.hi" if lang == "hi" else "ner.wikiann"]
            elif dataset == "mlqa":
                other = [x for x in lang.split("-") if x != "en"]
                n = PAPER_EVAL.get(f"qa.mlqa.{other[0] if other else context}", 5_000)
            else:  # a size the table lacks (another language's TyDiQA, say): the common one
                n = PAPER_EVAL.get(f"{task}.{dataset}", 1_000)
        if c.evaluate.max_examples:
            n = min(n, c.evaluate.max_examples)
        return int(n)

    def parallel_pool(self, lang: str) -> int:
        c = self.cfg
        if self.source == "synthetic":
            return c.world.n_parallel
        if self.source == "local":
            return min(c.local.max_parallel or LOCAL_PARALLEL[lang], LOCAL_PARALLEL[lang])
        from repro.data.hub import HubDataConfig

        return HubDataConfig().n_parallel

    def xsr_pairs(self) -> int:
        if self.source == "synthetic":
            return self.cfg.world.n_xsr
        if self.source == "local":
            return self.cfg.local.n_xsr or 1000
        return 1000

    def align_pool(self, lang: str) -> int:
        return self.parallel_pool(lang)


def qa_features(sizes: Sizes, kind: str, max_len: int, stride: int) -> float:
    """Features per question: one window when question + context fit in ``max_len``, else the
    sliding windows that advance by ``max_len - stride - question`` tokens (HF ``run_qa``)."""
    full = sizes.tokens(kind, specials=3, pad=1.0)
    if full <= max_len:
        return QA_FEATURES_PER_QUESTION if sizes.source == "hub" else 1.0
    advance = max(16.0, max_len - stride - 20.0)  # ~20 question sub-words
    return 1.0 + math.ceil((full - max_len) / advance)


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
    c = job.config
    flops, steps, bf16, resource = 0.0, 0, True, kind
    if job.stage == "pretrain":
        pc = c["pretrain"]
        ctx = sizes.tokens("mono", pad=PAD_TRAIN, cap=pc["max_seq_length"])
        per_token = shape.train_flops(ctx) + 3 * 2 * shape.hidden * shape.vocab  # + MLM output
        steps = int(pc["steps"])
        flops = steps * pc["batch_size"] * ctx * per_token
        bf16 = bool(pc.get("bf16", False))
    elif job.stage == "adjust":
        a = c["adjust"]
        pairs = sum(min(a["max_pairs"], sizes.parallel_pool(x)) for x in c["langs"])
        pairs *= a["epochs"]
        side = sizes.tokens("pair")
        # trained model: fwd+bwd of both sides; frozen anchor: forward of the English side
        flops = pairs * side * (2 * shape.train_flops(side) + shape.forward_flops(side))
        steps = math.ceil(pairs / a["batch_size"])
        bf16 = bool(a.get("bf16", False))
    elif job.stage == "finetune":
        task, tc = c["task"], c["train"]
        n = sizes.train_examples(task)
        if tc.get("max_train_examples"):
            n = min(n, int(tc["max_train_examples"]))
        if task == "qa":
            n = math.ceil(
                n
                * qa_features(
                    sizes,
                    "qa_train",
                    tc["max_seq_length"],
                    c.get("qa_doc_stride", cfg.finetune.qa_doc_stride),
                )
            )
        ctx = _task_tokens(sizes, task, tc["max_seq_length"], train=True)
        steps = math.ceil(math.ceil(n / tc["batch_size"]) * tc["num_train_epochs"])
        flops = steps * tc["batch_size"] * ctx * shape.train_flops(ctx)
        cl = c.get("continual")
        if cl:
            side = sizes.tokens("pair")
            flops += steps * cl["pairs_per_step"] * 2 * side * shape.train_flops(side)
            pool = sum(min(cl["pool_size"], sizes.parallel_pool(x)) for x in c["cl_langs"])
            flops += pool * side * shape.forward_flops(side)  # the anchor's cached vectors
        bf16 = bool(c.get("bf16", False))
    elif job.stage == "evaluate":
        task = c["task"]
        max_len = getattr(cfg.finetune, task).max_seq_length
        ctx = _task_tokens(sizes, task, max_len, train=False)
        batch = c["evaluate"]["batch_size"]
        windows = (
            qa_features(sizes, "qa_eval", max_len, cfg.finetune.qa_doc_stride)
            if task == "qa"
            else 1.0
        )
        for name in c["sets"]:
            n = math.ceil(sizes.eval_examples(name) * windows)
            flops += n * ctx * shape.forward_flops(ctx)
            steps += math.ceil(n / batch)
        bf16 = False
    elif job.stage == "retrieve":
        n = sizes.xsr_pairs() * 2 * len(c["langs"])
        ctx = sizes.tokens("xsr")
        flops = n * ctx * shape.forward_flops(ctx)
        steps = math.ceil(n / c["retrieve"]["batch_size"])
        bf16 = False
    elif job.stage == "distances":
        n = c["distances"]["max_sentences"] * 2 * len(c["langs"])
        ctx = sizes.tokens("pair")
        flops = n * ctx * shape.forward_flops(ctx)
        steps = math.ceil(n / 64)
        bf16 = False
    elif job.stage == "align":
        resource = "cpu"
        if c["align"]["method"] != "gold":
            words = sizes.words["pair"]
            pairs = sizes.align_pool(c["lang"])
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
