"""The target languages' scripts: syllable shapes per language (Latin with accents for es,
Cyrillic for ru, Latin with Vietnamese diacritics for vi, Devanagari for hi), random stems and
words built from them, and the transliteration of Latin names and cognates into Cyrillic and
Devanagari. Every draw comes from the caller's ``random.Random``, so lexicons stay seeded."""

from __future__ import annotations

import random
import unicodedata

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


def random_stem(rng: random.Random, lang: str, n_syll: int) -> str:
    """A stem ending in a bare consonant, ready for suffixes (es, ru, hi)."""
    if lang == "es":
        body = "".join(_es_syllable(rng) for _ in range(n_syll))
        return _accent(rng, body, 0.3) + rng.choice(_ES_FINALS)
    if lang == "ru":
        return "".join(_ru_syllable(rng) for _ in range(n_syll)) + rng.choice(_RU_FINALS)
    if lang == "hi":
        return "".join(_hi_syllable(rng) for _ in range(n_syll)) + rng.choice(_HI_CONS)
    raise ValueError(lang)


def random_word(rng: random.Random, lang: str, n_syll: int) -> str:
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


def es_cognate_stem(lemma: str) -> str:
    stem = lemma.rstrip("aeiouy")
    return stem if len(stem) >= 2 else lemma + "r"


def vi_cognate(lemma: str) -> str:
    for i, ch in enumerate(lemma):
        if ch in "aeiou":
            return unicodedata.normalize("NFC", lemma[: i + 1] + "\u0301" + lemma[i + 1 :])
    return lemma + "ơ"
