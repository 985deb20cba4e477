"""The cross-lingual adjustment objective (Cao et al. 2020, as ported by Efimov et al.).

For a batch of parallel pairs (English ``src``, target-language ``tgt``, 1-to-1 word links)::

    align = MSE( f(xx words)[links], g(en words)[links] )    g = f ("current") or f0 ("frozen")
    reg   = MSE( f(all en words incl. [CLS]/[SEP]), f0(same) )

with f the model being trained, f0 a frozen copy of the starting encoder (eval mode, no grad),
last-layer word vectors pooled over sub-words, and MSE the mean over pairs x hidden dims
(per-element, as the authors' ``F.mse_loss``; a sum over dims makes the continual-learning
weights 0.01/1 meaningless). [CLS]<->[CLS] and [SEP]<->[SEP] links are added
when ``include_cls_sep``. Everything is cast to float32 before pooling and the losses.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import torch
import torch.nn.functional as F

from repro.errors import DataError
from repro.model.wordlevel import (
    WordBatch,
    encode_words,
    hidden_layer,
    pad_tokens,
    pool_words,
    slots_per_sentence,
    word_vector_batches,
    word_vectors,
)

if TYPE_CHECKING:
    from transformers import PreTrainedTokenizerBase

log = logging.getLogger(__name__)

ENGLISH_TARGETS = ("current", "frozen")


def split_words(text: str | Sequence[str]) -> list[str]:
    return text.split() if isinstance(text, str) else list(text)


def check_pair(
    rec: Mapping[str, Any], *, source: str | Path | None = None, index: int | None = None
) -> tuple[list[str], list[str], list[tuple[int, int]]]:
    """English words, target words and validated links of one parallel record."""
    rid = rec.get("id", index)
    for field in ("src", "tgt", "alignment"):
        if field not in rec or rec[field] is None:
            raise DataError(
                source,
                rid,
                f"parallel record lacks {field!r} (expected src, tgt and "
                "alignment [[i_en, j_xx], ...])",
            )
    en, xx = split_words(rec["src"]), split_words(rec["tgt"])
    if not en or not xx:
        raise DataError(source, rid, "empty source or target sentence")
    links = []
    for link in rec["alignment"]:
        if not (
            isinstance(link, (list, tuple))
            and len(link) == 2
            and all(isinstance(v, int) and not isinstance(v, bool) for v in link)
        ):
            raise DataError(source, rid, f"alignment link {link!r} is not a pair of integers")
        i, j = link
        if not (0 <= i < len(en) and 0 <= j < len(xx)):
            raise DataError(
                source,
                rid,
                f"alignment link {i}-{j} out of range ({len(en)} English, {len(xx)} target words)",
            )
        links.append((i, j))
    return en, xx, links


@dataclass
class AlignBatch:
    """Both sides of a batch of pairs plus the flat list of aligned (en slot, xx slot) links."""

    en: WordBatch
    xx: WordBatch
    link_pair: torch.Tensor  # [P] row of the pair in the batch
    link_en: torch.Tensor  # [P] English slot
    link_xx: torch.Tensor  # [P] target slot
    ids: list[str]

    @property
    def n_links(self) -> int:
        return int(self.link_pair.numel())

    def __len__(self) -> int:
        return len(self.en)

    def to(self, device: str | torch.device) -> AlignBatch:
        return AlignBatch(
            self.en.to(device),
            self.xx.to(device),
            self.link_pair.to(device),
            self.link_en.to(device),
            self.link_xx.to(device),
            self.ids,
        )


def make_align_batch(
    tokenizer: PreTrainedTokenizerBase,
    pairs: Sequence[Mapping[str, Any]],
    *,
    include_cls_sep: bool = True,
    max_length: int | None = None,
    source: str | Path | None = None,
) -> AlignBatch:
    """Tokenise a batch of parallel records ``{src (English), tgt, alignment}``.

    Links to a word that produced no tokens (or was truncated) are dropped.
    """
    if not pairs:
        raise ValueError("make_align_batch: no pairs")
    en_words, xx_words, all_links, ids = [], [], [], []
    for k, rec in enumerate(pairs):
        en, xx, links = check_pair(rec, source=source, index=k)
        en_words.append(en)
        xx_words.append(xx)
        all_links.append(links)
        ids.append(str(rec.get("id", k)))
    en_b = encode_words(tokenizer, en_words, add_cls_sep=include_cls_sep, max_length=max_length)
    xx_b = encode_words(tokenizer, xx_words, add_cls_sep=include_cls_sep, max_length=max_length)
    shift = 1 if include_cls_sep else 0
    rows, es, xs = [], [], []
    for b, links in enumerate(all_links):
        for i, j in links:
            rows.append(b)
            es.append(i + shift)
            xs.append(j + shift)
        if include_cls_sep:
            rows += [b, b]
            es += [0, len(en_words[b]) + 1]
            xs += [0, len(xx_words[b]) + 1]
    r, e, x = (torch.tensor(v, dtype=torch.long) for v in (rows, es, xs))
    keep = en_b.slot_mask[r, e] & xx_b.slot_mask[r, x]
    if not bool(keep.all()):
        log.debug("dropping %d links to words without tokens", int((~keep).sum()))
    return AlignBatch(en_b, xx_b, r[keep], e[keep], x[keep], ids)


def pair_word_vectors(
    model: Any, batch: AlignBatch, *, pooling: str = "avg", layer: int = -1
) -> tuple[torch.Tensor, torch.Tensor]:
    """English and target word vectors from ONE forward pass over both sides.

    One forward (not two) keeps DDP happy and halves kernel launches.
    """
    T = max(batch.en.input_ids.shape[1], batch.xx.input_ids.shape[1])
    # the pad id is irrelevant: padded positions are masked out of attention and pooling
    e_ids, e_att, e_wi = pad_tokens(batch.en, T, 0)
    x_ids, x_att, x_wi = pad_tokens(batch.xx, T, 0)
    hidden = hidden_layer(model, torch.cat([e_ids, x_ids]), torch.cat([e_att, x_att]), layer)
    B = len(batch)
    en_vec, _ = pool_words(hidden[:B], e_wi, batch.en.n_slots, pooling)
    xx_vec, _ = pool_words(hidden[B:], x_wi, batch.xx.n_slots, pooling)
    return en_vec, xx_vec


def anchor_english_vectors(
    anchor_model: Any, batch: WordBatch, *, pooling: str = "avg", layer: int = -1
) -> torch.Tensor:
    """The frozen anchor's English word vectors (eval mode, no autograd)."""
    if anchor_model.training:
        anchor_model.eval()
    with torch.no_grad():
        vec, _ = word_vectors(anchor_model, batch, pooling=pooling, layer=layer)
    return vec


