"""NLI features, decoding and scoring (no training)."""

from __future__ import annotations

import numpy as np
import pytest
import toy

from repro.records import NLI_LABELS
from repro.tasks import nli
from repro.tasks.base import FeatureConfig


@pytest.fixture(scope="module")
def tokenizer():
    from repro.model.tiny import train_wordpiece

    return train_wordpiece(toy.texts(), 200)


def test_pair_features_carry_segment_ids_and_labels(tokenizer):
    recs = toy.nli_records(9)
    feats = nli.encode_train(recs, tokenizer, FeatureConfig(max_seq_length=64))
    assert len(feats) == len(recs)
    for f, r in zip(feats, recs, strict=True):
        assert f["labels"] == NLI_LABELS.index(r["label"])
        ids, types = f["input_ids"], f["token_type_ids"]
        assert ids[0] == tokenizer.cls_token_id and ids[-1] == tokenizer.sep_token_id
        assert ids.count(tokenizer.sep_token_id) == 2
        first_sep = ids.index(tokenizer.sep_token_id)
        assert set(types[: first_sep + 1]) == {0} and set(types[first_sep + 1 :]) == {1}
    assert "labels" not in nli.encode_eval(recs, tokenizer, FeatureConfig(64)).features[0]


def test_pairs_are_truncated_to_max_seq_length(tokenizer):
    rec = dict(toy.nli_records(1)[0], premise=" ".join(["Anna sees the book"] * 30))
    f = nli.encode_train([rec], tokenizer, FeatureConfig(max_seq_length=20))[0]
    assert len(f["input_ids"]) == 20


def test_decode_fields_and_accuracy(tokenizer):
    recs = toy.nli_records(12)
    ecfg = toy.eval_config()
    gold = [NLI_LABELS.index(r["label"]) for r in recs]
    perfect = [np.eye(3)[g] for g in gold]
    preds = nli.decode(recs, None, {"logits": perfect}, ecfg)
    assert [set(p) for p in preds] == [{"id", "lang", "label", "pred", "correct"}] * 12
    assert all(p["correct"] == 1 and p["pred"] == p["label"] for p in preds)
    m = nli.score(preds, recs, ecfg)
    assert m["accuracy"] == 1.0 and m["n"] == 12 and not m["collapsed"]
    wrong = [np.eye(3)[(g + 1) % 3] for g in gold]
    m = nli.score(nli.decode(recs, None, {"logits": wrong}, ecfg), recs, ecfg)
    assert m["accuracy"] == 0.0 and m["collapsed"]


def test_constant_prediction_is_flagged_as_chance(tokenizer):
    recs = toy.nli_records(30)  # balanced: chance = 1/3
    ecfg = toy.eval_config(collapse_margin=0.05)
    preds = nli.decode(recs, None, {"logits": [np.zeros(3)] * 30}, ecfg)
    m = nli.score(preds, recs, ecfg)
    assert m["chance"] == pytest.approx(1 / 3)
    assert m["accuracy"] == pytest.approx(1 / 3)
    assert m["collapsed"] is True


def test_chance_is_the_majority_rate_on_unbalanced_sets():
    recs = [{"label": "neutral"}] * 6 + [{"label": "entailment"}] * 2
    assert nli.chance_level(recs) == 0.75
