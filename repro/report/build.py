"""Render ``reports/<profile>/report.{html,md}`` from stored results only.

Inputs: ``claims.json`` (verdicts and evidence rows), ``run.json`` (provenance of the run) and the
per-example results under ``results/``. No model, no training, no artifact store. A missing input
never stops the report: the affected sections say what is missing and show no numbers.
Rendering is deterministic (no dates, sorted keys, byte-stable SVG), so rendering twice from the
same inputs gives identical bytes.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from repro.claims.results import ResultSet
from repro.errors import DataError
from repro.fsio import folder_lock, write_text_atomic
from repro.report.figures import FigureOut, render_figures
from repro.report.flat import flat_rows, to_csv, to_json
from repro.report.forest import effect_forest
from repro.report.tables import (
    GAIN,
    LOSS,
    evidence_table,
    fmt_num,
    lang_order,
    paper_tables,
    row_is_pct,
    summarize,
    sweep_table,
)

log = logging.getLogger(__name__)

VERDICTS = ("SUPPORTED", "REFUTED", "INCONCLUSIVE", "FAILED", "NOT_RUN", "ERROR")
CITATION = (
    "Efimov, Boytsov, Arslanova, Braslavski. The Impact of Cross-Lingual Adjustment of "
    "Contextual Word Representations on Zero-Shot Transfer. ECIR 2023 (arXiv 2204.06457)."
)
NO_PAPER_VALUES = (
    "The paper's values have not been transcribed (docs/paper.md §9); none are invented here."
)

BANNERS = {
    "smoke": (
        "warn",
        "Smoke profile: a mechanism check on synthetic data with a tiny BERT "
        "pretrained here — not the paper's numbers. The languages are synthetic "
        "stand-ins named by the codes of the languages they stand for.",
    ),
    "mini": (
        "warn",
        "Mini profile: real data (the files under REPRO_DATA_DIR, with documented "
        "substitutes) and a tiny BERT pretrained here on that text — real formats "
        "and languages at CPU scale, not the paper's model or numbers.",
    ),
    "paper": (
        "info",
        "Paper profile: the reproduction — bert-base-multilingual-cased, the "
        "paper's datasets from the hub and the paper's hyper-parameters.",
    ),
}

# XTREME mBERT zero-shot levels (NOT from this paper; docs/paper.md §9), approximate.
SANITY_ANCHORS = {
    "nli": {"es": (73.0, 75.0), "ru": (67.0, 69.0), "vi": (69.0, 71.0), "hi": (59.0, 61.0)},
    "qa": {"es": (75.0, 75.0), "ru": (71.0, 71.0), "vi": (69.0, 70.0), "hi": (59.0, 59.0)},
}
SANITY_TOLERANCE = 5.0  # points either side of the anchor range

_TEMPLATES = Path(__file__).resolve().parent / "templates"


# --------------------------------------------------------------------------- inputs


@dataclass
class Inputs:
    profile: str
    pdir: Path
    status: dict[str, Any] | None
    run: dict[str, Any] | None
    results: ResultSet
    results_present: bool
    config: dict[str, Any] | None
    config_origin: str
    stability: dict[str, Any] | None = None  # reports/<profile>/stability.json


def _read_json(path: Path) -> dict[str, Any] | None:
    if not path.is_file():
        return None
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise DataError(path, f"line {exc.lineno}", f"invalid JSON: {exc.msg}") from exc
    if not isinstance(raw, dict):
        raise DataError(path, None, "expected a JSON object")
    return raw


def _resolved_config(
    profile: str, status: Mapping[str, Any] | None, run: Mapping[str, Any] | None
) -> tuple[dict[str, Any] | None, str]:
    """run.json's config; else the profile preset + the lock's overrides, checked by sha256."""
    if run and isinstance(run.get("config"), dict):
        return run["config"], "run.json"
    try:
        from repro.config import as_dict, resolve
        from repro.configtools import sha256_of

        overrides = tuple((status or {}).get("overrides") or ())
        cfg = as_dict(resolve(profile, overrides=overrides))
    except Exception as exc:  # noqa: BLE001 - an unknown profile still gets a report
        log.warning("cannot resolve the %s config: %s", profile, exc)
        return None, "unavailable"
    want = (status or {}).get("config_sha256")
    if want and sha256_of(cfg) == want:
        return (
            cfg,
            "resolved from the profile preset and the recorded overrides (its sha256 "
            "matches claims.json)",
        )
    return cfg, (
        "resolved from the profile preset and the recorded overrides; claims.json "
        "records no config hash to check it against"
        if not want
        else "resolved from the profile preset; its sha256 does NOT match claims.json, so "
        "the run may have used other settings"
    )


def load_inputs(profile: str, reports_root: Path) -> Inputs:
    pdir = Path(reports_root) / profile
    status = _read_json(pdir / "claims.json")
    run = _read_json(pdir / "run.json")
    rdir = pdir / "results"
    results = ResultSet.load(rdir)
    config, origin = _resolved_config(profile, status, run)
    return Inputs(
        profile,
        pdir,
        status,
        run,
        results,
        rdir.is_dir() and len(results) > 0,
        config,
        origin,
        _read_json(pdir / "stability.json"),
    )


# --------------------------------------------------------------------------- claims


def _margin(rec: Mapping[str, Any]) -> tuple[str, bool]:
    m = rec.get("margin")
    if isinstance(m, Mapping):
        dec, fragile = m.get("decades"), bool(m.get("fragile"))
    else:
        dec, fragile = m, False
    if not isinstance(dec, (int, float)) or isinstance(dec, bool):
        return "—", False
    return f"{dec:.2f}", fragile


def _short(text: str, n: int = 140) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= n else text[: n - 1].rstrip() + "…"


def _rows_summary(rows: Sequence[Mapping[str, Any]]) -> str:
    if not rows:
        return ""
    tested = [r for r in rows if "sig_gain" in r]
    parts = []
    if tested:
        up = sum(bool(r.get("sig_gain")) for r in tested)
        down = sum(bool(r.get("sig_loss")) for r in tested)
        if all(r.get("direction") == "loss" for r in tested):  # the claim expects a decrease
            parts.append(
                f"{down} of {len(rows)} significantly lower {LOSS} as expected, {up} {GAIN}"
            )
        else:
            parts.append(f"{up} of {len(rows)} significant {GAIN}, {down} {LOSS}")
    findings = [str(r["finding"]) for r in rows if r.get("finding")]
    if findings:
        counts = {f: findings.count(f) for f in sorted(set(findings))}
        parts.append(", ".join(f"{f.replace('_', ' ')} ×{n}" for f, n in counts.items()))
    deltas = [r["delta"] for r in rows if isinstance(r.get("delta"), (int, float))]
    if deltas:
        pct = row_is_pct(rows[0])
        lo, hi = min(deltas), max(deltas)
        unit = " pts" if pct else ""
        rng = (
            fmt_num(lo, pct=pct, signed=True)
            if lo == hi
            else f"{fmt_num(lo, pct=pct, signed=True)} … {fmt_num(hi, pct=pct, signed=True)}"
        )
        parts.append(f"Δ {rng}{unit}")
    return ", ".join(parts)


def _sweep_missing(claims: Mapping[str, Any], figures: Sequence[Any]) -> str | None:
    """Why the data-size curve (C11's evidence) is absent, or None when it is drawn."""
    if any(f.name == "data-size" for f in figures):
        return None
    rec = claims.get("C11") or {}
    why = rec.get("rationale") or "no adjusted@N results are stored"
    return (
        f"The data-size curve (score against parallel pairs, C11) is not drawn: {why}. "
        "A run with `--set sweep.enabled=true` stores it."
    )


def run_notes(rec: Mapping[str, Any]) -> list[str]:
    """The card's lines on runs: which were excluded (never learned English) and which were
    kept although near chance on the target, per comparison row (top level and parts)."""
    ev = rec.get("evidence") or {}
    rows = list(ev.get("rows") or [])
    for part in (ev.get("parts") or {}).values():
        if isinstance(part, Mapping):
            rows += list(part.get("rows") or [])
    out = []
    for key, what in (
        ("excluded_seeds", "excluded (the fine-tuning never learned English, near chance there)"),
        ("near_chance_seeds", "near chance on the target language, kept (it learned English)"),
    ):
        hits = [
            f"{r.get('label', '?')} (run {', '.join(str(x) for x in r[key])})"
            for r in rows
            if isinstance(r, Mapping) and r.get(key)
        ]
        if hits:
            out.append(f"Runs {what}: {'; '.join(hits)}")
    return out


def evidence_summary(rec: Mapping[str, Any]) -> str:
    """One line of key evidence for the headline table."""
    verdict = rec.get("verdict")
    ev = rec.get("evidence") or {}
    if verdict in ("NOT_RUN", "ERROR", "FAILED"):
        return _short(rec.get("rationale") or verdict, 120)
    if ev.get("parts"):
        bits = []
        for name in ev["parts"]:
            s = _rows_summary(ev["parts"][name].get("rows") or [])
            if s:
                bits.append(f"{name.replace('_', ' ')}: {s}")
        if bits:
            return "; ".join(bits)
    s = _rows_summary(ev.get("rows") or [])
    return s or _short(rec.get("rationale") or "", 120)


def _scalar_evidence(ev: Mapping[str, Any]) -> list[tuple[str, str]]:
    skip = {"rows", "parts", "per_language", "traceback"}
    out = []
    for k in sorted(ev):
        if k in skip:
            continue
        v = ev[k]
        text = v if isinstance(v, str) else json.dumps(v, sort_keys=True, ensure_ascii=False)
        out.append((k.replace("_", " "), _short(text, 400)))
    return out


def _paper_values(pv: Any) -> list[tuple[str, str]]:
    if not isinstance(pv, Mapping) or not pv:
        return []
    return [
        (str(k), v if isinstance(v, str) else json.dumps(v, sort_keys=True, ensure_ascii=False))
        for k, v in sorted(pv.items())
    ]


def claim_card(cid: str, rec: Mapping[str, Any]) -> dict[str, Any]:
    ev = rec.get("evidence") or {}
    margin, fragile = _margin(rec)
    anchor = cid.lower()
    sections = []
    if ev.get("rows"):
        sections.append(
            {
                "title": "Comparisons",
                "verdict": None,
                "rationale": None,
                "table": evidence_table(ev["rows"], id=f"{anchor}-rows", title="Comparisons"),
                "scalars": [],
            }
        )
    for name, part in (ev.get("parts") or {}).items():
        if not isinstance(part, Mapping):
            continue
        rows = part.get("rows") or []
        pm, _ = _margin(part)
        sections.append(
            {
                "title": f"Part: {name.replace('_', ' ')}",
                "verdict": part.get("verdict"),
                "rationale": part.get("rationale"),
                "margin": pm,
                "table": evidence_table(rows, id=f"{anchor}-{name}", title=name) if rows else None,
                "scalars": _scalar_evidence(
                    {k: v for k, v in part.items() if k not in ("verdict", "rationale", "margin")}
                ),
            }
        )
    if ev.get("per_language"):
        sections.append(
            {
                "title": "Per language (reported, not used for the verdict)",
                "verdict": None,
                "rationale": None,
                "table": evidence_table(
                    ev["per_language"], id=f"{anchor}-per-language", title="per language"
                ),
                "scalars": [],
            }
        )
    return {
        "id": cid,
        "anchor": anchor,
        "verdict": rec.get("verdict", "ERROR"),
        "title": rec.get("title") or cid,
        "statement": rec.get("statement") or "",
        "source": rec.get("source") or "",
        "rule": rec.get("rule") or "",
        "rationale": rec.get("rationale") or "",
        "margin": margin,
        "fragile": fragile,
        "summary": evidence_summary(rec),
        "run_notes": run_notes(rec),
        "sections": sections,
        "scalars": _scalar_evidence(ev),
        "traceback": ev.get("traceback"),
        "paper_values": _paper_values(rec.get("paper_values")),
        "command": rec.get("command") or "",
    }


# --------------------------------------------------------------------------- deviations


@dataclass(frozen=True)
class Rule:
    """One way a profile can depart from the paper, decided from the resolved config."""

    aspect: str
    paper: str
    applies: Callable[[Mapping[str, Any]], bool]
    here: Callable[[Mapping[str, Any]], str]
    why: str


def _g(cfg: Mapping[str, Any], path: str, default: Any = None) -> Any:
    cur: Any = cfg
    for part in path.split("."):
        if not isinstance(cur, Mapping) or part not in cur:
            return default
        cur = cur[part]
    return cur


PAPER_FT = {"nli": (2.0, 128), "ner": (3.0, 128), "qa": (2.0, 384)}  # epochs, max length (§5)


def _ft_differs(c: Mapping[str, Any]) -> bool:
    return any(
        _g(c, f"finetune.{t}.num_train_epochs") not in (None, ep)
        or _g(c, f"finetune.{t}.max_seq_length") not in (None, ml)
        or (_g(c, f"finetune.{t}.max_train_examples") or 0) > 0
        for t, (ep, ml) in PAPER_FT.items()
    )


def _ft_here(c: Mapping[str, Any]) -> str:
    bits = []
    for t in PAPER_FT:
        ep = _g(c, f"finetune.{t}.num_train_epochs")
        ml = _g(c, f"finetune.{t}.max_seq_length")
        n = _g(c, f"finetune.{t}.max_train_examples") or 0
        bits.append(
            f"{t.upper()} {ep:g} epochs, max length {ml}" + (f", first {n} examples" if n else "")
        )
    return "; ".join(bits)


def _bf16(c: Mapping[str, Any]) -> list[str]:
    return [
        s
        for s in ("pretrain", "adjust", "finetune")
        if _g(c, f"{s}.bf16") and not (s == "pretrain" and _g(c, "model.source") == "hub")
    ]


DEVIATION_RULES: tuple[Rule, ...] = (
    Rule(
        "Task and test data",
        "XNLI, WikiANN, SQuAD → XQuAD/MLQA/TyDiQA, Tatoeba",
        lambda c: _g(c, "data.source") == "synthetic",
        lambda c: f"a synthetic multilingual world (world.seed={_g(c, 'world.seed')})",
        "an offline CPU mechanism check whose cross-lingual structure is known",
    ),
    Rule(
        "Task and test data",
        "XNLI, WikiANN, SQuAD → XQuAD/MLQA/TyDiQA, Tatoeba",
        lambda c: _g(c, "data.source") == "local",
        lambda c: (
            "local files: MNLI 20k subset; SQuAD v1.1 dev minus the XQuAD paragraphs "
            "(+ TyDiQA-GoldP en train) for QA training; XNLI test labels joined from "
            "myXNLI; MLQA dev instead of test"
        ),
        "only these files are available offline (shared/data/README.md)",
    ),
    Rule(
        "Parallel data",
        "WikiMatrix en–xx, ≤ 64 words",
        lambda c: _g(c, "data.source") in ("synthetic", "local"),
        lambda c: (
            "parallel sentences generated by the synthetic world"
            if _g(c, "data.source") == "synthetic"
            else "human-translated test sets (WMT, TICO-19, IWSLT'15, FLORES-200, NTREX-128, "
            "Tatoeba-Challenge), overlaps with test data dropped"
        ),
        "WikiMatrix is not available offline",
    ),
    Rule(
        "Word alignments",
        "fast_align / eflomal, intersected, 1-to-1 links",
        lambda c: _g(c, "align.method") == "gold",
        lambda c: "the synthetic world's gold alignments (the aligner is scored by AER)",
        "isolates the adjustment from aligner errors on synthetic text",
    ),
    Rule(
        "Word alignments",
        "fast_align / eflomal, intersected, 1-to-1 links",
        lambda c: _g(c, "align.method") not in (None, "gold", "eflomal", "fast_align"),
        lambda c: f"the package's own {_g(c, 'align.method')} aligner, both directions intersected",
        "no external aligner binary needed; eflomal is an optional extra (GPLv3)",
    ),
    Rule(
        "Adjustment",
        "one adjusted model per target language",
        lambda c: _g(c, "adjust.mode") == "joint",
        lambda c: "one model adjusted jointly on all languages (as Cao et al. 2020)",
        "one adjustment instead of four fits the CPU budget",
    ),
    Rule(
        "Adjustment data size",
        "unknown; 30K pairs per language assumed (docs/paper.md §12.1)",
        lambda c: _g(c, "adjust.max_pairs") not in (None, 30000),
        lambda c: f"{_g(c, 'adjust.max_pairs')} pairs per language",
        "scaled to the available parallel data and the time budget",
    ),
    Rule(
        "Encoder",
        "bert-base-multilingual-cased (12 layers, 768 hidden)",
        lambda c: _g(c, "model.source") == "pretrain",
        lambda c: (
            f"tiny BERT ({_g(c, 'model.num_hidden_layers')} layers, "
            f"{_g(c, 'model.hidden_size')} hidden, vocabulary "
            f"{_g(c, 'model.vocab_size')}) pretrained here with MLM for "
            f"{_g(c, 'pretrain.steps')} steps"
        ),
        "mBERT is too large for CPU minutes; a self-pretrained model is multilingual but "
        "weakly aligned, the condition under which adjustment helps",
    ),
    Rule(
        "Encoder",
        "bert-base-multilingual-cased",
        lambda c: (
            _g(c, "model.source") == "hub" and _g(c, "model.name") != "bert-base-multilingual-cased"
        ),
        lambda c: str(_g(c, "model.name")),
        "set by configuration",
    ),
    Rule(
        "Fine-tuning budget",
        "NLI 2 epochs / 128; NER 3 epochs / 128; QA 2 epochs / 384; full training sets",
        _ft_differs,
        _ft_here,
        "shorter inputs and budgets for the tiny model and the smaller data",
    ),
    Rule(
        "Evaluation size",
        "full test sets",
        lambda c: (_g(c, "evaluate.max_examples") or 0) > 0,
        lambda c: f"first {_g(c, 'evaluate.max_examples')} examples per test set",
        "time budget",
    ),
    Rule(
        "Fine-tuning seeds",
        "unknown (several seeds implied; ≥ 3 assumed)",
        lambda c: len(_g(c, "finetune.seeds") or ()) < 3,
        lambda c: f"{len(_g(c, 'finetune.seeds') or ())} seed(s)",
        "time budget",
    ),
    Rule(
        "Numeric precision",
        "fp32 (the authors' scripts)",
        lambda c: bool(_bf16(c)),
        lambda c: "bf16 autocast in " + ", ".join(_bf16(c)),
        "1.5–2.6× faster on CPUs with AMX and on GPUs; claims are relative, both arms alike",
    ),
    Rule(
        "XSR layer",
        "mBERT 8th layer (HF hidden_states[8]), mean pooling, cosine",
        lambda c: _g(c, "retrieve.layer") not in (None, 8),
        lambda c: (
            (
                "last layer (hidden_states[-1])"
                if _g(c, "retrieve.layer") == -1
                else f"hidden_states[{_g(c, 'retrieve.layer')}]"
            )
            + (" of the tiny model" if _g(c, "model.source") == "pretrain" else "")
        ),
        "the tiny model's last layer is the one the adjustment acts on",
    ),
    Rule(
        "Cross-lingual QA",
        "MLQA G-XLT pairs with English (docs/paper.md §12.7)",
        lambda c: _g(c, "data.source") in ("synthetic", "local"),
        lambda c: "question/context pairs built from fully parallel XQuAD-style data",
        "the local MLQA files are same-language only (docs/statistics.md)",
    ),
    Rule(
        "Continual-learning pool",
        "30K alignment pairs, 16 per step",
        lambda c: (
            _g(c, "finetune.continual.pool_size") not in (None, 30000)
            or _g(c, "finetune.continual.pairs_per_step") not in (None, 16)
        ),
        lambda c: (
            f"{_g(c, 'finetune.continual.pool_size')} pairs, "
            f"{_g(c, 'finetune.continual.pairs_per_step')} per step"
        ),
        "capped by the available parallel data",
    ),
    Rule(
        "Data-size sweep",
        "sizes read from a figure (QA peaks near 5K pairs)",
        lambda c: not _g(c, "sweep.enabled", True),
        lambda c: "disabled (C11 is NOT_RUN)",
        "not credible at this scale",
    ),
    Rule(
        "Data-size sweep",
        "sizes read from a figure (QA peaks near 5K pairs)",
        lambda c: bool(_g(c, "sweep.enabled")) and 5000 not in (_g(c, "sweep.sizes") or ()),
        lambda c: "sizes " + ", ".join(str(s) for s in _g(c, "sweep.sizes") or ()),
        "scaled to the corpus of this profile",
    ),
    Rule(
        "Languages",
        "es, ru, vi, hi",
        lambda c: sorted(_g(c, "languages") or ()) != ["es", "hi", "ru", "vi"],
        lambda c: ", ".join(_g(c, "languages") or ()),
        "set by configuration",
    ),
)

DECISIONS = (
    (
        "Significance test",
        "not stated in the paper",
        "paired bootstrap over seeds × examples (QA: paragraphs), one-sided for directional "
        "claims, Holm across the languages/datasets of a claim (docs/statistics.md)",
    ),
    ("Checkpoint", "not stated", "the last step; no dev-set model selection (docs/paper.md §12.6)"),
    (
        "Distance analysis",
        "distance, layer and pair sampling not stated",
        "cosine distance at the last layer; related = held-out 1-to-1 links, unrelated = "
        "random cross-lingual words matched in number (docs/paper.md §12.13)",
    ),
)


def rule_changes(claims: Mapping[str, Any]) -> list[dict[str, str]]:
    """Decision rules changed after results had been seen, from each claim's record."""
    return [
        {
            "claim": cid,
            "date": ch.get("date", "?"),
            "before": ch.get("before", ""),
            "now": rec.get("rule", ""),
            "why": ch.get("why", ""),
        }
        for cid, rec in sorted(claims.items())
        for ch in rec.get("rule_changes") or []
    ]


def deviations(cfg: Mapping[str, Any] | None) -> list[dict[str, str]]:
    if cfg is None:
        return []
    out = []
    for rule in DEVIATION_RULES:
        try:
            applies = rule.applies(cfg)
        except (TypeError, ValueError):
            applies = False
        if applies:
            out.append(
                {
                    "aspect": rule.aspect,
                    "paper": rule.paper,
                    "here": rule.here(cfg),
                    "why": rule.why,
                }
            )
    return out


# --------------------------------------------------------------------------- data


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
    source = _g(inp.config or {}, "data.source")
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


# --------------------------------------------------------------------------- sanity band


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


# --------------------------------------------------------------------------- transfer regime


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


# --------------------------------------------------------------------------- provenance


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
        "description": _g(inp.config or {}, "description") or "",
    }


