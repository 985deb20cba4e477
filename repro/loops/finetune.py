"""Task fine-tuning: one code path over the HF ``Trainer`` for NLI, NER and QA.

The paper's policy (docs/paper.md §5): AdamW (betas 0.9/0.999, eps 1e-6), linear decay to 0
without warm-up, no gradient clipping (the authors' ``*_no_trainer`` scripts never clip), the
model after the last step (no checkpoint selection), seed set before the head is created.
Checkpoints go to ``work_dir`` every ``save_steps`` so a killed run resumes where it stopped
(optimizer, scheduler, RNG and data order are restored, so the result is the same weights).

Continual learning (:mod:`repro.loops.continual`) plugs in through ``aux_loss``: a callable that the
trainer's ``compute_loss`` override adds to the task loss at every training step.
"""

from __future__ import annotations

import json
import logging
import math
import os
import shutil
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from repro.env import use_bf16
from repro.errors import ConfigError, DataError
from repro.fsio import staged_dir
from repro.tasks.base import Collator, FeatureConfig, FeatureDataset, pad_token_id

if TYPE_CHECKING:
    import torch
    from transformers import PreTrainedModel, PreTrainedTokenizerBase

    from repro.config import TaskTrainConfig
    from repro.tasks.base import TaskModule

log = logging.getLogger(__name__)
#: Seconds between two progress lines of a fine-tuning (the last step is always logged).
LOG_EVERY_S = 15.0

# aux_loss(model, global_step) -> {name: (weight, unweighted loss tensor)}; names are logged.
AuxLoss = Callable[["PreTrainedModel", int], Mapping[str, tuple[float, "torch.Tensor"]]]

TASK_INFO_FILE = "task.json"
CHECKPOINT_DIR = "checkpoints"
MAX_GRAD_NORM = 0.0  # no clipping, as the authors' no-trainer scripts


@dataclass
class FinetuneResult:
    model: PreTrainedModel
    tokenizer: PreTrainedTokenizerBase
    log: dict[str, Any]  # train_log.json
    summary: dict[str, Any]


