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
