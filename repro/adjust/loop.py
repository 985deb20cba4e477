"""The adjustment training loop: batched, length-bucketed, resumable, DDP-ready.

Optimiser and schedule follow the authors (docs/paper.md §4): Adam(betas, eps), no weight decay, no
clipping; lr rises linearly over the first ``warmup_ratio`` of the *pairs* and then stays
constant; one pass; dropout on in the trained model; the anchor is a frozen copy of the starting
encoder. The authors sum the per-element MSEs of 8 sub-batches of 4 pairs; we take one mean over
the batch, about 1/8 of their loss (exactly, when every sub-batch has as many links), a scale
that Adam normalises away. Unlike the authors' loop (one sentence at a time, Python pooling), a
batch of ``batch_size`` pairs is one forward pass, which is where the speed-up comes from
(``repro.benchmarks.adjust_bench``).

Multi-process: when launched with ``accelerate launch``/``torchrun`` (``WORLD_SIZE`` > 1) the
model and optimiser go through ``accelerate.Accelerator`` and each process takes a contiguous
share of every global batch, so the effective batch stays ``batch_size`` whatever the world
size. A single process uses plain ``.to(device)`` (the Accelerator state is a process-wide
singleton that would pin the first device it saw).
"""

from __future__ import annotations

import copy
import logging
import math
import os
import random
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import torch

from repro.adjust.objective import alignment_losses, check_pair, make_align_batch
from repro.env import autocast
from repro.errors import DataError
from repro.fsio import open_atomic
from repro.model.wordlevel import token_counts

if TYPE_CHECKING:
    from transformers import PreTrainedTokenizerBase

    from repro.config import AdjustConfig

log = logging.getLogger(__name__)

CHECKPOINT = "adjust_state.pt"
BUCKET_BATCHES = 50  # batches per sorting window of the length bucketing


# -- batching and schedule -----------------------------------------------------------------------
def pair_lengths(
    tokenizer: PreTrainedTokenizerBase, pairs: Sequence[Mapping[str, Any]], chunk: int = 4096
) -> list[int]:
    """Padded length of each pair in one forward: max of its two sides' sub-word counts."""
    out: list[int] = []
    for s in range(0, len(pairs), chunk):
        parsed = [check_pair(p, index=s + k) for k, p in enumerate(pairs[s : s + chunk])]
        en = token_counts(tokenizer, [p[0] for p in parsed])
        xx = token_counts(tokenizer, [p[1] for p in parsed])
        out += [max(a, b) for a, b in zip(en, xx, strict=True)]
    return out


def batch_plan(
    lengths: Sequence[int],
    batch_size: int,
    *,
    seed: int,
    bucket: bool,
    epochs: int = 1,
    bucket_batches: int = BUCKET_BATCHES,
) -> list[list[int]]:
    """Indices of the pairs of every step, over all epochs.

    Bucketed: shuffle (seeded), sort windows of ``bucket_batches`` batches by length, cut into
    batches, shuffle the batch order. Padding shrinks while every batch stays a random draw.
    Unbucketed: the given order (the stage already shuffled the sample), cut into batches.
    """
    if batch_size < 1:
        raise ValueError("batch_size must be >= 1")
    n = len(lengths)
    plan: list[list[int]] = []
    for epoch in range(epochs):
        rng = random.Random(seed * 1_000_003 + epoch)
        if not bucket:
            plan += [list(range(s, min(s + batch_size, n))) for s in range(0, n, batch_size)]
            continue
        order = list(range(n))
        rng.shuffle(order)
        window = batch_size * bucket_batches
        batches = []
        for w in range(0, n, window):
            chunk = sorted(order[w : w + window], key=lambda i: (lengths[i], i))
            batches += [chunk[s : s + batch_size] for s in range(0, len(chunk), batch_size)]
        rng.shuffle(batches)
        plan += batches
    return plan


def warmup_lr(peak: float, pairs_seen: int, n_pairs: int, warmup_ratio: float) -> float:
    """Authors' schedule: ``peak * (seen + 1) / (ratio * N)`` during warm-up, then ``peak``."""
    span = warmup_ratio * n_pairs
    if span <= 0:
        return peak
    return peak * min(1.0, (pairs_seen + 1) / span)


def frozen_copy(model: torch.nn.Module) -> torch.nn.Module:
    anchor = copy.deepcopy(model)
    anchor.eval()
    anchor.requires_grad_(False)
    return anchor