# --------------------------------------------------------------------------- context


def _missing(inp: Inputs, claims: Mapping[str, Any]) -> list[str]:
    p = inp.profile
    out = []
    if inp.status is None:
        out.append(
            f"claims.json is missing: no verdicts to show (run `repro run --profile {p}`"
            f" to produce reports/{p}/claims.json)."
        )
    if inp.run is None:
        out.append(
            "run.json is missing: machine, timings and the exact resolved config of the "
            "run are not available."
        )
    if not inp.results_present:
        out.append(
            f"Per-example results are missing (reports/{p}/results/ is absent or empty): "
            "the paper-layout tables and the figures need them; no numbers are shown "
            "there."
        )
    not_run = sorted(c for c, r in claims.items() if r.get("verdict") == "NOT_RUN")
    if not_run:
        out.append(f"Not run: {', '.join(not_run)} (see each card for the reason).")
    errors = sorted(c for c, r in claims.items() if r.get("verdict") == "ERROR")
    if errors:
        out.append(f"Failed with an error: {', '.join(errors)} (traceback in the card).")
    return out


def build_context(inp: Inputs, figures: Sequence[FigureOut]) -> dict[str, Any]:
    claims = dict(sorted(((inp.status or {}).get("claims") or {}).items()))
    cards = [claim_card(cid, rec) for cid, rec in claims.items()]
    counts = [(v, sum(1 for c in cards if c["verdict"] == v)) for v in VERDICTS]
    tone, banner = BANNERS.get(
        inp.profile,
        (
            "warn",
            f"Profile {inp.profile!r}: not one of the documented profiles (smoke, mini, paper).",
        ),
    )
    tables = paper_tables(inp.results, claims) if inp.results_present else []
    sweep = sweep_table(inp.results) if inp.results_present else None
    langs = lang_order({e.key.lang for e in inp.results if "-" not in e.key.lang})
    prov = provenance(inp)
    overrides = " ".join(f"--set {o}" for o in prov["overrides"])
    return {
        "profile": inp.profile,
        "title": f"xlingual-repro — reproduction report ({inp.profile} profile)",
        "citation": CITATION,
        "banner": banner,
        "banner_tone": tone,
        "missing": _missing(inp, claims),
        "cards": cards,
        "counts": counts,
        "tables": tables,
        "sweep": sweep,
        "figures": list(figures),
        "sweep_missing": _sweep_missing(claims, figures),
        "languages": langs,
        "sanity": sanity_band(inp),
        "transfer": transfer_section(inp),
        "stability": stability_section(inp),
        "transfer_band": "0.35–0.85",
        "sanity_tolerance": f"{SANITY_TOLERANCE:g}",
        "deviations": deviations(inp.config),
        "rule_changes": rule_changes(claims),
        "decisions": DECISIONS,
        "config_available": inp.config is not None,
        "data": data_section(inp),
        "prov": prov,
        "no_paper_values": NO_PAPER_VALUES,
        "commands": [
            (
                "everything (jobs, verdicts, this report)",
                f"repro run --profile {inp.profile} {overrides}".strip(),
            ),
            (
                "re-check the verdicts from the stored results",
                f"repro claims verify --profile {inp.profile} --from-results",
            ),
            ("re-render this report", f"repro report --profile {inp.profile}"),
        ],
        "gain": GAIN,
        "loss": LOSS,
    }


