"""Word-level encoding: whitespace words -> sub-word tokens -> one vector per word.

Shared by the adjustment objective, continual learning and the distance analysis. A sentence is
a list of whitespace words; each word is WordPiece-tokenised on its own (as the authors'
``WordLevelBert`` does) and the sequence is ``[CLS] pieces [SEP]``. ``word_index`` maps every
token to its word *slot*; with ``add_cls_sep`` [CLS] is slot 0, word ``i`` is slot ``i + 1`` and
[SEP] is slot ``n + 1``, so the special tokens can be aligned like words (``--include_clssep``).
Pooling is one ``index_add``/``scatter_reduce`` over the whole batch instead of the authors'
per-word Python loop.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import torch

if TYPE_CHECKING:
    from transformers import PreTrainedTokenizerBase

POOLING_MODES = ("avg", "first", "last")


@dataclass
class WordBatch:
    """A padded batch of word-segmented sentences (all tensors on one device)."""

    input_ids: torch.Tensor  # [B, T]
    attention_mask: torch.Tensor  # [B, T]
    word_index: torch.Tensor  # [B, T] slot of each token, -1 for padding (and specials w/o slots)
    n_words: torch.Tensor  # [B] whitespace words per sentence
    slot_mask: torch.Tensor  # [B, W] slot holds at least one token
    add_cls_sep: bool

    @property
    def n_slots(self) -> int:
        return int(self.slot_mask.shape[1])

    def __len__(self) -> int:
        return int(self.input_ids.shape[0])

    def to(self, device: str | torch.device) -> WordBatch:
        return WordBatch(
            self.input_ids.to(device),
            self.attention_mask.to(device),
            self.word_index.to(device),
            self.n_words.to(device),
            self.slot_mask.to(device),
            self.add_cls_sep,
        )


def slots_per_sentence(n_words: int, add_cls_sep: bool) -> int:
    return n_words + 2 if add_cls_sep else n_words


def _word_pieces_slow(tokenizer: PreTrainedTokenizerBase, words: Sequence[str]) -> list[list[int]]:
    return [tokenizer.convert_tokens_to_ids(tokenizer.tokenize(w)) for w in words]


def _token_rows(
    tokenizer: PreTrainedTokenizerBase, sentences: Sequence[Sequence[str]], max_length: int | None
) -> list[tuple[list[int], list[int]]]:
    """Per sentence: token ids incl. [CLS]/[SEP] and each token's word id (-1 for specials)."""
    cls_id, sep_id = tokenizer.cls_token_id, tokenizer.sep_token_id
    rows: list[tuple[list[int], list[int]]] = []
    if getattr(tokenizer, "is_fast", False):
        enc = tokenizer(
            [list(s) for s in sentences], is_split_into_words=True, add_special_tokens=False
        )
        per_sentence = [
            (ids, [-1 if w is None else w for w in enc.word_ids(i)])
            for i, ids in enumerate(enc["input_ids"])
        ]
    else:
        per_sentence = []
        for s in sentences:
            ids, wids = [], []
            for w, pieces in enumerate(_word_pieces_slow(tokenizer, s)):
                ids += pieces
                wids += [w] * len(pieces)
            per_sentence.append((ids, wids))
    for ids, wids in per_sentence:
        if max_length is not None:
            keep = max(0, max_length - 2)
            ids, wids = ids[:keep], wids[:keep]
        rows.append(([cls_id, *ids, sep_id], [-1, *wids, -1]))
    return rows


def token_counts(
    tokenizer: PreTrainedTokenizerBase, sentences: Sequence[Sequence[str]]
) -> list[int]:
    """Sub-word tokens per sentence (without [CLS]/[SEP]): the key for length bucketing."""
    return [len(ids) for ids, _ in _token_rows(tokenizer, sentences, None)]


