"""What every task module provides, and the task-agnostic helpers they share.

Tasks know data and heads, not loops: a task module turns records into model
features, builds or loads its ``AutoModelFor...`` head, and turns raw model outputs back into
per-example prediction records and corpus metrics. :mod:`repro.loops.finetune` and
:mod:`repro.loops.evaluate` own the loops and never look inside a record.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from repro.errors import ArtifactError

if TYPE_CHECKING:
    import torch
    from transformers import PreTrainedModel, PreTrainedTokenizerBase

    from repro.config import EvalConfig

Feature = dict[str, Any]  # input_ids, token_type_ids, attention_mask (+ training labels)

# Keys a collator pads, and the value it pads with ("pad" = the tokenizer's pad id).
PAD_VALUES: dict[str, Any] = {
    "input_ids": "pad",
    "token_type_ids": 0,
    "attention_mask": 0,
    "labels": -100,
}
MODEL_INPUTS: tuple[str, ...] = ("input_ids", "token_type_ids", "attention_mask")


@dataclass(frozen=True)
class FeatureConfig:
    """How records become features; saved with the fine-tuned model so evaluation matches."""

    max_seq_length: int = 128
    doc_stride: int = 128  # QA: overlap (tokens) between consecutive windows, as HF run_qa

    def to_json(self) -> dict[str, int]:
        return {"max_seq_length": self.max_seq_length, "doc_stride": self.doc_stride}


@dataclass
class Encoded:
    """Evaluation features plus whatever the task needs to map outputs back to records."""

    features: list[Feature]
    meta: Any = None
    notes: dict[str, Any] = field(default_factory=dict)


class TaskModule(Protocol):
    """The module-level interface of ``repro.tasks.<name>``."""

    NAME: str
    RECORD_KIND: str  # validator name in repro.records.VALIDATORS
    OUTPUTS: tuple[str, ...]  # model output fields the evaluation loop collects
    PER_TOKEN: bool  # outputs have a sequence axis (trimmed to each feature's length)
    LABEL_KEYS: tuple[str, ...]  # training targets in a feature (Trainer label_names)

    def build_model(self, encoder_dir: str | Path) -> PreTrainedModel: ...
    def load_model(self, model_dir: str | Path) -> PreTrainedModel: ...
    def encode_train(
        self, records: Sequence[Mapping], tokenizer: PreTrainedTokenizerBase, fcfg: FeatureConfig
    ) -> list[Feature]: ...
    def encode_eval(
        self, records: Sequence[Mapping], tokenizer: PreTrainedTokenizerBase, fcfg: FeatureConfig
    ) -> Encoded: ...
    def decode(
        self,
        records: Sequence[Mapping],
        encoded: Encoded,
        outputs: Mapping[str, list[np.ndarray]],
        ecfg: EvalConfig,
    ) -> list[dict]: ...
    def score(
        self, predictions: Sequence[Mapping], records: Sequence[Mapping], ecfg: EvalConfig
    ) -> dict[str, Any]: ...


def collate(
    features: Sequence[Mapping[str, Any]],
    pad_token_id: int,
    *,
    pad_to: int | None = None,
    keys: Sequence[str] | None = None,
) -> dict[str, torch.Tensor]:
    """Pad list-valued fields to the longest feature (or ``pad_to``); scalars become a tensor.

    Dynamic padding is exact for BERT: padded positions are masked out of attention, so a
    feature's outputs do not depend on its batch (up to float rounding).
    """
    import torch

    keys = list(keys) if keys is not None else list(features[0].keys())
    batch: dict[str, torch.Tensor] = {}
    for key in keys:
        values = [f[key] for f in features]
        if isinstance(values[0], (list, tuple, np.ndarray)):
            width = max(len(v) for v in values)
            if pad_to is not None:
                if width > pad_to:
                    raise ValueError(f"feature of length {width} exceeds pad_to={pad_to}")
                width = pad_to
            fill = PAD_VALUES.get(key, 0)
            fill = pad_token_id if fill == "pad" else fill
            out = np.full((len(values), width), fill, dtype=np.int64)
            for i, v in enumerate(values):
                out[i, : len(v)] = v
            batch[key] = torch.from_numpy(out)
        else:
            batch[key] = torch.tensor(values, dtype=torch.long)
    return batch


class Collator:
    """Trainer-compatible collator (picklable, unlike a lambda)."""

    def __init__(self, pad_token_id: int, keys: Sequence[str] | None = None) -> None:
        self.pad_token_id = pad_token_id
        self.keys = tuple(keys) if keys is not None else None

    def __call__(self, features: Sequence[Mapping[str, Any]]) -> dict[str, torch.Tensor]:
        return collate(features, self.pad_token_id, keys=self.keys)


class FeatureDataset:
    """A list of features as a map-style dataset (``torch.utils.data.Dataset`` protocol)."""

    def __init__(self, features: Sequence[Feature]) -> None:
        self.features = list(features)

    def __len__(self) -> int:
        return len(self.features)

    def __getitem__(self, idx: int) -> Feature:
        return self.features[idx]


def pad_token_id(tokenizer: PreTrainedTokenizerBase) -> int:
    pid = tokenizer.pad_token_id
    if pid is None:
        raise ArtifactError(f"tokenizer {type(tokenizer).__name__} has no pad token")
    return int(pid)


def head_loaders(
    auto_class: str, labels: Sequence[str] = ()
) -> tuple[Callable[[str | Path], PreTrainedModel], Callable[[str | Path], PreTrainedModel]]:
    """A task module's ``build_model`` (fresh head on an encoder) and ``load_model`` (a
    fine-tuned model), for the transformers auto class named ``auto_class``."""

    def build_model(encoder_dir: str | Path) -> PreTrainedModel:
        return build_head(auto_class, encoder_dir, labels=labels)

    def load_model(model_dir: str | Path) -> PreTrainedModel:
        return load_head(auto_class, model_dir)

    return build_model, load_model


def _auto_class(name: str) -> Any:
    """A transformers auto class by name, imported only when a model is built (the task
    modules stay importable without loading transformers)."""
    import transformers

    return getattr(transformers, name)


def build_head(
    auto_class: str, encoder_dir: str | Path, labels: Sequence[str] = ()
) -> PreTrainedModel:
    """A task model whose encoder weights come from ``encoder_dir`` and whose head is fresh;
    ``labels`` name a classification head's outputs (none for span extraction).

    The head's random init draws from the global torch RNG, so callers seed first (the paper's
    scripts call ``set_seed`` before model creation).
    """
    import torch

    from repro.model.io import quiet_transformers

    config_kwargs: dict[str, Any] = {}
    if labels:
        config_kwargs = {
            "num_labels": len(labels),
            "id2label": dict(enumerate(labels)),
            "label2id": {lab: i for i, lab in enumerate(labels)},
        }
    try:
        with quiet_transformers():
            model = _auto_class(auto_class).from_pretrained(
                str(encoder_dir), dtype=torch.float32, trust_remote_code=False, **config_kwargs
            )
    except (OSError, ValueError) as exc:
        raise ArtifactError(f"{encoder_dir}: cannot build task model: {exc}") from exc
    return model


def load_head(auto_class: str, model_dir: str | Path) -> PreTrainedModel:
    """A fine-tuned task model, in eval mode; missing weights are an error, not a fresh head."""
    import torch

    from repro.model.io import quiet_transformers

    try:
        with quiet_transformers():
            model, info = _auto_class(auto_class).from_pretrained(
                str(model_dir),
                dtype=torch.float32,
                trust_remote_code=False,
                output_loading_info=True,
            )
    except (OSError, ValueError) as exc:
        raise ArtifactError(f"{model_dir}: cannot load task model: {exc}") from exc
    if info.get("missing_keys"):
        raise ArtifactError(
            f"{model_dir}: task model weights missing: "
            f"{sorted(info['missing_keys'])}; is this a fine-tuned model dir?"
        )
    model.eval()
    return model


def is_collapsed(score: float, chance: float, margin: float) -> bool:
    """A run is collapsed when its score is within ``margin`` of chance (or below it)."""
    return bool(score <= chance + margin)


def read_records(kind: str, path: str | Path, *, limit: int = 0) -> list[dict]:
    """Validated records of ``kind`` from a JSONL file (the first ``limit`` when > 0)."""
    from repro.data.bundle import iter_jsonl
    from repro.records import validate_all

    records: list[dict] = []
    for rec in iter_jsonl(Path(path)):
        records.append(rec)
        if limit and len(records) >= limit:
            break
    return validate_all(kind, records, path)
