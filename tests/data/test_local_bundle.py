"""The mini bundle: built from a small fake data dir in the real layout, and from the real files."""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
import zipfile
from pathlib import Path

import pytest

from repro.config import resolve
from repro.data import local as L
from repro.data.bundle import Bundle, read_jsonl
from repro.data.catalog import eval_sets_for
from repro.data.local_bundle import LocalDataConfig, build_local_bundle
from repro.errors import ConfigError, DataError
from repro.records import validate_all

LABELS = ("entailment", "neutral", "contradiction")
XX = {"en": "", "es": "es ", "vi": "vi "}


def _w(root: Path, rel: str, data: str | bytes) -> None:
    p = root / rel
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)


def _squad(paragraphs: list[tuple[str, list[tuple[str, str, str]]]]) -> str:
    """[(context, [(qid, question, answer)])] -> SQuAD JSON, one article per paragraph."""
    data = []
    for ctx, qas in paragraphs:
        data.append(
            {
                "title": "t",
                "paragraphs": [
                    {
                        "context": ctx,
                        "qas": [
                            {
                                "id": qid,
                                "question": q,
                                "answers": [{"text": a, "answer_start": ctx.index(a)}],
                            }
                            for qid, q, a in qas
                        ],
                    }
                ],
            }
        )
    return json.dumps({"version": "1.1", "data": data}, ensure_ascii=False)


def _xquad_paras(lang: str) -> list[tuple[str, list[tuple[str, str, str]]]]:
    p = XX[lang]
    return [
        (
            f"{p}Alpha city lies north. {p}It has a port.",
            [("xq1", f"{p}Where is Alpha?", "north"), ("xq2", f"{p}What does it have?", "port")],
        ),
        (
            f"{p}Beta river is long. {p}It floods yearly.",
            [("xq3", f"{p}What is long?", "Beta"), ("xq4", f"{p}When does it flood?", "yearly")],
        ),
    ]


def _pairs(name: str, lang: str, n: int = 8) -> tuple[list[str], list[str]]:
    en = [f"Sentence {i} from {name} tells story {i}." for i in range(n)]
    xx = [f"{lang} frase {i} de {name} cuenta {i}." for i in range(n)]
    en[-1] = " ".join(["long"] * 20) + "."  # longer than max_words=12
    xx[-1] = "largo ."
    return en, xx


