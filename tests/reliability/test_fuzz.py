"""Fuzzing the parsers: random bytes, strings and near-valid structures either parse or raise
``DataError``; never another exception (the CLI would print a traceback for anything else)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from repro.align.pharaoh import format_pharaoh, parse_pharaoh, read_pharaoh_file
from repro.data import local as L
from repro.data.bundle import iter_jsonl
from repro.data.manifest import read_manifest
from repro.errors import DataError
from repro.metrics.squad import score_questions
from repro.records import LANGUAGES, NER_TAGS, NLI_LABELS
from repro.tasks.base import read_records


@pytest.fixture(scope="module")
def scratch(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


def put(root: Path, rel: str, data: bytes) -> Path:
    p = root / rel
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_bytes(data)
    return p


def parses_or_data_error(fn, *args, **kwargs):
    """Call ``fn``; a DataError must name something; any other exception fails the test."""
    try:
        return fn(*args, **kwargs)
    except DataError as exc:
        assert exc.problem and str(exc)
        return exc


# Bytes that look like the formats: fragments glued at random, plus arbitrary bytes.
FRAGMENTS = [
    b"\t",
    b"\n",
    b"\r\n",
    b"\xef\xbb\xbf",
    b" ",
    b"-",
    b"0",
    b"12",
    b"a",
    b"\xff",
    b"\xc3",
    b"\xc3\xa9",
    b"\xe0\xa4\x95",
    b"entailment",
    b"neutral",
    b"contradiction",
    b"B-LOC",
    b"I-PER",
    b"O",
    b"{",
    b"}",
    b"[",
    b"]",
    b'"',
    b":",
    b",",
    b"\\",
]
format_bytes = st.one_of(
    st.binary(max_size=200), st.lists(st.sampled_from(FRAGMENTS), max_size=60).map(b"".join)
)
text = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=80)


# --- Pharaoh ---------------------------------------------------------------------------------

pharaoh_text = st.one_of(
    text,
    st.lists(
        st.sampled_from(
            [
                "0-1",
                "12-3",
                " ",
                "\t",
                "-",
                "1",
                "0x1",
                "١-٢",
                "٣",
                "1-",
                "\u00a0",
                "\u2028",
                "+1-2",
                "1--2",
                "9" * 30 + "-0",
            ]
        ),
        max_size=20,
    ).map("".join),
)


@given(pharaoh_text)
def test_parse_pharaoh_parses_or_raises_data_error(line):
    out = parses_or_data_error(parse_pharaoh, line, path="x.pharaoh", record="line 1")
    if not isinstance(out, DataError):
        assert all(isinstance(i, int) and isinstance(j, int) and i >= 0 and j >= 0 for i, j in out)
        assert parse_pharaoh(format_pharaoh(out)) == out


@given(format_bytes)
def test_read_pharaoh_file_parses_or_raises_data_error(scratch, data):
    path = put(scratch, "a.pharaoh", data)
    out = parses_or_data_error(read_pharaoh_file, path)
    if isinstance(out, DataError):
        assert out.path == str(path)


# --- TSV loaders (XNLI, MNLI, WikiANN, MANIFEST) ---------------------------------------------

tsv_field = st.one_of(
    st.sampled_from(["p", "h", "", " ", *NLI_LABELS, *NER_TAGS, "x", "B-MISC"]),
    text.filter(lambda s: "\t" not in s and "\n" not in s),
)
word = st.text(alphabet="abcéкक ", min_size=1, max_size=8).filter(str.strip)


def tsv(valid_row: st.SearchStrategy[str]) -> st.SearchStrategy[bytes]:
    """Mostly well-formed rows of one format, some damaged rows, sometimes arbitrary bytes."""
    damaged = st.one_of(st.lists(tsv_field, min_size=1, max_size=5).map("\t".join), st.just(""))
    row = st.integers(0, 8).flatmap(lambda i: damaged if i == 0 else valid_row)
    rows = st.lists(row, max_size=8).map(lambda rows: "\n".join(rows).encode("utf-8"))
    return st.integers(0, 4).flatmap(lambda i: format_bytes if i == 0 else rows)


nli_row = st.tuples(word, word, st.sampled_from(NLI_LABELS)).map("\t".join)
mnli_row = st.tuples(word, word, st.sampled_from(NLI_LABELS), word).map("\t".join)
ner_row = st.tuples(word.filter(lambda w: " " not in w), st.sampled_from(NER_TAGS)).map("\t".join)
tsv_bytes = tsv(tsv_field)


@given(tsv(nli_row))
def test_xnli_dev_parses_or_raises_data_error(scratch, data):
    put(scratch, "xnli/dev-es.tsv", data)
    out = parses_or_data_error(L.load_xnli, scratch, "es", "dev")
    if isinstance(out, DataError):
        assert out.path.endswith("dev-es.tsv")
    else:
        assert all(r["label"] in NLI_LABELS for r in out)


@given(tsv(mnli_row))
def test_mnli_parses_or_raises_data_error(scratch, data):
    head = b"sentence1\tsentence2\tlabel\tgenre\n"
    put(scratch, "mnli/mnli_train.tsv", head + data if data[:1] != b"\xef" else data)
    parses_or_data_error(L.load_mnli, scratch, "train")


@given(tsv(ner_row))
def test_wikiann_parses_or_raises_data_error(scratch, data):
    put(scratch, "wikiann/test-hi.tsv", data)
    out = parses_or_data_error(L.load_wikiann, scratch, "hi", "test")
    if not isinstance(out, DataError):
        assert all(len(r["tokens"]) == len(r["tags"]) > 0 for r in out)
        assert all(t in NER_TAGS for r in out for t in r["tags"])


@given(
    st.lists(
        st.one_of(ner_row, ner_row, st.just(""), tsv_field.filter(lambda s: "\r" not in s)),
        max_size=30,
    )
)
def test_parse_conll_lines_parse_or_raise_data_error(lines):
    parses_or_data_error(L.parse_conll, lines, Path("x.tsv"), lang="es", id_prefix="w-")


@given(tsv_bytes)
def test_read_manifest_parses_or_raises_data_error(scratch, data):
    from repro.data.manifest import MANIFEST_COLUMNS

    head = "\t".join(MANIFEST_COLUMNS).encode() + b"\n"
    put(scratch, "m/MANIFEST.tsv", head + data if len(data) % 2 else data)
    parses_or_data_error(read_manifest, scratch / "m")


@given(format_bytes)
def test_decode_text_and_split_lines(data):
    out = parses_or_data_error(L.decode_text, data, "f.txt")
    if isinstance(out, str):
        assert all("\n" not in ln for ln in L.split_lines(out))


# --- SQuAD JSON (local loaders and the metrics) ----------------------------------------------

json_leaf = st.one_of(
    st.none(), st.booleans(), st.integers(-5, 50), st.floats(allow_nan=False), text
)
json_any = st.recursive(
    json_leaf,
    lambda kids: st.one_of(st.lists(kids, max_size=3), st.dictionaries(text, kids, max_size=3)),
    max_leaves=12,
)


def maybe(strategy):
    """A valid-shaped value, or now and then anything at all (to reach every check)."""
    return st.integers(0, 24).flatmap(lambda i: json_any if i == 0 else strategy)


CONTEXT = "Paris is the capital."
GOOD_SPANS = [("Paris", 0), ("is", 6), ("capital", 13), ("capital.", 13)]
BAD_SPANS = [("", 0), ("Paris", 3), ("x", -1), ("the", 40)]
span = st.sampled_from(GOOD_SPANS * 6 + BAD_SPANS)
answer = maybe(span.map(lambda ts: {"text": ts[0], "answer_start": ts[1]}))
question = maybe(
    st.fixed_dictionaries(
        {
            "id": maybe(st.sampled_from([f"q{i}" for i in range(12)])),
            "question": maybe(word),
            "answers": maybe(st.lists(answer, min_size=1, max_size=2)),
        }
    )
)
paragraph = maybe(
    st.fixed_dictionaries(
        {
            "context": maybe(st.sampled_from([CONTEXT] * 8 + [""])),
            "qas": maybe(st.lists(question, min_size=1, max_size=2)),
        }
    )
)
squad_doc = maybe(
    st.fixed_dictionaries(
        {
            "version": st.sampled_from(["1.1", "1.0", "2.0"]),
            "data": maybe(
                st.lists(
                    maybe(
                        st.fixed_dictionaries(
                            {
                                "title": text,
                                "paragraphs": maybe(st.lists(paragraph, min_size=1, max_size=2)),
                            }
                        )
                    ),
                    max_size=2,
                )
            ),
        }
    )
)


@given(squad_doc, st.booleans())
def test_parse_squad_parses_or_raises_data_error(doc, require_answers):
    out = parses_or_data_error(
        L.parse_squad,
        doc,
        "x.json",
        q_lang="es",
        c_lang="es",
        dataset="xquad",
        require_answers=require_answers,
    )
    if not isinstance(out, DataError):
        for r in out:
            for a in r["answers"]:
                assert r["context"][a["answer_start"] :][: len(a["text"])] == a["text"]


@given(st.one_of(format_bytes, squad_doc.map(lambda d: json.dumps(d).encode())))
def test_squad_file_parses_or_raises_data_error(scratch, data):
    put(scratch, "xquad/xquad.ru.json", data)
    parses_or_data_error(L.load_xquad, scratch, "ru")


@given(
    squad_doc,
    maybe(st.dictionaries(st.sampled_from(["q1", "q2", "q9"]), maybe(text))),
    st.sampled_from([("squad", None), ("mlqa", "es"), ("mlqa", "hi")]),
)
def test_metrics_score_questions_scores_or_raises_data_error(doc, preds, mode):
    out = parses_or_data_error(
        score_questions,
        doc,
        preds,
        mode=mode[0],
        lang=mode[1],
        data_path="d.json",
        pred_path="p.json",
    )
    if not isinstance(out, DataError):
        assert ((out.em >= 0) & (out.em <= 1)).all() and ((out.f1 >= 0) & (out.f1 <= 1)).all()
        assert (out.em <= out.f1 + 1e-12).all()
        assert len(set(out.ids)) == len(out.ids)


# --- JSONL -------------------------------------------------------------------------------------


@given(
    st.one_of(
        format_bytes,
        st.lists(json_any, max_size=5).map(
            lambda xs: "".join(json.dumps(x) + "\n" for x in xs).encode()
        ),
    )
)
def test_iter_jsonl_yields_objects_or_raises_data_error(scratch, data):
    path = put(scratch, "x.jsonl", data)
    out = parses_or_data_error(lambda: list(iter_jsonl(path)))
    if not isinstance(out, DataError):
        assert all(isinstance(r, dict) for r in out)
    else:
        assert out.path == str(path)
        assert str(out.record).startswith("line ") or "empty file" in str(out)


nli_record = st.fixed_dictionaries(
    {
        "id": st.sampled_from(["a", "b", "c"]),
        "lang": st.sampled_from([*LANGUAGES, "xx", ""]),
        "premise": text,
        "hypothesis": text,
        "label": st.sampled_from([*NLI_LABELS, "Neutral", ""]),
    }
)
qa_record = st.fixed_dictionaries(
    {
        "id": st.sampled_from(["a", "b"]),
        "q_lang": st.sampled_from(["en", "es", "zz"]),
        "c_lang": st.sampled_from(["es", "hi"]),
        "question": text,
        "context": st.sampled_from(["Madrid es", "", "x y"]),
        "answers": st.lists(
            st.fixed_dictionaries(
                {
                    "text": st.sampled_from(["Madrid", "es", "", "y"]),
                    "answer_start": st.integers(-1, 12),
                }
            ),
            max_size=2,
        ),
    }
)


@given(
    st.one_of(
        st.tuples(st.just("nli"), st.lists(nli_record, max_size=4)),
        st.tuples(st.just("qa"), st.lists(qa_record, max_size=3)),
    )
)
def test_read_records_validates_or_raises_data_error(scratch, kind_recs):
    kind, recs = kind_recs
    path = put(scratch, f"{kind}.jsonl", "".join(json.dumps(r) + "\n" for r in recs).encode())
    out = parses_or_data_error(read_records, kind, path)
    if isinstance(out, DataError):
        assert out.path == str(path)
    else:
        assert len({r["id"] for r in out}) == len(out) == len(recs)


# --- Round trips: valid records written in each format come back unchanged -----------------
# The property above says "a DataError or records"; these say the records are the right ones.

line_text = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp")), min_size=1, max_size=40
).filter(lambda s: s.strip() == s and s)
unique_pairs = st.lists(
    st.tuples(line_text, line_text, st.sampled_from(NLI_LABELS)),
    min_size=1,
    max_size=12,
    unique_by=lambda r: (r[0], r[1]),
)


@given(unique_pairs)
def test_xnli_dev_round_trip(scratch, rows):
    put(scratch, "xnli/dev-vi.tsv", "\n".join("\t".join(r) for r in rows).encode() + b"\n")
    out = L.load_xnli(scratch, "vi", "dev")
    assert [(r["premise"], r["hypothesis"], r["label"]) for r in out] == rows
    assert [r["id"] for r in out] == [f"xnli-dev-{i}" for i in range(len(rows))]


token = line_text.filter(lambda s: not any(c.isspace() for c in s))
sentence = st.lists(st.tuples(token, st.sampled_from(NER_TAGS)), min_size=1, max_size=6)


@given(st.lists(sentence, min_size=1, max_size=6), st.booleans())
def test_wikiann_round_trip(scratch, sentences, crlf):
    nl = "\r\n" if crlf else "\n"
    blocks = [nl.join(f"{t}\t{g}" for t, g in s) for s in sentences]
    put(scratch, "wikiann/dev-ru.tsv", (nl * 2).join(blocks).encode() + nl.encode())
    out = L.load_wikiann(scratch, "ru", "dev")
    assert [list(zip(r["tokens"], r["tags"], strict=True)) for r in out] == sentences


@given(st.lists(st.tuples(line_text, line_text), min_size=1, max_size=12))
def test_tatoeba_round_trip(scratch, pairs):
    base = "tatoeba/tatoeba.hin-eng"
    put(scratch, f"{base}.eng", "\n".join(e for e, _ in pairs).encode() + b"\n")
    put(scratch, f"{base}.hin", "\n".join(x for _, x in pairs).encode() + b"\n")
    out = L.load_tatoeba(scratch, "hi")
    assert [(r["src"], r["tgt"]) for r in out] == pairs


@given(st.lists(st.tuples(line_text, line_text), min_size=1, max_size=12))
def test_parallel_lines_round_trip(pairs):
    en, xx = [e for e, _ in pairs], [x for _, x in pairs]
    out = L.read_parallel_lines(en, xx, "a.en", "a.xx")
    assert [(e, x) for _, e, x in out] == pairs and [i for i, _, _ in out] == list(
        range(1, len(pairs) + 1)
    )


@st.composite
def squad_questions(draw):
    """A SQuAD-format file whose answers are spans of their context, with unique ids."""
    paragraphs, n = [], 0
    for _ in range(draw(st.integers(1, 3))):
        ctx = draw(line_text)
        qas = []
        for _ in range(draw(st.integers(1, 3))):
            start = draw(st.integers(0, len(ctx) - 1))
            end = draw(st.integers(start + 1, len(ctx)))
            if not ctx[start:end].strip():
                continue
            q = draw(line_text)
            qas.append(
                {
                    "id": f"q{n}",
                    "question": q,
                    "answers": [{"text": ctx[start:end], "answer_start": start}],
                }
            )
            n += 1
        if qas:
            paragraphs.append({"context": ctx, "qas": qas})
    return {"version": "1.1", "data": [{"title": "t", "paragraphs": paragraphs}]}


@given(squad_questions())
def test_squad_round_trip(scratch, doc):
    want = [
        (q["id"], p["context"], q["question"], q["answers"])
        for p in doc["data"][0]["paragraphs"]
        for q in p["qas"]
    ]
    if not want:
        return
    path = put(scratch, "xquad/xquad.vi.json", json.dumps(doc, ensure_ascii=False).encode())
    out = L.load_squad_file(path, q_lang="vi", dataset="xquad")
    assert [(r["id"], r["context"], r["question"], r["answers"]) for r in out] == want
