from __future__ import annotations

import time
import unicodedata

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from repro.model.tiny import (
    DEFAULT_TEXTS,
    SPECIAL_TOKENS,
    learn_wordpiece_vocab,
    make_tiny_encoder,
    tiny_bert_config,
    tiny_test_model,
    train_wordpiece,
)

CORPUS = list(DEFAULT_TEXTS) * 3
DIACRITIC_WORDS = [
    "Tiếng",
    "Việt",
    "ngữ",
    "Nguyễn",
    "नमस्ते",
    "दुनिया",
    "किताबें",
    "niño",
    "Málaga",
    "живёт",
    "Москва",
]


@pytest.fixture(scope="module")
def tok():
    return train_wordpiece(CORPUS, 300)


def test_special_tokens_come_first(tok):
    assert [tok.convert_tokens_to_ids(s) for s in SPECIAL_TOKENS] == list(range(5))
    assert tok.pad_token_id == 0 and tok.mask_token == "[MASK]"


@pytest.mark.parametrize("word", DIACRITIC_WORDS)
def test_diacritics_survive_round_trip(tok, word):
    ids = tok(word)["input_ids"]
    assert tok.unk_token_id not in ids
    assert tok.decode(ids, skip_special_tokens=True) == word
    # every sub-word keeps the combining marks (no accent stripping)
    pieces = "".join(p.removeprefix("##") for p in tok.convert_ids_to_tokens(ids[1:-1]))
    assert unicodedata.normalize("NFC", pieces) == unicodedata.normalize("NFC", word)


def test_lowercase_option_keeps_accents():
    tok = train_wordpiece(CORPUS, 300, lowercase=True)
    ids = tok("Tiếng नमस्ते")["input_ids"]
    assert tok.decode(ids, skip_special_tokens=True) == "tiếng नमस्ते"


def test_word_ids_align_pre_split_words(tok):
    words = ["Nguyễn", "thường", "đọc", "सब", "किताबें", "Москва", "xyzzyq"]
    enc = tok(words, is_split_into_words=True)
    wids = enc.word_ids()
    assert wids[0] is None and wids[-1] is None
    inner = wids[1:-1]
    assert inner == sorted(inner) and set(inner) == set(range(len(words)))
    toks = tok.convert_ids_to_tokens(enc["input_ids"])
    for i, w in enumerate(words):
        pieces = [t for t, k in zip(toks, wids, strict=True) if k == i]
        assert not pieces[0].startswith("##")
        assert all(p.startswith("##") for p in pieces[1:])
        if "[UNK]" not in pieces:
            assert "".join(p.removeprefix("##") for p in pieces) == w


def test_pair_template_and_truncation(tok):
    enc = tok("El niño", "The cat", return_token_type_ids=True)
    toks = tok.convert_ids_to_tokens(enc["input_ids"])
    assert toks[0] == "[CLS]" and toks.count("[SEP]") == 2 and toks[-1] == "[SEP]"
    assert enc["token_type_ids"][-1] == 1 and enc["token_type_ids"][0] == 0
    long = tok(" ".join(["Москва"] * 100), truncation=True, max_length=16)["input_ids"]
    assert len(long) == 16 and long[-1] == tok.sep_token_id


def test_training_is_deterministic():
    # the `tokenizers` trainer is not (hash-order tie-breaking): several runs must agree
    vocabs = [train_wordpiece(CORPUS, 250).get_vocab() for _ in range(4)]
    assert all(v == vocabs[0] for v in vocabs)
    shuffled = list(reversed(CORPUS))
    assert train_wordpiece(shuffled, 250).get_vocab() == vocabs[0]


def test_vocab_size_is_reached_and_ordered():
    tok = train_wordpiece(CORPUS, 260)
    assert len(tok) == 260
    inv = sorted(tok.get_vocab(), key=tok.get_vocab().get)
    assert inv[:5] == list(SPECIAL_TOKENS)


