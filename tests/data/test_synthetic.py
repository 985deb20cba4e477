"""Tests of the synthetic world: bundle shape, determinism, scripts, word order, knobs, leaks."""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tiny_world import SMALL_WORLD

from repro.data.bundle import Bundle, read_jsonl
from repro.data.synthetic import WorldConfig, describe_world, generate_world, write_bundle
from repro.data.world.inventory import (
    CATEGORIES,
    LOC_NAMES,
    ORG_NAMES,
    PER_NAMES,
    VERBS,
    nouns_by_category,
)
from repro.errors import ConfigError
from repro.records import NLI_LABELS, validate_all


def small(**kw) -> WorldConfig:
    return WorldConfig(**{**SMALL_WORLD, **kw})


@pytest.fixture(scope="module")
def world():
    return generate_world(small())


@pytest.fixture(scope="module")
def bundle(world, tmp_path_factory) -> Bundle:
    root = tmp_path_factory.mktemp("world")
    written = write_bundle(world, root)
    loaded = Bundle.load(root)
    assert loaded.to_json() == written.to_json()
    return loaded


def _digest(root: Path) -> str:
    h = hashlib.sha256()
    for p in sorted(root.rglob("*")):
        if p.is_file():
            h.update(p.name.encode())
            h.update(p.read_bytes())
    return h.hexdigest()


# ----------------------------------------------------------------------------- config


@pytest.mark.parametrize(
    "field,value",
    [
        ("shared_name_rate", 1.5),
        ("cognate_es", -0.1),
        ("n_mono", -1),
        ("n_mono", "10"),
        ("n_nli_test", True),
        ("languages", ("es", "en")),
        ("languages", ("en", "fr")),
        ("languages", ("en", "es", "es")),
        ("sov_languages", ("en",)),
        ("n_per", 1000),
        ("nouns_per_category", 1),
        ("qa_max_questions", 3),
        ("question_rate", 0.9),
        ("p_negation", 2.0),
    ],
)
def test_bad_knob_raises_config_error_naming_the_field(field, value):
    with pytest.raises(ConfigError, match=f"world.{field}"):
        WorldConfig(**{field: value})


def test_list_values_are_accepted_as_tuples():
    cfg = WorldConfig(languages=["en", "hi"], sov_languages=[])
    assert cfg.languages == ("en", "hi") and cfg.targets == ("hi",)


# ----------------------------------------------------------------------------- bundle


def test_bundle_layout_and_every_file_validates(bundle, world):
    cfg = world.config
    assert bundle.source == "synthetic"
    assert bundle.languages == list(cfg.languages)
    assert set(bundle.mono) == set(cfg.languages)
    for name in (bundle.parallel, bundle.parallel_heldout, bundle.xsr):
        assert set(name) == set(cfg.targets)
    assert set(bundle.train) == set(bundle.dev) == {"nli", "ner", "qa"}
    for rel in bundle.mono.values():
        lines = bundle.path(rel).read_text(encoding="utf-8").splitlines()
        assert len(lines) == cfg.n_mono and all(line.strip() for line in lines)
    for kind, files in (
        ("parallel", bundle.parallel),
        ("parallel", bundle.parallel_heldout),
        ("xsr", bundle.xsr),
    ):
        for rel in files.values():
            validate_all(kind, read_jsonl(bundle.path(rel)), path=rel)
    for split in (bundle.train, bundle.dev):
        for task, rel in split.items():
            recs = validate_all(task, read_jsonl(bundle.path(rel)), path=rel)
            assert all(r.get("lang", r.get("q_lang")) == "en" for r in recs)
    assert len(read_jsonl(bundle.path(bundle.train["qa"]))) == cfg.n_qa_train
    names = {e.name for e in bundle.eval}
    expected = {f"{t}.synthetic.{x}" for t in ("nli", "ner") for x in cfg.languages}
    expected.add("qa.synthetic.en-en")
    for x in cfg.targets:
        expected |= {f"qa.synthetic.{x}-{x}", f"qa.synthetic.en-{x}", f"qa.synthetic.{x}-en"}
    assert names == expected
    for e in bundle.eval:
        recs = validate_all(e.task, read_jsonl(bundle.path(e.path)), path=e.path)
        assert (
            len(recs) == {"nli": cfg.n_nli_test, "ner": cfg.n_ner_test, "qa": cfg.n_qa_test}[e.task]
        )
    assert bundle.notes["config"]["seed"] == cfg.seed


