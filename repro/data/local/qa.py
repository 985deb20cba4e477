"""SQuAD-format QA files: SQuAD v1.1 (zip), XQuAD, MLQA dev, TyDiQA-GoldP, and the cross-lingual
XQuAD pairs built from parallel questions and contexts."""

from __future__ import annotations

import logging
import zipfile
from pathlib import Path
from typing import Any

from repro.data.manifest import check_listed_count
from repro.data.textio import (
    decode_text,
    parse_json,
    read_text,
)
from repro.errors import DataError
from repro.records import (
    LANGUAGES,
    check_lang,
    qa_record,
    validate_all,
    validate_qa,
)

log = logging.getLogger(__name__)


def parse_squad(
    obj: Any,
    path: str | Path,
    *,
    q_lang: str,
    c_lang: str,
    dataset: str,
    require_answers: bool = True,
    id_format: str = "{qid}",
) -> list[dict]:
    """SQuAD v1.1 JSON -> QA records.

    ``paragraph_id`` is ``{dataset}-{article}-{paragraph}`` (positional, so it is shared by
    translations with the same structure, e.g. XQuAD). ``id_format`` may use ``{qid}``,
    ``{article}``, ``{paragraph}``. With ``require_answers`` (evaluation and training sets) every
    question needs a non-empty gold answer inside its context; a file whose gold answers are *all*
    empty (labels stripped, as in the TyDiQA dev copy) is reported as such. Without it, empty
    answers are dropped and the question kept (unlabelled text).
    """
    check_lang(q_lang, path=path, allowed=LANGUAGES)
    check_lang(c_lang, path=path, allowed=LANGUAGES)
    if not isinstance(obj, dict) or not isinstance(obj.get("data"), list):
        raise DataError(path, None, "not SQuAD format: expected an object with a 'data' list")
    out: list[dict] = []
    n_empty = 0
    for a, art in enumerate(obj["data"]):
        paras = art.get("paragraphs") if isinstance(art, dict) else None
        if not isinstance(paras, list):
            raise DataError(path, f"article {a}", "missing 'paragraphs' list")
        for p, para in enumerate(paras):
            where = f"article {a} paragraph {p}"
            if (
                not isinstance(para, dict)
                or not isinstance(para.get("context"), str)
                or not isinstance(para.get("qas"), list)
            ):
                raise DataError(path, where, "expected 'context' (string) and 'qas' (list)")
            ctx = para["context"]
            for qa in para["qas"]:
                if not isinstance(qa, dict) or not {"id", "question", "answers"} <= qa.keys():
                    raise DataError(path, where, "question without 'id', 'question', 'answers'")
                qid = str(qa["id"])
                rid = id_format.format(qid=qid, article=a, paragraph=p)
                answers = []
                raw_answers = qa["answers"] or []
                if not isinstance(raw_answers, list):
                    raise DataError(
                        path,
                        rid,
                        "'answers' must be a list of {text, answer_start}, "
                        f"got {type(raw_answers).__name__}",
                    )
                for ans in raw_answers:
                    text = ans.get("text") if isinstance(ans, dict) else None
                    start = ans.get("answer_start") if isinstance(ans, dict) else None
                    if (
                        not isinstance(text, str)
                        or not isinstance(start, int)
                        or isinstance(start, bool)
                    ):
                        raise DataError(path, rid, f"malformed answer {ans!r}")
                    if not text:
                        n_empty += 1
                        continue
                    if start < 0 or ctx[start : start + len(text)] != text:
                        raise DataError(
                            path,
                            rid,
                            f"answer {text!r} at offset {start} is not "
                            "inside the context (span outside context)",
                        )
                    answers.append({"text": text, "answer_start": start})
                para = f"{dataset}-{a}-{p}"
                out.append(qa_record(rid, q_lang, c_lang, qa["question"], ctx, answers, para))
    if not out:
        raise DataError(path, None, "no questions in file")
    if require_answers:
        if all(not r["answers"] for r in out):
            raise DataError(
                path,
                None,
                f"all {len(out)} gold answers are empty: the labels were "
                "stripped; this file cannot be used for training or evaluation",
            )
        for r in out:
            if not r["answers"]:
                raise DataError(path, r["id"], "no gold answer (empty answer text)")
    elif n_empty:
        log.info("%s: dropped %d empty gold answers (unlabelled use)", path, n_empty)
    return validate_all_qa(out, path, require_answers=require_answers)


def validate_all_qa(records: list[dict], path: str | Path, *, require_answers: bool) -> list[dict]:
    if require_answers:
        return validate_all("qa", records, path)
    seen: set[str] = set()
    for i, rec in enumerate(records):
        validate_qa(rec, path, i, require_answers=False)
        if rec["id"] in seen:
            raise DataError(path, rec["id"], "duplicate example id")
        seen.add(rec["id"])
    return records


