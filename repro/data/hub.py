"""Hub loaders for the ``paper`` profile: real ``datasets.load_dataset`` calls plus pure converters.

Sources (repository, config, split):

* MNLI train ``nyu-mll/multi_nli`` (``train``, 392,702 pairs; label 0/1/2 = entailment/neutral/
  contradiction).
* XNLI ``facebook/xnli``, config = language code, ``test`` (5,010) and ``validation`` (2,490,
  the English dev set used for collapse detection).
* WikiANN ``unimelb-nlp/wikiann``, config = language, ``train``/``validation``/``test``; int
  ``ner_tags`` named O, B-PER, I-PER, B-ORG, I-ORG, B-LOC, I-LOC (names read from the features).
* SQuAD v1.1 ``rajpurkar/squad`` (``train`` 87,599; ``validation`` 10,570).
* XQuAD ``google/xquad``, config ``xquad.<lang>``, ``validation`` (1,190 per language).
* MLQA ``facebook/mlqa``, config ``mlqa.<context>.<question>``, ``test`` (es 5,253, vi 5,495,
  hi 4,918); cross-lingual pairs with English in both directions.
* TyDiQA-GoldP ``google-research-datasets/tydiqa``, config ``secondary_task``, ``validation``,
  filtered on the id prefix (``russian-``: 812 questions).
* Tatoeba ``google/xtreme``, config ``tatoeba.<iso3>``, ``validation`` (1,000 pairs; the source
  side is the foreign sentence, lines keep their trailing newline, which is stripped here).
* WikiMatrix: ``sentence-transformers/parallel-sentences-wikimatrix``, config ``en-<lang>``,
  ``train`` (columns ``english``, ``non_english``; a copy of WikiMatrix v1 as released by its
  authors). Alternatively ``wikimatrix_dir`` points at OPUS Moses files
  (``WikiMatrix.en-<lang>.en`` / ``.<lang>``, from OPUS ``WikiMatrix/v1/moses``) or at Efimov et
  al.'s ``wiki_matrix.moses.<lang>-en.*`` files (``<xx> ||| <en>`` per line).

Script-based repositories whose main branch has no data files are read from their
``refs/convert/parquet`` revision (:data:`PARQUET_FALLBACK`).

Converters (``*_records``) are pure: rows in (mappings as ``datasets`` yields them), records out;
they are tested on local parquet/JSON files in the hub schemas.
"""

from __future__ import annotations

import hashlib
import logging
import numbers
import random
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from repro.configtools import FrozenMap, to_dict
from repro.data import local as L
from repro.data.bundle import Bundle
from repro.data.local_bundle import (
    BundleParts,
    prepare_parallel,
    rng_for,
    sample,
    write_bundle,
)
from repro.errors import ConfigError, DataError
from repro.languages import HUB_LANGUAGES, ISO3, MLQA_LANGS, TYDIQA_NAMES, check_languages
from repro.records import (
    NER_TAGS,
    NLI_LABELS,
    TARGET_LANGUAGES,
    check_lang,
    validate_all,
)

log = logging.getLogger(__name__)

MNLI_REPO = "nyu-mll/multi_nli"
XNLI_REPO = "facebook/xnli"
WIKIANN_REPO = "unimelb-nlp/wikiann"
SQUAD_REPO = "rajpurkar/squad"
XQUAD_REPO = "google/xquad"
MLQA_REPO = "facebook/mlqa"
TYDIQA_REPO = "google-research-datasets/tydiqa"
XTREME_REPO = "google/xtreme"
WIKIMATRIX_REPO = "sentence-transformers/parallel-sentences-wikimatrix"
#: Repositories built by loading scripts: read their auto-converted parquet branch instead.
PARQUET_FALLBACK = "refs/convert/parquet"

#: WikiANN ClassLabel names (same order as the hub features and as NER_TAGS).
WIKIANN_TAG_NAMES: tuple[str, ...] = ("O", "B-PER", "I-PER", "B-ORG", "I-ORG", "B-LOC", "I-LOC")
#: Sizes stated in the paper / dataset cards (docs/paper.md §2), checked after loading.
PAPER_SIZES: dict[str, int] = {
    "train.nli": 392702,
    "train.qa": 87599,
    "train.ner": 20000,
    "eval.nli.xnli": 5010,
    "eval.qa.xquad": 1190,
    "eval.qa.mlqa.es": 5253,
    "eval.qa.mlqa.vi": 5495,
    "eval.qa.mlqa.hi": 4918,
    "eval.qa.tydiqa.ru": 812,
    "xsr": 1000,
    "eval.ner.wikiann.en": 10000,
    "eval.ner.wikiann.es": 10000,
    "eval.ner.wikiann.ru": 10000,
    "eval.ner.wikiann.vi": 10000,
    "eval.ner.wikiann.hi": 1000,
}


