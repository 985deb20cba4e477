from __future__ import annotations

import pytest

from repro.benchmarks.adjust_bench import bench_adjust_vs_reference, toy_bitext


def test_toy_bitext_is_seeded_and_gold_aligned():
    a, b = toy_bitext(20, seed=3), toy_bitext(20, seed=3)
    assert a == b and a != toy_bitext(20, seed=4)
    for rec in a:
        en, xx = rec["src"].split(), rec["tgt"].split()
        assert sorted(i for i, _ in rec["alignment"]) == list(range(len(en)))
        assert sorted(j for _, j in rec["alignment"]) == list(range(len(xx)))


def test_bench_reports_the_bench_json_fields():
    res = bench_adjust_vs_reference(n_pairs=32, hidden=32, layers=2, batch_size=16, repeats=1)
    assert res["unit"] == "pairs/s"
    assert res["ours"] > 0 and res["baseline"] > 0
    assert res["ratio"] == pytest.approx(res["ours"] / res["baseline"], rel=0.01)
    assert res["ratio"] > 1.0  # batching must never lose to one sentence per forward
