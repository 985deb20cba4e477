"""Symmetrisation: hand cases, set relations, and grow-diag-final against a plain grid scan."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from repro.align.symmetrize import grow_diag_final, intersect, symmetrize, union

links_st = st.sets(st.tuples(st.integers(0, 7), st.integers(0, 7)), max_size=20)


def _reference_gdf(fwd, rev, final_and=False):
    """Koehn's grow-diag-final written as the textbook full-grid scan (Moses/atools order)."""
    fwd, rev = set(fwd), set(rev)
    uni = fwd | rev
    a = fwd & rev
    n = 1 + max([max(i, j) for i, j in uni], default=-1)

    def src_aligned(i):
        return any(x == i for x, _ in a)

    def tgt_aligned(j):
        return any(y == j for _, y in a)

    nbrs = [(-1, 0), (0, -1), (1, 0), (0, 1), (-1, -1), (-1, 1), (1, -1), (1, 1)]
    added = True
    while added:
        added = False
        for i in range(n):
            for j in range(n):
                if (i, j) in a:
                    for di, dj in nbrs:
                        p = (i + di, j + dj)
                        if (
                            p in uni
                            and p not in a
                            and (not src_aligned(p[0]) or not tgt_aligned(p[1]))
                        ):
                            a.add(p)
                            added = True
    for d in (fwd, rev):
        for i in range(n):
            for j in range(n):
                if (i, j) in d and (i, j) not in a:
                    fi, fj = not src_aligned(i), not tgt_aligned(j)
                    if (fi and fj) if final_and else (fi or fj):
                        a.add((i, j))
    return sorted(a)


def test_intersection_hand_case():
    fwd = [(0, 0), (1, 1), (2, 1)]
    rev = [(0, 0), (1, 1), (2, 2)]
    assert intersect(fwd, rev) == [(0, 0), (1, 1)]
    assert union(fwd, rev) == [(0, 0), (1, 1), (2, 1), (2, 2)]
    assert symmetrize(fwd, rev) == intersect(fwd, rev)


def test_grow_diag_hand_cases():
    # grows from 1-1 into the union neighbours 1-2 (tgt 2 free) and 2-2 (src 2 free)
    fwd, rev = [(0, 0), (1, 1), (1, 2)], [(0, 0), (1, 1), (2, 2)]
    assert grow_diag_final(fwd, rev) == [(0, 0), (1, 1), (1, 2), (2, 2)]
    # 3-0 is no neighbour of 0-0; "final" adds it (src 3 free), "final-and" does not (tgt 0 taken)
    fwd, rev = [(0, 0), (3, 0)], [(0, 0)]
    assert symmetrize(fwd, rev, "grow-diag-final") == [(0, 0), (3, 0)]
    assert symmetrize(fwd, rev, "grow-diag-final-and") == [(0, 0)]
    # both words free: both variants add it
    fwd, rev = [(0, 0)], [(0, 0), (3, 3)]
    assert symmetrize(fwd, rev, "grow-diag-final-and") == [(0, 0), (3, 3)]
    # growth never links two already-aligned words
    fwd, rev = [(0, 0), (1, 1), (0, 1)], [(0, 0), (1, 1)]
    assert grow_diag_final(fwd, rev) == [(0, 0), (1, 1)]
    assert grow_diag_final([], []) == []


@given(links_st, links_st)
def test_set_relations(fwd, rev):
    inter = set(intersect(fwd, rev))
    uni = set(union(fwd, rev))
    assert inter <= fwd and inter <= rev
    for method in ("grow-diag-final", "grow-diag-final-and"):
        grown = set(symmetrize(fwd, rev, method))
        assert inter <= grown <= uni


@given(links_st, links_st, st.booleans())
def test_grow_diag_final_matches_grid_scan(fwd, rev, final_and):
    assert grow_diag_final(fwd, rev, final_and=final_and) == _reference_gdf(fwd, rev, final_and)


def test_unknown_method():
    with pytest.raises(ValueError, match="unknown symmetrisation"):
        symmetrize([], [], "grow")
