"""Decision rules shared by the claims (DESIGN.md §6), as pure functions of comparison rows.

Every rule applies Holm's correction across the rows of one claim (languages × datasets), uses
one-sided p-values for directional statements, and reports a *margin*: how many decades (log10)
the deciding corrected p-value lies from α, so a fragile verdict is visible.
"""

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


def _decades(p: float, alpha: float) -> float:
    return round(abs(math.log10(max(p, MIN_P) / alpha)), 3)


def annotate(rows: list[dict[str, Any]], alpha: float) -> None:
    """Add corrected p-values and significant gain/loss flags to each row."""
    holm_rows(rows, "p_greater", "p_gain_adj")
    holm_rows(rows, "p_less", "p_loss_adj")
    for r in rows:
        r["sig_gain"] = r.get("p_gain_adj", 1.0) < alpha
        r["sig_loss"] = r.get("p_loss_adj", 1.0) < alpha
        r["direction"] = "gain" if r["sig_gain"] else "loss" if r["sig_loss"] else "none"


def gain_in_at_least(
    rows: list[dict[str, Any]], n_required: int, alpha: float, *, what: str = "gain"
) -> Outcome:
    """SUPPORTED: ≥ n rows show a significant gain. REFUTED: so many rows show a significant
    loss that n gains are impossible even counting every non-significant row. Else INCONCLUSIVE."""
    annotate(rows, alpha)
    usable = [r for r in rows if r.get("p_greater") is not None]
    gains = sorted(usable, key=lambda r: r["p_gain_adj"])
    n_gain = sum(r["sig_gain"] for r in usable)
    n_loss = sum(r["sig_loss"] for r in usable)
    possible = len(rows) - n_loss  # rows without a test (collapsed runs) are unknown, not losses
    evidence = {
        "rows": rows,
        "n_required": n_required,
        "n_significant_gain": n_gain,
        "n_significant_loss": n_loss,
        "n_rows": len(rows),
        "alpha": alpha,
    }
    labels = ", ".join(r["label"] for r in usable if r["sig_gain"]) or "none"
    if n_gain >= n_required:
        deciding = gains[n_required - 1]["p_gain_adj"]
        return Outcome(
            Verdict.SUPPORTED,
            f"significant {what} in {n_gain} of {len(rows)} ({labels}); {n_required} required",
            evidence,
            _decades(deciding, alpha),
        )
    if possible < n_required:
        losses = sorted((r for r in usable if r["sig_loss"]), key=lambda r: r["p_loss_adj"])
        deciding = losses[len(usable) - n_required]["p_loss_adj"] if losses else alpha
        return Outcome(
            Verdict.REFUTED,
            f"{n_loss} of {len(rows)} show a significant loss, so {n_required} "
            f"{what}s are impossible",
            evidence,
            _decades(deciding, alpha),
        )
    if len(usable) < n_required:
        return Outcome(
            Verdict.INCONCLUSIVE,
            f"only {len(usable)} usable comparisons (collapsed runs excluded)",
            evidence,
            None,
        )
    nxt = gains[n_gain]["p_gain_adj"] if n_gain < len(gains) else 1.0
    return Outcome(
        Verdict.INCONCLUSIVE,
        f"significant {what} in {n_gain} of {len(rows)} ({labels}); {n_required} "
        f"required, none of the rest significantly worse than {n_required - n_gain} "
        "would allow",
        evidence,
        _decades(nxt, alpha),
    )


def no_gain_some_loss(rows: list[dict[str, Any]], alpha: float) -> Outcome:
    """ "Never improves and sometimes degrades": REFUTED by any significant gain; SUPPORTED when
    there is none and at least one significant loss; INCONCLUSIVE otherwise."""
    annotate(rows, alpha)
    usable = [r for r in rows if r.get("p_greater") is not None]
    gains = [r for r in usable if r["sig_gain"]]
    losses = [r for r in usable if r["sig_loss"]]
    evidence = {
        "rows": rows,
        "n_significant_gain": len(gains),
        "n_significant_loss": len(losses),
        "n_rows": len(rows),
        "alpha": alpha,
    }
    if gains:
        best = min(r["p_gain_adj"] for r in gains)
        return Outcome(
            Verdict.REFUTED,
            "significant gain in " + ", ".join(r["label"] for r in gains),
            evidence,
            _decades(best, alpha),
        )
    min_gain_p = min((r["p_gain_adj"] for r in usable), default=1.0)
    if losses:
        best = min(r["p_loss_adj"] for r in losses)
        margin = min(_decades(best, alpha), _decades(min_gain_p, alpha))
        return Outcome(
            Verdict.SUPPORTED,
            "no significant gain; significant loss in " + ", ".join(r["label"] for r in losses),
            evidence,
            margin,
        )
    return Outcome(
        Verdict.INCONCLUSIVE,
        "no significant gain and no significant loss",
        evidence,
        _decades(min_gain_p, alpha),
    )


