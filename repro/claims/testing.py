"""Row builders shared by claim modules, and the pytest hook that checks a claim against its lock.

``pytest claims/`` recomputes each verdict from the committed per-example results of every profile
with a lock under ``reports/`` (or only ``REPRO_CLAIMS_PROFILE``) and fails when one differs.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from repro.claims import Claim
from repro.claims.context import ClaimContext


def eval_rows(
    ctx: ClaimContext, task: str, *, base: str = "original", new: str = "adjusted"
) -> list[dict[str, Any]]:
    """One row per (dataset, target language) for NLI/NER."""
    rows = []
    for lang in ctx.languages:
        datasets = ctx.datasets(task, lang)
        if not datasets:
            from repro.claims.context import MissingResults

            raise MissingResults(f"no {task} results for {lang}")
        for d in datasets:
            label = lang if len(datasets) == 1 else f"{d}/{lang}"
            rows.append(ctx.compare("eval", task, d, lang, base, new, label=label))
    return rows


def qa_rows(
    ctx: ClaimContext,
    *,
    cross: bool,
    base: str = "original",
    new: str = "adjusted",
    margin: float | None = None,
) -> list[dict[str, Any]]:
    """Monolingual: one row per (dataset, xx-xx). Cross-lingual: one row per language pooling
    both directions (en-xx, xx-en) over every dataset that has them."""
    from repro.claims.context import MissingResults

    rows = []
    for lang in ctx.languages:
        if cross:
            sources = [(d, p) for p in (f"en-{lang}", f"{lang}-en") for d in ctx.datasets("qa", p)]
            if not sources:
                raise MissingResults(f"no cross-lingual QA results for {lang}")
            rows.append(
                ctx.compare_pooled("eval", "qa", sources, base, new, label=lang, margin=margin)
            )
        else:
            pair = f"{lang}-{lang}"
            datasets = ctx.datasets("qa", pair)
            if not datasets:
                raise MissingResults(f"no monolingual QA results for {lang}")
            for d in datasets:
                rows.append(
                    ctx.compare(
                        "eval", "qa", d, pair, base, new, label=f"{d}/{lang}", margin=margin
                    )
                )
    return rows


def xsr_rows(
    ctx: ClaimContext, *, base: str = "original", new: str = "adjusted"
) -> list[dict[str, Any]]:
    return [ctx.compare("xsr", "xsr", "xsr", lang, base, new, label=lang) for lang in ctx.languages]


def distance_rows(
    ctx: ClaimContext,
    base: str,
    new: str,
    quantity: str,
    *,
    label_prefix: str = "",
    margins: dict[str, float] | None = None,
) -> list[dict[str, Any]]:
    """One row per language; ``margins`` (per language) adds equivalence p-values."""
    return [
        ctx.compare(
            "distances",
            "distances",
            "heldout",
            lang,
            base,
            new,
            quantity=quantity,
            label=f"{label_prefix}{lang}",
            margin=(margins or {}).get(lang),
        )
        for lang in ctx.languages
    ]


def pooled_rows(
    ctx: ClaimContext, task: str, base: str, new: str, *, label: str, seeds: str = "all"
) -> list[dict[str, Any]]:
    """One row pooling every target language (clusters = the shared item id)."""
    sources = [(d, lang) for lang in ctx.languages for d in ctx.datasets(task, lang)]
    if not sources:
        from repro.claims.context import MissingResults

        raise MissingResults(f"no {task} results")
    return [ctx.compare_pooled("eval", task, sources, base, new, label=label, seeds=seeds)]


def profile_dir(profile: str) -> Path:
    root = Path(os.environ.get("REPRO_REPORTS", "reports"))
    return root / profile


def locked_profiles() -> list[str]:
    """``REPRO_CLAIMS_PROFILE`` if set, else every profile with a lock under the reports root."""
    if os.environ.get("REPRO_CLAIMS_PROFILE"):
        return [os.environ["REPRO_CLAIMS_PROFILE"]]
    root = Path(os.environ.get("REPRO_REPORTS", "reports"))
    if not root.is_dir():
        return []
    return sorted(d.name for d in root.iterdir() if (d / "claims.json").is_file())


def lock_test(claim: Claim) -> Callable[[], None]:
    """A pytest test: recompute ``claim`` from each profile's committed results and compare
    it with the lock by :func:`repro.claims.lock.compare_with_lock`, the comparison
    ``repro claims verify`` uses (exact verdicts, the lock's tolerance on deltas)."""

    def test() -> None:
        import pytest

        from repro.claims.lock import compare_with_lock
        from repro.claims.results import ResultSet
        from repro.claims.verdicts import claim_record, evaluate_claim
        from repro.config import resolve

        checked, skipped, drifted = [], [], []
        for profile in locked_profiles():
            pdir = profile_dir(profile)
            lock = json.loads((pdir / "claims.json").read_text())
            locked = lock["claims"].get(claim.id)
            if locked is None:
                drifted.append(f"{profile}: {claim.id} is missing from {pdir / 'claims.json'}")
                continue
            if locked["verdict"] == "NOT_RUN":
                skipped.append(f"{profile}: NOT_RUN in the lock ({locked['rationale']})")
                continue
            cfg = resolve(profile, overrides=tuple(lock.get("overrides", ())))
            outcome = evaluate_claim(claim, ClaimContext(cfg, ResultSet.load(pdir / "results")))
            record = json.loads(json.dumps(claim_record(claim, outcome, profile)))
            checked.append(profile)
            problems = compare_with_lock(
                {"claims": {claim.id: record}},
                {"claims": {claim.id: locked}, "tolerance": lock.get("tolerance", {})},
            )
            drifted += [f"{profile}: {p}" for p in problems]
        assert not drifted, "; ".join(drifted)
        if not checked:
            pytest.skip("; ".join(skipped) or "no locked verdicts under the reports root")

    test.__name__ = f"test_{claim.id.lower()}_matches_lock"
    return test