def test_rewrite_replaces_a_bundle_without_leftovers(world, tmp_path):
    write_bundle(world, tmp_path)
    first = _digest(tmp_path)
    write_bundle(world, tmp_path)
    assert _digest(tmp_path) == first
    assert not list(tmp_path.glob(".*.tmp"))


# ----------------------------------------------------------------------------- determinism


def test_same_seed_gives_byte_identical_bundle_and_other_seed_differs(tmp_path):
    cfg = small(n_mono=100, n_nli_train=60, n_qa_train=40, n_ner_train=30)
    digests = []
    for i, seed in enumerate((cfg.seed, cfg.seed, cfg.seed + 1)):
        out = tmp_path / str(i)
        write_bundle(generate_world(WorldConfig(**{**cfg.__dict__, "seed": seed})), out)
        digests.append(_digest(out))
    assert digests[0] == digests[1]
    assert digests[0] != digests[2]


def test_resizing_training_data_leaves_test_sets_unchanged():
    a = generate_world(small(n_mono=100, n_nli_train=50))
    b = generate_world(small(n_mono=200, n_nli_train=80, n_parallel=50))
    assert a.eval == b.eval
    assert a.xsr == b.xsr


# ----------------------------------------------------------------------------- tasks


def test_nli_labels_balanced_in_every_split(world):
    splits = [world.train["nli"], world.dev["nli"]] + [
        recs for (task, _), recs in world.eval.items() if task == "nli"
    ]
    for recs in splits:
        counts = Counter(r["label"] for r in recs)
        assert set(counts) == set(NLI_LABELS)
        assert max(counts.values()) - min(counts.values()) <= 1


def test_nli_single_word_drop_respects_negation_monotonicity(world):
    """Independent check on English text: deleting one modifier word is entailment under an
    affirmative premise and neutral under a negated one, except a (non-restrictive) adjective
    on the subject name, which is always entailed."""
    checked = 0
    for r in world.train["nli"] + world.eval[("nli", "en")]:
        p, h = r["premise"].split(), r["hypothesis"].split()
        if len(p) != len(h) + 1:
            continue
        drops = [k for k in range(len(p)) if p[:k] + p[k + 1 :] == h]
        if not drops or p[drops[0]] in ("a", "an", "not"):
            continue
        k = drops[0]
        if k == 0 and p[1][0].isupper():
            assert r["label"] == "entailment", r
        else:
            assert r["label"] == ("neutral" if "not" in p else "entailment"), r
        checked += 1
    assert checked > 20


def test_nli_test_items_are_the_same_frames_in_every_language(world):
    by_lang = {x: world.eval[("nli", x)] for x in world.config.languages}
    ids = [r["id"] for r in by_lang["en"]]
    for recs in by_lang.values():
        assert [r["id"] for r in recs] == ids
        assert [r["label"] for r in recs] == [r["label"] for r in by_lang["en"]]


def _iob2_ok(tags: list[str]) -> bool:
    prev = "O"
    for t in tags:
        if t.startswith("I-") and prev[2:] != t[2:]:
            return False
        prev = t
    return True


def test_ner_tags_are_well_formed_iob2_with_two_word_names(world):
    recs = world.train["ner"] + [r for (t, _), rs in world.eval.items() if t == "ner" for r in rs]
    assert all(_iob2_ok(r["tags"]) for r in recs)
    tags = Counter(t for r in recs for t in r["tags"])
    for etype in ("PER", "ORG", "LOC"):
        assert tags[f"B-{etype}"] > 0 and tags[f"I-{etype}"] > 0


def test_ner_test_entities_match_across_languages(world):
    def ents(r):
        return [t for t in r["tags"] if t != "O"]

    en = world.eval[("ner", "en")]
    for x in world.config.targets:
        xx = world.eval[("ner", x)]
        assert [r["id"] for r in xx] == [r["id"] for r in en]
        for a, b in zip(en, xx, strict=True):
            assert sorted(ents(a)) == sorted(ents(b))


def test_english_ner_tags_exactly_the_inventory_names(world):
    names = {w for n in PER_NAMES + ORG_NAMES + LOC_NAMES for w in n.split()}
    for r in world.train["ner"]:
        for tok, tag in zip(r["tokens"], r["tags"], strict=True):
            assert (tag != "O") == (tok in names), (tok, tag)


