"""AER (Och & Ney 2003) on hand-computed cases."""

from __future__ import annotations

import pytest

from repro.align.aer import aer
from repro.errors import DataError


def test_hand_case_with_possible_links():
    # A = {00, 11, 23}; S = {00, 12}; P = S + {11}:  |A∩S| = 1, |A∩P| = 2
    r = aer([[(0, 0), (1, 1), (2, 3)]], [[(0, 0), (1, 2)]], [[(1, 1)]])
    assert r["precision"] == pytest.approx(2 / 3)
    assert r["recall"] == pytest.approx(1 / 2)
    assert r["aer"] == pytest.approx(1 - 3 / 5)


def test_without_possible_aer_is_one_minus_f1():
    pred, sure = [[(0, 0), (1, 1), (2, 3)]], [[(0, 0), (1, 2)]]
    r = aer(pred, sure)
    f1 = 2 * r["precision"] * r["recall"] / (r["precision"] + r["recall"])
    assert r["precision"] == pytest.approx(1 / 3)
    assert r["aer"] == pytest.approx(1 - f1)


def test_pooled_over_corpus_not_averaged():
    # sentence 1: 1 of 1 correct; sentence 2: 0 of 3 correct, 3 sure links
    pred = [[(0, 0)], [(0, 1), (1, 0), (2, 2)]]
    sure = [[(0, 0)], [(0, 0), (1, 1), (2, 1)]]
    r = aer(pred, sure)
    assert r["precision"] == pytest.approx(1 / 4)  # averaging would give 1/2
    assert r["recall"] == pytest.approx(1 / 4)
    assert r["aer"] == pytest.approx(1 - 2 / 8)
    assert (r["n_predicted"], r["n_sure"]) == (4, 4)


def test_perfect_and_empty_cases():
    gold = [[(0, 0), (1, 1)], [(2, 0)]]
    assert aer(gold, gold)["aer"] == 0.0
    nothing = aer([[], []], gold)
    assert nothing["aer"] == 1.0 and nothing["recall"] == 0.0
    assert aer([[]], [[]])["aer"] == 0.0
    # duplicated predicted links count once (links are sets)
    assert aer([[(0, 0), (0, 0)]], [[(0, 0)]])["aer"] == 0.0


def test_length_mismatch_is_an_error():
    with pytest.raises(DataError, match="differ in length"):
        aer([[(0, 0)]], [[(0, 0)], []])
    with pytest.raises(DataError, match="possible"):
        aer([[(0, 0)]], [[(0, 0)]], [[], []])
