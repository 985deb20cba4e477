"""Decision rules shared by the claims, as pure functions of comparison rows.

Every rule applies Holm's correction across the rows of one claim (languages × datasets) where
it needs *some* row to be significant, uses one-sided p-values for directional statements, and
reports a *margin*: how many decades (log10) the deciding p-value lies from α, so a fragile
verdict is visible. Rules that need *every* row to pass (equivalence, "in all languages") are
intersection-union tests: each row at α is a level-α test of the conjunction (Berger 1982), so
they need no correction; docs/statistics.md says which rule uses which.

Rows that cannot be tested carry a ``status`` (repro.claims.context): ``failed`` (every run
collapsed on English: the input failed, no evidence either way) or ``insufficient_runs`` (a
trained side has fewer than two runs, so run variance is unknown). A claim whose rows all
failed is FAILED; one left without any testable row for lack of runs is INCONCLUSIVE with
that reason. Neither is ever decided from the untestable rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from repro.claims import Outcome, RuleChange, Verdict
from repro.claims.rows import (
    annotate,
    base_evidence,
    decades,
    holm_rows,
    required_of,
    untestable,
    usable,
)


def gain_in_at_least(
    rows: list[dict[str, Any]],
    n_required: int,
    alpha: float,
    *,
    what: str = "gain",
    paper_count: int | None = None,
) -> Outcome:
    """SUPPORTED: ≥ n rows show a significant gain. REFUTED: so many rows show a significant
    loss that n gains are impossible even counting every untested row. Else INCONCLUSIVE.

    ``paper_count``: how many the paper reports; the count is set against it in the evidence
    (``pattern``), so a result stronger than the paper's is shown, not hidden.
    """
    annotate(rows, alpha)
    tested = usable(rows)
    gains = sorted(tested, key=lambda r: r["p_gain_adj"])
    n_gain = sum(r["sig_gain"] for r in tested)
    n_loss = sum(r["sig_loss"] for r in tested)
    paper = n_required if paper_count is None else paper_count
    pattern = (
        "untested"
        if not tested
        else "as the paper"
        if n_gain == paper
        else "stronger than the paper"
        if n_gain > paper
        else "weaker than the paper"
    )
    evidence = base_evidence(
        rows,
        alpha,
        n_required=n_required,
        n_significant_gain=n_gain,
        n_significant_loss=n_loss,
        paper_count=paper,
        pattern=pattern,
    )
    early = untestable(rows, evidence)
    if early:
        return early
    labels = ", ".join(r["label"] for r in tested if r["sig_gain"]) or "none"
    versus = f"the paper: {paper} of {len(rows)}"
    if n_gain >= n_required:
        deciding = gains[n_required - 1]["p_gain_adj"]
        return Outcome(
            Verdict.SUPPORTED,
            f"significant {what} in {n_gain} of {len(rows)} ({labels}); {n_required} required; "
            f"{versus} — {pattern}",
            evidence,
            decades(deciding, alpha),
        )
    possible = len(rows) - n_loss - evidence["n_failed"]
    if possible < n_required and n_loss:
        losses = sorted((r for r in tested if r["sig_loss"]), key=lambda r: r["p_loss_adj"])
        # the weakest of the fewest losses that make n gains impossible
        deciding = losses[len(rows) - evidence["n_failed"] - n_required]
        return Outcome(
            Verdict.REFUTED,
            f"{n_loss} of {len(rows)} show a significant loss, so {n_required} "
            f"{what}s are impossible; {versus}",
            evidence,
            decades(deciding["p_loss_adj"], alpha),
        )
    if len(tested) < n_required:
        return Outcome(
            Verdict.INCONCLUSIVE,
            f"only {len(tested)} testable comparisons of {len(rows)} ({n_required} required)",
            evidence,
            None,
        )
    nxt = gains[n_gain]["p_gain_adj"] if n_gain < len(gains) else 1.0
    return Outcome(
        Verdict.INCONCLUSIVE,
        f"significant {what} in {n_gain} of {len(rows)} ({labels}); {n_required} "
        f"required, and not enough significant losses to rule it out; {versus}",
        evidence,
        decades(nxt, alpha),
    )


def in_three_of_four(rows: list[dict[str, Any]], alpha: float, *, what: str = "gain") -> Outcome:
    """The paper's "improves in three of four languages" (C02, C03): :func:`gain_in_at_least`
    with ⌈3n/4⌉ of the n configured rows required and that count set against the paper's."""
    n = required_of(len(rows))
    return gain_in_at_least(rows, n, alpha, what=what, paper_count=n)


