"""Per-claim evidence tables: one line per comparison row of ``claims.json``
(:mod:`repro.claims.checks`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from repro.report.tables import (
    GAIN,
    LOSS,
    Cell,
    Table,
    fmt_num,
    fmt_p,
    row_is_pct,
    row_marker,
)

EVIDENCE_HEADER = [
    "comparison",
    "base",
    "new",
    "Δ",
    "95% CI",
    "p gain / loss (Holm)",
    "sig.",
    "MDE",
    "n",
    "excluded",
]


def _seed_list(values: Any, pct: bool) -> str:
    if not isinstance(values, Sequence) or len(values) < 2:
        return ""
    return "seeds " + " ".join(fmt_num(x, pct=pct) for x in values)


def evidence_table(rows: Sequence[Mapping[str, Any]], *, id: str, title: str) -> Table:
    """One line per comparison row of a claim (see repro.claims.checks); per-seed scores are
    the small print under base and new."""
    out: list[list[Cell]] = []
    extra_notes: set[str] = set()
    for r in rows:
        pct = row_is_pct(r)
        label = str(r.get("label", "?"))
        states = f"{r.get('base_state', '?')} → {r.get('new_state', '?')}"
        ci = r.get("ci") or [r.get("ci_low"), r.get("ci_high")]
        ci_text = "—"
        if (
            isinstance(ci, Sequence)
            and len(ci) == 2
            and all(isinstance(x, (int, float)) for x in ci)
        ):
            ci_text = (
                f"[{fmt_num(ci[0], pct=pct, signed=True)}, {fmt_num(ci[1], pct=pct, signed=True)}]"
            )
        p_text = "—"
        if r.get("p_gain_adj") is not None or r.get("p_loss_adj") is not None:
            p_text = f"{fmt_p(r.get('p_gain_adj'))} / {fmt_p(r.get('p_loss_adj'))}"
        mark = row_marker(r)
        words = {GAIN: "gain", LOSS: "loss"} if pct else {GAIN: "higher", LOSS: "lower"}
        sig_text = words.get(mark, "—")
        finding = r.get("finding") or r.get("status")
        if finding:
            finding = str(finding).replace("_", " ")
            sig_text = finding if "sig_gain" not in r else f"{sig_text}; {finding}"
            extra_notes.add("finding")
        n_seeds, n_units = r.get("n_seeds"), r.get("n_units") or r.get("n_examples")
        n_text = f"{n_seeds}×{n_units}" if n_seeds and n_units else str(n_units or "—")
        unit = str(r.get("unit") or "")
        if r.get("exact_base"):
            unit = f"{unit}; base exact" if unit else "base exact"
        excluded = r.get("excluded_seeds") or []
        out.append(
            [
                Cell(label, states, num=False),
                Cell(fmt_num(r.get("base"), pct=pct), _seed_list(r.get("per_seed_base"), pct)),
                Cell(fmt_num(r.get("new"), pct=pct), _seed_list(r.get("per_seed_new"), pct)),
                Cell(fmt_num(r.get("delta"), pct=pct, signed=True)),
                Cell(ci_text),
                Cell(p_text),
                Cell(sig_text, marker=mark, num=False, css="nowrap" if pct else "nowrap neutral"),
                Cell(fmt_num(r.get("mde"), pct=pct)),
                Cell(n_text, unit),
                Cell(", ".join(str(s) for s in excluded) or "—", num=False),
            ]
        )
    units = {row_is_pct(r) for r in rows}
    notes = []
    if True in units:
        notes.append(
            "Task scores in points (%); Δ, CI and MDE in points. Small print under "
            "base and new: the per-seed scores."
        )
    if False in units:
        metrics = sorted({str(r.get("metric", "?")) for r in rows if not row_is_pct(r)})
        notes.append(
            f"Distance quantities ({', '.join(metrics)}) in their own units; "
            "higher/lower is a significant one-sided difference, not a judgement."
        )
    if "finding" in extra_notes:
        notes.append("sig. also shows the claim's own finding per row.")
    notes.append(
        "n: runs × resampling units (the unit in small print: examples, sentences, QA "
        "paragraphs, sentence pairs of distance links, or source items pooled over their "
        "translations); 'base exact': the unadjusted encoder, one deterministic model standing "
        "for the one published checkpoint, compared with every run of the other side. Each "
        "adjusted run has its own adjustment seed. excluded: runs left out as collapsed. MDE: "
        "the smallest difference this design detects with 80% power (one-sided, α)."
    )
    return Table(id, title, list(EVIDENCE_HEADER), out, "", notes)
