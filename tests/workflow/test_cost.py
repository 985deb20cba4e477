"""The cost model behind ``repro plan``: every stage estimated, driven by the profile's sizes."""

from __future__ import annotations

import json

import pytest

from repro.claims import discover
from repro.config import resolve
from repro.workflow import cost
from repro.workflow.graph import Graph
from repro.workflow.needs import plan_claims
from repro.workflow.schedule import toposort

COMPUTE_STAGES = {"pretrain", "adjust", "finetune", "evaluate", "retrieve", "distances"}


def plan_jobs(cfg):
    pairs, _ = plan_claims(cfg, discover())
    return toposort([j for j, _ in pairs])


@pytest.fixture(scope="module")
def paper():
    cfg = resolve("paper")
    return cfg, plan_jobs(cfg)


@pytest.fixture(scope="module")
def smoke():
    cfg = resolve("smoke")
    return cfg, plan_jobs(cfg)


@pytest.mark.parametrize("which", ["paper", "smoke"])
def test_every_stage_of_the_plan_has_a_positive_estimate(which, request):
    cfg, jobs = request.getfixturevalue(which)
    est = cost.estimate(cfg, jobs)
    stages = {j.stage for j in jobs}
    assert set(est["per_stage"]) == stages
    for stage in stages & COMPUTE_STAGES:
        assert est["per_stage"][stage]["hours"] > 0, stage
        assert est["per_stage"][stage]["flops"] > 0, stage
    assert all(row["hours"] >= 0 for row in est["per_stage"].values())
    assert est["total_hours"] > 0
    assert est["total_hours"] == pytest.approx(sum(est["per_stage_hours"].values()), abs=0.01)
    assert sum(r["jobs"] for r in est["per_stage"].values()) == len(jobs)
    expected = "gpu" if which == "paper" else "cpu"
    assert est["per_stage"]["finetune"]["resource"] == expected
    assert est["hours_by_resource"][expected] > 0


def test_the_paper_plan_is_dominated_by_fine_tuning(paper):
    cfg, jobs = paper
    est = cost.estimate(cfg, jobs)
    hours = est["per_stage_hours"]
    assert hours["finetune"] > hours["adjust"] > hours["retrieve"]
    assert hours["finetune"] > hours["evaluate"]
    # one NLI run on full MNLI (2 epochs, 24.5k steps) takes GPU minutes, not seconds or days
    nli = Graph(cfg).finetune("nli", "original", "es", 1)
    assert 0.1 < cost.job_cost(cfg, nli).seconds / 3600 < 5


def _cost(profile: str, overrides: tuple[str, ...], build):
    cfg = resolve(profile, overrides=overrides)
    return cost.job_cost(cfg, build(Graph(cfg)))


@pytest.mark.parametrize("task", ["nli", "ner", "qa"])
def test_fine_tuning_cost_is_linear_in_epochs(task):
    def build(g):
        return g.finetune(task, "original", "es", 1)

    base = _cost("paper", (f"finetune.{task}.num_train_epochs=1.0",), build)
    for k in (2, 4):
        c = _cost("paper", (f"finetune.{task}.num_train_epochs={k}.0",), build)
        assert c.flops == pytest.approx(k * base.flops, rel=1e-9)
        assert c.steps == k * base.steps
        assert c.seconds == pytest.approx(k * base.seconds, rel=1e-9)


def test_adjustment_cost_is_linear_in_pairs_and_epochs():
    def build(g):
        return g.adjusted("ru")

    base = _cost("paper", ("adjust.max_pairs=3200",), build)
    for k in (2, 5):
        c = _cost("paper", (f"adjust.max_pairs={3200 * k}",), build)
        assert c.flops == pytest.approx(k * base.flops, rel=1e-9)
        assert c.seconds == pytest.approx(k * base.seconds, rel=1e-9)
    twice = _cost("paper", ("adjust.max_pairs=3200", "adjust.epochs=2"), build)
    assert twice.flops == pytest.approx(2 * base.flops, rel=1e-9)


def test_adjustment_pairs_are_capped_by_the_pool():
    def build(g):
        return g.adjusted("es")

    # the smoke world has world.n_parallel = 2500 pairs per language
    small = _cost("smoke", ("adjust.mode=per_language", "adjust.max_pairs=2500"), build)
    large = _cost("smoke", ("adjust.mode=per_language", "adjust.max_pairs=10000"), build)
    assert large.flops == small.flops
    bigger = _cost(
        "smoke",
        ("adjust.mode=per_language", "adjust.max_pairs=10000", "world.n_parallel=5000"),
        build,
    )
    assert bigger.flops == pytest.approx(2 * small.flops, rel=1e-9)


