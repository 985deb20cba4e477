from __future__ import annotations

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from repro.model.tiny import tiny_test_model
from repro.model.wordlevel import batched_word_vectors, encode_words, pool_words, word_vectors


@pytest.fixture(autouse=True)
def _one_thread():
    torch.set_num_threads(1)  # two threads spin against other jobs on the 2 shared cores
    yield


@pytest.fixture(scope="module")
def tiny():
    return tiny_test_model()


SENTS = [["El", "niño", "comió", "pan", "."], ["Привет", ",", "мир"], ["Tiếng", "Việt"]]


def _pieces(tok, word):
    return tok.convert_tokens_to_ids(tok.tokenize(word))


def test_word_index_matches_per_word_tokenisation(tiny):
    _, tok = tiny
    wb = encode_words(tok, SENTS)
    assert wb.n_slots == max(len(s) for s in SENTS) + 2
    for b, words in enumerate(SENTS):
        expected_ids, expected_slots = [tok.cls_token_id], [0]
        for w, word in enumerate(words):
            ids = _pieces(tok, word)
            expected_ids += ids
            expected_slots += [w + 1] * len(ids)
        expected_ids.append(tok.sep_token_id)
        expected_slots.append(len(words) + 1)
        L = len(expected_ids)
        assert wb.input_ids[b, :L].tolist() == expected_ids
        assert wb.word_index[b, :L].tolist() == expected_slots
        assert wb.attention_mask[b].sum() == L
        assert (wb.word_index[b, L:] == -1).all()
        assert wb.slot_mask[b].tolist() == [True] * (len(words) + 2) + [False] * (
            wb.n_slots - len(words) - 2
        )
    assert wb.n_words.tolist() == [len(s) for s in SENTS]


def test_without_cls_sep_specials_have_no_slot(tiny):
    _, tok = tiny
    wb = encode_words(tok, SENTS, add_cls_sep=False)
    assert wb.n_slots == max(len(s) for s in SENTS)
    assert wb.input_ids[0, 0] == tok.cls_token_id  # still in the model input
    assert wb.word_index[0, 0] == -1
    assert wb.word_index[0, 1] == 0


def test_empty_word_keeps_later_indices(tiny):
    _, tok = tiny
    assert tok.tokenize("\u200b") == []
    wb = encode_words(tok, [["El", "\u200b", "pan"]])
    assert wb.slot_mask[0].tolist() == [True, True, False, True, True]
    n_el = len(_pieces(tok, "El"))
    assert wb.word_index[0, 1 + n_el] == 3  # "pan" is still word 2 -> slot 3


def test_truncation_empties_cut_words_but_keeps_sep(tiny):
    _, tok = tiny
    words = ["niño"] * 10
    wb = encode_words(tok, [words], max_length=6)
    assert wb.input_ids.shape[1] == 6
    assert wb.input_ids[0, -1] == tok.sep_token_id
    assert wb.word_index[0, -1] == len(words) + 1
    assert not wb.slot_mask[0, len(words)]  # the last word was cut
    assert wb.slot_mask[0, 0] and wb.slot_mask[0, len(words) + 1]


def _naive_pool(hidden, word_index, n_slots, mode):
    B, T, H = hidden.shape
    out = torch.zeros(B, n_slots, H)
    mask = torch.zeros(B, n_slots, dtype=torch.bool)
    for b in range(B):
        for w in range(n_slots):
            rows = [hidden[b, t].float() for t in range(T) if int(word_index[b, t]) == w]
            if not rows:
                continue
            mask[b, w] = True
            if mode == "avg":
                acc = torch.zeros(H)
                for r in rows:
                    acc = acc + r
                out[b, w] = acc / len(rows)
            elif mode == "first":
                out[b, w] = rows[0]
            else:
                out[b, w] = rows[-1]
    return out, mask


