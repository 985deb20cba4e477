"""Hub rows to the package's records: the hub's column names and features (ClassLabel names,
WikiANN's tag ints, SQuAD-style answers) checked and mapped, with errors naming the dataset and row."""

from __future__ import annotations

import hashlib
import logging
import numbers
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from repro.data import local as L
from repro.data.hub.sources import (
    WIKIANN_TAG_NAMES,
)
from repro.errors import DataError
from repro.records import (
    NER_TAGS,
    NLI_LABELS,
    check_lang,
    qa_record,
    validate_all,
)

log = logging.getLogger(__name__)


def _label(
    value: Any, names: Sequence[str], where: str, idx: object, allowed: Sequence[str], what: str
) -> str:
    if isinstance(value, bool):
        raise DataError(where, idx, f"{what} must be an int or a name, got {value!r}")
    if isinstance(value, int):
        if not 0 <= value < len(names):
            raise DataError(
                where,
                idx,
                f"{what} {value} outside 0..{len(names) - 1} "
                "(unlabelled rows, e.g. -1, cannot be used)",
            )
        value = names[value]
    if value not in allowed:
        raise DataError(where, idx, f"unknown {what} {value!r}; expected {tuple(allowed)}")
    return value


def _check_target(lang: str, where: str) -> None:
    """A parallel or retrieval pair's non-English side: any ISO 639-1 code but English."""
    if lang == "en":
        raise DataError(where, None, "unknown language code 'en' for the non-English side")
    check_lang(lang, path=where)


class HubRow(Mapping):
    """One hub row whose missing column is a DataError naming the dataset and the row.

    A dataset whose schema changed upstream (a renamed or dropped column) would otherwise end
    in a bare ``KeyError`` deep inside a converter.
    """

    def __init__(self, data: Any, where: str, record: str) -> None:
        self._data, self._where, self._record = data, where, record

    def __getitem__(self, key: str) -> Any:
        try:
            return self._data[key]
        except (KeyError, TypeError, IndexError) as exc:
            cols = sorted(self._data) if isinstance(self._data, Mapping) else type(self._data)
            raise DataError(
                self._where,
                self._record,
                f"no column {key!r} (the row has {cols}): the dataset's schema is not the one "
                "this converter reads; pin the dataset's revision or update the converter",
            ) from exc

    def get(self, key: str, default: Any = None) -> Any:
        return self._data.get(key, default)

    def __contains__(self, key: object) -> bool:
        return key in self._data

    def __iter__(self):
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)


def hub_rows(rows: Iterable[Any], where: str) -> Iterable[tuple[int, HubRow]]:
    for i, row in enumerate(rows):
        yield i, HubRow(row, where, f"row {i}")


def nli_records(
    rows: Iterable[Mapping[str, Any]],
    *,
    lang: str,
    id_prefix: str,
    label_names: Sequence[str] = NLI_LABELS,
    id_field: str | None = None,
    where: str = "<hub>",
) -> list[dict]:
    """Hub NLI rows (premise, hypothesis, label int or name) -> NLI records.

    Ids are ``{id_prefix}{row}`` (or ``{id_prefix}{row[id_field]}``), so XNLI rows keep the ids the
    local loader gives them (``xnli-test-{row}``).
    """
    check_lang(lang, path=where)
    out = []
    for i, row in hub_rows(rows, where):
        rid = f"{id_prefix}{row[id_field] if id_field else i}"
        out.append(
            {
                "id": rid,
                "lang": lang,
                "premise": row["premise"],
                "hypothesis": row["hypothesis"],
                "label": _label(row["label"], label_names, where, rid, NLI_LABELS, "NLI label"),
            }
        )
    return validate_all("nli", out, where)


