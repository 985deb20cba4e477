"""Claim API: each paper claim is a declarative spec plus a check over stored per-example results.

A claim module in ``claims/`` defines ``CLAIM = Claim(...)``. It declares the results it needs
(:class:`Need`), never trains, and decides its verdict only from statistics computed on those
results (:mod:`repro.claims.checks`). The runner (:mod:`repro.claims.verdicts`) turns needs into
jobs, exports results, evaluates every claim and writes ``reports/<profile>/claims.json``.
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Any

from repro.errors import ConfigError

if TYPE_CHECKING:
    from repro.claims.context import ClaimContext


class Verdict(str, Enum):
    SUPPORTED = "SUPPORTED"
    REFUTED = "REFUTED"
    INCONCLUSIVE = "INCONCLUSIVE"
    NOT_RUN = "NOT_RUN"
    FAILED = "FAILED"  # the runs it needs ran but failed (collapsed on English): no evidence
    ERROR = "ERROR"


@dataclass(frozen=True)
class RuleChange:
    """A decision rule changed after results had been seen: listed in the report's deviations."""

    date: str  # ISO date of the change
    before: str
    why: str


#: The state a claim names to mean "every size of the data-size sweep" (``adjusted@N`` for each
#: ``sweep.sizes``); the runner expands it.
SWEEP_STATE = "adjusted@sweep"


@dataclass(frozen=True)
class Need:
    """Results a claim reads. ``kind``: eval | xsr | distances; states as in repro.workflow.graph."""

    kind: str
    states: tuple[str, ...]
    task: str = ""  # eval: nli | ner | qa
    seeds: str = "all"  # eval: "all" fine-tuning seeds or "first"

    def __post_init__(self) -> None:
        if self.kind not in ("eval", "xsr", "distances"):
            raise ConfigError(f"Need.kind {self.kind!r} must be eval, xsr or distances")
        if self.kind == "eval" and self.task not in ("nli", "ner", "qa"):
            raise ConfigError(f"Need.task {self.task!r} must be nli, ner or qa")


@dataclass(frozen=True)
class Outcome:
    verdict: Verdict
    rationale: str
    evidence: Mapping[str, Any] = field(default_factory=dict)
    margin: float | None = None  # decades (log10) between the deciding p-value and alpha


@dataclass(frozen=True)
class Claim:
    id: str  # C01 … C12 (docs/paper.md §10)
    slug: str
    title: str
    statement: str  # the paper's claim, one sentence
    source: str  # paper version and section
    rule: str  # the decision rule, fixed before results are seen
    needs: tuple[Need, ...]
    check: Callable[[ClaimContext], Outcome]
    paper_values: Mapping[str, Any] = field(default_factory=dict)  # empty until transcribed
    requires_profile_feature: str = ""  # e.g. "sweep": NOT_RUN when that feature is disabled
    rule_changes: tuple[RuleChange, ...] = ()

    def __post_init__(self) -> None:
        if not (len(self.id) == 3 and self.id[0] == "C" and self.id[1:].isdigit()):
            raise ConfigError(f"claim id {self.id!r} must look like C01")


def default_claims_dir() -> Path:
    """``claims/`` of the checkout (cwd or package parent), else the copy inside the wheel."""
    candidates = [
        Path.cwd() / "claims",
        Path(__file__).resolve().parents[2] / "claims",
        Path(__file__).resolve().parents[1] / "_claims",
    ]
    for c in candidates:
        if c.is_dir() and any(c.glob("c[0-9][0-9]_*.py")):
            return c
    raise ConfigError("cannot find the claims/ directory; run from the project root")


def load_claim_file(path: Path) -> Claim:
    name = f"repro_claim_{path.stem}"
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:  # pragma: no cover
        raise ConfigError(f"cannot import claim module {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    claim = getattr(module, "CLAIM", None)
    if not isinstance(claim, Claim):
        raise ConfigError(f"{path} does not define CLAIM = Claim(...)")
    return claim


def discover(claims_dir: Path | None = None) -> dict[str, Claim]:
    claims_dir = claims_dir or default_claims_dir()
    out: dict[str, Claim] = {}
    for path in sorted(claims_dir.glob("c[0-9][0-9]_*.py")):
        claim = load_claim_file(path)
        if claim.id in out:
            raise ConfigError(f"duplicate claim id {claim.id} in {path}")
        out[claim.id] = claim
    return out


def _canonical_id(raw: str) -> str:
    """``c1`` / ``C1`` / ``1`` → ``C01``: ids are two-digit."""
    x = raw.strip().upper()
    digits = x[1:] if x.startswith("C") else x
    return f"C{int(digits):02d}" if digits.isdigit() else x


def select(claims: Mapping[str, Claim], ids: str | None) -> dict[str, Claim]:
    """``--claims C01,C03`` → those claims; unknown ids fail with the valid ones."""
    if not ids:
        return dict(claims)
    wanted = [_canonical_id(x) for x in ids.split(",") if x.strip()]
    unknown = [x for x in wanted if x not in claims]
    if unknown:
        import difflib

        hint = difflib.get_close_matches(unknown[0], list(claims), n=1)
        raise ConfigError(
            f"unknown claim id(s) {unknown}; valid: {sorted(claims)}"
            + (f"; did you mean {hint[0]}?" if hint else "")
        )
    return {k: claims[k] for k in wanted}