def _fit_width(t: torch.Tensor, width: int) -> torch.Tensor:
    if t.shape[1] == width:
        return t
    if t.shape[1] > width:
        return t[:, :width]
    return F.pad(t, (0, 0, 0, width - t.shape[1]))


def alignment_losses(
    model: Any,
    batch: AlignBatch,
    *,
    pooling: str = "avg",
    english_target: str = "current",
    anchor_en: torch.Tensor | None = None,
    anchor_model: Any = None,
    layer: int = -1,
) -> tuple[torch.Tensor, torch.Tensor]:
    """``(align_loss, reg_loss)`` for one batch; see the module docstring.

    The anchor's English vectors come from ``anchor_en`` ([B, W, H], e.g. from
    :class:`AnchorCache`) or are computed with ``anchor_model``; with neither, ``reg`` is 0 and
    ``english_target`` must be "current".
    """
    if english_target not in ENGLISH_TARGETS:
        raise ValueError(f"english_target {english_target!r} is not one of {ENGLISH_TARGETS}")
    en_vec, xx_vec = pair_word_vectors(model, batch, pooling=pooling, layer=layer)
    if anchor_en is not None:
        if anchor_en.shape[0] != len(batch) or anchor_en.shape[2] != en_vec.shape[2]:
            raise ValueError(
                f"anchor_en {tuple(anchor_en.shape)} does not match the batch's "
                f"English vectors {tuple(en_vec.shape)}"
            )
        anchor = _fit_width(anchor_en.to(en_vec.device, torch.float32), en_vec.shape[1])
    elif anchor_model is not None:
        anchor = anchor_english_vectors(anchor_model, batch.en, pooling=pooling, layer=layer)
    else:
        anchor = None
    if english_target == "frozen":
        if anchor is None:
            raise ValueError('english_target="frozen" needs anchor_en or anchor_model')
        target_en = anchor
    else:
        target_en = en_vec
    xs = xx_vec[batch.link_pair, batch.link_xx]
    es = target_en[batch.link_pair, batch.link_en]
    if xs.shape[0]:
        align = F.mse_loss(xs, es)
    else:  # no links: a zero that still belongs to the graph
        align = xx_vec.sum() * 0.0
    if anchor is None:
        reg = en_vec.new_zeros(())
    else:
        m = batch.en.slot_mask
        reg = F.mse_loss(en_vec[m], anchor[m])
    return align, reg


