"""MLM pretraining data: the corpus encoded once into flat token arrays, language-balanced
batches of single sentences or packed rows, and BERT's 80/10/10 masking."""

from __future__ import annotations

from array import array
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import torch


@dataclass
class EncodedCorpus:
    """All sentences as one flat token tensor; languages are contiguous blocks of sentences."""

    tokens: torch.Tensor  # (total_tokens,) int64
    starts: torch.Tensor  # (n_sentences,) int64
    lengths: torch.Tensor  # (n_sentences,) int64, including [CLS]/[SEP]
    lang_offset: torch.Tensor  # (n_langs,) first sentence of each language
    lang_size: torch.Tensor  # (n_langs,)
    langs: list[str]

    def tokens_per_sentence(self) -> dict[str, float]:
        out = {}
        for i, lang in enumerate(self.langs):
            a, n = int(self.lang_offset[i]), int(self.lang_size[i])
            out[lang] = round(float(self.lengths[a : a + n].double().mean()) - 2.0, 3)
        return out


def encode_corpus(
    tokenizer: Any, corpora: Mapping[str, Sequence[str]], max_length: int
) -> EncodedCorpus:
    """Same ids as ``tokenizer(words, is_split_into_words=True, truncation=True)``, ~10x faster.

    WordPiece encodes each pre-split word independently, so every distinct word is encoded once
    (the synthetic corpus has a few thousand types for 200k sentences) and sentences are joined.
    """
    import numpy as np
    import torch

    backend = tokenizer.backend_tokenizer
    cls_id, sep_id = tokenizer.cls_token_id, tokenizer.sep_token_id
    langs = sorted(corpora)
    types = sorted({w for lang in langs for line in corpora[lang] for w in line.split()})
    pieces_of = dict(
        zip(
            types,
            (e.ids for e in backend.encode_batch(types, add_special_tokens=False)),
            strict=True,
        )
    )
    budget = max_length - 2
    flat = array("q")  # compact: real corpora reach tens of millions of tokens
    lengths = array("q")
    sizes = []
    for lang in langs:
        sizes.append(len(corpora[lang]))
        for line in corpora[lang]:
            ids = [cls_id]
            for w in line.split():
                ids.extend(pieces_of[w])
            del ids[budget + 1 :]
            ids.append(sep_id)
            flat.extend(ids)
            lengths.append(len(ids))
    length = torch.from_numpy(np.frombuffer(lengths, dtype=np.int64).copy())
    size = torch.tensor(sizes, dtype=torch.long)
    return EncodedCorpus(
        tokens=torch.from_numpy(np.frombuffer(flat, dtype=np.int64).copy()),
        starts=torch.cumsum(length, 0) - length,
        lengths=length,
        lang_offset=torch.cumsum(size, 0) - size,
        lang_size=size,
        langs=langs,
    )


# -- batches -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class SpecialIds:
    pad: int
    cls: int
    sep: int
    mask: int
    unk: int
    vocab_size: int

    @classmethod
    def of(cls, tokenizer: Any) -> SpecialIds:
        return cls(
            pad=tokenizer.pad_token_id,
            cls=tokenizer.cls_token_id,
            sep=tokenizer.sep_token_id,
            mask=tokenizer.mask_token_id,
            unk=tokenizer.unk_token_id,
            vocab_size=len(tokenizer),
        )


def sample_sentences(corpus: EncodedCorpus, batch_size: int, gen: torch.Generator) -> torch.Tensor:
    """Language-balanced: each row picks a language uniformly, then a sentence of it uniformly."""
    import torch

    lang = torch.randint(len(corpus.langs), (batch_size,), generator=gen)
    u = torch.rand(batch_size, generator=gen, dtype=torch.float64)
    size = corpus.lang_size[lang]
    return corpus.lang_offset[lang] + torch.minimum((u * size).long(), size - 1)


