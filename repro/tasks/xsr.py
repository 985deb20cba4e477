"""Cross-lingual sentence retrieval (XSR, Tatoeba protocol) as functions over an encoder: the
sentence vectors of every hidden state and the gold ranks in both directions. Not a fine-tuning
task (no head, no training), so it is not in the task registry; the ``retrieve`` stage calls it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import torch

from repro.errors import ConfigError

MAX_LENGTH = 512  # Tatoeba protocol (XTREME): no practical truncation


def sentence_embeddings(
    model: Any,
    tokenizer: Any,
    texts: Sequence[str],
    *,
    pooling: str = "mean",
    batch_size: int = 128,
    device: str = "cpu",
    max_length: int | None = None,
) -> np.ndarray:
    """[N, L+1, H] float32: one pooled vector per sentence and hidden state (embeddings first).

    Batches are length-bucketed (sorted by token count) and results restored to input order.
    """
    if pooling not in ("mean", "cls"):
        raise ConfigError(f"retrieve.pooling {pooling!r} is not one of ['mean', 'cls']")
    limit = getattr(model.config, "max_position_embeddings", MAX_LENGTH)
    max_length = min(MAX_LENGTH, int(limit)) if max_length is None else max_length
    enc = tokenizer(list(texts), add_special_tokens=True, truncation=True, max_length=max_length)
    ids = enc["input_ids"]
    order = np.argsort([len(x) for x in ids], kind="stable")
    out: np.ndarray | None = None
    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0
    model.eval()
    with torch.no_grad():
        for s in range(0, len(order), batch_size):
            rows = order[s : s + batch_size]
            T = max(len(ids[i]) for i in rows)
            input_ids = torch.full((len(rows), T), pad, dtype=torch.long)
            att = torch.zeros((len(rows), T), dtype=torch.long)
            for r, i in enumerate(rows):
                input_ids[r, : len(ids[i])] = torch.tensor(ids[i])
                att[r, : len(ids[i])] = 1
            res = model(
                input_ids=input_ids.to(device),
                attention_mask=att.to(device),
                output_hidden_states=True,
            )
            states = torch.stack(res.hidden_states, dim=1).float()  # [b, L+1, T, H]
            if pooling == "mean":
                m = att.to(states.device, torch.float32)[:, None, :, None]
                vec = (states * m).sum(2) / m.sum(2)
            else:
                vec = states[:, :, 0]
            vec = vec.cpu().numpy()
            if out is None:
                out = np.zeros((len(texts), *vec.shape[1:]), dtype=np.float32)
            out[rows] = vec
    assert out is not None
    return out


def rank_both(en: np.ndarray, xx: np.ndarray, normalize: str) -> dict[str, np.ndarray]:
    """Gold ranks (0 = top-1) for xx->en (English indexed) and en->xx (target indexed)."""
    from repro.metrics.retrieval import similarity_ranks

    return {
        "xx2en": similarity_ranks(xx, en, normalize=normalize),
        "en2xx": similarity_ranks(en, xx, normalize=normalize),
    }


def resolve_layer(layer: int, n_states: int) -> int:
    if not -n_states <= layer < n_states:
        raise ConfigError(
            f"retrieve.layer={layer} out of range: the model has {n_states} hidden "
            "states (embeddings + one per transformer layer)"
        )
    return layer % n_states
