"""One card per claim: verdict, margin, evidence rows, run notes and the paper's values (or why
there are none)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from repro.report.evidence import evidence_table
from repro.report.tables import (
    GAIN,
    LOSS,
    fmt_num,
    row_is_pct,
)


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