@dataclass(frozen=True)
class HubSpec:
    """One ``load_dataset`` call."""

    repo: str
    config: str | None
    split: str
    revision: str | None = None

    @property
    def name(self) -> str:
        return f"{self.repo}/{self.config or 'default'}[{self.split}]"


#: Given a spec, return the rows (a ``datasets.Dataset`` or any iterable of mappings).
RowsProvider = Callable[[HubSpec], Any]


def load_rows(
    spec: HubSpec, *, cache_dir: str | None = None, used: dict[str, str] | None = None
) -> Any:
    """``datasets.load_dataset`` for one spec; DataError with the spec when it cannot be loaded.

    ``used`` (repo -> revision) records the revision each repo was read at: the pinned one,
    ``main``, or the parquet branch a script-built repository falls back to.
    """
    import datasets

    if used is not None:
        used[spec.repo] = spec.revision or "main"

    try:
        return datasets.load_dataset(
            spec.repo,
            spec.config,
            split=spec.split,
            revision=spec.revision,
            cache_dir=cache_dir or None,
        )
    except Exception as exc:  # the hub raises many types; all mean "not available"
        if spec.revision is None and spec.repo in (MLQA_REPO, XTREME_REPO, TYDIQA_REPO):
            try:
                rows = datasets.load_dataset(
                    spec.repo,
                    spec.config,
                    split=spec.split,
                    revision=PARQUET_FALLBACK,
                    cache_dir=cache_dir or None,
                )
                if used is not None:
                    used[spec.repo] = PARQUET_FALLBACK
                return rows
            except Exception:  # noqa: BLE001 - report the first error, it is the informative one
                pass
        raise DataError(
            f"hub:{spec.repo}",
            f"{spec.config}[{spec.split}]",
            f"could not load ({type(exc).__name__}: {exc}). Offline runs need the "
            "data fetched first (`repro data fetch`, with network)",
        ) from exc


def load_local_rows(
    fmt: str,
    data_files: str | Sequence[str] | Mapping[str, Any],
    split: str = "train",
    *,
    cache_dir: str | None = None,
) -> Any:
    """Rows from local parquet/json files through ``datasets`` (hub-shaped test fixtures)."""
    import datasets

    return datasets.load_dataset(
        fmt, data_files=data_files, split=split, cache_dir=cache_dir or None
    )


def class_names(rows: Any, column: str) -> tuple[str, ...] | None:
    """ClassLabel names of ``column`` (also inside a Sequence) when ``rows`` carries features."""
    feats = getattr(rows, "features", None)
    if not feats or column not in feats:
        return None
    f = feats[column]
    f = getattr(f, "feature", f)
    names = getattr(f, "names", None)
    return tuple(names) if names else None


# --------------------------------------------------------------------------------------------
# Pure converters
# --------------------------------------------------------------------------------------------


def _label(
    value: Any, names: Sequence[str], where: str, idx: object, allowed: Sequence[str], what: str
) -> str:
    if isinstance(value, bool):
        raise DataError(where, idx, f"{what} must be an int or a name, got {value!r}")
    if isinstance(value, int):
        if not 0 <= value < len(names):
            raise DataError(
                where,
                idx,
                f"{what} {value} outside 0..{len(names) - 1} "
                "(unlabelled rows, e.g. -1, cannot be used)",
            )
        value = names[value]
    if value not in allowed:
        raise DataError(where, idx, f"unknown {what} {value!r}; expected {tuple(allowed)}")
    return value


def _check_target(lang: str, where: str) -> None:
    """A parallel or retrieval pair's non-English side: any ISO 639-1 code but English."""
    if lang == "en":
        raise DataError(where, None, "unknown language code 'en' for the non-English side")
    check_lang(lang, path=where)