def encode_words(
    tokenizer: PreTrainedTokenizerBase,
    sentences: Sequence[Sequence[str]],
    *,
    add_cls_sep: bool = True,
    max_length: int | None = None,
) -> WordBatch:
    """Tokenise pre-split sentences into a padded :class:`WordBatch`.

    [CLS]/[SEP] are always in the model input; ``add_cls_sep`` only decides whether they get
    word slots. A word that tokenises to nothing (or is cut by ``max_length``) gets an empty
    slot (``slot_mask`` False) so word indices never shift.
    """
    if not sentences:
        raise ValueError("encode_words: no sentences")
    if max_length is not None and max_length < 2:
        raise ValueError(f"max_length must be >= 2 (room for [CLS] and [SEP]), got {max_length}")
    rows = _token_rows(tokenizer, sentences, max_length)
    n_words = np.array([len(s) for s in sentences], dtype=np.int64)
    width = max(1, int(max(slots_per_sentence(int(n), add_cls_sep) for n in n_words)))
    T = max(len(ids) for ids, _ in rows)
    pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0
    input_ids = np.full((len(rows), T), pad_id, dtype=np.int64)
    attention = np.zeros((len(rows), T), dtype=np.int64)
    word_index = np.full((len(rows), T), -1, dtype=np.int64)
    for b, (ids, wids) in enumerate(rows):
        L = len(ids)
        input_ids[b, :L] = ids
        attention[b, :L] = 1
        w = np.asarray(wids, dtype=np.int64)
        if add_cls_sep:
            w = np.where(w >= 0, w + 1, w)
            w[0] = 0
            w[L - 1] = n_words[b] + 1
        word_index[b, :L] = w
    slot_mask = np.zeros((len(rows), width), dtype=bool)
    bi, ti = np.nonzero(word_index >= 0)
    slot_mask[bi, word_index[bi, ti]] = True
    return WordBatch(
        torch.from_numpy(input_ids),
        torch.from_numpy(attention),
        torch.from_numpy(word_index),
        torch.from_numpy(n_words),
        torch.from_numpy(slot_mask),
        add_cls_sep,
    )


def pool_words(
    hidden: torch.Tensor, word_index: torch.Tensor, n_slots: int, mode: str = "avg"
) -> tuple[torch.Tensor, torch.Tensor]:
    """Token vectors [B, T, H] -> word vectors [B, W, H] (float32) and slot mask [B, W].

    ``avg`` = mean of a word's sub-words (Efimov), ``first`` (Wu & Dredze), ``last`` (Cao).
    Empty slots are zero vectors with mask False. Cast to float32 first: bf16 sums of many
    sub-words lose precision.
    """
    if mode not in POOLING_MODES:
        raise ValueError(f"pooling mode {mode!r} is not one of {POOLING_MODES}")
    B, T, H = hidden.shape
    if word_index.shape != (B, T):
        raise ValueError(f"word_index {tuple(word_index.shape)} does not match hidden {(B, T)}")
    if n_slots < 1:
        raise ValueError("n_slots must be >= 1")
    word_index = word_index.to(hidden.device)
    if word_index.numel() and int(word_index.max()) >= n_slots:
        raise ValueError(f"word_index holds slot {int(word_index.max())} >= n_slots={n_slots}")
    h = hidden.float().reshape(B * T, H)
    valid = (word_index >= 0).reshape(-1)
    offsets = torch.arange(B, device=hidden.device).unsqueeze(1) * n_slots
    dest = (offsets + word_index).reshape(-1)[valid]  # flat slot of each valid token
    counts = torch.zeros(B * n_slots, device=hidden.device, dtype=torch.float32)
    counts.index_add_(0, dest, torch.ones_like(dest, dtype=torch.float32))
    mask = counts > 0
    if mode == "avg":
        sums = torch.zeros(B * n_slots, H, device=hidden.device, dtype=torch.float32)
        sums = sums.index_add(0, dest, h[valid])
        out = sums / counts.clamp_min(1.0).unsqueeze(1)
    else:
        token_pos = torch.arange(B * T, device=hidden.device)[valid]
        fill = B * T if mode == "first" else -1
        pick = torch.full((B * n_slots,), fill, device=hidden.device, dtype=torch.long)
        pick = pick.scatter_reduce(
            0, dest, token_pos, reduce="amin" if mode == "first" else "amax", include_self=False
        )
        gathered = h[pick.clamp(0, max(B * T - 1, 0))]
        out = gathered * mask.unsqueeze(1).to(gathered.dtype)
    return out.reshape(B, n_slots, H), mask.reshape(B, n_slots)


