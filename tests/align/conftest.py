"""A deterministic toy bitext with known word alignments, built here so the aligner tests depend on
nothing but the standard library: dictionary translation of Zipf-distributed English words, some
words translated by two target words (one-to-two), local swaps of adjacent translated units, and
numbers that stay identical across languages."""

from __future__ import annotations

import itertools
import random

import pytest

_CONSONANTS = "bcdfghklmnprstvz"
_VOWELS = "aeiou"


def _word(rng: random.Random, syllables: int) -> str:
    return "".join(rng.choice(_CONSONANTS) + rng.choice(_VOWELS) for _ in range(syllables))


def make_toy_corpus(
    n_pairs: int = 1500,
    *,
    seed: int = 0,
    vocab_size: int = 300,
    split_rate: float = 0.1,
    swap_rate: float = 0.3,
    number_rate: float = 0.05,
    min_len: int = 4,
    max_len: int = 14,
    tgt_lang: str = "es",
) -> list[dict]:
    rng = random.Random(seed)
    en_words: list[str] = []
    seen: set[str] = set()
    while len(en_words) < vocab_size:
        w = _word(rng, rng.randint(1, 3))
        if w not in seen:
            seen.add(w)
            en_words.append(w)
    lexicon: dict[str, list[str]] = {}
    for w in en_words:
        parts = 2 if rng.random() < split_rate else 1
        trans = []
        for _ in range(parts):
            t = _word(rng, rng.randint(1, 3)).upper()  # upper case: never equal to English
            while t in seen:
                t = _word(rng, rng.randint(1, 3)).upper()
            seen.add(t)
            trans.append(t)
        lexicon[w] = trans
    cum_weights = list(itertools.accumulate(1.0 / (r + 1) for r in range(vocab_size)))
    records = []
    for k in range(n_pairs):
        n = rng.randint(min_len, max_len)
        src = []
        for _ in range(n):
            if rng.random() < number_rate:
                src.append(str(rng.randint(0, 99)))
            else:
                src.append(rng.choices(en_words, cum_weights=cum_weights)[0])
        units = [(i, lexicon.get(w, [w])) for i, w in enumerate(src)]
        pos = 0
        while pos + 1 < len(units):
            if rng.random() < swap_rate:
                units[pos], units[pos + 1] = units[pos + 1], units[pos]
                pos += 2
            else:
                pos += 1
        tgt, links = [], []
        for i, words in units:
            for t in words:
                links.append([i, len(tgt)])
                tgt.append(t)
        records.append(
            {
                "id": f"toy-{k}",
                "src_lang": "en",
                "tgt_lang": tgt_lang,
                "src": " ".join(src),
                "tgt": " ".join(tgt),
                "alignment": sorted(links),
            }
        )
    return records


@pytest.fixture(scope="session")
def make_toy():
    """The builder itself, for tests that need other sizes or seeds."""
    return make_toy_corpus


@pytest.fixture(scope="session")
def toy_corpus() -> list[dict]:
    """1,500 pairs of 4-14 English words; treat as read-only (session-scoped)."""
    return make_toy_corpus()
