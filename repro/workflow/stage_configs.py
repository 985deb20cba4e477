"""The typed config of each stage's job: what the graph builds, the stage reads and the cost
model prices, one frozen dataclass per stage, made of the sections the profile config already has.

A job's key hashes :meth:`StageConfig.key_dict`, whose layout is the one jobs were keyed by before
these classes existed: a field that was absent then (a QA-only or continual-learning-only knob,
a pretraining option at its old meaning) is left out of the dict, so adding a field never
recomputes an artifact. ``of`` parses a job's dict back (defaults fill what a partial dict
leaves out; an unknown key fails with the stage's name).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from repro.config import (
    AdjustConfig,
    AlignConfig,
    ContinualConfig,
    DistancesConfig,
    EvalConfig,
    FinetuneConfig,
    ModelConfig,
    PretrainConfig,
    RetrieveConfig,
    TaskTrainConfig,
)
from repro.configtools import from_dict, to_dict
from repro.data.hub.sources import HubDataConfig
from repro.data.local_bundle import LocalDataConfig


class StageConfig:
    """Shared behaviour: the key form and the parse of one stage's job config."""

    stage: ClassVar[str] = ""
    omit_when_none: ClassVar[tuple[str, ...]] = ()  # fields the key leaves out while unset

    def key_dict(self) -> dict[str, Any]:
        out = to_dict(self)
        for name in self.omit_when_none:
            if out[name] is None:
                del out[name]
        return out

    @classmethod
    def of(cls, raw: Mapping[str, Any]) -> Any:
        return from_dict(cls, raw, prefix=cls.stage)


@dataclass(frozen=True)
class DataJob(StageConfig):
    """The bundle of one data source. ``world`` is the synthetic world's key form
    (:func:`repro.data.world.config.world_key_config`: knobs still off are left out), parsed
    into a ``WorldConfig`` by the stage; ``manifest_sha256`` ties a local bundle to the files."""

    stage: ClassVar[str] = "data"
    omit_when_none: ClassVar[tuple[str, ...]] = ("world", "local", "manifest_sha256", "hub")

    source: str = "synthetic"
    world: Mapping[str, Any] | None = None
    local: LocalDataConfig | None = None
    manifest_sha256: str | None = None
    hub: HubDataConfig | None = None


@dataclass(frozen=True)
class PretrainJob(StageConfig):
    """The tiny BERT pretrained here with MLM."""

    stage: ClassVar[str] = "pretrain"

    model: ModelConfig = ModelConfig()
    pretrain: PretrainConfig = PretrainConfig()

    def key_dict(self) -> dict[str, Any]:
        out = super().key_dict()
        pre = out["pretrain"]
        if pre["sentences_per_row"] == 1:  # the default before packing existed
            del pre["sentences_per_row"]
        if not pre["contiguous_rows"]:
            del pre["contiguous_rows"]
        return out


@dataclass(frozen=True)
class HubModelJob(StageConfig):
    """A hub (or local) checkpoint copied into the store; only its name is keyed."""

    stage: ClassVar[str] = "hub_model"

    model: ModelConfig = ModelConfig(source="hub")

    def key_dict(self) -> dict[str, Any]:
        return {"model": {"name": self.model.name}}


@dataclass(frozen=True)
class AlignJob(StageConfig):
    """Word alignments of one language's parallel pool and held-out pairs."""

    stage: ClassVar[str] = "align"

    align: AlignConfig = AlignConfig()
    lang: str = ""


@dataclass(frozen=True)
class AdjustJob(StageConfig):
    """One adjustment run over ``langs`` (one language, or all for a joint adjustment)."""

    stage: ClassVar[str] = "adjust"

    adjust: AdjustConfig = AdjustConfig()
    langs: tuple[str, ...] = ()


@dataclass(frozen=True)
class FinetuneJob(StageConfig):
    """One fine-tuning run. Only what the run reads is keyed: the QA window stride for QA,
    the adjustment's pooling and [CLS]/[SEP] links for continual learning."""

    stage: ClassVar[str] = "finetune"
    omit_when_none: ClassVar[tuple[str, ...]] = ("qa_doc_stride", "pooling", "align_cls_sep")

    task: str = "nli"
    train: TaskTrainConfig = TaskTrainConfig()
    seed: int = 1
    bf16: bool = False
    continual: ContinualConfig | None = None
    cl_langs: tuple[str, ...] = ()
    qa_doc_stride: int | None = None
    pooling: str | None = None
    align_cls_sep: bool | None = None

    # what an absent key means: the profile defaults the graph would have filled in
    @property
    def doc_stride(self) -> int:
        return FinetuneConfig.qa_doc_stride if self.qa_doc_stride is None else self.qa_doc_stride

    @property
    def cl_pooling(self) -> str:
        return AdjustConfig.pooling if self.pooling is None else self.pooling

    @property
    def cl_align_cls_sep(self) -> bool:
        return AdjustConfig.align_cls_sep if self.align_cls_sep is None else self.align_cls_sep


@dataclass(frozen=True)
class EvaluateJob(StageConfig):
    """Predictions and metrics of one fine-tuned model on the named evaluation sets."""

    stage: ClassVar[str] = "evaluate"

    task: str = "nli"
    evaluate: EvalConfig = EvalConfig()
    sets: tuple[str, ...] = ()


@dataclass(frozen=True)
class RetrieveJob(StageConfig):
    """Sentence retrieval of one encoder in ``langs``."""

    stage: ClassVar[str] = "retrieve"

    retrieve: RetrieveConfig = RetrieveConfig()
    langs: tuple[str, ...] = ()


@dataclass(frozen=True)
class DistancesJob(StageConfig):
    """Related vs unrelated word distances of one model in ``langs``."""

    stage: ClassVar[str] = "distances"

    distances: DistancesConfig = DistancesConfig()
    langs: tuple[str, ...] = ()
    pooling: str = "avg"


STAGE_CONFIGS: dict[str, type] = {
    c.stage: c
    for c in (
        DataJob,
        PretrainJob,
        HubModelJob,
        AlignJob,
        AdjustJob,
        FinetuneJob,
        EvaluateJob,
        RetrieveJob,
        DistancesJob,
    )
}
