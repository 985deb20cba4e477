"""The paper profile's data bundle from the hub: rows of every source read, converted, capped to
the profile's sizes, checked against the paper's sizes, and assembled like the local bundle."""

from __future__ import annotations

import logging
import random
from collections.abc import Callable, Mapping
from dataclasses import asdict
from pathlib import Path
from typing import Any

import repro.data.hub.convert as convert
from repro.configtools import to_dict
from repro.data import local as L
from repro.data.assemble import (
    BundleParts,
    rng_for,
    sample,
    split_parallel,
    write_bundle,
)
from repro.data.bundle import Bundle
from repro.data.hub.sources import (
    PAPER_SIZES,
    WIKIANN_TAG_NAMES,
    HubDataConfig,
    HubSpec,
    class_names,
    hub_specs,
    load_rows,
    revision_report,
)
from repro.languages import MLQA_LANGS, TYDIQA_NAMES
from repro.records import (
    NLI_LABELS,
)

log = logging.getLogger(__name__)


#: Given a spec, return the rows (a ``datasets.Dataset`` or any iterable of mappings).
RowsProvider = Callable[[HubSpec], Any]


# --------------------------------------------------------------------------------------------
# Pure converters
# --------------------------------------------------------------------------------------------


# --------------------------------------------------------------------------------------------
# Local WikiMatrix files
# --------------------------------------------------------------------------------------------


# --------------------------------------------------------------------------------------------
# The paper bundle
# --------------------------------------------------------------------------------------------


