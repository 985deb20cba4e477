from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from repro.analysis.distances import (
    QUANTILES,
    cosine_distance,
    draw_unrelated,
    euclidean_distance,
    histogram,
    summarize,
)


def test_cosine_and_euclidean_hand_cases():
    a = np.array([[1.0, 0.0], [1.0, 0.0], [1.0, 0.0], [0.0, 0.0], [3.0, 4.0]])
    b = np.array([[2.0, 0.0], [0.0, 5.0], [-1.0, 0.0], [1.0, 1.0], [0.0, 0.0]])
    np.testing.assert_allclose(cosine_distance(a, b), [0.0, 1.0, 2.0, 1.0, 1.0])
    np.testing.assert_allclose(euclidean_distance(a, b), [1.0, np.sqrt(26), 2.0, np.sqrt(2), 5.0])


@given(st.lists(st.integers(0, 5), min_size=1, max_size=30), st.integers(0, 1000))
def test_draw_unrelated_never_picks_the_same_pair(link_pairs, seed):
    valid = [[0, 1], [], [2], [0, 3, 4], [1], [0]]
    got = draw_unrelated(link_pairs, valid, np.random.default_rng(seed))
    assert len(got) == len(link_pairs)
    for p, (q, j) in zip(link_pairs, got, strict=True):
        assert q != p and q != 1  # never the own pair, never a pair without words
        assert j in valid[q]
    assert got == draw_unrelated(link_pairs, valid, np.random.default_rng(seed))


def test_draw_unrelated_needs_another_pair():
    with pytest.raises(ValueError, match="two sentence pairs"):
        draw_unrelated([0], [[0, 1], []], np.random.default_rng(0))


def _rows(rel, unr):
    return [
        {"related_cos": a, "unrelated_cos": b, "related_euc": 10 * a, "unrelated_euc": 10 * b}
        for a, b in zip(rel, unr, strict=True)
    ]


def test_summary_hand_case():
    s = summarize(_rows([0.1, 0.2, 0.6], [0.5, 0.4, 0.3]))
    assert s["n"] == 3 and s["quantile_levels"] == list(QUANTILES)
    assert s["cos"]["related"]["mean"] == pytest.approx(0.3)
    assert s["cos"]["related"]["median"] == pytest.approx(0.2)
    assert s["cos"]["unrelated"]["mean"] == pytest.approx(0.4)
    assert s["cos"]["gap"] == pytest.approx(0.1)
    assert s["cos"]["ratio"] == pytest.approx(0.4 / 0.3)
    assert s["cos"]["paired_diff"]["mean"] == pytest.approx(0.1)
    assert s["cos"]["paired_diff"]["median"] == pytest.approx(0.2)
    assert s["cos"]["paired_diff"]["share_positive"] == pytest.approx(2 / 3)
    assert s["euc"]["gap"] == pytest.approx(1.0)
    q = s["cos"]["related"]["quantiles"]
    assert q[0] == pytest.approx(0.1) and q[-1] == pytest.approx(0.6)
    assert q == sorted(q)
    assert s["collapsed"] is False
    assert summarize(_rows([0.0, 0.0], [0.0, 0.0]))["collapsed"] is True


def test_summary_of_nothing_is_an_error():
    with pytest.raises(ValueError):
        summarize([])


def test_histogram_counts_every_value():
    h = histogram([0.1, 0.3, 0.4, 0.9], bins=4, value_range=(0.0, 1.0))
    assert h["counts"] == [1, 2, 0, 1] and len(h["edges"]) == 5
