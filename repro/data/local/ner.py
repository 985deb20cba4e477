"""WikiANN NER, from its CoNLL-style files."""

from __future__ import annotations

from pathlib import Path

from repro.data.manifest import check_listed_count
from repro.data.textio import (
    read_lines,
)
from repro.errors import DataError
from repro.records import (
    LANGUAGES,
    NER_TAGS,
    check_lang,
    validate_all,
)

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
