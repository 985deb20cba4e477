"""Claim specs: every module loads and declares what a reader and the runner need."""

from __future__ import annotations

from pathlib import Path

import pytest

from repro.claims import Claim, discover, select
from repro.config import resolve
from repro.errors import ConfigError
from repro.workflow.needs import plan_claims

CLAIMS_DIR = Path(__file__).resolve().parents[2] / "claims"


def test_c01_to_c12_present_and_complete():
    claims = discover(CLAIMS_DIR)
    assert sorted(claims) == [f"C{i:02d}" for i in range(1, 13)]
    for cid, c in claims.items():
        assert isinstance(c, Claim)
        assert c.statement and c.source and c.rule and c.title, cid
        assert c.needs, cid
        assert not c.paper_values, f"{cid}: paper values must stay empty until transcribed"


def test_unknown_claim_id_suggests():
    claims = discover(CLAIMS_DIR)
    with pytest.raises(ConfigError, match="C12"):
        select(claims, "C120")
    assert list(select(claims, "C1")) == ["C01"]  # short ids are padded, not guessed
    assert list(select(claims, "c03,C01")) == ["C03", "C01"]


@pytest.mark.parametrize("profile", ["smoke", "mini", "paper"])
def test_every_profile_plans_every_claim(profile, monkeypatch, tmp_path):
    if profile == "mini":
        (tmp_path / "MANIFEST.tsv").write_text("path\n")
        monkeypatch.setenv("REPRO_DATA_DIR", str(tmp_path))
    cfg = resolve(profile)
    pairs, skipped = plan_claims(cfg, discover(CLAIMS_DIR))
    assert pairs
    stages = {j.stage for j, _ in pairs}
    assert {"evaluate", "retrieve", "distances"} <= stages
    if not cfg.sweep.enabled:
        assert "C11" in skipped


def test_claims_share_runs():
    cfg = resolve("smoke")
    pairs, _ = plan_claims(cfg, discover(CLAIMS_DIR))
    keys = [j.key for j, _ in pairs]
    assert len(set(keys)) < len(keys)  # C01 and C12 need the same NLI evaluations