class HubRow(Mapping):
    """One hub row whose missing column is a DataError naming the dataset and the row.

    A dataset whose schema changed upstream (a renamed or dropped column) would otherwise end
    in a bare ``KeyError`` deep inside a converter.
    """

    def __init__(self, data: Any, where: str, record: str) -> None:
        self._data, self._where, self._record = data, where, record

    def __getitem__(self, key: str) -> Any:
        try:
            return self._data[key]
        except (KeyError, TypeError, IndexError) as exc:
            cols = sorted(self._data) if isinstance(self._data, Mapping) else type(self._data)
            raise DataError(
                self._where,
                self._record,
                f"no column {key!r} (the row has {cols}): the dataset's schema is not the one "
                "this converter reads; pin the dataset's revision or update the converter",
            ) from exc

    def get(self, key: str, default: Any = None) -> Any:
        return self._data.get(key, default)

    def __contains__(self, key: object) -> bool:
        return key in self._data

    def __iter__(self):
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)


def _rows(rows: Iterable[Any], where: str) -> Iterable[tuple[int, HubRow]]:
    for i, row in enumerate(rows):
        yield i, HubRow(row, where, f"row {i}")


def nli_records(
    rows: Iterable[Mapping[str, Any]],
    *,
    lang: str,
    id_prefix: str,
    label_names: Sequence[str] = NLI_LABELS,
    id_field: str | None = None,
    where: str = "<hub>",
) -> list[dict]:
    """Hub NLI rows (premise, hypothesis, label int or name) -> NLI records.

    Ids are ``{id_prefix}{row}`` (or ``{id_prefix}{row[id_field]}``), so XNLI rows keep the ids the
    local loader gives them (``xnli-test-{row}``).
    """
    check_lang(lang, path=where)
    out = []
    for i, row in _rows(rows, where):
        rid = f"{id_prefix}{row[id_field] if id_field else i}"
        out.append(
            {
                "id": rid,
                "lang": lang,
                "premise": row["premise"],
                "hypothesis": row["hypothesis"],
                "label": _label(row["label"], label_names, where, rid, NLI_LABELS, "NLI label"),
            }
        )
    return validate_all("nli", out, where)


def ner_records(
    rows: Iterable[Mapping[str, Any]],
    *,
    lang: str,
    id_prefix: str,
    tag_names: Sequence[str] = WIKIANN_TAG_NAMES,
    where: str = "<hub>",
) -> list[dict]:
    """Hub WikiANN rows (tokens, int ner_tags) -> NER records ``{id_prefix}{row}``."""
    check_lang(lang, path=where)
    out = []
    for i, row in _rows(rows, where):
        rid = f"{id_prefix}{i}"
        tags = [_label(t, tag_names, where, rid, NER_TAGS, "NER tag") for t in row["ner_tags"]]
        out.append({"id": rid, "lang": lang, "tokens": list(row["tokens"]), "tags": tags})
    return validate_all("ner", out, where)


def _occurrences(ctx: str, text: str) -> list[int]:
    hits, i = [], ctx.find(text)
    while i != -1:
        hits.append(i)
        i = ctx.find(text, i + 1)
    return hits