def test_qa_answers_are_typed_spans_and_pairs_share_ids(world):
    qa = {lang: recs for (t, lang), recs in world.eval.items() if t == "qa"}
    ids = [r["id"] for r in qa["en-en"]]
    pids = [r["paragraph_id"] for r in qa["en-en"]]
    assert len(set(pids)) < len(ids)  # some paragraphs carry several questions
    for pair, recs in qa.items():
        q, c = pair.split("-")
        assert [r["id"] for r in recs] == ids and [r["paragraph_id"] for r in recs] == pids
        validate_all("qa", recs, path=pair)
        for r in recs:
            assert (r["q_lang"], r["c_lang"]) == (q, c)
            ctx = r["context"].split()
            ans = r["answers"][0]["text"].split()
            hits = sum(ctx[i : i + len(ans)] == ans for i in range(len(ctx)))
            assert hits >= 1
            if not ans[0].isdigit():
                assert hits == 1, r  # distractors never reuse the answer entity or noun
            start = r["answers"][0]["answer_start"]
            assert start == 0 or r["context"][start - 1] == " "
    by_wh = Counter()
    names = {w for n in PER_NAMES + ORG_NAMES + LOC_NAMES for w in n.split()}
    for r in qa["en-en"] + world.train["qa"]:
        wh, ans = r["question"].split()[0], r["answers"][0]["text"]
        by_wh[wh] += 1
        if wh == "how":
            assert ans.isdigit()
        elif wh in ("who", "which", "where"):
            assert all(w in names for w in ans.split())
        else:
            assert wh == "what" and ans.islower()
        n_ctx = len(r["context"].split())
        assert n_ctx > len(r["question"].split())
    assert set(by_wh) == {"who", "what", "where", "how", "which"}


def _type_candidates(question: str, context: str) -> int:
    """Independent count (from the English text) of context words of the question's type."""
    ctx = context.split()
    wh = question.split()[0]
    if wh == "how":
        return sum(w.isdigit() for w in ctx)
    if wh == "what":
        _, nouns = _verb_and_noun_forms()
        return sum(w in nouns for w in ctx)
    names = {"who": PER_NAMES, "which": ORG_NAMES, "where": LOC_NAMES}[wh]
    n = 0
    for name in names:
        ws = name.split()
        n += sum(ctx[i : i + len(ws)] == ws for i in range(len(ctx)))
    return n


@pytest.mark.parametrize("rate", [0.0, 1.0])
def test_qa_same_type_rate_controls_same_type_distractors(rate):
    w = generate_world(small(qa_same_type_rate=rate, n_qa_train=300))
    counts = [
        _type_candidates(r["question"], r["context"])
        for r in w.train["qa"] + w.eval[("qa", "en-en")]
    ]
    assert min(counts) >= 1
    if rate == 0.0:
        assert max(counts) == 1
    else:
        assert sum(c >= 2 for c in counts) > 0.6 * len(counts)


def test_qa_tense_cue_gives_the_answer_sentence_a_unique_tense():
    w = generate_world(small(qa_same_type_rate=1.0, qa_max_questions=1))
    verbs = {v.past: 0 for v in VERBS} | {v.third: 1 for v in VERBS}
    verbs |= {"did": 0, "does": 1}
    for r in w.train["qa"]:
        pn = int(r["paragraph_id"].rsplit("-p", 1)[1])
        sents = w.paragraphs[("train", "en")][pn]
        tenses = [next(verbs[x] for x in s.split() if x in verbs) for s in sents]
        q_tense = next(verbs[x] for x in r["question"].split() if x in verbs)
        assert tenses.count(q_tense) == 1, (r["question"], sents)


def test_parallel_alignments_are_one_to_one_and_in_range(world):
    for x in world.config.targets:
        for recs in (world.parallel[x], world.heldout[x]):
            validate_all("parallel", recs, path=x)
            for r in recs:
                links = r["alignment"]
                assert len({i for i, _ in links}) == len({j for _, j in links}) == len(links)
                src, tgt = r["src"].split(), r["tgt"].split()
                # digits and identical names link to themselves
                for i, j in links:
                    if src[i].isdigit() or tgt[j].isdigit():
                        assert src[i] == tgt[j]


def test_xsr_pairs_are_the_same_frames_in_every_language(world):
    en = [r["src"] for r in world.xsr[world.config.targets[0]]]
    assert len(set(en)) == len(en)
    for x in world.config.targets:
        recs = world.xsr[x]
        assert [r["src"] for r in recs] == en
        assert [r["id"] for r in recs] == [f"xsr-{i:06d}" for i in range(len(en))]
        assert len({r["tgt"] for r in recs}) == len(recs)


