"""The MLM pretraining loop of the tiny encoder.

The MLM loss is computed on masked positions only: ``model.bert`` then ``model.cls`` on the
masked rows, 2–2.7× faster than full-vocabulary logits on CPU (measured on this project's
machine). The budget is a step count, never wall time, so a slower machine gives the same model.
A killed run resumes from the last checkpoint in its work dir and ends with the same weights as an
uninterrupted one."""

from __future__ import annotations

import logging
import math
import resource
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from repro.errors import ReproError
from repro.fsio import open_atomic
from repro.loops.mlm_batches import (
    EncodedCorpus,
    SpecialIds,
    mask_tokens,
    sample_batch,
    sample_packed,
)

log = logging.getLogger(__name__)

if TYPE_CHECKING:
    import torch

    from repro.config import PretrainConfig


CHECKPOINT_EVERY = 250


CHECKPOINT_FILE = "checkpoint.pt"


# -- training loop -----------------------------------------------------------------------------
@dataclass
class PretrainResult:
    curve: list[dict[str, float]]
    steps: int
    resumed_from: int
    wall_s: float
    steps_per_s: float


def _optimizer(model: torch.nn.Module, cfg: PretrainConfig) -> torch.optim.Optimizer:
    import torch

    decay, no_decay = [], []
    for name, p in model.named_parameters():
        if not p.requires_grad:
            continue
        (no_decay if p.ndim < 2 or "LayerNorm" in name else decay).append(p)
    groups = [
        {"params": decay, "weight_decay": cfg.weight_decay},
        {"params": no_decay, "weight_decay": 0.0},
    ]
    return torch.optim.AdamW(groups, lr=cfg.learning_rate)


def _schedule(optimizer: torch.optim.Optimizer, cfg: PretrainConfig):
    import torch

    warmup = math.ceil(cfg.warmup_ratio * cfg.steps)

    def factor(step: int) -> float:
        if step < warmup:
            return (step + 1) / (warmup + 1)
        return max(0.0, (cfg.steps - step) / max(1, cfg.steps - warmup))

    return torch.optim.lr_scheduler.LambdaLR(optimizer, factor)


def _save_checkpoint(path: Path, state: dict[str, Any]) -> None:
    import torch

    with open_atomic(path, "wb") as fh:
        torch.save(state, fh)


