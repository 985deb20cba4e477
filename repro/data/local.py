"""Loaders for the real data files in their original formats (``REPRO_DATA_DIR``, the mini profile).

Each loader returns plain records of the shapes in :mod:`repro.records` and raises
:class:`repro.errors.DataError` naming the file and line/id on malformed input. Files are read
strictly: a UTF-8 BOM and CRLF line endings are accepted transparently; invalid UTF-8, empty files,
wrong column counts, unknown labels/tags, answer spans outside the context, duplicate ids and
mismatched or empty parallel lines are errors. Nothing is extracted to disk: the SQuAD zip and the
IWSLT ``.tgz`` archives are read in memory.

Layout of the data directory: see ``README.md`` and ``MANIFEST.tsv`` in it.
"""

from __future__ import annotations

import functools
import logging
import re
import sys
import tarfile
import unicodedata
import zipfile
import zlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from repro.data.manifest import check_listed_count
from repro.data.textio import (  # noqa: F401  (re-exported: callers read text through local)
    BOM,
    decode_text,
    parse_json,
    read_bytes,
    read_lines,
    read_text,
    split_lines,
)
from repro.errors import DataError
from repro.languages import ISO3 as ISO3_ALL
from repro.records import (
    LANGUAGES,
    NER_TAGS,
    NLI_LABELS,
    TARGET_LANGUAGES,
    check_lang,
    validate_all,
    validate_qa,
)

log = logging.getLogger(__name__)

#: ISO 639-1 -> ISO 639-3 codes used in file names (Tatoeba, WMT, NTREX): the catalogue's.
ISO3 = {x: ISO3_ALL[x] for x in LANGUAGES}
#: FLORES-200 file stems.
FLORES = {"en": "eng_Latn", "es": "spa_Latn", "ru": "rus_Cyrl", "vi": "vie_Latn", "hi": "hin_Deva"}


def _rel(path: Path, data_dir: Path) -> str:
    try:
        return Path(path).relative_to(data_dir).as_posix()
    except ValueError:
        return str(path)


# --------------------------------------------------------------------------------------------
# Word tokenisation (Moses-like, Unicode-aware)
# --------------------------------------------------------------------------------------------


@functools.cache
def _word_regex() -> re.Pattern[str]:
    """Words are runs of word characters *and combining marks* (Python's ``\\w`` alone splits
    Devanagari after every consonant because vowel signs and virama are category M)."""
    ranges: list[tuple[int, int]] = []
    cat = unicodedata.category
    start = prev = -2
    for cp in range(sys.maxunicode + 1):
        if cat(chr(cp))[0] == "M":
            if cp != prev + 1:
                if start >= 0:
                    ranges.append((start, prev))
                start = cp
            prev = cp
    if start >= 0:
        ranges.append((start, prev))
    marks = "".join(
        re.escape(chr(a)) if a == b else f"{re.escape(chr(a))}-{re.escape(chr(b))}"
        for a, b in ranges
    )
    w = rf"[\w{marks}\u200c\u200d]"
    word = rf"{w}+(?:[-'’]{w}+)*"
    number = r"\d+(?:[.,:]\d+)+"
    abbrev = r"(?:[^\W\d_]\.){2,}"  # U.S., e.g.
    return re.compile(rf"{number}|{abbrev}|{word}|\.{{2,}}|[^\w\s]", re.UNICODE)


def tokenize_words(text: str, lang: str) -> list[str]:
    """Split ``text`` into words, with punctuation split off as separate tokens (Moses-like).

    Kept together: numbers with inner separators (``3.5``, ``1,000``), dotted abbreviations
    (``U.S.``), words joined by inner hyphens/apostrophes (``well-known``, ``don't``), ellipses.
    Combining marks (Devanagari vowel signs, virama; decomposed Vietnamese diacritics) and
    ZWJ/ZWNJ stay attached to their word.
    ``lang`` is validated (any ISO 639-1 code: the hub path tokenises every configured
    language); the rules are currently the same for every language.
    """
    check_lang(lang)
    return _word_regex().findall(text)


def tokenized(text: str, lang: str) -> str:
    return " ".join(tokenize_words(text, lang))


# --------------------------------------------------------------------------------------------
# Overlap normalisation
# --------------------------------------------------------------------------------------------


def overlap_key(text: str) -> str:
    """Key for test-overlap checks: NFC, case-folded, all whitespace removed.

    Removing whitespace (not just collapsing it) makes a tokenised sentence and its raw form
    compare equal, since tokenisation only inserts spaces. The function is idempotent.
    """
    if not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    text = text.casefold()
    if not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    return "".join(text.split())


class OverlapKeys(frozenset):
    """A set of :func:`overlap_key` keys (marks a set as already normalised)."""

    __slots__ = ()