def load_squad_file(
    path: Path,
    *,
    q_lang: str,
    c_lang: str | None = None,
    dataset: str,
    require_answers: bool = True,
    id_format: str = "{qid}",
    data_dir: Path | None = None,
) -> list[dict]:
    """Questions of one SQuAD-format file; with ``data_dir``, their count is checked against
    the data dir's manifest."""
    path = Path(path)
    obj = parse_json(read_text(path), path)
    recs = parse_squad(
        obj,
        path,
        q_lang=q_lang,
        c_lang=c_lang or q_lang,
        dataset=dataset,
        require_answers=require_answers,
        id_format=id_format,
    )
    if data_dir is not None:
        check_listed_count(data_dir, path, len(recs), "questions")
    return recs


def load_xquad(data_dir: Path, lang: str) -> list[dict]:
    """XQuAD for ``lang``; ids are SQuAD question ids, shared across languages."""
    check_lang(lang, allowed=LANGUAGES)
    return load_squad_file(
        Path(data_dir) / "xquad" / f"xquad.{lang}.json",
        q_lang=lang,
        dataset="xquad",
        data_dir=data_dir,
    )


MLQA_DEV_LANGS = ("en", "es", "vi", "hi")


def load_mlqa_dev(data_dir: Path, lang: str) -> list[dict]:
    """MLQA dev, same-language context and question (en, es, vi, hi; MLQA has no Russian)."""
    check_lang(lang, allowed=MLQA_DEV_LANGS)
    path = Path(data_dir) / "mlqa" / "dev" / f"dev-context-{lang}-question-{lang}.json"
    return load_squad_file(path, q_lang=lang, dataset=f"mlqa-{lang}", data_dir=data_dir)


def load_squad_dev(data_dir: Path) -> list[dict]:
    """SQuAD v1.1 dev read directly from ``squad/dev-v1.1.json.zip``."""
    zpath = Path(data_dir) / "squad" / "dev-v1.1.json.zip"
    member = "dev-v1.1.json"
    where = f"{zpath}::{member}"
    try:
        with zipfile.ZipFile(zpath) as zf:
            raw = zf.read(member)
    except FileNotFoundError as exc:
        raise DataError(zpath, None, "file not found") from exc
    except KeyError as exc:
        raise DataError(zpath, member, "member missing from zip archive") from exc
    except zipfile.BadZipFile as exc:
        raise DataError(zpath, None, f"not a valid zip archive: {exc}") from exc
    obj = parse_json(decode_text(raw, where), where)
    recs = parse_squad(obj, where, q_lang="en", c_lang="en", dataset="squad")
    check_listed_count(data_dir, zpath, len(recs), "questions")
    return recs


TYDIQA_SPLITS = ("train", "dev")


def load_tydiqa(data_dir: Path, split: str, *, require_answers: bool = True) -> list[dict]:
    """TyDiQA-GoldP English. Source ids repeat across articles (67 collisions in the train file),
    so ids are ``tydiqa-{split}-{article}-{qid}``. The dev copy has its answers stripped: it
    raises unless ``require_answers=False`` (then it is unlabelled text)."""
    if split not in TYDIQA_SPLITS:
        raise DataError(None, None, f"unknown TyDiQA split {split!r}; expected {TYDIQA_SPLITS}")
    path = Path(data_dir) / "tydiqa" / f"tydiqa.goldp.en.{split}.json"
    return load_squad_file(
        path,
        q_lang="en",
        dataset=f"tydiqa-{split}",
        require_answers=require_answers,
        id_format=f"tydiqa-{split}-{{article}}-{{qid}}",
        data_dir=data_dir,
    )


def build_xquad_cross(data_dir: Path, q_lang: str, c_lang: str) -> list[dict]:
    """Cross-lingual XQuAD: question from the ``q_lang`` file, context and answers from the
    ``c_lang`` file, joined on the (shared) question id; every id must be in both files."""
    qs = load_xquad(data_dir, q_lang)
    cs = load_xquad(data_dir, c_lang)
    return join_cross(
        qs,
        cs,
        q_path=Path(data_dir) / "xquad" / f"xquad.{q_lang}.json",
        c_path=Path(data_dir) / "xquad" / f"xquad.{c_lang}.json",
    )


def join_cross(
    questions: list[dict], contexts: list[dict], *, q_path: str | Path, c_path: str | Path
) -> list[dict]:
    by_id = {r["id"]: r for r in questions}
    c_ids = {r["id"] for r in contexts}
    missing_q = sorted(c_ids - by_id.keys())
    missing_c = sorted(by_id.keys() - c_ids)
    if missing_q:
        raise DataError(
            q_path,
            missing_q[0],
            f"{len(missing_q)} question id(s) of {c_path} are "
            "missing here; cross-lingual pairs need parallel files",
        )
    if missing_c:
        raise DataError(
            c_path,
            missing_c[0],
            f"{len(missing_c)} question id(s) of {q_path} are "
            "missing here; cross-lingual pairs need parallel files",
        )
    out = []
    for c in contexts:
        q = by_id[c["id"]]
        out.append({**c, "q_lang": q["q_lang"], "question": q["question"]})
    return validate_all("qa", out, c_path)
