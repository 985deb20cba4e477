"""A synthetic world small enough for a ``data`` job to take about a second.

Executor tests (spawn pool, submitit) need *real* stages, since monkeypatched ones do not exist
in fresh worker processes; a tiny ``data`` job is the cheapest real stage.
"""

from __future__ import annotations

from typing import Any

from repro.workflow.jobs import Job

TINY_WORLD = {
    "n_mono": 50,
    "n_parallel": 20,
    "n_heldout": 5,
    "n_nli_train": 30,
    "n_nli_dev": 6,
    "n_nli_test": 9,
    "n_ner_train": 10,
    "n_ner_dev": 3,
    "n_ner_test": 5,
    "n_qa_train": 10,
    "n_qa_dev": 3,
    "n_qa_test": 5,
    "n_xsr": 5,
}

#: Large enough for the world's statistical properties (label balance, name sharing, alignment
#: gold) to show, small enough to generate in a second or two.
SMALL_WORLD = dict(
    n_mono=300,
    n_parallel=200,
    n_heldout=40,
    n_nli_train=300,
    n_nli_dev=30,
    n_nli_test=60,
    n_ner_train=100,
    n_ner_dev=20,
    n_ner_test=50,
    n_qa_train=150,
    n_qa_dev=20,
    n_qa_test=60,
    n_xsr=50,
)


def data_job(seed: int, **world: Any) -> Job:
    """A ``data`` job for the tiny synthetic world ``seed``; ``world`` overrides its knobs."""
    return Job(
        "data",
        {"source": "synthetic", "world": {"seed": seed, **TINY_WORLD, **world}},
        label=f"world{seed}",
    )
