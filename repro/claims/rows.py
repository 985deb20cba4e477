"""Comparison rows as the checks use them: Holm-adjusted p-values, significance flags, how many
rows a claim needs, which rows are usable, and the evidence every outcome carries."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from repro.claims import Outcome, Verdict

MIN_P = 1e-12


def holm_rows(rows: list[dict[str, Any]], p_field: str, out_field: str) -> None:
    """Holm-adjust ``p_field`` over the rows that have one (in place)."""
    from repro.stats.corrections import holm

    idx = [i for i, r in enumerate(rows) if r.get(p_field) is not None]
    if not idx:
        return
    adj = holm([rows[i][p_field] for i in idx])
    for i, p in zip(idx, adj):
        rows[i][out_field] = float(p)


def decades(p: float, alpha: float) -> float:
    """|log10(p / α)|: how far a deciding p-value lies from the threshold."""
    return round(abs(math.log10(max(p, MIN_P) / alpha)), 3)


def required_of(n_rows: int, paper_required: int = 3, paper_rows: int = 4) -> int:
    """The paper's "three of four" over the configured number of languages (at least 1)."""
    return max(1, math.ceil(n_rows * paper_required / paper_rows))


def annotate(rows: list[dict[str, Any]], alpha: float) -> None:
    """Add corrected p-values and significant gain/loss flags to each testable row."""
    holm_rows(rows, "p_greater", "p_gain_adj")
    holm_rows(rows, "p_less", "p_loss_adj")
    for r in rows:
        if r.get("p_greater") is None:
            continue
        r["sig_gain"] = r.get("p_gain_adj", 1.0) < alpha
        r["sig_loss"] = r.get("p_loss_adj", 1.0) < alpha
        r["direction"] = "gain" if r["sig_gain"] else "loss" if r["sig_loss"] else "none"


def usable(rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    return [r for r in rows if r.get("p_greater") is not None]


def untestable(rows: Sequence[dict[str, Any]], evidence: dict[str, Any]) -> Outcome | None:
    """FAILED / INCONCLUSIVE when no row can be tested (see the module docstring), else None."""
    if usable(rows):
        return None
    if rows and all(r.get("failed") for r in rows):
        return Outcome(
            Verdict.FAILED,
            "every comparison's runs collapsed on English (the fine-tunings did not learn "
            "their task): no evidence either way",
            evidence,
            None,
        )
    short = [r["label"] for r in rows if r.get("insufficient_runs")]
    failed = [r["label"] for r in rows if r.get("failed")]
    why = []
    if short:
        why.append(
            "fewer than 2 runs on a trained side (run variance unknown) in " + ", ".join(short)
        )
    if failed:
        why.append("every run collapsed in " + ", ".join(failed))
    return Outcome(
        Verdict.INCONCLUSIVE, "no testable comparison: " + "; ".join(why), evidence, None
    )


def base_evidence(rows: list[dict[str, Any]], alpha: float, **extra: Any) -> dict[str, Any]:
    return {
        "rows": rows,
        "n_rows": len(rows),
        "n_testable": len(usable(rows)),
        "n_failed": sum(bool(r.get("failed")) for r in rows),
        "n_insufficient_runs": sum(bool(r.get("insufficient_runs")) for r in rows),
        "alpha": alpha,
        **extra,
    }