def qa_records(
    rows: Iterable[Mapping[str, Any]],
    *,
    q_lang: str,
    c_lang: str,
    dataset: str,
    id_prefix: str = "",
    require_answers: bool = True,
    fix_offsets: bool = False,
    where: str = "<hub>",
    stats: dict[str, int] | None = None,
) -> list[dict]:
    """Hub SQuAD-schema rows (id, context, question, answers{text[], answer_start[]}) -> QA.

    ``paragraph_id`` is ``{dataset}-{sha1(context)[:12]}``: questions on one paragraph share it.
    With ``fix_offsets`` a span that does not match is moved to its text's occurrence in the
    context (hub builders strip contexts and answers, which shifts offsets) only when the text
    occurs exactly once; every move is logged with the question id and both offsets and listed
    in ``stats['moved']``. A text that occurs twice or more (which span was meant cannot be
    told) or not at all raises.
    """
    check_lang(q_lang, path=where)
    check_lang(c_lang, path=where)
    out = []
    n_fixed = 0
    for _, row in _rows(rows, where):
        rid = f"{id_prefix}{row['id']}"
        ctx = row["context"]
        ans = row["answers"]
        if isinstance(ans, Mapping):  # datasets' Sequence({...}): a dict of lists
            texts, starts = list(ans.get("text") or []), list(ans.get("answer_start") or [])
        elif isinstance(ans, list):  # SQuAD JSON style: a list of {text, answer_start}
            texts = [a.get("text") for a in ans]
            starts = [a.get("answer_start") for a in ans]
        else:
            raise DataError(where, rid, f"malformed answers {ans!r}")
        if len(texts) != len(starts):
            raise DataError(where, rid, f"{len(texts)} answer texts but {len(starts)} starts")
        answers = []
        for text, start in zip(texts, starts, strict=True):
            if not text:
                continue
            if (
                not isinstance(text, str)
                or isinstance(start, bool)
                or not isinstance(start, numbers.Integral)
            ):
                raise DataError(where, rid, f"malformed answer {text!r} at {start!r}")
            start = int(start)
            if ctx[start : start + len(text)] != text:
                hits = _occurrences(ctx, text) if fix_offsets else []
                if len(hits) > 1:
                    raise DataError(
                        where,
                        rid,
                        f"answer {text!r} at offset {start} does not match the context, and "
                        f"its text occurs {len(hits)} times (offsets {hits[:5]}): which span "
                        "was meant cannot be told, so it is not moved",
                    )
                if not hits:
                    raise DataError(
                        where,
                        rid,
                        f"answer {text!r} at offset {start} is not "
                        "inside the context (span outside context)",
                    )
                log.warning(
                    "%s: %s: answer %r moved from offset %d to %d", where, rid, text, start, hits[0]
                )
                if stats is not None:
                    stats.setdefault("moved", []).append(f"{rid}: {start} -> {hits[0]}")
                start, n_fixed = hits[0], n_fixed + 1
            answers.append({"text": text, "answer_start": start})
        out.append(
            {
                "id": rid,
                "q_lang": q_lang,
                "c_lang": c_lang,
                "question": row["question"],
                "context": ctx,
                "answers": answers,
                "paragraph_id": f"{dataset}-{hashlib.sha1(ctx.encode()).hexdigest()[:12]}",
            }
        )
    if not out:
        raise DataError(where, None, "no questions")
    if require_answers and all(not r["answers"] for r in out):
        raise DataError(where, None, f"all {len(out)} gold answers are empty (labels stripped?)")
    if n_fixed:
        log.warning("%s: moved %d answer offset(s) to their text's only occurrence", where, n_fixed)
    if stats is not None:
        stats["offsets_fixed"] = stats.get("offsets_fixed", 0) + n_fixed
    return L.validate_all_qa(out, where, require_answers=require_answers)


def xsr_records(
    rows: Iterable[Mapping[str, Any]], *, lang: str, where: str = "<hub>"
) -> list[dict]:
    """XTREME Tatoeba rows (source_sentence = foreign, target_sentence = English) -> XSR records
    with ids ``tatoeba-{lang}-{row}`` (as the local loader)."""
    _check_target(lang, where)
    out = []
    for i, row in _rows(rows, where):
        en, xx = row["target_sentence"].strip(), row["source_sentence"].strip()
        if not en or not xx:
            raise DataError(where, f"row {i}", "empty sentence in a parallel test pair")
        out.append(
            {"id": f"tatoeba-{lang}-{i}", "src_lang": "en", "tgt_lang": lang, "src": en, "tgt": xx}
        )
    return validate_all("xsr", out, where)


def parallel_records(
    rows: Iterable[Mapping[str, Any]],
    *,
    lang: str,
    id_prefix: str,
    en_field: str = "english",
    xx_field: str = "non_english",
    where: str = "<hub>",
    skip_empty: bool = True,
    stats: dict[str, int] | None = None,
) -> list[dict]:
    """Parallel rows -> tokenised parallel records ``{id_prefix}{row}``.

    Mined corpora (WikiMatrix) do contain empty sides; they are skipped and counted in
    ``stats['empty']`` (``skip_empty=False`` makes them errors instead).
    """
    _check_target(lang, where)
    out = []
    n_empty = 0
    for i, row in _rows(rows, where):
        en, xx = (row[en_field] or "").strip(), (row[xx_field] or "").strip()
        if not en or not xx:
            if not skip_empty:
                raise DataError(where, f"row {i}", "empty sentence in a parallel pair")
            n_empty += 1
            continue
        src, tgt = L.tokenized(en, "en"), L.tokenized(xx, lang)
        if not src or not tgt:
            n_empty += 1
            continue
        out.append(
            {
                "id": f"{id_prefix}{row.get('_row', i)}",
                "src_lang": "en",
                "tgt_lang": lang,
                "src": src,
                "tgt": tgt,
            }
        )
    if stats is not None:
        stats["empty"] = stats.get("empty", 0) + n_empty
    return validate_all("parallel", out, where)


