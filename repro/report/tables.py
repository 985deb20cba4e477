"""Tables of the report, computed from stored per-example results and claim evidence rows.

Two kinds: the paper's table layouts (docs/paper.md §9) rebuilt from ``results/`` (point
estimates = mean over non-collapsed fine-tuning seeds, with the per-seed values beside them),
and the per-claim evidence tables that show each comparison row of ``claims.json``.
Every cell is pre-formatted text, so the HTML and Markdown templates stay free of arithmetic.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from repro.claims.results import Entry, ResultSet
from repro.metrics import f1_from_counts
from repro.records import TARGET_LANGUAGES

GAIN, LOSS = "▲", "▼"
STATE_ORDER = ("original", "adjusted", "original+cl", "adjusted+cl")
STATE_LABELS = {
    "original": "original (baseline)",
    "adjusted": "adjusted",
    "original+cl": "original + continual learning",
    "adjusted+cl": "adjusted + continual learning",
}
TASK_NAMES = {"nli": "NLI", "ner": "NER", "qa": "QA", "xsr": "XSR"}


# --------------------------------------------------------------------------- formatting


def fmt_num(x: Any, *, pct: bool, signed: bool = False) -> str:
    """A metric on the 0–1 scale as points (``pct``), else a raw quantity to 3 decimals."""
    if not isinstance(x, (int, float)) or isinstance(x, bool) or not math.isfinite(x):
        return "—"
    v = 100.0 * x if pct else float(x)
    digits = 1 if pct else 3
    s = f"{v:+.{digits}f}" if signed else f"{v:.{digits}f}"
    if s.lstrip("+-").strip("0.") == "":  # -0.0 / +0.0 → 0.0 without a misleading sign
        s = ("±" if signed else "") + s.lstrip("+-")
    return s.replace("-", "−")


def fmt_p(p: Any) -> str:
    if not isinstance(p, (int, float)) or isinstance(p, bool) or not math.isfinite(p):
        return "—"
    if p >= 0.995:
        return "1"
    if p >= 0.001:
        return f"{p:.3f}"
    return f"{p:.1e}".replace("-", "−")


def row_is_pct(row: Mapping[str, Any]) -> bool:
    """Task metrics (accuracy, F1, EM, hits) are shown in points; distances stay raw."""
    kind = row.get("kind")
    if kind in ("eval", "xsr"):
        return True
    if kind == "distances":
        return False
    return str(row.get("metric", "")) in ("correct", "f1", "em", "hit")


def state_label(state: str) -> str:
    if state in STATE_LABELS:
        return STATE_LABELS[state]
    if "@" in state:
        base, size = state.split("@", 1)
        return f"{base} ({size} pairs)"
    return state


def lang_order(langs: Iterable[str]) -> list[str]:
    """Target languages in the paper's order, then any others; QA pairs by their target."""
    order = {x: i for i, x in enumerate(("en", *TARGET_LANGUAGES))}

    def key(code: str) -> tuple:
        parts = code.split("-")
        target = next((p for p in parts if p != "en"), parts[0])
        return (order.get(target, 99), target, parts[0] != parts[-1], parts[0] != target, code)

    return sorted(set(langs), key=key)


def state_order(states: Iterable[str]) -> list[str]:
    def key(s: str) -> tuple:
        if s in STATE_ORDER:
            return (0, STATE_ORDER.index(s), 0, s)
        if "@" in s:
            try:
                return (1, 0, int(s.split("@", 1)[1].split("+")[0]), s)
            except ValueError:
                pass
        return (2, 0, 0, s)

    return sorted(set(states), key=key)


# --------------------------------------------------------------------------- table model


@dataclass(frozen=True)
class Cell:
    text: str = "—"
    sub: str = ""  # per-seed spread or detail, shown small under the value
    marker: str = ""  # GAIN / LOSS / ""
    num: bool = True
    css: str = ""  # extra class (e.g. "out-of-band")


@dataclass
class Table:
    id: str
    title: str
    header: list[str]
    rows: list[list[Cell]]
    caption: str = ""
    notes: list[str] = field(default_factory=list)


# --------------------------------------------------------------------------- point estimates