# -- runtime: one process, or DDP through accelerate ---------------------------------------------
@dataclass
class _Runtime:
    device: torch.device
    accelerator: Any = None

    @classmethod
    def create(cls, device: str) -> _Runtime:
        if int(os.environ.get("WORLD_SIZE", "1")) > 1:
            from accelerate import Accelerator, DistributedDataParallelKwargs

            # the pooler takes no part in the loss; DDP must not wait for its gradients
            ddp = DistributedDataParallelKwargs(find_unused_parameters=True)
            acc = Accelerator(cpu=device == "cpu", kwargs_handlers=[ddp])
            return cls(acc.device, acc)
        return cls(torch.device(device))

    @property
    def rank(self) -> int:
        return self.accelerator.process_index if self.accelerator else 0

    @property
    def world(self) -> int:
        return self.accelerator.num_processes if self.accelerator else 1

    @property
    def is_main(self) -> bool:
        return self.rank == 0

    def prepare(self, model, optimizer):
        if self.accelerator is None:
            return model, optimizer
        return self.accelerator.prepare(model, optimizer)

    def backward(self, loss: torch.Tensor) -> None:
        if self.accelerator is None:
            loss.backward()
        else:
            self.accelerator.backward(loss)

    def unwrap(self, model):
        return self.accelerator.unwrap_model(model) if self.accelerator else model

    def barrier(self) -> None:
        if self.accelerator is not None:
            self.accelerator.wait_for_everyone()


# -- checkpoints ---------------------------------------------------------------------------------
@dataclass
class Curve:
    """Per-step losses (what ``loss_curve.json`` holds)."""

    step: list[int] = field(default_factory=list)
    pairs_seen: list[int] = field(default_factory=list)
    lr: list[float] = field(default_factory=list)
    loss: list[float] = field(default_factory=list)
    align: list[float] = field(default_factory=list)
    reg: list[float] = field(default_factory=list)
    n_links: list[int] = field(default_factory=list)

    def as_dict(self) -> dict[str, list]:
        return {k: list(v) for k, v in self.__dict__.items()}

    @classmethod
    def from_dict(cls, d: Mapping[str, Sequence]) -> Curve:
        return cls(**{k: list(d.get(k, [])) for k in cls.__dataclass_fields__})


def _fingerprint(cfg: AdjustConfig, n_pairs: int, plan: list[list[int]]) -> dict[str, Any]:
    return {
        "n_pairs": n_pairs,
        "n_steps": len(plan),
        "seed": int(cfg.seed),
        "batch_size": int(cfg.batch_size),
        "learning_rate": float(cfg.learning_rate),
        "first_batch": plan[0][:8] if plan else [],
    }


def _save_checkpoint(path: Path, payload: dict[str, Any]) -> None:
    with open_atomic(path, "wb") as fh:
        torch.save(payload, fh)


def _load_checkpoint(path: Path, fingerprint: dict[str, Any]) -> dict[str, Any] | None:
    if not path.is_file():
        return None
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # noqa: BLE001 - a torn/old checkpoint is just ignored
        log.warning("ignoring unreadable adjustment checkpoint %s: %s", path, exc)
        return None
    if state.get("fingerprint") != fingerprint:
        log.warning("ignoring adjustment checkpoint %s: it belongs to another run", path)
        return None
    return state


