from __future__ import annotations

import numpy as np
import pytest

from repro.errors import ConfigError, DataError
from repro.metrics.retrieval import both_directions, hits, similarity_ranks, top1_accuracy


def _brute_ranks(scores: np.ndarray) -> np.ndarray:
    n = scores.shape[0]
    out = []
    for i in range(n):
        r = 0
        for j in range(n):
            if scores[i, j] > scores[i, i] or (scores[i, j] == scores[i, i] and j < i):
                r += 1
        out.append(r)
    return np.array(out)


def _unit(x):
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def test_identical_embeddings_retrieve_perfectly():
    x = np.random.default_rng(0).normal(size=(50, 16))
    ranks = similarity_ranks(x, x)
    assert (ranks == 0).all() and top1_accuracy(ranks) == 1.0
    assert hits(ranks).dtype == np.int8


def test_shuffled_targets_score_only_fixed_points():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(200, 64))
    perm = rng.permutation(200)
    acc = top1_accuracy(similarity_ranks(x, x[perm]))
    assert acc == pytest.approx(np.mean(perm == np.arange(200)))
    assert acc < 0.05


def test_cosine_ranks_match_brute_force_and_blocking():
    rng = np.random.default_rng(2)
    src = rng.normal(size=(1100, 8))  # > one block of 1024 queries
    tgt = src + rng.normal(scale=1.0, size=src.shape)
    cos = _unit(src) @ _unit(tgt).T
    gold = np.diag(cos)[:, None]
    idx = np.arange(1100)
    expected = ((cos > gold) | ((cos == gold) & (idx[None, :] < idx[:, None]))).sum(axis=1)
    assert np.array_equal(similarity_ranks(src, tgt), expected)
    small = slice(0, 40)
    assert np.array_equal(
        similarity_ranks(src[small], tgt[small]),
        _brute_ranks(_unit(src[small]) @ _unit(tgt[small]).T),
    )


def test_ties_go_to_the_lower_index_like_argmax():
    tgt = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0]])
    src = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0]])
    # query 1's gold (target 1) ties with target 0, which comes first
    assert similarity_ranks(src, tgt).tolist() == [0, 1, 0]


def test_csls_matches_brute_force_formula():
    rng = np.random.default_rng(3)
    src, tgt = rng.normal(size=(30, 5)), rng.normal(size=(30, 5))
    k = 4
    cos = _unit(src) @ _unit(tgt).T
    r_tgt = np.array([np.mean(sorted(cos[:, j])[-k:]) for j in range(30)])
    r_src = np.array([np.mean(sorted(cos[i, :])[-k:]) for i in range(30)])
    csls = 2 * cos - r_src[:, None] - r_tgt[None, :]
    assert np.array_equal(similarity_ranks(src, tgt, scoring="csls", k=k), _brute_ranks(csls))


def test_cao_mode_ranks_like_raw_dot_product_not_cosine():
    rng = np.random.default_rng(4)
    base = rng.normal(size=(300, 32))
    norms = rng.lognormal(sigma=1.0, size=(300, 1))
    src = base
    tgt = (base + 0.3 * rng.normal(size=base.shape)) * norms  # same directions, varied lengths
    correct = top1_accuracy(similarity_ranks(src, tgt))
    cao = similarity_ranks(src, tgt, normalize="cao")
    assert correct > 0.95
    assert top1_accuracy(cao) < correct - 0.3
    assert np.array_equal(cao, similarity_ranks(src, tgt, normalize="none"))
    # with CSLS the hubness term is on a tiny scale: still close to the dot-product ranking
    cao_csls = similarity_ranks(src, tgt, normalize="cao", scoring="csls")
    assert abs(top1_accuracy(cao_csls) - top1_accuracy(cao)) < 0.05


def test_both_directions_label_queries():
    rng = np.random.default_rng(5)
    a, b = rng.normal(size=(20, 4)), rng.normal(size=(20, 4))
    out = both_directions(a, b)
    assert np.array_equal(out["src_to_tgt"], similarity_ranks(a, b))
    assert np.array_equal(out["tgt_to_src"], similarity_ranks(b, a))


def test_bad_input():
    with pytest.raises(DataError, match="same shape"):
        similarity_ranks(np.zeros((3, 2)), np.zeros((4, 2)))
    with pytest.raises(DataError, match="NaN"):
        similarity_ranks(np.full((2, 2), np.nan), np.zeros((2, 2)))
    with pytest.raises(ConfigError, match="normalize"):
        similarity_ranks(np.ones((2, 2)), np.ones((2, 2)), normalize="l2")
    with pytest.raises(DataError):
        top1_accuracy(np.array([]))