def test_token_counts_come_from_the_profile_sizes():
    def nli(g):
        return g.finetune("nli", "original", "es", 1)

    base = _cost("smoke", ("world.n_nli_train=6400",), nli)
    double = _cost("smoke", ("world.n_nli_train=12800",), nli)
    assert double.flops == pytest.approx(2 * base.flops, rel=1e-9)
    capped = _cost(
        "smoke", ("world.n_nli_train=12800", "finetune.nli.max_train_examples=6400"), nli
    )
    assert capped.flops == pytest.approx(base.flops, rel=1e-9)

    # MNLI pairs (35 words, ~84 padded sub-words) are cut by a shorter max_seq_length only
    mnli = {n: _cost("paper", (f"finetune.nli.max_seq_length={n}",), nli) for n in (64, 128, 512)}
    assert mnli[64].flops < 0.8 * mnli[128].flops
    assert mnli[128].flops == mnli[512].flops

    def qa(g):
        return g.finetune("qa", "original", "es", 1)

    # SQuAD question + context (~204 sub-words) needs several 128-token windows
    short = _cost("paper", ("finetune.qa.max_seq_length=128", "finetune.qa_doc_stride=64"), qa)
    long = _cost("paper", ("finetune.qa.max_seq_length=384",), qa)
    assert short.steps > 2 * long.steps
    # a bigger tiny model costs more per token
    wide = _cost(
        "smoke",
        ("world.n_nli_train=6400", "model.hidden_size=256", "model.intermediate_size=1024"),
        nli,
    )
    assert wide.flops > 3 * base.flops


def test_continual_learning_and_fp32_cost_more(paper):
    cfg, _ = paper
    g = Graph(cfg)
    plain = cost.job_cost(cfg, g.finetune("nli", "adjusted", "es", 1))
    cl = cost.job_cost(cfg, g.finetune("nli", "adjusted+cl", "es", 1))
    assert cl.flops > plain.flops and cl.steps == plain.steps
    fp32 = resolve("paper", overrides=("finetune.bf16=false",))
    slow = cost.job_cost(fp32, Graph(fp32).finetune("nli", "adjusted", "es", 1))
    assert slow.flops == plain.flops and slow.seconds > 2 * plain.seconds


def test_cached_jobs_are_not_counted_as_to_run(smoke):
    cfg, jobs = smoke
    everything = cost.estimate(cfg, jobs)
    assert everything["to_run_hours"] == pytest.approx(everything["total_hours"], abs=1e-3)
    finetunes = [j.key for j in jobs if j.stage == "finetune"]
    part = cost.estimate(cfg, jobs, cached=finetunes)
    assert part["total_hours"] == everything["total_hours"]
    assert part["per_stage"]["finetune"]["cached"] == len(finetunes)
    assert part["per_stage"]["finetune"]["to_run_hours"] == 0
    assert part["to_run_hours"] < everything["to_run_hours"]


def test_repro_plan_paper_prints_per_stage_lines_and_a_total(capsys, tmp_path, monkeypatch):
    from repro.cli import main

    monkeypatch.setenv("REPRO_ARTIFACTS", str(tmp_path / "store"))
    assert main(["plan", "--profile", "paper"]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert "estimated cost in GPU-hours" in out
    for stage in ("hub_model", "align", "adjust", "finetune", "evaluate", "retrieve", "distances"):
        row = [ln for ln in lines if ln.strip().startswith(stage + " ")]
        assert row, stage
    total = [ln for ln in lines if ln.strip().startswith("total ")]
    assert len(total) == 1 and float(total[0].split()[1]) > 0
    assert "fine-tuning runs by task/model state" in out
    # one adjustment per language × data size × run (paired with the fine-tuning seeds)
    from repro.config import resolve

    cfg = resolve("paper")
    extra = [n for n in cfg.sweep.sizes if n != cfg.adjust.max_pairs] if cfg.sweep.enabled else []
    runs = len(cfg.finetune.seeds) + len(extra) * len(cfg.sweep.seeds or cfg.finetune.seeds)
    expected = len(cfg.languages) * runs
    assert f"adjustment runs: {expected} " in out

    assert main(["plan", "--profile", "paper", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["estimate"]["per_stage"]["finetune"]["jobs"] == sum(
        j["stage"] == "finetune" for j in data["jobs"]
    )


def test_the_run_starts_the_adjustment_before_original_fine_tunings(smoke):
    # every adjusted-model job waits on the adjustment: its chain outranks any one original run
    from repro.workflow.run import estimated_seconds
    from repro.workflow.schedule import critical_path

    cfg, jobs = smoke
    seconds = estimated_seconds(cfg, jobs)
    assert set(seconds) == {j.key for j in jobs}
    rank = critical_path(jobs, seconds)
    adjust = [j for j in jobs if j.stage == "adjust"]
    original_ft = [
        j
        for j in jobs
        if j.stage == "finetune" and "adjust" not in {d.stage for d in j.inputs.values()}
    ]
    assert adjust and original_ft
    assert min(rank[a.key] for a in adjust) > max(rank[f.key] for f in original_ft)