def _trainer_class():
    """Defined lazily so importing this module does not import transformers."""
    from transformers import Trainer, TrainerCallback

    class _LogToLogger(TrainerCallback):
        """Progress as log lines (a cluster job's log has no progress bar): step of total,
        loss, rate and time left, at most one line every ``LOG_EVERY_S`` and the last step."""

        def __init__(self) -> None:
            self._t0 = self._last = None
            self._step0 = 0

        def on_train_begin(self, args, state, control, **kwargs):
            self._t0 = time.monotonic()
            self._last = -LOG_EVERY_S
            self._step0 = state.global_step  # a resumed run starts at its checkpoint's step

        def on_log(self, args, state, control, logs=None, **kwargs):
            now = time.monotonic()
            if self._t0 is None:
                self.on_train_begin(args, state, control)
            if logs and "train_runtime" in logs:  # the Trainer's closing summary
                log.info(
                    "finished %d steps in %.1f s, train loss %.4g",
                    state.global_step,
                    logs["train_runtime"],
                    logs.get("train_loss", float("nan")),
                )
                return
            final = state.max_steps and state.global_step >= state.max_steps
            if not logs or (now - self._t0 - self._last < LOG_EVERY_S and not final):
                return
            self._last = now - self._t0
            rate = (state.global_step - self._step0) / max(now - self._t0, 1e-9)
            left = (state.max_steps - state.global_step) / rate if rate and state.max_steps else 0
            log.info(
                "step %d/%d: %s; %.1f steps/s, about %.0f s left",
                state.global_step,
                state.max_steps,
                ", ".join(
                    f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}" for k, v in logs.items()
                ),
                rate,
                left,
            )

    class TaskTrainer(Trainer):
        """``Trainer`` whose loss is the task loss plus optional weighted auxiliary terms."""

        def __init__(self, *args: Any, aux_loss: AuxLoss | None = None, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.aux_loss = aux_loss
            self._sums: dict[str, Any] = {}
            self._counts: dict[str, int] = {}
            from transformers.trainer_callback import PrinterCallback

            self.remove_callback(PrinterCallback)  # it print()s every log line
            self.add_callback(_LogToLogger())

        def _track(self, name: str, value: torch.Tensor) -> None:
            v = value.detach().float()
            self._sums[name] = self._sums[name] + v if name in self._sums else v
            self._counts[name] = self._counts.get(name, 0) + 1

        def compute_loss(self, model, inputs, return_outputs=False, num_items_in_batch=None):
            loss, outputs = super().compute_loss(
                model, inputs, return_outputs=True, num_items_in_batch=num_items_in_batch
            )
            if model.training:
                self._track("task_loss", loss)
                if self.aux_loss is not None:
                    extra = self.aux_loss(
                        self.accelerator.unwrap_model(model), self.state.global_step
                    )
                    for name, (weight, value) in extra.items():
                        self._track(name, value)
                        loss = loss + weight * value
            return (loss, outputs) if return_outputs else loss

        def log(self, logs: dict[str, float], start_time: float | None = None) -> None:
            if "loss" in logs and self._counts:
                for name, total in self._sums.items():
                    logs[name] = round(float(total.item()) / self._counts[name], 6)
                self._sums, self._counts = {}, {}
            super().log(logs, start_time)

    return TaskTrainer


def last_complete_checkpoint(ckpt_root: Path) -> str | None:
    """The newest checkpoint the Trainer finished writing, or None.

    The Trainer writes a checkpoint directory file by file, ``trainer_state.json`` last; a kill
    in between leaves a torn directory that ``get_last_checkpoint`` would pick and every retry
    would then fail on. Torn directories are removed so the resume and the rotation skip them.
    """
    ckpt_root = Path(ckpt_root)
    if not ckpt_root.is_dir():
        return None
    complete: list[tuple[int, Path]] = []
    for d in ckpt_root.glob("checkpoint-*"):
        step = d.name.removeprefix("checkpoint-")
        if not (d.is_dir() and step.isdigit()):
            continue
        try:
            json.loads((d / "trainer_state.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            log.warning("removing incomplete checkpoint %s (interrupted while saving)", d)
            shutil.rmtree(d, ignore_errors=True)
            continue
        complete.append((int(step), d))
    return str(max(complete)[1]) if complete else None


def default_save_steps(total_steps: int) -> int:
    """Checkpoint about 10 times per run, at most every 500 steps."""
    return max(1, min(500, total_steps // 10))


def total_train_steps(n_features: int, cfg: TaskTrainConfig) -> int:
    return math.ceil(math.ceil(n_features / cfg.batch_size) * cfg.num_train_epochs)


def ddp_batch_arguments(global_batch_size: int) -> dict[str, Any]:
    """Trainer arguments that keep the configured (hashed) batch global under DDP.

    Added for ``repro.workflow.ddp`` (torchrun): each of ``WORLD_SIZE`` processes takes
    ``batch_size / WORLD_SIZE`` examples per step, and each rank's loss stays its own mean
    (``average_tokens_across_devices`` off: otherwise the Trainer multiplies the task loss by the
    world size for models that ignore ``num_items_in_batch``, which would shrink the continual
    learning term's relative weight). One process: ``per_device_train_batch_size`` = batch_size.
    """
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if global_batch_size % world:
        raise ConfigError(
            f"batch_size {global_batch_size} is not divisible by the {world} "
            "processes of this run; the global batch must split evenly"
        )
    return {
        "per_device_train_batch_size": global_batch_size // world,
        "average_tokens_across_devices": False,
    }


def training_arguments(
    cfg: TaskTrainConfig,
    *,
    output_dir: Path,
    seed: int,
    bf16: bool,
    device: str,
    label_names: Sequence[str],
    save_steps: int,
    logging_steps: int,
    max_steps: int = -1,
):
    from transformers import TrainingArguments

    if not 0 <= cfg.warmup_ratio < 1:
        raise ConfigError(f"warmup_ratio must be in [0, 1), got {cfg.warmup_ratio}")
    args = TrainingArguments(
        output_dir=str(output_dir),
        **ddp_batch_arguments(cfg.batch_size),
        num_train_epochs=cfg.num_train_epochs,
        max_steps=max_steps,
        learning_rate=cfg.learning_rate,
        lr_scheduler_type="linear",
        warmup_steps=cfg.warmup_ratio,  # < 1: a fraction of the total steps
        weight_decay=cfg.weight_decay,
        optim="adamw_torch",
        adam_beta1=0.9,
        adam_beta2=0.999,
        adam_epsilon=cfg.adam_eps,
        max_grad_norm=MAX_GRAD_NORM,
        gradient_accumulation_steps=1,
        seed=seed,
        data_seed=seed,
        bf16=use_bf16(device, bf16),  # fp32 on CPUs that only emulate bf16
        use_cpu=device == "cpu",
        report_to="none",
        save_strategy="steps",
        save_steps=save_steps,
        save_total_limit=1,
        save_only_model=False,
        eval_strategy="no",
        load_best_model_at_end=False,
        logging_strategy="steps",
        logging_steps=logging_steps,
        disable_tqdm=not sys.stderr.isatty(),
        remove_unused_columns=False,
        label_names=list(label_names),
        dataloader_num_workers=0,
        dataloader_pin_memory=device == "cuda",
        train_sampling_strategy="random",
    )
    # batch_size is the paper's GLOBAL batch: split it over DDP ranks / DataParallel GPUs
    replicas = max(1, args.world_size) * max(1, args.n_gpu)
    if replicas > 1:
        if cfg.batch_size % replicas:
            raise ConfigError(
                f"batch_size {cfg.batch_size} is not divisible by the "
                f"{replicas} devices it is split over"
            )
        args.per_device_train_batch_size = cfg.batch_size // replicas
    return args


def finetune(
    task: TaskModule,
    encoder_dir: str | Path,
    train_records: Sequence[Mapping],
    *,
    cfg: TaskTrainConfig,
    seed: int,
    work_dir: str | Path,
    bf16: bool = False,
    device: str = "cpu",
    doc_stride: int = 128,
    aux_loss: AuxLoss | None = None,
    save_steps: int | None = None,
    max_steps: int = -1,
    callbacks: Sequence[Any] = (),
) -> FinetuneResult:
    """Fine-tune ``task``'s head on top of the encoder in ``encoder_dir``; resumes from the
    newest checkpoint in ``work_dir`` if there is one."""
    from repro.env import seed_everything
    from repro.model.io import load_tokenizer, quiet_transformers

    if not train_records:
        raise DataError(None, None, f"no {task.NAME} training records")
    if cfg.max_train_examples:
        train_records = train_records[: cfg.max_train_examples]
    tokenizer = load_tokenizer(encoder_dir)
    fcfg = FeatureConfig(max_seq_length=cfg.max_seq_length, doc_stride=doc_stride)
    features = task.encode_train(train_records, tokenizer, fcfg)
    total = max_steps if max_steps > 0 else total_train_steps(len(features), cfg)
    save_steps = save_steps or default_save_steps(total)
    logging_steps = max(1, min(100, total // 50))

    seed_everything(seed)  # the head's init, as set_seed before model creation in the paper
    model = task.build_model(encoder_dir)
    ckpt_root = Path(work_dir) / CHECKPOINT_DIR
    args = training_arguments(
        cfg,
        output_dir=ckpt_root,
        seed=seed,
        bf16=bf16,
        device=device,
        label_names=task.LABEL_KEYS,
        save_steps=save_steps,
        logging_steps=logging_steps,
        max_steps=max_steps,
    )
    trainer = _trainer_class()(
        model=model,
        args=args,
        train_dataset=FeatureDataset(features),
        data_collator=Collator(pad_token_id(tokenizer)),
        aux_loss=aux_loss,
        callbacks=list(callbacks),
    )
    resume = last_complete_checkpoint(ckpt_root)
    if resume:
        log.info("resuming %s fine-tuning from %s", task.NAME, resume)
    t0 = time.perf_counter()
    with quiet_transformers():
        out = trainer.train(resume_from_checkpoint=resume)
    wall = time.perf_counter() - t0
    model = trainer.accelerator.unwrap_model(trainer.model)
    model.eval()
    history = list(trainer.state.log_history)
    train_logs = [h for h in history if "loss" in h]
    final = {k: v for k, v in (train_logs[-1] if train_logs else {}).items() if k.endswith("loss")}
    steps = int(trainer.state.global_step)
    summary = {
        "task": task.NAME,
        "steps": steps,
        "examples": len(train_records),
        "features": len(features),
        "train_loss": round(float(out.training_loss), 6),
        "final": final,
        "wall_s": round(wall, 3),
        "steps_per_s": round(steps / wall, 4) if wall > 0 else None,
        "resumed_from": Path(resume).name if resume else None,
    }
    train_log = {
        "summary": summary,
        "feature_config": fcfg.to_json(),
        "hyperparameters": {
            "seed": seed,
            "bf16": bf16,
            "save_steps": save_steps,
            "max_grad_norm": MAX_GRAD_NORM,
        },
        "log_history": history,
    }
    return FinetuneResult(model=model, tokenizer=tokenizer, log=train_log, summary=summary)


def save_task_model(
    model: PreTrainedModel,
    tokenizer: PreTrainedTokenizerBase,
    out_dir: str | Path,
    info: Mapping[str, Any],
) -> Path:
    """Write the task model, its tokenizer and ``task.json`` (task name and feature settings,
    which evaluation must reuse) atomically into ``out_dir``."""
    from repro.model.io import quiet_transformers

    out_dir = Path(out_dir)
    with staged_dir(out_dir) as tmp:
        with quiet_transformers():
            model.save_pretrained(tmp, safe_serialization=True)
            tokenizer.save_pretrained(tmp)
        (tmp / TASK_INFO_FILE).write_text(json.dumps(dict(info), indent=1, sort_keys=True))
    return out_dir


def read_task_info(model_dir: str | Path) -> dict[str, Any]:
    from repro.errors import ArtifactError

    path = Path(model_dir) / TASK_INFO_FILE
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ArtifactError(f"{path} missing: {model_dir} is not a fine-tuned task model") from exc
    except json.JSONDecodeError as exc:
        raise ArtifactError(f"{path}: invalid JSON: {exc.msg}") from exc