#: The rule change shared by the "three of four" claims (listed on their cards).
THREE_OF_FOUR_CHANGE = RuleChange(
    "2026-12-06",
    "SUPPORTED if ≥ 3 significant gains; a 4th passed silently as agreeing with the paper",
    "the paper says three of four: the count is now reported against the paper's and "
    "scaled to the configured languages",
)


def gains_some_not_significant(
    rows: list[dict[str, Any]], alpha: float, *, n_required: int, paper_count: int
) -> Outcome:
    """ "Improves in N languages, though some gains are not significant" (C04).

    The verdict is :func:`gain_in_at_least` (N significant gains, Holm). The paper's second
    half is checked and reported, not decisive: ``some_not_significant`` says whether some
    row with a positive estimate missed significance; when every row is a significant gain
    the result is "stronger than the paper".
    """
    outcome = gain_in_at_least(rows, n_required, alpha, paper_count=paper_count)
    tested = usable(rows)
    positive_ns = [r["label"] for r in tested if r["delta"] > 0 and not r["sig_gain"]]
    all_sig = bool(tested) and len(tested) == len(rows) and all(r["sig_gain"] for r in tested)
    evidence = dict(outcome.evidence)
    evidence["some_not_significant"] = bool(positive_ns)
    evidence["positive_not_significant"] = positive_ns
    if all_sig:
        evidence["pattern"] = "stronger than the paper (every gain significant)"
    rationale = outcome.rationale
    if outcome.verdict is Verdict.SUPPORTED:
        rationale += (
            f"; positive but not significant: {', '.join(positive_ns)}"
            if positive_ns
            else "; every gain significant, where the paper had some that were not"
        )
    return Outcome(outcome.verdict, rationale, evidence, outcome.margin)


def no_gain_some_loss(rows: list[dict[str, Any]], alpha: float, *, margin: float) -> Outcome:
    """ "Never improves and sometimes degrades" as an equivalence-style rule (C05).

    REFUTED by a significant gain (Holm). SUPPORTED only when every row is testable, every
    row's gain is shown to be below ``margin`` (one-sided shift test of H0: Δ ≥ margin at α,
    i.e. the one-sided upper bound below the margin; an intersection-union test, so no
    correction) and at least one row shows a significant loss (Holm). INCONCLUSIVE otherwise:
    no significant gain is not evidence of no gain.
    """
    annotate(rows, alpha)
    tested = usable(rows)
    gains = [r for r in tested if r["sig_gain"]]
    losses = [r for r in tested if r["sig_loss"]]
    for r in tested:
        r["below_margin"] = r.get("p_below_margin", 1.0) < alpha
    evidence = base_evidence(
        rows,
        alpha,
        equivalence_margin=margin,
        n_significant_gain=len(gains),
        n_significant_loss=len(losses),
        n_below_margin=sum(r["below_margin"] for r in tested),
    )
    early = untestable(rows, evidence)
    if early:
        return early
    if gains:
        best = min(r["p_gain_adj"] for r in gains)
        return Outcome(
            Verdict.REFUTED,
            "significant gain in " + ", ".join(r["label"] for r in gains),
            evidence,
            decades(best, alpha),
        )
    not_bounded = [r["label"] for r in tested if not r["below_margin"]]
    untested = [r["label"] for r in rows if r.get("p_greater") is None]
    worst_bound = max(r.get("p_below_margin", 1.0) for r in tested)
    if not_bounded or untested:
        why = []
        if not_bounded:
            why.append(f"gain not shown below {margin:g} in " + ", ".join(not_bounded))
        if untested:
            why.append("untestable: " + ", ".join(untested))
        return Outcome(
            Verdict.INCONCLUSIVE,
            "no significant gain, but " + "; ".join(why),
            evidence,
            decades(worst_bound, alpha),
        )
    if losses:
        best = min(r["p_loss_adj"] for r in losses)
        return Outcome(
            Verdict.SUPPORTED,
            f"every gain bounded below {margin:g}; significant loss in "
            + ", ".join(r["label"] for r in losses),
            evidence,
            min(decades(best, alpha), decades(worst_bound, alpha)),
        )
    return Outcome(
        Verdict.INCONCLUSIVE,
        f"every gain bounded below {margin:g} (never improves), but no significant loss "
        "(sometimes degrades)",
        evidence,
        decades(min(r["p_loss_adj"] for r in tested), alpha),
    )