# --------------------------------------------------------------------------- rendering


def _css() -> str:
    return (resources.files("repro.report") / "static" / "report.css").read_text(encoding="utf-8")


def md_cell(value: Any) -> str:
    """Text safe inside a markdown table cell (pipes, markup and angle brackets escaped)."""
    text = " ".join(str(value).split())
    return (
        text.replace("\\", "\\\\")
        .replace("|", "\\|")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace("*", "\\*")
        .replace("_", "\\_")
    )


def _environment():
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(_TEMPLATES)),
        autoescape=lambda name: bool(name) and ".html" in name,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["md"] = md_cell
    env.filters["mdcell"] = lambda c: md_cell(
        (c.text + (f" {c.marker}" if c.marker else "")) + (f" ({c.sub})" if c.sub else "")
    )
    env.filters["svg"] = lambda s: __import__("markupsafe").Markup(s)
    env.filters["flags"] = html_flags
    return env


_FLAG = re.compile(r"`?(--[A-Za-z][\w-]*(?:[ =][^\s`)]+)?)`?")


def html_flags(text: Any) -> Any:
    """Escape ``text`` for HTML and keep each command-line flag (``--set a.b=v``) on one line:
    a browser would otherwise break ``--set`` after its first hyphen."""
    from markupsafe import Markup, escape

    return Markup(
        _FLAG.sub(lambda m: f'<code class="cliflag">{m.group(1)}</code>', str(escape(text)))
    )