# -- the loop ------------------------------------------------------------------------------------
def adjust_encoder(
    model: torch.nn.Module,
    tokenizer: PreTrainedTokenizerBase,
    pairs: Sequence[Mapping[str, Any]],
    cfg: AdjustConfig,
    *,
    device: str = "cpu",
    work_dir: str | Path | None = None,
    progress: bool = True,
    checkpoint_every: int = 100,
    max_steps: int | None = None,
    max_length: int | None = None,
    anchor_model: torch.nn.Module | None = None,
) -> tuple[torch.nn.Module, dict[str, Any]]:
    """Adjust ``model`` in place on ``pairs``; returns it (eval mode) and the loss curve.

    ``work_dir``: a checkpoint is written every ``checkpoint_every`` steps and a restarted call
    with the same arguments continues from it (bit-identical final weights in fp32).
    ``max_steps``: stop after this many global steps (time-sliced jobs; tests of resuming).
    ``anchor_model``: defaults to a frozen copy of ``model`` as passed in.
    """
    from tqdm.auto import tqdm

    if not pairs:
        raise DataError(None, None, "no parallel pairs to adjust on")
    lengths = pair_lengths(tokenizer, pairs)
    if max_length is None:
        limit = getattr(getattr(model, "config", None), "max_position_embeddings", None)
        max_length = int(limit) if limit else None
    rt = _Runtime.create(device)
    model.to(rt.device)
    anchor = frozen_copy(model) if anchor_model is None else anchor_model
    anchor.to(rt.device)
    anchor.eval()
    anchor.requires_grad_(False)
    optimizer = torch.optim.Adam(
        model.parameters(),
        lr=cfg.learning_rate,
        betas=tuple(cfg.adam_betas),
        eps=cfg.adam_eps,
        weight_decay=0.0,
    )
    plan = batch_plan(
        lengths, cfg.batch_size, seed=cfg.seed, bucket=cfg.bucket_by_length, epochs=cfg.epochs
    )
    n_total = sum(len(b) for b in plan)
    fingerprint = _fingerprint(cfg, len(pairs), plan)
    ckpt_path = Path(work_dir) / CHECKPOINT if work_dir is not None else None

    start, curve = 0, Curve()
    state = _load_checkpoint(ckpt_path, fingerprint) if ckpt_path is not None else None
    if state is not None:
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        torch.set_rng_state(state["rng_cpu"])
        if torch.cuda.is_available() and state.get("rng_cuda"):
            torch.cuda.set_rng_state_all(state["rng_cuda"])
        start, curve = int(state["step"]), Curve.from_dict(state["curve"])
        log.info("resuming adjustment at step %d/%d from %s", start, len(plan), ckpt_path)
    else:
        torch.manual_seed(cfg.seed)  # dropout masks
    model.train()
    model, optimizer = rt.prepare(model, optimizer)

    end = len(plan) if max_steps is None else min(len(plan), max_steps)
    pairs_seen = sum(len(b) for b in plan[:start])
    bar = tqdm(
        total=n_total,
        initial=pairs_seen,
        unit="pair",
        desc="adjust",
        dynamic_ncols=True,
        disable=True if not (progress and rt.is_main) else None,
    )
    t0, pairs_done = time.perf_counter(), 0
    log_every = max(1, len(plan) // 10)
    for step in range(start, end):
        global_batch = plan[step]
        share = math.ceil(len(global_batch) / rt.world)
        idx = global_batch[rt.rank * share : (rt.rank + 1) * share] or global_batch[:1]
        batch = make_align_batch(
            tokenizer,
            [pairs[i] for i in idx],
            include_cls_sep=cfg.align_cls_sep,
            max_length=max_length,
        ).to(rt.device)
        lr = warmup_lr(cfg.learning_rate, pairs_seen, n_total, cfg.warmup_ratio)
        for group in optimizer.param_groups:
            group["lr"] = lr
        with autocast(rt.device, cfg.bf16):
            align, reg = alignment_losses(
                model,
                batch,
                pooling=cfg.pooling,
                english_target=cfg.english_target,
                anchor_model=anchor,
            )
        loss = align + cfg.regularizer_weight * reg
        optimizer.zero_grad(set_to_none=True)
        rt.backward(loss)
        optimizer.step()
        pairs_seen += len(global_batch)
        pairs_done += len(global_batch)
        curve.step.append(step + 1)
        curve.pairs_seen.append(pairs_seen)
        curve.lr.append(lr)
        curve.loss.append(float(loss.detach()))
        curve.align.append(float(align.detach()))
        curve.reg.append(float(reg.detach()))
        curve.n_links.append(batch.n_links)
        bar.update(len(global_batch))
        bar.set_postfix(align=f"{curve.align[-1]:.4g}", reg=f"{curve.reg[-1]:.3g}", refresh=False)
        if (step + 1) % log_every == 0:
            log.info(
                "adjust step %d/%d align %.4g reg %.4g lr %.3g",
                step + 1,
                len(plan),
                curve.align[-1],
                curve.reg[-1],
                lr,
            )
        done = step + 1 == len(plan)
        if (
            ckpt_path is not None
            and not done
            and ((step + 1) % checkpoint_every == 0 or step + 1 == end)
        ):
            rt.barrier()
            if rt.is_main:
                _save_checkpoint(
                    ckpt_path,
                    {
                        "step": step + 1,
                        "fingerprint": fingerprint,
                        "model": rt.unwrap(model).state_dict(),
                        "optimizer": optimizer.state_dict(),
                        "rng_cpu": torch.get_rng_state(),
                        "rng_cuda": torch.cuda.get_rng_state_all()
                        if torch.cuda.is_available()
                        else [],
                        "curve": curve.as_dict(),
                    },
                )
    bar.close()
    wall = time.perf_counter() - t0
    model = rt.unwrap(model)
    model.eval()
    result = curve.as_dict()
    result.update(
        {
            "n_pairs": len(pairs),
            "n_steps": len(plan),
            "steps_done": end,
            "finished": end == len(plan),
            "resumed_from": start,
            "wall_s": round(wall, 3),
            "pairs_per_s": round(pairs_done / wall, 2) if wall > 0 else None,
        }
    )
    return model, result
