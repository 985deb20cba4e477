"""Which evaluation sets each data source provides, known without materialising the data.

The bundle written by each source must contain exactly these set names (``task.dataset.lang``);
the evaluate stage fails with a clear error otherwise. Keeping the catalog here lets
``repro plan`` list the job graph without generating or downloading anything.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from repro.config import ExperimentConfig
    from repro.experiment import EvalSetRef


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
TYDIQA_LANGS = HUB_LANGUAGES["tydiqa"]
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
    from repro.errors import ConfigError

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


def _qa_pairs(langs: tuple[str, ...]) -> list[str]:
    out = ["en-en"]
    for x in langs:
        out += [f"{x}-{x}", f"en-{x}", f"{x}-en"]
    return out


def eval_sets_for(cfg: ExperimentConfig, task: str) -> list[EvalSetRef]:
    from repro.experiment import EvalSetRef

    langs = tuple(cfg.languages)
    src = cfg.data.source

    def has(dataset: str) -> tuple[str, ...]:  # the configured languages a hub dataset has
        return langs if src != "hub" else tuple(x for x in langs if x in HUB_LANGUAGES[dataset])

    if task in ("nli", "ner"):
        dataset = {
            "synthetic": "synthetic",
            "local": {"nli": "xnli", "ner": "wikiann"}[task],
            "hub": {"nli": "xnli", "ner": "wikiann"}[task],
        }[src]
        return [EvalSetRef(task, dataset, x) for x in ("en", *has(dataset))]
    if task == "qa":
        if src == "synthetic":
            return [EvalSetRef("qa", "synthetic", p) for p in _qa_pairs(langs)]
        sets = [EvalSetRef("qa", "xquad", p) for p in _qa_pairs(has("xquad"))]
        if src == "local":  # local MLQA: dev, same-language, targets only (en feeds the filter)
            mlqa = tuple(x for x in langs if x in LOCAL_MLQA_LANGS)
            sets += [EvalSetRef("qa", "mlqa", f"{x}-{x}") for x in mlqa]
        else:
            sets += [EvalSetRef("qa", "mlqa", p) for p in _qa_pairs(has("mlqa"))]
            sets += [EvalSetRef("qa", "tydiqa", f"{x}-{x}") for x in has("tydiqa")]
        return sets
    from repro.errors import ConfigError

    raise ConfigError(f"unknown task {task!r}; expected nli, ner or qa")
