"""Transfer ratios are computed from per-example columns, English references matched by run."""

from __future__ import annotations

import math

import numpy as np
import pytest

from repro.analysis.transfer import entry_score, transfer_ratio, transfer_table, xsr_table
from repro.claims.results import Entry, EntryKey


def nli(lang: str, seed: int, correct: list[int], *, collapsed: bool = False, state="original"):
    meta = {"collapsed": collapsed, "english_collapsed": collapsed if lang == "en" else False}
    key = EntryKey("eval", "nli", "xnli", lang, state, seed)
    return Entry(
        key, [str(i) for i in range(len(correct))], {"correct": np.asarray(correct)}, meta=meta
    )


def test_ratio_definition():
    assert transfer_ratio(0.6, 0.8, 0.4) == pytest.approx(0.5)
    assert transfer_ratio(0.4, 0.8, 0.4) == 0.0
    assert math.isnan(transfer_ratio(0.5, 0.3, 0.33))  # English not above chance


def test_scores_come_from_columns_not_summary():
    e = nli("es", 1, [1, 0, 0, 1])
    e.meta["metrics"] = {"accuracy": 0.99}  # a stale summary must be ignored
    assert entry_score(e) == 0.5
    ner = Entry(
        EntryKey("eval", "ner", "wikiann", "es", "original", 1),
        ["a", "b"],
        {"tp": np.array([1, 1]), "n_pred": np.array([2, 1]), "n_gold": np.array([1, 1])},
    )
    assert entry_score(ner) == pytest.approx(2 * 2 / (3 + 2))  # micro F1, not a mean of F1s


def test_table_pairs_runs_and_drops_failed_english():
    ent = [
        nli("en", 1, [1] * 9 + [0]),  # 0.9
        nli("en", 2, [1, 0, 0] * 3 + [0], collapsed=True),  # failed run: left out
        nli("es", 1, [1] * 6 + [0] * 4),  # 0.6
        nli("es", 2, [1] * 10),
        nli("es", 1, [0] * 10, state="adjusted"),  # another state: ignored
    ]
    ent[3].meta["english_collapsed"] = True
    (row,) = transfer_table(ent)
    assert (row.lang, row.runs, row.failed_runs) == ("es", 1, 1)
    assert row.english == pytest.approx(0.9) and row.target == pytest.approx(0.6)
    assert row.ratio == pytest.approx((0.6 - 1 / 3) / (0.9 - 1 / 3))
    assert row.ratio_per_run == pytest.approx((row.ratio,))


def test_qa_uses_en_en_reference_and_near_chance_is_counted():
    def qa(pair, f1, near=False):
        return Entry(
            EntryKey("eval", "qa", "xquad", pair, "original", 1),
            ["q1", "q2"],
            {"f1": np.asarray(f1, dtype=float), "em": np.zeros(2)},
            meta={"collapsed": near},
        )

    rows = transfer_table(
        [qa("en-en", [0.8, 0.6]), qa("en-hi", [0.35, 0.35]), qa("hi-hi", [0, 0], True)]
    )
    by = {r.lang: r for r in rows}
    assert set(by) == {"en-hi", "hi-hi"}
    assert by["en-hi"].ratio == pytest.approx(0.5)
    assert by["hi-hi"].near_chance_runs == 1 and by["hi-hi"].ratio == 0.0


def test_xsr_table_means_both_directions():
    e = Entry(
        EntryKey("xsr", "xsr", "xsr", "ru", "original", -1),
        ["1", "2"],
        {"hit_xx2en": np.array([1, 0]), "hit_en2xx": np.array([1, 1])},
    )
    assert xsr_table([e]) == {"ru": 0.75}
