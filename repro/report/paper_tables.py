"""The paper's table layouts (docs/paper.md §9) rebuilt from stored results: NLI, NER, QA
monolingual and cross-lingual, XSR, continual learning and the parallel-data size sweep."""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from repro.claims.results import ResultSet
from repro.configtools import from_dict
from repro.errors import ConfigError
from repro.report.tables import (
    TASK_NAMES,
    Cell,
    SigIndex,
    Table,
    fmt_num,
    is_source_only,
    lang_order,
    layout_table,
    row_marker,
    state_order,
    summarize,
)

#: The paper's table layouts as data (repro/report/layouts.toml).
LAYOUTS_FILE = Path(__file__).with_name("layouts.toml")
PAIRS = {
    "any": lambda lg: True,
    "mono": lambda lg: len(set(lg.split("-"))) == 1,
    "cross": lambda lg: len(set(lg.split("-"))) == 2,
}


@dataclass(frozen=True)
class Layout:
    """One paper table: which results, which metrics and columns, and its caption."""

    id: str
    title: str
    task: str
    metrics: tuple[str, ...]
    caption: str
    kind: str = "eval"
    pairs: str = "any"
    source: bool = False
    details: tuple[tuple[str, str], ...] = ()

    def spec(self, spread: str) -> dict[str, Any]:
        """The keyword arguments of :func:`repro.report.tables.layout_table`."""
        return dict(
            id=self.id,
            title=self.title,
            kind=self.kind,
            task=self.task,
            states=("original", "adjusted"),
            reference="original",
            metrics=self.metrics,
            details=self.details,
            langs_ok=PAIRS[self.pairs],
            source=self.source,
            caption=self.caption.replace("{spread}", spread),
        )


def paper_layouts(path: Path = LAYOUTS_FILE) -> list[Layout]:
    """The layouts in file order; a malformed entry fails naming the file and the table."""
    raw = tomllib.loads(path.read_text(encoding="utf-8"))
    out = []
    for k, entry in enumerate(raw.get("table", [])):
        try:
            layout = from_dict(Layout, entry)
        except ConfigError as exc:
            raise ConfigError(f"{path}: table {k} ({entry.get('id', '?')}): {exc}") from None
        if layout.pairs not in PAIRS:
            raise ConfigError(f"{path}: table {layout.id}: pairs must be one of {list(PAIRS)}")
        out.append(layout)
    return out


def paper_tables(results: ResultSet, claims: Mapping[str, Mapping[str, Any]]) -> list[Table]:
    """Tables A–E of docs/paper.md §9 plus continual learning, from stored results."""
    sig = SigIndex.from_claims(claims)
    spread = (
        "Mean over fine-tuning seeds; small print: sd and per-seed values. The English "
        "(source) column is the fine-tuning language's own test score; '—' where a model "
        "adjusted for one target language has no English score stored."
    )
    specs = [layout.spec(spread) for layout in paper_layouts()]
    tables = []
    for spec in specs:
        t = layout_table(results, sig, **spec)
        if t is None:
            continue
        if t.id == "table-qa-cross":
            pooled = sig.pooled("qa", "original", "adjusted")
            order = lang_order(str(r.get("label")) for _, r in pooled)
            pooled.sort(key=lambda cr: order.index(str(cr[1].get("label"))))
            if pooled:
                marks = ", ".join(f"{r.get('label')} {row_marker(r) or '–'}" for _, r in pooled)
                cids = ", ".join(sorted({c for c, _ in pooled}))
                t.notes.append(
                    f"{cids} tests each language pooled over both directions and datasets: {marks}."
                )
        tables.append(t)
    for task in ("nli", "ner", "qa"):
        if not results.find(kind="eval", task=task, state="adjusted+cl") and not results.find(
            kind="eval", task=task, state="original+cl"
        ):
            continue
        metrics = {"nli": ("accuracy",), "ner": ("f1",), "qa": ("f1", "em")}[task]
        t = layout_table(
            results,
            sig,
            id=f"table-cl-{task}",
            title=f"Continual learning — {TASK_NAMES[task]} "
            f"({' / '.join(m.upper() if m != 'accuracy' else m for m in metrics)}"
            f", %)",
            kind="eval",
            task=task,
            states=("adjusted", "adjusted+cl", "original+cl"),
            reference="adjusted",
            metrics=metrics,
            caption=f"Adjusted vs adjusted + continual learning. {spread}",
        )
        if t is not None:
            tables.append(t)
    return tables


def sweep_table(results: ResultSet) -> Table | None:
    """Scores per adjustment corpus size (states ``adjusted@N``), averaged over languages."""
    states = state_order({e.key.state for e in results if "@" in e.key.state})
    if not states:
        return None
    header = ["task"] + [s.split("@", 1)[1] + " pairs" for s in states]
    rows = []
    for task, metric in (("nli", "accuracy"), ("ner", "f1"), ("qa", "f1")):
        line = [Cell(f"{TASK_NAMES[task]} {metric if metric != 'f1' else 'F1'}", num=False)]
        found = False
        for st in states:
            per_set = [
                summarize(results.find(kind="eval", task=task, dataset=d, lang=lg, state=st))
                for d, lg in sorted(
                    {
                        (e.key.dataset, e.key.lang)
                        for e in results.find(kind="eval", task=task, state=st)
                        if not is_source_only(e.key.lang)
                    }
                )
            ]
            vals = [s.mean[metric] for s in per_set if s is not None and s.mean]
            found |= bool(vals)
            line.append(
                Cell(
                    fmt_num(float(np.mean(vals)), pct=True) if vals else "—",
                    f"{len(vals)} sets" if vals else "",
                )
            )
        if found:
            rows.append(line)
    if not rows:
        return None
    return Table(
        "table-sweep",
        "Parallel-data size sweep — mean over evaluation sets (%)",
        header,
        rows,
        "Adjusted models trained on N parallel pairs per language "
        "(first fine-tuning seed). Each cell averages the per-set scores.",
        [],
    )
