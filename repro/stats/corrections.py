"""Family-wise error control across the languages/datasets of one claim (docs/statistics.md).

Both corrections are valid under any dependence between the tests. Adjusted p-values are
returned in the input order, so ``adjusted[i] <= alpha`` is the decision for hypothesis ``i``.
(deepsig's ``bonferroni_correction`` computes partial-conjunction p-values and un-sorts them
wrongly; do not use it.)
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from repro.errors import DataError


def _pvalues(pvalues: Sequence[float] | np.ndarray) -> np.ndarray:
    p = np.asarray(pvalues, dtype=np.float64)
    if p.ndim != 1:
        raise DataError(None, None, f"p-values of shape {p.shape}; expected a 1-D sequence")
    bad = np.flatnonzero(~((p >= 0.0) & (p <= 1.0)))  # also catches NaN
    if bad.size:
        raise DataError(None, f"p-value {int(bad[0])}", f"{p[bad[0]]!r} is not in [0, 1]")
    return p


def bonferroni(pvalues: Sequence[float] | np.ndarray) -> np.ndarray:
    """``min(1, m * p_i)``."""
    p = _pvalues(pvalues)
    return np.minimum(1.0, p * p.size)


def holm(pvalues: Sequence[float] | np.ndarray) -> np.ndarray:
    """Holm (1979) step-down adjusted p-values: with ``p_(1) <= ... <= p_(m)``,
    ``adj_(i) = max_{j <= i} min(1, (m - j + 1) p_(j))``; never below the raw p-value,
    never above Bonferroni, monotone in the raw p-values."""
    p = _pvalues(pvalues)
    m = p.size
    if m == 0:
        return p.copy()
    order = np.argsort(p, kind="stable")
    stepped = np.minimum(1.0, (m - np.arange(m)) * p[order])
    out = np.empty(m)
    out[order] = np.maximum.accumulate(stepped)
    return out