@st.composite
def ragged_batches(draw):
    B = draw(st.integers(1, 4))
    H = draw(st.integers(1, 5))
    rows = []
    for _ in range(B):
        # pieces per word; 0 = a word without tokens (empty slot)
        rows.append(draw(st.lists(st.integers(0, 3), min_size=0, max_size=6)))
    pad_extra = draw(st.integers(0, 3))
    T = max(sum(r) for r in rows) + pad_extra
    T = max(T, 1)
    n_slots = max(max((len(r) for r in rows), default=0), 1) + draw(st.integers(0, 2))
    word_index = torch.full((B, T), -1, dtype=torch.long)
    for b, r in enumerate(rows):
        t = 0
        for w, k in enumerate(r):
            word_index[b, t : t + k] = w
            t += k
    seed = draw(st.integers(0, 2**16))
    hidden = torch.randn(B, T, H, generator=torch.Generator().manual_seed(seed))
    mode = draw(st.sampled_from(["avg", "first", "last"]))
    return hidden, word_index, n_slots, mode


@given(ragged_batches())
def test_pool_words_equals_naive_loop(case):
    hidden, word_index, n_slots, mode = case
    got, mask = pool_words(hidden, word_index, n_slots, mode)
    want, want_mask = _naive_pool(hidden, word_index, n_slots, mode)
    assert got.dtype == torch.float32
    assert torch.equal(mask, want_mask)
    torch.testing.assert_close(got, want, rtol=1e-6, atol=1e-6)


def test_pool_words_casts_bf16_to_float32_and_passes_gradient():
    hidden = torch.randn(2, 4, 3, dtype=torch.bfloat16, requires_grad=True)
    wi = torch.tensor([[0, 0, 1, -1], [0, 1, 1, 1]])
    out, mask = pool_words(hidden, wi, 2, "avg")
    assert out.dtype == torch.float32 and mask.all()
    out.sum().backward()
    assert hidden.grad[0, 3].abs().sum() == 0  # padding gets no gradient
    assert hidden.grad[1, 1:].abs().sum() > 0


def test_pool_words_rejects_bad_input():
    with pytest.raises(ValueError, match="pooling mode"):
        pool_words(torch.zeros(1, 2, 3), torch.zeros(1, 2, dtype=torch.long), 1, "max")
    with pytest.raises(ValueError, match="n_slots"):
        pool_words(torch.zeros(1, 2, 3), torch.tensor([[0, 3]]), 2, "avg")


def test_batched_word_vectors_independent_of_batching(tiny):
    model, tok = tiny
    out_small = batched_word_vectors(model, tok, SENTS, batch_size=1)
    out_big = batched_word_vectors(model, tok, SENTS, batch_size=8)
    for (a, ma), (b, mb), words in zip(out_small, out_big, SENTS, strict=True):
        assert a.shape == (len(words), model.config.hidden_size)
        assert (ma == mb).all()
        torch.testing.assert_close(torch.from_numpy(a), torch.from_numpy(b), rtol=1e-4, atol=1e-5)


def test_word_vectors_layer_index(tiny):
    model, tok = tiny
    wb = encode_words(tok, SENTS)
    last, _ = word_vectors(model, wb, layer=-1)
    also_last, _ = word_vectors(model, wb, layer=model.config.num_hidden_layers)
    emb, _ = word_vectors(model, wb, layer=0)
    torch.testing.assert_close(last, also_last)
    assert not torch.allclose(last, emb)
    with pytest.raises(ValueError, match="out of range"):
        word_vectors(model, wb, layer=99)


class _SlowProxy:
    """A tokenizer without ``word_ids`` (slow tokenizers): the per-word fallback path."""

    is_fast = False

    def __init__(self, tok):
        self._tok = tok

    def __getattr__(self, name):
        return getattr(self._tok, name)


def test_slow_tokenizer_path_matches_fast_path(tiny):
    _, tok = tiny
    sents = SENTS + [["El", "\u200b", "pan"]]
    fast = encode_words(tok, sents, max_length=7)
    slow = encode_words(_SlowProxy(tok), sents, max_length=7)
    for name in ("input_ids", "attention_mask", "word_index", "n_words", "slot_mask"):
        assert torch.equal(getattr(fast, name), getattr(slow, name)), name