@dataclass
class AnchorCache:
    """Frozen-anchor English word vectors of a fixed pool of pairs, computed once.

    The anchor is deterministic (eval mode), so continual learning can look its vectors up
    instead of running a second encoder every step. Vectors are stored flat (one row per
    English slot) on the CPU, in float16 when the pool is large.
    """

    vectors: torch.Tensor  # [S, H]
    mask: torch.Tensor  # [S] slot has tokens
    offsets: torch.Tensor  # [N + 1] first row of pair n
    pooling: str
    include_cls_sep: bool

    HALF_ABOVE_BYTES = 256 * 2**20

    def __len__(self) -> int:
        return int(self.offsets.numel()) - 1

    @classmethod
    def build(
        cls,
        anchor_model: Any,
        tokenizer: PreTrainedTokenizerBase,
        pairs: Sequence[Mapping[str, Any]],
        *,
        pooling: str = "avg",
        include_cls_sep: bool = True,
        batch_size: int = 64,
        device: str = "cpu",
        max_length: int | None = None,
        half: bool | None = None,
        layer: int = -1,
    ) -> AnchorCache:
        """Encode every pair's English side with the anchor (length-bucketed, no grad)."""
        if not pairs:
            raise ValueError("AnchorCache.build: no pairs")
        words = [check_pair(p, index=k)[0] for k, p in enumerate(pairs)]
        n_slots = np.array([slots_per_sentence(len(w), include_cls_sep) for w in words])
        offsets = np.zeros(len(words) + 1, dtype=np.int64)
        np.cumsum(n_slots, out=offsets[1:])
        hidden_size = int(anchor_model.config.hidden_size)
        total = int(offsets[-1])
        if half is None:
            half = total * hidden_size * 4 > cls.HALF_ABOVE_BYTES
        dtype = torch.float16 if half else torch.float32
        vectors = torch.zeros(total, hidden_size, dtype=dtype)
        mask = torch.zeros(total, dtype=torch.bool)
        was_training = anchor_model.training
        anchor_model.eval()
        batches = word_vector_batches(
            anchor_model,
            tokenizer,
            words,
            pooling=pooling,
            layer=layer,
            batch_size=batch_size,
            device=device,
            add_cls_sep=include_cls_sep,
            max_length=max_length,
        )
        for idx, vec, m in batches:
            for r, i in enumerate(idx):
                a, b = offsets[i], offsets[i + 1]
                vectors[a:b] = vec[r, : b - a].to(dtype)
                mask[a:b] = m[r, : b - a]
        anchor_model.train(was_training)
        return cls(vectors, mask, torch.from_numpy(offsets), pooling, include_cls_sep)

    def english_vectors(
        self, indices: Sequence[int] | torch.Tensor, device: str | torch.device | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Padded float32 vectors [B, W, H] and slot mask [B, W] of the given pool indices."""
        idx = torch.as_tensor(indices, dtype=torch.long).reshape(-1)
        if idx.numel() == 0:
            raise ValueError("english_vectors: no indices")
        if int(idx.min()) < 0 or int(idx.max()) >= len(self):
            raise IndexError(f"pool index out of range [0, {len(self)})")
        starts, ends = self.offsets[idx], self.offsets[idx + 1]
        lengths = ends - starts
        width = int(lengths.max())
        col = torch.arange(width)
        inside = col.unsqueeze(0) < lengths.unsqueeze(1)  # [B, W]
        rows = (starts.unsqueeze(1) + col.unsqueeze(0))[inside]
        out = torch.zeros(len(idx), width, self.vectors.shape[1], dtype=torch.float32)
        out[inside] = self.vectors[rows].float()
        mask = torch.zeros(len(idx), width, dtype=torch.bool)
        mask[inside] = self.mask[rows]
        if device is not None:
            out, mask = out.to(device), mask.to(device)
        return out, mask

    @property
    def nbytes(self) -> int:
        return int(self.vectors.numel() * self.vectors.element_size())