@given(
    st.dictionaries(
        st.text(alphabet="abcéд", min_size=1, max_size=6),
        st.integers(1, 20),
        min_size=1,
        max_size=30,
    ),
    st.integers(6, 60),
)
def test_learned_vocab_covers_words(counts, size):
    vocab = learn_wordpiece_vocab(counts, size)
    assert len(vocab) == len(set(vocab))
    assert vocab[:5] == list(SPECIAL_TOKENS)
    chars = {w[0] for w in counts} | {"##" + ch for w in counts for ch in w[1:]}
    assert chars <= set(vocab)  # the alphabet is never cut: no word becomes [UNK]
    assert len(vocab) <= max(size, 5 + len(chars))
    merges = vocab[5 + len(chars) :]
    assert all(m.removeprefix("##") and len(m.removeprefix("##")) >= 2 for m in merges)
    assert learn_wordpiece_vocab(dict(reversed(list(counts.items()))), size) == vocab


def test_merges_follow_frequency_then_lexical_order():
    vocab = learn_wordpiece_vocab({"abab": 10, "cd": 3, "ce": 2}, 100)
    assert vocab[5:11] == ["a", "c", "##a", "##b", "##d", "##e"]
    # three pairs tie at 10: the lexicographically smallest goes first, then re-counted pairs
    assert vocab[11:] == ["##ab", "##bab", "abab", "cd", "ce"]


@given(
    st.lists(
        st.sampled_from(DIACRITIC_WORDS + ["cat", "3", "Paris", "ngôn"]), min_size=1, max_size=12
    )
)
def test_decode_inverts_encode(words):
    tok = _shared_tok()
    ids = tok(" ".join(words))["input_ids"]
    assert tok.decode(ids, skip_special_tokens=True) == " ".join(words)


_CACHE: dict = {}


def _shared_tok():
    if "tok" not in _CACHE:
        _CACHE["tok"] = train_wordpiece(CORPUS, 300)
    return _CACHE["tok"]


def test_vocab_size_too_small_rejected():
    with pytest.raises(ValueError):
        train_wordpiece(CORPUS, 5)


def test_tiny_bert_config_follows_model_config():
    class Cfg:
        hidden_size = 64
        num_hidden_layers = 3
        num_attention_heads = 4
        intermediate_size = 96
        max_position_embeddings = 80

    cfg = tiny_bert_config(Cfg(), 123)
    assert (
        cfg.hidden_size,
        cfg.num_hidden_layers,
        cfg.num_attention_heads,
        cfg.intermediate_size,
        cfg.max_position_embeddings,
        cfg.vocab_size,
    ) == (64, 3, 4, 96, 80, 123)
    a = make_tiny_encoder(Cfg(), 123, seed=3)
    b = make_tiny_encoder(Cfg(), 123, seed=3)
    c = make_tiny_encoder(Cfg(), 123, seed=4)
    wa, wb, wc = (m.embeddings.word_embeddings.weight for m in (a, b, c))
    assert torch.equal(wa, wb) and not torch.equal(wa, wc)


def test_seeded_build_leaves_global_rng_alone():
    torch.manual_seed(11)
    expected = torch.rand(3)
    torch.manual_seed(11)
    tiny_test_model(seed=5)
    assert torch.equal(torch.rand(3), expected)


def test_tiny_test_model_is_fast_and_usable():
    tiny_test_model()  # warm imports
    t0 = time.perf_counter()
    model, tok = tiny_test_model(hidden=32, layers=2, heads=2, vocab=300)
    assert time.perf_counter() - t0 < 1.0
    assert not model.training
    assert model.config.vocab_size == len(tok) <= 300
    enc = tok(["Tiếng Việt", "नमस्ते दुनिया"], padding=True, return_tensors="pt")
    with torch.no_grad():
        out = model(**enc, output_hidden_states=True)
    assert out.last_hidden_state.shape == (2, enc["input_ids"].shape[1], 32)
    assert len(out.hidden_states) == 3
    assert out.last_hidden_state.dtype == torch.float32
