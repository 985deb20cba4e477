"""Symmetrisation of two directional alignments (both given in (src, tgt) orientation).

Implemented here rather than through ``atools`` so no compiled tool is needed. Intersection is what
the authors used (``atools -c intersect``); grow-diag-final(-and) follows Koehn et al. (2003) as
implemented in Moses and atools, including its in-place growth order, so results are deterministic.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from repro.align.pharaoh import Link

METHODS: tuple[str, ...] = ("intersect", "union", "grow-diag-final", "grow-diag-final-and")

_NEIGHBOURS = ((-1, 0), (0, -1), (1, 0), (0, 1), (-1, -1), (-1, 1), (1, -1), (1, 1))


def _as_set(links: Iterable[Sequence[int]]) -> set[Link]:
    return {(int(i), int(j)) for i, j in links}


def intersect(fwd: Iterable[Sequence[int]], rev: Iterable[Sequence[int]]) -> list[Link]:
    return sorted(_as_set(fwd) & _as_set(rev))


def union(fwd: Iterable[Sequence[int]], rev: Iterable[Sequence[int]]) -> list[Link]:
    return sorted(_as_set(fwd) | _as_set(rev))


def grow_diag_final(
    fwd: Iterable[Sequence[int]], rev: Iterable[Sequence[int]], *, final_and: bool = False
) -> list[Link]:
    """Start from the intersection, grow into union neighbours (incl. diagonals), then add
    directional links touching an unaligned word (``final_and``: both words unaligned)."""
    f, r = _as_set(fwd), _as_set(rev)
    uni = f | r
    if not uni:
        return []
    n_src = max(i for i, _ in uni) + 1
    aligned = f & r
    rows: dict[int, set[int]] = {}
    for i, j in aligned:
        rows.setdefault(i, set()).add(j)
    src_done = {i for i, _ in aligned}
    tgt_done = {j for _, j in aligned}

    def add(i: int, j: int) -> None:
        aligned.add((i, j))
        rows.setdefault(i, set()).add(j)
        src_done.add(i)
        tgt_done.add(j)

    # Same visiting order as the row-major grid scan of Moses/atools (points added ahead of the
    # scan position are visited in the same pass), but only over aligned points.
    added = True
    while added:
        added = False
        for i in range(n_src):
            last = -1
            while True:
                later = [j for j in rows.get(i, ()) if j > last]
                if not later:
                    break
                j = last = min(later)
                for di, dj in _NEIGHBOURS:
                    p = (i + di, j + dj)
                    if (
                        p in uni
                        and p not in aligned
                        and (p[0] not in src_done or p[1] not in tgt_done)
                    ):
                        add(*p)
                        added = True
    for direction in (f, r):
        for i, j in sorted(direction):
            if (i, j) in aligned:
                continue
            free_i, free_j = i not in src_done, j not in tgt_done
            if (free_i and free_j) if final_and else (free_i or free_j):
                add(i, j)
    return sorted(aligned)


def symmetrize(
    fwd: Iterable[Sequence[int]], rev: Iterable[Sequence[int]], method: str = "intersect"
) -> list[Link]:
    """Dispatch on one of :data:`METHODS`."""
    if method == "intersect":
        return intersect(fwd, rev)
    if method == "union":
        return union(fwd, rev)
    if method == "grow-diag-final":
        return grow_diag_final(fwd, rev)
    if method == "grow-diag-final-and":
        return grow_diag_final(fwd, rev, final_and=True)
    raise ValueError(f"unknown symmetrisation {method!r}; expected one of {METHODS}")
