"""repro.workflow.ddp without a process group: job files, commands, routing by the executors.

The multi-process runs themselves (torchrun, gloo) are in tests/workflow/test_ddp.py (slow).
"""

from __future__ import annotations

import json

import pytest

from repro.cache import ArtifactStore
from repro.errors import ConfigError, ReproError
from repro.workflow import ddp as launch
from repro.workflow import jobs as pipeline
from repro.workflow.executors import LocalExecutor
from repro.workflow.jobs import Job

CALLS: list[str] = []


def fake_stage(ctx):
    CALLS.append(ctx.config["name"])
    (ctx.out_dir / "out.txt").write_text(ctx.config["name"])
    return {"name": ctx.config["name"]}


@pytest.fixture
def fake_stages(monkeypatch):
    CALLS.clear()
    monkeypatch.delenv("WORLD_SIZE", raising=False)
    monkeypatch.setattr(pipeline, "stage_function", lambda stage: fake_stage)


def graph() -> Job:
    d = Job("data", {"name": "d", "sizes": (1, 2)})
    a = Job("align", {"name": "a", "lang": "es"}, {"data": d})
    return Job(
        "adjust",
        {"name": "adj", "adjust": {"lr": 5e-5, "betas": [0.9, 0.98]}},
        {"data": d, "align_es": a},
        label="es@30000",
    )


def test_job_file_round_trip_keeps_every_key(tmp_path):
    job = graph()
    path = launch.write_job_file(job, tmp_path / "jobs" / "j.json")
    back = launch.read_job_file(path)
    assert back.key == job.key and back.label == "es@30000"
    assert {n: d.key for n, d in back.inputs.items()} == {n: d.key for n, d in job.inputs.items()}
    assert back.inputs["align_es"].inputs["data"].key == job.inputs["data"].key
    assert not list((tmp_path / "jobs").glob(".*"))  # no temp file left behind


def test_a_job_file_whose_config_changed_is_refused(tmp_path):
    path = launch.write_job_file(graph(), tmp_path / "j.json")
    data = json.loads(path.read_text())
    data["inputs"]["align_es"]["config"]["lang"] = "ru"  # key no longer matches the config
    path.write_text(json.dumps(data))
    with pytest.raises(ReproError, match=r"inputs\.align_es: key .* does not match"):
        launch.read_job_file(path)


@pytest.mark.parametrize(
    "text, match", [("{not json", "invalid JSON"), ('{"config": {}}', "not a job description")]
)
def test_bad_job_files_name_the_file(tmp_path, text, match):
    path = tmp_path / "bad.json"
    path.write_text(text)
    with pytest.raises(ReproError, match=match) as info:
        launch.read_job_file(path)
    assert "bad.json" in str(info.value)


def test_missing_job_file(tmp_path):
    with pytest.raises(ReproError, match="not found"):
        launch.read_job_file(tmp_path / "nope.json")


def test_torchrun_command_runs_this_module_on_one_node(tmp_path):
    cmd = launch.torchrun_command(
        tmp_path / "j.json", tmp_path / "store", 4, device="cuda", torch_threads=3
    )
    assert cmd[1:4] == ["-m", "torch.distributed.run", "--standalone"]
    assert "--nproc-per-node=4" in cmd
    i = cmd.index("repro.workflow.ddp")
    assert cmd[i - 1] == "-m"
    args = launch.build_parser().parse_args(cmd[i + 1 :])
    assert (args.job_file, args.device, args.threads) == (str(tmp_path / "j.json"), "cuda", 3)


def test_one_process_runs_in_this_process(tmp_path, fake_stages):
    store = ArtifactStore(tmp_path)
    d = Job("data", {"name": "d"})
    assert launch.run_distributed(d, str(store.root), 1, device="cpu") == d.key
    assert CALLS == ["d"] and store.get("data", d.key) is not None
    launch.run_distributed(d, str(store.root), 1, device="cpu")
    assert CALLS == ["d"]  # cached: not recomputed