def is_collapsed(entry: Entry) -> bool:
    """Excluded from a mean exactly when the claims exclude it (:attr:`Entry.failed`)."""
    return entry.failed


def entry_scores(entry: Entry) -> dict[str, float]:
    """Corpus scores (0–1) of one result entry, with the metric the paper reports first."""
    s = entry.stats
    if entry.key.kind == "xsr":
        a = np.asarray(s["hit_xx2en"], dtype=float)
        b = np.asarray(s["hit_en2xx"], dtype=float)
        return {
            "top1": float((a.mean() + b.mean()) / 2.0),
            "xx2en": float(a.mean()),
            "en2xx": float(b.mean()),
        }
    task = entry.key.task
    if task == "nli":
        return {"accuracy": float(np.mean(s["correct"]))}
    if task == "ner":
        return {"f1": f1_from_counts(s["tp"], s["n_pred"], s["n_gold"])}
    if task == "qa":
        return {"f1": float(np.mean(s["f1"])), "em": float(np.mean(s["em"]))}
    raise KeyError(f"no score for result entry {entry.key}")


@dataclass(frozen=True)
class SeedSummary:
    """Mean over the usable seeds of each score; per-seed values keep the excluded ones."""

    mean: dict[str, float]
    per_seed: list[tuple[int, dict[str, float], bool]]  # (seed, scores, collapsed)

    @property
    def n_used(self) -> int:
        return sum(1 for _, _, c in self.per_seed if not c)


def summarize(entries: Sequence[Entry]) -> SeedSummary | None:
    if not entries:
        return None
    per = [
        (e.key.seed, entry_scores(e), is_collapsed(e))
        for e in sorted(entries, key=lambda e: e.key.seed)
    ]
    used = [sc for _, sc, c in per if not c]
    keys = list(per[0][1])
    mean = {k: float(np.mean([sc[k] for sc in used])) for k in keys} if used else {}
    return SeedSummary(mean, per)


def _spread(summary: SeedSummary, metric: str) -> str:
    if len(summary.per_seed) < 2:
        return ""
    vals = [fmt_num(sc[metric], pct=True) + ("†" if c else "") for _, sc, c in summary.per_seed]
    used = [sc[metric] for _, sc, c in summary.per_seed if not c]
    sd = f"sd {100.0 * float(np.std(used, ddof=1)):.1f}; " if len(used) >= 2 else ""
    return f"{sd}seeds {' · '.join(vals)}"


# --------------------------------------------------------------------------- significance


