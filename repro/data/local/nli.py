"""XNLI (dev/test, with the myXNLI English-premise check) and MultiNLI, from their TSV files."""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass
from pathlib import Path

from repro.data.local.text import check_label, check_text, reject_duplicates, tsv_rows
from repro.data.manifest import check_listed_count
from repro.errors import DataError
from repro.records import (
    LANGUAGES,
    check_lang,
    validate_all,
)

log = logging.getLogger(__name__)

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
    rows = tsv_rows(path, len(MYXNLI_HEADER), header=MYXNLI_HEADER)
    labels = tuple(check_label(f[1], path, f"line {ln}") for ln, f in rows)
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
        rows = tsv_rows(path, 3)
        out = []
        for row, (ln, (p, h, lab)) in enumerate(rows):
            where = f"line {ln}"
            out.append(
                {
                    "id": f"xnli-dev-{row}",
                    "lang": lang,
                    "premise": check_text(p, path, where, "premise"),
                    "hypothesis": check_text(h, path, where, "hypothesis"),
                    "label": check_label(lab, path, where),
                }
            )
        check_listed_count(data_dir, path, len(out), "rows")
        reject_duplicates(rows, path, columns=2)
        return validate_all("nli", out, path)

    rows = tsv_rows(path, 2)
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
                "premise": check_text(p, path, where, "premise"),
                "hypothesis": check_text(h, path, where, "hypothesis"),
                "label": lab,
                "genre": genre,
            }
        )
    n_dup = len(out) - len({(r["premise"], r["hypothesis"]) for r in out})
    if n_dup:  # the source has them (en and hi: 1 each); rows stay, parallel by position
        log.info("%s: %d duplicate premise/hypothesis row(s) kept (as in XNLI)", path, n_dup)
    return validate_all("nli", out, path)


MNLI_FILES = {"train": "mnli_train.tsv", "val": "mnli_val.tsv"}


MNLI_HEADER = ("sentence1", "sentence2", "label", "genre")


def load_mnli(data_dir: Path, split: str) -> list[dict]:
    """English NLI training subset; ids ``mnli-{split}-{row}``. The text is pre-tokenised."""
    if split not in MNLI_FILES:
        raise DataError(None, None, f"unknown MNLI split {split!r}; expected {tuple(MNLI_FILES)}")
    path = Path(data_dir) / "mnli" / MNLI_FILES[split]
    out = []
    rows = tsv_rows(path, 4, header=MNLI_HEADER)
    for row, (ln, (p, h, lab, genre)) in enumerate(rows):
        where = f"line {ln}"
        out.append(
            {
                "id": f"mnli-{split}-{row}",
                "lang": "en",
                "premise": check_text(p, path, where, "premise"),
                "hypothesis": check_text(h, path, where, "hypothesis"),
                "label": check_label(lab, path, where),
                "genre": genre,
            }
        )
    check_listed_count(data_dir, path, len(out), "rows")
    reject_duplicates(rows, path, columns=4)
    return validate_all("nli", out, path)
