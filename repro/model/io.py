"""Saving and loading encoders: the one place that knows the ``encoder/`` and ``model/`` layouts.

An artifact holds either ``encoder/`` (a bare ``BertModel`` + tokenizer: pretrain, hub_model,
adjust) or ``model/`` (a fine-tuned task model + tokenizer: finetune). ``load_encoder`` returns the
base encoder of either, so retrieval and distance analyses work on any of them. Weights are
safetensors only and remote code is never trusted (tests/reliability/test_security.py).
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from repro.errors import ArtifactError
from repro.fsio import staged_dir

if TYPE_CHECKING:
    from transformers import BertModel, PreTrainedModel, PreTrainedTokenizerBase

log = logging.getLogger(__name__)

ENCODER_DIR = "encoder"
TASK_MODEL_DIR = "model"
WEIGHTS_FILE = "model.safetensors"


@contextlib.contextmanager
def quiet_transformers() -> Iterator[None]:
    """Silence weight-loading/writing progress bars and load reports (restored afterwards)."""
    from transformers.utils import logging as hf_logging

    verbosity = hf_logging.get_verbosity()
    bars = hf_logging.is_progress_bar_enabled()
    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    try:
        yield
    finally:
        hf_logging.set_verbosity(verbosity)
        if bars:
            hf_logging.enable_progress_bar()


def _is_model_dir(path: Path) -> bool:
    return (path / "config.json").is_file() and (
        (path / WEIGHTS_FILE).is_file() or (path / f"{WEIGHTS_FILE}.index.json").is_file()
    )


def save_encoder(
    model: PreTrainedModel, tokenizer: PreTrainedTokenizerBase, out_dir: str | Path
) -> Path:
    """Write model (safetensors) + tokenizer into ``out_dir`` atomically (temp dir + rename).

    A model with a head (``BertForMaskedLM``...) is saved as its base encoder.
    """
    from transformers import BertModel

    out_dir = Path(out_dir)
    if not isinstance(model, BertModel) and getattr(model, "base_model", model) is not model:
        model = model.base_model
    with staged_dir(out_dir) as tmp, quiet_transformers():
        model.save_pretrained(tmp, safe_serialization=True)
        tokenizer.save_pretrained(tmp)
    return out_dir


def find_model_dir(artifact_dir: str | Path) -> Path:
    """The model directory inside an artifact: ``encoder/``, else ``model/``, else itself."""
    root = Path(artifact_dir)
    for cand in (root / ENCODER_DIR, root / TASK_MODEL_DIR, root):
        if _is_model_dir(cand):
            return cand
    raise ArtifactError(
        f"{root}: no model found (expected {ENCODER_DIR}/ or {TASK_MODEL_DIR}/ with config.json "
        f"and {WEIGHTS_FILE})"
    )


def _has_pooler(model_dir: Path) -> bool:
    from safetensors import safe_open

    files = sorted(model_dir.glob("*.safetensors"))
    for f in files:
        with safe_open(str(f), "pt") as fh:
            if any("pooler" in k.split(".") for k in fh.keys()):  # noqa: SIM118
                return True
    return False


def load_tokenizer(artifact_dir_or_model_dir: str | Path) -> PreTrainedTokenizerBase:
    from transformers import AutoTokenizer

    model_dir = find_model_dir(artifact_dir_or_model_dir)
    try:
        with quiet_transformers():
            return AutoTokenizer.from_pretrained(str(model_dir), trust_remote_code=False)
    except (OSError, ValueError) as exc:
        raise ArtifactError(f"{model_dir}: cannot load tokenizer: {exc}") from exc


def load_encoder(
    artifact_dir_or_model_dir: str | Path, *, device: str = "cpu"
) -> tuple[BertModel, PreTrainedTokenizerBase]:
    """The base ``BertModel`` (eval mode) and tokenizer of an encoder or fine-tuned task model.

    A task model without a pooler (token classification, QA) loads without one, so no weight is
    ever randomly initialised and two loads give identical modules.
    """
    from transformers import BertModel

    model_dir = find_model_dir(artifact_dir_or_model_dir)
    try:
        with quiet_transformers():
            model, info = BertModel.from_pretrained(
                str(model_dir),
                add_pooling_layer=_has_pooler(model_dir),
                output_loading_info=True,
                trust_remote_code=False,
            )
    except (OSError, ValueError) as exc:
        raise ArtifactError(f"{model_dir}: cannot load encoder: {exc}") from exc
    if info.get("missing_keys"):
        raise ArtifactError(f"{model_dir}: encoder weights missing: {sorted(info['missing_keys'])}")
    tokenizer = load_tokenizer(model_dir)
    model.to(device)
    model.eval()
    return model, tokenizer
