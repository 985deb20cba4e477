from __future__ import annotations

import copy
from types import SimpleNamespace

import pytest
import torch

from repro.adjust.loop import frozen_copy
from repro.adjust.objective import AnchorCache, alignment_losses, make_align_batch
from repro.adjust.reference import reference_losses
from repro.errors import DataError
from repro.model.tiny import train_wordpiece


def perturbed(model, scale=0.05, seed=0):
    m = copy.deepcopy(model)
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in m.parameters():
            p.add_(torch.randn(p.shape, generator=g) * scale)
    return m


# -- batch bookkeeping ---------------------------------------------------------------------------
def _links(b):
    return sorted(zip(b.link_pair.tolist(), b.link_en.tolist(), b.link_xx.tolist(), strict=True))


def test_align_batch_links_with_cls_sep(toy):
    _, tok, _, _ = toy
    pairs = [
        {"id": "a", "src": "w0 w1 w2", "tgt": "v0 v1", "alignment": [[0, 1], [2, 0]]},
        {"id": "b", "src": "w0", "tgt": "v0 v1 v2 v3", "alignment": [[0, 3]]},
    ]
    b = make_align_batch(tok, pairs)
    got = _links(b)
    want = sorted([(0, 1, 2), (0, 3, 1), (0, 0, 0), (0, 4, 3), (1, 1, 4), (1, 0, 0), (1, 2, 5)])
    assert got == want
    assert b.ids == ["a", "b"]
    b2 = make_align_batch(tok, pairs, include_cls_sep=False)
    assert _links(b2) == sorted([(0, 0, 1), (0, 2, 0), (1, 0, 3)])


def test_links_to_empty_words_are_dropped(toy):
    _, tok, _, _ = toy
    pairs = [{"id": "a", "src": "w0 \u200b", "tgt": "v0 v1", "alignment": [[0, 0], [1, 1]]}]
    b = make_align_batch(tok, pairs, include_cls_sep=False)
    assert list(zip(b.link_en.tolist(), b.link_xx.tolist(), strict=True)) == [(0, 0)]


@pytest.mark.parametrize(
    "bad, problem",
    [
        ({"src": "a b", "tgt": "c", "alignment": [[0, 1]]}, "out of range"),
        ({"src": "a b", "tgt": "c", "alignment": [[0]]}, "pair of integers"),
        ({"src": "a b", "tgt": "c"}, "lacks 'alignment'"),
    ],
)
def test_bad_records_raise_data_error_naming_record(toy, bad, problem):
    _, tok, _, _ = toy
    with pytest.raises(DataError, match=problem) as err:
        make_align_batch(tok, [{"id": "rec7", **bad}], source="pairs.jsonl")
    assert "rec7" in str(err.value) and "pairs.jsonl" in str(err.value)


# -- loss scaling --------------------------------------------------------------------------------
class _Lookup(torch.nn.Module):
    """Encoder stub: token vector = embedding row (no context), so errors are set by hand."""

    def __init__(self, table: torch.Tensor) -> None:
        super().__init__()
        self.emb = torch.nn.Embedding.from_pretrained(table, freeze=False)

    def forward(self, input_ids, attention_mask=None, output_hidden_states=False):
        h = self.emb(input_ids)
        return SimpleNamespace(last_hidden_state=h, hidden_states=(h, h))


@pytest.mark.parametrize("hidden", [4, 64])
def test_align_loss_is_per_element_mse(hidden):
    tok = train_wordpiece(["aa bb cc xaa xbb xcc"] * 20, 40)
    vocab = tok.get_vocab()
    assert all(tok.tokenize(w) == [w] for w in ("aa", "xaa", "bb", "xbb", "cc", "xcc"))
    delta = 0.3
    table = torch.randn(len(tok), hidden, generator=torch.Generator().manual_seed(0))
    for w in ("aa", "bb", "cc"):
        table[vocab["x" + w]] = table[vocab[w]] + delta
    stub = _Lookup(table)
    pairs = [
        {"id": "p", "src": "aa bb cc", "tgt": "xaa xbb xcc", "alignment": [[0, 0], [1, 1], [2, 2]]}
    ]
    align, reg = alignment_losses(stub, make_align_batch(tok, pairs, include_cls_sep=False))
    assert align.item() == pytest.approx(delta**2, rel=1e-5)  # not hidden * delta**2
    assert reg.item() == 0.0  # no anchor given
    # [CLS]/[SEP] links have zero error: 3 of 5 links carry delta
    align_cs, _ = alignment_losses(stub, make_align_batch(tok, pairs, include_cls_sep=True))
    assert align_cs.item() == pytest.approx(delta**2 * 3 / 5, rel=1e-5)


