"""Continual learning: pool and per-step sampling, loss scaling, anchor frozen, 0 ≡ plain."""

from __future__ import annotations

import json

import numpy as np
import pytest
import toy

from repro.config import ContinualConfig
from repro.data.bundle import write_jsonl
from repro.errors import DataError
from repro.loops.continual import build_continual_loss, load_pool, step_indices
from repro.loops.finetune import finetune
from repro.tasks import get_task


@pytest.fixture(autouse=True)
def _one_thread():
    import torch

    torch.set_num_threads(1)  # tiny models on a shared 2-core box: 2 threads thrash


@pytest.fixture(scope="module")
def encoders(tmp_path_factory):
    """(start encoder, a different 'original' anchor encoder), same tokenizer."""
    root = tmp_path_factory.mktemp("enc")
    return toy.make_encoder(root / "start", seed=0), toy.make_encoder(root / "orig", seed=1)


@pytest.fixture(scope="module")
def pairs_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("pairs") / "pairs.jsonl"
    write_jsonl(path, toy.pair_records(30))
    return path


def _state(model):
    return {k: v.detach().clone() for k, v in model.state_dict().items()}


def _same(a, b):
    return a.keys() == b.keys() and all(bool((a[k] == b[k]).all()) for k in a)


def test_pool_is_a_seeded_prefix_of_a_shuffle(pairs_file, tmp_path):
    a = load_pool([pairs_file], 10, seed=4)
    assert a == load_pool([pairs_file], 10, seed=4)
    assert len(a) == 10 and len({r["id"] for r in a}) == 10
    assert [r["id"] for r in a] != [r["id"] for r in load_pool([pairs_file], 10, seed=5)]
    assert load_pool([pairs_file], 40, seed=4)[:10] == a  # the prefix of one permutation
    two = load_pool([pairs_file, pairs_file], 10, seed=4)
    assert two[:10] == a and len(two) == 20
    bad = tmp_path / "bad.jsonl"
    write_jsonl(bad, [{"id": "x", "src": "a b", "tgt": "c", "alignment": [[0, 3]]}])
    with pytest.raises(DataError, match="out of range"):
        load_pool([bad], 10, seed=0)


def test_step_pairs_are_uniform_with_replacement_and_reproducible():
    import torch

    a = step_indices(7, 12, pool_len=5, k=16)
    torch.manual_seed(0)
    np.random.seed(0)
    assert np.array_equal(a, step_indices(7, 12, pool_len=5, k=16))  # no global RNG involved
    assert len(a) == 16 and len(set(a.tolist())) < 16  # replacement: repeats in a pool of 5
    assert not np.array_equal(a, step_indices(7, 13, pool_len=5, k=16))
    draws = np.concatenate([step_indices(0, s, pool_len=4, k=16) for s in range(400)])
    assert np.allclose(np.bincount(draws) / len(draws), 0.25, atol=0.02)