def pretrain_mlm(
    model: Any,
    corpus: EncodedCorpus,
    special: SpecialIds,
    cfg: PretrainConfig,
    *,
    work_dir: Path | None = None,
    device: str = "cpu",
    checkpoint_every: int = CHECKPOINT_EVERY,
    log_every: int | None = None,
    on_step: Callable[[int], None] | None = None,
) -> PretrainResult:
    """Train ``model`` (BertForMaskedLM) in place for exactly ``cfg.steps`` steps.

    Plain torch, not the HF Trainer: with the same masked-rows loss the Trainer used 1.6x the CPU
    per step here (0.17 vs 0.10 s), and this loop keeps sampling, masking and RNG state in one
    resumable place.
    """
    import torch
    from tqdm.auto import tqdm

    from repro.env import autocast

    log_every = log_every or max(1, min(50, cfg.steps // 20))
    info_every = log_every * max(1, cfg.steps // (10 * log_every))  # ~10 INFO lines per run
    gen = torch.Generator().manual_seed(cfg.seed)
    torch.manual_seed(cfg.seed)  # dropout draws from the global generator
    model.to(device)
    model.train()
    optimizer = _optimizer(model, cfg)
    scheduler = _schedule(optimizer, cfg)
    curve: list[dict[str, float]] = []
    step = 0
    win_loss = win_acc = 0.0  # running sums of the current logging window
    win_n = 0
    ckpt = Path(work_dir) / CHECKPOINT_FILE if work_dir is not None else None
    if ckpt is not None and ckpt.is_file():
        state = torch.load(ckpt, map_location="cpu", weights_only=True)
        if state.get("total_steps") != cfg.steps:
            raise ReproError(
                f"{ckpt}: checkpoint is for {state.get('total_steps')} steps, "
                f"not {cfg.steps}; delete {ckpt.parent} to restart"
            )
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        scheduler.load_state_dict(state["scheduler"])
        gen.set_state(state["rng_batches"])
        torch.set_rng_state(state["rng_torch"])
        if "rng_cuda" in state and device.startswith("cuda"):
            torch.cuda.set_rng_state(state["rng_cuda"])
        step = int(state["step"])
        curve = list(state["curve"])
        win_loss, win_acc, win_n = state["window"]
        log.info("pretrain: resuming from step %d of %d (%s)", step, cfg.steps, ckpt)
    resumed_from = step
    row_len = min(cfg.max_seq_length, model.config.max_position_embeddings)
    t0 = time.perf_counter()
    bar = tqdm(total=cfg.steps, initial=step, desc="pretrain", disable=None, leave=False)
    try:
        while step < cfg.steps:
            if cfg.sentences_per_row == 1:
                ids, valid = sample_batch(corpus, cfg.batch_size, gen, special.pad)
            else:
                ids, valid = sample_packed(
                    corpus,
                    cfg.batch_size,
                    gen,
                    special.pad,
                    cfg.sentences_per_row,
                    row_len,
                    cfg.contiguous_rows,
                )
            inputs, chosen, labels = mask_tokens(ids, valid, special, cfg.mask_probability, gen)
            inputs, chosen = inputs.to(device), chosen.to(device)
            labels, attn = labels.to(device), valid.to(device).long()
            with autocast(device, cfg.bf16):
                hidden = model.bert(input_ids=inputs, attention_mask=attn).last_hidden_state
                logits = model.cls(hidden[chosen])
            logits = logits.float()
            loss = torch.nn.functional.cross_entropy(logits, labels)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            scheduler.step()
            step += 1
            win_loss += float(loss.detach())
            win_acc += float((logits.detach().argmax(-1) == labels).float().mean())
            win_n += 1
            bar.update(1)
            if step % log_every == 0 or step == cfg.steps:
                point = {
                    "step": step,
                    "loss": round(win_loss / win_n, 5),
                    "accuracy": round(win_acc / win_n, 5),
                    "lr": scheduler.get_last_lr()[0],
                }
                curve.append(point)
                bar.set_postfix(loss=f"{point['loss']:.3f}", acc=f"{point['accuracy']:.3f}")
                log.debug("pretrain step %d: %s", step, point)
                if step % info_every == 0 or step == cfg.steps:  # Slurm logs have no tqdm bar
                    rate = (step - resumed_from) / max(time.perf_counter() - t0, 1e-9)
                    log.info(
                        "pretrain step %d/%d: MLM loss %.3f, masked acc %.3f, %.1f steps/s, "
                        "about %.0f s left",
                        step,
                        cfg.steps,
                        point["loss"],
                        point["accuracy"],
                        rate,
                        (cfg.steps - step) / max(rate, 1e-9),
                    )
                win_loss = win_acc = 0.0
                win_n = 0
            if ckpt is not None and (step % checkpoint_every == 0 or step == cfg.steps):
                state = {
                    "model": model.state_dict(),
                    "optimizer": optimizer.state_dict(),
                    "scheduler": scheduler.state_dict(),
                    "rng_batches": gen.get_state(),
                    "rng_torch": torch.get_rng_state(),
                    "step": step,
                    "total_steps": cfg.steps,
                    "curve": curve,
                    "window": [win_loss, win_acc, win_n],
                }
                if device.startswith("cuda"):
                    state["rng_cuda"] = torch.cuda.get_rng_state()
                _save_checkpoint(ckpt, state)
            if on_step is not None:
                on_step(step)
    finally:
        bar.close()
    wall = time.perf_counter() - t0
    done = step - resumed_from
    model.eval()
    return PretrainResult(
        curve=curve,
        steps=step,
        resumed_from=resumed_from,
        wall_s=round(wall, 3),
        steps_per_s=round(done / wall, 4) if wall > 0 else 0.0,
    )


# -- stages ------------------------------------------------------------------------------------
def peak_rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
