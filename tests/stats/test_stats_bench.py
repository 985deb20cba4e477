from __future__ import annotations

import pytest

from repro.benchmarks.stats_bench import bench_bootstrap_vs_scipy


@pytest.mark.parametrize("data", ["binary", "continuous"])
def test_bench_reports_side_by_side_timings(data):
    out = bench_bootstrap_vs_scipy(n=300, n_resamples=200, data=data, repeats=1)
    assert set(out) == {"ratio", "ours", "baseline", "unit"}
    assert out["ours"] > 0 and out["baseline"] > 0
    assert out["ratio"] == pytest.approx(out["baseline"] / out["ours"])