def _tgz(members: dict[str, str]) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tf:
        for name, text in members.items():
            data = text.encode()
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def make_fake_data_dir(root: Path) -> Path:
    """Every file the mini bundle reads for languages (es, vi), a few records each."""
    langs = ("en", "es", "vi")
    premises = ["Premise one is here.", "Premise two is there.", "Premise three is far."]
    rows = [(pr, f"Hypothesis {i}{j}.") for i, pr in enumerate(premises) for j in range(3)]
    head = "genre\tlabel\tsentence1_en\tsentence2_en\tsentence1_my\tsentence2_my\n"
    _w(
        root,
        "xnli/myxnli/my.genre.test.tsv",
        head + "".join(f"g\t{LABELS[k % 3]}\t{p}\t{h}\tm\tm\n" for k, (p, h) in enumerate(rows)),
    )
    for lang in langs:
        _w(
            root,
            f"xnli/test-{lang}.tsv",
            "".join(f"{XX[lang]}{p}\t{XX[lang]}{h}\r\n" for p, h in rows),
        )
        for split, n in (("train", 6), ("dev", 4), ("test", 5)):
            _w(
                root,
                f"wikiann/{split}-{lang}.tsv",
                "".join(
                    f"{XX[lang].strip() or 'en'}{split}{k}\tB-LOC\ntoken{k}\tO\n\n"
                    for k in range(n)
                ),
            )
        _w(root, f"xquad/xquad.{lang}.json", _squad(_xquad_paras(lang)))
        _w(
            root,
            f"mlqa/dev/dev-context-{lang}-question-{lang}.json",
            _squad(
                [
                    (
                        f"{XX[lang]}Gamma town has {k} mills.",
                        [(f"m{lang}{k}", "How many mills?", f"{k}")],
                    )
                    for k in range(3)
                ]
            ),
        )
    mnli = "sentence1\tsentence2\tlabel\tgenre\n"
    _w(
        root,
        "mnli/mnli_train.tsv",
        mnli
        + "".join(
            f"Train premise {k} .\tTrain hypothesis {k} .\t{LABELS[k % 3]}\tfiction\n"
            for k in range(12)
        ),
    )
    _w(
        root,
        "mnli/mnli_val.tsv",
        mnli
        + "".join(
            f"Val premise {k} .\tVal hypothesis {k} .\t{LABELS[k % 3]}\tfiction\n" for k in range(6)
        ),
    )
    squad = _squad(
        _xquad_paras("en")
        + [
            (
                "Delta valley is green. Farms grow wheat.",
                [("s1", "What is green?", "Delta valley"), ("s2", "What grows?", "wheat")],
            ),
            ("Epsilon peak is high.", [("s3", "What is high?", "Epsilon peak")]),
        ]
    )
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("dev-v1.1.json", squad)
    _w(root, "squad/dev-v1.1.json.zip", buf.getvalue())
    # TyDiQA reuses question ids across articles, as the real file does.
    _w(
        root,
        "tydiqa/tydiqa.goldp.en.train.json",
        _squad(
            [
                ("Zeta lake is deep.", [("0", "What is deep?", "Zeta lake")]),
                ("Eta hill is small.", [("0", "What is small?", "Eta hill")]),
            ]
        ),
    )
    tat = {"es": "spa", "vi": "vie"}
    for lang, x3 in tat.items():
        _w(
            root,
            f"tatoeba/tatoeba.{x3}-eng.eng",
            "".join(f"Test pair {k} in {lang}.\n" for k in range(5)),
        )
        _w(
            root,
            f"tatoeba/tatoeba.{x3}-eng.{x3}",
            "".join(f"{lang} prueba {k}.\n" for k in range(5)),
        )
    # parallel: es
    for stem in L._WMT["es"]:
        en, xx = _pairs(stem, "es")
        _w(root, f"parallel/en-es/{stem}.eng", "\n".join(en) + "\n")
        _w(root, f"parallel/en-es/{stem}.spa", "\n".join(xx) + "\n")
    en, xx = _pairs("tico", "es")
    _w(root, "parallel/en-es/tico19-test.en", "\n".join(en) + "\n")
    _w(root, "parallel/en-es/tico19-test.es_LA", "\n".join(xx) + "\n")
    en, xx = _pairs("flores", "x")
    en[2] = "Premise two is there."  # an XNLI test premise: must be filtered out
    _w(root, "parallel/flores200-devtest/eng_Latn.devtest", "\n".join(en) + "\n")
    for stem in ("spa_Latn", "vie_Latn"):
        _w(root, f"parallel/flores200-devtest/{stem}.devtest", "\n".join(xx) + "\n")
    en, xx = _pairs("ntrex", "x")
    _w(root, "parallel/ntrex128/newstest2019-src.eng.txt", "\r\n".join(en) + "\r\n")
    for x3 in ("spa", "vie"):
        _w(root, f"parallel/ntrex128/newstest2019-ref.{x3}.txt", "\r\n".join(xx) + "\r\n")
    # parallel: vi
    for arc, stem in L._IWSLT:
        en, xx = _pairs(stem, "vi")
        _w(
            root,
            f"parallel/en-vi/{arc}",
            _tgz({f"{stem}.en": "\n".join(en) + "\n", f"{stem}.vi": "\n".join(xx) + "\n"}),
        )
    en, xx = _pairs("tc", "vi")
    en[0], xx[0] = "Test pair 3 in vi.", "vi prueba 3."  # exact copy of an XSR test pair
    d = "parallel/tatoeba-challenge/eng-vie/tatoeba-test-v2021-08-07"
    _w(root, f"{d}.eng", "\n".join(en) + "\n")
    _w(root, f"{d}.vie", "\n".join(xx) + "\n")
    _w(root, f"{d}.vie.labels", "\n".join(["vie"] * 7 + ["vie_Hani"]) + "\n")
    return root