def overlap_keys(sentences: Iterable[str]) -> OverlapKeys:
    """Overlap keys of raw sentences (empty keys dropped)."""
    return OverlapKeys(k for k in map(overlap_key, sentences) if k)


def filter_overlap(
    parallel_records: Iterable[Mapping[str, Any]], test_sentences: Iterable[str]
) -> tuple[list[dict], int]:
    """Drop pairs whose English or foreign side occurs in any test set.

    ``test_sentences`` is raw text (normalised here) or an :class:`OverlapKeys` set. Returns the
    kept records (order preserved) and the number dropped.
    """
    keys = (
        test_sentences if isinstance(test_sentences, OverlapKeys) else overlap_keys(test_sentences)
    )
    kept: list[dict] = []
    dropped = 0
    for rec in parallel_records:
        if overlap_key(rec["src"]) in keys or overlap_key(rec["tgt"]) in keys:
            dropped += 1
        else:
            kept.append(dict(rec))
    return kept, dropped


_SENT_SPLIT = re.compile(r"(?<=[.!?।])\s+")


def split_sentences(text: str) -> list[str]:
    """Rough sentence split of a paragraph (after . ! ? or danda followed by whitespace)."""
    return [s.strip() for s in _SENT_SPLIT.split(text) if s.strip()]


# --------------------------------------------------------------------------------------------
# TSV helpers
# --------------------------------------------------------------------------------------------


def _tsv_rows(
    path: Path, n_cols: int, *, header: tuple[str, ...] | None = None
) -> list[tuple[int, list[str]]]:
    """Rows as (1-based line number, fields); checks the column count and the header."""
    lines = read_lines(path)
    start = 0
    if header is not None:
        got = tuple(lines[0].split("\t"))
        if got != header:
            raise DataError(path, "line 1", f"expected header {list(header)}, got {list(got)}")
        start = 1
    rows = []
    for i in range(start, len(lines)):
        fields = lines[i].split("\t")
        if len(fields) != n_cols:
            raise DataError(
                path, f"line {i + 1}", f"expected {n_cols} tab-separated columns, got {len(fields)}"
            )
        rows.append((i + 1, fields))
    if not rows:
        raise DataError(path, None, "empty file (no data rows)")
    return rows


def _check_label(label: str, path: Path, where: str) -> str:
    if label not in NLI_LABELS:
        raise DataError(path, where, f"unknown NLI label {label!r}; expected one of {NLI_LABELS}")
    return label


def _reject_duplicates(rows: list[tuple[int, list[str]]], path: Path, *, columns: int) -> None:
    """A row repeating an earlier one in its first ``columns`` fields is damage: XNLI dev has no
    repeated premise/hypothesis pair and MNLI no repeated row (its train file has one pair
    twice with different labels, which the source really has, so MNLI compares whole rows)."""
    first: dict[tuple[str, ...], int] = {}
    for ln, fields in rows:
        key = tuple(fields[:columns])
        if key in first:
            raise DataError(path, f"line {ln}", f"duplicate of line {first[key]}")
        first[key] = ln


def _check_text(text: str, path: Path, where: str, what: str) -> str:
    if not text.strip():
        raise DataError(path, where, f"empty {what}")
    return text


# --------------------------------------------------------------------------------------------
# XNLI (XTREME TSV) + labels from myXNLI
# --------------------------------------------------------------------------------------------

XNLI_SPLITS = ("dev", "test")
MYXNLI_HEADER = ("genre", "label", "sentence1_en", "sentence2_en", "sentence1_my", "sentence2_my")
#: Share of test rows whose English text must equal myXNLI's (README: 5,004 of 5,010 match
#: exactly; a few differ by a quote character or a stray byte).
XNLI_MIN_TEXT_AGREEMENT = 0.99


def premise_groups(premises: list[str]) -> list[int]:
    """Row index of the first row of each run of identical consecutive premises, per row."""
    out: list[int] = []
    start, prev = -1, None
    for i, p in enumerate(premises):
        if p != prev:
            start, prev = i, p
        out.append(start)
    return out


@dataclass(frozen=True)
class _MyXnli:
    labels: tuple[str, ...]
    premises: tuple[str, ...]
    hypotheses: tuple[str, ...]
    genres: tuple[str, ...]


@functools.lru_cache(maxsize=4)
def _read_myxnli(path_str: str, _stamp: tuple[int, int]) -> _MyXnli:
    path = Path(path_str)
    rows = _tsv_rows(path, len(MYXNLI_HEADER), header=MYXNLI_HEADER)
    labels = tuple(_check_label(f[1], path, f"line {ln}") for ln, f in rows)
    return _MyXnli(
        labels,
        tuple(f[2] for _, f in rows),
        tuple(f[3] for _, f in rows),
        tuple(f[0] for _, f in rows),
    )