def all_in_direction(
    rows: list[dict[str, Any]], alpha: float, *, direction: str, what: str
) -> Outcome:
    """SUPPORTED when every row is significant in ``direction`` ("gain"/"loss"); REFUTED when
    any row is significant in the opposite direction (Holm); INCONCLUSIVE otherwise."""
    annotate(rows, alpha)
    tested = usable(rows)
    want, other = ("sig_gain", "sig_loss") if direction == "gain" else ("sig_loss", "sig_gain")
    pf, of = ("p_gain_adj", "p_loss_adj") if direction == "gain" else ("p_loss_adj", "p_gain_adj")
    evidence = base_evidence(
        rows,
        alpha,
        direction=direction,
        n_in_direction=sum(r[want] for r in tested),
        n_against=sum(r[other] for r in tested),
    )
    early = untestable(rows, evidence)
    if early:
        return early
    against = [r for r in tested if r[other]]
    if against:
        return Outcome(
            Verdict.REFUTED,
            f"opposite of {what} in " + ", ".join(r["label"] for r in against),
            evidence,
            decades(min(r[of] for r in against), alpha),
        )
    if len(tested) == len(rows) and all(r[want] for r in tested):
        return Outcome(
            Verdict.SUPPORTED,
            f"{what} in all {len(rows)}",
            evidence,
            decades(max(r[pf] for r in tested), alpha),
        )
    missing = [r["label"] for r in rows if not r.get(want)]
    worst = max((r[pf] for r in tested), default=1.0)
    return Outcome(
        Verdict.INCONCLUSIVE,
        f"{what} not significant (or not testable) in " + ", ".join(missing),
        evidence,
        decades(worst, alpha),
    )


def equivalent_within(rows: list[dict[str, Any]], alpha: float, *, what: str) -> Outcome:
    """Each row's change lies within ±its ``margin`` (rows from ``compare(..., margin=)``).

    SUPPORTED when every row passes the two one-sided tests (TOST) at α (intersection-union:
    no correction); REFUTED when some row's change exceeds its margin significantly in either
    direction, Holm-corrected across rows; INCONCLUSIVE otherwise.
    """
    tested = usable(rows)
    for r in tested:
        r["p_equivalent"] = max(r["p_below_margin"], r["p_above_neg_margin"])
        r["p_beyond"] = min(1.0, 2.0 * min(r["p_above_margin"], r["p_below_neg_margin"]))
    holm_rows(rows, "p_beyond", "p_beyond_adj")
    for r in tested:
        r["finding"] = (
            "modest"
            if r["p_equivalent"] < alpha
            else "not_modest"
            if r["p_beyond_adj"] < alpha
            else "unclear"
        )
    evidence = base_evidence(rows, alpha)
    early = untestable(rows, evidence)
    if early:
        return early
    beyond = [r for r in tested if r["finding"] == "not_modest"]
    if beyond:
        return Outcome(
            Verdict.REFUTED,
            f"{what} beyond the margin in " + ", ".join(r["label"] for r in beyond),
            evidence,
            decades(min(r["p_beyond_adj"] for r in beyond), alpha),
        )
    worst = max(r["p_equivalent"] for r in tested)
    if len(tested) == len(rows) and all(r["finding"] == "modest" for r in tested):
        return Outcome(
            Verdict.SUPPORTED,
            f"{what} within the margin in all {len(rows)}",
            evidence,
            decades(worst, alpha),
        )
    unclear = [r["label"] for r in rows if r.get("finding") != "modest"]
    return Outcome(
        Verdict.INCONCLUSIVE,
        f"{what} neither shown within nor beyond the margin in " + ", ".join(unclear),
        evidence,
        decades(worst, alpha),
    )


def combine(outcomes: Sequence[tuple[str, Outcome]]) -> Outcome:
    """Conjunction of sub-claims: any REFUTED → REFUTED, all SUPPORTED → SUPPORTED; all
    FAILED → FAILED; any NOT_RUN → NOT_RUN."""
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
    if all(v is Verdict.FAILED for v in verdicts):
        return Outcome(Verdict.FAILED, text, evidence, None)
    return Outcome(Verdict.INCONCLUSIVE, text, evidence, min(margins) if margins else None)
