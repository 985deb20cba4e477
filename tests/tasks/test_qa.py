"""QA: window features, n-best span decoding, exact character mapping, cross-lingual pairs."""

from __future__ import annotations

import numpy as np
import pytest
import toy

from repro.tasks import qa
from repro.tasks.base import FeatureConfig


@pytest.fixture(scope="module")
def tokenizer():
    from repro.model.tiny import train_wordpiece

    return train_wordpiece(toy.texts() + ["¿ Dónde vive Anna ? « Málaga » , São Paulo ."], 220)


def _offsets(n, ctx_from, ctx_to):
    off = np.full((n, 2), -1, dtype=np.int64)
    for i in range(ctx_from, ctx_to):
        off[i] = (10 * i, 10 * i + 5)
    return off


def test_best_span_respects_context_order_and_max_length():
    off = _offsets(10, 3, 9)  # 0-2 question/specials, 9 = [SEP]
    start = np.full(10, -10.0)
    end = np.full(10, -10.0)
    start[1], end[2] = 9.0, 9.0  # best pair lies in the question: excluded
    start[4], end[8] = 5.0, 5.0  # 5 tokens long
    start[6], end[7] = 3.0, 3.0  # 2 tokens long
    assert qa.best_span(start, end, off, n_best=20, max_answer_length=30)[1:] == (4, 8)
    assert qa.best_span(start, end, off, n_best=20, max_answer_length=2)[1:] == (6, 7)
    # with n_best=1 only the question pair is a candidate: nothing valid
    assert qa.best_span(start, end, off, n_best=1, max_answer_length=30) is None


def test_best_span_never_ends_before_it_starts():
    off = _offsets(10, 3, 9)
    start = np.full(10, -10.0)
    end = np.full(10, -10.0)
    start[6], end[4] = 5.0, 5.0
    _, s, e = qa.best_span(start, end, off)
    assert (s, e) != (6, 4) and 3 <= s <= e < 9


def test_best_span_ties_go_to_the_first_candidate():
    off = _offsets(6, 1, 6)
    s = np.array([0, 1, 1, 0, 0, 0], dtype=float)
    e = np.array([0, 0, 0, 1, 1, 0], dtype=float)
    score, i, j = qa.best_span(s, e, off)
    assert score == 2.0 and i in (1, 2) and j in (3, 4)


def test_answer_in_a_later_window_wins():
    contexts = ["Anna lives in Paris and Boris works in Lima"]
    off_a = np.array([[-1, -1], [0, 4], [5, 10], [11, 13], [-1, -1]])
    off_b = np.array([[-1, -1], [14, 19], [20, 23], [24, 29], [39, 43]])
    pred = qa.postprocess(
        contexts,
        [0, 0],
        [off_a, off_b],
        [np.array([0, 2, 0, 0, 0.0]), np.array([0, 0, 0, 0, 4.0])],
        [np.array([0, 2, 0, 0, 0.0]), np.array([0, 0, 0, 0, 4.0])],
    )
    assert pred == ["Lima"]
    assert qa.postprocess(["x"], [], [], [], []) == [""]


def _oracle(records, enc, tokenizer, fcfg):
    """Logits that put the maximum on each window's labelled answer span."""
    train = qa.encode_train(records, tokenizer, fcfg)
    starts, ends = [], []
    for f in train:
        s = np.zeros(len(f["input_ids"]))
        e = np.zeros(len(f["input_ids"]))
        if f["start_positions"] > 0:
            s[f["start_positions"]] = 10.0
            e[f["end_positions"]] = 10.0
        starts.append(s)
        ends.append(e)
    return {"start_logits": starts, "end_logits": ends}


def test_windows_label_the_answer_and_map_back_to_exact_characters(tokenizer):
    context = (
        "Anna lives in Paris . Boris works in Lima . Carla sees « Málaga » . "
        "Dmitri buys the lamp in São Paulo , Elena finds the car ."
    )
    answer = "São Paulo"
    rec = {
        "id": "q1",
        "q_lang": "es",
        "c_lang": "en",
        "question": "¿ Dónde compra Dmitri ?",
        "context": context,
        "answers": [{"text": answer, "answer_start": context.index(answer)}],
    }
    fcfg = FeatureConfig(max_seq_length=24, doc_stride=6)
    train = qa.encode_train([rec], tokenizer, fcfg)
    enc = qa.encode_eval([rec], tokenizer, fcfg)
    assert len(train) == len(enc.features) > 2  # several overlapping windows
    hits = 0
    for f, off in zip(train, enc.meta["offsets"], strict=True):
        assert len(f["input_ids"]) <= 24
        s, e = f["start_positions"], f["end_positions"]
        if (s, e) == (0, 0):
            continue
        hits += 1
        assert context[off[s, 0] : off[e, 1]] == answer
    assert hits >= 1
    (pred,) = qa.decode([rec], enc, _oracle([rec], enc, tokenizer, fcfg), toy.eval_config())
    assert pred["prediction"] == answer
    assert pred["em"] == pred["f1"] == pred["em_mlqa"] == 1.0
    assert pred["lang"] == "es-en"
    assert set(pred) == {
        "id",
        "lang",
        "paragraph_id",
        "prediction",
        "em",
        "f1",
        "em_mlqa",
        "f1_mlqa",
    }


