"""The authors' alignment filters (docs/paper.md §3, ``alignment/utils_alignment.py``).

Order in the authors' code: drop pairs longer than 64 words on either side; keep one-to-one links;
(sample ``max_sent`` pairs); drop pairs without links; drop links between identical strings; drop
pairs left without links. Each filter is a pure function returning what it kept and how much it
dropped, so the stage can report every count and a caller can insert sampling where the authors did.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

from repro.align.pharaoh import Link


def n_words(text: str) -> int:
    return len(text.split())


def filter_length(
    records: Iterable[dict[str, Any]], max_words: int = 64
) -> tuple[list[dict[str, Any]], int]:
    """Keep pairs whose both sides have at most ``max_words`` whitespace words."""
    kept, dropped = [], 0
    for rec in records:
        if n_words(rec["src"]) > max_words or n_words(rec["tgt"]) > max_words:
            dropped += 1
        else:
            kept.append(rec)
    return kept, dropped


def one_to_one(links: Iterable[Sequence[int]]) -> tuple[list[Link], int]:
    """Keep links whose source and target words each occur in exactly one link.

    Links are treated as a set (a duplicated link counts once), unlike the authors' ``keep_1to1``,
    which would drop both copies of a duplicate; their intersect files contain no duplicates.
    Returns (kept links in sorted order, number of distinct links dropped).
    """
    uniq = sorted({(int(i), int(j)) for i, j in links})
    n_src = Counter(i for i, _ in uniq)
    n_tgt = Counter(j for _, j in uniq)
    kept = [(i, j) for i, j in uniq if n_src[i] == 1 and n_tgt[j] == 1]
    return kept, len(uniq) - len(kept)


def drop_identical(
    links: Iterable[Sequence[int]], src_words: Sequence[str], tgt_words: Sequence[str]
) -> tuple[list[Link], int]:
    """Drop links whose two words are the same string (digits, punctuation, shared names).

    Exact string comparison, as in the authors' code: such links would teach the model nothing
    cross-lingual, since the two words already share sub-words.
    """
    kept: list[Link] = []
    dropped = 0
    for i, j in links:
        if src_words[i] == tgt_words[j]:
            dropped += 1
        else:
            kept.append((int(i), int(j)))
    return kept, dropped


def drop_unlinked(records: Iterable[dict[str, Any]]) -> tuple[list[dict[str, Any]], int]:
    """Drop pairs whose ``alignment`` is empty (they carry no training signal)."""
    kept, dropped = [], 0
    for rec in records:
        if rec.get("alignment"):
            kept.append(rec)
        else:
            dropped += 1
    return kept, dropped


def apply_link_filters(
    records: Iterable[dict[str, Any]], *, one_to_one_only: bool = True, identical: bool = True
) -> tuple[list[dict[str, Any]], dict[str, int]]:
    """One-to-one, then identical-string, then drop pairs left without links.

    Records must already carry ``alignment``; they are copied, never mutated. Returns the kept
    records and counts: ``dropped_not_one_to_one`` and ``dropped_identical`` (links),
    ``dropped_unlinked`` (pairs), ``links`` (links left).
    """
    out: list[dict[str, Any]] = []
    n_1to1 = n_ident = 0
    for rec in records:
        links = sorted({(int(i), int(j)) for i, j in rec["alignment"]})
        if one_to_one_only:
            links, d = one_to_one(links)
            n_1to1 += d
        if identical:
            links, d = drop_identical(links, rec["src"].split(), rec["tgt"].split())
            n_ident += d
        new = dict(rec)
        new["alignment"] = [[i, j] for i, j in links]
        out.append(new)
    kept, n_unlinked = drop_unlinked(out)
    stats = {
        "dropped_not_one_to_one": n_1to1,
        "dropped_identical": n_ident,
        "dropped_unlinked": n_unlinked,
        "links": sum(len(r["alignment"]) for r in kept),
    }
    return kept, stats