def hidden_layer(
    model: Any, input_ids: torch.Tensor, attention_mask: torch.Tensor, layer: int = -1
) -> torch.Tensor:
    """One layer of token vectors (index into HF ``hidden_states``; -1 = last layer)."""
    if layer == -1:
        out = model(input_ids=input_ids, attention_mask=attention_mask)
        last = getattr(out, "last_hidden_state", None)
        if last is not None:
            return last
    out = model(input_ids=input_ids, attention_mask=attention_mask, output_hidden_states=True)
    states = out.hidden_states
    if not -len(states) <= layer < len(states):
        raise ValueError(
            f"layer {layer} out of range: the model has {len(states)} hidden states "
            "(embeddings + one per transformer layer)"
        )
    return states[layer]


def word_vectors(
    model: Any, batch: WordBatch, *, pooling: str = "avg", layer: int = -1
) -> tuple[torch.Tensor, torch.Tensor]:
    """Pooled word vectors [B, W, H] (float32) and slot mask for a :class:`WordBatch`."""
    hidden = hidden_layer(model, batch.input_ids, batch.attention_mask, layer)
    return pool_words(hidden, batch.word_index, batch.n_slots, pooling)


def pad_tokens(batch: WordBatch, length: int, pad_id: int) -> tuple[torch.Tensor, ...]:
    """``input_ids``, ``attention_mask``, ``word_index`` right-padded to ``length`` tokens."""
    extra = length - batch.input_ids.shape[1]
    if extra < 0:
        raise ValueError("cannot pad to a shorter length")
    if extra == 0:
        return batch.input_ids, batch.attention_mask, batch.word_index
    pad = torch.nn.functional.pad
    return (
        pad(batch.input_ids, (0, extra), value=pad_id),
        pad(batch.attention_mask, (0, extra), value=0),
        pad(batch.word_index, (0, extra), value=-1),
    )


def word_vector_batches(
    model: Any,
    tokenizer: PreTrainedTokenizerBase,
    sentences: Sequence[Sequence[str]],
    *,
    pooling: str,
    layer: int,
    batch_size: int,
    device: str,
    add_cls_sep: bool,
    max_length: int | None,
) -> Iterator[tuple[np.ndarray, torch.Tensor, torch.Tensor]]:
    """``(indices, vectors [B, W, H], slot mask [B, W])`` on the CPU, batches of sentences
    sorted by word count (length bucketing keeps padding small), without autograd; the caller
    sets the model's mode and scatters rows back by ``indices``."""
    order = np.argsort([len(s) for s in sentences], kind="stable")
    with torch.no_grad():
        for s in range(0, len(order), batch_size):
            idx = order[s : s + batch_size]
            wb = encode_words(
                tokenizer,
                [sentences[i] for i in idx],
                add_cls_sep=add_cls_sep,
                max_length=max_length,
            ).to(device)
            vec, mask = word_vectors(model, wb, pooling=pooling, layer=layer)
            yield idx, vec.cpu(), mask.cpu()


def batched_word_vectors(
    model: Any,
    tokenizer: PreTrainedTokenizerBase,
    sentences: Sequence[Sequence[str]],
    *,
    pooling: str = "avg",
    layer: int = -1,
    batch_size: int = 64,
    device: str = "cpu",
    add_cls_sep: bool = False,
    max_length: int | None = None,
) -> list[tuple[np.ndarray, np.ndarray]]:
    """Per sentence: word vectors [n_slots, H] (float32 numpy) and slot mask, no autograd.

    Length-bucketed (sorted by word count) and returned in input order; the model is put in
    eval mode (analyses measure the deterministic representation).
    """
    if max_length is None:
        limit = getattr(getattr(model, "config", None), "max_position_embeddings", None)
        max_length = int(limit) if limit else None
    model.eval()
    out: list[tuple[np.ndarray, np.ndarray] | None] = [None] * len(sentences)
    batches = word_vector_batches(
        model,
        tokenizer,
        sentences,
        pooling=pooling,
        layer=layer,
        batch_size=batch_size,
        device=device,
        add_cls_sep=add_cls_sep,
        max_length=max_length,
    )
    for idx, vec, mask in batches:
        vec, mask = vec.numpy(), mask.numpy()
        for r, i in enumerate(idx):
            k = slots_per_sentence(len(sentences[i]), add_cls_sep)
            out[i] = (vec[r, :k], mask[r, :k])
    return out  # type: ignore[return-value]
