"""Per-example results kept compactly under ``reports/<profile>/results/`` for re-analysis.

One JSON file per result entry, columnar (ids once, one array per statistic), so a verdict can be
recomputed from the committed files without any model (``repro claims verify --from-results``).

Entry keys: ``(kind, task, dataset, lang, state, seed)``; kind ``eval`` | ``xsr`` | ``distances``,
``seed`` is the fine-tuning seed (``-1`` where none applies). Paths: :meth:`EntryKey.relpath`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from repro.data.bundle import iter_jsonl
from repro.errors import ArtifactError
from repro.fsio import write_text_atomic

STAT_FIELDS = {
    "nli": ("correct",),
    "ner": ("tp", "n_pred", "n_gold"),
    "qa": ("em", "f1", "em_mlqa", "f1_mlqa"),
    "xsr": ("hit_xx2en", "hit_en2xx", "rank_xx2en", "rank_en2xx"),
    "distances": ("related_cos", "unrelated_cos", "related_euc", "unrelated_euc"),
}
GROUP_FIELDS = {"qa": "paragraph_id"}


@dataclass(frozen=True)
class EntryKey:
    kind: str
    task: str
    dataset: str
    lang: str
    state: str
    seed: int = -1

    def relpath(self) -> str:
        """``<task>/<dataset>/<lang>/<state>/seed-<n>.json``, no folder repeated.

        The task folder says the kind (eval tasks are nli/ner/qa; retrieval and distances are
        their own), a dataset named like its task (``xsr``) gets no second folder, and a result
        with no seed (the one unadjusted encoder, whose retrieval and distances are exact) is
        ``exact.json``. Loading reads the key from the file, so older layouts load too.
        """
        folders = [self.task] if self.dataset == self.task else [self.task, self.dataset]
        state = self.state.replace("+", "_plus_").replace("@", "_at_")
        name = f"seed-{self.seed}" if self.seed >= 0 else "exact"
        return "/".join([*folders, self.lang, state, name]) + ".json"

    def legacy_relpath(self) -> str:
        """The layout before 2026-12-07 (``<kind>/<task>/<dataset>/<lang>/<state>/s<n>.json``):
        a partial run writing into an older results folder removes the file it replaces."""
        seed = f"s{self.seed}" if self.seed >= 0 else "s-"
        state = self.state.replace("+", "_plus_").replace("@", "_at_")
        return f"{self.kind}/{self.task}/{self.dataset}/{self.lang}/{state}/{seed}.json"


@dataclass
class Entry:
    key: EntryKey
    ids: list[str]
    stats: dict[str, np.ndarray]
    groups: list[str] | None = None
    meta: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        def col(a: np.ndarray) -> list:
            if a.dtype.kind == "f":
                return [round(float(x), 6) for x in a]
            return [int(x) for x in a]

        out = {
            "key": self.key.__dict__,
            "ids": self.ids,
            "stats": {k: col(v) for k, v in sorted(self.stats.items())},
            "meta": self.meta,
        }
        if self.groups is not None:
            out["groups"] = self.groups
        return out

    @property
    def failed(self) -> bool:
        """A failed run: the fine-tuning behind it is near chance on *English*, so it never
        learned its task. The one definition the claims, tables and figures all use: such a
        run is excluded (and named), never averaged in."""
        if self.key.lang in ("en", "en-en"):
            return bool(self.meta.get("collapsed"))
        return bool(self.meta.get("english_collapsed"))

    @property
    def near_chance(self) -> bool:
        """This result itself is near chance. For a target language that is a transfer result,
        not a failure: kept (excluding it would bias the comparison) and only reported."""
        return bool(self.meta.get("collapsed"))

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> Entry:
        return cls(
            key=EntryKey(**raw["key"]),
            ids=list(raw["ids"]),
            stats={k: np.asarray(v) for k, v in raw["stats"].items()},
            groups=raw.get("groups"),
            meta=raw.get("meta", {}),
        )


def entry_from_predictions(key: EntryKey, path: Path, meta: dict[str, Any]) -> Entry:
    fields = STAT_FIELDS[
        "xsr" if key.kind == "xsr" else "distances" if key.kind == "distances" else key.task
    ]
    group_field = GROUP_FIELDS.get(key.task) if key.kind == "eval" else None
    ids: list[str] = []
    cols: dict[str, list] = {f: [] for f in fields}
    groups: list[str] = []
    for n, rec in enumerate(iter_jsonl(path), 1):
        if "id" not in rec:
            raise ArtifactError(f"{path}: record {n} has no 'id'")
        ids.append(str(rec["id"]))
        for f in fields:
            if f not in rec:
                raise ArtifactError(f"{path}: record {rec.get('id')} lacks field {f!r}")
            cols[f].append(rec[f])
        if group_field:
            groups.append(str(rec.get(group_field, rec["id"])))
    stats = {}
    for f, v in cols.items():
        dtype = (
            float
            if key.kind == "distances" or f in ("em", "f1", "em_mlqa", "f1_mlqa")
            else np.int64
        )
        try:
            arr = np.asarray(v, dtype=dtype)
        except (TypeError, ValueError) as exc:
            raise ArtifactError(
                f"{path}: field {f!r} must hold one number per record ({exc})"
            ) from exc
        if arr.ndim != 1:
            raise ArtifactError(f"{path}: field {f!r} must hold one number per record")
        stats[f] = arr
    return Entry(key, ids, stats, groups if group_field else None, meta)


class ResultSet:
    """All entries of one profile, loaded from a results directory or built in memory."""

    def __init__(self, entries: Iterable[Entry] = ()) -> None:
        self._entries: dict[EntryKey, Entry] = {}
        for e in entries:
            self.add(e)

    def add(self, entry: Entry) -> None:
        self._entries[entry.key] = entry

    def __iter__(self) -> Iterator[Entry]:
        return iter(self._entries.values())

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: EntryKey) -> Entry | None:
        return self._entries.get(key)

    def find(self, **kw: Any) -> list[Entry]:
        return [
            e for e in self._entries.values() if all(getattr(e.key, k) == v for k, v in kw.items())
        ]

    def save(self, root: Path) -> list[Path]:
        root = Path(root)
        written = []
        for e in sorted(self._entries.values(), key=lambda e: e.key.relpath()):
            p = root / e.key.relpath()
            write_text_atomic(p, json.dumps(e.to_json(), separators=(",", ":"), ensure_ascii=False))
            (root / e.key.legacy_relpath()).unlink(missing_ok=True)
            written.append(p)
        return written

    @classmethod
    def load(cls, root: Path) -> ResultSet:
        root = Path(root)
        rs = cls()
        if not root.is_dir():
            return rs
        for p in sorted(root.rglob("*.json")):
            try:
                rs.add(Entry.from_json(json.loads(p.read_text(encoding="utf-8"))))
            except (ValueError, KeyError, TypeError) as exc:  # JSON, UTF-8 or shape
                raise ArtifactError(f"results file {p} is corrupt: {exc}") from exc
        return rs
