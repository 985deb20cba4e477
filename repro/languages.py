"""Which languages each data source has: the hub datasets' languages, their codes, and the
check of a configured language list against them.

A leaf module (no imports from the package but its errors), so the config, the loaders and
the evaluation-set catalogue (:mod:`repro.data.catalog`) can all read it.
"""

from __future__ import annotations

from repro.errors import ConfigError


def _codes(text: str) -> tuple[str, ...]:
    return tuple(text.split())


#: Languages (besides English) each hub dataset of the paper profile has, from the dataset
#: cards. A hub config's ``languages`` may be any language XNLI, WikiANN, Tatoeba and
#: WikiMatrix all have (:func:`check_languages`); each QA set is used where it has the
#: language (German: XQuAD and MLQA; French: neither).
HUB_LANGUAGES: dict[str, tuple[str, ...]] = {
    "xnli": _codes("ar bg de el es fr hi ru sw th tr ur vi zh"),
    "wikiann": _codes(
        "af ar bg bn de el es et eu fa fi fr he hi hu id it ja jv ka kk ko ml mr ms my nl pt ru sw ta te th tl tr ur vi yo zh"
    ),
    "xquad": _codes("ar de el es hi ro ru th tr vi zh"),
    "mlqa": _codes("ar de es hi vi zh"),
    "tydiqa": _codes("ar bn fi id ko ru sw te"),
    "tatoeba": _codes(
        "af ar bg bn de el es et eu fa fi fr he hi hu id it ja jv ka kk ko ml mr nl pt ru sw ta te th tl tr ur vi zh"
    ),
    "wikimatrix": _codes(
        "ar bg bn de el es et eu fa fi fr he hi hu id it ja ka kk ko ml mr nl pt ru sw ta te th tl tr ur vi zh"
    ),
}
#: ISO 639-3 (Tatoeba config suffix) of the ISO 639-1 codes above.
ISO3 = {
    "af": "afr", "ar": "ara", "bg": "bul", "bn": "ben", "de": "deu", "el": "ell", "en": "eng",
    "es": "spa", "et": "est", "eu": "eus", "fa": "pes", "fi": "fin", "fr": "fra", "he": "heb",
    "hi": "hin", "hu": "hun", "id": "ind", "it": "ita", "ja": "jpn", "jv": "jav", "ka": "kat",
    "kk": "kaz", "ko": "kor", "ml": "mal", "mr": "mar", "nl": "nld", "pt": "por", "ru": "rus",
    "sw": "swh", "ta": "tam", "te": "tel", "th": "tha", "tl": "tgl", "tr": "tur", "ur": "urd",
    "vi": "vie", "zh": "cmn",
}  # fmt: skip
#: TyDiQA-GoldP ids start with the language's English name.
TYDIQA_NAMES = {
    "en": "english", "ar": "arabic", "bn": "bengali", "fi": "finnish", "id": "indonesian",
    "ko": "korean", "ru": "russian", "sw": "swahili", "te": "telugu",
}  # fmt: skip
MLQA_LANGS = HUB_LANGUAGES["mlqa"]
#: What the staged files (REPRO_DATA_DIR) and the synthetic world have.
LOCAL_LANGUAGES = ("es", "ru", "vi", "hi")
LOCAL_MLQA_LANGS = ("es", "vi", "hi")  # the staged MLQA dev files (MLQA has no Russian)


def check_languages(
    source: str, languages: tuple[str, ...], world_targets=(), *, wikimatrix_dir: str = ""
) -> None:
    """ConfigError unless every configured language is one the data source has.

    hub: XNLI, WikiANN and Tatoeba have it and WikiMatrix (or ``hub.wikimatrix_dir``) gives
    its parallel data; the QA sets that lack it are skipped (:func:`eval_sets_for`).
    local: the staged files; synthetic: the world's target languages.
    """
    if source == "hub":
        need = ["xnli", "wikiann", "tatoeba", *([] if wikimatrix_dir else ["wikimatrix"])]
        have = set.intersection(*(set(HUB_LANGUAGES[d]) for d in need))
        where = f"the hub datasets ({', '.join(need)})"
    elif source == "local":
        have, where = set(LOCAL_LANGUAGES), "the staged files of REPRO_DATA_DIR"
    else:
        have, where = set(world_targets), "the synthetic world (world.languages)"
    bad = [x for x in languages if x not in have]
    if bad:
        raise ConfigError(f"languages: {bad} not provided by {where}; it has {sorted(have)}")