def build_hub_bundle(
    cfg: HubDataConfig, out_dir: Path, *, provider: RowsProvider | None = None
) -> Bundle:
    """Load the paper profile's datasets, convert, filter parallel data, write the bundle.

    ``provider`` replaces the hub (tests pass one that reads local hub-shaped files).
    """
    specs = hub_specs(cfg)
    revisions = revision_report(cfg)
    if revisions["unpinned"]:
        log.warning(
            "hub datasets read at no pinned revision (upstream changes would go unnoticed): %s; "
            "pin them with [hub.revisions] (repro data fetch writes revisions.toml)",
            ", ".join(revisions["unpinned"]),
        )
    used: dict[str, str] = {}
    get = provider or (lambda spec: load_rows(spec, cache_dir=cfg.cache_dir or None, used=used))
    langs = list(cfg.languages)
    all_langs = ["en", *langs]
    parts = BundleParts(source="hub", languages=all_langs)
    qa_stats: dict[str, int] = {}

    def rows(key: str) -> Any:
        return get(specs[key])

    def labelled(
        to_records, names_arg: str, column: str, default, key: str, lang: str, prefix: str
    ):
        r = rows(key)  # class names from the dataset's features where it declares them
        names = {names_arg: class_names(r, column) or default}
        return to_records(r, lang=lang, id_prefix=prefix, where=specs[key].name, **names)

    def nli(key: str, lang: str, prefix: str) -> list[dict]:
        return labelled(convert.nli_records, "label_names", "label", NLI_LABELS, key, lang, prefix)

    def ner(key: str, lang: str, prefix: str) -> list[dict]:
        return labelled(
            convert.ner_records, "tag_names", "ner_tags", WIKIANN_TAG_NAMES, key, lang, prefix
        )

    def qa(key: str, q: str, c: str, dataset: str, **kw: Any) -> list[dict]:
        return convert.qa_records(
            rows(key),
            q_lang=q,
            c_lang=c,
            dataset=dataset,
            where=specs[key].name,
            fix_offsets=True,
            stats=qa_stats,
            **kw,
        )

    # training and English dev
    mnli = nli("mnli.train", "en", "mnli-train-")
    parts.train["nli"] = sample(mnli, cfg.n_nli_train, rng_for(cfg.seed, "nli-train"))
    parts.dev["nli"] = nli("xnli.validation.en", "en", "xnli-dev-")
    parts.train["ner"] = ner("wikiann.train.en", "en", "wikiann-train-en-")
    parts.dev["ner"] = ner("wikiann.validation.en", "en", "wikiann-dev-en-")
    parts.train["qa"] = qa("squad.train", "en", "en", "squad-train")
    parts.dev["qa"] = qa("squad.validation", "en", "en", "squad-dev")

    # evaluation
    xquad: dict[str, list[dict]] = {}
    for lang in all_langs:
        parts.eval.append(("nli", "xnli", lang, nli(f"xnli.test.{lang}", lang, "xnli-test-")))
        parts.eval.append(
            ("ner", "wikiann", lang, ner(f"wikiann.test.{lang}", lang, f"wikiann-test-{lang}-"))
        )
        if f"xquad.{lang}" in specs:  # XQuAD has 11 languages (no French, for one)
            xquad[lang] = qa(f"xquad.{lang}", lang, lang, "xquad")
            parts.eval.append(("qa", "xquad", f"{lang}-{lang}", xquad[lang]))
    for lang in langs:
        for q, c in (("en", lang), (lang, "en")) if lang in xquad else ():
            parts.eval.append(
                (
                    "qa",
                    "xquad",
                    f"{q}-{c}",
                    L.join_cross(
                        xquad[q],
                        xquad[c],
                        q_path=specs[f"xquad.{q}"].name,
                        c_path=specs[f"xquad.{c}"].name,
                    ),
                )
            )
    for lang in langs:
        if lang in MLQA_LANGS:
            for q, c in ((lang, lang), ("en", lang), (lang, "en")):
                parts.eval.append(
                    ("qa", "mlqa", f"{q}-{c}", qa(f"mlqa.{q}-{c}", q, c, f"mlqa-{c}"))
                )
        if lang in TYDIQA_NAMES:
            prefix = f"{TYDIQA_NAMES[lang]}-"
            r = [
                row
                for _, row in convert.hub_rows(rows(f"tydiqa.{lang}"), f"tydiqa.{lang}")
                if str(row["id"]).startswith(prefix)
            ]
            parts.eval.append(
                (
                    "qa",
                    "tydiqa",
                    f"{lang}-{lang}",
                    convert.qa_records(
                        r,
                        q_lang=lang,
                        c_lang=lang,
                        dataset="tydiqa",
                        where=specs[f"tydiqa.{lang}"].name,
                        fix_offsets=True,
                        stats=qa_stats,
                    ),
                )
            )
        parts.xsr[lang] = convert.xsr_records(
            rows(f"tatoeba.{lang}"), lang=lang, where=specs[f"tatoeba.{lang}"].name
        )

    # test sentences, then parallel data
    keys: set[str] = set()
    for task, _ds, _lang, recs in parts.eval:
        for r in recs:
            if task == "nli":
                keys.update((L.overlap_key(r["premise"]), L.overlap_key(r["hypothesis"])))
            elif task == "ner":
                keys.add(L.overlap_key("".join(r["tokens"])))
            else:
                keys.add(L.overlap_key(r["question"]))
                keys.update(L.overlap_key(s) for s in L.split_sentences(r["context"]))
    for recs in parts.xsr.values():
        for r in recs:
            keys.update((L.overlap_key(r["src"]), L.overlap_key(r["tgt"])))
    keys.discard("")
    test_keys = L.OverlapKeys(keys)

    par_counts: dict[str, Any] = {}
    for lang in langs:
        stats: dict[str, int] = {}
        if cfg.wikimatrix_dir:
            recs = convert.load_wikimatrix_dir(Path(cfg.wikimatrix_dir), lang)
        else:
            key = f"wikimatrix.{lang}"
            cand = candidate_rows(
                rows(key),
                2 * (cfg.n_parallel + cfg.n_heldout) if cfg.n_parallel else 0,
                rng_for(cfg.seed, "wikimatrix", lang),
            )
            stats["candidates"] = len(cand)
            recs = convert.parallel_records(
                cand, lang=lang, id_prefix=f"wikimatrix-{lang}-", where=specs[key].name, stats=stats
            )
        pool, held, c = split_parallel(recs, cfg, lang, test_keys, max_pool=cfg.n_parallel)
        c.update(stats)
        par_counts[lang] = c
        parts.parallel[lang] = pool
        parts.parallel_heldout[lang] = held

    counts = {
        "train": {k: len(v) for k, v in parts.train.items()},
        "dev": {k: len(v) for k, v in parts.dev.items()},
        "eval": {f"{t}.{d}.{lg}": len(r) for t, d, lg, r in parts.eval},
        "xsr": {k: len(v) for k, v in parts.xsr.items()},
        "parallel": par_counts,
        "qa_offsets_fixed": qa_stats.get("offsets_fixed", 0),
        "qa_offsets_moved": list(qa_stats.get("moved", [])),  # each "id: old -> new"
    }
    parts.notes = {
        "profile": "paper",
        "config": to_dict(cfg),
        "hub": {k: asdict(s) for k, s in specs.items()},
        "revisions": {**revisions, "read_at": dict(sorted(used.items()))},
        "counts": counts,
        "size_check": size_check(counts, cfg),
        "dropped_overlaps": {lang: par_counts[lang]["test_overlap"] for lang in langs},
        "licences": {
            "mnli": "OANC / CC-BY-SA 3.0 (parts)",
            "xnli": "CC-BY-NC 4.0",
            "wikiann": "unknown (Wikipedia text)",
            "squad": "CC-BY-SA 4.0",
            "xquad": "CC-BY-SA 4.0",
            "mlqa": "CC-BY-SA 3.0",
            "tydiqa": "Apache 2.0",
            "tatoeba": "CC-BY 2.0 FR",
            "wikimatrix": "CC-BY-SA",
        },
    }
    return write_bundle(parts, Path(out_dir))


