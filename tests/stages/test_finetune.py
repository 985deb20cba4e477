"""The finetune stage through ``repro.workflow.jobs.execute_job``: outputs, CL inputs, resume."""

from __future__ import annotations

import json

import pytest
import torch
import toy

from repro.cache import ArtifactStore
from repro.config import ContinualConfig
from repro.data.bundle import write_jsonl
from repro.errors import ConfigError, DataError
from repro.workflow.jobs import Job, execute_job


@pytest.fixture(autouse=True)
def _one_thread():
    torch.set_num_threads(1)  # tiny models on a shared 2-core box


def _inputs(store):
    data = toy.stored_job(
        store, "data", {"fixture": "tests/stages tiny task bundle"}, toy.write_task_bundle
    )
    enc = toy.stored_job(
        store, "pretrain", {"fixture": "start encoder"}, lambda out: toy.make_encoder(out, seed=0)
    )
    return data, enc


def _run(store, job):
    execute_job(job, str(store.root), device="cpu", torch_threads=1)
    return store.get(job.stage, job.key)


def _weights(art):
    from safetensors.torch import load_file

    return load_file(str(art.path / "model" / "model.safetensors"))


def test_finetune_stage_writes_model_and_log(tmp_path):
    from repro.tasks import get_task

    store = ArtifactStore(tmp_path / "store")
    data, enc = _inputs(store)
    art = _run(store, Job("finetune", toy.finetune_config("ner"), {"data": data, "encoder": enc}))
    assert (art.path / "model" / "model.safetensors").is_file()
    info = json.loads((art.path / "model" / "task.json").read_text())
    assert info["task"] == "ner" and info["max_seq_length"] == 40
    log = json.loads((art.path / "train_log.json").read_text())
    summary = art.manifest["summary"]
    assert summary["steps"] == log["summary"]["steps"] == 3
    assert {"final", "wall_s", "steps_per_s", "train_loss"} <= set(summary)
    assert summary["continual"] is False
    model = get_task("ner").load_model(art.path / "model")
    assert model.config.num_labels == 7
    assert not (store.root / ".work" / f"finetune-{art.key[:32]}").exists()


def test_continual_stage_uses_anchor_and_pairs(tmp_path):
    store = ArtifactStore(tmp_path / "store")
    data, enc = _inputs(store)
    anchor = toy.stored_job(
        store,
        "pretrain",
        {"fixture": "original encoder"},
        lambda out: toy.make_encoder(out, seed=1),
    )
    align = toy.stored_job(
        store,
        "align",
        {"fixture": "es pairs"},
        lambda out: write_jsonl(out / "pairs.jsonl", toy.pair_records(20)),
    )
    cfg = toy.finetune_config(
        "nli", continual=ContinualConfig(pairs_per_step=4, pool_size=10), cl_langs=["es"]
    )
    art = _run(
        store,
        Job("finetune", cfg, {"data": data, "encoder": enc, "anchor": anchor, "align_es": align}),
    )
    assert art.manifest["summary"]["continual"] is True
    log = json.loads((art.path / "train_log.json").read_text())
    assert all("align_loss" in h and "reg_loss" in h for h in log["log_history"] if "loss" in h)
    plain = _run(store, Job("finetune", toy.finetune_config("nli"), {"data": data, "encoder": enc}))
    a, b = _weights(art), _weights(plain)
    assert any(not torch.equal(a[k], b[k]) for k in a)


def test_killed_job_resumes_to_the_same_weights(tmp_path, monkeypatch):
    from transformers import TrainerCallback

    import repro.loops.finetune as ft

    class Boom(Exception):
        pass

    class FailAt5(TrainerCallback):
        def on_step_end(self, args, state, control, **kwargs):
            if state.global_step == 5:
                raise Boom("injected failure")

    cfg = toy.finetune_config("qa", num_train_epochs=2.0)  # 6 steps
    ref_store = ArtifactStore(tmp_path / "ref")
    data, enc = _inputs(ref_store)
    ref = _run(ref_store, Job("finetune", cfg, {"data": data, "encoder": enc}))

    store = ArtifactStore(tmp_path / "store")
    data, enc = _inputs(store)
    job = Job("finetune", cfg, {"data": data, "encoder": enc})
    original = ft.finetune
    monkeypatch.setattr(
        ft,
        "finetune",
        lambda *a, **k: original(*a, **{**k, "save_steps": 2, "callbacks": [FailAt5()]}),
    )
    with pytest.raises(Boom):
        _run(store, job)
    assert store.get("finetune", job.key) is None
    assert (store.work_dir("finetune", job.key) / "checkpoints" / "checkpoint-4").is_dir()
    monkeypatch.setattr(ft, "finetune", original)
    art = _run(store, job)
    log = json.loads((art.path / "train_log.json").read_text())
    assert log["summary"]["resumed_from"] == "checkpoint-4"
    a, b = _weights(art), _weights(ref)
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


def test_bundle_without_training_data_is_a_data_error(tmp_path):
    store = ArtifactStore(tmp_path / "store")

    def no_qa(out):
        b = toy.write_task_bundle(out)
        b.train.pop("qa")
        b.save()

    data = toy.stored_job(store, "data", {"fixture": "no qa"}, no_qa)
    _, enc = _inputs(store)
    with pytest.raises(DataError, match="no English qa training data"):
        _run(store, Job("finetune", toy.finetune_config("qa"), {"data": data, "encoder": enc}))


def test_unknown_task_is_a_config_error(tmp_path):
    store = ArtifactStore(tmp_path / "store")
    data, enc = _inputs(store)
    with pytest.raises(ConfigError, match="did you mean 'nli'"):
        _run(store, Job("finetune", toy.finetune_config("nl"), {"data": data, "encoder": enc}))
