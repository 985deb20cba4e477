"""The paper's table layouts (docs/paper.md §9) rebuilt from stored results: NLI, NER, QA
monolingual and cross-lingual, XSR, continual learning and the parallel-data size sweep."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from repro.claims.results import ResultSet
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


def paper_tables(results: ResultSet, claims: Mapping[str, Mapping[str, Any]]) -> list[Table]:
    """Tables A–E of docs/paper.md §9 plus continual learning, from stored results."""
    sig = SigIndex.from_claims(claims)
    spread = (
        "Mean over fine-tuning seeds; small print: sd and per-seed values. The English "
        "(source) column is the fine-tuning language's own test score; '—' where a model "
        "adjusted for one target language has no English score stored."
    )
    specs = [
        dict(
            id="table-nli",
            title="NLI — accuracy (%)",
            kind="eval",
            task="nli",
            states=("original", "adjusted"),
            reference="original",
            metrics=("accuracy",),
            source=True,
            caption=f"Paper Table A layout. {spread}",
        ),
        dict(
            id="table-ner",
            title="NER — entity F1 (%) from counts summed over sentences",
            kind="eval",
            task="ner",
            states=("original", "adjusted"),
            reference="original",
            metrics=("f1",),
            source=True,
            caption=f"Paper Table B layout. {spread}",
        ),
        dict(
            id="table-qa-mono",
            title="Monolingual QA — F1 / EM (%)",
            kind="eval",
            task="qa",
            states=("original", "adjusted"),
            reference="original",
            metrics=("f1", "em"),
            langs_ok=lambda lg: len(set(lg.split("-"))) == 1,
            source=True,
            caption=f"Paper Table C layout; columns are dataset and q-c language pair. "
            f"{spread} (per-seed values: F1)",
        ),
        dict(
            id="table-qa-cross",
            title="Cross-lingual QA — F1 / EM (%) per question-context pair",
            kind="eval",
            task="qa",
            states=("original", "adjusted"),
            reference="original",
            metrics=("f1", "em"),
            langs_ok=lambda lg: len(set(lg.split("-"))) == 2,
            caption=f"Paper Table D layout; q-c = question language, context language. "
            f"{spread} (per-seed values: F1)",
        ),
        dict(
            id="table-xsr",
            title="Sentence retrieval (XSR) — top-1 accuracy (%)",
            kind="xsr",
            task="xsr",
            states=("original", "adjusted"),
            reference="original",
            metrics=("top1",),
            details=(("xx→en", "xx2en"), ("en→xx", "en2xx")),
            caption="Paper Table E layout. Cells: mean of both directions; small print: each "
            "direction (no fine-tuning, so no seeds).",
        ),
    ]
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
