"""Loaders of the real files (REPRO_DATA_DIR) and the word tokeniser.

Real-data tests skip without REPRO_DATA_DIR; each file is parsed once per module (cached fixture).
"""

from __future__ import annotations

import dataclasses
import re
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from repro.data import local as L
from repro.errors import DataError
from repro.records import LANGUAGES, TARGET_LANGUAGES, validate_all

# ---------------------------------------------------------------------------------------------
# Tokeniser (no data needed)
# ---------------------------------------------------------------------------------------------

_ALPHABET = st.characters(
    codec="utf-8",
    categories=("L", "M", "N", "P", "S", "Zs"),
)
_TEXT = st.text(
    alphabet=st.one_of(_ALPHABET, st.sampled_from(list(" .,'-’।!?ािंक्षहिन्दीếệ\u200d\t"))),
    max_size=60,
)


@given(_TEXT)
def test_tokenize_covers_every_non_space_character(text):
    toks = L.tokenize_words(text, "en")
    assert "".join(toks) == "".join(text.split())
    assert all(t and not any(c.isspace() for c in t) for t in toks)


@given(_TEXT)
def test_tokenize_is_idempotent(text):
    toks = L.tokenize_words(text, "hi")
    assert L.tokenize_words(" ".join(toks), "hi") == toks


def test_tokenize_splits_punctuation_keeps_words():
    assert L.tokenize_words("Hello, world! (U.S.) costs 3.5% of 1,000 -- well-known.", "en") == [
        "Hello",
        ",",
        "world",
        "!",
        "(",
        "U.S.",
        ")",
        "costs",
        "3.5",
        "%",
        "of",
        "1,000",
        "-",
        "-",
        "well-known",
        ".",
    ]


def test_tokenize_keeps_devanagari_marks_attached():
    text = "हिन्दी भाषा में नमस्ते, दुनिया।"
    toks = L.tokenize_words(text, "hi")
    assert toks == ["हिन्दी", "भाषा", "में", "नमस्ते", ",", "दुनिया", "।"]
    # Python's bare \w would cut these words after the consonants; ours must not.
    assert len(re.findall(r"\w+", "हिन्दी")) > 1


def test_tokenize_vietnamese_decomposed_diacritics_stay_in_word():
    import unicodedata

    text = unicodedata.normalize("NFD", "Tiếng Việt.")
    assert L.tokenize_words(text, "vi") == [
        *unicodedata.normalize("NFD", "Tiếng Việt").split(),
        ".",
    ]


def test_tokenize_rejects_unknown_language():
    assert L.tokenize_words("bonjour, le monde", "fr") == ["bonjour", ",", "le", "monde"]
    with pytest.raises(DataError, match="unknown language code 'xx'"):
        L.tokenize_words("bonjour", "xx")


def test_overlap_key_ignores_tokenisation_case_and_normal_form():
    import unicodedata

    raw = "Tiếng Việt, xin chào!"
    assert L.overlap_key(raw) == L.overlap_key(L.tokenized(raw, "vi").upper())
    assert L.overlap_key(unicodedata.normalize("NFD", raw)) == L.overlap_key(raw)
    assert L.overlap_key(raw) != L.overlap_key("Tiếng Việt, xin chao!")


@given(_TEXT)
def test_overlap_key_is_idempotent_and_tokenisation_blind(text):
    key = L.overlap_key(text)
    assert L.overlap_key(key) == key
    assert L.overlap_key(L.tokenized(text, "vi")) == key


def test_filter_overlap_drops_either_side_and_counts():
    recs = [
        {"id": "a", "src": "I see .", "tgt": "yo veo"},
        {"id": "b", "src": "Nothing here", "tgt": "La casa , roja ."},
        {"id": "c", "src": "Keep me", "tgt": "quédate"},
    ]
    kept, n = L.filter_overlap(recs, ["i SEE.", "la casa, roja."])
    assert [r["id"] for r in kept] == ["c"] and n == 2


# ---------------------------------------------------------------------------------------------
# Real data
# ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def manifest(data_dir) -> dict[str, int | None]:
    from repro.data.manifest import read_manifest

    return {r.path: r.examples for r in read_manifest(data_dir)}