def ner_records(
    rows: Iterable[Mapping[str, Any]],
    *,
    lang: str,
    id_prefix: str,
    tag_names: Sequence[str] = WIKIANN_TAG_NAMES,
    where: str = "<hub>",
) -> list[dict]:
    """Hub WikiANN rows (tokens, int ner_tags) -> NER records ``{id_prefix}{row}``."""
    check_lang(lang, path=where)
    out = []
    for i, row in hub_rows(rows, where):
        rid = f"{id_prefix}{i}"
        tags = [_label(t, tag_names, where, rid, NER_TAGS, "NER tag") for t in row["ner_tags"]]
        out.append({"id": rid, "lang": lang, "tokens": list(row["tokens"]), "tags": tags})
    return validate_all("ner", out, where)


def _occurrences(ctx: str, text: str) -> list[int]:
    hits, i = [], ctx.find(text)
    while i != -1:
        hits.append(i)
        i = ctx.find(text, i + 1)
    return hits


def qa_records(
    rows: Iterable[Mapping[str, Any]],
    *,
    q_lang: str,
    c_lang: str,
    dataset: str,
    id_prefix: str = "",
    require_answers: bool = True,
    fix_offsets: bool = False,
    where: str = "<hub>",
    stats: dict[str, int] | None = None,
) -> list[dict]:
    """Hub SQuAD-schema rows (id, context, question, answers{text[], answer_start[]}) -> QA.

    ``paragraph_id`` is ``{dataset}-{sha1(context)[:12]}``: questions on one paragraph share it.
    With ``fix_offsets`` a span that does not match is moved to its text's occurrence in the
    context (hub builders strip contexts and answers, which shifts offsets) only when the text
    occurs exactly once; every move is logged with the question id and both offsets and listed
    in ``stats['moved']``. A text that occurs twice or more (which span was meant cannot be
    told) or not at all raises.
    """
    check_lang(q_lang, path=where)
    check_lang(c_lang, path=where)
    out = []
    n_fixed = 0
    for _, row in hub_rows(rows, where):
        rid = f"{id_prefix}{row['id']}"
        ctx = row["context"]
        ans = row["answers"]
        if isinstance(ans, Mapping):  # datasets' Sequence({...}): a dict of lists
            texts, starts = list(ans.get("text") or []), list(ans.get("answer_start") or [])
        elif isinstance(ans, list):  # SQuAD JSON style: a list of {text, answer_start}
            texts = [a.get("text") for a in ans]
            starts = [a.get("answer_start") for a in ans]
        else:
            raise DataError(where, rid, f"malformed answers {ans!r}")
        if len(texts) != len(starts):
            raise DataError(where, rid, f"{len(texts)} answer texts but {len(starts)} starts")
        answers = []
        for text, start in zip(texts, starts, strict=True):
            if not text:
                continue
            if (
                not isinstance(text, str)
                or isinstance(start, bool)
                or not isinstance(start, numbers.Integral)
            ):
                raise DataError(where, rid, f"malformed answer {text!r} at {start!r}")
            start = int(start)
            if ctx[start : start + len(text)] != text:
                hits = _occurrences(ctx, text) if fix_offsets else []
                if len(hits) > 1:
                    raise DataError(
                        where,
                        rid,
                        f"answer {text!r} at offset {start} does not match the context, and "
                        f"its text occurs {len(hits)} times (offsets {hits[:5]}): which span "
                        "was meant cannot be told, so it is not moved",
                    )
                if not hits:
                    raise DataError(
                        where,
                        rid,
                        f"answer {text!r} at offset {start} is not "
                        "inside the context (span outside context)",
                    )
                log.warning(
                    "%s: %s: answer %r moved from offset %d to %d", where, rid, text, start, hits[0]
                )
                if stats is not None:
                    stats.setdefault("moved", []).append(f"{rid}: {start} -> {hits[0]}")
                start, n_fixed = hits[0], n_fixed + 1
            answers.append({"text": text, "answer_start": start})
        para = f"{dataset}-{hashlib.sha1(ctx.encode()).hexdigest()[:12]}"
        out.append(qa_record(rid, q_lang, c_lang, row["question"], ctx, answers, para))
    if not out:
        raise DataError(where, None, "no questions")
    if require_answers and all(not r["answers"] for r in out):
        raise DataError(where, None, f"all {len(out)} gold answers are empty (labels stripped?)")
    if n_fixed:
        log.warning("%s: moved %d answer offset(s) to their text's only occurrence", where, n_fixed)
    if stats is not None:
        stats["offsets_fixed"] = stats.get("offsets_fixed", 0) + n_fixed
    return L.validate_all_qa(out, where, require_answers=require_answers)