def _myxnli(path: Path) -> _MyXnli:
    try:
        st = path.stat()
    except FileNotFoundError as exc:
        raise DataError(path, None, "file not found (XNLI test labels come from it)") from exc
    return _read_myxnli(str(path), (st.st_mtime_ns, st.st_size))


def load_xnli(data_dir: Path, lang: str, split: str) -> list[dict]:
    """XNLI dev/test for ``lang``; ids ``xnli-{split}-{row}`` (0-based) shared across languages.

    Test labels are joined by row from ``xnli/myxnli/my.genre.test.tsv``. The join is checked:
    same row count, the same premise-grouping pattern (each premise repeated in the same rows),
    and for English at least 99 % identical text.
    """
    data_dir = Path(data_dir)
    check_lang(lang, allowed=LANGUAGES)
    if split not in XNLI_SPLITS:
        raise DataError(None, None, f"unknown XNLI split {split!r}; expected one of {XNLI_SPLITS}")
    path = data_dir / "xnli" / f"{split}-{lang}.tsv"
    if split == "dev":
        rows = _tsv_rows(path, 3)
        out = []
        for row, (ln, (p, h, lab)) in enumerate(rows):
            where = f"line {ln}"
            out.append(
                {
                    "id": f"xnli-dev-{row}",
                    "lang": lang,
                    "premise": _check_text(p, path, where, "premise"),
                    "hypothesis": _check_text(h, path, where, "hypothesis"),
                    "label": _check_label(lab, path, where),
                }
            )
        check_listed_count(data_dir, path, len(out), "rows")
        _reject_duplicates(rows, path, columns=2)
        return validate_all("nli", out, path)

    rows = _tsv_rows(path, 2)
    check_listed_count(data_dir, path, len(rows), "rows")
    label_path = data_dir / "xnli" / "myxnli" / "my.genre.test.tsv"
    my = _myxnli(label_path)
    check_listed_count(data_dir, label_path, len(my.labels), "rows")
    if len(rows) != len(my.labels):
        raise DataError(
            path,
            None,
            f"{len(rows)} rows but the label file {label_path} has "
            f"{len(my.labels)}: cannot join labels by row",
        )
    groups = premise_groups([f[0] for _, f in rows])
    ref = premise_groups(list(my.premises))
    if groups != ref:
        bad = next(i for i, (a, b) in enumerate(zip(groups, ref, strict=True)) if a != b)
        raise DataError(
            path,
            f"line {rows[bad][0]}",
            f"premise grouping differs from {label_path} (row {bad}): the files are "
            "not in the same order, labels cannot be joined by row",
        )
    if lang == "en":
        same = sum(
            (f[0], f[1]) == (p, h)
            for (_, f), p, h in zip(rows, my.premises, my.hypotheses, strict=True)
        )
        if same < XNLI_MIN_TEXT_AGREEMENT * len(rows):
            raise DataError(
                path,
                None,
                f"only {same}/{len(rows)} rows have the same English "
                f"text as {label_path}: labels cannot be joined by row",
            )
    out = []
    for row, ((ln, (p, h)), lab, genre) in enumerate(zip(rows, my.labels, my.genres, strict=True)):
        where = f"line {ln}"
        out.append(
            {
                "id": f"xnli-test-{row}",
                "lang": lang,
                "premise": _check_text(p, path, where, "premise"),
                "hypothesis": _check_text(h, path, where, "hypothesis"),
                "label": lab,
                "genre": genre,
            }
        )
    n_dup = len(out) - len({(r["premise"], r["hypothesis"]) for r in out})
    if n_dup:  # the source has them (en and hi: 1 each); rows stay, parallel by position
        log.info("%s: %d duplicate premise/hypothesis row(s) kept (as in XNLI)", path, n_dup)
    return validate_all("nli", out, path)


# --------------------------------------------------------------------------------------------
# MNLI subset (TSV with header)
# --------------------------------------------------------------------------------------------

MNLI_FILES = {"train": "mnli_train.tsv", "val": "mnli_val.tsv"}
MNLI_HEADER = ("sentence1", "sentence2", "label", "genre")


def load_mnli(data_dir: Path, split: str) -> list[dict]:
    """English NLI training subset; ids ``mnli-{split}-{row}``. The text is pre-tokenised."""
    if split not in MNLI_FILES:
        raise DataError(None, None, f"unknown MNLI split {split!r}; expected {tuple(MNLI_FILES)}")
    path = Path(data_dir) / "mnli" / MNLI_FILES[split]
    out = []
    rows = _tsv_rows(path, 4, header=MNLI_HEADER)
    for row, (ln, (p, h, lab, genre)) in enumerate(rows):
        where = f"line {ln}"
        out.append(
            {
                "id": f"mnli-{split}-{row}",
                "lang": "en",
                "premise": _check_text(p, path, where, "premise"),
                "hypothesis": _check_text(h, path, where, "hypothesis"),
                "label": _check_label(lab, path, where),
                "genre": genre,
            }
        )
    check_listed_count(data_dir, path, len(out), "rows")
    _reject_duplicates(rows, path, columns=4)
    return validate_all("nli", out, path)


