from __future__ import annotations

import copy

import pytest
import torch

from repro.benchmarks.adjust_bench import toy_bitext, toy_texts
from repro.model.tiny import tiny_test_model


@pytest.fixture(autouse=True)
def _one_thread():
    # two OpenMP threads on the 2 shared cores spin against other jobs (50x slower linears)
    torch.set_num_threads(1)
    yield


@pytest.fixture(scope="session")
def toy():
    """(model, tokenizer, train pairs, held-out pairs) of a random-init tiny encoder."""
    train = toy_bitext(320, seed=1)
    heldout = toy_bitext(100, seed=99, id_prefix="h")
    model, tok = tiny_test_model(toy_texts(train), hidden=32, layers=2, vocab=300)
    return model, tok, train, heldout


@pytest.fixture
def fresh(toy):
    model, tok, train, heldout = toy
    return copy.deepcopy(model), tok, train, heldout
