"""Prediction files in the official scorers' formats, scored back to the stored metrics."""

from __future__ import annotations

import json

import pytest
from tiny_profile import TINY_OVERRIDES

from repro.cache import ArtifactStore
from repro.config import resolve
from repro.metrics.__main__ import main as score
from repro.report import build_report
from repro.report.predictions import prediction_text
from repro.workflow.run import run_profile

pytestmark = pytest.mark.slow


def test_prediction_text_formats():
    qa = prediction_text("qa", [{"id": "q1", "prediction": "Madrid"}], {})
    assert json.loads(qa) == {"q1": "Madrid"}
    assert prediction_text("nli", [{"pred": "neutral"}, {"pred": "entailment"}], {}) == (
        "neutral\nentailment\n"
    )
    recs = {"s1": {"tokens": ["Ana", "vive"]}, "s2": {"tokens": ["Oslo"]}}
    preds = [{"id": "s1", "pred_tags": ["B-PER", "O"]}, {"id": "s2", "pred_tags": ["B-LOC"]}]
    assert prediction_text("ner", preds, recs) == "Ana\tB-PER\nvive\tO\n\nOslo\tB-LOC\n"


def test_a_run_writes_files_the_scorers_read_back_to_its_metrics(tmp_path, capsys):
    overrides = (*TINY_OVERRIDES, "run.prediction_files=true", "finetune.ner.num_train_epochs=1.0")
    cfg = resolve("smoke", overrides=overrides)
    store = ArtifactStore(tmp_path / "store")
    run_profile(cfg, claim_ids="C01,C02", reports_root=tmp_path / "reports", store=store)
    build_report("smoke", tmp_path / "reports")  # results.json: the stored scores, flat
    pdir = tmp_path / "reports" / "smoke"
    nli = sorted((pdir / "predictions" / "nli").rglob("*.txt"))
    ner = sorted((pdir / "predictions" / "ner").rglob("*.tsv"))
    assert nli and ner
    results = json.loads((pdir / "results.json").read_text())
    rows = results["rows"] if isinstance(results, dict) else results

    def stored(task, lang, state, metric):
        (v,) = {
            r["value"]
            for r in rows
            if r["task"] == task
            and r["lang"] == lang
            and r["state"] == state
            and r["metric"] == metric
            and str(r["seed"]) == "1"
        }
        return v

    # NLI: the gold labels one per line, scored back to the stored accuracy
    from repro.data.bundle import Bundle

    data = next(a for a in store.list() if a.stage == "data")
    bundle = Bundle.load(data.path)
    sets = {e.name: e for e in bundle.eval}
    path = pdir / "predictions" / "nli" / "synthetic" / "es" / "original" / "seed-1.txt"
    gold_nli = tmp_path / "gold.txt"
    from repro.data.bundle import iter_jsonl

    gold_nli.write_text(
        "".join(f"{r['label']}\n" for r in iter_jsonl(bundle.path(sets["nli.synthetic.es"].path)))
    )
    assert score(["nli", str(gold_nli), str(path)]) == 0
    acc = json.loads(capsys.readouterr().out)["accuracy"]
    assert acc == pytest.approx(stored("nli", "es", "original", "accuracy"), abs=1e-6)
    # NER: CoNLL, scored back to the stored entity F1
    gold_ner = tmp_path / "gold.tsv"
    gold_ner.write_text(
        "\n\n".join(
            "\n".join(f"{t}\t{g}" for t, g in zip(r["tokens"], r["tags"], strict=True))
            for r in iter_jsonl(bundle.path(sets["ner.synthetic.es"].path))
        )
        + "\n"
    )
    path = pdir / "predictions" / "ner" / "synthetic" / "es" / "original" / "seed-1.tsv"
    assert score(["ner", str(gold_ner), str(path)]) == 0
    f1 = json.loads(capsys.readouterr().out)["f1"]
    assert f1 == pytest.approx(stored("ner", "es", "original", "f1"), abs=1e-6)  # stored: 6 dp
