"""What the cost model assumes (the derivations are in :mod:`repro.workflow.cost`): measured and
published throughput, words per example by data source, sub-words per word, padding, dataset
sizes, and the model shapes; :class:`Sizes` turns one profile's config into example counts and
token lengths without loading anything."""

from __future__ import annotations

import math
from dataclasses import dataclass

from repro.config import ExperimentConfig
from repro.data.hub.sources import PAPER_SIZES


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
    **{key.removeprefix("eval."): n for key, n in PAPER_SIZES.items() if key.startswith("eval.")},
    "ner.wikiann": PAPER_SIZES["eval.ner.wikiann.en"],
    "qa.tydiqa": PAPER_SIZES["eval.qa.tydiqa.ru"],
}


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
