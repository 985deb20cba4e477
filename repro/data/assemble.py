"""Steps both bundle builders share (the local files of ``mini`` and the hub datasets of
``paper``): seeded sampling, the parallel pool and its held-out split, and the atomic write of a
validated bundle. Same records and seed give byte-identical bundles."""

from __future__ import annotations

import os
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from repro.data import local as L
from repro.data.bundle import BUNDLE_FILE, Bundle, EvalSet, write_jsonl, write_text_lines
from repro.errors import DataError
from repro.fsio import staged_dir
from repro.records import validate_all


def rng_for(seed: int, *purpose: str) -> random.Random:
    """An independent, platform-stable stream per purpose (str seeds are hashed with SHA-512)."""
    return random.Random(":".join((str(seed), *purpose)))


def sample(records: Sequence[Any], n: int, rng: random.Random) -> list[Any]:
    """``n`` items in their original order (all when ``n`` is 0 or too large)."""
    if n == 0 or n >= len(records):
        return list(records)
    keep = sorted(rng.sample(range(len(records)), n))
    return [records[i] for i in keep]


def sample_by_paragraph(records: Sequence[dict], n: int, rng: random.Random) -> set[str]:
    """Paragraph ids, drawn at random until they hold at least ``n`` questions (0 = all)."""
    paras: dict[str, int] = {}
    for r in records:
        paras[r["paragraph_id"]] = paras.get(r["paragraph_id"], 0) + 1
    if n == 0 or n >= len(records):
        return set(paras)
    order = sorted(paras)
    rng.shuffle(order)
    chosen: set[str] = set()
    total = 0
    for p in order:
        if total >= n:
            break
        chosen.add(p)
        total += paras[p]
    return chosen


def prepare_parallel(
    records: Iterable[dict],
    *,
    max_words: int,
    test_keys: Iterable[str],
    n_heldout: int,
    max_pool: int,
    rng: random.Random,
) -> tuple[list[dict], list[dict], dict[str, int]]:
    """Length filter, exact-duplicate removal, test-overlap filter, held-out split.

    No sentence of the held-out set occurs in the pool (pairs sharing a side with a held-out pair
    are dropped from the pool). Returns (pool, heldout, counts).
    """
    keys = test_keys if isinstance(test_keys, L.OverlapKeys) else L.overlap_keys(test_keys)
    recs = list(records)
    counts = {"read": len(recs)}
    short = [
        r for r in recs if len(r["src"].split()) <= max_words and len(r["tgt"].split()) <= max_words
    ]
    counts["too_long"] = len(recs) - len(short)
    seen: set[tuple[str, str]] = set()
    kept: list[tuple[dict, tuple[str, str]]] = []
    n_overlap = 0
    for r in short:
        key = (L.overlap_key(r["src"]), L.overlap_key(r["tgt"]))
        if key in seen:
            continue
        seen.add(key)
        if key[0] in keys or key[1] in keys:
            n_overlap += 1
        else:
            kept.append((r, key))
    counts["duplicates"] = len(short) - len(seen)
    counts["test_overlap"] = n_overlap
    rng.shuffle(kept)
    heldout = [r for r, _ in kept[:n_heldout]]
    held_keys = {k for _, key in kept[:n_heldout] for k in key}
    rest = [r for r, key in kept[n_heldout:] if key[0] not in held_keys and key[1] not in held_keys]
    counts["heldout_overlap"] = max(len(kept) - n_heldout, 0) - len(rest)
    pool = rest[:max_pool] if max_pool else rest
    counts["heldout"] = len(heldout)
    counts["pool"] = len(pool)
    counts["unused"] = len(rest) - len(pool)
    return pool, heldout, counts


def split_parallel(
    records: Iterable[dict], cfg: Any, lang: str, test_keys: Iterable[str], *, max_pool: int
) -> tuple[list[dict], list[dict], dict[str, int]]:
    """:func:`prepare_parallel` with a bundle config's ``max_words``, ``n_heldout`` and ``seed``
    (its own random stream per language), as both bundle builders call it."""
    return prepare_parallel(
        records,
        max_words=cfg.max_words,
        test_keys=test_keys,
        n_heldout=cfg.n_heldout,
        max_pool=max_pool,
        rng=rng_for(cfg.seed, "parallel", lang),
    )


