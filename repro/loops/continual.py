"""Continual learning during task fine-tuning (docs/paper.md §6, the authors' ``*_multi_task``).

At every training step the task loss gets ``align_weight * align + anchor_weight * reg``,
computed on ``pairs_per_step`` parallel pairs drawn uniformly with replacement from a pool (the
first ``pool_size`` pairs of each language's ``pairs.jsonl`` after a seeded shuffle). ``align``
is the per-element MSE between aligned target-language and English word vectors of the model
being fine-tuned (its encoder is shared with the task head); ``reg`` is the per-element MSE
between that model's English word vectors and the frozen ORIGINAL encoder's (the ``anchor``),
looked up from an :class:`~repro.adjust.objective.AnchorCache` computed once. Per-element
scaling matters: the paper's weights 0.01 / 1 assume it
(docs/paper.md §6).

The pairs of step ``t`` come from ``numpy.random.default_rng([seed, 1, t])``, so a resumed run
draws exactly the pairs the uninterrupted run would have, and the draws consume no torch RNG.
A term whose weight is 0 is not computed; with both weights 0 no extra forward pass runs and
training is exactly plain fine-tuning.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from repro.data.bundle import iter_jsonl
from repro.errors import DataError

if TYPE_CHECKING:
    import torch
    from transformers import PreTrainedModel, PreTrainedTokenizerBase

    from repro.adjust.objective import AnchorCache
    from repro.config import ContinualConfig

log = logging.getLogger(__name__)


def load_pool(pair_files: Sequence[str | Path], pool_size: int, seed: int) -> list[dict]:
    """The CL pool: per file (language), the first ``pool_size`` pairs after a seeded shuffle.

    Files are taken in the given order; each language gets its own generator so adding a
    language does not change another's pool.
    """
    from repro.adjust.objective import check_pair

    pool: list[dict] = []
    for k, path in enumerate(pair_files):
        records = list(iter_jsonl(Path(path)))
        if not records:
            raise DataError(path, None, "no parallel pairs for continual learning")
        for i, rec in enumerate(records):
            check_pair(rec, source=path, index=i)
        order = np.random.default_rng([seed, 0, k]).permutation(len(records))
        take = order[:pool_size] if pool_size > 0 else order
        pool.extend(records[int(i)] for i in take)
        log.info("continual pool: %d of %d pairs from %s", len(take), len(records), path)
    return pool


def step_indices(seed: int, step: int, pool_len: int, k: int) -> np.ndarray:
    """The pool rows of training step ``step`` (uniform, with replacement)."""
    return np.random.default_rng([seed, 1, step]).integers(0, pool_len, size=k)


@dataclass
class ContinualLoss:
    """The ``aux_loss`` callable :func:`repro.loops.finetune.finetune` adds at every step."""

    cfg: ContinualConfig
    pool: Sequence[Mapping[str, Any]]
    tokenizer: PreTrainedTokenizerBase
    anchor: AnchorCache | None
    seed: int
    pooling: str = "avg"
    include_cls_sep: bool = True
    english_target: str = "current"
    max_length: int | None = None
    device: str = "cpu"
    bf16: bool = False

    @property
    def active(self) -> bool:
        return self.cfg.align_weight > 0 or self.cfg.anchor_weight > 0

    def __call__(self, model: PreTrainedModel, step: int) -> dict[str, tuple[float, torch.Tensor]]:

        from repro.adjust.objective import alignment_losses, make_align_batch
        from repro.env import autocast

        if not self.active:
            return {}
        idx = step_indices(self.seed, step, len(self.pool), self.cfg.pairs_per_step)
        batch = make_align_batch(
            self.tokenizer,
            [self.pool[int(i)] for i in idx],
            include_cls_sep=self.include_cls_sep,
            max_length=self.max_length,
        ).to(self.device)
        anchor_en = None
        if self.cfg.anchor_weight > 0:
            if self.anchor is None:
                raise ValueError("anchor_weight > 0 needs an AnchorCache of the original encoder")
            anchor_en, _ = self.anchor.english_vectors(idx, device=self.device)
        encoder = model.base_model  # the task model's BertModel: shared with the head
        with autocast(self.device, self.bf16):
            align, reg = alignment_losses(
                encoder,
                batch,
                pooling=self.pooling,
                english_target=self.english_target,
                anchor_en=anchor_en,
            )
        out: dict[str, tuple[float, torch.Tensor]] = {}
        if self.cfg.align_weight > 0:
            out["align_loss"] = (self.cfg.align_weight, align.float())
        if self.cfg.anchor_weight > 0:
            out["reg_loss"] = (self.cfg.anchor_weight, reg.float())
        return out


def build_continual_loss(
    cfg: ContinualConfig,
    pool: Sequence[Mapping[str, Any]],
    anchor_model: PreTrainedModel | None,
    tokenizer: PreTrainedTokenizerBase,
    *,
    seed: int,
    pooling: str = "avg",
    include_cls_sep: bool = True,
    device: str = "cpu",
    bf16: bool = False,
    batch_size: int = 64,
    max_length: int | None = None,
) -> ContinualLoss:
    """Precompute the frozen anchor's English vectors of the pool and return the loss.

    The anchor model is only read (eval mode, no grad): its parameters never change.
    """
    from repro.adjust.objective import AnchorCache

    if not pool:
        raise DataError(None, None, "continual learning needs a non-empty pair pool")
    cache = None
    if anchor_model is not None:
        if max_length is None:  # longest input the encoder has positions for
            max_length = int(anchor_model.config.max_position_embeddings)
        if cfg.anchor_weight > 0:
            anchor_model.to(device)
            cache = AnchorCache.build(
                anchor_model,
                tokenizer,
                pool,
                pooling=pooling,
                include_cls_sep=include_cls_sep,
                batch_size=batch_size,
                device=device,
                max_length=max_length,
            )
            log.info("anchor cache: %d pairs, %.1f MB", len(cache), cache.nbytes / 2**20)
    elif cfg.anchor_weight > 0:
        raise ValueError("anchor_weight > 0 needs the original encoder as anchor_model")
    return ContinualLoss(
        cfg=cfg,
        pool=pool,
        tokenizer=tokenizer,
        anchor=cache,
        seed=seed,
        pooling=pooling,
        include_cls_sep=include_cls_sep,
        max_length=max_length,
        device=device,
        bf16=bf16,
    )