# --------------------------------------------------------------------------------------------
# WikiANN (XTREME PAN-X TSV)
# --------------------------------------------------------------------------------------------

WIKIANN_SPLITS = ("train", "dev", "test")


def parse_conll(lines: list[str], path: Path, *, lang: str, id_prefix: str) -> list[dict]:
    """``token\\tTAG`` lines, blank line between sentences -> NER records ``{id_prefix}{n}``."""
    out: list[dict] = []
    toks: list[str] = []
    tags: list[str] = []
    for i, line in enumerate(lines, 1):
        if not line.strip():
            if toks:
                out.append(
                    {"id": f"{id_prefix}{len(out)}", "lang": lang, "tokens": toks, "tags": tags}
                )
                toks, tags = [], []
            continue
        fields = line.split("\t")
        if len(fields) != 2:
            raise DataError(
                path, f"line {i}", f"expected 'token<TAB>tag' (2 columns), got {len(fields)}"
            )
        tok, tag = fields
        if not tok.strip():
            raise DataError(path, f"line {i}", "empty token")
        if tag not in NER_TAGS:
            raise DataError(path, f"line {i}", f"unknown NER tag {tag!r}; expected {NER_TAGS}")
        toks.append(tok)
        tags.append(tag)
    if toks:
        out.append({"id": f"{id_prefix}{len(out)}", "lang": lang, "tokens": toks, "tags": tags})
    if not out:
        raise DataError(path, None, "empty file (no sentences)")
    return out


def load_wikiann(data_dir: Path, lang: str, split: str) -> list[dict]:
    """WikiANN sentences; ids ``wikiann-{split}-{lang}-{n}`` (not parallel across languages)."""
    check_lang(lang, allowed=LANGUAGES)
    if split not in WIKIANN_SPLITS:
        raise DataError(None, None, f"unknown WikiANN split {split!r}; expected {WIKIANN_SPLITS}")
    path = Path(data_dir) / "wikiann" / f"{split}-{lang}.tsv"
    recs = parse_conll(read_lines(path), path, lang=lang, id_prefix=f"wikiann-{split}-{lang}-")
    # a lost blank line merges two sentences and parses cleanly: only the count shows it.
    # Repeated sentences are kept: WikiANN has many (e.g. redirect titles), as XTREME scores it.
    check_listed_count(data_dir, path, len(recs), "sentences")
    return validate_all("ner", recs, path)


# --------------------------------------------------------------------------------------------
# SQuAD-format JSON (SQuAD, XQuAD, MLQA, TyDiQA-GoldP)
# --------------------------------------------------------------------------------------------


def parse_squad(
    obj: Any,
    path: str | Path,
    *,
    q_lang: str,
    c_lang: str,
    dataset: str,
    require_answers: bool = True,
    id_format: str = "{qid}",
) -> list[dict]:
    """SQuAD v1.1 JSON -> QA records.

    ``paragraph_id`` is ``{dataset}-{article}-{paragraph}`` (positional, so it is shared by
    translations with the same structure, e.g. XQuAD). ``id_format`` may use ``{qid}``,
    ``{article}``, ``{paragraph}``. With ``require_answers`` (evaluation and training sets) every
    question needs a non-empty gold answer inside its context; a file whose gold answers are *all*
    empty (labels stripped, as in the TyDiQA dev copy) is reported as such. Without it, empty
    answers are dropped and the question kept (unlabelled text).
    """
    check_lang(q_lang, path=path, allowed=LANGUAGES)
    check_lang(c_lang, path=path, allowed=LANGUAGES)
    if not isinstance(obj, dict) or not isinstance(obj.get("data"), list):
        raise DataError(path, None, "not SQuAD format: expected an object with a 'data' list")
    out: list[dict] = []
    n_empty = 0
    for a, art in enumerate(obj["data"]):
        paras = art.get("paragraphs") if isinstance(art, dict) else None
        if not isinstance(paras, list):
            raise DataError(path, f"article {a}", "missing 'paragraphs' list")
        for p, para in enumerate(paras):
            where = f"article {a} paragraph {p}"
            if (
                not isinstance(para, dict)
                or not isinstance(para.get("context"), str)
                or not isinstance(para.get("qas"), list)
            ):
                raise DataError(path, where, "expected 'context' (string) and 'qas' (list)")
            ctx = para["context"]
            for qa in para["qas"]:
                if not isinstance(qa, dict) or not {"id", "question", "answers"} <= qa.keys():
                    raise DataError(path, where, "question without 'id', 'question', 'answers'")
                qid = str(qa["id"])
                rid = id_format.format(qid=qid, article=a, paragraph=p)
                answers = []
                raw_answers = qa["answers"] or []
                if not isinstance(raw_answers, list):
                    raise DataError(
                        path,
                        rid,
                        "'answers' must be a list of {text, answer_start}, "
                        f"got {type(raw_answers).__name__}",
                    )
                for ans in raw_answers:
                    text = ans.get("text") if isinstance(ans, dict) else None
                    start = ans.get("answer_start") if isinstance(ans, dict) else None
                    if (
                        not isinstance(text, str)
                        or not isinstance(start, int)
                        or isinstance(start, bool)
                    ):
                        raise DataError(path, rid, f"malformed answer {ans!r}")
                    if not text:
                        n_empty += 1
                        continue
                    if start < 0 or ctx[start : start + len(text)] != text:
                        raise DataError(
                            path,
                            rid,
                            f"answer {text!r} at offset {start} is not "
                            "inside the context (span outside context)",
                        )
                    answers.append({"text": text, "answer_start": start})
                out.append(
                    {
                        "id": rid,
                        "q_lang": q_lang,
                        "c_lang": c_lang,
                        "question": qa["question"],
                        "context": ctx,
                        "answers": answers,
                        "paragraph_id": f"{dataset}-{a}-{p}",
                    }
                )
    if not out:
        raise DataError(path, None, "no questions in file")
    if require_answers:
        if all(not r["answers"] for r in out):
            raise DataError(
                path,
                None,
                f"all {len(out)} gold answers are empty: the labels were "
                "stripped; this file cannot be used for training or evaluation",
            )
        for r in out:
            if not r["answers"]:
                raise DataError(path, r["id"], "no gold answer (empty answer text)")
    elif n_empty:
        log.info("%s: dropped %d empty gold answers (unlabelled use)", path, n_empty)
    return validate_all_qa(out, path, require_answers=require_answers)


