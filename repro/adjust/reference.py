"""A deliberately plain reference of the adjustment objective, the way the authors' code runs it.

One sentence per forward pass, each word tokenised separately, sub-word pooling in a Python loop,
the anchor recomputed for every sentence. Used ONLY to check :mod:`repro.adjust.objective` and
:mod:`repro.adjust.loop` (same loss on the same batch) and as the baseline of the benchmark.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import torch
import torch.nn.functional as F

from repro.adjust.loop import warmup_lr
from repro.adjust.objective import check_pair

if TYPE_CHECKING:
    from transformers import PreTrainedTokenizerBase

    from repro.config import AdjustConfig


def reference_word_vectors(
    model: Any,
    tokenizer: PreTrainedTokenizerBase,
    words: Sequence[str],
    *,
    pooling: str = "avg",
    include_cls_sep: bool = True,
) -> list[torch.Tensor | None]:
    """One vector per slot ([CLS], words..., [SEP]); None for a word without tokens."""
    pieces = [tokenizer.convert_tokens_to_ids(tokenizer.tokenize(w)) for w in words]
    ids = [tokenizer.cls_token_id] + [t for p in pieces for t in p] + [tokenizer.sep_token_id]
    dev = next(model.parameters()).device
    out = model(input_ids=torch.tensor([ids], device=dev)).last_hidden_state[0].float()
    vectors: list[torch.Tensor | None] = [out[0]] if include_cls_sep else []
    pos = 1
    for p in pieces:
        if not p:
            vectors.append(None)
            continue
        span = [out[pos + k] for k in range(len(p))]
        if pooling == "avg":
            acc = span[0]
            for v in span[1:]:
                acc = acc + v
            vectors.append(acc / len(span))
        elif pooling == "first":
            vectors.append(span[0])
        else:
            vectors.append(span[-1])
        pos += len(p)
    if include_cls_sep:
        vectors.append(out[pos])
    return vectors


def reference_losses(
    model: Any,
    tokenizer: PreTrainedTokenizerBase,
    pairs: Sequence[Mapping[str, Any]],
    *,
    anchor_model: Any,
    pooling: str = "avg",
    english_target: str = "current",
    include_cls_sep: bool = True,
) -> tuple[torch.Tensor, torch.Tensor]:
    """``(align, reg)``: per-element MSE over all links / English slots of the batch."""
    xs, es, cur, base = [], [], [], []
    shift = 1 if include_cls_sep else 0
    for rec in pairs:
        en, xx, links = check_pair(rec)
        kw = {"pooling": pooling, "include_cls_sep": include_cls_sep}
        en_v = reference_word_vectors(model, tokenizer, en, **kw)
        xx_v = reference_word_vectors(model, tokenizer, xx, **kw)
        with torch.no_grad():
            an_v = reference_word_vectors(anchor_model, tokenizer, en, **kw)
        target = en_v if english_target == "current" else an_v
        slot_links = [(i + shift, j + shift) for i, j in links]
        if include_cls_sep:
            slot_links += [(0, 0), (len(en) + 1, len(xx) + 1)]
        for i, j in slot_links:
            if target[i] is not None and xx_v[j] is not None:
                xs.append(xx_v[j])
                es.append(target[i])
        for v, a in zip(en_v, an_v, strict=True):
            if v is not None:
                cur.append(v)
                base.append(a)
    align = F.mse_loss(torch.stack(xs), torch.stack(es))
    reg = F.mse_loss(torch.stack(cur), torch.stack(base))
    return align, reg


def reference_adjust(
    model: torch.nn.Module,
    tokenizer: PreTrainedTokenizerBase,
    pairs: Sequence[Mapping[str, Any]],
    cfg: AdjustConfig,
    *,
    anchor_model: torch.nn.Module,
    device: str = "cpu",
) -> tuple[torch.nn.Module, dict[str, Any]]:
    """The same training as :func:`repro.adjust.loop.adjust_encoder` with consecutive,
    unbucketed batches, one sentence at a time."""
    model.to(device).train()
    anchor_model.to(device).eval()
    optimizer = torch.optim.Adam(
        model.parameters(), lr=cfg.learning_rate, betas=tuple(cfg.adam_betas), eps=cfg.adam_eps
    )
    n = len(pairs)
    losses: list[float] = []
    seen = 0
    t0 = time.perf_counter()
    for s in range(0, n, cfg.batch_size):
        chunk = pairs[s : s + cfg.batch_size]
        for g in optimizer.param_groups:
            g["lr"] = warmup_lr(cfg.learning_rate, seen, n, cfg.warmup_ratio)
        align, reg = reference_losses(
            model,
            tokenizer,
            chunk,
            anchor_model=anchor_model,
            pooling=cfg.pooling,
            english_target=cfg.english_target,
            include_cls_sep=cfg.align_cls_sep,
        )
        loss = align + cfg.regularizer_weight * reg
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        seen += len(chunk)
        losses.append(float(loss.detach()))
    wall = time.perf_counter() - t0
    model.eval()
    return model, {"loss": losses, "wall_s": wall, "pairs_per_s": n / wall if wall else None}
