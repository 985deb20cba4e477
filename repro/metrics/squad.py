"""Extractive-QA EM/F1 as the official SQuAD v1.1 and MLQA scripts compute them.

Two normalisers, because they give different numbers on non-English text:

* ``squad`` (SQuAD v1.1 ``evaluate-v1.1.py``; XTREME uses it for XQuAD, Efimov et al. for
  every QA set): lower-case, drop ASCII ``string.punctuation``, drop the English articles
  ``a|an|the`` as whole words, collapse whitespace. Applied unchanged to every language, so
  e.g. the Hindi danda or Spanish ``¿`` survive.
* ``mlqa`` (MLQA ``mlqa_evaluation_v1.py``, language-aware): lower-case, drop every Unicode
  category-P character plus ASCII ``string.punctuation``, drop per-language function words as
  whole words (en ``a an the``; es ``un una unos unas el la los las``; vi ``của là cái chiếc
  những`` - the script's list, which is not only articles; de articles; hi and zh nothing; ar
  every ``ال`` even inside words), then whitespace tokenisation (zh: mixed segmentation, one
  token per CJK character). No Unicode normalisation (NFC) is applied, as in the script.
  For a language of XQuAD or TyDiQA-GoldP that MLQA has no rules for (ru, el, ro, th, tr,
  bn, fi, id, ko, sw, te) the language-independent steps apply and no word is dropped, the
  rule MLQA's own script has for hi and zh; XTREME scores those sets with the ``squad``
  normaliser. A code in none of the three datasets is an error.

Conventions shared by both scripts and kept here: a question's EM/F1 is the max over its gold
answers; F1 is bag-of-tokens overlap and is 0 when nothing overlaps, even if both sides
normalise to empty (while EM is then 1); the corpus score is ``100 * sum / total`` where
*total counts every question in the data file*, so a question absent from the predictions
scores 0 (the scripts print a warning; we log one). Predictions for ids not in the data file
are ignored.
"""

from __future__ import annotations

import logging
import re
import string
import sys
import unicodedata
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial

import numpy as np

from repro.errors import ConfigError, DataError

log = logging.getLogger(__name__)

Normalizer = Callable[[str], str]
MODES = ("squad", "mlqa")

_ASCII_PUNCT = frozenset(string.punctuation)
_EN_ARTICLES = re.compile(r"\b(a|an|the)\b")
_MLQA_ARTICLES: dict[str, re.Pattern | None] = {
    "en": _EN_ARTICLES,
    "es": re.compile(r"\b(un|una|unos|unas|el|la|los|las)\b"),
    "vi": re.compile(r"\b(của|là|cái|chiếc|những)\b"),
    "de": re.compile(r"\b(ein|eine|einen|einem|eines|einer|der|die|das|den|dem|des)\b"),
    "ar": re.compile("ال"),  # the script's first alternative can never match; only this acts
    "hi": None,
    "zh": None,
}
MLQA_LANGUAGES: tuple[str, ...] = tuple(_MLQA_ARTICLES)
XQUAD_LANGUAGES = ("ar", "de", "el", "en", "es", "hi", "ro", "ru", "th", "tr", "vi", "zh")
TYDIQA_LANGUAGES = ("ar", "bn", "en", "fi", "id", "ko", "ru", "sw", "te")
#: Every answer language of XQuAD, MLQA and TyDiQA-GoldP (the ``mlqa`` mode accepts these).
QA_LANGUAGES: tuple[str, ...] = tuple(
    sorted({*MLQA_LANGUAGES, *XQUAD_LANGUAGES, *TYDIQA_LANGUAGES})
)
_CJK = re.compile(r"[\u4e00-\u9fa5]")
_MLQA_PUNCT: frozenset[str] | None = None


def _mlqa_punct() -> frozenset[str]:
    """Every code point of Unicode category P*, plus ASCII punctuation (built once, lazily)."""
    global _MLQA_PUNCT
    if _MLQA_PUNCT is None:
        _MLQA_PUNCT = (
            frozenset(
                chr(i)
                for i in range(sys.maxunicode)
                if unicodedata.category(chr(i)).startswith("P")
            )
            | _ASCII_PUNCT
        )
    return _MLQA_PUNCT


