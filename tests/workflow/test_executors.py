"""SubmititExecutor: a wave through submitit's local cluster, and what it asks Slurm for.

submitit pickles the function and its arguments and runs them in fresh processes, so the jobs
here use a real stage (``data`` with a tiny synthetic world, about a second each); monkeypatched
stages would not exist in the workers.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from tiny_world import data_job

from repro.cache import ArtifactStore
from repro.data.bundle import Bundle
from repro.errors import ReproError
from repro.workflow import ddp as launch
from repro.workflow import jobs as pipeline
from repro.workflow.executors import SubmititExecutor
from repro.workflow.jobs import JOB_FILE_DIR, Job
from repro.workflow.schedule import run

submitit = pytest.importorskip("submitit")


@pytest.mark.slow
def test_a_wave_of_two_jobs_runs_through_submitit_local(tmp_path, monkeypatch):
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "")
    store = ArtifactStore(tmp_path / "store")
    folder = tmp_path / "submitit"
    jobs = [data_job(1), data_job(2)]
    rep = run(jobs, store, SubmititExecutor(folder=str(folder), cluster="local", torch_threads=1))
    assert (rep.ran, rep.cached) == (2, 0)
    bundles = [Bundle.load(store.get("data", j.key).path) for j in jobs]
    assert all(b.source == "synthetic" for b in bundles)
    texts = [
        (store.get("data", j.key).path / b.mono["en"]).read_text()
        for j, b in zip(jobs, bundles, strict=True)
    ]
    assert texts[0] != texts[1]  # two different worlds, one per task
    assert len(list(folder.glob("*_result.pkl"))) == 2  # each ran as its own submitit task
    rep = run(jobs, store, SubmititExecutor(folder=str(folder), cluster="local"))
    assert (rep.ran, rep.cached) == (0, 2)  # nothing resubmitted


@pytest.mark.slow
def test_a_failed_task_is_reported_after_the_others_finish(tmp_path, monkeypatch):
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "")
    store = ArtifactStore(tmp_path / "store")
    good, bad = data_job(3), data_job(4, n_per=1)  # n_per < 4: the worker raises ConfigError
    ex = SubmititExecutor(folder=str(tmp_path / "submitit"), cluster="local", torch_threads=1)
    with pytest.raises(ReproError, match=r"1 of 2 submitit task\(s\) failed(.|\n)*n_per"):
        ex.run_wave([bad, good], store)
    assert store.get("data", good.key) is not None
    assert store.get("data", bad.key) is None
    assert not list(store.root.glob("data/.tmp-*"))


class FakeJob:
    def __init__(self, fn, args) -> None:
        self.fn, self.args, self.job_id = fn, args, f"fake{len(args)}"

    def result(self):
        return self.fn.__name__


class FakeAutoExecutor:
    """Records what SubmititExecutor asks for, as a Slurm cluster would receive it."""

    arrays: list[dict[str, Any]] = []

    def __init__(self, folder: str, cluster: str | None = None) -> None:
        self.folder, self.cluster, self.params = folder, "slurm", {}

    def update_parameters(self, **params: Any) -> None:
        self.params.update(params)

    def map_array(self, fn, *iterables):
        calls = list(zip(*iterables, strict=True))
        FakeAutoExecutor.arrays.append({"fn": fn, "params": dict(self.params), "calls": calls})
        return [FakeJob(fn, c) for c in calls]


def test_slurm_arrays_give_adjust_and_finetune_jobs_several_gpus(tmp_path, monkeypatch):
    FakeAutoExecutor.arrays = []
    monkeypatch.setattr(submitit, "AutoExecutor", FakeAutoExecutor)
    store = ArtifactStore(tmp_path)
    d = Job("data", {"name": "d"})
    jobs = [
        Job("adjust", {"a": 1}, {"data": d}),
        Job("align", {"b": 1}, {"data": d}),
        Job("finetune", {"c": 1}, {"data": d}),
        Job("evaluate", {"e": 1}, {"data": d}),
    ]
    ex = SubmititExecutor(
        folder=str(tmp_path / "s"),
        partition="gpu",
        gpus_per_node=1,
        timeout_min=90,
        torch_threads=8,
        procs_per_job=4,
        cpus_per_task=16,
        extra={"slurm_account": "proj"},
    )
    ex.run_wave(jobs, store)
    plain, ddp = FakeAutoExecutor.arrays
    assert plain["fn"] is pipeline.execute_job
    assert [c[0].stage for c in plain["calls"]] == ["align", "evaluate"]
    assert plain["params"]["gpus_per_node"] == 1
    assert ddp["fn"] is launch.run_distributed
    assert [c[0].stage for c in ddp["calls"]] == ["adjust", "finetune"]
    assert {c[2] for c in ddp["calls"]} == {4}  # nproc for torchrun
    assert {c[4] for c in ddp["calls"]} == {2}  # 8 threads shared by 4 ranks
    assert ddp["params"]["gpus_per_node"] == 4
    for array in (plain, ddp):
        p = array["params"]
        assert p["slurm_partition"] == "gpu" and p["timeout_min"] == 90
        assert p["tasks_per_node"] == 1 and p["cpus_per_task"] == 16
        assert p["slurm_account"] == "proj"
        assert all(c[1] == str(store.root) for c in array["calls"])


def test_one_process_per_job_submits_a_single_array(tmp_path, monkeypatch):
    FakeAutoExecutor.arrays = []
    monkeypatch.setattr(submitit, "AutoExecutor", FakeAutoExecutor)
    jobs = [Job("adjust", {"a": 1}), Job("data", {"x": 2})]
    SubmititExecutor(folder=str(tmp_path / "s")).run_wave(jobs, ArtifactStore(tmp_path))
    (only,) = FakeAutoExecutor.arrays
    assert only["fn"] is pipeline.execute_job and len(only["calls"]) == 2
    assert "slurm_partition" not in only["params"]


def test_the_submitted_functions_pickle(tmp_path):
    import pickle

    job = Job("adjust", {"a": 1}, {"data": Job("data", {"x": 2})})
    for fn in (pipeline.execute_job, launch.run_distributed):
        back_fn, back_job = pickle.loads(pickle.dumps((fn, job)))
        assert back_fn is fn and back_job.key == job.key
        assert back_job.inputs["data"].key == job.inputs["data"].key


def test_submitit_folder_is_inside_the_store_by_default():
    from repro.config import resolve
    from repro.workflow.run import make_executor

    cfg = resolve("smoke", overrides=("run.executor=submitit",))
    ex = make_executor(cfg, ArtifactStore(Path("/tmp/some-store")))
    assert isinstance(ex, SubmititExecutor)
    assert Path(ex.folder) == Path("/tmp/some-store/.submitit")
    assert ex.gpus_per_node == cfg.run.slurm_gpus_per_node


@pytest.mark.slow
def test_a_ddp_job_runs_torchrun_inside_a_submitit_task(tmp_path, monkeypatch):
    from repro.benchmarks.adjust_bench import toy_bitext, toy_texts
    from repro.config import AdjustConfig
    from repro.configtools import to_dict
    from repro.data.bundle import write_jsonl
    from repro.model.io import save_encoder
    from repro.model.tiny import tiny_test_model

    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "")
    store = ArtifactStore(tmp_path / "store")
    pairs = toy_bitext(32, seed=5)
    enc = Job("hub_model", {"fixture": "test_submitit encoder"})
    with store.writer("hub_model", enc.key, {}) as out:
        save_encoder(
            *tiny_test_model(toy_texts(pairs), hidden=32, layers=2, vocab=200), out / "encoder"
        )
    al = Job("align", {"fixture": "test_submitit pairs", "lang": "es"})
    with store.writer("align", al.key, {}) as out:
        write_jsonl(out / "pairs.jsonl", pairs)
    job = Job(
        "adjust",
        {"adjust": to_dict(AdjustConfig(batch_size=16, max_pairs=32)), "langs": ["es"]},
        {"encoder": enc, "align_es": al},
    )
    ex = SubmititExecutor(
        folder=str(tmp_path / "submitit"), cluster="local", torch_threads=2, procs_per_job=2
    )
    ex.run_wave([job], store)
    art = store.get("adjust", job.key)
    assert art is not None and art.manifest["distributed"]["world_size"] == 2
    assert art.manifest["summary"]["steps"] == 2
    assert not (store.root / JOB_FILE_DIR / f"adjust-{job.key[:32]}.json").exists()
