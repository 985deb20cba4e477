"""A data bundle: the one on-disk layout every data source (synthetic, local files, hub) produces.

A bundle is a directory with ``bundle.json`` and JSONL/text files. Downstream stages read only
bundles, never sources, which is what makes them profile-agnostic.

``bundle.json``::

    {
      "source": "synthetic" | "local" | "hub",
      "languages": ["en", "es", "ru", "vi", "hi"],
      "mono": {"en": "mono.en.txt", ...},                  # pretraining text, one sentence per line
      "parallel": {"es": "parallel.es.jsonl", ...},        # adjustment pool (parallel records)
      "parallel_heldout": {"es": "heldout.es.jsonl", ...}, # for the distances analysis
      "train": {"nli": "nli.train.jsonl", "ner": ..., "qa": ...},   # English training data
      "dev":   {"nli": "nli.dev.jsonl", ...},              # English dev (collapse detection)
      "eval": [{"task": "nli", "dataset": "xnli", "lang": "es", "path": "nli.xnli.es.jsonl"}, ...],
      "xsr": {"es": "xsr.es.jsonl", ...},                  # parallel test pairs, en <-> xx
      "notes": {...}                                        # free-form provenance
    }

QA eval entries use ``lang = "q-c"`` (question language, context language), e.g. ``"en-es"``;
monolingual QA is ``"es-es"``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from repro.errors import DataError
from repro.fsio import open_atomic, write_json_atomic

BUNDLE_FILE = "bundle.json"


def write_jsonl(path: Path, records: Iterable[dict]) -> int:
    """Write records atomically (temp file + rename); returns the number written."""
    n = 0
    with open_atomic(Path(path)) as fh:
        for rec in records:
            fh.write(json.dumps(rec, ensure_ascii=False, separators=(",", ":")))
            fh.write("\n")
            n += 1
    return n


def iter_jsonl(path: Path, *, allow_empty: bool = False) -> Iterator[dict]:
    """Records of a JSONL file; errors name the file and the exact line (decoded line by line).

    A file with no record is an error unless ``allow_empty``: every JSONL the package reads
    (bundle splits, predictions) has at least one, so an empty one is a cut or failed write.
    """
    path = Path(path)
    n = 0
    try:
        fh = open(path, "rb")
    except FileNotFoundError as exc:
        raise DataError(path, None, "file not found") from exc
    with fh:
        for lineno, raw in enumerate(fh, 1):
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise DataError(path, f"line {lineno}", f"invalid UTF-8: {exc.reason}") from exc
            if lineno == 1:
                line = line.removeprefix("\ufeff")
            if not line.strip():
                continue
            try:
                rec = json.loads(line)
            except json.JSONDecodeError as exc:
                raise DataError(path, f"line {lineno}", f"invalid JSON: {exc.msg}") from exc
            if not isinstance(rec, dict):
                raise DataError(path, f"line {lineno}", "expected a JSON object")
            n += 1
            yield rec
    if not n and not allow_empty:
        raise DataError(path, None, "empty file (no records)")


def read_jsonl(path: Path) -> list[dict]:
    return list(iter_jsonl(path))


def write_text_lines(path: Path, lines: Iterable[str]) -> int:
    n = 0
    with open_atomic(Path(path)) as fh:
        for line in lines:
            fh.write(line.replace("\n", " "))
            fh.write("\n")
            n += 1
    return n


@dataclass(frozen=True)
class EvalSet:
    task: str
    dataset: str
    lang: str  # "es" for NLI/NER/XSR; "q-c" for QA
    path: str

    @property
    def name(self) -> str:
        return f"{self.task}.{self.dataset}.{self.lang}"


@dataclass
class Bundle:
    """In-memory view of ``bundle.json``; paths are relative to :attr:`root`."""

    root: Path
    source: str
    languages: list[str]
    mono: dict[str, str] = field(default_factory=dict)
    parallel: dict[str, str] = field(default_factory=dict)
    parallel_heldout: dict[str, str] = field(default_factory=dict)
    train: dict[str, str] = field(default_factory=dict)
    dev: dict[str, str] = field(default_factory=dict)
    eval: list[EvalSet] = field(default_factory=list)
    xsr: dict[str, str] = field(default_factory=dict)
    notes: dict[str, Any] = field(default_factory=dict)

    def path(self, rel: str) -> Path:
        """The file ``rel`` names inside the bundle; a path that leaves it is a DataError (a
        damaged or hand-edited ``bundle.json`` must not make a stage read another file)."""
        root = Path(self.root)
        p = root / rel
        if Path(rel).is_absolute() or not p.resolve().is_relative_to(root.resolve()):
            raise DataError(root / "bundle.json", rel, "path leaves the bundle directory")
        return p

    def eval_sets(self, task: str | None = None) -> list[EvalSet]:
        return [e for e in self.eval if task is None or e.task == task]

    def to_json(self) -> dict:
        return {
            "source": self.source,
            "languages": list(self.languages),
            "mono": self.mono,
            "parallel": self.parallel,
            "parallel_heldout": self.parallel_heldout,
            "train": self.train,
            "dev": self.dev,
            "eval": [e.__dict__ for e in self.eval],
            "xsr": self.xsr,
            "notes": self.notes,
        }

    def save(self) -> None:
        write_json_atomic(Path(self.root) / BUNDLE_FILE, self.to_json())  # never half-written

    @classmethod
    def load(cls, root: str | Path) -> Bundle:
        root = Path(root)
        p = root / BUNDLE_FILE
        try:
            raw = json.loads(p.read_bytes().decode("utf-8"))
        except FileNotFoundError as exc:
            raise DataError(p, None, "not a data bundle (bundle.json missing)") from exc
        except UnicodeDecodeError as exc:
            raise DataError(p, None, f"invalid UTF-8: {exc.reason}") from exc
        except json.JSONDecodeError as exc:
            raise DataError(p, None, f"invalid JSON: {exc.msg}") from exc
        if not isinstance(raw, dict):
            raise DataError(p, None, "expected a JSON object")
        for key in ("source", "languages"):
            if key not in raw:
                raise DataError(p, key, "missing required key")
        tables = ("mono", "parallel", "parallel_heldout", "train", "dev", "xsr", "notes")
        for key in tables:
            if not isinstance(raw.get(key, {}), dict):
                raise DataError(p, key, "expected a table (JSON object)")
        evals = raw.get("eval", [])
        if not isinstance(evals, list):
            raise DataError(p, "eval", "expected a list of evaluation sets")
        fields = ("task", "dataset", "lang", "path")
        sets = []
        for i, e in enumerate(evals):
            if (
                not isinstance(e, dict)
                or set(e) != set(fields)
                or not all(isinstance(e[f], str) for f in fields)
            ):
                raise DataError(p, f"eval[{i}]", f"expected an object with string fields {fields}")
            sets.append(EvalSet(**e))
        return cls(
            root=root,
            source=str(raw["source"]),
            languages=list(raw["languages"]),
            mono=raw.get("mono", {}),
            parallel=raw.get("parallel", {}),
            parallel_heldout=raw.get("parallel_heldout", {}),
            train=raw.get("train", {}),
            dev=raw.get("dev", {}),
            eval=sets,
            xsr=raw.get("xsr", {}),
            notes=raw.get("notes", {}),
        )
