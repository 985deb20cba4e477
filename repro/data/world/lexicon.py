"""Per-language lexicons: generated lexemes in each script, name forms and cognates.

Target-language lexemes are random syllable strings in the language's script (Latin with
accents for es, Cyrillic for ru, Latin with Vietnamese diacritics for vi, Devanagari for hi),
unique across all languages and distinct from every English word, so the only surface tokens a
target language shares with English are the ones the knobs plant: digits, shared names and
(optionally) cognates.
"""

from __future__ import annotations

import random
import unicodedata
from dataclasses import dataclass, field

from repro.data.world.inventory import (
    CATEGORIES,
    NOUN_ADJ_PAIRS,
    PERSON_ADJ_PAIRS,
    TIME_ADVERBS,
    VERBS,
    english_words,
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

# ----------------------------------------------------------------------------- scripts

_ES_ONSETS = (
    "b",
    "c",
    "d",
    "f",
    "g",
    "j",
    "l",
    "m",
    "n",
    "p",
    "r",
    "s",
    "t",
    "v",
    "z",
    "ch",
    "ll",
    "ñ",
    "br",
    "tr",
    "pl",
    "gr",
)
_ES_VOWELS = "aeiou"
_ES_ACUTE = {"a": "á", "e": "é", "i": "í", "o": "ó", "u": "ú"}
_ES_FINALS = ("n", "r", "l", "s", "d", "t", "m", "c")

_RU_CONS = "бвгдзклмнпрстфхцчшжщ"
_RU_VOWELS = "аеиоуыэюя"
_RU_FINALS = "нрлскмтвд"

_VI_ONSETS = (
    "b",
    "c",
    "d",
    "đ",
    "g",
    "h",
    "k",
    "l",
    "m",
    "n",
    "ng",
    "nh",
    "p",
    "ph",
    "qu",
    "r",
    "s",
    "t",
    "th",
    "tr",
    "v",
    "x",
    "kh",
    "ch",
    "gi",
)
# (nucleus, index of the letter that carries the tone mark)
_VI_NUCLEI = (
    ("a", 0),
    ("ă", 0),
    ("â", 0),
    ("e", 0),
    ("ê", 0),
    ("i", 0),
    ("o", 0),
    ("ô", 0),
    ("ơ", 0),
    ("u", 0),
    ("ư", 0),
    ("y", 0),
    ("ươ", 1),
    ("iê", 1),
    ("uô", 1),
)
_VI_TONES = ("", "\u0300", "\u0301", "\u0309", "\u0303", "\u0323")
_VI_CODAS = ("", "", "", "c", "m", "n", "ng", "nh", "p", "t", "i", "u")

_HI_CONS = tuple(chr(c) for c in range(0x0915, 0x093A))  # क .. ह
_HI_MATRAS = (
    "",
    "",
    "\u093e",
    "\u093f",
    "\u0940",
    "\u0941",
    "\u0942",
    "\u0947",
    "\u0948",
    "\u094b",
    "\u094c",
)
_HI_VOWELS = ("\u0905", "\u0906", "\u0907", "\u0908", "\u0909", "\u090f", "\u0913")


def _es_syllable(rng: random.Random) -> str:
    return rng.choice(_ES_ONSETS) + rng.choice(_ES_VOWELS)


def _accent(rng: random.Random, word: str, p: float) -> str:
    if rng.random() >= p:
        return word
    idx = [i for i, ch in enumerate(word) if ch in _ES_ACUTE]
    if not idx:
        return word
    i = rng.choice(idx)
    return word[:i] + _ES_ACUTE[word[i]] + word[i + 1 :]


def _ru_syllable(rng: random.Random) -> str:
    return rng.choice(_RU_CONS) + rng.choice(_RU_VOWELS)


def _vi_syllable(rng: random.Random) -> str:
    nucleus, k = rng.choice(_VI_NUCLEI)
    tone = rng.choice(_VI_TONES)
    marked = nucleus[: k + 1] + tone + nucleus[k + 1 :]
    return unicodedata.normalize("NFC", rng.choice(_VI_ONSETS) + marked + rng.choice(_VI_CODAS))


def _hi_syllable(rng: random.Random) -> str:
    return rng.choice(_HI_CONS) + rng.choice(_HI_MATRAS)


def _stem(rng: random.Random, lang: str, n_syll: int) -> str:
    """A stem ending in a bare consonant, ready for suffixes (es, ru, hi)."""
    if lang == "es":
        body = "".join(_es_syllable(rng) for _ in range(n_syll))
        return _accent(rng, body, 0.3) + rng.choice(_ES_FINALS)
    if lang == "ru":
        return "".join(_ru_syllable(rng) for _ in range(n_syll)) + rng.choice(_RU_FINALS)
    if lang == "hi":
        return "".join(_hi_syllable(rng) for _ in range(n_syll)) + rng.choice(_HI_CONS)
    raise ValueError(lang)


def _word(rng: random.Random, lang: str, n_syll: int) -> str:
    """A free word (no suffix will be added)."""
    if lang == "es":
        body = "".join(_es_syllable(rng) for _ in range(n_syll))
        if rng.random() < 0.4:
            body += rng.choice(_ES_FINALS)
        return _accent(rng, body, 0.35)
    if lang == "ru":
        body = "".join(_ru_syllable(rng) for _ in range(n_syll))
        return body + (rng.choice(_RU_FINALS) if rng.random() < 0.4 else "")
    if lang == "vi":
        return "".join(_vi_syllable(rng) for _ in range(n_syll))
    if lang == "hi":
        body = "".join(_hi_syllable(rng) for _ in range(n_syll))
        return body + ("\u0902" if rng.random() < 0.2 else "")
    raise ValueError(lang)


# ----------------------------------------------------------------------------- transliteration

_LAT2CYR_DI = {"sh": "ш", "ch": "ч", "th": "т", "ph": "ф", "kh": "х", "zh": "ж", "ts": "ц"}
_LAT2CYR = dict(
    zip(
        "abcdefghijklmnopqrstuvwxyz",
        [
            "а",
            "б",
            "к",
            "д",
            "е",
            "ф",
            "г",
            "х",
            "и",
            "дж",
            "к",
            "л",
            "м",
            "н",
            "о",
            "п",
            "к",
            "р",
            "с",
            "т",
            "у",
            "в",
            "в",
            "кс",
            "й",
            "з",
        ],
        strict=True,
    )
)

_DEV_CONS = {
    "b": "ब",
    "c": "क",
    "d": "द",
    "f": "फ",
    "g": "ग",
    "h": "ह",
    "j": "ज",
    "k": "क",
    "l": "ल",
    "m": "म",
    "n": "न",
    "p": "प",
    "q": "क",
    "r": "र",
    "s": "स",
    "t": "त",
    "v": "व",
    "w": "व",
    "x": "क्स",
    "y": "य",
    "z": "ज़",
    "sh": "श",
    "ch": "च",
    "th": "थ",
    "ph": "फ",
    "kh": "ख",
}
_DEV_INDEP = {"a": "अ", "e": "ए", "i": "इ", "o": "ओ", "u": "उ"}
_DEV_MATRA = {"a": "\u093e", "e": "\u0947", "i": "\u093f", "o": "\u094b", "u": "\u0941"}
_VIRAMA = "\u094d"


def _latin_units(word: str) -> list[str]:
    units, i, w = [], 0, word.lower()
    while i < len(w):
        if w[i : i + 2] in ("sh", "ch", "th", "ph", "kh", "zh", "ts"):
            units.append(w[i : i + 2])
            i += 2
        else:
            units.append(w[i])
            i += 1
    return units


def to_cyrillic(word: str) -> str:
    out = "".join(_LAT2CYR_DI.get(u) or _LAT2CYR.get(u, u) for u in _latin_units(word))
    return out[:1].upper() + out[1:] if word[:1].isupper() else out


def to_devanagari(word: str) -> str:
    units = _latin_units(word)
    out: list[str] = []
    i = 0
    while i < len(units):
        u = units[i]
        if u in _DEV_INDEP:
            out.append(_DEV_INDEP[u])
            i += 1
            continue
        out.append(_DEV_CONS.get(u, _DEV_CONS.get(u[0], "")))
        nxt = units[i + 1] if i + 1 < len(units) else None
        if nxt in _DEV_MATRA:
            out.append(_DEV_MATRA[nxt])
            i += 2
            continue
        if nxt is not None:
            out.append(_VIRAMA)
        i += 1
    return "".join(out)


def _es_cognate_stem(lemma: str) -> str:
    stem = lemma.rstrip("aeiouy")
    return stem if len(stem) >= 2 else lemma + "r"


def _vi_cognate(lemma: str) -> str:
    for i, ch in enumerate(lemma):
        if ch in "aeiou":
            return unicodedata.normalize("NFC", lemma[: i + 1] + "\u0301" + lemma[i + 1 :])
    return lemma + "ơ"


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
            stem = _word(rng, "vi", n) if lang == "vi" else _stem(rng, lang, n)
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
        w = _word(rng, lang, rng.randint(*n_syll))
        if unique.ok(w):
            unique.take(w)
            return w


def _cognate(lang: str, lemma: str) -> str:
    if lang == "es":
        return _es_cognate_stem(lemma)
    if lang == "vi":
        return _vi_cognate(lemma)
    if lang == "ru":
        return to_cyrillic(lemma).rstrip("аеиоуй") or to_cyrillic(lemma)
    return to_devanagari(lemma.rstrip("aeiouy") or lemma)


def fresh_name(rng: random.Random, lang: str, n_words: int, unique: _Unique) -> tuple[str, ...]:
    """A new name in a Latin-script target language (es, vi): capitalised generated words."""
    while True:
        words = tuple(
            _word(rng, lang, rng.randint(1, 2) if lang == "vi" else rng.randint(2, 3)).capitalize()
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