CFG = LocalDataConfig(
    languages=("es", "vi"),
    max_words=12,
    max_parallel=20,
    n_heldout=3,
    n_nli_train=0,
    n_nli_dev=0,
    n_nli_test=6,
    n_ner_train=0,
    n_ner_dev=0,
    n_ner_test=2,
    n_qa_dev=1,
    n_qa_test=0,
    n_xsr=0,
    n_mono=0,
    seed=0,
)


@pytest.fixture(scope="module")
def fake(tmp_path_factory) -> tuple[Path, Bundle]:
    root = make_fake_data_dir(tmp_path_factory.mktemp("data"))
    out = tmp_path_factory.mktemp("out") / "bundle"
    return root, build_local_bundle(root, CFG, out)


def _records(b: Bundle, rel: str) -> list[dict]:
    return read_jsonl(b.path(rel))


def test_bundle_layout_and_every_file_validates(fake):
    _, b = fake
    again = Bundle.load(b.root)
    cfg = resolve("mini", overrides=("languages=['es','vi']",))
    catalog = {s.name for t in ("nli", "ner", "qa") for s in eval_sets_for(cfg, t)}
    assert {e.name for e in again.eval} == catalog  # what the planner expects before building
    assert again.source == "local" and again.languages == ["en", "es", "vi"]
    assert sorted(e.name for e in again.eval) == sorted(
        [f"nli.xnli.{lg}" for lg in ("en", "es", "vi")]
        + [f"ner.wikiann.{lg}" for lg in ("en", "es", "vi")]
        + [f"qa.xquad.{p}" for p in ("en-en", "es-es", "vi-vi", "en-es", "es-en", "en-vi", "vi-en")]
        + ["qa.mlqa.es-es", "qa.mlqa.vi-vi"]
    )
    for e in again.eval:
        validate_all(e.task, _records(again, e.path), e.path)
    for task, rel in again.train.items():
        validate_all(task, _records(again, rel), rel)
    for lang in ("es", "vi"):
        validate_all("parallel", _records(again, again.parallel[lang]))
        validate_all("xsr", _records(again, again.xsr[lang]))
        assert again.mono[lang] and again.path(again.mono[lang]).stat().st_size > 0
    assert set(again.mono) == {"en", "es", "vi"}


def test_xnli_subsample_is_the_same_rows_in_every_language(fake):
    _, b = fake
    ids = {e.lang: [r["id"] for r in _records(b, e.path)] for e in b.eval_sets("nli")}
    assert len(ids["en"]) == 6 and ids["en"] == ids["es"] == ids["vi"]
    labels = {e.lang: [r["label"] for r in _records(b, e.path)] for e in b.eval_sets("nli")}
    assert labels["en"] == labels["vi"]


def test_cross_lingual_qa_pairs_question_and_context_languages(fake):
    _, b = fake
    (ev,) = [e for e in b.eval_sets("qa") if e.name == "qa.xquad.vi-en"]
    recs = _records(b, ev.path)
    assert {(r["q_lang"], r["c_lang"]) for r in recs} == {("vi", "en")}
    assert all(r["question"].startswith("vi ") and not r["context"].startswith("vi ") for r in recs)


def test_parallel_is_filtered_tokenised_and_heldout_disjoint(fake):
    root, b = fake
    xsr_keys = {
        L.overlap_key(s)
        for lang in ("es", "vi")
        for r in L.load_tatoeba(root, lang)
        for s in (r["src"], r["tgt"])
    }
    for lang in ("es", "vi"):
        pool = _records(b, b.parallel[lang])
        held = _records(b, b.parallel_heldout[lang])
        assert len(held) == 3 and 0 < len(pool) <= 20
        for r in pool + held:
            assert len(r["src"].split()) <= 12 and len(r["tgt"].split()) <= 12
            assert r["src"].split() == L.tokenize_words(r["src"], "en")
            assert L.overlap_key(r["src"]) not in xsr_keys | {
                L.overlap_key("Premise two is there.")
            }
            assert L.overlap_key(r["tgt"]) not in xsr_keys
        held_keys = {L.overlap_key(r[s]) for r in held for s in ("src", "tgt")}
        assert not any(L.overlap_key(r[s]) in held_keys for r in pool for s in ("src", "tgt"))
    counts = b.notes["counts"]["parallel"]
    assert b.notes["dropped_overlaps"]["vi"] >= 2  # the XSR copy and the XNLI premise
    assert counts["vi"]["by_source"]["tatoeba-challenge"] == 7  # one vie_Hani line skipped
    assert counts["es"]["too_long"] == 10  # the last line of each of the 10 es sources