def candidate_rows(rows: Any, n: int, rng: random.Random) -> Any:
    """A random subset of ``n`` rows (in corpus order) before the expensive conversion.

    Full WikiMatrix en-es has millions of pairs; twice the needed pool is enough to survive the
    length and overlap filters. Row ids stay the corpus row numbers, so they are stable.
    """
    total = len(rows)
    if not n or total <= n:
        return rows
    keep = sorted(rng.sample(range(total), n))
    if hasattr(rows, "select"):
        sub = rows.select(keep)
        return _Renumbered(sub, keep)
    return _Renumbered([rows[i] for i in keep], keep)


class _Renumbered:
    """Rows of a subset that remember their corpus row number (field ``_row``)."""

    def __init__(self, rows: Any, index: list[int]) -> None:
        self._rows, self._index = rows, index

    def __len__(self) -> int:
        return len(self._index)

    def __iter__(self):
        for i, row in zip(self._index, self._rows, strict=True):
            yield {**row, "_row": i}


def size_check(counts: Mapping[str, Any], cfg: HubDataConfig) -> dict[str, Any]:
    """Compare loaded sizes with the paper's; mismatches are logged and recorded, not fatal."""
    got: dict[str, int] = {}
    for k, v in counts["train"].items():
        got[f"train.{k}"] = v
    for name, n in counts["eval"].items():
        task, ds, lg = name.split(".", 2)
        key = f"eval.{task}.{ds}.{lg}"
        if ds == "xnli":
            got[f"eval.nli.xnli.{lg}"] = n
        elif ds == "xquad":
            got[f"eval.qa.xquad.{lg}"] = n
        elif ds in ("mlqa", "tydiqa"):
            q, c = lg.split("-")
            got[f"eval.qa.{ds}.{c if q == 'en' else q}.{lg}"] = n
        else:
            got[key] = n
    for lg, n in counts["xsr"].items():
        got[f"xsr.{lg}"] = n
    out: dict[str, Any] = {}
    for key, n in sorted(got.items()):
        base = next(
            (
                p
                for p in sorted(PAPER_SIZES, key=len, reverse=True)
                if key == p or key.startswith(p + ".")
            ),
            None,
        )
        if base is None or (base == "train.nli" and cfg.n_nli_train):
            continue
        expected = PAPER_SIZES[base]
        out[key] = {"got": n, "expected": expected, "ok": n == expected}
        if n != expected:
            log.warning("%s: %d examples, the paper's source has %d", key, n, expected)
    return out
