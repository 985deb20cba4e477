"""Hub loaders: converters on rows read by ``datasets`` from local files in the hub schemas, and
the paper bundle built from an in-memory provider with the same schemas (no network)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

datasets = pytest.importorskip("datasets")
from datasets import ClassLabel, Dataset, Features, Sequence, Value  # noqa: E402

from repro.data import hub as H  # noqa: E402
from repro.data import local as L  # noqa: E402
from repro.data.bundle import Bundle, read_jsonl  # noqa: E402
from repro.errors import ConfigError, DataError  # noqa: E402
from repro.records import validate_all  # noqa: E402

NLI_FEATURES = Features(
    {
        "premise": Value("string"),
        "hypothesis": Value("string"),
        "label": ClassLabel(names=["entailment", "neutral", "contradiction"]),
    }
)
WIKIANN_FEATURES = Features(
    {
        "tokens": Sequence(Value("string")),
        "ner_tags": Sequence(ClassLabel(names=list(H.WIKIANN_TAG_NAMES))),
        "langs": Sequence(Value("string")),
        "spans": Sequence(Value("string")),
    }
)
QA_FEATURES = Features(
    {
        "id": Value("string"),
        "title": Value("string"),
        "context": Value("string"),
        "question": Value("string"),
        "answers": Sequence({"text": Value("string"), "answer_start": Value("int32")}),
    }
)
TATOEBA_FEATURES = Features(
    {
        k: Value("string")
        for k in ("source_sentence", "target_sentence", "source_lang", "target_lang")
    }
)


def nli_table(lang: str, n: int = 6) -> Dataset:
    p = "" if lang == "en" else f"{lang} "
    return Dataset.from_dict(
        {
            "premise": [f"{p}Premise {i // 3}." for i in range(n)],
            "hypothesis": [f"{p}Hypothesis {i}." for i in range(n)],
            "label": [i % 3 for i in range(n)],
        },
        features=NLI_FEATURES,
    )


def wikiann_table(lang: str, n: int = 4) -> Dataset:
    return Dataset.from_dict(
        {
            "tokens": [[f"{lang}Town{i}", "is", "big"] for i in range(n)],
            "ner_tags": [[5, 0, 0] for _ in range(n)],
            "langs": [[lang] * 3 for _ in range(n)],
            "spans": [[f"LOC: {lang}Town{i}"] for i in range(n)],
        },
        features=WIKIANN_FEATURES,
    )


def qa_table(rows: list[tuple[str, str, str, str, int]]) -> Dataset:
    """rows: (id, context, question, answer, start)."""
    return Dataset.from_dict(
        {
            "id": [r[0] for r in rows],
            "title": ["t"] * len(rows),
            "context": [r[1] for r in rows],
            "question": [r[2] for r in rows],
            "answers": [{"text": [r[3]], "answer_start": [r[4]]} for r in rows],
        },
        features=QA_FEATURES,
    )


def xquad_rows(lang: str) -> list[tuple[str, str, str, str, int]]:
    p = "" if lang == "en" else f"{lang} "
    ctx = f"{p}Alpha city lies north of {p}Beta."
    return [
        (
            f"q{i}",
            ctx,
            f"{p}Question {i}?",
            "north" if i % 2 else "Alpha",
            ctx.index("north" if i % 2 else "Alpha"),
        )
        for i in range(4)
    ]


def tatoeba_table(lang: str) -> Dataset:
    return Dataset.from_dict(
        {
            "source_sentence": [f"{lang} frase {i}.\n" for i in range(5)],
            "target_sentence": [f"Test sentence {i}.\n" for i in range(5)],
            "source_lang": [L.ISO3[lang]] * 5,
            "target_lang": ["eng"] * 5,
        },
        features=TATOEBA_FEATURES,
    )


def wikimatrix_table(lang: str, n: int = 30) -> Dataset:
    en = [f"Mined sentence number {i} about things." for i in range(n)]
    xx = [f"{lang} frase minada {i} sobre cosas." for i in range(n)]
    en[3], xx[3] = "Test sentence 2.", f"{lang} frase 2."  # an XSR test pair: must be dropped
    en[4], xx[4] = "", "sin pareja"  # mined corpora have empty sides: skipped and counted
    en[5] = " ".join(["long"] * 80)
    return Dataset.from_dict({"english": en, "non_english": xx})


def provider_tables(langs: tuple[str, ...]) -> dict[tuple[str, str | None, str], Dataset]:
    t: dict[tuple[str, str | None, str], Dataset] = {
        (H.MNLI_REPO, None, "train"): nli_table("en", 9),
        (H.XNLI_REPO, "en", "validation"): nli_table("en", 3),
        (H.WIKIANN_REPO, "en", "train"): wikiann_table("en", 6),
        (H.WIKIANN_REPO, "en", "validation"): wikiann_table("en", 2),
        (H.SQUAD_REPO, "plain_text", "train"): qa_table(
            [("s1", "Gamma is a town.", "What is Gamma?", "a town", 9)]
        ),
        (H.SQUAD_REPO, "plain_text", "validation"): qa_table(
            [("s2", "Delta is a lake.", "What is Delta?", "a lake", 9)]
        ),
    }
    for lang in ("en", *langs):
        t[(H.XNLI_REPO, lang, "test")] = nli_table(lang)
        t[(H.WIKIANN_REPO, lang, "test")] = wikiann_table(lang)
        t[(H.XQUAD_REPO, f"xquad.{lang}", "validation")] = qa_table(xquad_rows(lang))
    for lang in langs:
        t[(H.XTREME_REPO, f"tatoeba.{L.ISO3[lang]}", "validation")] = tatoeba_table(lang)
        t[(H.WIKIMATRIX_REPO, f"en-{lang}", "train")] = wikimatrix_table(lang)
    ctx = {"en": "Epsilon has 3 mills.", "es": "Epsilon tiene 3 molinos."}
    for c, q in (("es", "es"), ("es", "en"), ("en", "es")):
        t[(H.MLQA_REPO, f"mlqa.{c}.{q}", "test")] = qa_table(
            [("m1", ctx[c], f"{q}: how many mills?", "3", ctx[c].index("3"))]
        )
    ru = "Зета — глубокое озеро."
    t[(H.TYDIQA_REPO, "secondary_task", "validation")] = qa_table(
        [
            ("russian-1-0", ru, "Что такое Зета?", "глубокое озеро", ru.index("глубокое")),
            ("english-2-0", "Eta hill.", "What?", "Eta hill", 0),
            ("russian-3-0", "  " + ru, "Что глубокое?", "озеро", ru.index("озеро")),  # stripped ctx
        ]
    )
    return t


# --------------------------------------------------------------------------------------------
# Converters on files loaded through datasets
# --------------------------------------------------------------------------------------------


def test_xnli_parquet_with_class_labels(tmp_path):
    path = tmp_path / "xnli-es-test.parquet"
    nli_table("es").to_parquet(str(path))
    rows = H.load_local_rows("parquet", str(path), cache_dir=str(tmp_path / "cache"))
    assert H.class_names(rows, "label") == ("entailment", "neutral", "contradiction")
    recs = H.nli_records(rows, lang="es", id_prefix="xnli-test-", where=str(path))
    assert [r["id"] for r in recs][:2] == ["xnli-test-0", "xnli-test-1"]
    assert [r["label"] for r in recs] == ["entailment", "neutral", "contradiction"] * 2


def test_nli_label_names_come_from_the_features(tmp_path):
    feats = Features(
        {
            "premise": Value("string"),
            "hypothesis": Value("string"),
            "label": ClassLabel(names=["contradiction", "entailment", "neutral"]),
        }
    )
    path = tmp_path / "other-order.parquet"
    Dataset.from_dict(
        {"premise": ["p"], "hypothesis": ["h"], "label": [0]}, features=feats
    ).to_parquet(str(path))
    rows = H.load_local_rows("parquet", str(path), cache_dir=str(tmp_path / "cache"))
    recs = H.nli_records(rows, lang="en", id_prefix="x-", label_names=H.class_names(rows, "label"))
    assert recs[0]["label"] == "contradiction"


def test_unlabelled_nli_rows_are_rejected():
    with pytest.raises(DataError, match="outside 0..2") as err:
        H.nli_records(
            [{"premise": "p", "hypothesis": "h", "label": -1}],
            lang="en",
            id_prefix="glue-test-",
            where="hub:glue/mnli[test]",
        )
    assert err.value.record == "glue-test-0"


def test_wikiann_parquet_int_tags(tmp_path):
    path = tmp_path / "wikiann.parquet"
    wikiann_table("ru", 2).to_parquet(str(path))
    rows = H.load_local_rows("parquet", str(path), cache_dir=str(tmp_path / "cache"))
    assert H.class_names(rows, "ner_tags") == H.WIKIANN_TAG_NAMES
    recs = H.ner_records(rows, lang="ru", id_prefix="wikiann-test-ru-")
    assert recs[1] == {
        "id": "wikiann-test-ru-1",
        "lang": "ru",
        "tokens": ["ruTown1", "is", "big"],
        "tags": ["B-LOC", "O", "O"],
    }
    with pytest.raises(DataError, match="NER tag 9"):
        H.ner_records([{"tokens": ["a"], "ner_tags": [9]}], lang="ru", id_prefix="w-")


def test_squad_json_lines_answers_dict_of_lists(tmp_path):
    path = tmp_path / "squad.jsonl"
    ctx = "Paris is the capital of France."
    rows = [
        {
            "id": "a1",
            "title": "t",
            "context": ctx,
            "question": "Capital?",
            "answers": {"text": ["Paris", "Paris"], "answer_start": [0, 0]},
        }
    ]
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    loaded = H.load_local_rows("json", str(path), cache_dir=str(tmp_path / "cache"))
    recs = H.qa_records(loaded, q_lang="en", c_lang="en", dataset="squad", where=str(path))
    assert recs[0]["answers"] == [{"text": "Paris", "answer_start": 0}] * 2
    assert recs[0]["paragraph_id"].startswith("squad-")


def test_qa_offsets_outside_context_raise_or_are_fixed():
    ctx = "x Paris is in France, Paris!"
    row = {
        "id": "q",
        "context": ctx,
        "question": "?",
        "answers": {"text": ["Paris"], "answer_start": [21]},
    }
    with pytest.raises(DataError, match="span outside context") as err:
        H.qa_records([row], q_lang="en", c_lang="en", dataset="d", where="hub:x")
    assert err.value.record == "q"
    # "Paris" occurs twice: which span was meant cannot be told, so nothing is moved
    with pytest.raises(DataError, match="occurs 2 times") as err:
        H.qa_records([row], q_lang="en", c_lang="en", dataset="d", fix_offsets=True)
    assert err.value.record == "q"
    once = dict(row, answers={"text": ["France"], "answer_start": [12]})
    stats: dict = {}
    recs = H.qa_records(
        [once], q_lang="en", c_lang="en", dataset="d", fix_offsets=True, stats=stats
    )
    assert recs[0]["answers"] == [{"text": "France", "answer_start": 14}]
    assert stats == {"offsets_fixed": 1, "moved": ["q: 12 -> 14"]}  # every move reported
    absent = dict(row, answers={"text": ["Rome"], "answer_start": [0]})
    with pytest.raises(DataError, match="'Rome'"):
        H.qa_records([absent], q_lang="en", c_lang="en", dataset="d", fix_offsets=True)


def test_hub_schema_drift_is_a_data_error_naming_the_column():
    rows = [{"premise": "a", "hypothesis": "b", "labels": 0}]
    with pytest.raises(DataError, match="no column 'label'") as err:
        H.nli_records(rows, lang="es", id_prefix="x-", where="hub:xnli/es/test")
    assert err.value.record == "row 0" and "hub:xnli/es/test" in str(err.value)
    with pytest.raises(DataError, match="no column 'ner_tags'"):
        H.ner_records([{"tokens": ["a"], "tags": [0]}], lang="es", id_prefix="n-")
    with pytest.raises(DataError, match="no column 'source_sentence'"):
        H.xsr_records([{"source": "a", "target_sentence": "b"}], lang="es")
    with pytest.raises(DataError, match="no column 'english'"):
        H.parallel_records([{"en": "a", "non_english": "b"}], lang="es", id_prefix="p-")


def test_qa_answers_as_list_of_dicts_and_malformed():
    row = {
        "id": "q",
        "context": "Lima is big.",
        "question": "?",
        "answers": [{"text": "Lima", "answer_start": 0}],
    }
    recs = H.qa_records([row], q_lang="es", c_lang="es", dataset="d")
    assert recs[0]["answers"] == [{"text": "Lima", "answer_start": 0}]
    with pytest.raises(DataError, match="malformed"):
        H.qa_records([dict(row, answers="Lima")], q_lang="es", c_lang="es", dataset="d")


def test_qa_all_empty_answers_rejected_unless_unlabelled_use():
    rows = [
        {
            "id": f"q{i}",
            "context": "c",
            "question": "?",
            "answers": {"text": [""], "answer_start": [0]},
        }
        for i in range(2)
    ]
    with pytest.raises(DataError, match="all 2 gold answers are empty"):
        H.qa_records(rows, q_lang="ru", c_lang="ru", dataset="tydiqa")
    recs = H.qa_records(rows, q_lang="ru", c_lang="ru", dataset="tydiqa", require_answers=False)
    assert [r["answers"] for r in recs] == [[], []]


def test_xtreme_tatoeba_rows_strip_newlines_and_put_english_first(tmp_path):
    path = tmp_path / "tatoeba.parquet"
    tatoeba_table("vi").to_parquet(str(path))
    rows = H.load_local_rows("parquet", str(path), cache_dir=str(tmp_path / "cache"))
    recs = H.xsr_records(rows, lang="vi")
    assert recs[0] == {
        "id": "tatoeba-vi-0",
        "src_lang": "en",
        "tgt_lang": "vi",
        "src": "Test sentence 0.",
        "tgt": "vi frase 0.",
    }


def test_parallel_rows_tokenised_and_empty_sides_counted():
    stats: dict[str, int] = {}
    recs = H.parallel_records(
        [
            {"english": "Hi, you.", "non_english": "Привет, ты."},
            {"english": "", "non_english": "x"},
        ],
        lang="ru",
        id_prefix="wm-",
        stats=stats,
    )
    assert recs == [
        {
            "id": "wm-0",
            "src_lang": "en",
            "tgt_lang": "ru",
            "src": "Hi , you .",
            "tgt": "Привет , ты .",
        }
    ]
    assert stats == {"empty": 1}
    with pytest.raises(DataError, match="empty sentence") as err:
        H.parallel_records(
            [{"english": "", "non_english": "x"}], lang="ru", id_prefix="wm-", skip_empty=False
        )
    assert err.value.record == "row 0"


def test_wikimatrix_local_moses_and_pipe_files(tmp_path):
    (tmp_path / "WikiMatrix.en-hi.en").write_text("Hello.\nWorld!\n")
    (tmp_path / "WikiMatrix.en-hi.hi").write_text("नमस्ते।\nदुनिया!\n")
    recs = H.load_wikimatrix_dir(tmp_path, "hi")
    assert [(r["src"], r["tgt"]) for r in recs] == [("Hello .", "नमस्ते ।"), ("World !", "दुनिया !")]
    (tmp_path / "wiki_matrix.moses.ru-en.250k.token").write_text("Привет . ||| Hello .\n")
    assert H.load_wikimatrix_dir(tmp_path, "ru")[0]["tgt"] == "Привет ."
    (tmp_path / "wiki_matrix.moses.es-en.250k.token").write_text("Hola . Hello .\n")
    with pytest.raises(DataError, match=r"\|\|\|") as err:
        H.load_wikimatrix_dir(tmp_path, "es")
    assert err.value.record == "line 1"
    with pytest.raises(DataError, match="no WikiMatrix files for vi"):
        H.load_wikimatrix_dir(tmp_path, "vi")


def test_hub_specs_name_the_documented_repositories_and_configs():
    specs = H.hub_specs(H.HubDataConfig())
    assert specs["mnli.train"] == H.HubSpec("nyu-mll/multi_nli", None, "train")
    assert specs["xnli.test.hi"] == H.HubSpec("facebook/xnli", "hi", "test")
    assert specs["wikiann.test.vi"] == H.HubSpec("unimelb-nlp/wikiann", "vi", "test")
    assert specs["squad.train"] == H.HubSpec("rajpurkar/squad", "plain_text", "train")
    assert specs["xquad.ru"] == H.HubSpec("google/xquad", "xquad.ru", "validation")
    # MLQA configs are mlqa.<context>.<question>; our pair names are q-c.
    assert specs["mlqa.en-es"] == H.HubSpec("facebook/mlqa", "mlqa.es.en", "test")
    assert specs["mlqa.vi-en"] == H.HubSpec("facebook/mlqa", "mlqa.en.vi", "test")
    assert "mlqa.ru-ru" not in specs and "tydiqa.ru" in specs and "tydiqa.es" not in specs
    assert specs["tatoeba.hi"] == H.HubSpec("google/xtreme", "tatoeba.hin", "validation")
    assert specs["wikimatrix.es"].config == "en-es"
    assert "wikimatrix.es" not in H.hub_specs(H.HubDataConfig(wikimatrix_dir="/wm"))


def test_offline_hub_miss_is_a_data_error():
    with pytest.raises(DataError, match="could not load") as err:
        H.load_rows(H.HubSpec("repro-test/definitely-not-a-dataset", None, "test"))
    assert "repro-test/definitely-not-a-dataset" in err.value.path


def test_hub_config_is_validated():
    with pytest.raises(ConfigError, match=r"\['en'\] not provided by the hub datasets"):
        H.HubDataConfig(languages=("en",))
    with pytest.raises(ConfigError, match=r"\['ja'\] not provided.*wikiann, tatoeba"):
        H.HubDataConfig(languages=("de", "ja"))  # Japanese: WikiANN and Tatoeba, no XNLI
    assert H.HubDataConfig(languages=("bg", "de", "el", "es", "fr")).languages[0] == "bg"
    with pytest.raises(ConfigError, match="n_parallel"):
        H.HubDataConfig(n_parallel=-5)


# --------------------------------------------------------------------------------------------
# The paper bundle from an in-memory provider in hub schemas
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def hub_bundle(tmp_path_factory) -> Bundle:
    langs = ("es", "ru")
    tables = provider_tables(langs)
    calls: list[H.HubSpec] = []

    def provider(spec: H.HubSpec) -> Dataset:
        calls.append(spec)
        return tables[(spec.repo, spec.config, spec.split)]

    cfg = H.HubDataConfig(languages=langs, n_parallel=0, n_heldout=2)
    b = H.build_hub_bundle(cfg, tmp_path_factory.mktemp("hub") / "paper", provider=provider)
    b.notes["_calls"] = calls
    return b


def test_hub_bundle_layout(hub_bundle):
    b = Bundle.load(hub_bundle.root)
    assert b.source == "hub" and b.languages == ["en", "es", "ru"]
    assert sorted(e.name for e in b.eval) == sorted(
        [f"nli.xnli.{lg}" for lg in ("en", "es", "ru")]
        + [f"ner.wikiann.{lg}" for lg in ("en", "es", "ru")]
        + [f"qa.xquad.{p}" for p in ("en-en", "es-es", "ru-ru", "en-es", "es-en", "en-ru", "ru-en")]
        + ["qa.mlqa.es-es", "qa.mlqa.en-es", "qa.mlqa.es-en", "qa.tydiqa.ru-ru"]
    )
    for e in b.eval:
        validate_all(e.task, read_jsonl(b.path(e.path)), e.path)
    assert b.mono == {}
    assert set(b.train) == {"nli", "ner", "qa"} and set(b.dev) == {"nli", "ner", "qa"}


def test_hub_bundle_ids_match_the_local_scheme(hub_bundle):
    b = hub_bundle
    (xnli_es,) = [e for e in b.eval if e.name == "nli.xnli.es"]
    assert read_jsonl(b.path(xnli_es.path))[0]["id"] == "xnli-test-0"
    assert read_jsonl(b.path(b.xsr["ru"]))[2] == {
        "id": "tatoeba-ru-2",
        "src_lang": "en",
        "tgt_lang": "ru",
        "src": "Test sentence 2.",
        "tgt": "ru frase 2.",
    }
    (cross,) = [e for e in b.eval if e.name == "qa.mlqa.en-es"]
    rec = read_jsonl(b.path(cross.path))[0]
    assert rec["question"].startswith("en:") and rec["context"].startswith("Epsilon tiene")


def test_hub_bundle_tydiqa_is_filtered_to_russian_and_offsets_fixed(hub_bundle):
    b = hub_bundle
    (ty,) = [e for e in b.eval if e.name == "qa.tydiqa.ru-ru"]
    recs = read_jsonl(b.path(ty.path))
    assert [r["id"] for r in recs] == ["russian-1-0", "russian-3-0"]
    assert b.notes["counts"]["qa_offsets_fixed"] == 1


def test_hub_bundle_parallel_filtered(hub_bundle):
    b = hub_bundle
    for lang in ("es", "ru"):
        pool = read_jsonl(b.path(b.parallel[lang]))
        held = read_jsonl(b.path(b.parallel_heldout[lang]))
        assert len(pool) == 30 - 3 - 2 and len(held) == 2
        srcs = {r["src"] for r in pool + held}
        assert "Test sentence 2 ." not in srcs
        c = b.notes["counts"]["parallel"][lang]
        assert (c["empty"], c["too_long"], c["test_overlap"]) == (1, 1, 1)


def test_hub_bundle_records_size_mismatches_without_failing(hub_bundle):
    sc = hub_bundle.notes["size_check"]
    assert sc["eval.nli.xnli.es"] == {"got": 6, "expected": 5010, "ok": False}
    assert sc["eval.qa.mlqa.es.en-es"]["expected"] == 5253
    assert sc["xsr.ru"]["expected"] == 1000


def test_hub_bundle_calls_each_spec_and_records_them(hub_bundle):
    calls = hub_bundle.notes["_calls"]
    assert H.HubSpec("facebook/mlqa", "mlqa.en.es", "test") in calls
    stored = Bundle.load(hub_bundle.root).notes["hub"]
    assert stored["tatoeba.es"] == {
        "repo": "google/xtreme",
        "config": "tatoeba.spa",
        "split": "validation",
        "revision": None,
    }


def test_hub_bundle_with_local_wikimatrix_dir(tmp_path):
    langs = ("es",)
    tables = provider_tables(langs)
    wm = tmp_path / "wm"
    wm.mkdir()
    (wm / "WikiMatrix.en-es.en").write_text("".join(f"Line {i} here.\n" for i in range(8)))
    (wm / "WikiMatrix.en-es.es").write_text("".join(f"Línea {i} aquí.\n" for i in range(8)))
    cfg = H.HubDataConfig(languages=langs, n_parallel=0, n_heldout=3, wikimatrix_dir=str(wm))
    b = H.build_hub_bundle(
        cfg, tmp_path / "b", provider=lambda s: tables[(s.repo, s.config, s.split)]
    )
    assert len(read_jsonl(b.path(b.parallel["es"]))) == 5
    assert Path(b.root, b.parallel_heldout["es"]).is_file()


def test_wikimatrix_candidates_are_subsampled_before_conversion(tmp_path):
    langs = ("es",)
    tables = provider_tables(langs)
    cfg = H.HubDataConfig(languages=langs, n_parallel=5, n_heldout=2)
    b = H.build_hub_bundle(
        cfg, tmp_path / "b", provider=lambda s: tables[(s.repo, s.config, s.split)]
    )
    c = b.notes["counts"]["parallel"]["es"]
    assert c["candidates"] == 14 and c["read"] + c["empty"] == 14
    ids = [r["id"] for r in read_jsonl(b.path(b.parallel["es"]))]
    assert len(ids) == 5
    table = tables[(H.WIKIMATRIX_REPO, "en-es", "train")]
    for rid in ids:  # ids are corpus row numbers, so the text can be traced back
        row = table[int(rid.rsplit("-", 1)[1])]
        rec = next(r for r in read_jsonl(b.path(b.parallel["es"])) if r["id"] == rid)
        assert rec["src"] == L.tokenized(row["english"], "en")


# --------------------------------------------------------------------------------------------
# Revisions: every hub dataset pinned by commit, recorded, and part of the cache key
# --------------------------------------------------------------------------------------------


def test_revisions_reach_every_spec_of_their_repo():
    cfg = H.HubDataConfig(languages=("es",), revisions={H.XQUAD_REPO: "a" * 40})
    specs = H.hub_specs(cfg)
    xquad = [s for s in specs.values() if s.repo == H.XQUAD_REPO]
    assert xquad and all(s.revision == "a" * 40 for s in xquad)
    assert all(s.revision is None for s in specs.values() if s.repo != H.XQUAD_REPO)
    rep = H.revision_report(cfg)
    assert rep["pinned"] == {H.XQUAD_REPO: "a" * 40} and H.XQUAD_REPO not in rep["unpinned"]
    assert set(rep["unpinned"]) | {H.XQUAD_REPO} == set(H.hub_repos(cfg))


def test_revisions_of_a_repo_the_bundle_never_reads_are_a_config_error():
    cfg = H.HubDataConfig(revisions={"someone/typo": "abc"})
    with pytest.raises(ConfigError, match="someone/typo"):
        H.revision_report(cfg)
    with pytest.raises(ConfigError, match="hub.revisions.x"):
        H.HubDataConfig(revisions={"x": " "})


def test_hub_bundle_records_pinned_and_unpinned(hub_bundle):
    rev = hub_bundle.notes["revisions"]
    assert rev["pinned"] == {} and H.XNLI_REPO in rev["unpinned"]


def test_load_rows_records_the_revision_read(monkeypatch):
    import datasets

    calls = []

    def fake(repo, config, *, split, revision, cache_dir):
        calls.append(revision)
        if repo == H.MLQA_REPO and revision is None:
            raise RuntimeError("loading scripts are not supported")
        return [{"repo": repo}]

    monkeypatch.setattr(datasets, "load_dataset", fake)
    used: dict[str, str] = {}
    H.load_rows(H.HubSpec(H.XQUAD_REPO, "xquad.es", "validation", "b" * 40), used=used)
    H.load_rows(H.HubSpec(H.MLQA_REPO, "mlqa.es.es", "test"), used=used)
    assert used == {H.XQUAD_REPO: "b" * 40, H.MLQA_REPO: H.PARQUET_FALLBACK}
    assert calls == ["b" * 40, None, H.PARQUET_FALLBACK]


def test_fetch_writes_a_revisions_table_the_config_reads(tmp_path):
    import tomllib

    from repro.config import resolve
    from repro.data import fetch as F

    commits = F.resolve_commits(
        {H.XQUAD_REPO: "main", H.MLQA_REPO: H.PARQUET_FALLBACK},
        info=lambda repo, rev: ("c" if rev == "main" else "d") * 40,
    )
    assert commits == {H.MLQA_REPO: "d" * 40, H.XQUAD_REPO: "c" * 40}
    table = tomllib.loads(F.revisions_toml(commits))["hub"]["revisions"]
    inline = ", ".join(f'"{k}" = "{v}"' for k, v in table.items())  # a TOML inline table
    cfg = resolve("paper", overrides=(f"hub.revisions={{{inline}}}",))
    assert dict(cfg.hub.revisions) == commits
    spec = H.hub_specs(cfg.hub)["xquad.en"]
    assert spec.revision == "c" * 40


def test_a_pinned_revision_changes_the_data_key():
    from repro.config import resolve
    from repro.workflow.graph import Graph

    base = resolve("paper")
    pinned = resolve("paper", overrides=(f"hub.revisions.{H.XNLI_REPO}={'e' * 40}",))
    assert pinned.hub.revisions == {H.XNLI_REPO: "e" * 40}
    keys = [Graph(c).data().key for c in (base, pinned)]
    assert keys[0] != keys[1]
