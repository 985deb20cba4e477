"""Every stored score in one flat table: ``reports/<profile>/results.csv`` and ``.json``.

One row per (kind, task, dataset, language or pair, model state, run seed, metric), like
lm-evaluation-harness's results file, so a score can be read, plotted or compared without the
per-example result tree. English rows are included (the source-language sanity score). Values are
the corpus score of that one run; ``failed`` marks a run the claims exclude (``Entry.failed``),
``near_chance`` a near-chance score that is kept.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import numpy as np

from repro.claims.results import Entry, ResultSet
from repro.report.tables import entry_scores

COLUMNS = (
    "kind",
    "task",
    "dataset",
    "lang",
    "state",
    "seed",
    "metric",
    "value",
    "n_examples",
    "failed",
    "near_chance",
)


def _scores(entry: Entry) -> dict[str, float]:
    if entry.key.kind == "distances":
        rel = np.asarray(entry.stats["related_cos"], dtype=float)
        unrel = np.asarray(entry.stats["unrelated_cos"], dtype=float)
        return {
            "related_cos": float(rel.mean()),
            "unrelated_cos": float(unrel.mean()),
            "gap_cos": float((unrel - rel).mean()),
        }
    return entry_scores(entry)


def flat_rows(results: ResultSet) -> list[dict[str, Any]]:
    """The rows, sorted by key then metric (a stable order: a diff shows real changes)."""
    rows = []
    for e in sorted(results, key=lambda e: e.key.relpath()):
        k = e.key
        for metric, value in _scores(e).items():
            rows.append(
                {
                    "kind": k.kind,
                    "task": k.task,
                    "dataset": k.dataset,
                    "lang": k.lang,
                    "state": k.state,
                    "seed": k.seed if k.seed >= 0 else None,
                    "metric": metric,
                    "value": round(value, 6),
                    "n_examples": len(e.ids),
                    "failed": e.failed,
                    "near_chance": e.near_chance,
                }
            )
    return rows


def to_csv(rows: list[dict[str, Any]]) -> str:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=COLUMNS, lineterminator="\n")
    w.writeheader()
    for r in rows:
        w.writerow({c: "" if r[c] is None else r[c] for c in COLUMNS})
    return buf.getvalue()


def to_json(rows: list[dict[str, Any]], profile: str) -> str:
    return json.dumps({"profile": profile, "columns": list(COLUMNS), "rows": rows}, indent=1) + "\n"