def normalize_squad(text: str) -> str:
    """SQuAD v1.1 answer normalisation (English-centric; used for every language by XTREME)."""
    text = "".join(ch for ch in text.lower() if ch not in _ASCII_PUNCT)
    return " ".join(_EN_ARTICLES.sub(" ", text).split())


def _mixed_segmentation(text: str, punct: frozenset[str]) -> list[str]:
    tokens: list[str] = []
    buf: list[str] = []
    for ch in text:
        if _CJK.match(ch) or ch in punct:
            tokens.extend("".join(buf).split())
            buf = []
            tokens.append(ch)
        else:
            buf.append(ch)
    tokens.extend("".join(buf).split())
    return tokens


def normalize_mlqa(text: str, lang: str) -> str:
    """MLQA answer normalisation for ``lang`` (see module docstring)."""
    if lang not in QA_LANGUAGES:
        raise ConfigError(
            f"no QA answer normalisation for language {lang!r}: it is in none of XQuAD, MLQA "
            f"and TyDiQA-GoldP; expected one of {QA_LANGUAGES}"
        )
    punct = _mlqa_punct()
    text = "".join(ch for ch in text.lower() if ch not in punct)
    articles = _MLQA_ARTICLES.get(lang)
    if articles is not None:
        text = articles.sub(" ", text)
    tokens = _mixed_segmentation(text, punct) if lang == "zh" else text.split()
    return " ".join(t for t in tokens if t.strip())


def get_normalizer(mode: str = "squad", lang: str | None = None) -> Normalizer:
    """The answer normaliser for ``mode`` ("squad" or "mlqa"; "mlqa" needs ``lang``)."""
    if mode == "squad":
        return normalize_squad
    if mode == "mlqa":
        if lang is None:
            raise ConfigError("mode 'mlqa' needs the answer language (lang=...)")
        normalize_mlqa("", lang)  # validates lang now rather than on the first answer
        return partial(normalize_mlqa, lang=lang)
    raise ConfigError(f"unknown QA scoring mode {mode!r}; expected one of {MODES}")


def _check_golds(golds: Sequence[str]) -> None:
    if isinstance(golds, str) or len(golds) == 0:
        raise DataError(None, None, "expected a non-empty list of gold answer strings")


def exact_match(
    pred: str, golds: Sequence[str], *, normalizer: Normalizer = normalize_squad
) -> float:
    """1.0 if the normalised prediction equals any normalised gold answer, else 0.0."""
    _check_golds(golds)
    p = normalizer(pred)
    return float(any(p == normalizer(g) for g in golds))


def _token_f1(pred_tokens: list[str], gold_tokens: list[str]) -> float:
    same = sum((Counter(pred_tokens) & Counter(gold_tokens)).values())
    if same == 0:
        return 0.0
    precision = same / len(pred_tokens)
    recall = same / len(gold_tokens)
    return 2 * precision * recall / (precision + recall)


def f1(pred: str, golds: Sequence[str], *, normalizer: Normalizer = normalize_squad) -> float:
    """Max over gold answers of the bag-of-tokens F1 (0-1) between normalised answers."""
    _check_golds(golds)
    p = normalizer(pred).split()
    return max(_token_f1(p, normalizer(g).split()) for g in golds)


@dataclass(frozen=True)
class QuestionScores:
    """Per-question scores in data-file order; ``paragraph_ids`` are the resampling clusters."""

    ids: tuple[str, ...]
    paragraph_ids: tuple[str, ...]
    em: np.ndarray  # float64, 0/1
    f1: np.ndarray  # float64, 0-1
    n_missing: int  # questions without a prediction (scored 0)

    def summary(self) -> dict[str, float]:
        """Corpus scores in percent, as the official scripts print them."""
        return {"exact_match": 100.0 * float(self.em.mean()), "f1": 100.0 * float(self.f1.mean())}


