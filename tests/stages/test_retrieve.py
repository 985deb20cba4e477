from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from repro.benchmarks.adjust_bench import toy_bitext, toy_texts
from repro.cache import ArtifactStore
from repro.config import RetrieveConfig
from repro.configtools import to_dict
from repro.data.bundle import Bundle, read_jsonl, write_jsonl
from repro.errors import DataError
from repro.model.io import load_encoder, save_encoder
from repro.model.tiny import tiny_test_model
from repro.workflow.jobs import Job, execute_job


@pytest.fixture(autouse=True)
def _one_thread():
    torch.set_num_threads(1)
    yield


TEST = {"es": toy_bitext(60, seed=7, lang="es", id_prefix="x")}
# ru stand-in: the target side is a copy of the English side, so retrieval must be perfect
TEST["ru"] = [{**p, "tgt_lang": "ru", "tgt": p["src"]} for p in toy_bitext(40, seed=8)]


def encoder_job(store: ArtifactStore, collapsed: bool = False) -> Job:
    job = Job(
        "hub_model",
        {"fixture": "tests/stages/test_retrieve.py tiny encoder", "collapsed": collapsed},
    )
    if store.get("hub_model", job.key) is None:
        model, tok = tiny_test_model(toy_texts(TEST["es"]), hidden=32, layers=2, vocab=300)
        if collapsed:  # the last LayerNorm maps every token to its bias: one point for all
            with torch.no_grad():
                model.encoder.layer[-1].output.LayerNorm.weight.zero_()
        with store.writer("hub_model", job.key, {"label": "fixture"}) as out:
            save_encoder(model, tok, out / "encoder")
    return job


def data_job(store: ArtifactStore) -> Job:
    job = Job("data", {"fixture": "tests/stages/test_retrieve.py xsr bundle"})
    if store.get("data", job.key) is None:
        with store.writer("data", job.key, {"label": "fixture"}) as out:
            bundle = Bundle(root=out, source="synthetic", languages=["en", "es", "ru"])
            for lang, recs in TEST.items():
                write_jsonl(out / f"xsr.{lang}.jsonl", recs)
                bundle.xsr[lang] = f"xsr.{lang}.jsonl"
            bundle.save()
    return job


def retrieve(store: ArtifactStore, langs: list[str], collapsed: bool = False, **over):
    cfg = RetrieveConfig(**{"batch_size": 16, **over})
    job = Job(
        "retrieve",
        {"retrieve": to_dict(cfg), "langs": langs},
        {"encoder": encoder_job(store, collapsed), "data": data_job(store)},
    )
    execute_job(job, str(store.root), device="cpu", torch_threads=1)
    return store.get("retrieve", job.key), job


def _brute_force_hits(model, tok, recs, layer):
    """One unpadded forward per sentence, mean over all tokens, cosine argmax."""

    def embed(text):
        ids = tok(text, return_tensors="pt")
        with torch.no_grad():
            h = model(**ids, output_hidden_states=True).hidden_states[layer][0]
        v = h.mean(0).numpy().astype(np.float64)
        return v / np.linalg.norm(v)

    en = np.stack([embed(r["src"]) for r in recs])
    xx = np.stack([embed(r["tgt"]) for r in recs])
    sim = xx @ en.T
    gold = np.arange(len(recs))
    return (sim.argmax(1) == gold).astype(int), (sim.T.argmax(1) == gold).astype(int)


def test_retrieve_stage_outputs_and_independent_check(tmp_path):
    store = ArtifactStore(tmp_path)
    art, job = retrieve(store, ["es", "ru"])
    metrics = json.loads((art.path / "metrics.json").read_text())
    model, tok = load_encoder(store.get("hub_model", job.inputs["encoder"].key).path)
    n_states = model.config.num_hidden_layers + 1
    for lang, recs in TEST.items():
        rows = read_jsonl(art.path / "predictions" / f"xsr.{lang}.jsonl")
        assert [r["id"] for r in rows] == [r["id"] for r in recs]
        for r in rows:
            assert set(r) == {"id", "lang", "rank_xx2en", "rank_en2xx", "hit_xx2en", "hit_en2xx"}
            assert r["hit_xx2en"] == int(r["rank_xx2en"] == 0)
            assert 0 <= r["rank_en2xx"] < len(recs)
        m = metrics[lang]
        assert m["n"] == len(recs) and m["chance"] == pytest.approx(1 / len(recs))
        assert m["layer"] == n_states - 1
        assert set(m["by_layer"]) == {str(i) for i in range(n_states)}
        assert m["top1_xx2en"] == pytest.approx(np.mean([r["hit_xx2en"] for r in rows]))
        assert m["top1_mean"] == pytest.approx((m["top1_xx2en"] + m["top1_en2xx"]) / 2)
        hx, he = _brute_force_hits(model, tok, recs, -1)
        assert [r["hit_xx2en"] for r in rows] == hx.tolist()
        assert [r["hit_en2xx"] for r in rows] == he.tolist()
    assert metrics["ru"]["top1_mean"] == 1.0 and not metrics["ru"]["collapsed"]
    assert metrics["es"]["top1_mean"] < 1.0
    assert art.manifest["summary"]["top1_ru"] == 1.0


def test_layer_and_cao_normalisation(tmp_path):
    store = ArtifactStore(tmp_path)
    art, job = retrieve(store, ["es"], layer=1, normalize="cao")
    metrics = json.loads((art.path / "metrics.json").read_text())["es"]
    assert metrics["layer"] == 1 and metrics["normalize"] == "cao"
    assert metrics["top1_mean"] == metrics["by_layer"]["1"]["top1_mean"]


def test_bad_layer_and_missing_language(tmp_path):
    from repro.errors import ConfigError

    store = ArtifactStore(tmp_path)
    with pytest.raises(ConfigError, match="layer"):
        retrieve(store, ["es"], layer=9)
    with pytest.raises(DataError, match="no XSR test set for 'hi'"):
        retrieve(store, ["hi"])


def test_collapsed_encoder_is_flagged(tmp_path):
    store = ArtifactStore(tmp_path)
    art, _ = retrieve(store, ["ru"], collapsed=True)
    m = json.loads((art.path / "metrics.json").read_text())["ru"]
    assert m["collapsed"] is True
    assert m["top1_mean"] == pytest.approx(
        1 / len(TEST["ru"])
    )  # ties go to the lower index: only query 0 hits
    assert m["by_layer"]["0"]["top1_mean"] == 1.0  # identical sentences at the embeddings
