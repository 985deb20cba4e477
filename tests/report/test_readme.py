"""The README's verdict tables are generated from the committed locks, never edited by hand."""

import json
from pathlib import Path

import pytest

from repro.errors import ConfigError
from repro.report.readme import claims_table, marker, readme_table, update_readme

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("profile", ["smoke", "mini"])
def test_the_committed_readme_shows_the_committed_lock(profile):
    shown = readme_table(ROOT / "README.md", profile)
    assert shown is not None, f"README.md has no <!-- {marker(profile)} --> block"
    assert shown == claims_table(profile, ROOT / "reports"), (
        f"README's {profile} table is stale: run `repro report --profile {profile} "
        "--readme README.md`"
    )


def _lock(root: Path, verdict: str) -> None:
    pdir = root / "toy"
    pdir.mkdir(parents=True, exist_ok=True)
    rec = {"verdict": verdict, "title": "A | claim", "evidence": {}, "margin": None}
    (pdir / "claims.json").write_text(json.dumps({"claims": {"C01": rec}}))


def test_update_rewrites_only_its_own_block(tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text(
        "intro\n<!-- toy-claims-table -->\nold\n<!-- /toy-claims-table -->\n"
        "<!-- claims-table -->\nsmoke stays\n<!-- /claims-table -->\n"
    )
    _lock(tmp_path / "reports", "REFUTED")
    assert update_readme(readme, "toy", tmp_path / "reports")
    text = readme.read_text()
    assert "old" not in text and "smoke stays" in text and text.startswith("intro\n")
    assert "**REFUTED**" in text and "A \\| claim" in text  # escaped for the table
    _lock(tmp_path / "reports", "SUPPORTED")
    update_readme(readme, "toy", tmp_path / "reports")
    assert "**SUPPORTED**" in readme.read_text() and "REFUTED" not in readme.read_text()


def test_no_markers_or_no_lock_is_said_not_guessed(tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text("no tables here\n")
    _lock(tmp_path / "reports", "SUPPORTED")
    assert update_readme(readme, "toy", tmp_path / "reports") is False
    with pytest.raises(ConfigError, match="no locked verdicts"):
        claims_table("absent", tmp_path / "reports")


def test_the_committed_readme_quotes_run_facts_as_stored():
    from repro.report.readme import update_facts

    readme = (ROOT / "README.md").read_text()
    assert "<!-- fact:smoke.wall_s -->" in readme and "<!-- fact:mini.wall_min -->" in readme
    assert "<!-- fact:smoke.stage_finetune -->" in (ROOT / "docs" / "calibration.md").read_text()
    for doc in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        _, changed = update_facts(doc.read_text(), ROOT / "reports")
        assert changed == [], f"{doc.name}: run facts are stale: {changed}; `repro report --readme`"


def test_facts_are_rewritten_from_run_json(tmp_path):
    from repro.report.readme import update_facts

    (tmp_path / "smoke").mkdir()
    (tmp_path / "smoke" / "run.json").write_text(
        json.dumps(
            {
                "wall_s": 125.4,
                "jobs": {"total": 9},
                "stage_seconds": {"a": 100.0, "b": 50.5},
                "machine": {"cpu_count": 2, "cpu_model": "Xeon", "cpu_bf16_native": True},
            }
        )
    )
    text = "took <!-- fact:smoke.wall_s -->old<!-- /fact --> for <!-- fact:smoke.jobs -->1<!-- /fact -->"
    new, changed = update_facts(text, tmp_path)
    assert (
        new
        == "took <!-- fact:smoke.wall_s -->125 s<!-- /fact --> for <!-- fact:smoke.jobs -->9<!-- /fact -->"
    )
    assert len(changed) == 2
    with pytest.raises(ConfigError, match="smoke.nope"):
        update_facts("<!-- fact:smoke.nope -->x<!-- /fact -->", tmp_path)