def test_main_runs_a_job_file_without_a_launcher(tmp_path, fake_stages):
    store = ArtifactStore(tmp_path / "store")
    d = Job("data", {"name": "from-file"})
    path = launch.write_job_file(d, launch.job_file_path(store.root, d))
    assert (
        launch.main(["--job-file", str(path), "--store", str(store.root), "--device", "cpu"]) == 0
    )
    art = store.get("data", d.key)
    assert art is not None and art.manifest["summary"] == {"name": "from-file"}
    assert (
        launch.main(["--job-file", str(tmp_path / "missing.json"), "--store", str(store.root)]) == 1
    )


def test_local_executor_sends_only_adjust_and_finetune_to_torchrun(
    tmp_path, fake_stages, monkeypatch
):
    launched: list[tuple[str, int, int]] = []

    def fake_run_distributed(job, root, nproc, device="auto", torch_threads=2, **kw):
        launched.append((job.stage, nproc, torch_threads))
        return job.key

    monkeypatch.setattr(launch, "run_distributed", fake_run_distributed)
    store = ArtifactStore(tmp_path)
    d = Job("data", {"name": "d"})
    ad = Job("adjust", {"name": "adj"}, {"data": d})
    ft = Job("finetune", {"name": "ft"}, {"data": d})
    ev = Job("evaluate", {"name": "ev"}, {"data": d})
    LocalExecutor(procs_per_job=2, torch_threads=4).run_wave([ad, d, ft, ev], store)
    assert CALLS == ["d", "ev"]  # single-process jobs first, in this process
    assert launched == [("adjust", 2, 2), ("finetune", 2, 2)]  # 4 threads shared by 2 ranks
    CALLS.clear()
    launched.clear()
    LocalExecutor(procs_per_job=1).run_wave([ad], store)  # the default: no launcher at all
    assert CALLS == ["adj"] and launched == []


def test_procs_per_job_must_be_positive(tmp_path):
    with pytest.raises(ReproError, match="procs_per_job"):
        LocalExecutor(procs_per_job=0).run_wave(
            [Job("data", {"name": "d"})], ArtifactStore(tmp_path)
        )
    with pytest.raises(ConfigError, match="procs_per_job"):
        launch.run_distributed(Job("data", {"name": "d"}), str(tmp_path), 0)


def test_fine_tuning_batch_stays_global_under_ddp(monkeypatch):
    from repro.loops.finetune import ddp_batch_arguments

    monkeypatch.delenv("WORLD_SIZE", raising=False)
    assert ddp_batch_arguments(32)["per_device_train_batch_size"] == 32
    monkeypatch.setenv("WORLD_SIZE", "4")
    args = ddp_batch_arguments(32)
    assert args == {"per_device_train_batch_size": 8, "average_tokens_across_devices": False}
    with pytest.raises(ConfigError, match="not divisible"):
        ddp_batch_arguments(30)


def test_pool_workers_get_one_gpu_each():
    assert launch.gpu_slots(4, "auto", visible="0,1,2,3") == ["0", "1", "2", "3"]
    assert launch.gpu_slots(3, "auto", visible="2,5") == ["2", "5", "2"]  # round robin
    assert launch.gpu_slots(2, "cuda", count=2) == ["0", "1"]
    assert launch.gpu_slots(4, "auto", visible="") == []  # no GPU: CPU jobs
    assert launch.gpu_slots(4, "auto", visible="3") == []  # one GPU: shared as before
    assert launch.gpu_slots(4, "cpu", visible="0,1") == []
    assert launch.gpu_slots(1, "auto", visible="0,1") == []


def test_pin_gpu_takes_the_next_id(monkeypatch):
    import os
    import queue

    q = queue.Queue()
    q.put("3")
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "0,1,2,3")
    launch.pin_gpu(q)
    assert os.environ["CUDA_VISIBLE_DEVICES"] == "3"
