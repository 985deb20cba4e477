"""The authors' filters on hand cases, including the order they are applied in."""

from __future__ import annotations

import copy

from repro.align.filters import (
    apply_link_filters,
    drop_identical,
    drop_unlinked,
    filter_length,
    one_to_one,
)


def _rec(rid: str, src: str, tgt: str, alignment) -> dict:
    return {
        "id": rid,
        "src_lang": "en",
        "tgt_lang": "es",
        "src": src,
        "tgt": tgt,
        "alignment": alignment,
    }


def test_length_limit_is_inclusive_and_applies_to_either_side():
    w64, w65 = " ".join(["w"] * 64), " ".join(["w"] * 65)
    recs = [
        _rec("a", w64, w64, []),
        _rec("b", w65, "x", []),
        _rec("c", "x", w65, []),
        _rec("d", "x  y", "z", []),
    ]
    kept, dropped = filter_length(recs, 64)
    assert [r["id"] for r in kept] == ["a", "d"]
    assert dropped == 2
    kept, dropped = filter_length(recs, 1)
    assert [r["id"] for r in kept] == [] and dropped == 4


def test_one_to_one_keeps_links_whose_words_occur_once():
    # src 0 -> tgt 0,1 (one-to-many); src 1,2 -> tgt 2 (many-to-one); src 3 -> tgt 3 alone
    links = [(0, 0), (0, 1), (1, 2), (2, 2), (3, 3)]
    assert one_to_one(links) == ([(3, 3)], 4)
    assert one_to_one([(1, 1), (0, 0)]) == ([(0, 0), (1, 1)], 0)
    assert one_to_one([]) == ([], 0)
    # a chain: 0-0, 0-1, 1-1 -> every link shares a word with another
    assert one_to_one([(0, 0), (0, 1), (1, 1)]) == ([], 3)
    # duplicates count once
    assert one_to_one([(2, 5), (2, 5)]) == ([(2, 5)], 0)


def test_drop_identical_uses_exact_strings():
    src = ["In", "1999", "Paris", "had", "5", ".", "million"]
    tgt = ["En", "1999", "París", "tenía", "5", ".", "millones"]
    links = [(0, 0), (1, 1), (2, 2), (4, 4), (5, 5), (6, 6)]
    kept, dropped = drop_identical(links, src, tgt)
    assert kept == [(0, 0), (2, 2), (6, 6)]  # 'In'/'En', 'Paris'/'París' differ
    assert dropped == 3


def test_drop_unlinked():
    recs = [_rec("a", "x", "y", []), _rec("b", "x", "y", [[0, 0]]), _rec("c", "x", "y", None)]
    kept, dropped = drop_unlinked(recs)
    assert [r["id"] for r in kept] == ["b"] and dropped == 2


def test_apply_link_filters_runs_one_to_one_before_identical():
    # src 0 ('7') links to tgt 0 ('7') and tgt 1. One-to-one first removes both links, so the
    # pair is left empty; the reverse order would have kept 0-1.
    recs = [
        _rec("a", "7 b", "7 B", [[0, 0], [0, 1]]),
        _rec("b", "x y z", "X y Z", [[0, 0], [1, 1], [2, 2]]),
        _rec("c", "x y", "X Y", [[1, 0], [0, 1], [1, 0]]),
    ]
    before = copy.deepcopy(recs)
    kept, stats = apply_link_filters(recs)
    assert recs == before  # inputs are not mutated
    assert [r["id"] for r in kept] == ["b", "c"]
    assert kept[0]["alignment"] == [[0, 0], [2, 2]]
    assert kept[1]["alignment"] == [[0, 1], [1, 0]]  # sorted, deduplicated
    assert stats == {
        "dropped_not_one_to_one": 2,
        "dropped_identical": 1,
        "dropped_unlinked": 1,
        "links": 4,
    }


def test_apply_link_filters_switches():
    recs = [_rec("a", "7 b", "7 B", [[0, 0], [0, 1]])]
    kept, stats = apply_link_filters(recs, one_to_one_only=False, identical=True)
    assert kept[0]["alignment"] == [[0, 1]] and stats["dropped_identical"] == 1
    kept, stats = apply_link_filters(recs, one_to_one_only=False, identical=False)
    assert kept[0]["alignment"] == [[0, 0], [0, 1]] and stats["links"] == 2