def test_max_answer_length_limits_decoded_spans(tokenizer):
    context = "Anna lives in Paris Madrid Moscow Hanoi Delhi ."
    answer = "Paris Madrid Moscow Hanoi Delhi"
    rec = {
        "id": "q",
        "q_lang": "en",
        "c_lang": "en",
        "question": "where ?",
        "context": context,
        "answers": [{"text": answer, "answer_start": context.index(answer)}],
    }
    fcfg = FeatureConfig(max_seq_length=40, doc_stride=8)
    enc = qa.encode_eval([rec], tokenizer, fcfg)
    logits = _oracle([rec], enc, tokenizer, fcfg)
    assert qa.decode([rec], enc, logits, toy.eval_config())[0]["prediction"] == answer
    n_tokens = len(tokenizer.tokenize(answer))
    short = qa.decode([rec], enc, logits, toy.eval_config(max_answer_length=n_tokens - 1))
    assert short[0]["prediction"] != answer
    assert len(tokenizer.tokenize(short[0]["prediction"])) <= n_tokens - 1


def test_cross_lingual_records_score_with_both_normalisers(tokenizer):
    recs = toy.qa_records(6, q_lang="en", c_lang="es")
    fcfg = FeatureConfig(max_seq_length=48, doc_stride=16)
    enc = qa.encode_eval(recs, tokenizer, fcfg)
    preds = qa.decode(recs, enc, _oracle(recs, enc, tokenizer, fcfg), toy.eval_config())
    assert all(p["lang"] == "en-es" for p in preds)
    assert [p["prediction"] for p in preds] == [r["answers"][0]["text"] for r in recs]
    m = qa.score(preds, recs, toy.eval_config())
    assert m["em"] == m["f1"] == m["em_mlqa"] == m["f1_mlqa"] == 1.0 and not m["collapsed"]
    assert [p["paragraph_id"] for p in preds] == [r["paragraph_id"] for r in recs]


def test_wrong_answers_are_flagged_collapsed(tokenizer):
    recs = toy.qa_records(4)
    enc = qa.encode_eval(recs, tokenizer, FeatureConfig(48, 16))
    zeros = {
        k: [np.zeros(len(f["input_ids"])) for f in enc.features]
        for k in ("start_logits", "end_logits")
    }
    zeros["start_logits"] = [z.copy() for z in zeros["start_logits"]]
    for z, off in zip(zeros["start_logits"], enc.meta["offsets"], strict=True):
        z[np.flatnonzero(off[:, 0] >= 0)[0]] = 1.0  # always the first context token (a name)
    preds = qa.decode(recs, enc, zeros, toy.eval_config())
    m = qa.score(preds, recs, toy.eval_config())
    assert m["em"] == 0.0 and m["collapsed"] and m["chance"] == 0.0


def test_mlqa_normaliser_for_languages_without_rules():
    norm = qa.mlqa_normalizer("ru")
    assert norm("«Москва»!") == "москва"
    assert qa.mlqa_normalizer("es")("la casa") == "casa"


def test_paragraph_id_falls_back_to_a_context_hash():
    a = {"context": "same text"}
    assert qa.paragraph_id(a) == qa.paragraph_id({"context": "same text"})
    assert qa.paragraph_id(a) != qa.paragraph_id({"context": "other"})
    assert qa.paragraph_id({"context": "x", "paragraph_id": 3}) == "3"


def test_long_questions_are_cut_and_stride_fits(tokenizer):
    rec = toy.qa_records(1)[0]
    rec = dict(rec, question=" ".join(["where does Anna live"] * 20))
    fcfg = FeatureConfig(max_seq_length=32, doc_stride=30)
    feats = qa.encode_train([rec], tokenizer, fcfg)
    assert all(len(f["input_ids"]) <= 32 for f in feats)
    assert any(f["start_positions"] > 0 for f in feats)


def _oracle_decode(records, tokenizer, fcfg):
    enc = qa.encode_eval(records, tokenizer, fcfg)
    return qa.decode(records, enc, _oracle(records, enc, tokenizer, fcfg), toy.eval_config())


@pytest.mark.parametrize("pair", ["hi-hi", "ru-ru", "en-vi", "es-en"])
def test_real_xquad_answers_map_back_exactly(data_dir, pair):
    """On real SQuAD-format data (several windows per context), decoding the labelled spans
    returns the gold answer text; misses can only come from answers ending inside a token."""
    from repro.data.local import build_xquad_cross, load_xquad
    from repro.model.tiny import train_wordpiece

    q, c = pair.split("-")
    recs = (load_xquad(data_dir, q) if q == c else build_xquad_cross(data_dir, q, c))[:60]
    tok = train_wordpiece([r["context"] for r in recs] + [r["question"] for r in recs], 3000)
    fcfg = FeatureConfig(max_seq_length=128, doc_stride=48)
    assert len(qa.encode_eval(recs, tok, fcfg).features) > len(recs)  # windows do overlap
    preds = _oracle_decode(recs, tok, fcfg)
    exact = np.mean(
        [p["prediction"] == r["answers"][0]["text"] for p, r in zip(preds, recs, strict=True)]
    )
    assert exact >= 0.95
    assert all(p["lang"] == pair for p in preds)