def mono_lines(
    candidates: Iterable[str], *, test_keys: Iterable[str], n: int, rng: random.Random
) -> tuple[list[str], dict[str, int]]:
    """Whitespace-normalised, de-duplicated lines without test sentences; ``n`` drawn at random."""
    keys = test_keys if isinstance(test_keys, L.OverlapKeys) else L.overlap_keys(test_keys)
    seen: set[str] = set()
    lines: list[str] = []
    n_in = n_test = 0
    for text in candidates:
        n_in += 1
        line = " ".join(text.split())
        if not line or line in seen:
            continue
        seen.add(line)
        if L.overlap_key(line) in keys:
            n_test += 1
            continue
        lines.append(line)
    chosen = sample(lines, n, rng)
    rng.shuffle(chosen)
    return chosen, {
        "candidates": n_in,
        "unique": len(seen),
        "test_overlap": n_test,
        "written": len(chosen),
    }


@dataclass
class BundleParts:
    """Everything a bundle holds, in memory, before it is written."""

    source: str
    languages: list[str]
    mono: dict[str, list[str]] = field(default_factory=dict)
    parallel: dict[str, list[dict]] = field(default_factory=dict)
    parallel_heldout: dict[str, list[dict]] = field(default_factory=dict)
    train: dict[str, list[dict]] = field(default_factory=dict)
    dev: dict[str, list[dict]] = field(default_factory=dict)
    eval: list[tuple[str, str, str, list[dict]]] = field(default_factory=list)
    xsr: dict[str, list[dict]] = field(default_factory=dict)
    notes: dict[str, Any] = field(default_factory=dict)


def write_bundle(parts: BundleParts, out_dir: Path) -> Bundle:
    """Validate and write a bundle atomically: built in a temp dir, then renamed into place.

    An existing bundle at ``out_dir`` is replaced; any other non-empty directory is refused.
    """
    out_dir = Path(out_dir)
    if out_dir.exists() and (
        not out_dir.is_dir() or (any(out_dir.iterdir()) and not (out_dir / BUNDLE_FILE).exists())
    ):
        raise DataError(out_dir, None, "exists and is not a data bundle; refusing to overwrite")
    with staged_dir(out_dir) as tmp:
        b = Bundle(
            root=tmp, source=parts.source, languages=list(parts.languages), notes=parts.notes
        )
        for lang, lines in parts.mono.items():
            b.mono[lang] = f"mono.{lang}.txt"
            write_text_lines(tmp / b.mono[lang], lines)

        def put(kind: str, rel: str, recs: list[dict]) -> str:
            write_jsonl(tmp / rel, validate_all(kind, recs, rel))
            return rel

        for lang, recs in parts.parallel.items():
            b.parallel[lang] = put("parallel", f"parallel.{lang}.jsonl", recs)
        for lang, recs in parts.parallel_heldout.items():
            b.parallel_heldout[lang] = put("parallel", f"heldout.{lang}.jsonl", recs)
        for task, recs in parts.train.items():
            b.train[task] = put(task, f"{task}.train.jsonl", recs)
        for task, recs in parts.dev.items():
            b.dev[task] = put(task, f"{task}.dev.jsonl", recs)
        for task, dataset, lang, recs in parts.eval:
            rel = put(task, f"{task}.{dataset}.{lang}.jsonl", recs)
            b.eval.append(EvalSet(task=task, dataset=dataset, lang=lang, path=rel))
        for lang, recs in parts.xsr.items():
            b.xsr[lang] = put("xsr", f"xsr.{lang}.jsonl", recs)
        b.save()
        _publishable(tmp)
    b.root = out_dir
    return b


def _publishable(root: Path) -> None:
    """Temp files and dirs are created private (0600/0700); give the bundle the umask's modes."""
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(root, 0o777 & ~umask)
    for p in root.iterdir():
        if p.is_file():
            os.chmod(p, 0o666 & ~umask)
