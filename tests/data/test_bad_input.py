"""Malformed inputs: every loader raises DataError naming the file and the line/row/id."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from archives import tgz, zip_of

from repro.data import local as L
from repro.errors import DataError

PREMISES = ["The cat sat.", "A dog ran.", "It rained."]
LABELS = ["entailment", "neutral", "contradiction"]


def write(root: Path, rel: str, data: str | bytes) -> Path:
    p = root / rel
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return p


def squad_json(qas: list[dict], context: str = "Paris is the capital of France.") -> str:
    return json.dumps(
        {
            "version": "1.1",
            "data": [{"title": "t", "paragraphs": [{"context": context, "qas": qas}]}],
        }
    )


def qa(qid: str, text: str = "Paris", start: int = 0) -> dict:
    return {
        "id": qid,
        "question": "What is the capital?",
        "answers": [{"text": text, "answer_start": start}],
    }


def xnli_test_files(root: Path, *, lang_rows: list[tuple[str, str]] | None = None) -> None:
    rows = [(p, f"h{i}{j}") for i, p in enumerate(PREMISES) for j in range(3)]
    labels = [LABELS[(i + j) % 3] for i in range(3) for j in range(3)]
    head = "genre\tlabel\tsentence1_en\tsentence2_en\tsentence1_my\tsentence2_my\n"
    write(
        root,
        "xnli/myxnli/my.genre.test.tsv",
        head
        + "".join(
            f"fiction\t{lab}\t{p}\t{h}\tm\tm\n" for (p, h), lab in zip(rows, labels, strict=True)
        ),
    )
    write(root, "xnli/test-en.tsv", "".join(f"{p}\t{h}\r\n" for p, h in rows))
    body = lang_rows if lang_rows is not None else [(f"es {p}", f"es {h}") for p, h in rows]
    write(root, "xnli/test-es.tsv", "".join(f"{p}\t{h}\r\n" for p, h in body))


# --- encoding and framing --------------------------------------------------------------------


def test_empty_file(tmp_path):
    write(tmp_path, "wikiann/test-es.tsv", "\n\n")
    with pytest.raises(DataError, match="empty file") as err:
        L.load_wikiann(tmp_path, "es", "test")
    assert err.value.path.endswith("wikiann/test-es.tsv")


def test_bom_and_crlf_are_accepted(tmp_path):
    write(tmp_path, "wikiann/dev-es.tsv", b"\xef\xbb\xbfMadrid\tB-LOC\r\nes\tO\r\n\r\nHola\tO\r\n")
    recs = L.load_wikiann(tmp_path, "es", "dev")
    assert recs[0]["tokens"] == ["Madrid", "es"] and recs[0]["tags"] == ["B-LOC", "O"]
    assert recs[1]["id"] == "wikiann-dev-es-1"
    write(tmp_path, "xquad/xquad.es.json", b"\xef\xbb\xbf" + squad_json([qa("q1")]).encode())
    assert L.load_xquad(tmp_path, "es")[0]["answers"] == [{"text": "Paris", "answer_start": 0}]


def test_invalid_utf8_names_the_line(tmp_path):
    write(tmp_path, "wikiann/train-es.tsv", b"a\tO\nb\tO\n\nc\xff\tO\n")
    with pytest.raises(DataError, match="invalid UTF-8") as err:
        L.load_wikiann(tmp_path, "es", "train")
    assert err.value.record == "line 4"


def test_truncated_json(tmp_path):
    text = squad_json([qa("q1")])
    write(tmp_path, "xquad/xquad.ru.json", text[: len(text) // 2])
    with pytest.raises(DataError, match="invalid JSON") as err:
        L.load_xquad(tmp_path, "ru")
    assert err.value.record == "line 1" and err.value.path.endswith("xquad.ru.json")


def test_json_that_is_not_squad(tmp_path):
    write(tmp_path, "xquad/xquad.vi.json", json.dumps({"data": [{"title": "x"}]}))
    with pytest.raises(DataError, match="paragraphs") as err:
        L.load_xquad(tmp_path, "vi")
    assert err.value.record == "article 0"


# --- columns, labels, tags -------------------------------------------------------------------


def test_wrong_column_count_xnli_dev(tmp_path):
    write(tmp_path, "xnli/dev-es.tsv", "p\th\tentailment\r\np\th\r\n")
    with pytest.raises(DataError, match="expected 3 tab-separated columns, got 2") as err:
        L.load_xnli(tmp_path, "es", "dev")
    assert err.value.record == "line 2"


def test_unknown_nli_label(tmp_path):
    write(tmp_path, "xnli/dev-es.tsv", "p\th\tentailment\np\th\tmaybe\n")
    with pytest.raises(DataError, match="unknown NLI label 'maybe'") as err:
        L.load_xnli(tmp_path, "es", "dev")
    assert err.value.record == "line 2"


def test_mnli_header_and_columns(tmp_path):
    write(tmp_path, "mnli/mnli_train.tsv", "premise\thypothesis\tlabel\tgenre\np\th\tneutral\tx\n")
    with pytest.raises(DataError, match="expected header") as err:
        L.load_mnli(tmp_path, "train")
    assert err.value.record == "line 1"
    write(tmp_path, "mnli/mnli_val.tsv", "sentence1\tsentence2\tlabel\tgenre\np\th\tneutral\n")
    with pytest.raises(DataError, match="4 tab-separated columns") as err:
        L.load_mnli(tmp_path, "val")
    assert err.value.record == "line 2"


def test_wikiann_unknown_tag_and_columns(tmp_path):
    write(tmp_path, "wikiann/test-ru.tsv", "a\tO\nb\tB-MISC\n")
    with pytest.raises(DataError, match="unknown NER tag 'B-MISC'") as err:
        L.load_wikiann(tmp_path, "ru", "test")
    assert err.value.record == "line 2"
    write(tmp_path, "wikiann/test-vi.tsv", "a\tO\textra\n")
    with pytest.raises(DataError, match="2 columns") as err:
        L.load_wikiann(tmp_path, "vi", "test")
    assert err.value.record == "line 1"


def test_unknown_language_code(tmp_path):
    with pytest.raises(DataError, match="unknown language code 'fr'"):
        L.load_xnli(tmp_path, "fr", "test")
    with pytest.raises(DataError, match="unknown language code 'en'"):
        L.load_tatoeba(tmp_path, "en")
    with pytest.raises(DataError, match="unknown language code 'ru'"):
        L.load_mlqa_dev(tmp_path, "ru")
    with pytest.raises(DataError, match="unknown language code"):
        L.parallel_sources("de")


def test_unknown_split_and_source(tmp_path):
    with pytest.raises(DataError, match="unknown XNLI split"):
        L.load_xnli(tmp_path, "es", "train")
    with pytest.raises(DataError, match="unknown parallel source 'wikimatrix'"):
        L.load_parallel(tmp_path, "es", sources=["wikimatrix"])


# --- XNLI test label join --------------------------------------------------------------------


def test_xnli_test_label_join_ok(tmp_path):
    xnli_test_files(tmp_path)
    recs = L.load_xnli(tmp_path, "es", "test")
    assert [r["id"] for r in recs] == [f"xnli-test-{i}" for i in range(9)]
    assert [r["label"] for r in recs] == [LABELS[(i + j) % 3] for i in range(3) for j in range(3)]
    assert recs[0]["premise"] == "es The cat sat."


def test_xnli_test_row_count_mismatch(tmp_path):
    rows = [(f"p{i}", "h") for i in range(3) for _ in range(3)][:8]
    xnli_test_files(tmp_path, lang_rows=rows)
    with pytest.raises(DataError, match="8 rows but the label file") as err:
        L.load_xnli(tmp_path, "es", "test")
    assert err.value.path.endswith("test-es.tsv")


def test_xnli_test_grouping_mismatch(tmp_path):
    rows = [(f"p{i // 3}", "h") for i in range(9)]
    rows[4] = ("p9", "h")  # breaks the second premise group
    xnli_test_files(tmp_path, lang_rows=rows)
    with pytest.raises(DataError, match="premise grouping differs") as err:
        L.load_xnli(tmp_path, "es", "test")
    assert err.value.record == "line 5"


def test_xnli_test_english_text_disagreement(tmp_path):
    xnli_test_files(tmp_path)
    rows = [(p, f"other {i}{j}") for i, p in enumerate(PREMISES) for j in range(3)]
    write(tmp_path, "xnli/test-en.tsv", "".join(f"{p}\t{h}\n" for p, h in rows))
    with pytest.raises(DataError, match="same English text"):
        L.load_xnli(tmp_path, "en", "test")


# --- parallel files --------------------------------------------------------------------------


def test_parallel_line_count_mismatch(tmp_path):
    write(tmp_path, "tatoeba/tatoeba.spa-eng.eng", "a\nb\nc\n")
    write(tmp_path, "tatoeba/tatoeba.spa-eng.spa", "a\nb\n")
    with pytest.raises(DataError, match="2 lines but the parallel file") as err:
        L.load_tatoeba(tmp_path, "es")
    assert err.value.path.endswith("tatoeba.spa-eng.spa")


def test_parallel_empty_line(tmp_path):
    write(tmp_path, "parallel/flores200-devtest/eng_Latn.devtest", "One.\nTwo.\nThree.\n")
    write(tmp_path, "parallel/flores200-devtest/rus_Cyrl.devtest", "Один.\n  \nТри.\n")
    with pytest.raises(DataError, match="empty line") as err:
        L.load_parallel(tmp_path, "ru", sources=["flores200"])
    assert err.value.record == "line 2" and err.value.path.endswith("rus_Cyrl.devtest")


def test_parallel_crlf_and_ids(tmp_path):
    write(tmp_path, "parallel/ntrex128/newstest2019-src.eng.txt", "Hello, world.\r\nBye!\r\n")
    write(
        tmp_path,
        "parallel/ntrex128/newstest2019-ref.vie.txt",
        "Xin chào, thế giới.\r\nTạm biệt!\r\n",
    )
    recs = L.load_parallel(tmp_path, "vi", sources=["ntrex128"])
    assert [r["id"] for r in recs] == ["ntrex128-vi-1", "ntrex128-vi-2"]
    assert recs[0]["src"] == "Hello , world ." and recs[1]["tgt"] == "Tạm biệt !"


def test_tgz_members_read_in_memory_and_missing_member(tmp_path):
    write(
        tmp_path,
        "parallel/en-vi/dev-2012-en-vi.tgz",
        tgz({"tst2012.en": b"Hi .\nYes\n", "tst2012.vi": "Chào .\nVâng\n".encode()}),
    )
    write(tmp_path, "parallel/en-vi/test-2013-en-vi.tgz", tgz({"tst2013.en": b"x\n"}))
    src = L.parallel_sources("vi", ["iwslt15"])
    assert L.read_parallel_source(tmp_path, src[0]) == [(1, "Hi .", "Chào ."), (2, "Yes", "Vâng")]
    with pytest.raises(DataError, match="member missing") as err:
        L.read_parallel_source(tmp_path, src[1])
    assert err.value.record == "tst2013.vi"
    assert sorted(p.name for p in (tmp_path / "parallel/en-vi").iterdir()) == [
        "dev-2012-en-vi.tgz",
        "test-2013-en-vi.tgz",
    ]  # nothing extracted to disk


def test_tgz_member_with_invalid_utf8(tmp_path):
    write(
        tmp_path,
        "parallel/en-vi/dev-2012-en-vi.tgz",
        tgz({"tst2012.en": b"a\nb\n", "tst2012.vi": b"a\n\xc3\n"}),
    )
    with pytest.raises(DataError, match="invalid UTF-8") as err:
        L.read_parallel_source(tmp_path, L.parallel_sources("vi", ["iwslt15"])[0])
    assert err.value.record == "line 2" and "tst2012.vi" in err.value.path


# --- QA --------------------------------------------------------------------------------------


def test_answer_span_outside_context(tmp_path):
    write(tmp_path, "xquad/xquad.hi.json", squad_json([qa("q1"), qa("q2", "Paris", 40)]))
    with pytest.raises(DataError, match="not inside the context") as err:
        L.load_xquad(tmp_path, "hi")
    assert err.value.record == "q2"


def test_answer_text_mismatching_offset(tmp_path):
    write(tmp_path, "xquad/xquad.hi.json", squad_json([qa("q1", "France", 3)]))
    with pytest.raises(DataError, match="'France' at offset 3"):
        L.load_xquad(tmp_path, "hi")


def test_all_empty_gold_answers_in_evaluation_set(tmp_path):
    write(
        tmp_path,
        "mlqa/dev/dev-context-es-question-es.json",
        squad_json([qa("q1", "", 0), qa("q2", "", 0)]),
    )
    with pytest.raises(DataError, match="all 2 gold answers are empty"):
        L.load_mlqa_dev(tmp_path, "es")


def test_one_empty_gold_answer_in_evaluation_set(tmp_path):
    write(
        tmp_path,
        "mlqa/dev/dev-context-vi-question-vi.json",
        squad_json([qa("q1"), qa("q2", "", 0)]),
    )
    with pytest.raises(DataError, match="no gold answer") as err:
        L.load_mlqa_dev(tmp_path, "vi")
    assert err.value.record == "q2"


def test_duplicate_ids(tmp_path):
    write(tmp_path, "xquad/xquad.es.json", squad_json([qa("q1"), qa("q1")]))
    with pytest.raises(DataError, match="duplicate example id") as err:
        L.load_xquad(tmp_path, "es")
    assert err.value.record == "q1"


def test_squad_zip_missing_member_and_bad_zip(tmp_path):
    write(tmp_path, "squad/dev-v1.1.json.zip", zip_of({"other.json": "{}"}))
    with pytest.raises(DataError, match="member missing") as err:
        L.load_squad_dev(tmp_path)
    assert err.value.record == "dev-v1.1.json"
    write(tmp_path, "squad/dev-v1.1.json.zip", b"not a zip at all")
    with pytest.raises(DataError, match="not a valid zip"):
        L.load_squad_dev(tmp_path)


def test_xquad_cross_requires_the_same_ids(tmp_path):
    write(tmp_path, "xquad/xquad.en.json", squad_json([qa("q1"), qa("q2")]))
    write(tmp_path, "xquad/xquad.es.json", squad_json([qa("q1"), qa("q3")]))
    with pytest.raises(DataError, match="missing here") as err:
        L.build_xquad_cross(tmp_path, "en", "es")
    assert err.value.record in {"q2", "q3"}


def test_missing_file_is_a_data_error(tmp_path):
    with pytest.raises(DataError, match="file not found") as err:
        L.load_tatoeba(tmp_path, "hi")
    assert err.value.path.endswith("tatoeba.hin-eng.eng")