def test_qa_train_excludes_xquad_paragraphs_and_dev_is_disjoint(fake):
    _, b = fake
    train, dev = _records(b, b.train["qa"]), _records(b, b.dev["qa"])
    ids = {r["id"] for r in train + dev}
    assert not ids & {"xq1", "xq2", "xq3", "xq4"}
    assert {"s1", "s2", "s3", "tydiqa-train-0-0", "tydiqa-train-1-0"} == ids
    assert not {r["paragraph_id"] for r in train} & {r["paragraph_id"] for r in dev}
    assert b.notes["counts"]["qa_source"]["xquad_paragraphs_removed"] == 2


def test_mono_has_no_test_sentences(fake):
    root, b = fake
    keys = L.collect_test_sentences(root, ("es", "vi"))
    for rel in b.mono.values():
        lines = b.path(rel).read_text(encoding="utf-8").splitlines()
        assert lines and len(set(lines)) == len(lines)
        assert not any(L.overlap_key(s) in keys for s in lines)
    en = b.path(b.mono["en"]).read_text(encoding="utf-8")
    assert "Train premise" in en and "Sentence 0 from flores" in en
    assert "Premise two is there." not in en.splitlines()


def test_mono_lines_caps_deduplicates_and_drops_test_text():
    from repro.data.local_bundle import mono_lines, rng_for

    cands = [f"line {i}" for i in range(50)] + ["line  3", "The  test one."]
    lines, c = mono_lines(
        cands, test_keys={L.overlap_key("the test one .")}, n=10, rng=rng_for(0, "t")
    )
    assert len(lines) == 10 and len(set(lines)) == 10
    assert c == {"candidates": 52, "unique": 51, "test_overlap": 1, "written": 10}
    assert set(lines) <= {f"line {i}" for i in range(50)}


def test_notes_record_input_checksums_and_counts(fake):
    root, b = fake
    inputs = b.notes["inputs"]
    assert "xnli/myxnli/my.genre.test.tsv" in inputs
    assert "parallel/en-vi/dev-2012-en-vi.tgz" in inputs
    for rel in ("xnli/test-vi.tsv", "squad/dev-v1.1.json.zip"):
        assert inputs[rel] == hashlib.sha256((root / rel).read_bytes()).hexdigest()
    assert b.notes["counts"]["eval"]["qa.xquad.en-vi"] == 4
    assert b.notes["config"]["languages"] == ["es", "vi"]


def test_same_config_gives_identical_bytes_and_seed_changes_samples(fake, tmp_path):
    root, b = fake
    b2 = build_local_bundle(root, CFG, tmp_path / "again")
    for p in sorted(Path(b.root).iterdir()):
        assert (Path(b2.root) / p.name).read_bytes() == p.read_bytes(), p.name
    import dataclasses

    b3 = build_local_bundle(root, dataclasses.replace(CFG, seed=1), tmp_path / "seed1")
    assert _records(b3, b3.parallel["es"]) != _records(b, b.parallel["es"])


def test_rebuild_replaces_a_bundle_but_refuses_other_directories(fake, tmp_path):
    root, _ = fake
    out = tmp_path / "b"
    build_local_bundle(root, CFG, out)
    (out / "stale.jsonl").write_text("{}\n")
    build_local_bundle(root, CFG, out)
    assert not (out / "stale.jsonl").exists()
    other = tmp_path / "other"
    other.mkdir()
    (other / "keep.txt").write_text("mine")
    with pytest.raises(DataError, match="not a data bundle"):
        build_local_bundle(root, CFG, other)
    assert (other / "keep.txt").read_text() == "mine"