def test_extra_losses_are_per_element_mse(encoders, pairs_file):
    """The logged terms equal the mean over pairs x hidden dims, not a sum over dims."""
    import torch
    import torch.nn.functional as F

    from repro.adjust.objective import make_align_batch, pair_word_vectors
    from repro.model.io import load_encoder

    start, orig = encoders
    model, tok = load_encoder(start)
    anchor, _ = load_encoder(orig)
    pool = load_pool([pairs_file], 30, seed=0)
    loss = build_continual_loss(
        ContinualConfig(align_weight=0.01, anchor_weight=1.0, pairs_per_step=6),
        pool,
        anchor,
        tok,
        seed=3,
    )
    model.eval()  # no dropout: the manual recomputation must see the same vectors

    class Wrapper(torch.nn.Module):  # the task model's encoder is its base_model
        def __init__(self, enc):
            super().__init__()
            self.bert = enc
            self.base_model_prefix = "bert"

        @property
        def base_model(self):
            return self.bert

    terms = loss(Wrapper(model), step=5)
    (wa, align), (wr, reg) = terms["align_loss"], terms["reg_loss"]
    assert (wa, wr) == (0.01, 1.0) and align.requires_grad
    idx = step_indices(3, 5, len(pool), 6)
    batch = make_align_batch(tok, [pool[i] for i in idx], include_cls_sep=True)
    with torch.no_grad():
        en, xx = pair_word_vectors(model, batch)
        en0, _ = pair_word_vectors(anchor, batch)
    m = batch.en.slot_mask
    hidden = en.shape[-1]
    manual_reg = F.mse_loss(en[m], en0[m])
    per_element = ((en[m] - en0[m]) ** 2).mean()
    summed_over_dims = ((en[m] - en0[m]) ** 2).sum(-1).mean()
    assert reg.item() == pytest.approx(manual_reg.item(), rel=1e-4)
    assert reg.item() == pytest.approx(per_element.item(), rel=1e-4)
    assert reg.item() == pytest.approx(summed_over_dims.item() / hidden, rel=1e-4)
    xs = xx[batch.link_pair, batch.link_xx]
    es = en[batch.link_pair, batch.link_en]
    assert align.item() == pytest.approx(F.mse_loss(xs, es).item(), rel=1e-4)


def _cl_finetune(encoders, pairs_file, tmp, ccfg, *, anchor_model=None, seed=2, **kw):
    from repro.model.io import load_encoder, load_tokenizer

    start, orig = encoders
    aux = None
    if ccfg is not None:
        if anchor_model is None:
            anchor_model, _ = load_encoder(orig)
        aux = build_continual_loss(
            ccfg,
            load_pool([pairs_file], ccfg.pool_size, seed),
            anchor_model,
            load_tokenizer(start),
            seed=seed,
        )
    return finetune(
        get_task("nli"),
        start,
        toy.nli_records(24),
        cfg=toy.train_config(),
        seed=seed,
        work_dir=tmp,
        aux_loss=aux,
        **kw,
    )


def test_zero_weights_reproduce_plain_fine_tuning_exactly(encoders, pairs_file, tmp_path):
    plain = _cl_finetune(encoders, pairs_file, tmp_path / "plain", None)
    zero = _cl_finetune(
        encoders,
        pairs_file,
        tmp_path / "zero",
        ContinualConfig(align_weight=0.0, anchor_weight=0.0),
    )
    assert _same(_state(plain.model), _state(zero.model))
    cl = _cl_finetune(encoders, pairs_file, tmp_path / "cl", ContinualConfig(pairs_per_step=4))
    assert not _same(_state(plain.model), _state(cl.model))


def test_anchor_never_changes_and_losses_are_logged(encoders, pairs_file, tmp_path):
    from repro.model.io import load_encoder

    anchor, _ = load_encoder(encoders[1])
    before = _state(anchor)
    res = _cl_finetune(
        encoders,
        pairs_file,
        tmp_path / "w",
        ContinualConfig(align_weight=0.5, anchor_weight=1.0, pairs_per_step=4),
        anchor_model=anchor,
    )
    assert _same(before, _state(anchor))
    assert res.model.base_model is not anchor
    logs = [h for h in res.log["log_history"] if "loss" in h]
    assert logs and all({"task_loss", "align_loss", "reg_loss"} <= set(h) for h in logs)
    for h in logs:  # the total is task + weighted extras
        assert h["loss"] == pytest.approx(
            h["task_loss"] + 0.5 * h["align_loss"] + h["reg_loss"], rel=1e-3
        )
    assert set(res.summary["final"]) >= {"task_loss", "align_loss", "reg_loss"}
    json.dumps(res.log)


def test_reg_without_anchor_is_refused(encoders, pairs_file):
    from repro.model.io import load_tokenizer

    pool = load_pool([pairs_file], 5, seed=0)
    with pytest.raises(ValueError, match="anchor"):
        build_continual_loss(ContinualConfig(), pool, None, load_tokenizer(encoders[0]), seed=0)
    with pytest.raises(DataError):
        build_continual_loss(ContinualConfig(), [], None, load_tokenizer(encoders[0]), seed=0)
