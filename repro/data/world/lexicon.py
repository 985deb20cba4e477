"""Per-language lexicons: generated lexemes in each script, name forms and cognates.

Target-language lexemes are random syllable strings in the language's script (Latin with
accents for es, Cyrillic for ru, Latin with Vietnamese diacritics for vi, Devanagari for hi),
unique across all languages and distinct from every English word, so the only surface tokens a
target language shares with English are the ones the knobs plant: digits, shared names and
(optionally) cognates.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from repro.data.world.inventory import (
    CATEGORIES,
    NOUN_ADJ_PAIRS,
    PERSON_ADJ_PAIRS,
    TIME_ADVERBS,
    VERBS,
    english_words,
)
from repro.data.world.scripts import (
    es_cognate_stem,
    random_stem,
    random_word,
    to_cyrillic,
    to_devanagari,
    vi_cognate,
)

TARGETS: tuple[str, ...] = ("es", "ru", "vi", "hi")

# Function lexemes each target language needs (some languages leave some unused).
FUNCTION_KEYS: tuple[str, ...] = (
    "NEG",
    "LOCP",
    "ART_M",
    "ART_F",
    "ONE",
    "PAST",
    "PRES",
    "AUX",
    "ACC",
    "WHO",
    "WHAT",
    "WHERE",
    "WHICH",
    "HOWMANY",
    "COMPANY",
)

# ----------------------------------------------------------------------------- lexicon


@dataclass
class Lexicon:
    """One target language's lexemes; ``stems`` take suffixes, ``words`` are used as-is."""

    lang: str
    noun_stems: list[str] = field(default_factory=list)  # object nouns then hypernyms
    noun_class: list[int] = field(default_factory=list)  # es gender 0=m, 1=f
    verb_stems: list[str] = field(default_factory=list)
    verb_class: list[int] = field(default_factory=list)  # es conjugation class
    nadj_stems: list[str] = field(default_factory=list)
    padj_stems: list[str] = field(default_factory=list)
    time_words: list[str] = field(default_factory=list)
    func: dict[str, str] = field(default_factory=dict)
    classifiers: list[str] = field(default_factory=list)  # vi, one per category
    cognates: int = 0  # how many content lemmas are cognates of English


class _Unique:
    """Hands out lexemes that collide with nothing already used (any language, or English)."""

    def __init__(self, taken: set[str]) -> None:
        self.taken = taken

    def ok(self, *forms: str) -> bool:
        return all(f not in self.taken for f in forms) and len(set(forms)) == len(forms)

    def take(self, *forms: str) -> None:
        self.taken.update(forms)


def _forms(lang: str, kind: str, stem: str, cls: int) -> tuple[str, ...]:
    """Every surface form a stem yields, so uniqueness is checked on what the text contains."""
    if lang == "es":
        if kind == "noun":
            g = "oa"[cls]
            return (stem + g, stem + g + "s")
        if kind == "nadj":
            return (stem + "o", stem + "a", stem + "os", stem + "as")
        if kind == "padj":
            return (stem + "e",)
        if kind == "verb":
            return (stem + ("ó", "ió")[cls], stem + ("a", "e")[cls])
    if lang == "ru":
        if kind == "noun":
            return (stem, stem + "у", stem + "а", stem + "ов")
        if kind == "nadj":
            return (stem + "ую", stem + "ых")
        if kind == "padj":
            return (stem + "ый",)
        if kind == "verb":
            return (stem + "ал", stem + "ает")
    if lang == "hi":
        if kind == "noun":
            return (stem, stem + "\u0947\u0902")
        if kind in ("nadj", "padj"):
            return (stem + "\u093e", stem + "\u0947")
        if kind == "verb":
            return (stem + "\u093e", stem + "\u0924\u093e")
    return (stem,)  # vi: isolating, the stem is the word


