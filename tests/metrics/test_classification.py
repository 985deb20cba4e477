from __future__ import annotations

import numpy as np
import pytest

from repro.errors import DataError
from repro.metrics.classification import accuracy, correctness


def test_correctness_marks_each_example():
    out = correctness(["a", "b", "c", "a"], ["a", "c", "c", "b"])
    assert out.dtype == np.int8
    assert out.tolist() == [1, 0, 1, 0]


def test_accuracy_is_fraction_correct():
    assert accuracy([0, 1, 2, 2], [0, 1, 1, 2]) == pytest.approx(0.75)


def test_length_mismatch_and_empty_are_errors():
    with pytest.raises(DataError, match="3 predictions for 2 gold"):
        correctness([1, 2, 3], [1, 2])
    with pytest.raises(DataError, match="empty"):
        accuracy([], [])
