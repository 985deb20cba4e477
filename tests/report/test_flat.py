"""results.csv: every stored score flat, and the claims' means are means of its rows."""

import csv
import json
from pathlib import Path

import numpy as np
import pytest

from repro.report.flat import COLUMNS, flat_rows, to_csv

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("profile", ["smoke", "mini"])
def test_each_claim_row_is_the_mean_of_its_runs_in_results_csv(profile):
    pdir = ROOT / "reports" / profile
    if not (pdir / "results.csv").is_file():
        pytest.skip(f"no committed {profile} results.csv")
    with open(pdir / "results.csv", newline="") as f:
        table = list(csv.DictReader(f))
    assert tuple(table[0]) == COLUMNS
    assert any(r["lang"] in ("en", "en-en") for r in table)  # the English sanity rows
    metric = {"nli": "accuracy", "ner": "f1", "qa": "f1"}
    claims = json.loads((pdir / "claims.json").read_text())["claims"]
    checked = 0
    for rec in claims.values():
        for r in rec["evidence"].get("rows", []):
            if r.get("kind") != "eval" or r.get("base") is None or "+" in r["lang"]:
                continue
            for side, state in (("base", r["base_state"]), ("new", r["new_state"])):
                vals = [
                    float(t["value"])
                    for t in table
                    if (t["kind"], t["task"], t["dataset"], t["lang"], t["state"])
                    == ("eval", r["task"], r["dataset"], r["lang"], state)
                    and t["metric"] == metric[r["task"]]
                    and int(t["seed"]) in r["seeds"]
                ]
                assert len(vals) == len(r["seeds"]), (r["label"], state)
                assert np.mean(vals) == pytest.approx(r[side], abs=2e-6), (r["label"], side)
                checked += 1
    assert checked  # at least the NER rows (mini: its NLI/QA rows all failed)


def test_rows_are_one_per_metric_with_the_run_flags():
    from repro.claims.results import Entry, EntryKey, ResultSet

    rs = ResultSet()
    ids = ["a", "b", "c", "d"]
    rs.add(
        Entry(
            EntryKey("eval", "nli", "x", "es", "original", 2),
            ids,
            {"correct": np.array([1, 0, 1, 1])},
            meta={"english_collapsed": True},
        )
    )
    rs.add(
        Entry(
            EntryKey("eval", "qa", "x", "es-es", "original", 1),
            ids,
            {"f1": np.array([1.0, 0.5, 0, 0]), "em": np.array([1, 0, 0, 0])},
            meta={"collapsed": True},
        )
    )
    rows = flat_rows(rs)
    nli = [r for r in rows if r["task"] == "nli"]
    assert [(r["metric"], r["value"], r["failed"]) for r in nli] == [("accuracy", 0.75, True)]
    qa = {r["metric"]: r for r in rows if r["task"] == "qa"}
    assert qa["f1"]["value"] == 0.375 and qa["em"]["value"] == 0.25
    assert qa["f1"]["near_chance"] and not qa["f1"]["failed"]
    text = to_csv(rows)
    assert text.splitlines()[0] == ",".join(COLUMNS) and len(text.splitlines()) == 1 + len(rows)
