"""Properties every committed lock must have: run variance in every tested row, sentence
clusters for distances, and no INCONCLUSIVE claim made only of failed rows."""

import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LOCKS = sorted((ROOT / "reports").glob("*/claims.json"))


def rows_of(evidence):
    yield from evidence.get("rows", []) or []
    for part in (evidence.get("parts") or {}).values():
        yield from rows_of(part)


@pytest.mark.parametrize("lock", LOCKS, ids=lambda p: p.parent.name)
def test_every_tested_row_has_run_variance_and_the_right_units(lock):
    claims = json.loads(lock.read_text())["claims"]
    tested = 0
    for cid, rec in claims.items():
        for r in rows_of(rec.get("evidence") or {}):
            if r.get("p_greater") is None:  # untestable rows say why and decide nothing
                assert r.get("failed") or r.get("insufficient_runs"), (cid, r.get("label"))
                continue
            tested += 1
            if r.get("kind") in ("eval", "xsr", "distances") and r.get("per_seed_new"):
                assert len(r["per_seed_new"]) >= 2, (cid, r["label"])
                if not r.get("exact_base"):
                    assert len(r["per_seed_base"]) >= 2, (cid, r["label"])
            if r.get("kind") == "distances":
                assert r["n_units"] < r["n_examples"], (cid, r["label"])  # sentence clusters
                assert r["unit"] == "sentence pair"
    assert tested or lock.parent.name == "mini"


@pytest.mark.parametrize("lock", LOCKS, ids=lambda p: p.parent.name)
def test_a_claim_whose_rows_all_failed_is_failed_not_inconclusive(lock):
    for cid, rec in json.loads(lock.read_text())["claims"].items():
        rows = list(rows_of(rec.get("evidence") or {}))
        if rows and all(r.get("failed") for r in rows):
            assert rec["verdict"] == "FAILED", cid
