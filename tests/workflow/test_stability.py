"""`repro stability`: one run per world seed, a claim x world table, flips marked everywhere."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest

from repro.config import resolve
from repro.errors import ConfigError
from repro.report.readme import claims_table
from repro.workflow.stability import agreement, cell, load_stability, run_stability, world_config


def status(**verdicts):
    return {
        "claims": {
            cid: {"verdict": v, "title": f"claim {cid}", "margin": {"decades": m}}
            for cid, (v, m) in verdicts.items()
        }
    }


def test_agreement_marks_flips_and_missing_worlds():
    table = agreement(
        {
            0: status(C01=("SUPPORTED", 1.5), C02=("INCONCLUSIVE", None), C03=("REFUTED", 0.4)),
            1: status(C01=("SUPPORTED", 0.9), C02=("SUPPORTED", 0.2), C03=("REFUTED", 0.7)),
            2: status(C01=("SUPPORTED", 2.0), C02=("SUPPORTED", 0.5)),
        }
    )
    assert table["C01"]["stable"] and table["C01"]["verdicts"] == ["SUPPORTED"]
    assert table["C01"]["per_world"]["1"] == {"verdict": "SUPPORTED", "margin": 0.9}
    assert not table["C02"]["stable"] and table["C02"]["verdicts"] == ["INCONCLUSIVE", "SUPPORTED"]
    assert not table["C03"]["stable"]  # one verdict, but world 2 never ran it


@dataclass
class FakeResult:
    status: dict


def test_run_stability_runs_each_world_and_feeds_readme(tmp_path):
    cfg = resolve("smoke")
    seen = []

    def fake_run(c, *, reports_root, store, progress):
        seen.append((c.world.seed, Path(reports_root)))
        v = "SUPPORTED" if c.world.seed != 7 else "REFUTED"
        return FakeResult(status(C01=(v, 1.0), C02=("INCONCLUSIVE", None)))

    path = run_stability(cfg, [0, 7, 3], reports_root=tmp_path, run_profile=fake_run)
    assert [s for s, _ in seen] == [0, 7, 3]
    assert seen[1][1] == tmp_path / "smoke" / "stability" / "world-7"
    rec = json.loads(path.read_text())
    assert rec["world_seeds"] == [0, 3, 7] and set(rec["wall_s"]) == {"0", "3", "7"}
    stab = load_stability("smoke", tmp_path)
    assert cell(stab, "C02") == "3/3 worlds"
    assert cell(stab, "C01").startswith("⚠ flips") and "REFUTED (world 7)" in cell(stab, "C01")
    # the README claim table gains the agreement column once stability.json exists
    (tmp_path / "smoke" / "claims.json").write_text(
        json.dumps(status(C01=("SUPPORTED", 1.0), C02=("INCONCLUSIVE", None)))
    )
    table = claims_table("smoke", tmp_path)
    assert "other worlds" in table.splitlines()[0]
    assert "⚠ flips" in table and "3/3 worlds" in table


def test_world_seed_is_the_only_change_and_real_data_is_refused():
    cfg = resolve("smoke")
    w = world_config(cfg, 5)
    assert w.world.seed == 5 and w.world.n_mono == cfg.world.n_mono and w.finetune == cfg.finetune
    with pytest.raises(ConfigError, match="synthetic"):
        world_config(resolve("paper"), 1)
    with pytest.raises(ConfigError, match="two distinct"):
        run_stability(cfg, [1, 1], run_profile=lambda *a, **k: None)