def all_in_direction(
    rows: list[dict[str, Any]], alpha: float, *, direction: str, what: str
) -> Outcome:
    """SUPPORTED when every row is significant in ``direction`` ("gain"/"loss"); REFUTED when
    any row is significant in the opposite direction; INCONCLUSIVE otherwise."""
    annotate(rows, alpha)
    usable = [r for r in rows if r.get("p_greater") is not None]
    want, other = ("sig_gain", "sig_loss") if direction == "gain" else ("sig_loss", "sig_gain")
    pf, of = ("p_gain_adj", "p_loss_adj") if direction == "gain" else ("p_loss_adj", "p_gain_adj")
    evidence = {
        "rows": rows,
        "n_rows": len(rows),
        "alpha": alpha,
        "direction": direction,
        "n_in_direction": sum(r[want] for r in usable),
        "n_against": sum(r[other] for r in usable),
    }
    against = [r for r in usable if r[other]]
    if against:
        return Outcome(
            Verdict.REFUTED,
            f"opposite of {what} in " + ", ".join(r["label"] for r in against),
            evidence,
            _decades(min(r[of] for r in against), alpha),
        )
    if usable and len(usable) == len(rows) and all(r[want] for r in usable):
        return Outcome(
            Verdict.SUPPORTED,
            f"{what} in all {len(rows)}",
            evidence,
            _decades(max(r[pf] for r in usable), alpha),
        )
    missing = [r["label"] for r in rows if not r.get(want)]
    worst = max((r[pf] for r in usable), default=1.0)
    return Outcome(
        Verdict.INCONCLUSIVE,
        f"{what} not significant in " + ", ".join(missing),
        evidence,
        _decades(worst, alpha),
    )


def combine(outcomes: Sequence[tuple[str, Outcome]], *, mode: str = "all") -> Outcome:
    """Conjunction of sub-claims: any REFUTED → REFUTED, all SUPPORTED → SUPPORTED."""
    verdicts = [o.verdict for _, o in outcomes]
    evidence = {
        "parts": {
            name: {
                "verdict": o.verdict.value,
                "rationale": o.rationale,
                "margin": o.margin,
                **dict(o.evidence),
            }
            for name, o in outcomes
        }
    }
    margins = [o.margin for _, o in outcomes if o.margin is not None]
    text = "; ".join(f"{name}: {o.verdict.value} ({o.rationale})" for name, o in outcomes)
    if Verdict.NOT_RUN in verdicts:
        return Outcome(Verdict.NOT_RUN, text, evidence, None)
    if Verdict.REFUTED in verdicts:
        refuted = [o.margin for _, o in outcomes if o.verdict is Verdict.REFUTED and o.margin]
        return Outcome(Verdict.REFUTED, text, evidence, max(refuted) if refuted else None)
    if all(v is Verdict.SUPPORTED for v in verdicts):
        return Outcome(Verdict.SUPPORTED, text, evidence, min(margins) if margins else None)
    return Outcome(Verdict.INCONCLUSIVE, text, evidence, min(margins) if margins else None)


def cross_qa_rule(rows: list[dict[str, Any]], alpha: float, *, n_required: int) -> Outcome:
    """ "Improved in N languages, some gains not significant": SUPPORTED when ≥ N rows have a
    positive mean gain and ≥ 1 is significant; REFUTED when so many rows are significantly worse
    that N positive rows are impossible; INCONCLUSIVE otherwise."""
    annotate(rows, alpha)
    usable = [r for r in rows if r.get("p_greater") is not None]
    positive = [r for r in usable if r["delta"] > 0]
    sig = [r for r in usable if r["sig_gain"]]
    losses = [r for r in usable if r["sig_loss"]]
    evidence = {
        "rows": rows,
        "n_required": n_required,
        "n_positive": len(positive),
        "n_significant_gain": len(sig),
        "n_significant_loss": len(losses),
        "n_rows": len(rows),
        "alpha": alpha,
    }
    names = ", ".join(r["label"] for r in positive) or "none"
    if len(positive) >= n_required and sig:
        return Outcome(
            Verdict.SUPPORTED,
            f"positive gain in {len(positive)} ({names}), significant in {len(sig)}",
            evidence,
            _decades(min(r["p_gain_adj"] for r in sig), alpha),
        )
    if len(rows) - len(losses) < n_required:
        return Outcome(
            Verdict.REFUTED,
            f"significant loss in {len(losses)} of {len(rows)}",
            evidence,
            _decades(max(r["p_loss_adj"] for r in losses), alpha),
        )
    return Outcome(
        Verdict.INCONCLUSIVE,
        f"positive gain in {len(positive)} ({names}), significant in {len(sig)}; "
        f"{n_required} positive with ≥ 1 significant required",
        evidence,
        _decades(min((r["p_gain_adj"] for r in usable), default=1.0), alpha),
    )