# ----------------------------------------------------------------------------- scripts


def _english_name_words() -> set[str]:
    return {w for n in PER_NAMES + ORG_NAMES + LOC_NAMES for w in n.split()}


_CYR = re.compile(r"^[\u0400-\u04FF]+$")
_DEV = re.compile(r"^[\u0900-\u097F]+$")
_VI_MARKS = set("ăâđêôơưàáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ")


def test_scripts_per_language(world):
    names = _english_name_words()
    words = {lang: [w for s in lines for w in s.split()] for lang, lines in world.mono.items()}
    assert all(w.isascii() for w in words["en"])
    for lang, pat in (("ru", _CYR), ("hi", _DEV)):
        odd = [w for w in words[lang] if not (pat.match(w) or w.isdigit() or w in names)]
        assert not odd, odd[:5]
        assert sum(bool(pat.match(w)) for w in words[lang]) > 0.7 * len(words[lang])
    vi = [w for w in words["vi"] if w not in names and not w.isdigit()]
    assert sum(any(ch in _VI_MARKS for ch in w.lower()) for w in vi) > 0.7 * len(vi)
    assert not any(_CYR.match(w) or _DEV.match(w) for w in words["vi"] + words["es"])
    es_lines = world.mono["es"]
    assert sum(any(ch in "áéíóú" for ch in s) for s in es_lines) > 0.5 * len(es_lines)
    assert not any(any(ch in _VI_MARKS - set("áéíóú") for ch in s) for s in es_lines)


def _verb_and_noun_forms() -> tuple[set[str], set[str]]:
    verbs = {f for v in VERBS for f in (v.base, v.third, v.past)}
    nouns = {f for cat in nouns_by_category() for pair in cat for f in pair}
    nouns |= {f for pair in CATEGORIES for f in pair}
    assert not verbs & nouns
    return verbs, nouns


def _verb_object_order(recs: list[dict]) -> Counter:
    """For gold-aligned pairs with a verb and a noun object: is the target verb after it?"""
    verbs, nouns = _verb_and_noun_forms()
    out: Counter = Counter()
    for r in recs:
        src = r["src"].split()
        if src[0] in ("who", "what", "where", "which", "how"):
            continue  # questions front the wh-phrase
        link = dict((i, j) for i, j in r["alignment"])
        iv = [i for i, w in enumerate(src) if w in verbs]
        io = [i for i, w in enumerate(src) if w in nouns]
        if len(iv) != 1 or len(io) != 1 or iv[0] not in link or io[0] not in link:
            continue
        assert iv[0] < io[0]  # English is SVO
        out["SOV" if link[iv[0]] > link[io[0]] else "SVO"] += 1
    return out


def test_hi_is_sov_and_es_svo_in_gold_alignments(world):
    hi = _verb_object_order(world.parallel["hi"])
    es = _verb_object_order(world.parallel["es"])
    assert hi["SOV"] > 30 and hi["SVO"] == 0
    assert es["SVO"] > 30 and es["SOV"] == 0


def test_sov_knob_changes_word_order():
    w = generate_world(small(sov_languages=("es",), n_parallel=150))
    assert _verb_object_order(w.parallel["es"])["SVO"] == 0
    assert _verb_object_order(w.parallel["hi"])["SOV"] == 0


# ----------------------------------------------------------------------------- knobs


@pytest.mark.parametrize("rate", [0.0, 0.5, 1.0])
def test_shared_name_rate_matches_the_knob(rate):
    w = generate_world(small(shared_name_rate=rate, n_mono=50))
    en = w.names["en"]
    for x in w.config.targets:
        shared = sum(a == b for a, b in zip(en, w.names[x], strict=True)) / len(en)
        # 120 entities: binomial sd <= 0.046; transliteration clashes may force a few shares
        assert abs(shared - rate) < 0.15, (x, shared)
        if rate == 1.0:
            assert shared == 1.0
        if rate == 0.0:
            assert shared < 0.05


def test_shared_names_appear_verbatim_in_target_text():
    w = generate_world(small(shared_name_rate=1.0))
    for x in w.config.targets:
        for r in w.parallel[x]:
            src, tgt = r["src"].split(), r["tgt"].split()
            caps = [i for i, s in enumerate(src) if s[0].isupper()]
            assert all(src[i] == tgt[j] for i, j in r["alignment"] if i in caps)