# --------------------------------------------------------------------------------------------
# Local WikiMatrix files
# --------------------------------------------------------------------------------------------


def load_wikimatrix_dir(path: Path, lang: str) -> list[dict]:
    """WikiMatrix from a directory: OPUS Moses files or Efimov's ``<xx> ||| <en>`` file."""
    path = Path(path)
    check_lang(lang)
    en_p, xx_p = path / f"WikiMatrix.en-{lang}.en", path / f"WikiMatrix.en-{lang}.{lang}"
    if en_p.is_file() and xx_p.is_file():
        rows = (
            {"english": e, "non_english": x}
            for _, e, x in L.read_parallel_lines(L.read_lines(en_p), L.read_lines(xx_p), en_p, xx_p)
        )
        return parallel_records(rows, lang=lang, id_prefix=f"wikimatrix-{lang}-", where=str(xx_p))
    pipe = sorted(path.glob(f"wiki_matrix.moses.{lang}-en*.token"))
    if pipe:
        rows_l = []
        for i, line in enumerate(L.read_lines(pipe[0]), 1):
            xx, sep, en = line.partition(" ||| ")
            if not sep:
                raise DataError(pipe[0], f"line {i}", "expected '<xx> ||| <en>'")
            rows_l.append({"english": en, "non_english": xx})
        return parallel_records(
            rows_l, lang=lang, id_prefix=f"wikimatrix-{lang}-", where=str(pipe[0]), skip_empty=False
        )
    raise DataError(
        path,
        None,
        f"no WikiMatrix files for {lang} (expected {en_p.name} and "
        f"{xx_p.name}, or wiki_matrix.moses.{lang}-en.*.token)",
    )


# --------------------------------------------------------------------------------------------
# The paper bundle
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class HubDataConfig:
    """The ``data.*`` keys of the paper profile (0 = all available).

    languages: target languages (English always included).
    n_nli_train: MNLI training pairs (0 = all 392,702).
    n_parallel: WikiMatrix pool per language after filtering (the paper prepared 250k; the
        adjustment stage samples ``max_sent`` of them, 30k by default).
    n_heldout: parallel pairs per language kept for the distance analysis.
    max_words: pairs with more words on either side are dropped (64, as the authors' code).
    wikimatrix_repo: hub repository of WikiMatrix (configs ``en-<lang>``).
    wikimatrix_dir: local directory with WikiMatrix files; overrides ``wikimatrix_repo``.
    cache_dir: ``datasets`` cache directory ("" = the default).
    seed: sampling seed.
    revisions: hub repository -> commit id it is read at (``[hub.revisions]`` in TOML). A repo
        not listed reads whatever the hub serves today, so upstream data can change under an
        unchanged cache key: ``repro data fetch`` writes the commits it got to
        ``revisions.toml`` for pasting here, and the runs say which repos were unpinned.
    """

    languages: tuple[str, ...] = TARGET_LANGUAGES
    n_nli_train: int = 0
    n_parallel: int = 250_000
    n_heldout: int = 1000
    max_words: int = 64
    wikimatrix_repo: str = WIKIMATRIX_REPO
    wikimatrix_dir: str = ""
    cache_dir: str = ""
    seed: int = 0
    revisions: Mapping[str, str] = field(default_factory=FrozenMap)

    def __post_init__(self) -> None:
        object.__setattr__(self, "languages", tuple(self.languages))
        object.__setattr__(self, "revisions", FrozenMap(self.revisions))
        for repo, rev in self.revisions.items():
            if not isinstance(rev, str) or not rev.strip():
                raise ConfigError(f"hub.revisions.{repo}: expected a commit id, got {rev!r}")
        if not self.languages:
            raise ConfigError("data.languages: at least one target language is needed")
        check_languages("hub", self.languages, wikimatrix_dir=self.wikimatrix_dir)
        for name in ("n_nli_train", "n_parallel", "n_heldout", "max_words"):
            v = getattr(self, name)
            if not isinstance(v, int) or v < 0:
                raise ConfigError(f"data.{name}: expected a non-negative integer, got {v!r}")


