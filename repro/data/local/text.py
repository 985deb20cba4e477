"""What every local reader shares: word tokenisation per script, sentence splitting, file-name
codes (ISO 639-3, FLORES-200), and the row checks of the table readers (labels, text, duplicates)."""

from __future__ import annotations

import functools
import logging
import re
import sys
import unicodedata
from pathlib import Path

from repro.data.textio import (
    read_lines,
)
from repro.errors import DataError
from repro.languages import ISO3 as ISO3_ALL
from repro.records import (
    LANGUAGES,
    NLI_LABELS,
    check_lang,
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


_SENT_SPLIT = re.compile(r"(?<=[.!?।])\s+")


def split_sentences(text: str) -> list[str]:
    """Rough sentence split of a paragraph (after . ! ? or danda followed by whitespace)."""
    return [s.strip() for s in _SENT_SPLIT.split(text) if s.strip()]


# --------------------------------------------------------------------------------------------
# TSV helpers
# --------------------------------------------------------------------------------------------


def tsv_rows(
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


def check_label(label: str, path: Path, where: str) -> str:
    if label not in NLI_LABELS:
        raise DataError(path, where, f"unknown NLI label {label!r}; expected one of {NLI_LABELS}")
    return label


def reject_duplicates(rows: list[tuple[int, list[str]]], path: Path, *, columns: int) -> None:
    """A row repeating an earlier one in its first ``columns`` fields is damage: XNLI dev has no
    repeated premise/hypothesis pair and MNLI no repeated row (its train file has one pair
    twice with different labels, which the source really has, so MNLI compares whole rows)."""
    first: dict[tuple[str, ...], int] = {}
    for ln, fields in rows:
        key = tuple(fields[:columns])
        if key in first:
            raise DataError(path, f"line {ln}", f"duplicate of line {first[key]}")
        first[key] = ln


def check_text(text: str, path: Path, where: str, what: str) -> str:
    if not text.strip():
        raise DataError(path, where, f"empty {what}")
    return text


# --------------------------------------------------------------------------------------------
# XNLI (XTREME TSV) + labels from myXNLI
# --------------------------------------------------------------------------------------------


# --------------------------------------------------------------------------------------------
# MNLI subset (TSV with header)
# --------------------------------------------------------------------------------------------


# --------------------------------------------------------------------------------------------
# WikiANN (XTREME PAN-X TSV)
# --------------------------------------------------------------------------------------------


# --------------------------------------------------------------------------------------------
# SQuAD-format JSON (SQuAD, XQuAD, MLQA, TyDiQA-GoldP)
# --------------------------------------------------------------------------------------------


# --------------------------------------------------------------------------------------------
# Tatoeba (XSR test)
# --------------------------------------------------------------------------------------------


# --------------------------------------------------------------------------------------------
# Parallel sets for the adjustment
# --------------------------------------------------------------------------------------------


# --------------------------------------------------------------------------------------------
# Test sentences (for overlap filtering)
# --------------------------------------------------------------------------------------------