# -- gradients, anchor ---------------------------------------------------------------------------
def _side_rows(tok, pairs):
    def ids(side):
        return {
            i
            for p in pairs
            for w in p[side].split()
            for i in tok.convert_tokens_to_ids(tok.tokenize(w))
        }

    en, xx = ids("src"), ids("tgt")
    return sorted(en - xx), sorted(xx - en)


@pytest.mark.parametrize("target", ["current", "frozen"])
def test_gradient_sides(fresh, target):
    model, tok, pairs, _ = fresh
    model = perturbed(model)
    anchor = frozen_copy(fresh[0])
    batch_pairs = pairs[:8]
    en_rows, xx_rows = _side_rows(tok, batch_pairs)
    assert en_rows and xx_rows
    batch = make_align_batch(tok, batch_pairs)
    model.eval()
    align, reg = alignment_losses(model, batch, english_target=target, anchor_model=anchor)
    emb = model.embeddings.word_embeddings.weight
    g_align = torch.autograd.grad(align, emb, retain_graph=True)[0]
    g_reg = torch.autograd.grad(reg, emb)[0]
    xx_norm = g_align[xx_rows].abs().sum()
    en_norm = g_align[en_rows].abs().sum()
    assert xx_norm > 0
    if target == "current":
        assert en_norm > 0
    else:
        assert en_norm == 0
    assert g_reg[en_rows].abs().sum() > 0
    assert g_reg[xx_rows].abs().sum() == 0
    assert all(p.grad is None for p in anchor.parameters())
    assert not any(p.requires_grad for p in anchor.parameters())


def test_reg_zero_against_identical_anchor_and_align_zero_on_identical_sentences(fresh):
    model, tok, pairs, _ = fresh
    model.eval()
    anchor = frozen_copy(model)
    _, reg = alignment_losses(model, make_align_batch(tok, pairs[:8]), anchor_model=anchor)
    assert reg.item() == pytest.approx(0.0, abs=1e-10)
    same = [
        {
            "id": p["id"],
            "src": p["src"],
            "tgt": p["src"],
            "alignment": [[i, i] for i in range(len(p["src"].split()))],
        }
        for p in pairs[:8]
    ]
    align, _ = alignment_losses(model, make_align_batch(tok, same), anchor_model=anchor)
    assert align.item() == pytest.approx(0.0, abs=1e-10)


def test_frozen_target_needs_an_anchor(toy):
    model, tok, pairs, _ = toy
    with pytest.raises(ValueError, match="frozen"):
        alignment_losses(model, make_align_batch(tok, pairs[:2]), english_target="frozen")


# -- equivalence with the per-sentence reference -------------------------------------------------
@pytest.mark.parametrize("pooling", ["avg", "first", "last"])
@pytest.mark.parametrize("target", ["current", "frozen"])
@pytest.mark.parametrize("cls_sep", [True, False])
def test_batched_loss_equals_reference(toy, pooling, target, cls_sep):
    base, tok, pairs, _ = toy
    model = perturbed(base).eval()
    anchor = frozen_copy(base)
    chunk = pairs[:12]
    batch = make_align_batch(tok, chunk, include_cls_sep=cls_sep)
    ours = alignment_losses(
        model, batch, pooling=pooling, english_target=target, anchor_model=anchor
    )
    ref = reference_losses(
        model,
        tok,
        chunk,
        anchor_model=anchor,
        pooling=pooling,
        english_target=target,
        include_cls_sep=cls_sep,
    )
    for a, b in zip(ours, ref, strict=True):
        assert b.item() > 1e-4  # the test would be vacuous at zero
        assert a.item() == pytest.approx(b.item(), abs=1e-5, rel=1e-5)


# -- anchor cache --------------------------------------------------------------------------------
@pytest.mark.parametrize("half", [False, True])
def test_anchor_cache_matches_on_the_fly_anchor(toy, half):
    base, tok, pairs, _ = toy
    model = perturbed(base).eval()
    anchor = frozen_copy(base)
    pool = pairs[:40]
    cache = AnchorCache.build(anchor, tok, pool, batch_size=7, half=half)
    assert len(cache) == len(pool)
    assert cache.vectors.dtype == (torch.float16 if half else torch.float32)
    idx = [5, 0, 33, 5, 17]  # with replacement, any order
    batch = make_align_batch(tok, [pool[i] for i in idx])
    vec, mask = cache.english_vectors(idx)
    assert torch.equal(mask[:, : batch.en.n_slots], batch.en.slot_mask)
    on_the_fly = alignment_losses(model, batch, anchor_model=anchor, english_target="frozen")
    cached = alignment_losses(model, batch, anchor_en=vec, english_target="frozen")
    tol = 2e-3 if half else 1e-6
    for a, b in zip(cached, on_the_fly, strict=True):
        assert a.item() == pytest.approx(b.item(), rel=tol, abs=tol)
    with pytest.raises(IndexError):
        cache.english_vectors([len(pool)])