def test_failure_leaves_nothing_half_written(fake, tmp_path):
    root, _ = fake
    bad = tmp_path / "data"
    import shutil

    shutil.copytree(root, bad)
    (bad / "tatoeba/tatoeba.vie-eng.vie").write_text("only one line\n")
    out = tmp_path / "out" / "bundle"
    with pytest.raises(DataError, match="tatoeba.vie-eng.vie"):
        build_local_bundle(bad, CFG, out)
    assert not out.exists()
    assert not list((tmp_path / "out").glob(".*")) if (tmp_path / "out").exists() else True


def test_config_is_validated():
    with pytest.raises(ConfigError, match="unknown target language 'de'"):
        LocalDataConfig(languages=("de",))
    with pytest.raises(ConfigError, match="n_heldout"):
        LocalDataConfig(n_heldout=-1)
    with pytest.raises(ConfigError, match="unknown source"):
        LocalDataConfig(parallel_sources=("wikimatrix",))


# --------------------------------------------------------------------------------------------
# Real data, default config
# --------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_default_bundle_on_real_data(data_dir, tmp_path):
    from repro.data.manifest import read_manifest

    cfg = LocalDataConfig()
    b = build_local_bundle(data_dir, cfg, tmp_path / "mini")
    manifest = {r.path: r for r in read_manifest(data_dir)}
    for rel, digest in b.notes["inputs"].items():
        assert manifest[rel].sha256 == digest, rel
    counts = b.notes["counts"]
    assert (
        counts["eval"]["qa.mlqa.es-es"]
        == manifest["mlqa/dev/dev-context-es-question-es.json"].examples
    )
    assert counts["eval"]["qa.xquad.hi-en"] == 1190
    assert all(counts["eval"][f"nli.xnli.{lg}"] == cfg.n_nli_test for lg in b.languages)
    assert counts["qa_source"]["squad_dev_kept"] == 9380
    for lang in cfg.languages:
        assert counts["parallel"][lang]["pool"] == cfg.max_parallel
        assert counts["parallel"][lang]["heldout"] == cfg.n_heldout
        assert counts["xsr"][lang] == 1000
    assert counts["parallel"]["vi"]["test_overlap"] >= 271
    assert counts["parallel"]["hi"]["test_overlap"] >= 482
    ids = [[r["id"] for r in read_jsonl(b.path(e.path))] for e in b.eval_sets("nli")]
    assert all(x == ids[0] for x in ids)
    # the planner names eval sets from the catalog before any bundle exists: they must agree
    # (a mismatch surfaced only when the mini run reached its QA evaluations)
    catalog = {s.name for t in ("nli", "ner", "qa") for s in eval_sets_for(resolve("mini"), t)}
    assert {e.name for e in b.eval} == catalog


def _write_manifest(root: Path) -> None:
    from repro.data.manifest import MANIFEST_COLUMNS
    from repro.fsio import sha256_file

    lines = ["\t".join(MANIFEST_COLUMNS)]
    for p in sorted(root.rglob("*")):
        if p.is_file() and p.name != "MANIFEST.tsv":
            rel = p.relative_to(root).as_posix()
            lines.append(
                "\t".join(
                    [rel, str(p.stat().st_size), sha256_file(p), "r", rel, "c", "CC0", "", ""]
                )
            )
    (root / "MANIFEST.tsv").write_text("\n".join(lines) + "\n")


def test_a_same_size_edit_of_a_staged_file_is_refused(tmp_path):
    root = make_fake_data_dir(tmp_path / "data")
    _write_manifest(root)
    bundle = build_local_bundle(root, CFG, tmp_path / "ok")
    used = sorted(bundle.notes["inputs"])
    assert used and set(bundle.notes["licences"]) == set(used)
    victim = root / used[0]
    data = bytearray(victim.read_bytes())
    data[-2] = ord("X") if data[-2] != ord("X") else ord("Y")  # same size, other content
    victim.write_bytes(bytes(data))
    with pytest.raises(DataError, match="SHA-256 differs from the manifest") as exc:
        build_local_bundle(root, CFG, tmp_path / "bad")
    assert used[0] in str(exc.value)
    assert not (tmp_path / "bad").exists()  # nothing half-written
