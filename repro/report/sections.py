"""The report's data, sanity-band, transfer-regime, stability and provenance sections, each a pure
function of the report's :class:`~repro.report.inputs.Inputs`."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from repro.report.inputs import Inputs
from repro.report.tables import (
    summarize,
)

# XTREME mBERT zero-shot levels (NOT from this paper; docs/paper.md §9), approximate.
SANITY_ANCHORS = {
    "nli": {"es": (73.0, 75.0), "ru": (67.0, 69.0), "vi": (69.0, 71.0), "hi": (59.0, 61.0)},
    "qa": {"es": (75.0, 75.0), "ru": (71.0, 71.0), "vi": (69.0, 70.0), "hi": (59.0, 59.0)},
}


SANITY_TOLERANCE = 5.0  # points either side of the anchor range


NON_COMMERCIAL = {
    "local": "XNLI is CC BY-NC 4.0 and the TED talks of IWSLT'15 are CC BY-NC-ND 4.0: "
    "non-commercial use only. WMT news test sets are for research use.",
    "hub": "XNLI is CC BY-NC 4.0: non-commercial use only.",
}


DATA_CATALOG: dict[str, tuple[tuple[str, str, str], ...]] = {
    "synthetic": (
        (
            "synthetic world",
            "every task, parallel text with gold alignments, MLM text",
            "generated here by repro.data.synthetic; no third-party data",
        ),
    ),
    "local": (
        (
            "MultiNLI (20k-row subset)",
            "NLI training",
            "MultiNLI licence (OANC-based; parts CC BY-SA 3.0)",
        ),
        ("XNLI (XTREME test + myXNLI labels)", "NLI test", "CC BY-NC 4.0 — non-commercial"),
        (
            "WikiANN / PAN-X (Rahimi splits)",
            "NER train/test",
            "no explicit licence; Wikipedia-derived text (CC BY-SA)",
        ),
        ("SQuAD v1.1 dev", "QA training substitute", "CC BY-SA 4.0"),
        ("TyDiQA-GoldP en train", "extra QA training", "Apache 2.0"),
        ("XQuAD", "QA test, cross-lingual pairs", "CC BY-SA 4.0"),
        ("MLQA v1 dev", "QA test (same-language)", "CC BY-SA 3.0"),
        ("Tatoeba (LASER v1 test)", "XSR", "CC BY 2.0 FR"),
        ("parallel/: WMT news test sets", "adjustment pairs", "research use (statmt.org)"),
        ("parallel/: TICO-19", "adjustment pairs", "CC0 1.0"),
        ("parallel/: IWSLT'15 (TED)", "adjustment pairs", "CC BY-NC-ND 4.0 — non-commercial"),
        ("parallel/: FLORES-200, NTREX-128", "adjustment pairs", "CC BY-SA 4.0"),
        ("parallel/: Tatoeba-Challenge", "adjustment pairs", "CC BY 2.0 FR"),
    ),
    "hub": (
        ("MultiNLI", "NLI training", "OANC / CC BY-SA 3.0 (parts)"),
        ("XNLI", "NLI test", "CC BY-NC 4.0 — non-commercial"),
        ("WikiANN", "NER", "unknown (Wikipedia text)"),
        ("SQuAD v1.1", "QA training", "CC BY-SA 4.0"),
        ("XQuAD", "QA test", "CC BY-SA 4.0"),
        ("MLQA", "QA test (incl. cross-lingual)", "CC BY-SA 3.0"),
        ("TyDiQA-GoldP", "QA test (ru)", "Apache 2.0"),
        ("Tatoeba (XTREME)", "XSR", "CC BY 2.0 FR"),
        ("WikiMatrix v1 (OPUS)", "adjustment pairs", "CC BY-SA"),
    ),
}


def data_section(inp: Inputs) -> dict[str, Any]:
    source = inp.typed.data.source if inp.typed else None
    recorded = (
        (inp.run or {}).get("data") if isinstance((inp.run or {}).get("data"), Mapping) else None
    )
    out: dict[str, Any] = {
        "source": source or "unknown",
        "catalog": list(DATA_CATALOG.get(source, ())),
        "non_commercial": NON_COMMERCIAL.get(source, ""),
        "checksums": [],
        "licences": [],
        "sources": [],
        "recorded": False,
    }
    if recorded:
        out["recorded"] = True
        out["checksums"] = sorted(
            (str(k), str(v)) for k, v in (recorded.get("inputs") or {}).items()
        )
        out["licences"] = sorted(
            (str(k), str(v)) for k, v in (recorded.get("licences") or {}).items()
        )
        out["sources"] = sorted(
            (str(k), str(v)) for k, v in (recorded.get("sources") or {}).items()
        )
    return out


def sanity_band(inp: Inputs) -> list[dict[str, Any]] | None:
    """Paper profile only: our original-model scores against XTREME's published mBERT levels."""
    if inp.profile != "paper":
        return None
    out = []
    for task, dataset, metric, label in (
        ("nli", "xnli", "accuracy", "XNLI accuracy"),
        ("qa", "xquad", "f1", "XQuAD F1"),
    ):
        for lang, (lo, hi) in SANITY_ANCHORS[task].items():
            lg = lang if task == "nli" else f"{lang}-{lang}"
            s = summarize(
                inp.results.find(kind="eval", task=task, dataset=dataset, lang=lg, state="original")
            )
            anchor = f"{lo:g}–{hi:g}" if lo != hi else f"~{lo:g}"
            band = f"{lo - SANITY_TOLERANCE:g}–{hi + SANITY_TOLERANCE:g}"
            if s is None or not s.mean:
                out.append(
                    {
                        "what": label,
                        "lang": lang,
                        "anchor": anchor,
                        "band": band,
                        "ours": "no result",
                        "status": "missing",
                        "flag": False,
                    }
                )
                continue
            ours = 100.0 * s.mean[metric]
            inside = lo - SANITY_TOLERANCE <= ours <= hi + SANITY_TOLERANCE
            out.append(
                {
                    "what": label,
                    "lang": lang,
                    "anchor": anchor,
                    "band": band,
                    "ours": f"{ours:.1f}",
                    "status": "within" if inside else "OUTSIDE",
                    "flag": not inside,
                }
            )
    return out