def xsr_records(
    rows: Iterable[Mapping[str, Any]], *, lang: str, where: str = "<hub>"
) -> list[dict]:
    """XTREME Tatoeba rows (source_sentence = foreign, target_sentence = English) -> XSR records
    with ids ``tatoeba-{lang}-{row}`` (as the local loader)."""
    _check_target(lang, where)
    out = []
    for i, row in hub_rows(rows, where):
        en, xx = row["target_sentence"].strip(), row["source_sentence"].strip()
        if not en or not xx:
            raise DataError(where, f"row {i}", "empty sentence in a parallel test pair")
        out.append(
            {"id": f"tatoeba-{lang}-{i}", "src_lang": "en", "tgt_lang": lang, "src": en, "tgt": xx}
        )
    return validate_all("xsr", out, where)


def parallel_records(
    rows: Iterable[Mapping[str, Any]],
    *,
    lang: str,
    id_prefix: str,
    en_field: str = "english",
    xx_field: str = "non_english",
    where: str = "<hub>",
    skip_empty: bool = True,
    stats: dict[str, int] | None = None,
) -> list[dict]:
    """Parallel rows -> tokenised parallel records ``{id_prefix}{row}``.

    Mined corpora (WikiMatrix) do contain empty sides; they are skipped and counted in
    ``stats['empty']`` (``skip_empty=False`` makes them errors instead).
    """
    _check_target(lang, where)
    out = []
    n_empty = 0
    for i, row in hub_rows(rows, where):
        en, xx = (row[en_field] or "").strip(), (row[xx_field] or "").strip()
        if not en or not xx:
            if not skip_empty:
                raise DataError(where, f"row {i}", "empty sentence in a parallel pair")
            n_empty += 1
            continue
        src, tgt = L.tokenized(en, "en"), L.tokenized(xx, lang)
        if not src or not tgt:
            n_empty += 1
            continue
        out.append(
            {
                "id": f"{id_prefix}{row.get('_row', i)}",
                "src_lang": "en",
                "tgt_lang": lang,
                "src": src,
                "tgt": tgt,
            }
        )
    if stats is not None:
        stats["empty"] = stats.get("empty", 0) + n_empty
    return validate_all("parallel", out, where)


def load_wikimatrix_dir(path: Path, lang: str) -> list[dict]:
    """WikiMatrix from a directory: OPUS Moses files or Efimov's ``<xx> ||| <en>`` file."""
    path = Path(path)
    check_lang(lang)
    en_p, xx_p = path / f"WikiMatrix.en-{lang}.en", path / f"WikiMatrix.en-{lang}.{lang}"
    if en_p.is_file() and xx_p.is_file():
        rows = (
            {"english": e, "non_english": x}
            for _, e, x in L.read_parallel_lines(L.read_lines(en_p), L.read_lines(xx_p), en_p, xx_p)
        )
        return parallel_records(rows, lang=lang, id_prefix=f"wikimatrix-{lang}-", where=str(xx_p))
    pipe = sorted(path.glob(f"wiki_matrix.moses.{lang}-en*.token"))
    if pipe:
        rows_l = []
        for i, line in enumerate(L.read_lines(pipe[0]), 1):
            xx, sep, en = line.partition(" ||| ")
            if not sep:
                raise DataError(pipe[0], f"line {i}", "expected '<xx> ||| <en>'")
            rows_l.append({"english": en, "non_english": xx})
        return parallel_records(
            rows_l, lang=lang, id_prefix=f"wikimatrix-{lang}-", where=str(pipe[0]), skip_empty=False
        )
    raise DataError(
        path,
        None,
        f"no WikiMatrix files for {lang} (expected {en_p.name} and "
        f"{xx_p.name}, or wiki_matrix.moses.{lang}-en.*.token)",
    )