def _write_atomic(path: Path, text: str) -> None:
    write_text_atomic(path, text)


def build_report(profile: str, reports_root: Path = Path("reports")) -> dict[str, Path]:
    """Render ``reports/<profile>/report.html`` (self-contained) and ``report.md`` (+ figures/)
    from stored results only; returns the written paths by name.

    Runs under the lock of ``reports/<profile>/`` (the one a run holds while it swaps in its
    results), so a report is never rendered from a half-replaced results folder, and two
    renders do not interleave their files; each file is replaced atomically."""
    with folder_lock(Path(reports_root) / profile):
        return _build_report(profile, Path(reports_root))


def _build_report(profile: str, reports_root: Path) -> dict[str, Path]:
    inp = load_inputs(profile, Path(reports_root))
    figures = render_figures(inp.results) if inp.results_present else []
    forest = effect_forest((inp.status or {}).get("claims") or {})
    if forest is not None:  # the first figure: what a reader looks for first
        figures = [forest, *figures]
    ctx = build_context(inp, figures)
    env = _environment()
    html = env.get_template("report.html.j2").render(css=_css(), **ctx)
    md = env.get_template("report.md.j2").render(**ctx)
    written: dict[str, Path] = {}
    fig_dir = inp.pdir / "figures"
    for fig in figures:
        path = fig_dir / f"{fig.name}.svg"
        _write_atomic(path, fig.svg)
        written[f"figures/{fig.name}.svg"] = path
    if fig_dir.is_dir():  # drop figures an earlier render made that these results no longer allow
        for old in sorted(fig_dir.glob("*.svg")):
            if f"figures/{old.name}" not in written:
                old.unlink()
    written["html"] = inp.pdir / "report.html"
    written["md"] = inp.pdir / "report.md"
    _write_atomic(written["html"], html)
    _write_atomic(written["md"], md)
    if inp.results_present:  # every stored score, flat (repro.report.flat)
        rows = flat_rows(inp.results)
        written["results.csv"] = inp.pdir / "results.csv"
        written["results.json"] = inp.pdir / "results.json"
        _write_atomic(written["results.csv"], to_csv(rows))
        _write_atomic(written["results.json"], to_json(rows, profile))
    log.info("wrote %s and %s", written["html"], written["md"])
    return written