def validate_all_qa(records: list[dict], path: str | Path, *, require_answers: bool) -> list[dict]:
    if require_answers:
        return validate_all("qa", records, path)
    seen: set[str] = set()
    for i, rec in enumerate(records):
        validate_qa(rec, path, i, require_answers=False)
        if rec["id"] in seen:
            raise DataError(path, rec["id"], "duplicate example id")
        seen.add(rec["id"])
    return records


def load_squad_file(
    path: Path,
    *,
    q_lang: str,
    c_lang: str | None = None,
    dataset: str,
    require_answers: bool = True,
    id_format: str = "{qid}",
    data_dir: Path | None = None,
) -> list[dict]:
    """Questions of one SQuAD-format file; with ``data_dir``, their count is checked against
    the data dir's manifest."""
    path = Path(path)
    obj = parse_json(read_text(path), path)
    recs = parse_squad(
        obj,
        path,
        q_lang=q_lang,
        c_lang=c_lang or q_lang,
        dataset=dataset,
        require_answers=require_answers,
        id_format=id_format,
    )
    if data_dir is not None:
        check_listed_count(data_dir, path, len(recs), "questions")
    return recs


def load_xquad(data_dir: Path, lang: str) -> list[dict]:
    """XQuAD for ``lang``; ids are SQuAD question ids, shared across languages."""
    check_lang(lang, allowed=LANGUAGES)
    return load_squad_file(
        Path(data_dir) / "xquad" / f"xquad.{lang}.json",
        q_lang=lang,
        dataset="xquad",
        data_dir=data_dir,
    )


MLQA_DEV_LANGS = ("en", "es", "vi", "hi")


def load_mlqa_dev(data_dir: Path, lang: str) -> list[dict]:
    """MLQA dev, same-language context and question (en, es, vi, hi; MLQA has no Russian)."""
    check_lang(lang, allowed=MLQA_DEV_LANGS)
    path = Path(data_dir) / "mlqa" / "dev" / f"dev-context-{lang}-question-{lang}.json"
    return load_squad_file(path, q_lang=lang, dataset=f"mlqa-{lang}", data_dir=data_dir)


def load_squad_dev(data_dir: Path) -> list[dict]:
    """SQuAD v1.1 dev read directly from ``squad/dev-v1.1.json.zip``."""
    zpath = Path(data_dir) / "squad" / "dev-v1.1.json.zip"
    member = "dev-v1.1.json"
    where = f"{zpath}::{member}"
    try:
        with zipfile.ZipFile(zpath) as zf:
            raw = zf.read(member)
    except FileNotFoundError as exc:
        raise DataError(zpath, None, "file not found") from exc
    except KeyError as exc:
        raise DataError(zpath, member, "member missing from zip archive") from exc
    except zipfile.BadZipFile as exc:
        raise DataError(zpath, None, f"not a valid zip archive: {exc}") from exc
    obj = parse_json(decode_text(raw, where), where)
    recs = parse_squad(obj, where, q_lang="en", c_lang="en", dataset="squad")
    check_listed_count(data_dir, zpath, len(recs), "questions")
    return recs


