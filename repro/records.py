"""Record schemas shared by synthetic, local-file and hub loaders.

Every loader produces plain dicts of these shapes, so every downstream stage is profile-agnostic.
Validators raise :class:`repro.errors.DataError` naming the file and the record.

Shapes (extra fields are allowed):

* NLI      ``{id, lang, premise, hypothesis, label}`` with label in :data:`NLI_LABELS`
* NER      ``{id, lang, tokens: [str], tags: [str]}`` with IOB2 tags from :data:`NER_TAGS`
* QA       ``{id, q_lang, c_lang, question, context, answers: [{text, answer_start}]}``
           (optional ``paragraph_id``: questions on one paragraph are resampled together)
* parallel ``{id, src_lang, tgt_lang, src, tgt}`` (+ ``alignment``: list of ``[i, j]`` pairs,
           i indexing the whitespace words of ``src``, j those of ``tgt``). ``src`` is English.
* XSR      same shape as parallel (one test pair per record).

Ids are stable strings from the source; test sets that are translations of each other share ids
across languages, and paired tests join on ``id``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from repro.errors import DataError

LANGUAGES: tuple[str, ...] = ("en", "es", "ru", "vi", "hi")
TARGET_LANGUAGES: tuple[str, ...] = ("es", "ru", "vi", "hi")
NLI_LABELS: tuple[str, ...] = ("entailment", "neutral", "contradiction")
NER_TAGS: tuple[str, ...] = ("O", "B-PER", "I-PER", "B-ORG", "I-ORG", "B-LOC", "I-LOC")
TASKS: tuple[str, ...] = ("nli", "ner", "qa")


#: ISO 639-1 codes: what a record's language may be (the configured languages are any of them
#: that the data source has; the synthetic world and the staged files have ``LANGUAGES``).
ISO_639_1 = frozenset(
    [
        "aa",
        "ab",
        "ae",
        "af",
        "ak",
        "am",
        "an",
        "ar",
        "as",
        "av",
        "ay",
        "az",
        "ba",
        "be",
        "bg",
        "bh",
        "bi",
        "bm",
        "bn",
        "bo",
        "br",
        "bs",
        "ca",
        "ce",
        "ch",
        "co",
        "cr",
        "cs",
        "cu",
        "cv",
        "cy",
        "da",
        "de",
        "dv",
        "dz",
        "ee",
        "el",
        "en",
        "eo",
        "es",
        "et",
        "eu",
        "fa",
        "ff",
        "fi",
        "fj",
        "fo",
        "fr",
        "fy",
        "ga",
        "gd",
        "gl",
        "gn",
        "gu",
        "gv",
        "ha",
        "he",
        "hi",
        "ho",
        "hr",
        "ht",
        "hu",
        "hy",
        "hz",
        "ia",
        "id",
        "ie",
        "ig",
        "ii",
        "ik",
        "io",
        "is",
        "it",
        "iu",
        "ja",
        "jv",
        "ka",
        "kg",
        "ki",
        "kj",
        "kk",
        "kl",
        "km",
        "kn",
        "ko",
        "kr",
        "ks",
        "ku",
        "kv",
        "kw",
        "ky",
        "la",
        "lb",
        "lg",
        "li",
        "ln",
        "lo",
        "lt",
        "lu",
        "lv",
        "mg",
        "mh",
        "mi",
        "mk",
        "ml",
        "mn",
        "mr",
        "ms",
        "mt",
        "my",
        "na",
        "nb",
        "nd",
        "ne",
        "ng",
        "nl",
        "nn",
        "no",
        "nr",
        "nv",
        "ny",
        "oc",
        "oj",
        "om",
        "or",
        "os",
        "pa",
        "pi",
        "pl",
        "ps",
        "pt",
        "qu",
        "rm",
        "rn",
        "ro",
        "ru",
        "rw",
        "sa",
        "sc",
        "sd",
        "se",
        "sg",
        "si",
        "sk",
        "sl",
        "sm",
        "sn",
        "so",
        "sq",
        "sr",
        "ss",
        "st",
        "su",
        "sv",
        "sw",
        "ta",
        "te",
        "tg",
        "th",
        "ti",
        "tk",
        "tl",
        "tn",
        "to",
        "tr",
        "ts",
        "tt",
        "tw",
        "ty",
        "ug",
        "uk",
        "ur",
        "uz",
        "ve",
        "vi",
        "vo",
        "wa",
        "wo",
        "xh",
        "yi",
        "yo",
        "za",
        "zh",
        "zu",
    ]
)


def check_lang(
    lang: str,
    *,
    path: str | Path | None = None,
    record: object | None = None,
    allowed: Iterable[str] | None = None,
) -> str:
    """``lang`` when it is in ``allowed`` (default: any ISO 639-1 code), else a DataError."""
    if allowed is None:
        if not isinstance(lang, str) or lang not in ISO_639_1:
            raise DataError(path, record, f"unknown language code {lang!r}; expected ISO 639-1")
        return lang
    allowed = tuple(allowed)
    if lang not in allowed:
        raise DataError(path, record, f"unknown language code {lang!r}; expected one of {allowed}")
    return lang


def qa_pair_name(q_lang: str, c_lang: str) -> str:
    """Cross-lingual QA pairs are written ``q-c`` (question language, then context language)."""
    return f"{q_lang}-{c_lang}"


def qa_record(
    rid: str,
    q_lang: str,
    c_lang: str,
    question: str,
    context: str,
    answers: list[dict[str, Any]],
    paragraph_id: str,
) -> dict[str, Any]:
    """One question on one context in the QA schema (:func:`validate_qa`), for every source."""
    keys = ("id", "q_lang", "c_lang", "question", "context", "answers", "paragraph_id")
    return dict(zip(keys, (rid, q_lang, c_lang, question, context, answers, paragraph_id)))


def _require(rec: Mapping[str, Any], fields: Iterable[str], path, idx) -> None:
    missing = [f for f in fields if f not in rec]
    if missing:
        raise DataError(path, rec.get("id", idx), f"missing field(s) {missing}")


def _check_str(rec, field, path, idx, *, allow_empty=False) -> None:
    v = rec[field]
    if not isinstance(v, str) or (not allow_empty and not v.strip()):
        raise DataError(path, rec.get("id", idx), f"field {field!r} must be a non-empty string")


def validate_nli(rec: Mapping[str, Any], path=None, idx=None) -> None:
    _require(rec, ("id", "lang", "premise", "hypothesis", "label"), path, idx)
    check_lang(rec["lang"], path=path, record=rec["id"])
    _check_str(rec, "premise", path, idx)
    _check_str(rec, "hypothesis", path, idx)
    if rec["label"] not in NLI_LABELS:
        raise DataError(
            path, rec["id"], f"unknown NLI label {rec['label']!r}; expected {NLI_LABELS}"
        )


def validate_ner(rec: Mapping[str, Any], path=None, idx=None) -> None:
    _require(rec, ("id", "lang", "tokens", "tags"), path, idx)
    check_lang(rec["lang"], path=path, record=rec["id"])
    toks, tags = rec["tokens"], rec["tags"]
    if (
        not isinstance(toks, list)
        or not isinstance(tags, list)
        or not all(isinstance(t, str) for t in toks)
    ):
        raise DataError(path, rec["id"], "tokens and tags must be lists of strings")
    if not toks or len(toks) != len(tags):
        raise DataError(path, rec["id"], f"{len(toks)} tokens but {len(tags)} tags")
    for t in tags:
        if t not in NER_TAGS:
            raise DataError(path, rec["id"], f"unknown NER tag {t!r}; expected {NER_TAGS}")


def validate_qa(
    rec: Mapping[str, Any], path=None, idx=None, *, require_answers: bool = True
) -> None:
    _require(rec, ("id", "q_lang", "c_lang", "question", "context", "answers"), path, idx)
    check_lang(rec["q_lang"], path=path, record=rec["id"])
    check_lang(rec["c_lang"], path=path, record=rec["id"])
    _check_str(rec, "question", path, idx)
    _check_str(rec, "context", path, idx)
    answers = rec["answers"]
    if not isinstance(answers, list) or not all(isinstance(a, dict) for a in answers):
        raise DataError(path, rec["id"], "answers must be a list of {text, answer_start} objects")
    if require_answers and not answers:
        raise DataError(path, rec["id"], "no gold answers")
    ctx = rec["context"]
    for a in answers:
        text, start = a.get("text"), a.get("answer_start")
        if not isinstance(text, str) or not isinstance(start, int):
            raise DataError(path, rec["id"], f"malformed answer {a!r}")
        if require_answers and not text:
            raise DataError(path, rec["id"], "empty gold answer text")
        if start < 0 or ctx[start : start + len(text)] != text:
            raise DataError(
                path,
                rec["id"],
                f"answer {text!r} not found in context at offset {start}",
            )


def validate_parallel(rec: Mapping[str, Any], path=None, idx=None) -> None:
    _require(rec, ("id", "src_lang", "tgt_lang", "src", "tgt"), path, idx)
    check_lang(rec["src_lang"], path=path, record=rec["id"])
    check_lang(rec["tgt_lang"], path=path, record=rec["id"])
    _check_str(rec, "src", path, idx)
    _check_str(rec, "tgt", path, idx)
    if "alignment" in rec and rec["alignment"] is not None:
        n_src, n_tgt = len(rec["src"].split()), len(rec["tgt"].split())
        links = rec["alignment"]
        if not isinstance(links, list):
            raise DataError(path, rec["id"], "alignment must be a list of [i, j] links")
        for pair in links:
            if (
                not isinstance(pair, (list, tuple))
                or len(pair) != 2
                or not all(isinstance(x, int) and not isinstance(x, bool) for x in pair)
            ):
                raise DataError(
                    path, rec["id"], f"malformed alignment link {pair!r}; expected [i, j] integers"
                )
            i, j = pair
            if not (0 <= i < n_src and 0 <= j < n_tgt):
                raise DataError(
                    path,
                    rec["id"],
                    f"alignment link {i}-{j} out of range ({n_src} source, {n_tgt} target words)",
                )


VALIDATORS = {
    "nli": validate_nli,
    "ner": validate_ner,
    "qa": validate_qa,
    "parallel": validate_parallel,
    "xsr": validate_parallel,
}


def validate_all(
    kind: str, records: Iterable[Mapping[str, Any]], path=None, *, require_answers: bool = True
) -> list[dict]:
    """Validate every record and reject duplicate ids; returns the records as a list.

    ``require_answers=False`` accepts QA records without gold answers (unlabelled text only).
    """
    validator = VALIDATORS[kind]
    if kind == "qa" and not require_answers:

        def validator(rec, path=None, idx=None):  # noqa: E306
            validate_qa(rec, path, idx, require_answers=False)

    out: list[dict] = []
    seen: set[str] = set()
    for idx, rec in enumerate(records):
        validator(rec, path, idx)
        rid = rec["id"]
        if not isinstance(rid, str):
            raise DataError(path, idx, f"id must be a string, got {type(rid).__name__}")
        if rid in seen:
            raise DataError(path, rid, "duplicate example id")
        seen.add(rid)
        out.append(dict(rec))
    return out