def build_lexicon(
    lang: str, seed: int, n_nouns: int, cognate_rate: float, unique: _Unique, en_nouns: list[str]
) -> Lexicon:
    """Generate one target lexicon. Random draws do not depend on ``cognate_rate`` (a separate
    stream decides cognates), so raising the rate only swaps lexemes for cognates."""
    rng = random.Random(f"{seed}/lexicon/{lang}")
    crng = random.Random(f"{seed}/cognates/{lang}")
    lex = Lexicon(lang)

    def content(kind: str, lemma: str, n_syll: tuple[int, int], n_cls: int) -> tuple[str, int]:
        cls = rng.randrange(n_cls)
        u = crng.random()
        while True:
            n = rng.randint(*n_syll)
            stem = random_word(rng, "vi", n) if lang == "vi" else random_stem(rng, lang, n)
            if unique.ok(*_forms(lang, kind, stem, cls)):
                break
        if u < cognate_rate:
            cog = _cognate(lang, lemma)
            if unique.ok(*_forms(lang, kind, cog, cls)):
                stem = cog
                lex.cognates += 1
        unique.take(*_forms(lang, kind, stem, cls))
        return stem, cls

    syl = (1, 2)  # syllables per content stem (suffixes come on top)
    for lemma in en_nouns[:n_nouns]:
        s, c = content("noun", lemma, syl, 2)
        lex.noun_stems.append(s)
        lex.noun_class.append(c)
    for sg, _ in CATEGORIES:
        s, c = content("noun", sg, syl, 2)
        lex.noun_stems.append(s)
        lex.noun_class.append(c)
    for v in VERBS:
        s, c = content("verb", v.base, syl, 2)
        lex.verb_stems.append(s)
        lex.verb_class.append(c)
    for a, b in NOUN_ADJ_PAIRS:
        for lemma in (a, b):
            lex.nadj_stems.append(content("nadj", lemma, syl, 1)[0])
    for a, b in PERSON_ADJ_PAIRS:
        for lemma in (a, b):
            lex.padj_stems.append(content("padj", lemma, syl, 1)[0])
    for adverbs in TIME_ADVERBS:
        for _ in adverbs:
            lex.time_words.append(_fresh(rng, lang, (2, 3) if lang != "vi" else (1, 2), unique))
    for key in FUNCTION_KEYS:
        n = (2, 3) if key in ("COMPANY", "HOWMANY") else (1, 1)
        lex.func[key] = _fresh(rng, lang, n, unique)
    if lang == "vi":
        lex.classifiers = [_fresh(rng, lang, (1, 1), unique) for _ in CATEGORIES]
    return lex


def _fresh(rng: random.Random, lang: str, n_syll: tuple[int, int], unique: _Unique) -> str:
    while True:
        w = random_word(rng, lang, rng.randint(*n_syll))
        if unique.ok(w):
            unique.take(w)
            return w


def _cognate(lang: str, lemma: str) -> str:
    if lang == "es":
        return es_cognate_stem(lemma)
    if lang == "vi":
        return vi_cognate(lemma)
    if lang == "ru":
        return to_cyrillic(lemma).rstrip("аеиоуй") or to_cyrillic(lemma)
    return to_devanagari(lemma.rstrip("aeiouy") or lemma)


def fresh_name(rng: random.Random, lang: str, n_words: int, unique: _Unique) -> tuple[str, ...]:
    """A new name in a Latin-script target language (es, vi): capitalised generated words."""
    while True:
        words = tuple(
            random_word(
                rng, lang, rng.randint(1, 2) if lang == "vi" else rng.randint(2, 3)
            ).capitalize()
            for _ in range(n_words)
        )
        if unique.ok(*words):
            unique.take(*words)
            return words


def transliterate_name(lang: str, words: tuple[str, ...]) -> tuple[str, ...]:
    conv = to_cyrillic if lang == "ru" else to_devanagari
    return tuple(conv(w) for w in words)


def build_names(
    seed: int, lang: str, en_names: list[tuple[str, ...]], shared_rate: float, unique: _Unique
) -> tuple[list[tuple[str, ...]], list[bool]]:
    """Name forms of every entity in ``lang``: the English name with probability ``shared_rate``
    (per entity; a higher rate shares a superset), else a transliteration (ru, hi) or a fresh
    name (es, vi)."""
    rng = random.Random(f"{seed}/names/{lang}")
    draws = [rng.random() for _ in en_names]
    fresh = (
        [fresh_name(rng, lang, len(n), unique) for n in en_names] if lang in ("es", "vi") else None
    )
    out: list[tuple[str, ...]] = []
    shared: list[bool] = []
    seen: set[tuple[str, ...]] = set()
    for i, name in enumerate(en_names):
        keep = draws[i] < shared_rate
        if keep:
            form = name
        elif fresh is not None:
            form = fresh[i]
        else:
            form = transliterate_name(lang, name)
            if form in seen:  # two English names transliterate alike: keep the English one
                form, keep = name, True
        seen.add(form)
        out.append(form)
        shared.append(keep)
    return out, shared


def new_unique_registry() -> _Unique:
    return _Unique(set(english_words()) | {str(d) for d in range(10)})