def sample_packed(
    corpus: EncodedCorpus,
    batch_size: int,
    gen: torch.Generator,
    pad_id: int,
    per_row: int,
    max_len: int,
    contiguous: bool = False,
) -> tuple[torch.Tensor, torch.Tensor]:
    """``batch_size // per_row`` rows, each ``per_row`` sentences of one language joined as
    ``[CLS] s1 [SEP] s2 [SEP] ...`` and cut at ``max_len`` (the last token kept a [SEP]).

    ``contiguous``: the sentences of a row are one block of ``per_row`` consecutive lines
    starting at a multiple of ``per_row`` (a document of the synthetic world); otherwise each
    is drawn independently."""
    import torch

    rows = max(1, batch_size // per_row)
    lang = torch.randint(len(corpus.langs), (rows,), generator=gen)
    size = corpus.lang_size[lang][:, None]
    if contiguous:
        n_docs = torch.clamp(size // per_row, min=1)
        u = torch.rand(rows, 1, generator=gen, dtype=torch.float64)
        first = torch.minimum((u * n_docs).long(), n_docs - 1) * per_row
        within = torch.minimum(first + torch.arange(per_row)[None, :], size - 1)
        sent = corpus.lang_offset[lang][:, None] + within
    else:
        u = torch.rand(rows, per_row, generator=gen, dtype=torch.float64)
        sent = corpus.lang_offset[lang][:, None] + torch.minimum((u * size).long(), size - 1)
    seqs = []
    for r in range(rows):
        parts = []
        for k, i in enumerate(sent[r].tolist()):
            a, n = int(corpus.starts[i]), int(corpus.lengths[i])
            parts.append(corpus.tokens[a : a + n] if k == 0 else corpus.tokens[a + 1 : a + n])
        seq = torch.cat(parts)
        if len(seq) > max_len:
            seq = torch.cat([seq[: max_len - 1], corpus.tokens[a + n - 1 : a + n]])  # [SEP]
        seqs.append(seq)
    width = max(len(x) for x in seqs)
    ids = torch.full((rows, width), pad_id, dtype=torch.long)
    valid = torch.zeros((rows, width), dtype=torch.bool)
    for r, seq in enumerate(seqs):
        ids[r, : len(seq)] = seq
        valid[r, : len(seq)] = True
    return ids, valid


def sample_batch(
    corpus: EncodedCorpus, batch_size: int, gen: torch.Generator, pad_id: int
) -> tuple[torch.Tensor, torch.Tensor]:
    """Token ids (dynamically padded to the longest row) and the non-padding mask."""
    import torch

    sent = sample_sentences(corpus, batch_size, gen)
    length = corpus.lengths[sent]
    width = int(length.max())
    pos = torch.arange(width)
    valid = pos[None, :] < length[:, None]
    ids = torch.full((batch_size, width), pad_id, dtype=torch.long)
    ids[valid] = corpus.tokens[(corpus.starts[sent][:, None] + pos[None, :])[valid]]
    return ids, valid


def mask_tokens(
    ids: torch.Tensor, valid: torch.Tensor, special: SpecialIds, prob: float, gen: torch.Generator
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """BERT masking: ``prob`` of the non-special tokens; 80% [MASK], 10% random, 10% kept."""
    import torch

    candidate = valid & (ids != special.cls) & (ids != special.sep) & (ids != special.pad)
    chosen = (torch.rand(ids.shape, generator=gen) < prob) & candidate
    if not bool(chosen.any()):  # a batch of one-word sentences: mask one token anyway
        flat = candidate.flatten().nonzero().flatten()
        if len(flat):
            pick = flat[torch.randint(len(flat), (1,), generator=gen)]
            chosen.view(-1)[pick] = True
    labels = ids[chosen]
    r = torch.rand(ids.shape, generator=gen)
    # the special tokens occupy the first ids (trainer order): random replacements skip them
    first_word = max(special.pad, special.cls, special.sep, special.mask, special.unk) + 1
    rand_tok = torch.randint(first_word, special.vocab_size, ids.shape, generator=gen)
    out = ids.clone()
    out[chosen & (r < 0.8)] = special.mask
    swap = chosen & (r >= 0.8) & (r < 0.9)
    out[swap] = rand_tok[swap]
    return out, chosen, labels