def transfer_section(inp: Inputs) -> list[dict[str, Any]]:
    """The unadjusted encoder's transfer ratios (docs/calibration.md), from per-example results."""
    from repro.analysis.transfer import transfer_table

    out = []
    for r in transfer_table(inp.results, "original") if inp.results_present else []:
        per = [x for x in r.ratio_per_run if x == x]
        out.append(
            {
                "task": r.task,
                "dataset": r.dataset,
                "lang": r.lang,
                "metric": r.metric,
                "english": f"{100 * r.english:.1f}",
                "target": f"{100 * r.target:.1f}",
                "ratio": f"{r.ratio:.2f}",
                "range": f"{min(per):.2f}–{max(per):.2f}" if per else "–",
                "runs": r.runs,
                "near_chance": r.near_chance_runs,
                "flag": not r.in_band,
            }
        )
    return out


def stability_section(inp: Inputs) -> dict[str, Any] | None:
    """Claim x world-seed verdicts of `repro stability`, flips flagged; None without the file."""
    stab = inp.stability
    if not stab:
        return None
    seeds = [str(s) for s in stab.get("world_seeds", [])]
    rows = []
    for cid, rec in sorted(stab.get("claims", {}).items()):
        cells = []
        for s in seeds:
            c = rec.get("per_world", {}).get(s)
            m = c and c.get("margin")
            cells.append(
                "–" if c is None else c["verdict"] + (f" ({m:.2f})" if isinstance(m, float) else "")
            )
        rows.append(
            {"id": cid, "title": rec.get("title", ""), "cells": cells, "flip": not rec["stable"]}
        )
    return {"seeds": seeds, "rows": rows}


def _kv(d: Mapping[str, Any] | None) -> list[tuple[str, str]]:
    if not isinstance(d, Mapping):
        return []
    return [
        (str(k), v if isinstance(v, str) else json.dumps(v, sort_keys=True, ensure_ascii=False))
        for k, v in sorted(d.items())
    ]


def provenance(inp: Inputs) -> dict[str, Any]:
    status, run = inp.status or {}, inp.run or {}
    rev_claims, rev_run = status.get("git_revision"), run.get("git_revision")
    stages = run.get("stage_seconds") if isinstance(run.get("stage_seconds"), Mapping) else {}
    return {
        "git_revision": rev_claims or rev_run or "unknown",
        "git_revision_run": rev_run if rev_run and rev_run != rev_claims else None,
        "config_sha256": status.get("config_sha256") or "",
        "overrides": list(status.get("overrides") or []),
        "versions": _kv(status.get("versions") or run.get("versions")),
        "machine": _kv(run.get("machine")),
        "stages": [
            (k, f"{float(v):.1f}") for k, v in sorted(stages.items()) if isinstance(v, (int, float))
        ],
        "wall_s": (
            f"{float(run['wall_s']):.1f}" if isinstance(run.get("wall_s"), (int, float)) else None
        ),
        "jobs": _kv(run.get("jobs")),
        "decision": _kv(status.get("decision")),
        "config_json": (
            json.dumps(inp.config, indent=1, sort_keys=True, ensure_ascii=False)
            if inp.config is not None
            else None
        ),
        "config_origin": inp.config_origin,
        "description": inp.typed.description if inp.typed else "",
    }