def hub_specs(cfg: HubDataConfig) -> dict[str, HubSpec]:
    """Every hub call the paper bundle makes, keyed by a short name (``repro plan`` can list it)."""
    langs = list(cfg.languages)
    specs = {
        "mnli.train": HubSpec(MNLI_REPO, None, "train"),
        "xnli.validation.en": HubSpec(XNLI_REPO, "en", "validation"),
        "wikiann.train.en": HubSpec(WIKIANN_REPO, "en", "train"),
        "wikiann.validation.en": HubSpec(WIKIANN_REPO, "en", "validation"),
        "squad.train": HubSpec(SQUAD_REPO, "plain_text", "train"),
        "squad.validation": HubSpec(SQUAD_REPO, "plain_text", "validation"),
    }
    for lang in ["en", *langs]:
        specs[f"xnli.test.{lang}"] = HubSpec(XNLI_REPO, lang, "test")
        specs[f"wikiann.test.{lang}"] = HubSpec(WIKIANN_REPO, lang, "test")
        if lang == "en" or lang in HUB_LANGUAGES["xquad"]:
            specs[f"xquad.{lang}"] = HubSpec(XQUAD_REPO, f"xquad.{lang}", "validation")
    for lang in langs:
        specs[f"tatoeba.{lang}"] = HubSpec(XTREME_REPO, f"tatoeba.{ISO3[lang]}", "validation")
        if not cfg.wikimatrix_dir:
            specs[f"wikimatrix.{lang}"] = HubSpec(cfg.wikimatrix_repo, f"en-{lang}", "train")
        if lang in MLQA_LANGS:
            for c, q in ((lang, lang), (lang, "en"), ("en", lang)):
                specs[f"mlqa.{q}-{c}"] = HubSpec(MLQA_REPO, f"mlqa.{c}.{q}", "test")
        if lang in TYDIQA_NAMES:
            specs[f"tydiqa.{lang}"] = HubSpec(TYDIQA_REPO, "secondary_task", "validation")
    return {k: replace(v, revision=cfg.revisions.get(v.repo)) for k, v in specs.items()}


def hub_repos(cfg: HubDataConfig) -> list[str]:
    """The hub repositories the paper bundle reads, sorted."""
    return sorted({s.repo for s in hub_specs(cfg).values()})


def revision_report(cfg: HubDataConfig) -> dict[str, Any]:
    """What run.json and the bundle record: each repo's pinned revision, and the unpinned."""
    repos = hub_repos(cfg)
    pinned = {r: cfg.revisions[r] for r in repos if r in cfg.revisions}
    unknown = sorted(set(cfg.revisions) - set(repos))
    if unknown:
        raise ConfigError(
            f"hub.revisions names repositories the paper bundle does not read: {unknown}; "
            f"it reads {repos}"
        )
    return {"pinned": pinned, "unpinned": [r for r in repos if r not in pinned]}


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

    def nli(key: str, lang: str, prefix: str) -> list[dict]:
        r = rows(key)
        return nli_records(
            r,
            lang=lang,
            id_prefix=prefix,
            where=specs[key].name,
            label_names=class_names(r, "label") or NLI_LABELS,
        )

    def ner(key: str, lang: str, prefix: str) -> list[dict]:
        r = rows(key)
        return ner_records(
            r,
            lang=lang,
            id_prefix=prefix,
            where=specs[key].name,
            tag_names=class_names(r, "ner_tags") or WIKIANN_TAG_NAMES,
        )

    def qa(key: str, q: str, c: str, dataset: str, **kw: Any) -> list[dict]:
        return qa_records(
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
                for _, row in _rows(rows(f"tydiqa.{lang}"), f"tydiqa.{lang}")
                if str(row["id"]).startswith(prefix)
            ]
            parts.eval.append(
                (
                    "qa",
                    "tydiqa",
                    f"{lang}-{lang}",
                    qa_records(
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
        parts.xsr[lang] = xsr_records(
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
            recs = load_wikimatrix_dir(Path(cfg.wikimatrix_dir), lang)
        else:
            key = f"wikimatrix.{lang}"
            cand = candidate_rows(
                rows(key),
                2 * (cfg.n_parallel + cfg.n_heldout) if cfg.n_parallel else 0,
                rng_for(cfg.seed, "wikimatrix", lang),
            )
            stats["candidates"] = len(cand)
            recs = parallel_records(
                cand, lang=lang, id_prefix=f"wikimatrix-{lang}-", where=specs[key].name, stats=stats
            )
        pool, held, c = prepare_parallel(
            recs,
            max_words=cfg.max_words,
            test_keys=test_keys,
            n_heldout=cfg.n_heldout,
            max_pool=cfg.n_parallel,
            rng=rng_for(cfg.seed, "parallel", lang),
        )
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