def evidence_rows(evidence: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Every comparison row of one claim's evidence, including nested parts and side tables."""
    rows: list[dict[str, Any]] = []
    for key in ("rows", "per_language"):
        rows += [r for r in evidence.get(key) or [] if isinstance(r, Mapping)]
    for part in (evidence.get("parts") or {}).values():
        if isinstance(part, Mapping):
            rows += evidence_rows(part)
    return rows


@dataclass
class SigIndex:
    """(kind, task, dataset, lang, base_state, new_state) → (claim id, row) from claims.json."""

    rows: dict[tuple, tuple[str, dict[str, Any]]] = field(default_factory=dict)

    @classmethod
    def from_claims(cls, claims: Mapping[str, Mapping[str, Any]]) -> SigIndex:
        idx = cls()
        for cid in sorted(claims):
            for r in evidence_rows(claims[cid].get("evidence") or {}):
                key = (
                    r.get("kind"),
                    r.get("task"),
                    r.get("dataset"),
                    r.get("lang"),
                    r.get("base_state"),
                    r.get("new_state"),
                )
                if None not in key and key not in idx.rows and "sig_gain" in r:
                    idx.rows[key] = (cid, r)
        return idx

    def marker(
        self, kind: str, task: str, dataset: str, lang: str, base: str, new: str
    ) -> tuple[str, str | None]:
        hit = self.rows.get((kind, task, dataset, lang, base, new))
        if hit is None:
            return "", None
        cid, r = hit
        return (GAIN if r.get("sig_gain") else LOSS if r.get("sig_loss") else ""), cid

    def pooled(self, task: str, base: str, new: str) -> list[tuple[str, dict[str, Any]]]:
        """Rows that pool several result sets (lang or dataset joined with '+')."""
        return [
            (cid, r)
            for (k, t, d, lg, b, n), (cid, r) in sorted(
                self.rows.items(), key=lambda kv: str(kv[0])
            )
            if t == task and b == base and n == new and ("+" in lg or "+" in d)
        ]


# --------------------------------------------------------------------------- paper layouts


def is_source_only(lang: str) -> bool:
    """English-only result sets (``en``, ``en-en``): exported for reference, not paper columns."""
    return set(lang.split("-")) == {"en"}


def _columns(
    results: ResultSet, kind: str, task: str, langs_ok, *, source: bool = False
) -> list[tuple[str, str]]:
    """(dataset, language) columns; with ``source`` the English sets come first."""
    cols = {
        (e.key.dataset, e.key.lang)
        for e in results.find(kind=kind, task=task)
        if langs_ok(e.key.lang) and (source or not is_source_only(e.key.lang))
    }
    langs = lang_order(lg for _, lg in cols)
    return sorted(cols, key=lambda c: (not is_source_only(c[1]), langs.index(c[1]), c[0]))


def _header_name(dataset: str, lang: str, multi: bool) -> str:
    return f"{dataset} {lang}" if multi else lang


def layout_table(
    results: ResultSet,
    sig: SigIndex,
    *,
    id: str,
    title: str,
    kind: str,
    task: str,
    states: Sequence[str],
    reference: str,
    metrics: Sequence[str],
    details: Sequence[tuple[str, str]] = (),
    langs_ok=lambda lg: True,
    caption: str = "",
    source: bool = False,
) -> Table | None:
    """One row per model state, one column per (dataset, language); markers vs ``reference``.
    ``source``: English (the fine-tuning language) first, beside the zero-shot targets."""
    cols = _columns(results, kind, task, langs_ok, source=source)
    present = [s for s in states if results.find(kind=kind, task=task, state=s)]
    if not cols or not present or all(is_source_only(lg) for _, lg in cols):
        return None
    multi = len({d for d, _ in cols}) > 1
    header = ["model"] + [
        _header_name(d, lg, multi) + (" (source)" if is_source_only(lg) else "") for d, lg in cols
    ]
    rows: list[list[Cell]] = []
    used_claims: set[str] = set()
    any_collapsed = False
    for state in present:
        line = [Cell(state_label(state), num=False)]
        for d, lg in cols:
            summary = summarize(results.find(kind=kind, task=task, dataset=d, lang=lg, state=state))
            if summary is None or not summary.mean:
                line.append(Cell("—" if summary is None else "collapsed"))
                continue
            any_collapsed |= any(c for _, _, c in summary.per_seed)
            text = " / ".join(fmt_num(summary.mean[m], pct=True) for m in metrics)
            mark, cid = (
                ("", None)
                if state == reference
                else sig.marker(kind, task, d, lg, reference, state)
            )
            if cid:
                used_claims.add(cid)
            sub = " · ".join(
                [f"{name} {fmt_num(summary.mean[m], pct=True)}" for name, m in details]
                + ([_spread(summary, metrics[0])] if _spread(summary, metrics[0]) else [])
            )
            line.append(Cell(text, sub, mark))
        rows.append(line)
    notes = []
    if used_claims:
        notes.append(
            f"{GAIN}/{LOSS}: significant gain/loss against {state_label(reference)} "
            f"in the claims' paired bootstrap tests (Holm-corrected, one-sided; "
            f"{', '.join(sorted(used_claims))}). No marker: not significant or not "
            "tested per cell."
        )
    else:
        notes.append("No claim tests these cells one by one, so no significance markers.")
    if any_collapsed:
        notes.append(
            "† a run whose fine-tuning never learned English (near chance there), excluded "
            "from the mean as in the claims; a near-chance target score is kept."
        )
    return Table(id, title, header, rows, caption, notes)


def row_marker(row: Mapping[str, Any]) -> str:
    return GAIN if row.get("sig_gain") else LOSS if row.get("sig_loss") else ""


# --------------------------------------------------------------------------- claim evidence