def test_cognate_knob_plants_english_stems_in_es():
    stems = {v.base.rstrip("aeiouy")[:4] for v in VERBS if len(v.base) > 3}
    base = generate_world(small(n_mono=200))
    cog = generate_world(small(n_mono=200, cognate_es=1.0))

    def rate(w):
        toks = [t for s in w.mono["es"] for t in s.split()]
        return sum(t[:4] in stems for t in toks) / len(toks)

    assert rate(cog) > rate(base) + 0.05
    assert cog.stats["cognates"]["es"] > 50 and base.stats["cognates"]["es"] == 0


def test_subset_of_languages_leaves_others_unchanged():
    full = generate_world(small(n_mono=50))
    sub = generate_world(small(n_mono=50, languages=("en", "ru")))
    assert set(sub.mono) == {"en", "ru"}
    assert sub.mono["ru"] == full.mono["ru"] and sub.parallel["ru"] == full.parallel["ru"]


# ----------------------------------------------------------------------------- leaks


def _paragraph_sentences(w, split: str, lang: str, recs: list[dict]) -> list[str]:
    """Sentences of the QA contexts, after checking they reassemble each context exactly."""
    paras = w.paragraphs[(split, lang)]
    for r in recs:
        pn = int(r["paragraph_id"].rsplit("-p", 1)[1])
        assert " ".join(paras[pn]) == r["context"]
    return [s for p in paras for s in p]


def test_no_test_or_dev_sentence_leaks_into_training_data():
    """A deliberately tiny frame space, where independent sampling would collide a lot."""
    cfg = small(
        n_per=4,
        n_org=4,
        n_loc=4,
        nouns_per_category=2,
        p_negation=0.0,
        p_count=0.0,
        p_location=0.0,
        p_time=0.0,
        p_obj_adj=0.0,
        p_subj_adj=0.0,
        p_hypernym=0.0,
        question_rate=0.3,
        n_mono=1500,
        n_parallel=600,
    )
    w = generate_world(cfg)
    mono_en = w.mono["en"]
    assert len(set(mono_en)) < 0.8 * len(mono_en)  # the space is saturated

    held_out: set[str] = set()
    for (task, lang), recs in w.eval.items():
        for r in recs:
            if task == "nli":
                held_out |= {r["premise"], r["hypothesis"]}
            elif task == "ner":
                held_out.add(" ".join(r["tokens"]))
            else:
                held_out.add(r["question"])
        if task == "qa":
            held_out.update(_paragraph_sentences(w, "test", lang.split("-")[1], recs))
    held_out |= {s for r in w.dev["nli"] for s in (r["premise"], r["hypothesis"])}
    held_out |= {" ".join(r["tokens"]) for r in w.dev["ner"]}
    held_out |= {r["question"] for r in w.dev["qa"]}
    held_out.update(_paragraph_sentences(w, "dev", "en", w.dev["qa"]))
    for recs in list(w.xsr.values()) + list(w.heldout.values()):
        held_out |= {s for r in recs for s in (r["src"], r["tgt"])}

    trained: list[str] = [s for lines in w.mono.values() for s in lines]
    for recs in w.parallel.values():
        trained += [s for r in recs for s in (r["src"], r["tgt"])]
    trained += [s for r in w.train["nli"] for s in (r["premise"], r["hypothesis"])]
    trained += [" ".join(r["tokens"]) for r in w.train["ner"]]
    trained += [r["question"] for r in w.train["qa"]]
    trained += _paragraph_sentences(w, "train", "en", w.train["qa"])
    leaks = [s for s in trained if s in held_out]
    assert not leaks, leaks[:5]


# ----------------------------------------------------------------------------- properties

TINY = dict(
    n_mono=20,
    n_parallel=20,
    n_heldout=5,
    n_nli_train=12,
    n_nli_dev=3,
    n_nli_test=9,
    n_ner_train=5,
    n_ner_dev=3,
    n_ner_test=5,
    n_qa_train=8,
    n_qa_dev=3,
    n_qa_test=6,
    n_xsr=5,
)