@pytest.fixture(scope="module")
def loaded(data_dir) -> dict:
    """Every real file parsed once for the module."""
    out: dict = {}
    for lang in LANGUAGES:
        for split in ("dev", "test"):
            out[f"xnli/{split}-{lang}.tsv"] = L.load_xnli(data_dir, lang, split)
        for split in ("train", "dev", "test"):
            out[f"wikiann/{split}-{lang}.tsv"] = L.load_wikiann(data_dir, lang, split)
        out[f"xquad/xquad.{lang}.json"] = L.load_xquad(data_dir, lang)
    for lang in L.MLQA_DEV_LANGS:
        out[f"mlqa/dev/dev-context-{lang}-question-{lang}.json"] = L.load_mlqa_dev(data_dir, lang)
    out["mnli/mnli_train.tsv"] = L.load_mnli(data_dir, "train")
    out["mnli/mnli_val.tsv"] = L.load_mnli(data_dir, "val")
    out["squad/dev-v1.1.json.zip"] = L.load_squad_dev(data_dir)
    out["tydiqa/tydiqa.goldp.en.train.json"] = L.load_tydiqa(data_dir, "train")
    out["tydiqa/tydiqa.goldp.en.dev.json"] = L.load_tydiqa(data_dir, "dev", require_answers=False)
    for lang in TARGET_LANGUAGES:
        recs = L.load_tatoeba(data_dir, lang)
        for ext in ("eng", L.ISO3[lang]):
            out[f"tatoeba/tatoeba.{L.ISO3[lang]}-eng.{ext}"] = recs
        out[f"parallel:{lang}"] = L.load_parallel(data_dir, lang, tokenize=False)
    return out


def test_loader_counts_equal_manifest(loaded, manifest):
    checked = 0
    for path, recs in loaded.items():
        if path in manifest:
            assert len(recs) == manifest[path], path
            checked += 1
    assert checked == 10 + 15 + 5 + 4 + 2 + 1 + 2 + 8


def test_parallel_file_line_counts_equal_manifest(data_dir, manifest):
    checked = 0
    for lang in TARGET_LANGUAGES:
        for src in L.parallel_sources(lang):
            raw = L.read_parallel_source(data_dir, dataclasses.replace(src, labels=None))
            for rel in L.source_files(src):
                if not rel.endswith(".labels"):
                    assert len(raw) == manifest[rel], rel
                    checked += 1
    assert checked >= 40


def test_parallel_records_are_counted_and_tokenised(data_dir, loaded):
    # README totals without tatoeba-challenge; vi has one non-Vietnamese line dropped by label.
    expected = {"es": 21682, "ru": 29931, "hi": 7616 + 5000, "vi": 5830 + 2499}
    for lang, n in expected.items():
        assert len(loaded[f"parallel:{lang}"]) == n
    for lang in ("ru", "hi"):
        raw = [r for r in loaded[f"parallel:{lang}"] if r["source"] == "ntrex128"]
        recs = L.load_parallel(data_dir, lang, sources=["ntrex128"])
        assert [r["id"] for r in recs] == [r["id"] for r in raw]
        assert not any("\r" in r["src"] + r["tgt"] for r in recs)  # CRLF file
        for r, w in zip(recs, raw, strict=True):
            assert r["src"].split() == L.tokenize_words(w["src"], "en")
            assert r["tgt"].split() == L.tokenize_words(w["tgt"], lang)


def test_xnli_test_labels_joined_and_shared_across_languages(loaded):
    en = loaded["xnli/test-en.tsv"]
    assert Counter(r["label"] for r in en) == {
        "entailment": 1670,
        "neutral": 1670,
        "contradiction": 1670,
    }
    for lang in LANGUAGES:
        recs = loaded[f"xnli/test-{lang}.tsv"]
        assert [r["id"] for r in recs] == [r["id"] for r in en]
        assert [r["label"] for r in recs] == [r["label"] for r in en]
        assert L.premise_groups([r["premise"] for r in recs]) == L.premise_groups(
            [r["premise"] for r in en]
        )
    dev = loaded["xnli/dev-en.tsv"]
    assert Counter(r["label"] for r in dev) == {
        "entailment": 830,
        "neutral": 830,
        "contradiction": 830,
    }


def test_xnli_test_labels_agree_with_dev_style_pairing(data_dir, loaded):
    # The three hypotheses of a premise carry three different labels in XNLI.
    en = loaded["xnli/test-en.tsv"]
    for i in range(0, len(en), 3):
        assert {r["label"] for r in en[i : i + 3]} == {"entailment", "neutral", "contradiction"}


