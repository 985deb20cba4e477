"""Experiment configuration: frozen dataclasses with the paper's defaults, layered by profiles.

Resolution order: dataclass defaults (the paper, docs/paper.md §4–6) → profile TOML
(``repro/profiles/<name>.toml``) → ``--config FILE`` → ``--set a.b=v``. A misspelt key or bad
value fails with the valid choices and a "did you mean" suggestion.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from repro.align.api import AlignConfig
from repro.configtools import deep_merge, from_dict, parse_override, set_path, to_dict
from repro.data.hub import HubDataConfig
from repro.data.local_bundle import LocalDataConfig
from repro.data.synthetic import WorldConfig
from repro.errors import ConfigError
from repro.languages import check_languages
from repro.records import TARGET_LANGUAGES

PROFILES = ("smoke", "mini", "paper", "cao")


def _check_choice(name: str, value: Any, choices: tuple) -> None:
    if value not in choices:
        raise ConfigError(f"{name}: {value!r} is not one of {list(choices)}")


def _check_positive(name: str, value: float, *, zero_ok: bool = False) -> None:
    if value < 0 or (value == 0 and not zero_ok):
        raise ConfigError(f"{name}: must be {'≥' if zero_ok else '>'} 0, got {value!r}")


@dataclass(frozen=True)
class DataConfig:
    """Where task and parallel data come from (the only profile-specific code path)."""

    source: str = "synthetic"  # synthetic | local (REPRO_DATA_DIR) | hub (datasets.load_dataset)
    cache_dir: str = ""  # hub: datasets cache dir ("" = HF default)

    def __post_init__(self) -> None:
        _check_choice("data.source", self.source, ("synthetic", "local", "hub"))


@dataclass(frozen=True)
class ModelConfig:
    """The encoder: a tiny BERT pretrained by the package, or a hub checkpoint."""

    source: str = "pretrain"  # pretrain (tiny BERT, smoke/mini) | hub
    name: str = "bert-base-multilingual-cased"  # hub id when source = hub
    vocab_size: int = 2500
    hidden_size: int = 128
    num_hidden_layers: int = 4
    num_attention_heads: int = 2
    intermediate_size: int = 512
    max_position_embeddings: int = 256

    def __post_init__(self) -> None:
        _check_choice("model.source", self.source, ("pretrain", "hub"))
        for f in (
            "vocab_size",
            "hidden_size",
            "num_hidden_layers",
            "num_attention_heads",
            "intermediate_size",
            "max_position_embeddings",
        ):
            _check_positive(f"model.{f}", getattr(self, f))
        if self.hidden_size % self.num_attention_heads:
            raise ConfigError("model.hidden_size must be divisible by model.num_attention_heads")


@dataclass(frozen=True)
class PretrainConfig:
    """MLM pretraining of the tiny model (smoke/mini only); step-based budget."""

    steps: int = 2000
    batch_size: int = 128
    learning_rate: float = 1e-3
    warmup_ratio: float = 0.06
    weight_decay: float = 0.01
    mask_probability: float = 0.15
    max_seq_length: int = 64
    seed: int = 0
    bf16: bool = True
    # Sentences of one language packed into each row ([CLS] s1 [SEP] s2 [SEP] ..., cut at
    # max_seq_length); batch_size still counts sentences, so a step sees the same text. 1: one
    # sentence a row. Longer contexts are a multilinguality lever (docs/calibration.md).
    sentences_per_row: int = 1
    # Packed rows take consecutive sentences (one monolingual document of the synthetic world,
    # world.doc_sentences = sentences_per_row) instead of independent random ones.
    contiguous_rows: bool = False

    def __post_init__(self) -> None:
        _check_positive("pretrain.steps", self.steps)
        _check_positive("pretrain.sentences_per_row", self.sentences_per_row)
        if self.sentences_per_row > self.batch_size:
            raise ConfigError("pretrain.sentences_per_row must not exceed pretrain.batch_size")
        _check_positive("pretrain.learning_rate", self.learning_rate)
        if not 0 < self.mask_probability < 1:
            raise ConfigError("pretrain.mask_probability must be in (0, 1)")


@dataclass(frozen=True)
class AdjustConfig:
    """Cross-lingual adjustment (Cao et al. 2020 as ported by Efimov et al., docs/paper.md §4)."""

    mode: str = "per_language"  # per_language (Efimov) | joint (Cao et al. 2020, one model)
    max_pairs: int = (
        30_000  # pairs sampled per language (paper: unknown, 30K assumed, docs/paper.md §12.1)
    )
    learning_rate: float = 5e-5
    batch_size: int = 32
    warmup_ratio: float = 0.1  # linear warm-up over 10% of pairs, then constant
    epochs: int = 1
    pooling: str = "avg"  # avg | first | last sub-word pooling
    english_target: str = "current"  # current (Efimov: trainable en side) | frozen (Cao's code)
    align_cls_sep: bool = True  # add [CLS]-[CLS] and [SEP]-[SEP] links
    regularizer_weight: float = 1.0
    adam_betas: tuple[float, float] = (0.9, 0.98)
    adam_eps: float = 1e-9
    bucket_by_length: bool = True
    bf16: bool = False
    seed: int = 0

    def __post_init__(self) -> None:
        _check_choice("adjust.mode", self.mode, ("per_language", "joint"))
        _check_choice("adjust.pooling", self.pooling, ("avg", "first", "last"))
        _check_choice("adjust.english_target", self.english_target, ("current", "frozen"))
        _check_positive("adjust.max_pairs", self.max_pairs)
        _check_positive("adjust.learning_rate", self.learning_rate)
        _check_positive("adjust.batch_size", self.batch_size)
        _check_positive("adjust.regularizer_weight", self.regularizer_weight, zero_ok=True)


@dataclass(frozen=True)
class TaskTrainConfig:
    """Per-task fine-tuning hyper-parameters (docs/paper.md §5)."""

    learning_rate: float = 5e-5
    num_train_epochs: float = 2.0
    batch_size: int = 32
    max_seq_length: int = 128
    warmup_ratio: float = 0.0  # paper: linear decay to 0, no warm-up
    weight_decay: float = 0.0
    adam_eps: float = 1e-6
    max_train_examples: int = 0  # 0 = all

    def __post_init__(self) -> None:
        _check_positive("learning_rate", self.learning_rate)
        _check_positive("num_train_epochs", self.num_train_epochs)
        _check_positive("batch_size", self.batch_size)


@dataclass(frozen=True)
class ContinualConfig:
    """Continual learning during fine-tuning (docs/paper.md §6): per-element MSE, weights 0.01 / 1."""

    align_weight: float = 0.01
    anchor_weight: float = 1.0
    pairs_per_step: int = 16
    pool_size: int = 30_000

    def __post_init__(self) -> None:
        _check_positive("finetune.continual.align_weight", self.align_weight, zero_ok=True)
        _check_positive("finetune.continual.anchor_weight", self.anchor_weight, zero_ok=True)
        _check_positive("finetune.continual.pairs_per_step", self.pairs_per_step)


@dataclass(frozen=True)
class FinetuneConfig:
    seeds: tuple[int, ...] = (1, 2, 3)
    bf16: bool = False
    nli: TaskTrainConfig = TaskTrainConfig(learning_rate=5e-5, num_train_epochs=2.0)
    ner: TaskTrainConfig = TaskTrainConfig(learning_rate=2e-5, num_train_epochs=3.0)
    qa: TaskTrainConfig = TaskTrainConfig(
        learning_rate=3e-5, num_train_epochs=2.0, max_seq_length=384
    )
    qa_doc_stride: int = 128
    continual: ContinualConfig = ContinualConfig()

    def __post_init__(self) -> None:
        if not self.seeds:
            raise ConfigError("finetune.seeds: at least one fine-tuning seed is needed")
        if len(set(self.seeds)) != len(self.seeds):
            raise ConfigError(f"finetune.seeds: duplicate seeds in {self.seeds}")


@dataclass(frozen=True)
class EvalConfig:
    batch_size: int = 64
    bucket_by_length: bool = True  # length-bucketed dynamic padding
    n_best: int = 20
    max_answer_length: int = 30
    qa_metric: str = "squad"  # squad (authors' choice) | mlqa (reported beside it)
    collapse_margin: float = 0.05  # flag a run within this of chance
    max_examples: int = 0  # 0 = all

    def __post_init__(self) -> None:
        _check_choice("evaluate.qa_metric", self.qa_metric, ("squad", "mlqa"))


@dataclass(frozen=True)
class RetrieveConfig:
    """XSR (Tatoeba protocol, docs/paper.md §5): mean pooling incl. specials, cosine, top-1."""

    layer: int = -1  # hidden_states index; mBERT: 8 (XTREME's 7 after dropping embeddings)
    pooling: str = "mean"
    normalize: str = "per_vector"  # per_vector | cao (Cao et al.'s whole-matrix normalisation)
    batch_size: int = 128

    def __post_init__(self) -> None:
        _check_choice("retrieve.pooling", self.pooling, ("mean", "cls"))
        _check_choice("retrieve.normalize", self.normalize, ("per_vector", "cao"))


@dataclass(frozen=True)
class DistancesConfig:
    layer: int = -1  # last layer: the one the adjustment acts on
    max_sentences: int = 300
    seed: int = 0


@dataclass(frozen=True)
class SweepConfig:
    """Parallel-data-size sweep (claim C11): adjustment with several corpus sizes."""

    enabled: bool = True
    sizes: tuple[int, ...] = (5_000, 10_000, 30_000, 100_000, 250_000)
    tasks: tuple[str, ...] = ("nli", "qa")
    seeds: tuple[int, ...] = ()  # () = every fine-tuning seed (paired runs, as the main grid)


@dataclass(frozen=True)
class ClaimsConfig:
    alpha: float = 0.05
    n_resamples: int = 10_000
    seed: int = 12345
    correction: str = "holm"
    resample_seeds: bool = True

    def __post_init__(self) -> None:
        if not 0 < self.alpha < 1:
            raise ConfigError("claims.alpha must be in (0, 1)")
        _check_choice("claims.correction", self.correction, ("holm", "bonferroni", "none"))


@dataclass(frozen=True)
class RunConfig:
    """How to run (never part of an artifact key)."""

    executor: str = "local"  # local | submitit
    jobs: int = 1
    device: str = "auto"  # auto | cpu | cuda
    torch_threads: int = 2
    slurm_partition: str = ""
    slurm_gpus_per_node: int = 1
    slurm_timeout_min: int = 720
    slurm_cpus_per_task: int = 0  # 0 = Slurm's default
    slurm_array_parallelism: int = 64
    procs_per_job: int = 1  # >1: adjust/finetune jobs run under torchrun DDP (docs/running.md)
    # Write reports/<profile>/predictions/ in the official scorers' formats (the paper
    # profile does; repro/report/predictions.py)
    prediction_files: bool = False

    def __post_init__(self) -> None:
        _check_choice("run.executor", self.executor, ("local", "submitit"))
        _check_choice("run.device", self.device, ("auto", "cpu", "cuda"))
        _check_positive("run.jobs", self.jobs)
        _check_positive("run.procs_per_job", self.procs_per_job)
        _check_positive("run.torch_threads", self.torch_threads)


@dataclass(frozen=True)
class ExperimentConfig:
    profile: str = "paper"
    description: str = ""
    languages: tuple[str, ...] = TARGET_LANGUAGES
    data: DataConfig = DataConfig()
    world: WorldConfig = WorldConfig()
    local: LocalDataConfig = LocalDataConfig()
    hub: HubDataConfig = HubDataConfig()
    model: ModelConfig = ModelConfig()
    pretrain: PretrainConfig = PretrainConfig()
    align: AlignConfig = AlignConfig()
    adjust: AdjustConfig = AdjustConfig()
    finetune: FinetuneConfig = FinetuneConfig()
    evaluate: EvalConfig = EvalConfig()
    retrieve: RetrieveConfig = RetrieveConfig()
    distances: DistancesConfig = DistancesConfig()
    sweep: SweepConfig = SweepConfig()
    claims: ClaimsConfig = ClaimsConfig()
    run: RunConfig = field(default_factory=RunConfig)

    def __post_init__(self) -> None:
        if not self.languages:
            raise ConfigError("languages: at least one target language is needed")
        if len(set(self.languages)) != len(self.languages):
            raise ConfigError(f"languages: duplicates in {self.languages}")
        if "en" in self.languages:
            raise ConfigError("languages: the target languages; English is the source, always in")
        check_languages(
            self.data.source,
            self.languages,
            self.world.languages[1:],
            wikimatrix_dir=self.hub.wikimatrix_dir,
        )


def profile_path(name: str) -> Path:
    if name not in PROFILES:
        raise ConfigError(f"unknown profile {name!r}; choose one of {list(PROFILES)}")
    return Path(str(resources.files("repro") / "profiles" / f"{name}.toml"))


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with open(path, "rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError as exc:
        raise ConfigError(f"config file {path} not found") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"config file {path}: invalid TOML: {exc}") from exc


def _profile_table(name: str, seen: tuple[str, ...] = ()) -> dict[str, Any]:
    """A profile's TOML; ``extends = "other"`` layers it over that profile first."""
    if name in seen:
        raise ConfigError(f"profile {name!r} extends itself ({' -> '.join((*seen, name))})")
    raw = _read_toml(profile_path(name))
    base = raw.pop("extends", None)
    if base is None:
        return raw
    return deep_merge(_profile_table(str(base), (*seen, name)), raw)


def resolve(
    profile: str = "smoke",
    config_files: tuple[str | Path, ...] = (),
    overrides: tuple[str, ...] = (),
) -> ExperimentConfig:
    """Defaults → profile → config files → ``--set`` overrides."""
    data: dict[str, Any] = {"profile": profile}
    data = deep_merge(data, _profile_table(profile))
    for f in config_files:
        data = deep_merge(data, _read_toml(Path(f)))
    for expr in overrides:
        parts, value = parse_override(expr)
        data = set_path(data, parts, value)
    return from_dict(ExperimentConfig, data)


def as_dict(cfg: ExperimentConfig) -> dict[str, Any]:
    return to_dict(cfg)