@settings(max_examples=8)
@given(
    seed=st.integers(0, 2**31),
    rate=st.floats(0, 1),
    sov=st.sampled_from([(), ("hi",), ("es", "vi")]),
    neg=st.floats(0, 1),
    qmax=st.integers(2, 4),
)
def test_any_world_yields_valid_records(seed, rate, sov, neg, qmax):
    w = generate_world(
        WorldConfig(
            seed=seed,
            shared_name_rate=rate,
            sov_languages=sov,
            p_negation=neg,
            qa_max_sentences=qmax,
            **TINY,
        )
    )
    for (task, _), recs in w.eval.items():
        validate_all(task, recs)
        if task == "ner":
            assert all(_iob2_ok(r["tags"]) for r in recs)
    for task, recs in list(w.train.items()) + list(w.dev.items()):
        validate_all(task, recs)
    for recs in list(w.parallel.values()) + list(w.heldout.values()) + list(w.xsr.values()):
        validate_all("parallel", recs)
    assert all(len(lines) == TINY["n_mono"] for lines in w.mono.values())


# ----------------------------------------------------------------------------- describe


def test_describe_world_shows_every_language_alignments_and_tasks(world):
    text = describe_world(world, n_examples=1)
    for lang in world.config.languages:
        assert f"[{lang}]" in text
    assert "links:" in text and "=" in text
    for tag in ("[nli hi]", "[ner ru]", "[qa en-vi]", "[qa es-en]", "[xsr hi]"):
        assert tag in text


@pytest.mark.slow
def test_default_world_is_generated_and_written_at_its_documented_sizes(tmp_path):
    # no timing assertion: speed varies with the machine and belongs to benchmarks
    w = generate_world(WorldConfig())
    b = write_bundle(w, tmp_path)
    assert len(w.mono["hi"]) == 40_000 and len(w.train["nli"]) == 20_000
    assert len(w.eval[("qa", "hi-en")]) == 500
    assert (tmp_path / b.mono["hi"]).stat().st_size > 0


def test_documents_repeat_subjects_and_leave_everything_else_alone(world):
    from repro.data.world.inventory import PER_NAMES

    docs = generate_world(small(doc_sentences=4, doc_subject_reuse=0.9))
    assert docs.mono["en"][0] == world.mono["en"][0]  # a document opens as before
    names = set(PER_NAMES)

    def first_name(line):
        return next((w for w in line.split() if w in names), None)

    def share(lines, pairs):
        hits = [
            first_name(lines[i]) is not None and first_name(lines[i]) == first_name(lines[j])
            for i, j in pairs
        ]
        return sum(hits) / len(hits)

    lines = docs.mono["en"]
    within = [(i, i + 1) for i in range(len(lines) - 1) if (i + 1) % 4]
    across = [(i, i + 1) for i in range(len(lines) - 1) if (i + 1) % 4 == 0]
    assert share(lines, within) > 0.4 > 0.1 > share(lines, across)
    assert share(world.mono["en"], within) < 0.1  # independent sentences rarely share one


def test_documents_off_keeps_the_world_and_its_key():
    from repro.config import resolve
    from repro.data.world.config import world_key_config
    from repro.workflow.graph import Graph

    cfg = small()
    assert "doc_sentences" not in world_key_config(cfg)
    assert world_key_config(small(doc_sentences=3))["doc_sentences"] == 3
    base = Graph(resolve("smoke")).data()
    docs = Graph(resolve("smoke", overrides=("world.doc_sentences=4",))).data()
    assert "doc_sentences" not in base.config["world"] and docs.key != base.key
    with pytest.raises(ConfigError, match="doc_sentences"):
        small(doc_sentences=0)


def test_code_switching_inserts_english_words_into_target_text_only(world):
    from repro.data.world.config import world_key_config
    from repro.data.world.inventory import PER_NAMES

    cs = generate_world(small(code_switch_rate=0.2))
    assert cs.mono["en"] == world.mono["en"]  # English text is untouched
    assert cs.train == world.train and cs.eval == world.eval  # only pretraining text changes
    en_words = {w for line in world.mono["en"] for w in line.split()} - set(PER_NAMES)
    for lang in ("es", "hi"):
        changed = [(a, b) for a, b in zip(world.mono[lang], cs.mono[lang], strict=True) if a != b]
        assert 0.3 < len(changed) / len(world.mono[lang]) < 0.95
        a, b = changed[0]
        assert len(a.split()) == len(b.split())  # word for word, same order
        inserted = {w for a, b in changed for w in set(b.split()) - set(a.split())}
        assert len(inserted & en_words) / len(inserted) > 0.8  # the inserted words are English
    assert "code_switch_rate" not in world_key_config(small())  # off: old worlds keep their keys
    assert world_key_config(small(code_switch_rate=0.2))["code_switch_rate"] == 0.2
    with pytest.raises(ConfigError, match="code_switch_rate"):
        small(code_switch_rate=1.5)
