"""`repro calibrate`: only the unadjusted encoder's jobs; probe tables generated from summaries."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from repro.config import resolve
from repro.workflow.calibrate import PROBES_MARKER, calibration_needs, probe_table, update_doc
from repro.workflow.graph import Graph
from repro.workflow.needs import jobs_for_need

ROOT = Path(__file__).resolve().parents[2]


def _upstream(job):
    yield job
    for dep in job.inputs.values():
        yield from _upstream(dep)


def test_the_calibration_graph_holds_no_adjustment():
    cfg = resolve("smoke")
    graph = Graph(cfg)
    pairs = [p for n in calibration_needs(("nli", "ner", "qa")) for p in jobs_for_need(graph, n)]
    stages = {j.stage for job, _ in pairs for j in _upstream(job)}
    assert "adjust" not in stages and "align" not in stages
    assert {"pretrain", "finetune", "evaluate", "retrieve"} <= stages
    assert {ex.state for _, ex in pairs} == {"original"}
    # one fine-tuning per task and seed: the original encoder serves every language
    ft = {j.key for job, _ in pairs for j in _upstream(job) if j.stage == "finetune"}
    assert len(ft) == 3 * len(cfg.finetune.seeds)


def _summary(path: Path, overrides, ratios, english=0.8, near=0):
    rows = [
        {
            "task": "nli",
            "lang": lang,
            "ratio": r,
            "english": english,
            "runs": 2,
            "near_chance_runs": near,
        }
        for lang, r in ratios.items()
    ]
    path.write_text(
        json.dumps(
            {
                "overrides": overrides,
                "transfer": rows,
                "xsr_top1": {"es": 0.1, "hi": 0.3},
                "nli_predicted": {
                    "es": {"neutral": 0.9, "entailment": 0.1},
                    "hi": {"neutral": 0.5},
                },
            }
        )
    )


def test_probe_table_and_doc_block(tmp_path):
    _summary(
        tmp_path / "b.json",
        ["model.hidden_size=64", "finetune.seeds=[1,2]"],
        {"hi": 0.1, "es": 0.4},
        near=1,
    )
    _summary(tmp_path / "a.json", [], {"es": 0.2, "ru": 0.3})
    table = probe_table(sorted(tmp_path.glob("*.json")))
    lines = table.splitlines()
    assert lines[0].startswith("| probe | settings") and "| es | ru | hi |" in lines[0]
    assert lines[2] == "| a | profile defaults | 2 | 80.0 | 0.20 | 0.30 | – | 0/4 | 70% | 20.0% |"
    assert lines[3].startswith(
        "| b | `model.hidden_size=64` | 2 | 80.0 | 0.40 | – | 0.10 | 2/4 | 70% |"
    )
    doc = tmp_path / "doc.md"
    doc.write_text(f"intro\n<!-- {PROBES_MARKER} -->\nold\n<!-- /{PROBES_MARKER} -->\nend\n")
    assert update_doc(doc, tmp_path)
    assert (
        doc.read_text()
        == f"intro\n<!-- {PROBES_MARKER} -->\n{table}\n<!-- /{PROBES_MARKER} -->\nend\n"
    )
    empty = tmp_path / "empty.md"  # a block written empty, before any probe existed
    empty.write_text(f"<!-- {PROBES_MARKER} -->\n<!-- /{PROBES_MARKER} -->\n")
    assert update_doc(empty, tmp_path)
    assert empty.read_text() == f"<!-- {PROBES_MARKER} -->\n{table}\n<!-- /{PROBES_MARKER} -->\n"
    (tmp_path / "plain.md").write_text("no block\n")
    assert not update_doc(tmp_path / "plain.md", tmp_path)


def test_the_committed_probe_table_is_generated_from_the_committed_probes():
    probes = sorted((ROOT / "reports" / "calibration").glob("*.json"))
    if not probes:
        pytest.skip("no committed calibration probes")
    text = (ROOT / "docs" / "calibration.md").read_text(encoding="utf-8")
    block = text.split(f"<!-- {PROBES_MARKER} -->\n", 1)[1].split(f"\n<!-- /{PROBES_MARKER} -->")[0]
    assert block == probe_table(probes), (
        "docs/calibration.md's probe table is stale: run `repro calibrate --summarize "
        "reports/calibration --doc docs/calibration.md`"
    )


def test_cli_calibrate_runs_the_original_state_on_a_tiny_world(tmp_path, monkeypatch, capsys):
    from tiny_world import TINY_WORLD

    from repro.cli import main

    monkeypatch.setenv("REPRO_ARTIFACTS", str(tmp_path / "store"))
    sets = [f"world.{k}={v}" for k, v in TINY_WORLD.items()] + [
        "world.n_nli_train=60",
        "world.n_nli_test=30",
        "pretrain.steps=4",
        "pretrain.batch_size=8",
        "finetune.seeds=[1,2]",
        "finetune.nli.num_train_epochs=1.0",
        "finetune.bf16=false",
        "pretrain.bf16=false",
    ]
    out = tmp_path / "probe.json"
    args = ["calibrate", "--tasks", "nli", "--jobs", "1", "--out", str(out)]
    assert main(args + [a for s in sets for a in ("--set", s)]) == 0
    printed = capsys.readouterr().out
    assert "nli  synthetic  es" in printed and "XSR top-1" in printed
    summary = json.loads(out.read_text())
    assert {r["lang"] for r in summary["transfer"]} == {"es", "ru", "vi", "hi"}
    assert all(r["runs"] + r["failed_runs"] == 2 for r in summary["transfer"])
    assert set(summary["xsr_top1"]) == {"es", "ru", "vi", "hi"}
    shares = summary["nli_predicted"]
    assert set(shares) == {"en", "es", "ru", "vi", "hi"}
    assert all(abs(sum(s.values()) - 1) < 0.01 for s in shares.values())
    assert set().union(*shares.values()) <= {"entailment", "neutral", "contradiction"}
    stored = {p.parent.parent.name for p in (tmp_path / "store").glob("*/*/manifest.json")}
    assert "adjust" not in stored and {"pretrain", "finetune", "evaluate"} <= stored
