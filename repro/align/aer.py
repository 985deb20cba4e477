"""Alignment error rate (Och & Ney 2003), pooled over a corpus.

precision = |A∩P| / |A|, recall = |A∩S| / |S|, AER = 1 - (|A∩S| + |A∩P|) / (|A| + |S|), with the
possible links P taken to include the sure links S (P = S when no possible links are given, which
makes AER = 1 - F1). Counts are summed over sentences before dividing (the standard corpus-level
definition), never averaged per sentence.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from repro.errors import DataError

Links = Iterable[Sequence[int]]


def _as_set(links: Links) -> set[tuple[int, int]]:
    return {(int(i), int(j)) for i, j in links}


def aer(
    predicted: Sequence[Links], sure: Sequence[Links], possible: Sequence[Links] | None = None
) -> dict[str, float]:
    """Corpus precision, recall and AER; one link collection per sentence pair.

    Empty denominators give the vacuous value (precision 1 with no predictions, recall 1 with no
    sure links, AER 0 when both are empty) so the function is total.
    """
    if len(predicted) != len(sure) or (possible is not None and len(possible) != len(sure)):
        sizes = f"{len(predicted)} predicted, {len(sure)} sure" + (
            f", {len(possible)} possible" if possible is not None else ""
        )
        raise DataError(None, None, f"alignment corpora differ in length ({sizes})")
    n_a = n_s = n_as = n_ap = 0
    for k, (a_links, s_links) in enumerate(zip(predicted, sure, strict=True)):
        a, s = _as_set(a_links), _as_set(s_links)
        p = s | (_as_set(possible[k]) if possible is not None else set())
        n_a += len(a)
        n_s += len(s)
        n_as += len(a & s)
        n_ap += len(a & p)
    return {
        "precision": n_ap / n_a if n_a else 1.0,
        "recall": n_as / n_s if n_s else 1.0,
        "aer": 1.0 - (n_as + n_ap) / (n_a + n_s) if (n_a + n_s) else 0.0,
        "n_predicted": n_a,
        "n_sure": n_s,
    }
