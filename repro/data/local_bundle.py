"""Build the ``mini`` profile's data bundle from the real files in ``REPRO_DATA_DIR``.

What goes where (the layout is :mod:`repro.data.bundle`):

* ``train`` (English): NLI = the MNLI subset; NER = WikiANN en train; QA = SQuAD v1.1 *dev* minus
  every paragraph XQuAD was built from (SQuAD train is not available), plus TyDiQA-GoldP en train.
* ``dev`` (English, for collapse detection): MNLI val subset; WikiANN en dev subset; a held-out
  slice (whole paragraphs) of the QA training source.
* ``eval``: XNLI test (labels joined from myXNLI; the same rows in every language, en included);
  WikiANN test per language (en included); XQuAD monolingual ``xx-xx`` and cross-lingual
  ``en-xx``/``xx-en`` pairs; MLQA dev monolingual for es/vi/hi (MLQA has no Russian).
* ``xsr``: Tatoeba (LASER v1) pairs.
* ``parallel``/``parallel_heldout``: the human-translated sets under ``parallel/``, tokenised, at
  most ``max_words`` words a side, exact duplicates removed, and every pair with a side that occurs
  in any test set removed (:func:`repro.data.local.filter_overlap`).
* ``mono``: pretraining text per language: both sides of the parallel sets (not the test sets) and
  the text of the task training files (WikiANN train per language, English MNLI/QA training text),
  with test sentences removed.

Same config and same input files give byte-identical bundles.
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from repro.data import local as L
from repro.data.assemble import (
    BundleParts,
    mono_lines,
    rng_for,
    sample,
    sample_by_paragraph,
    split_parallel,
    write_bundle,
)
from repro.data.bundle import Bundle
from repro.errors import ConfigError, DataError
from repro.fsio import sha256_file
from repro.records import TARGET_LANGUAGES

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LocalDataConfig:
    """The ``data.*`` keys of the mini profile. A count of 0 means "all available".

    languages: target languages (English is always included).
    parallel_sources: groups of ``parallel/`` to use (see ``repro.data.local.PARALLEL_GROUPS``);
        ``tatoeba-challenge`` (vi, hi) is included and filtered against every test set.
    max_words: pairs with more whitespace words than this on either side are dropped (paper: 64).
    max_parallel: adjustment pool size per language, after filtering (vi has ~6.5k, hi ~10k).
    n_heldout: parallel pairs per language kept out of the pool for the distance analysis.
    n_nli_train / n_nli_dev: MNLI subset rows for training (of 20,000) and English dev (of 5,000).
    n_nli_test: XNLI test rows (of 5,010), the same rows in every language.
    n_ner_train / n_ner_dev / n_ner_test: WikiANN sentences (en train, en dev, test per language).
    n_qa_train: QA training questions (0 = all: 9,380 SQuAD-dev + 3,696 TyDiQA minus dev).
    n_qa_dev: QA English dev questions, whole paragraphs held out from the training source.
    n_qa_test: XQuAD / MLQA questions per eval set, whole paragraphs, the same paragraphs in every
        XQuAD language (0 = all 1,190).
    n_xsr: Tatoeba pairs per language (of 1,000).
    n_mono: pretraining lines per language (fewer where fewer exist).
    seed: every sample is drawn from its own stream seeded by (seed, purpose).
    """

    languages: tuple[str, ...] = TARGET_LANGUAGES
    parallel_sources: tuple[str, ...] = L.PARALLEL_GROUPS
    max_words: int = 64
    max_parallel: int = 5000
    n_heldout: int = 300
    n_nli_train: int = 20000
    n_nli_dev: int = 2000
    n_nli_test: int = 2000
    n_ner_train: int = 5000
    n_ner_dev: int = 1000
    n_ner_test: int = 1000
    n_qa_train: int = 0
    n_qa_dev: int = 500
    n_qa_test: int = 0
    n_xsr: int = 1000
    n_mono: int = 30000
    seed: int = 0

    def __post_init__(self) -> None:
        object.__setattr__(self, "languages", tuple(self.languages))
        object.__setattr__(self, "parallel_sources", tuple(self.parallel_sources))
        for lang in self.languages:
            if lang not in TARGET_LANGUAGES:
                raise ConfigError(
                    f"data.languages: unknown target language {lang!r}; "
                    f"expected a subset of {TARGET_LANGUAGES}"
                )
        if not self.languages:
            raise ConfigError("data.languages: at least one target language is needed")
        for g in self.parallel_sources:
            if g not in L.PARALLEL_GROUPS:
                raise ConfigError(
                    f"data.parallel_sources: unknown source {g!r}; "
                    f"expected a subset of {L.PARALLEL_GROUPS}"
                )
        for name, value in asdict(self).items():
            if name.startswith(("n_", "max_")) and (not isinstance(value, int) or value < 0):
                raise ConfigError(f"data.{name}: expected a non-negative integer, got {value!r}")
        if self.max_words < 1:
            raise ConfigError("data.max_words must be at least 1")


def check_against_manifest(data_dir: Path, inputs: dict[str, str], rows: dict[str, Any]) -> None:
    """Every file the bundle read is listed in MANIFEST.tsv with its size and SHA-256.

    A staged file that was edited, truncated or swapped (even at the same size) fails here,
    naming the file, instead of silently giving other data under the same manifest.
    """
    for rel, digest in inputs.items():
        row = rows.get(rel)
        if row is None:
            raise DataError(
                data_dir / rel, None, "read by the bundle but not listed in MANIFEST.tsv"
            )
        size = (data_dir / rel).stat().st_size
        if size != row.bytes:
            raise DataError(
                data_dir / rel, None, f"size {size} bytes, MANIFEST.tsv says {row.bytes}"
            )
        if digest != row.sha256:
            raise DataError(
                data_dir / rel, None, "SHA-256 differs from MANIFEST.tsv (the file was changed)"
            )


# --------------------------------------------------------------------------------------------
# The mini bundle
# --------------------------------------------------------------------------------------------


def _qa_train_source(data_dir: Path, xquad_en: list[dict]) -> tuple[list[dict], dict[str, int]]:
    """SQuAD dev minus the XQuAD paragraphs (identified by question id), plus TyDiQA en train."""
    squad = L.load_squad_dev(data_dir)
    xq_ids = {r["id"] for r in xquad_en}
    xq_paras = {r["paragraph_id"] for r in squad if r["id"] in xq_ids}
    missing = xq_ids - {r["id"] for r in squad}
    if missing:
        raise DataError(
            data_dir / "squad" / "dev-v1.1.json.zip",
            sorted(missing)[0],
            f"{len(missing)} XQuAD question ids not found in SQuAD dev",
        )
    kept = [r for r in squad if r["paragraph_id"] not in xq_paras]
    tydi = L.load_tydiqa(data_dir, "train")
    stats = {
        "squad_dev": len(squad),
        "xquad_paragraphs_removed": len(xq_paras),
        "squad_dev_kept": len(kept),
        "tydiqa_train": len(tydi),
    }
    return kept + tydi, stats


def build_local_bundle(data_dir: Path, cfg: LocalDataConfig, out_dir: Path) -> Bundle:
    """Read the real files, sample/filter per ``cfg``, write the bundle to ``out_dir``."""
    data_dir = Path(data_dir)
    if not data_dir.is_dir():
        raise DataError(data_dir, None, "data directory not found (set REPRO_DATA_DIR)")
    if (data_dir / "MANIFEST.tsv").is_file():  # every staged file as listed, before any is read
        from repro.data.manifest import verify_data_dir

        report = verify_data_dir(data_dir)
        if report.problems:
            raise DataError(
                data_dir / "MANIFEST.tsv",
                None,
                f"{len(report.problems)} staged file(s) differ from the manifest: "
                + "; ".join(report.problems[:5]),
            )
    langs = list(cfg.languages)
    all_langs = ["en", *langs]
    used: set[str] = set()
    cache: dict[str, list[dict]] = {}
    parts = BundleParts(source="local", languages=all_langs)
    counts: dict[str, Any] = {}

    # ---- evaluation sets --------------------------------------------------------------------
    xnli = {lang: L.load_xnli(data_dir, lang, "test") for lang in all_langs}
    used.update(f"xnli/test-{lang}.tsv" for lang in all_langs)
    used.add("xnli/myxnli/my.genre.test.tsv")
    rows = sample(range(len(xnli["en"])), cfg.n_nli_test, rng_for(cfg.seed, "xnli-test"))
    for lang in all_langs:
        recs = [xnli[lang][i] for i in rows]
        parts.eval.append(("nli", "xnli", lang, recs))
        cache[f"xnli.test.{lang}"] = xnli[lang]

    for lang in all_langs:
        recs = L.load_wikiann(data_dir, lang, "test")
        cache[f"wikiann.test.{lang}"] = recs
        used.add(f"wikiann/test-{lang}.tsv")
        parts.eval.append(
            (
                "ner",
                "wikiann",
                lang,
                sample(recs, cfg.n_ner_test, rng_for(cfg.seed, "wikiann-test", lang)),
            )
        )

    xquad = {lang: L.load_xquad(data_dir, lang) for lang in all_langs}
    used.update(f"xquad/xquad.{lang}.json" for lang in all_langs)
    for lang in all_langs:
        cache[f"xquad.{lang}"] = xquad[lang]
    xq_paras = sample_by_paragraph(xquad["en"], cfg.n_qa_test, rng_for(cfg.seed, "xquad-test"))
    xq_ids = {r["id"] for r in xquad["en"] if r["paragraph_id"] in xq_paras}
    xq_path = data_dir / "xquad"
    for lang in all_langs:
        parts.eval.append(
            ("qa", "xquad", f"{lang}-{lang}", [r for r in xquad[lang] if r["id"] in xq_ids])
        )
    for lang in langs:
        for q, c in (("en", lang), (lang, "en")):
            recs = L.join_cross(
                xquad[q],
                xquad[c],
                q_path=xq_path / f"xquad.{q}.json",
                c_path=xq_path / f"xquad.{c}.json",
            )
            parts.eval.append(("qa", "xquad", f"{q}-{c}", [r for r in recs if r["id"] in xq_ids]))
    for lang in ["en", *[x for x in langs if x in L.MLQA_DEV_LANGS]]:
        recs = L.load_mlqa_dev(data_dir, lang)
        cache[f"mlqa.{lang}"] = recs
        used.add(f"mlqa/dev/dev-context-{lang}-question-{lang}.json")
        if lang == "en":
            continue  # English MLQA dev only feeds the overlap filter
        paras = sample_by_paragraph(recs, cfg.n_qa_test, rng_for(cfg.seed, "mlqa-test", lang))
        parts.eval.append(
            ("qa", "mlqa", f"{lang}-{lang}", [r for r in recs if r["paragraph_id"] in paras])
        )

    for lang in langs:
        recs = L.load_tatoeba(data_dir, lang)
        cache[f"tatoeba.{lang}"] = recs
        used.update(
            (
                f"tatoeba/tatoeba.{L.ISO3[lang]}-eng.eng",
                f"tatoeba/tatoeba.{L.ISO3[lang]}-eng.{L.ISO3[lang]}",
            )
        )
        parts.xsr[lang] = sample(recs, cfg.n_xsr, rng_for(cfg.seed, "xsr", lang))

    test_keys = L.collect_test_sentences(data_dir, all_langs, cache=cache)
    counts["test_sentences"] = len(test_keys)

    # ---- English training and dev -----------------------------------------------------------
    mnli_train = L.load_mnli(data_dir, "train")
    mnli_val = L.load_mnli(data_dir, "val")
    used.update(("mnli/mnli_train.tsv", "mnli/mnli_val.tsv"))
    parts.train["nli"] = sample(mnli_train, cfg.n_nli_train, rng_for(cfg.seed, "nli-train"))
    parts.dev["nli"] = sample(mnli_val, cfg.n_nli_dev, rng_for(cfg.seed, "nli-dev"))

    ner_train = L.load_wikiann(data_dir, "en", "train")
    used.update(("wikiann/train-en.tsv", "wikiann/dev-en.tsv"))
    parts.train["ner"] = sample(ner_train, cfg.n_ner_train, rng_for(cfg.seed, "ner-train"))
    parts.dev["ner"] = sample(
        L.load_wikiann(data_dir, "en", "dev"), cfg.n_ner_dev, rng_for(cfg.seed, "ner-dev")
    )

    qa_src, qa_stats = _qa_train_source(data_dir, xquad["en"])
    used.update(("squad/dev-v1.1.json.zip", "tydiqa/tydiqa.goldp.en.train.json"))
    dev_paras = (
        sample_by_paragraph(qa_src, cfg.n_qa_dev, rng_for(cfg.seed, "qa-dev"))
        if cfg.n_qa_dev
        else set()
    )
    parts.dev["qa"] = [r for r in qa_src if r["paragraph_id"] in dev_paras]
    qa_train = [r for r in qa_src if r["paragraph_id"] not in dev_paras]
    parts.train["qa"] = sample(qa_train, cfg.n_qa_train, rng_for(cfg.seed, "qa-train"))
    counts["qa_source"] = qa_stats
    if not parts.dev["qa"]:
        del parts.dev["qa"]

    # ---- parallel -----------------------------------------------------------------------------
    par_counts: dict[str, Any] = {}
    raw_text: dict[str, list[str]] = {lang: [] for lang in all_langs}
    for lang in langs:
        srcs = L.parallel_sources(lang, cfg.parallel_sources)
        recs = []
        by_source: dict[str, int] = {}
        for src in srcs:
            used.update(L.source_files(src))
            pairs = L.read_parallel_source(data_dir, src)
            by_source[src.name] = len(pairs)
            for line, en, xx in pairs:
                raw_text["en"].append(en)
                raw_text[lang].append(xx)
                recs.append(
                    {
                        "id": f"{src.name}-{lang}-{line}",
                        "src_lang": "en",
                        "tgt_lang": lang,
                        "src": L.tokenized(en, "en"),
                        "tgt": L.tokenized(xx, lang),
                        "source": src.name,
                    }
                )
        pool, heldout, c = split_parallel(recs, cfg, lang, test_keys, max_pool=cfg.max_parallel)
        c["by_source"] = by_source
        par_counts[lang] = c
        parts.parallel[lang] = pool
        parts.parallel_heldout[lang] = heldout
    counts["parallel"] = par_counts

    # ---- monolingual pretraining text ---------------------------------------------------------
    for lang in langs:
        for r in L.load_wikiann(data_dir, lang, "train"):
            raw_text[lang].append(" ".join(r["tokens"]))
        used.add(f"wikiann/train-{lang}.tsv")
    raw_text["en"].extend(" ".join(r["tokens"]) for r in ner_train)
    for r in mnli_train:
        raw_text["en"].extend((r["premise"], r["hypothesis"]))
    seen_ctx: set[str] = set()
    for r in qa_train:
        raw_text["en"].append(r["question"])
        if r["context"] not in seen_ctx:
            seen_ctx.add(r["context"])
            raw_text["en"].extend(L.split_sentences(r["context"]))
    mono_counts = {}
    for lang in all_langs:
        parts.mono[lang], mono_counts[lang] = mono_lines(
            raw_text[lang], test_keys=test_keys, n=cfg.n_mono, rng=rng_for(cfg.seed, "mono", lang)
        )
    counts["mono"] = mono_counts

    # ---- notes --------------------------------------------------------------------------------
    counts["train"] = {k: len(v) for k, v in parts.train.items()}
    counts["dev"] = {k: len(v) for k, v in parts.dev.items()}
    counts["eval"] = {f"{t}.{d}.{lg}": len(r) for t, d, lg, r in parts.eval}
    counts["xsr"] = {k: len(v) for k, v in parts.xsr.items()}
    licences = {}
    inputs = {rel: sha256_file(data_dir / rel) for rel in sorted(used)}
    manifest = data_dir / "MANIFEST.tsv"
    if manifest.is_file():
        from repro.data.manifest import read_manifest

        rows = {row.path: row for row in read_manifest(data_dir)}
        check_against_manifest(data_dir, inputs, rows)
        licences = {p: rows[p].licence for p in used if p in rows}
    parts.notes = {
        "profile": "mini",
        "config": json.loads(json.dumps(asdict(cfg))),
        "inputs": inputs,
        "licences": dict(sorted(licences.items())),
        "sources": {
            "train.nli": "mnli/mnli_train.tsv: 20k-row MultiNLI subset (pre-tokenised text)",
            "train.ner": "wikiann/train-en.tsv (Rahimi et al. 2019 splits, XTREME format)",
            "train.qa": "SQuAD v1.1 dev minus the XQuAD paragraphs + TyDiQA-GoldP en train "
            "(SQuAD train is not available)",
            "dev.nli": "mnli/mnli_val.tsv",
            "dev.ner": "wikiann/dev-en.tsv",
            "dev.qa": "held-out paragraphs of the QA training source",
            "eval.xnli": "XTREME XNLI test, labels joined by row from myXNLI",
            "eval.wikiann": "wikiann/test-*.tsv (labelled copy)",
            "eval.xquad": "XQuAD; cross-lingual pairs joined on question id",
            "eval.mlqa": "MLQA v1 dev, same-language (es, vi, hi)",
            "xsr": "LASER Tatoeba v1 test pairs",
            "parallel": "human-translated test sets under parallel/ (WMT, TICO-19, IWSLT'15, "
            "FLORES-200, NTREX-128, Tatoeba-Challenge); not WikiMatrix",
        },
        "counts": counts,
        "dropped_overlaps": {lang: par_counts[lang]["test_overlap"] for lang in langs},
    }
    bundle = write_bundle(parts, Path(out_dir))
    log.info("wrote mini bundle to %s", out_dir)
    return bundle
