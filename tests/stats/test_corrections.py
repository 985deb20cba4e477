from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from repro.errors import DataError
from repro.stats.corrections import bonferroni, holm

pvals = st.lists(st.floats(0.0, 1.0, allow_nan=False), min_size=1, max_size=20)


def test_hand_case_from_method_notes():
    # deepsig's "bonferroni_correction" returns [0.06, 0.04, 0.03] here; both are wrong
    assert bonferroni([0.04, 0.01, 0.03]).tolist() == pytest.approx([0.12, 0.03, 0.09])
    assert holm([0.04, 0.01, 0.03]).tolist() == pytest.approx([0.06, 0.03, 0.06])


def test_holm_step_down_by_hand():
    # sorted 0.01, 0.02, 0.03, 0.5 -> 4*0.01, 3*0.02, max(0.06, 2*0.03), max(.06, 0.5)
    assert holm([0.5, 0.03, 0.01, 0.02]).tolist() == pytest.approx([0.5, 0.06, 0.04, 0.06])
    assert holm([0.9, 0.8]).tolist() == pytest.approx([1.0, 1.0])
    assert holm([]).size == 0


@given(pvals)
def test_holm_between_raw_and_bonferroni(p):
    adj = holm(p)
    assert np.all(adj >= np.asarray(p) - 1e-15)
    assert np.all(adj <= bonferroni(p) + 1e-15)
    assert np.all((adj >= 0) & (adj <= 1))


@given(pvals)
def test_holm_is_monotone_in_the_raw_p_values(p):
    p = np.asarray(p)
    adj = holm(p)
    order = np.argsort(p, kind="stable")
    assert np.all(np.diff(adj[order]) >= -1e-15)


@given(pvals, st.randoms(use_true_random=False))
def test_holm_is_permutation_equivariant(p, rnd):
    p = np.asarray(p)
    order = list(range(p.size))
    rnd.shuffle(order)
    assert np.allclose(holm(p[order]), holm(p)[order])


@given(pvals, st.floats(0.001, 0.2))
def test_holm_rejects_a_superset_of_bonferroni(p, alpha):
    assert np.all((holm(p) <= alpha) | ~(bonferroni(p) <= alpha))


@pytest.mark.parametrize("bad", [[0.1, 1.2], [-0.1], [np.nan], [[0.1, 0.2]]])
def test_invalid_p_values_are_rejected(bad):
    with pytest.raises(DataError):
        holm(bad)
