"""Per-language prediction files in the formats the official scorers read.

``reports/<profile>/predictions/<task>/<dataset>/<lang>/<state>/seed-<n>.<ext>``, one file per
evaluated set, model state and run:

* QA: ``.json``, ``{question id: answer}`` (SQuAD v1.1 ``evaluate-v1.1.py``, MLQA's script,
  ``python -m repro.metrics squad|mlqa``);
* NER: ``.tsv``, CoNLL ``token<TAB>predicted tag`` lines, a blank line between sentences
  (seqeval, ``python -m repro.metrics ner``);
* NLI: ``.txt``, one predicted label per line in the dataset's order
  (``python -m repro.metrics nli``).

Written from the evaluate artifacts and the data bundle (the per-example results the claims
read hold scores, not predictions): by default for the paper profile, on request
(``run.prediction_files = true``) for any other. The directory is built aside and swapped
in whole.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from repro.data.bundle import Bundle, iter_jsonl
from repro.fsio import staged_dir

EXTENSIONS = {"qa": "json", "ner": "tsv", "nli": "txt"}


def prediction_text(task: str, preds: list[dict[str, Any]], records: dict[str, dict]) -> str:
    """One set's predictions in its task's official format (``records``: gold by id)."""
    if task == "qa":
        return json.dumps({p["id"]: p["prediction"] for p in preds}, ensure_ascii=False, indent=1)
    if task == "nli":
        return "".join(f"{p['pred']}\n" for p in preds)
    if task == "ner":
        blocks = []
        for p in preds:
            tokens = records[p["id"]]["tokens"]
            blocks.append(
                "\n".join(f"{t}\t{g}" for t, g in zip(tokens, p["pred_tags"], strict=True))
            )
        return "\n\n".join(blocks) + "\n"
    raise ValueError(f"no prediction format for task {task!r}")


def write_prediction_files(pairs: Iterable[tuple[Any, Any]], store: Any, out_dir: Path) -> int:
    """Write every evaluate artifact's predictions of ``pairs`` under ``out_dir``; the count."""
    n = 0
    bundles: dict[str, Bundle] = {}
    with staged_dir(Path(out_dir)) as build:
        for job, ex in pairs:
            if ex.kind != "eval":
                continue
            art = store.get(job.stage, job.key, verify=False)
            data = store.get("data", job.inputs["data"].key, verify=False)
            if art is None or data is None:
                continue
            bundle = bundles.setdefault(data.key, Bundle.load(data.path))
            known = {e.name: e for e in bundle.eval}
            for name in job.stage_config.sets:
                task, dataset, lang = name.split(".", 2)
                src = art.path / "predictions" / f"{name}.jsonl"
                if task not in EXTENSIONS or name not in known or not src.is_file():
                    continue
                records = {}
                if task == "ner":
                    records = {r["id"]: r for r in iter_jsonl(bundle.path(known[name].path))}
                seed = "exact" if ex.seed < 0 else str(ex.seed)
                path = build / task / dataset / lang / ex.state / f"seed-{seed}.{EXTENSIONS[task]}"
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(
                    prediction_text(task, list(iter_jsonl(src)), records), encoding="utf-8"
                )
                n += 1
    return n