TYDIQA_SPLITS = ("train", "dev")


def load_tydiqa(data_dir: Path, split: str, *, require_answers: bool = True) -> list[dict]:
    """TyDiQA-GoldP English. Source ids repeat across articles (67 collisions in the train file),
    so ids are ``tydiqa-{split}-{article}-{qid}``. The dev copy has its answers stripped: it
    raises unless ``require_answers=False`` (then it is unlabelled text)."""
    if split not in TYDIQA_SPLITS:
        raise DataError(None, None, f"unknown TyDiQA split {split!r}; expected {TYDIQA_SPLITS}")
    path = Path(data_dir) / "tydiqa" / f"tydiqa.goldp.en.{split}.json"
    return load_squad_file(
        path,
        q_lang="en",
        dataset=f"tydiqa-{split}",
        require_answers=require_answers,
        id_format=f"tydiqa-{split}-{{article}}-{{qid}}",
        data_dir=data_dir,
    )


def build_xquad_cross(data_dir: Path, q_lang: str, c_lang: str) -> list[dict]:
    """Cross-lingual XQuAD: question from the ``q_lang`` file, context and answers from the
    ``c_lang`` file, joined on the (shared) question id; every id must be in both files."""
    qs = load_xquad(data_dir, q_lang)
    cs = load_xquad(data_dir, c_lang)
    return join_cross(
        qs,
        cs,
        q_path=Path(data_dir) / "xquad" / f"xquad.{q_lang}.json",
        c_path=Path(data_dir) / "xquad" / f"xquad.{c_lang}.json",
    )


def join_cross(
    questions: list[dict], contexts: list[dict], *, q_path: str | Path, c_path: str | Path
) -> list[dict]:
    by_id = {r["id"]: r for r in questions}
    c_ids = {r["id"] for r in contexts}
    missing_q = sorted(c_ids - by_id.keys())
    missing_c = sorted(by_id.keys() - c_ids)
    if missing_q:
        raise DataError(
            q_path,
            missing_q[0],
            f"{len(missing_q)} question id(s) of {c_path} are "
            "missing here; cross-lingual pairs need parallel files",
        )
    if missing_c:
        raise DataError(
            c_path,
            missing_c[0],
            f"{len(missing_c)} question id(s) of {q_path} are "
            "missing here; cross-lingual pairs need parallel files",
        )
    out = []
    for c in contexts:
        q = by_id[c["id"]]
        out.append({**c, "q_lang": q["q_lang"], "question": q["question"]})
    return validate_all("qa", out, c_path)


# --------------------------------------------------------------------------------------------
# Tatoeba (XSR test)
# --------------------------------------------------------------------------------------------


def read_parallel_lines(
    en_lines: list[str], xx_lines: list[str], en_path: str | Path, xx_path: str | Path
) -> list[tuple[int, str, str]]:
    """Pairs (1-based line, en, xx); mismatched counts or an empty line on either side raise."""
    if len(en_lines) != len(xx_lines):
        raise DataError(
            xx_path,
            None,
            f"{len(xx_lines)} lines but the parallel file {en_path} has {len(en_lines)}",
        )
    out = []
    for i, (e, x) in enumerate(zip(en_lines, xx_lines, strict=True), 1):
        for text, where in ((e, en_path), (x, xx_path)):
            if not text.strip():
                raise DataError(where, f"line {i}", "empty line in a parallel file")
            if "\t" in text:  # none of the sources has one: a TSV pasted in, or a merged line
                raise DataError(where, f"line {i}", "tab inside a one-sentence-per-line file")
        out.append((i, e.strip(), x.strip()))
    return out


def load_tatoeba(data_dir: Path, lang: str) -> list[dict]:
    """Tatoeba XSR pairs (src = English, tgt = ``lang``), raw text; ids ``tatoeba-{lang}-{i}``."""
    check_lang(lang, allowed=TARGET_LANGUAGES)
    base = Path(data_dir) / "tatoeba" / f"tatoeba.{ISO3[lang]}-eng"
    en_path, xx_path = Path(f"{base}.eng"), Path(f"{base}.{ISO3[lang]}")
    en_lines, xx_lines = read_lines(en_path), read_lines(xx_path)
    for path, lines in ((en_path, en_lines), (xx_path, xx_lines)):
        check_listed_count(data_dir, path, len(lines), "lines")
    pairs = read_parallel_lines(en_lines, xx_lines, en_path, xx_path)
    recs = [
        {"id": f"tatoeba-{lang}-{i - 1}", "src_lang": "en", "tgt_lang": lang, "src": e, "tgt": x}
        for i, e, x in pairs
    ]
    return validate_all("xsr", recs, xx_path)


# --------------------------------------------------------------------------------------------
# Parallel sets for the adjustment
# --------------------------------------------------------------------------------------------

