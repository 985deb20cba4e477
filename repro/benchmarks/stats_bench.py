"""Speed of one paired bootstrap comparison against ``scipy.stats.bootstrap``.

Both compute a paired percentile bootstrap of the accuracy difference on the same simulated
XNLI-sized test set (one seed), timed side by side in one process (best of ``repeats``).
SciPy gets its fastest honest setting: a vectorised statistic, ``paired=True``,
``method="percentile"`` and batches of 1,000 resamples (to bound its memory). SciPy returns
only the interval; ours also returns three p-values.

``data="binary"`` is XNLI accuracy (0/1), where we use the four-cell sufficient statistics;
``data="continuous"`` is per-question QA F1 in [0, 1], where every example is distinct and we
draw full index resamples (the general path).
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np
from scipy import stats as sps

from repro.stats.bootstrap import paired_bootstrap


def _paired_data(n: int, kind: str, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    if kind == "binary":
        base = (rng.random(n) < 0.70).astype(np.float64)
        flip = rng.random(n) < 0.12
        new = np.where(flip, rng.random(n) < 0.62, base).astype(np.float64)
        return base, new
    if kind == "continuous":
        base = rng.beta(2.0, 1.0, size=n)
        new = np.clip(base + rng.normal(0.01, 0.15, size=n), 0.0, 1.0)
        return base, new
    raise ValueError(f"unknown data kind {kind!r}; expected 'binary' or 'continuous'")


def _best_of(fn: Callable[[], object], repeats: int) -> float:
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def bench_bootstrap_vs_scipy(
    n: int = 5010,
    n_resamples: int = 10_000,
    seed: int = 0,
    *,
    data: str = "binary",
    repeats: int = 3,
) -> dict[str, object]:
    """``{"ratio": scipy_s / ours_s, "ours": s, "baseline": s, "unit": ...}``."""
    base, new = _paired_data(n, data, np.random.default_rng(seed))

    def ours() -> object:
        # one run per system, as scipy's paired bootstrap: the runs are fixed
        return paired_bootstrap(base, new, n_resamples=n_resamples, seed=seed, resample_seeds=False)

    def scipy_bootstrap() -> object:
        return sps.bootstrap(
            (base, new),
            lambda b, x, axis: np.mean(x - b, axis=axis),
            paired=True,
            vectorized=True,
            n_resamples=n_resamples,
            batch=1000,
            method="percentile",
            confidence_level=0.95,
            rng=np.random.default_rng(seed),
        )

    ours_s = _best_of(ours, repeats)
    scipy_s = _best_of(scipy_bootstrap, repeats)
    return {
        "ratio": scipy_s / ours_s,
        "ours": ours_s,
        "baseline": scipy_s,
        "unit": "s per paired comparison",
    }


if __name__ == "__main__":  # pragma: no cover - manual benchmark
    import json
    import sys

    for kind in ("binary", "continuous"):
        sys.stdout.write(json.dumps({"data": kind, **bench_bootstrap_vs_scipy(data=kind)}) + "\n")