def _iter_questions(data_json: Mapping, path: str | None):
    """Yield ``(qid, paragraph_id, gold_texts)`` from a SQuAD-format dict, validating shape."""
    if not isinstance(data_json, Mapping) or not isinstance(data_json.get("data"), list):
        raise DataError(path, None, "expected a SQuAD-format object with a 'data' list")
    version = str(data_json.get("version", ""))
    if version and version not in ("1.1", "1.0"):
        log.warning(
            "%s: dataset version %s; the v1.1 scripts expect 1.1 (MLQA: 1.0)",
            path or "<input>",
            version,
        )
    for a, article in enumerate(data_json["data"]):
        paragraphs = article.get("paragraphs") if isinstance(article, Mapping) else None
        if not isinstance(paragraphs, list):
            raise DataError(path, f"article {a}", "expected an object with a 'paragraphs' list")
        for p, paragraph in enumerate(paragraphs):
            qas = paragraph.get("qas") if isinstance(paragraph, Mapping) else None
            if not isinstance(qas, list):
                raise DataError(
                    path, f"article {a}, paragraph {p}", "expected an object with a 'qas' list"
                )
            for q, qa in enumerate(qas):
                where = f"article {a}, paragraph {p}, question {q}"
                if not isinstance(qa, Mapping) or not isinstance(qa.get("id"), str):
                    raise DataError(path, where, "expected a question object with a string 'id'")
                answers = qa.get("answers")
                if (
                    not isinstance(answers, list)
                    or not answers
                    or not all(
                        isinstance(x, Mapping) and isinstance(x.get("text"), str) for x in answers
                    )
                ):
                    raise DataError(
                        path,
                        f"question id {qa['id']!r}",
                        "expected a non-empty 'answers' list of {text, answer_start}",
                    )
                yield qa["id"], f"{a}:{p}", [x["text"] for x in answers]


def score_questions(
    data_json: Mapping,
    predictions: Mapping[str, str],
    *,
    mode: str = "squad",
    lang: str | None = None,
    data_path: str | None = None,
    pred_path: str | None = None,
) -> QuestionScores:
    """Per-question EM/F1 (0-1) of ``predictions`` (id -> answer) against a SQuAD-format dict.

    Paragraph ids are ``"article:paragraph"`` positions in the file, so parallel files
    (XQuAD) give the same ids in every language.
    """
    normalizer = get_normalizer(mode, lang)
    if not isinstance(predictions, Mapping):
        raise DataError(pred_path, None, "expected a JSON object mapping question id -> answer")
    if isinstance(predictions.get("data"), list) or "version" in predictions:
        raise DataError(
            pred_path,
            None,
            "this is a SQuAD-format dataset, not predictions (expected a JSON object "
            "mapping question id -> answer); were the two files swapped?",
        )
    ids: list[str] = []
    paras: list[str] = []
    em: list[float] = []
    f1s: list[float] = []
    missing = 0
    seen: set[str] = set()
    for qid, para, golds in _iter_questions(data_json, data_path):
        if qid in seen:  # one prediction per id: a repeated id cannot be scored unambiguously
            raise DataError(data_path, f"question id {qid!r}", "duplicate question id")
        seen.add(qid)
        ids.append(qid)
        paras.append(para)
        if qid not in predictions:
            missing += 1
            em.append(0.0)
            f1s.append(0.0)
            continue
        pred = predictions[qid]
        if not isinstance(pred, str):
            raise DataError(
                pred_path,
                f"question id {qid!r}",
                f"expected the predicted answer as a string, got {type(pred).__name__}",
            )
        em.append(exact_match(pred, golds, normalizer=normalizer))
        f1s.append(f1(pred, golds, normalizer=normalizer))
    if not ids:
        raise DataError(data_path, None, "no questions in the data file; expected at least one")
    if predictions and missing == len(ids):
        raise DataError(
            pred_path,
            None,
            f"none of its {len(predictions)} question ids is a question of {data_path or 'the data'}"
            f" (e.g. {next(iter(predictions))!r} vs {ids[0]!r}): predictions for another dataset?",
        )
    if missing:
        log.warning("%d of %d questions have no prediction and score 0", missing, len(ids))
    return QuestionScores(
        tuple(ids),
        tuple(paras),
        np.asarray(em, dtype=np.float64),
        np.asarray(f1s, dtype=np.float64),
        missing,
    )


def score_squad(
    data_json: Mapping,
    predictions: Mapping[str, str],
    *,
    mode: str = "squad",
    lang: str | None = None,
) -> dict[str, float]:
    """``{"exact_match", "f1"}`` in percent (0-100), as the official v1.1 / MLQA scripts."""
    return score_questions(data_json, predictions, mode=mode, lang=lang).summary()