PARALLEL_GROUPS = ("wmt", "tico19", "iwslt15", "flores200", "ntrex128", "tatoeba-challenge")

_WMT = {
    "es": (
        "news-test2008",
        "newssyscomb2009",
        "newstest2009",
        "newstest2010",
        "newstest2011",
        "newstest2012",
        "newstest2013",
    ),
    "ru": tuple(f"newstest{y}" for y in range(2012, 2021)),
    "hi": ("newstest2014",),
    "vi": (),
}
_TICO_XX = {"es": "es_LA", "ru": "ru", "hi": "hi"}
_IWSLT = (("dev-2012-en-vi.tgz", "tst2012"), ("test-2013-en-vi.tgz", "tst2013"))
_TATOEBA_CHALLENGE = {"vi": "eng-vie", "hi": "eng-hin"}


@dataclass(frozen=True)
class ParallelSource:
    """One line-aligned en-xx file pair (paths relative to the data dir).

    ``archive``: the pair are members of this tar.gz. ``labels``: per-line language labels of the
    foreign side (Tatoeba-Challenge); lines whose label is not ``label_ok`` are skipped.
    """

    name: str
    group: str
    lang: str
    en: str
    xx: str
    archive: str | None = None
    labels: str | None = None
    label_ok: str | None = None
    licence: str = ""


def parallel_sources(lang: str, groups: Iterable[str] | None = None) -> list[ParallelSource]:
    """The parallel file pairs available for ``lang`` (optionally restricted to ``groups``)."""
    check_lang(lang, allowed=TARGET_LANGUAGES)
    wanted = tuple(PARALLEL_GROUPS if groups is None else groups)
    for g in wanted:
        if g not in PARALLEL_GROUPS:
            raise DataError(
                None, None, f"unknown parallel source {g!r}; expected {PARALLEL_GROUPS}"
            )
    x3 = ISO3[lang]
    out: list[ParallelSource] = []
    for stem in _WMT[lang]:
        out.append(
            ParallelSource(
                stem,
                "wmt",
                lang,
                f"parallel/en-{lang}/{stem}.eng",
                f"parallel/en-{lang}/{stem}.{x3}",
                licence="WMT news test sets: research use",
            )
        )
    if lang in _TICO_XX:
        out.append(
            ParallelSource(
                "tico19",
                "tico19",
                lang,
                f"parallel/en-{lang}/tico19-test.en",
                f"parallel/en-{lang}/tico19-test.{_TICO_XX[lang]}",
                licence="CC0",
            )
        )
    if lang == "vi":
        for arc, stem in _IWSLT:
            out.append(
                ParallelSource(
                    f"iwslt15-{stem}",
                    "iwslt15",
                    lang,
                    f"{stem}.en",
                    f"{stem}.vi",
                    archive=f"parallel/en-vi/{arc}",
                    licence="CC BY-NC-ND 4.0 (TED)",
                )
            )
    out.append(
        ParallelSource(
            "flores200",
            "flores200",
            lang,
            "parallel/flores200-devtest/eng_Latn.devtest",
            f"parallel/flores200-devtest/{FLORES[lang]}.devtest",
            licence="CC-BY-SA 4.0",
        )
    )
    out.append(
        ParallelSource(
            "ntrex128",
            "ntrex128",
            lang,
            "parallel/ntrex128/newstest2019-src.eng.txt",
            f"parallel/ntrex128/newstest2019-ref.{x3}.txt",
            licence="CC-BY-SA 4.0",
        )
    )
    if lang in _TATOEBA_CHALLENGE:
        d = f"parallel/tatoeba-challenge/{_TATOEBA_CHALLENGE[lang]}/tatoeba-test-v2021-08-07"
        out.append(
            ParallelSource(
                "tatoeba-challenge",
                "tatoeba-challenge",
                lang,
                f"{d}.eng",
                f"{d}.{x3}",
                labels=f"{d}.{x3}.labels" if lang == "vi" else None,
                label_ok=x3 if lang == "vi" else None,
                licence="CC-BY 2.0 FR (Tatoeba)",
            )
        )
    return [s for s in out if s.group in wanted]


def source_files(src: ParallelSource) -> list[str]:
    """Data-dir-relative paths of the files a source reads (for checksums and MANIFEST checks)."""
    if src.archive:
        return [src.archive]
    return [p for p in (src.en, src.xx, src.labels) if p]


