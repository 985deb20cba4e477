"""Parallel text: one-sentence-per-line pairs, Tatoeba, and the registry of parallel sources per
language (WMT, TICO-19, IWSLT'15, FLORES-200, NTREX-128, Tatoeba Challenge)."""

from __future__ import annotations

import logging
import tarfile
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from repro.data.local.text import FLORES, ISO3, tokenized
from repro.data.manifest import check_listed_count
from repro.data.textio import (
    decode_text,
    read_lines,
    split_lines,
)
from repro.errors import DataError
from repro.records import (
    TARGET_LANGUAGES,
    check_lang,
    validate_all,
)

log = logging.getLogger(__name__)


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
