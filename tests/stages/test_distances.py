from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from repro.adjust.reference import reference_word_vectors
from repro.benchmarks.adjust_bench import toy_bitext, toy_texts
from repro.cache import ArtifactStore
from repro.config import DistancesConfig
from repro.configtools import to_dict
from repro.data.bundle import read_jsonl, write_jsonl
from repro.errors import DataError
from repro.model.io import load_encoder, save_encoder
from repro.model.tiny import tiny_test_model
from repro.workflow.jobs import Job, execute_job


@pytest.fixture(autouse=True)
def _one_thread():
    torch.set_num_threads(1)
    yield


HELDOUT = toy_bitext(30, seed=5, id_prefix="h")


def encoder_job(store: ArtifactStore, seed: int) -> Job:
    job = Job("hub_model", {"fixture": "tests/stages/test_distances.py", "seed": seed})
    if store.get("hub_model", job.key) is None:
        model, tok = tiny_test_model(toy_texts(HELDOUT), hidden=32, layers=2, vocab=300, seed=seed)
        with store.writer("hub_model", job.key, {"label": "fixture"}) as out:
            save_encoder(model, tok, out / "encoder")
    return job


def align_job(store: ArtifactStore, records: list[dict]) -> Job:
    job = Job(
        "align",
        {"fixture": "tests/stages/test_distances.py", "n": len(records), "first": records[0]},
    )
    if store.get("align", job.key) is None:
        with store.writer("align", job.key, {"label": "fixture"}) as out:
            write_jsonl(out / "pairs.jsonl", records)
            write_jsonl(out / "heldout.jsonl", records)
    return job


def distances(store: ArtifactStore, model_seed: int, records=HELDOUT, **over):
    cfg = DistancesConfig(**{"max_sentences": 20, "seed": 0, **over})
    job = Job(
        "distances",
        {"distances": to_dict(cfg), "langs": ["es"], "pooling": "avg"},
        {"model": encoder_job(store, model_seed), "align_es": align_job(store, records)},
    )
    execute_job(job, str(store.root), device="cpu", torch_threads=1)
    return store.get("distances", job.key), job


def test_distances_rows_pair_across_model_states(tmp_path):
    store = ArtifactStore(tmp_path)
    art_a, job_a = distances(store, 0)
    art_b, _ = distances(store, 1)
    rows_a = read_jsonl(art_a.path / "distances" / "es.jsonl")
    rows_b = read_jsonl(art_b.path / "distances" / "es.jsonl")
    n_links = sum(len(p["alignment"]) for p in HELDOUT[:20])
    assert len(rows_a) == n_links
    assert len({r["id"] for r in rows_a}) == n_links
    keys = ("id", "en_word", "xx_word", "unrelated_xx_word", "unrelated_id")
    assert [[r[k] for k in keys] for r in rows_a] == [[r[k] for k in keys] for r in rows_b]
    assert [r["related_cos"] for r in rows_a] != [r["related_cos"] for r in rows_b]
    for r in rows_a:
        assert r["unrelated_id"].split(":")[0] != r["id"].split(":")[0]
        assert r["lang"] == "es"

    # independent recomputation: per-sentence forward, Python sub-word averaging
    model, tok = load_encoder(store.get("hub_model", job_a.inputs["model"].key).path)
    by_id = {p["id"]: p for p in HELDOUT}
    with torch.no_grad():
        for r in rows_a[:15]:
            pid, link = r["id"].split(":")
            i, j = map(int, link.split("-"))
            qid, jq = r["unrelated_id"].split(":")
            en = reference_word_vectors(
                model, tok, by_id[pid]["src"].split(), include_cls_sep=False
            )[i].numpy()
            xx = reference_word_vectors(
                model, tok, by_id[pid]["tgt"].split(), include_cls_sep=False
            )[j].numpy()
            un = reference_word_vectors(
                model, tok, by_id[qid]["tgt"].split(), include_cls_sep=False
            )[int(jq)].numpy()
            assert r["en_word"] == by_id[pid]["src"].split()[i]
            cos = 1 - en @ xx / np.linalg.norm(en) / np.linalg.norm(xx)
            assert r["related_cos"] == pytest.approx(cos, abs=1e-5)
            assert r["related_euc"] == pytest.approx(np.linalg.norm(en - xx), rel=1e-4)
            assert r["unrelated_euc"] == pytest.approx(np.linalg.norm(en - un), rel=1e-4)

    m = json.loads((art_a.path / "metrics.json").read_text())["es"]
    assert m["n"] == n_links and m["sentences"] == 20
    rel = np.array([r["related_cos"] for r in rows_a])
    unr = np.array([r["unrelated_cos"] for r in rows_a])
    assert m["cos"]["related"]["mean"] == pytest.approx(rel.mean())
    assert m["cos"]["gap"] == pytest.approx(unr.mean() - rel.mean())
    assert m["cos"]["related"]["median"] == pytest.approx(np.median(rel))
    assert m["collapsed"] is False


def test_distances_need_two_aligned_pairs(tmp_path):
    store = ArtifactStore(tmp_path)
    with pytest.raises(DataError, match="heldout.jsonl"):
        distances(store, 0, records=HELDOUT[:1])
