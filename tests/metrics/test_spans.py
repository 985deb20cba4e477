from __future__ import annotations

import random
import warnings

import pytest
from hypothesis import given
from hypothesis import strategies as st
from seqeval.metrics import f1_score as seqeval_f1
from seqeval.metrics.sequence_labeling import get_entities as seqeval_entities
from seqeval.scheme import IOB2

from repro.errors import DataError
from repro.metrics.spans import (
    f1_from_counts,
    get_entities,
    prf_from_counts,
    sentence_counts,
    span_f1,
)

IOB2_TAGS = ["O", "B-PER", "I-PER", "B-ORG", "I-ORG", "B-LOC", "I-LOC"]
IOBES_TAGS = IOB2_TAGS + ["E-PER", "S-PER", "E-LOC", "S-LOC"]

sentence = st.lists(st.sampled_from(IOB2_TAGS), min_size=0, max_size=12)


@st.composite
def paired_corpus(draw, tags=IOB2_TAGS):
    lengths = draw(st.lists(st.integers(0, 10), min_size=1, max_size=6))
    gold = [draw(st.lists(st.sampled_from(tags), min_size=n, max_size=n)) for n in lengths]
    pred = [draw(st.lists(st.sampled_from(tags), min_size=n, max_size=n)) for n in lengths]
    return gold, pred


def _seqeval(gold, pred, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return seqeval_f1(gold, pred, **kw)


@given(paired_corpus())
def test_lenient_f1_matches_seqeval_default(corpus):
    gold, pred = corpus
    assert span_f1(gold, pred) == pytest.approx(_seqeval(gold, pred), abs=1e-12)


@given(paired_corpus())
def test_strict_f1_matches_seqeval_strict_iob2(corpus):
    gold, pred = corpus
    expected = _seqeval(gold, pred, mode="strict", scheme=IOB2)
    assert span_f1(gold, pred, mode="strict") == pytest.approx(expected, abs=1e-12)


@given(st.lists(st.sampled_from(IOBES_TAGS), max_size=15))
def test_lenient_chunker_matches_seqeval_entities_including_iobes(tags):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = seqeval_entities(list(tags))
    assert get_entities(tags) == expected


@given(paired_corpus())
def test_f1_in_unit_interval_and_perfect_prediction_is_one(corpus):
    gold, pred = corpus
    assert 0.0 <= span_f1(gold, pred) <= 1.0
    _, _, n_gold = sentence_counts(gold, gold)
    if n_gold.sum() > 0:
        assert span_f1(gold, gold) == 1.0


@given(paired_corpus(), st.randoms(use_true_random=False))
def test_summed_counts_do_not_depend_on_sentence_order(corpus, rnd):
    gold, pred = corpus
    order = list(range(len(gold)))
    rnd.shuffle(order)
    a = [int(x.sum()) for x in sentence_counts(gold, pred)]
    b = [int(x.sum()) for x in sentence_counts([gold[i] for i in order], [pred[i] for i in order])]
    assert a == b


def test_hand_cases_boundary_type_and_stray_inside():
    gold = [["B-PER", "I-PER", "O", "B-LOC"]]
    # boundary error on PER (too short), LOC right
    tp, n_pred, n_gold = sentence_counts(gold, [["B-PER", "O", "O", "B-LOC"]])
    assert (tp.tolist(), n_pred.tolist(), n_gold.tolist()) == ([1], [2], [2])
    # type error: same span, wrong type
    tp, n_pred, n_gold = sentence_counts(gold, [["B-ORG", "I-ORG", "O", "B-LOC"]])
    assert (tp.tolist(), n_pred.tolist(), n_gold.tolist()) == ([1], [2], [2])
    # stray I- start: lenient makes it an entity (and it matches), strict ignores it
    stray = [["I-PER", "I-PER", "O", "B-LOC"]]
    assert [x.tolist() for x in sentence_counts(gold, stray)] == [[2], [2], [2]]
    assert [x.tolist() for x in sentence_counts(gold, stray, mode="strict")] == [[1], [1], [2]]
    # a type change inside a chunk splits it in lenient mode
    assert get_entities(["B-PER", "I-LOC", "I-LOC"]) == [("PER", 0, 0), ("LOC", 1, 2)]
    assert get_entities(["B-PER", "I-LOC", "I-LOC"], mode="strict") == [("PER", 0, 0)]


def test_corpus_f1_is_from_summed_counts_not_mean_of_sentence_f1():
    gold = [["B-PER"], ["B-LOC", "O", "B-ORG", "O", "B-PER"]]
    pred = [["O"], ["B-LOC", "O", "B-ORG", "O", "B-PER"]]
    tp, n_pred, n_gold = sentence_counts(gold, pred)
    # sentence F1s are 0 and 1 (mean 0.5); corpus: tp=3, pred=3, gold=4 -> 6/7
    assert f1_from_counts(tp, n_pred, n_gold) == pytest.approx(6 / 7)
    assert span_f1(gold, pred) == pytest.approx(6 / 7)
    prf = prf_from_counts(tp, n_pred, n_gold)
    assert prf["precision"] == 1.0 and prf["recall"] == pytest.approx(0.75)


def test_no_entities_anywhere_scores_zero_like_seqeval():
    assert f1_from_counts([0], [0], [0]) == 0.0
    assert _seqeval([["O"]], [["O"]]) == 0.0


def test_bad_input_is_reported_with_its_position():
    with pytest.raises(DataError, match="sentence 1"):
        sentence_counts([["O"], ["O", "O"]], [["O"], ["O"]])
    with pytest.raises(DataError, match=r"sentence 0 \(pred\), token 1.*'X-PER'"):
        sentence_counts([["O", "O"]], [["O", "X-PER"]])
    with pytest.raises(DataError, match="E-PER"):
        get_entities(["E-PER"], mode="strict")
    with pytest.raises(DataError, match="predicted sentences"):
        sentence_counts([["O"]], [])
    with pytest.raises(DataError, match="inconsistent"):
        f1_from_counts([2], [1], [3])


def test_large_random_corpus_matches_seqeval():
    rnd = random.Random(7)
    gold = [[rnd.choice(IOB2_TAGS) for _ in range(rnd.randint(0, 30))] for _ in range(300)]
    pred = [[t if rnd.random() < 0.7 else rnd.choice(IOB2_TAGS) for t in s] for s in gold]
    assert span_f1(gold, pred) == pytest.approx(_seqeval(gold, pred), abs=1e-12)