def read_parallel_source(data_dir: Path, src: ParallelSource) -> list[tuple[int, str, str]]:
    """Raw (line, en, xx) pairs of one source, stripped; labels filter applied."""
    data_dir = Path(data_dir)
    if src.archive:
        apath = data_dir / src.archive
        try:
            with tarfile.open(apath, "r:*") as tf:
                texts = {}
                for member in (src.en, src.xx):
                    where = f"{apath}::{member}"
                    try:
                        fh = tf.extractfile(member)
                    except KeyError as exc:
                        raise DataError(apath, member, "member missing from archive") from exc
                    if fh is None:
                        raise DataError(apath, member, "archive member is not a regular file")
                    texts[member] = (where, split_lines(decode_text(fh.read(), where)))
        except FileNotFoundError as exc:
            raise DataError(apath, None, "file not found") from exc
        except (tarfile.TarError, EOFError, OSError, zlib.error) as exc:
            # a cut .tgz ends in EOFError from gzip, a damaged one in zlib/OSError
            raise DataError(apath, None, f"not a readable tar archive: {exc}") from exc
        (en_where, en_lines), (xx_where, xx_lines) = texts[src.en], texts[src.xx]
        pairs = read_parallel_lines(en_lines, xx_lines, en_where, xx_where)
        check_listed_count(data_dir, apath, len(pairs), "sentence pairs")
    else:
        en_where, xx_where = data_dir / src.en, data_dir / src.xx
        en_lines, xx_lines = read_lines(en_where), read_lines(xx_where)
        for path, lines in ((en_where, en_lines), (xx_where, xx_lines)):
            check_listed_count(data_dir, path, len(lines), "lines")
        pairs = read_parallel_lines(en_lines, xx_lines, en_where, xx_where)
    if src.labels:
        lpath = data_dir / src.labels
        labels = read_lines(lpath)
        if len(labels) != len(xx_lines):
            raise DataError(lpath, None, f"{len(labels)} labels for {len(xx_lines)} lines")
        before = len(pairs)
        pairs = [p for p in pairs if labels[p[0] - 1].strip() == src.label_ok]
        if before != len(pairs):
            log.info(
                "%s: skipped %d lines not labelled %r", lpath, before - len(pairs), src.label_ok
            )
    return pairs


def load_parallel(
    data_dir: Path, lang: str, *, sources: Iterable[str] | None = None, tokenize: bool = True
) -> list[dict]:
    """Parallel records (src = English) from every available source for ``lang``.

    Ids are ``{source}-{lang}-{line}`` (1-based line). ``src``/``tgt`` are whitespace-tokenised
    with :func:`tokenize_words` (``tokenize=False`` keeps the raw text). An empty line in a source
    is an error, not skipped: none of the sources has one, so one means a damaged file.
    """
    out = []
    for src in parallel_sources(lang, sources):
        for line, en, xx in read_parallel_source(data_dir, src):
            out.append(
                {
                    "id": f"{src.name}-{lang}-{line}",
                    "src_lang": "en",
                    "tgt_lang": lang,
                    "src": tokenized(en, "en") if tokenize else en,
                    "tgt": tokenized(xx, lang) if tokenize else xx,
                    "source": src.name,
                }
            )
    return validate_all("parallel", out, Path(data_dir) / "parallel")


# --------------------------------------------------------------------------------------------
# Test sentences (for overlap filtering)
# --------------------------------------------------------------------------------------------


def collect_test_sentences(
    data_dir: Path,
    languages: Iterable[str] = LANGUAGES,
    *,
    cache: dict[str, list[dict]] | None = None,
) -> OverlapKeys:
    """Overlap keys of every test sentence: Tatoeba (both sides), XNLI test premises and
    hypotheses, XQuAD and MLQA-dev questions and context sentences, WikiANN test sentences."""
    data_dir = Path(data_dir)
    langs = tuple(languages)
    keys: set[str] = set()

    def get(name: str, fn, *args) -> list[dict]:
        if cache is None:
            return fn(data_dir, *args)
        if name not in cache:
            cache[name] = fn(data_dir, *args)
        return cache[name]

    all_langs = tuple(dict.fromkeys(("en", *langs)))
    for lang in all_langs:
        if lang != "en":
            for r in get(f"tatoeba.{lang}", load_tatoeba, lang):
                keys.update((overlap_key(r["src"]), overlap_key(r["tgt"])))
        for r in get(f"xnli.test.{lang}", load_xnli, lang, "test"):
            keys.update((overlap_key(r["premise"]), overlap_key(r["hypothesis"])))
        qa = list(get(f"xquad.{lang}", load_xquad, lang))
        if lang in MLQA_DEV_LANGS:
            qa += get(f"mlqa.{lang}", load_mlqa_dev, lang)
        seen_ctx: set[str] = set()
        for r in qa:
            keys.add(overlap_key(r["question"]))
            if r["context"] not in seen_ctx:
                seen_ctx.add(r["context"])
                keys.update(overlap_key(s) for s in split_sentences(r["context"]))
        for r in get(f"wikiann.test.{lang}", load_wikiann, lang, "test"):
            keys.add(overlap_key("".join(r["tokens"])))
    keys.discard("")
    return OverlapKeys(keys)
