"""Overlap filtering: normalised keys of every test sentence, and removing training or parallel
sentences that occur in a test set."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from repro.data.local.ner import load_wikiann
from repro.data.local.nli import load_xnli
from repro.data.local.parallel import load_tatoeba
from repro.data.local.qa import MLQA_DEV_LANGS, load_mlqa_dev, load_xquad
from repro.data.local.text import split_sentences
from repro.records import (
    LANGUAGES,
)


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
