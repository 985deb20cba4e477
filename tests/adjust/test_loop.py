from __future__ import annotations

import copy

import numpy as np
import pytest
import torch

from repro.adjust.loop import CHECKPOINT, adjust_encoder, batch_plan, frozen_copy, warmup_lr
from repro.adjust.objective import alignment_losses, make_align_batch
from repro.adjust.reference import reference_adjust
from repro.analysis.word_distances import word_distances
from repro.config import AdjustConfig
from repro.errors import DataError
from repro.tasks.xsr import rank_both, sentence_embeddings


def config(**over) -> AdjustConfig:
    return AdjustConfig(**{"learning_rate": 1e-3, "batch_size": 16, "seed": 0, **over})


def no_dropout(model):
    for mod in model.modules():
        if isinstance(mod, torch.nn.Dropout):
            mod.p = 0.0
    return model


# -- plan and schedule ---------------------------------------------------------------------------
@pytest.mark.parametrize("bucket", [True, False])
def test_batch_plan_covers_every_pair_once_per_epoch(bucket):
    rng = np.random.default_rng(0)
    lengths = rng.integers(1, 60, size=203).tolist()
    plan = batch_plan(lengths, 16, seed=3, bucket=bucket, epochs=2)
    flat = [i for b in plan for i in b]
    assert sorted(flat) == sorted(list(range(203)) * 2)
    assert all(1 <= len(b) <= 16 for b in plan)
    assert plan == batch_plan(lengths, 16, seed=3, bucket=bucket, epochs=2)
    if bucket:
        assert plan != batch_plan(lengths, 16, seed=4, bucket=True, epochs=2)
    else:
        assert plan[0] == list(range(16))


def test_bucketing_reduces_padding():
    lengths = np.random.default_rng(1).integers(2, 64, size=1600).tolist()

    def padded(plan):
        return sum(len(b) * max(lengths[i] for i in b) for b in plan)

    bucketed = batch_plan(lengths, 32, seed=0, bucket=True)
    plain = batch_plan(lengths, 32, seed=0, bucket=False)
    assert padded(bucketed) < 0.8 * padded(plain)


def test_warmup_then_constant():
    # authors: lr = (seen + 1) * peak / (0.1 * N) during warm-up
    assert warmup_lr(5e-5, 0, 1000, 0.1) == pytest.approx(5e-5 / 100)
    assert warmup_lr(5e-5, 49, 1000, 0.1) == pytest.approx(5e-5 * 50 / 100)
    assert warmup_lr(5e-5, 99, 1000, 0.1) == pytest.approx(5e-5)
    assert warmup_lr(5e-5, 900, 1000, 0.1) == pytest.approx(5e-5)
    assert warmup_lr(5e-5, 0, 1000, 0.0) == 5e-5


# -- the loop ------------------------------------------------------------------------------------
def _xsr(model, tok, pairs):
    emb = sentence_embeddings(model, tok, [p["src"] for p in pairs] + [p["tgt"] for p in pairs])
    n = len(pairs)
    ranks = rank_both(emb[:n, -1], emb[n:, -1], "per_vector")
    return np.mean([np.mean(r == 0) for r in ranks.values()])


def _heldout_align(model, tok, pairs):
    model.eval()
    with torch.no_grad():
        align, _ = alignment_losses(model, make_align_batch(tok, pairs))
    return align.item()


def test_adjustment_aligns_the_toy_languages(fresh):
    model, tok, train, heldout = fresh
    before = copy.deepcopy(model)
    adjusted, curve = adjust_encoder(model, tok, train, config(), progress=False)
    assert curve["n_steps"] == 20 and curve["finished"]
    assert not adjusted.training
    assert _heldout_align(adjusted, tok, heldout) < 0.5 * _heldout_align(before, tok, heldout)
    xsr_before, xsr_after = _xsr(before, tok, heldout), _xsr(adjusted, tok, heldout)
    assert xsr_after > xsr_before + 0.15
    d0 = word_distances(before, tok, heldout, "es")
    d1 = word_distances(adjusted, tok, heldout, "es")
    assert [r["id"] for r in d0] == [r["id"] for r in d1]

    def mean(rows, key):
        return float(np.mean([r[key] for r in rows]))

    # related words come closer by more than unrelated ones (a random-init encoder also shows
    # a global shrinkage of every distance, so compare drops and ratios, not the gap)
    drop_rel = mean(d0, "related_euc") - mean(d1, "related_euc")
    drop_unr = mean(d0, "unrelated_euc") - mean(d1, "unrelated_euc")
    assert drop_rel > 0 and drop_rel > drop_unr
    ratio0 = mean(d0, "related_cos") / mean(d0, "unrelated_cos")
    ratio1 = mean(d1, "related_cos") / mean(d1, "unrelated_cos")
    assert ratio1 < 0.8 * ratio0


