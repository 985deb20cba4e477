from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

import repro.adjust.loop as loop
from repro.benchmarks.adjust_bench import toy_bitext, toy_texts
from repro.cache import ArtifactStore
from repro.config import AdjustConfig
from repro.configtools import to_dict
from repro.data.bundle import write_jsonl
from repro.errors import ConfigError, DataError
from repro.model.io import load_encoder, save_encoder
from repro.model.tiny import tiny_test_model
from repro.workflow.jobs import Job, execute_job


@pytest.fixture(autouse=True)
def _one_thread():
    torch.set_num_threads(1)
    yield


POOLS = {
    "es": toy_bitext(160, seed=1, lang="es", id_prefix="es"),
    "ru": toy_bitext(60, seed=2, lang="ru", id_prefix="ru"),
}


def encoder_job(store: ArtifactStore) -> Job:
    job = Job("hub_model", {"fixture": "tests/stages/test_adjust.py tiny encoder"})
    if store.get("hub_model", job.key) is None:
        model, tok = tiny_test_model(toy_texts(POOLS["es"]), hidden=32, layers=2, vocab=300)
        with store.writer("hub_model", job.key, {"label": "fixture"}) as out:
            save_encoder(model, tok, out / "encoder")
    return job


def align_job(store: ArtifactStore, lang: str, records: list[dict] | None = None) -> Job:
    records = POOLS[lang] if records is None else records
    job = Job(
        "align",
        {
            "fixture": "tests/stages/test_adjust.py",
            "lang": lang,
            "n": len(records),
            "first": records[0],
        },
    )
    if store.get("align", job.key) is None:
        with store.writer("align", job.key, {"label": "fixture"}) as out:
            write_jsonl(out / "pairs.jsonl", records)
    return job


def adjust_job(store: ArtifactStore, langs: list[str], **over) -> Job:
    cfg = AdjustConfig(**{"learning_rate": 1e-3, "batch_size": 16, "max_pairs": 100, **over})
    inputs = {"encoder": encoder_job(store)}
    inputs.update({f"align_{lang}": align_job(store, lang) for lang in langs})
    return Job("adjust", {"adjust": to_dict(cfg), "langs": langs}, inputs)


def run(store: ArtifactStore, job: Job):
    execute_job(job, str(store.root), device="cpu", torch_threads=1)
    art = store.get("adjust", job.key)
    assert art is not None
    return art


def weights(path: Path) -> dict[str, torch.Tensor]:
    return load_encoder(path)[0].state_dict()


def test_adjust_stage_writes_encoder_and_curve(tmp_path):
    store = ArtifactStore(tmp_path / "a")
    job = adjust_job(store, ["es"])
    art = run(store, job)
    summary = art.manifest["summary"]
    assert summary["pairs_per_language"] == {"es": 100}
    assert summary["steps"] == 7  # ceil(100 / 16)
    assert summary["pairs_per_s"] > 0
    assert summary["final_align"] < summary["first_align"]
    curve = json.loads((art.path / "loss_curve.json").read_text())
    assert len(curve["align"]) == len(curve["reg"]) == 7
    assert curve["pairs_per_language"]["es"] == {"pool": 160, "used": 100}
    before = weights(store.get("hub_model", job.inputs["encoder"].key).path)
    after = weights(art.path)
    assert before.keys() == after.keys()
    assert any(not torch.equal(before[k], after[k]) for k in before)
    # the same job in a fresh store gives the same weights (fp32, seeded)
    store2 = ArtifactStore(tmp_path / "b")
    art2 = run(store2, adjust_job(store2, ["es"]))
    again = weights(art2.path)
    assert all(torch.equal(after[k], again[k]) for k in after)


def test_small_pool_uses_every_pair_and_joint_mode_mixes_languages(tmp_path):
    store = ArtifactStore(tmp_path)
    art = run(store, adjust_job(store, ["es", "ru"], mode="joint", max_pairs=80))
    summary = art.manifest["summary"]
    assert summary["pairs_per_language"] == {"es": 80, "ru": 60}  # ru pool < max_pairs
    assert summary["steps"] == 9  # ceil(140 / 16)


def test_per_language_mode_takes_one_language(tmp_path):
    store = ArtifactStore(tmp_path)
    with pytest.raises(ConfigError, match="joint"):
        execute_job(adjust_job(store, ["es", "ru"]), str(store.root), device="cpu")


def test_pairs_without_alignment_name_the_file(tmp_path):
    store = ArtifactStore(tmp_path)
    bad = [dict(p) for p in POOLS["es"][:5]]
    bad[3]["alignment"] = []
    cfg = AdjustConfig(max_pairs=10)
    job = Job(
        "adjust",
        {"adjust": to_dict(cfg), "langs": ["es"]},
        {"encoder": encoder_job(store), "align_es": align_job(store, "es", bad)},
    )
    with pytest.raises(DataError, match="pairs.jsonl.*es3"):
        execute_job(job, str(store.root), device="cpu")


def test_killed_stage_resumes_from_its_work_dir(tmp_path, monkeypatch):
    ref_store = ArtifactStore(tmp_path / "ref")
    reference = weights(run(ref_store, adjust_job(ref_store, ["es"])).path)

    store = ArtifactStore(tmp_path / "run")
    job = adjust_job(store, ["es"])
    original = loop.adjust_encoder

    def killed_after_three_steps(*args, **kwargs):
        original(*args, **{**kwargs, "max_steps": 3})
        raise KeyboardInterrupt("killed")

    monkeypatch.setattr(loop, "adjust_encoder", killed_after_three_steps)
    with pytest.raises(KeyboardInterrupt):
        execute_job(job, str(store.root), device="cpu", torch_threads=1)
    assert store.get("adjust", job.key) is None
    assert (store.work_dir("adjust", job.key) / loop.CHECKPOINT).is_file()
    monkeypatch.setattr(loop, "adjust_encoder", original)
    art = run(store, job)
    assert art.manifest["summary"]["resumed_from_step"] == 3
    resumed = weights(art.path)
    assert all(torch.equal(reference[k], resumed[k]) for k in reference)
    assert not store.work_dir("adjust", job.key).joinpath(loop.CHECKPOINT).exists()
