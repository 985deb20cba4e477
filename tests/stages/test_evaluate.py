"""The evaluate stage through ``repro.workflow.jobs.execute_job``: files, metrics, set names."""

from __future__ import annotations

import json

import pytest
import torch
import toy

from repro.cache import ArtifactStore
from repro.configtools import to_dict
from repro.errors import ConfigError
from repro.workflow.jobs import Job, execute_job

FIELDS = {
    "nli": {"id", "lang", "label", "pred", "correct"},
    "qa": {"id", "lang", "paragraph_id", "prediction", "em", "f1", "em_mlqa", "f1_mlqa"},
}


@pytest.fixture(autouse=True)
def _one_thread():
    torch.set_num_threads(1)


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    torch.set_num_threads(1)
    store = ArtifactStore(tmp_path_factory.mktemp("store"))
    data = toy.stored_job(
        store, "data", {"fixture": "tests/stages tiny task bundle"}, toy.write_task_bundle
    )
    enc = toy.stored_job(
        store, "pretrain", {"fixture": "start encoder"}, lambda out: toy.make_encoder(out, seed=0)
    )
    models = {}
    for task in ("nli", "qa"):
        job = Job("finetune", toy.finetune_config(task), {"data": data, "encoder": enc})
        execute_job(job, str(store.root), device="cpu", torch_threads=1)
        models[task] = job
    return store, data, models


def _evaluate(setup, task, sets, **ecfg):
    store, data, models = setup
    job = Job(
        "evaluate",
        {"task": task, "evaluate": to_dict(toy.eval_config(**ecfg)), "sets": sets},
        {"model": models[task], "data": data},
    )
    execute_job(job, str(store.root), device="cpu", torch_threads=1)
    return store.get("evaluate", job.key)


def test_evaluate_stage_writes_predictions_and_metrics(setup):
    art = _evaluate(setup, "nli", ["nli.synthetic.es", "nli.dev.en"])
    metrics = json.loads((art.path / "metrics.json").read_text())
    assert set(metrics["sets"]) == {"nli.synthetic.es", "nli.dev.en"}
    es = metrics["sets"]["nli.synthetic.es"]
    assert es["n"] == 12 and 0 <= es["accuracy"] <= 1 and isinstance(es["collapsed"], bool)
    assert es["chance"] == pytest.approx(1 / 3)
    assert set(metrics["collapsed_sets"]) == {
        k for k, m in metrics["sets"].items() if m["collapsed"]
    }
    lines = (art.path / "predictions" / "nli.synthetic.es.jsonl").read_text().splitlines()
    preds = [json.loads(x) for x in lines]
    assert len(preds) == 12 and all(set(p) == FIELDS["nli"] for p in preds)
    assert sum(p["correct"] for p in preds) / 12 == pytest.approx(es["accuracy"])
    assert art.manifest["summary"]["scores"]["nli.synthetic.es"] == pytest.approx(
        es["accuracy"], abs=1e-6
    )


def test_empty_set_list_means_every_set_of_the_task(setup):
    art = _evaluate(setup, "qa", [])
    metrics = json.loads((art.path / "metrics.json").read_text())
    assert list(metrics["sets"]) == ["qa.synthetic.en-es"]
    (line, *_) = (art.path / "predictions" / "qa.synthetic.en-es.jsonl").read_text().splitlines()
    rec = json.loads(line)
    assert set(rec) == FIELDS["qa"] and rec["lang"] == "en-es"


def test_bucketing_does_not_change_the_stage_output(setup):
    a = _evaluate(setup, "qa", [], bucket_by_length=True)
    b = _evaluate(setup, "qa", [], bucket_by_length=False)
    name = "predictions/qa.synthetic.en-es.jsonl"
    assert (a.path / name).read_text() == (b.path / name).read_text()


def test_unknown_set_names_get_a_hint(setup):
    with pytest.raises(ConfigError, match="did you mean 'nli.synthetic.es'"):
        _evaluate(setup, "nli", ["nli.synthetic.ess"])


def test_sets_and_model_must_match_the_task(setup):
    with pytest.raises(ConfigError, match="is a ner set"):
        _evaluate(setup, "nli", ["ner.synthetic.es"])
    store, data, models = setup
    job = Job(
        "evaluate",
        {"task": "ner", "evaluate": to_dict(toy.eval_config()), "sets": []},
        {"model": models["nli"], "data": data},
    )
    with pytest.raises(ConfigError, match="fine-tuned for 'nli'"):
        execute_job(job, str(store.root), device="cpu", torch_threads=1)
