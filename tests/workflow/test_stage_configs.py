"""Typed stage configs: the graph builds them, the key form is lossless, bad dicts name
the stage."""

from __future__ import annotations

import pytest

from repro.claims import discover
from repro.config import resolve
from repro.errors import ConfigError
from repro.workflow.graph import Graph
from repro.workflow.jobs import Job
from repro.workflow.needs import plan_claims
from repro.workflow.stage_configs import (
    STAGE_CONFIGS,
    DataJob,
    DistancesJob,
    FinetuneJob,
    PretrainJob,
)


def _plan(profile: str, *overrides: str) -> list[Job]:
    pairs, _ = plan_claims(resolve(profile, overrides=overrides), discover())
    seen: dict[str, Job] = {}
    todo = [j for j, _ in pairs]
    while todo:  # every job of the plan, upstream ones included
        job = todo.pop()
        if job.key not in seen:
            seen[job.key] = job
            todo += list(job.inputs.values())
    return list(seen.values())


@pytest.mark.parametrize(
    "profile, overrides",
    [("smoke", ()), ("smoke", ("sweep.enabled=true",)), ("paper", ()), ("cao", ())],
)
def test_every_planned_job_parses_and_keys_back_to_the_same_dict(profile, overrides):
    jobs = _plan(profile, *overrides)
    assert {j.stage for j in jobs} >= {"data", "align", "adjust", "finetune", "evaluate"}
    for job in jobs:
        typed = job.stage_config
        assert isinstance(typed, STAGE_CONFIGS[job.stage])
        assert typed.key_dict() == job.config, job  # the typed form loses nothing of the key


def test_the_finetune_key_holds_only_what_the_run_reads():
    g = Graph(resolve("smoke"))
    nli = g.finetune("nli", "adjusted", "es", 1).stage_config
    qa = g.finetune("qa", "adjusted", "es", 1).stage_config
    cl = g.finetune("nli", "adjusted+cl", "es", 1).stage_config
    assert "qa_doc_stride" not in nli.key_dict() and nli.doc_stride == 128
    assert qa.key_dict()["qa_doc_stride"] == qa.doc_stride
    assert nli.continual is None and "pooling" not in nli.key_dict()
    assert cl.continual is not None and cl.cl_langs == tuple(g.adjust_langs("es"))
    assert cl.key_dict()["pooling"] == g.cfg.adjust.pooling


def test_a_pretrain_option_at_its_old_meaning_stays_out_of_the_key():
    cfg = resolve("smoke")
    key = PretrainJob(cfg.model, cfg.pretrain).key_dict()["pretrain"]
    assert cfg.pretrain.sentences_per_row != 1 or "sentences_per_row" not in key
    packed = resolve("smoke", overrides=("pretrain.sentences_per_row=2",))
    assert (
        PretrainJob(packed.model, packed.pretrain).key_dict()["pretrain"]["sentences_per_row"] == 2
    )


def test_partial_dicts_take_the_defaults_and_unknown_keys_name_the_stage():
    assert DistancesJob.of({"langs": ["es"]}).pooling == "avg"
    assert DataJob.of({"source": "hub"}).hub is None
    with pytest.raises(ConfigError, match="finetune.trian"):
        FinetuneJob.of({"task": "nli", "trian": {}})
