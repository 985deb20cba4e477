"""Evaluation loop: bucketed vs fixed padding, order restoration, metrics.json, collapse."""

from __future__ import annotations

import json

import numpy as np
import pytest
import toy

from repro.loops.evaluate import evaluate_records, model_outputs, summarize, write_results
from repro.tasks import get_task
from repro.tasks.base import FeatureConfig, pad_token_id


@pytest.fixture(autouse=True)
def _one_thread():
    import torch

    torch.set_num_threads(1)  # tiny models on a shared 2-core box: 2 threads thrash


FCFG = FeatureConfig(max_seq_length=40, doc_stride=12)


@pytest.fixture(scope="module")
def encoder(tmp_path_factory):
    return toy.make_encoder(tmp_path_factory.mktemp("enc"))


def _records(name):
    if name == "nli":
        return toy.nli_records(21, lang="es", seed=3)
    if name == "ner":
        recs = toy.ner_records(15, lang="es", seed=3)
        recs[0] = dict(recs[0], tokens=recs[0]["tokens"] * 6, tags=recs[0]["tags"] * 6)  # split
        return recs
    return toy.qa_records(13, q_lang="en", c_lang="es", seed=3)


def _model(name, encoder):
    import torch

    torch.manual_seed(0)
    from repro.model.io import load_tokenizer

    return get_task(name).build_model(encoder), load_tokenizer(encoder)


@pytest.mark.parametrize("name", ["nli", "ner", "qa"])
def test_bucketed_and_fixed_padding_give_identical_predictions(name, encoder):
    task = get_task(name)
    model, tok = _model(name, encoder)
    recs = _records(name)
    p_b, m_b = evaluate_records(
        task, model, tok, recs, fcfg=FCFG, ecfg=toy.eval_config(batch_size=4, bucket_by_length=True)
    )
    p_f, m_f = evaluate_records(
        task,
        model,
        tok,
        recs,
        fcfg=FCFG,
        ecfg=toy.eval_config(batch_size=4, bucket_by_length=False),
    )
    assert p_b == p_f
    assert [p["id"] for p in p_b] == [r["id"] for r in recs]
    metric = m_b["metric"]
    assert m_b[metric] == m_f[metric] and m_b["n"] == len(recs)


@pytest.mark.parametrize("name", ["nli", "qa"])
def test_batched_outputs_match_one_by_one_inference(name, encoder):
    task = get_task(name)
    model, tok = _model(name, encoder)
    feats = task.encode_eval(_records(name), tok, FCFG).features
    kw = dict(
        output_names=task.OUTPUTS, per_token=task.PER_TOKEN, pad_to=40, pad_id=pad_token_id(tok)
    )
    batched = model_outputs(model, feats, batch_size=5, bucket_by_length=True, **kw)
    single = model_outputs(model, feats, batch_size=1, bucket_by_length=False, **kw)
    for out in task.OUTPUTS:
        assert len(batched[out]) == len(feats)
        for a, b, f in zip(batched[out], single[out], feats, strict=True):
            if task.PER_TOKEN:
                assert a.shape[0] == len(f["input_ids"])
            np.testing.assert_allclose(a, b, atol=1e-5)


def test_zeroed_classifier_is_flagged_collapsed(encoder):
    import torch

    task = get_task("nli")
    model, tok = _model("nli", encoder)
    with torch.no_grad():
        model.classifier.weight.zero_()
        model.classifier.bias.zero_()
    recs = _records("nli")  # balanced: 7 of each label
    preds, m = evaluate_records(task, model, tok, recs, fcfg=FCFG, ecfg=toy.eval_config())
    assert {p["pred"] for p in preds} == {"entailment"}
    assert m["accuracy"] == pytest.approx(1 / 3) and m["collapsed"] is True


def test_max_examples_caps_the_set(encoder):
    task = get_task("nli")
    model, tok = _model("nli", encoder)
    preds, m = evaluate_records(
        task, model, tok, _records("nli"), fcfg=FCFG, ecfg=toy.eval_config(max_examples=5)
    )
    assert len(preds) == m["n"] == 5


def test_metrics_document_and_prediction_files(tmp_path):
    results = {
        "nli.synthetic.es": (
            [{"id": "a", "correct": 1}],
            {"metric": "accuracy", "accuracy": 0.9, "n": 1, "chance": 1 / 3, "collapsed": False},
        ),
        "nli.synthetic.hi": (
            [{"id": "a", "correct": 0}],
            {"metric": "accuracy", "accuracy": 0.35, "n": 1, "chance": 1 / 3, "collapsed": True},
        ),
    }
    doc = write_results(tmp_path, "nli", results)
    assert doc == json.loads((tmp_path / "metrics.json").read_text())
    assert doc["collapsed_sets"] == ["nli.synthetic.hi"]
    assert set(doc["sets"]) == set(results)
    lines = (tmp_path / "predictions" / "nli.synthetic.es.jsonl").read_text().splitlines()
    assert [json.loads(x) for x in lines] == [{"id": "a", "correct": 1}]
    assert not list(tmp_path.rglob("*.tmp"))
    assert summarize("nli", {})["collapsed_sets"] == []