def test_xquad_is_parallel_and_cross_lingual_join(data_dir, loaded):
    en = loaded["xquad/xquad.en.json"]
    for lang in TARGET_LANGUAGES:
        recs = loaded[f"xquad/xquad.{lang}.json"]
        assert [r["id"] for r in recs] == [r["id"] for r in en]
        assert [r["paragraph_id"] for r in recs] == [r["paragraph_id"] for r in en]
    assert len({r["paragraph_id"] for r in en}) == 240
    cross = L.build_xquad_cross(data_dir, "en", "hi")
    hi = {r["id"]: r for r in loaded["xquad/xquad.hi.json"]}
    en_by = {r["id"]: r for r in en}
    assert len(cross) == 1190
    for r in cross[::50]:
        assert (r["q_lang"], r["c_lang"]) == ("en", "hi")
        assert r["question"] == en_by[r["id"]]["question"]
        assert r["context"] == hi[r["id"]]["context"]
        assert r["answers"] == hi[r["id"]]["answers"]
    validate_all("qa", cross)


def test_squad_dev_minus_xquad_paragraphs(loaded):
    squad = loaded["squad/dev-v1.1.json.zip"]
    xq = {r["id"] for r in loaded["xquad/xquad.en.json"]}
    assert xq <= {r["id"] for r in squad}
    paras = {r["paragraph_id"] for r in squad if r["id"] in xq}
    assert len(paras) == 240
    assert sum(r["paragraph_id"] not in paras for r in squad) == 9380


def test_tydiqa_dev_without_answers_is_rejected_for_evaluation(data_dir, loaded):
    with pytest.raises(DataError, match="all 440 gold answers are empty") as err:
        L.load_tydiqa(data_dir, "dev")
    assert err.value.path.endswith("tydiqa.goldp.en.dev.json")
    assert all(r["answers"] == [] for r in loaded["tydiqa/tydiqa.goldp.en.dev.json"])
    assert len({r["id"] for r in loaded["tydiqa/tydiqa.goldp.en.train.json"]}) == 3696


def test_tatoeba_challenge_copies_of_xsr_test_are_filtered(data_dir, loaded):
    readme_copies = {"vi": 271, "hi": 482}
    for lang, n_copies in readme_copies.items():
        tat = L.load_tatoeba(data_dir, lang)
        test_pairs = {(r["src"], r["tgt"]) for r in tat}
        ch = L.parallel_sources(lang, ["tatoeba-challenge"])[0]
        raw = L.read_parallel_source(data_dir, dataclasses.replace(ch, labels=None))
        assert sum((e, x) in test_pairs for _, e, x in raw) == n_copies
        recs = [r for r in loaded[f"parallel:{lang}"] if r["source"] == "tatoeba-challenge"]
        kept, dropped = L.filter_overlap(recs, [s for p in test_pairs for s in p])
        assert dropped >= n_copies
        test_keys = {L.overlap_key(s) for p in test_pairs for s in p}
        assert not any(
            L.overlap_key(r["src"]) in test_keys or L.overlap_key(r["tgt"]) in test_keys
            for r in kept
        )


def test_wikiann_ids_and_tags(loaded):
    recs = loaded["wikiann/test-hi.tsv"]
    assert recs[0]["id"] == "wikiann-test-hi-0" and recs[-1]["id"] == "wikiann-test-hi-999"
    tags = Counter(t for r in loaded["wikiann/train-en.tsv"] for t in r["tags"])
    assert set(tags) == {"O", "B-PER", "I-PER", "B-ORG", "I-ORG", "B-LOC", "I-LOC"}


def test_collect_test_sentences_covers_all_test_sets(data_dir, loaded):
    cache = {f"xnli.test.{lg}": loaded[f"xnli/test-{lg}.tsv"] for lg in LANGUAGES}
    keys = L.collect_test_sentences(data_dir, cache=cache)
    assert L.overlap_key(loaded["xnli/test-ru.tsv"][7]["hypothesis"]) in keys
    assert L.overlap_key(L.load_tatoeba(data_dir, "vi")[3]["tgt"]) in keys
    assert L.overlap_key(loaded["xquad/xquad.es.json"][5]["question"]) in keys
    assert L.overlap_key(loaded["mnli/mnli_train.tsv"][0]["premise"]) not in keys


def test_data_dir_fixture_points_at_real_files(data_dir):
    assert isinstance(data_dir, Path) and (data_dir / "MANIFEST.tsv").is_file()