def test_frozen_english_target_also_aligns(fresh):
    model, tok, train, heldout = fresh
    before = copy.deepcopy(model)
    adjusted, _ = adjust_encoder(model, tok, train, config(english_target="frozen"), progress=False)
    assert _heldout_align(adjusted, tok, heldout) < 0.7 * _heldout_align(before, tok, heldout)


def test_anchor_never_changes(fresh):
    model, tok, train, _ = fresh
    anchor = frozen_copy(model)
    snapshot = {k: v.clone() for k, v in anchor.state_dict().items()}
    adjusted, _ = adjust_encoder(
        model, tok, train[:64], config(), progress=False, anchor_model=anchor
    )
    assert all(torch.equal(snapshot[k], v) for k, v in anchor.state_dict().items())
    changed = [k for k, v in adjusted.state_dict().items() if not torch.equal(snapshot[k], v)]
    assert changed  # ...while the trained model did move


def test_loop_matches_per_sentence_reference(fresh):
    model, tok, train, _ = fresh
    no_dropout(model)
    anchor = frozen_copy(model)
    # adam_eps 1e-4: with the paper's 1e-9, Adam turns float noise in near-zero gradients (the
    # [CLS] row, whose two sides cancel) into full lr-sized steps, so weights are not comparable
    cfg = config(bucket_by_length=False, warmup_ratio=0.5, adam_eps=1e-4)
    pairs = train[:48]
    ours, curve = adjust_encoder(
        copy.deepcopy(model), tok, pairs, cfg, progress=False, anchor_model=anchor
    )
    ref, ref_curve = reference_adjust(copy.deepcopy(model), tok, pairs, cfg, anchor_model=anchor)
    assert len(curve["loss"]) == len(ref_curve["loss"]) == 3
    np.testing.assert_allclose(curve["loss"], ref_curve["loss"], rtol=1e-5, atol=1e-6)
    for (k, a), b in zip(ours.state_dict().items(), ref.state_dict().values(), strict=True):
        torch.testing.assert_close(a, b, rtol=0, atol=1e-5, msg=k)


def test_resume_gives_identical_weights(fresh, tmp_path):
    model, tok, train, _ = fresh
    pairs, cfg = train[:96], config(batch_size=16)  # 6 steps, dropout active
    full, full_curve = adjust_encoder(copy.deepcopy(model), tok, pairs, cfg, progress=False)

    work = tmp_path / "work"
    work.mkdir()
    _, part = adjust_encoder(
        copy.deepcopy(model),
        tok,
        pairs,
        cfg,
        progress=False,
        work_dir=work,
        checkpoint_every=2,
        max_steps=3,
    )
    assert not part["finished"] and (work / CHECKPOINT).is_file()
    torch.manual_seed(12345)  # a restarted process has another RNG state
    resumed, curve = adjust_encoder(
        copy.deepcopy(model), tok, pairs, cfg, progress=False, work_dir=work, checkpoint_every=2
    )
    assert curve["resumed_from"] == 3 and curve["finished"]
    assert curve["loss"] == full_curve["loss"]
    for (k, a), b in zip(full.state_dict().items(), resumed.state_dict().values(), strict=True):
        assert torch.equal(a, b), k


def test_checkpoint_of_another_run_is_ignored(fresh, tmp_path):
    model, tok, train, _ = fresh
    adjust_encoder(
        copy.deepcopy(model),
        tok,
        train[:64],
        config(),
        progress=False,
        work_dir=tmp_path,
        checkpoint_every=1,
        max_steps=2,
    )
    _, curve = adjust_encoder(
        copy.deepcopy(model), tok, train[:64], config(seed=1), progress=False, work_dir=tmp_path
    )
    assert curve["resumed_from"] == 0 and curve["finished"]


def test_bf16_runs_with_float32_losses(fresh):
    model, tok, train, _ = fresh
    _, curve = adjust_encoder(model, tok, train[:32], config(bf16=True), progress=False)
    assert np.isfinite(curve["loss"]).all()
    assert next(model.parameters()).dtype == torch.float32


def test_no_pairs_is_a_data_error(fresh):
    model, tok, _, _ = fresh
    with pytest.raises(DataError, match="no parallel pairs"):
        adjust_encoder(model, tok, [], config(), progress=False)
