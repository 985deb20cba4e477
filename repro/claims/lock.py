"""The one comparison of recomputed claim records with a committed lock.

Used by ``repro claims verify`` and by the pytest lock tests in ``claims/`` alike. Verdicts
must match exactly — a verdict near α that flips is a finding to look at, not noise to
tolerate; only the reported statistics (per-row deltas) get a numeric tolerance, stated in
the lock itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

DEFAULT_TOLERANCE = {"delta": 0.10}


def compare_with_lock(new: Mapping[str, Any], lock: Mapping[str, Any]) -> list[str]:
    """Differences that fail ``claims verify``: ERROR verdicts, verdict drift, and per-row
    deltas that moved more than the lock's stated tolerance."""
    problems: list[str] = []
    tol = float(lock.get("tolerance", DEFAULT_TOLERANCE).get("delta", DEFAULT_TOLERANCE["delta"]))
    new_claims, old_claims = new.get("claims", {}), lock.get("claims", {})
    for cid in sorted(set(new_claims) | set(old_claims)):
        n, o = new_claims.get(cid), old_claims.get(cid)
        if n is None:
            problems.append(f"{cid}: in the lock but not recomputed")
            continue
        if n["verdict"] == "ERROR":
            problems.append(f"{cid}: ERROR ({n.get('rationale')})")
        if o is None:
            problems.append(f"{cid}: not in the lock (verdict {n['verdict']})")
            continue
        if n["verdict"] != o["verdict"]:
            problems.append(
                f"{cid}: verdict {o['verdict']} in the lock, now {n['verdict']} "
                f"({n.get('rationale')})"
            )
            continue
        for label, d_new, d_old in _paired_deltas(n.get("evidence", {}), o.get("evidence", {})):
            if abs(d_new - d_old) > tol:
                problems.append(
                    f"{cid} {label}: delta {d_old:+.4f} in the lock, now "
                    f"{d_new:+.4f} (tolerance {tol})"
                )
    return problems


def _rows(evidence: Mapping[str, Any], prefix: str = "") -> dict[str, dict]:
    out: dict[str, dict] = {}
    for r in evidence.get("rows", []) or []:
        label = f"{prefix}{r.get('task', '')}/{r.get('dataset', '')}/{r.get('label')}"
        out[label] = r
    for name, part in (evidence.get("parts") or {}).items():
        out.update(_rows(part, f"{prefix}{name}:"))
    return out


def _paired_deltas(new_ev: Mapping[str, Any], old_ev: Mapping[str, Any]):
    new_rows, old_rows = _rows(new_ev), _rows(old_ev)
    for label in sorted(set(new_rows) & set(old_rows)):
        dn, do = new_rows[label].get("delta"), old_rows[label].get("delta")
        if isinstance(dn, (int, float)) and isinstance(do, (int, float)):
            yield label, float(dn), float(do)
