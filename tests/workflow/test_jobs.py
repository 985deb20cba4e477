"""Job graph and runner: dedupe by key, waves, cache hits, failure handling, executors."""

from __future__ import annotations

import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from tiny_world import data_job

from repro.cache import ArtifactStore
from repro.errors import ReproError
from repro.workflow import jobs as pipeline
from repro.workflow.executors import LocalExecutor
from repro.workflow.jobs import Job
from repro.workflow.schedule import (
    critical_path,
    run,
    run_dag,
    thread_plan,
    threads_per_worker,
    toposort,
    waves,
)

CALLS: list[str] = []


def fake_stage(ctx):
    CALLS.append(ctx.config["name"])
    logging.getLogger("repro.fake").info("stage %s at work", ctx.config["name"])
    upstream = sorted(ctx.inputs)
    (ctx.out_dir / "out.txt").write_text(f"{ctx.config['name']}<-{upstream}")
    if ctx.config.get("fail"):
        raise RuntimeError("stage failed")
    return {"n": len(upstream)}


@pytest.fixture
def fake_stages(monkeypatch):
    CALLS.clear()
    monkeypatch.setitem(pipeline.STAGES, "data", ("tests.workflow.test_jobs:fake_stage", 1))
    monkeypatch.setitem(pipeline.STAGES, "align", ("tests.workflow.test_jobs:fake_stage", 1))
    monkeypatch.setattr(pipeline, "stage_function", lambda stage: fake_stage)


def graph():
    d = Job("data", {"name": "d"})
    a1 = Job("align", {"name": "a1"}, {"data": d})
    a2 = Job("align", {"name": "a2"}, {"data": d})
    top = Job("align", {"name": "top"}, {"x": a1, "y": a2})
    return d, a1, a2, top


def test_toposort_dedupes_and_orders():
    d, a1, a2, top = graph()
    same = Job("align", {"name": "a1"}, {"data": Job("data", {"name": "d"})})
    order = toposort([top, same])
    assert [j.config["name"] for j in order] == ["d", "a1", "a2", "top"]
    assert [len(w) for w in waves(order)] == [1, 2, 1]


def test_run_then_cache_hit(tmp_path, fake_stages):
    store = ArtifactStore(tmp_path)
    *_, top = graph()
    rep = run([top], store, LocalExecutor())
    assert rep.ran == 4 and rep.cached == 0 and CALLS == ["d", "a1", "a2", "top"]
    art = store.get("align", top.key)
    assert art.manifest["summary"] == {"n": 2}
    assert art.manifest["inputs"]["x"]["key"] == top.inputs["x"].key
    assert "git_revision" in art.manifest and "torch" in art.manifest["versions"]
    CALLS.clear()
    rep = run([top], store, LocalExecutor())
    assert rep.ran == 0 and rep.cached == 4 and CALLS == []


def test_failed_stage_leaves_no_artifact_and_resumes(tmp_path, fake_stages):
    store = ArtifactStore(tmp_path)
    d = Job("data", {"name": "d"})
    bad = Job("align", {"name": "bad", "fail": True}, {"data": d})
    with pytest.raises(RuntimeError):
        run([bad], store, LocalExecutor())
    assert store.get("data", d.key) is not None  # finished upstream work is kept
    assert store.get("align", bad.key) is None
    CALLS.clear()
    good = Job("align", {"name": "good"}, {"data": d})
    run([good], store, LocalExecutor())
    assert CALLS == ["good"]


def test_unknown_stage():
    with pytest.raises(ReproError, match="unknown stage"):
        Job("train", {})


def test_process_pool_executor(tmp_path):
    # real stage functions in spawned workers: two independent `data`-like jobs in parallel
    store = ArtifactStore(tmp_path)
    jobs = [data_job(s) for s in (1, 2)]
    said: list[str] = []
    rep = run(jobs, store, LocalExecutor(jobs=2), progress=said.append)
    assert rep.ran == 2
    assert all(store.get("data", j.key) for j in jobs)
    done = [m for m in said if "jobs done" in m]  # the overall line, once per finished job
    assert [m.split(" ", 1)[0] for m in done] == ["1/2", "2/2"]
    assert "left)" in done[0] and "left" not in done[1]


def test_threads_split_over_the_long_jobs_of_a_wave():
    quick = [Job("align", {"lang": x}) for x in "abcd"]
    pretrain = Job("pretrain", {})
    fts = [Job("finetune", {"seed": i}) for i in range(3)]
    # pretrain beside four seconds-long aligns gets both cores, not one
    assert threads_per_worker([pretrain, *quick], workers=2, torch_threads=2) == 2
    assert threads_per_worker([*fts, *quick], workers=2, torch_threads=2) == 1
    assert threads_per_worker(fts[:2], workers=4, torch_threads=8) == 4
    assert threads_per_worker(quick, workers=2, torch_threads=2) == 1
    assert threads_per_worker(fts, workers=8, torch_threads=2) == 1


def test_log_lines_carry_the_job_label_while_it_runs(tmp_path, fake_stages, caplog):
    store = ArtifactStore(tmp_path)
    d, a1, *_ = graph()
    with caplog.at_level(logging.INFO):
        run([a1], store, LocalExecutor())
        logging.getLogger("repro.fake").info("after the run")
    lines = [(r.name, r.getMessage()) for r in caplog.records if "fake" in r.name]
    assert lines == [
        ("repro.fake [data]", "stage d at work"),
        ("repro.fake [align]", "stage a1 at work"),
        ("repro.fake", "after the run"),  # the tag is gone once the job is done
    ]
    running = [r.getMessage() for r in caplog.records if r.getMessage().startswith("running")]
    assert running == [
        f"running data [data] {d.key[:12]} (2 torch thread(s))",
        f"running align [align] {a1.key[:12]} (2 torch thread(s))",
    ]


# -- dependency-driven scheduling (run_dag) ----------------------------------------------------
class Recorder:
    """Runs fake jobs on threads; records start/end order, threads and peak concurrency."""

    def __init__(self, pool, seconds, fail=()):
        self.pool, self.seconds, self.fail = pool, seconds, set(fail)
        self.events: list[str] = []
        self.threads: dict[str, int] = {}
        self.active = self.peak = 0
        self.lock = threading.Lock()

    def submit(self, job, threads):
        name = job.config["name"]
        self.threads[name] = threads
        return self.pool.submit(self._run, name)

    def _run(self, name):
        with self.lock:
            self.events.append(f"start {name}")
            self.active += 1
            self.peak = max(self.peak, self.active)
        time.sleep(self.seconds.get(name, 0.01))
        with self.lock:
            self.active -= 1
            self.events.append(f"end {name}")
        if name in self.fail:
            raise RuntimeError(f"{name} failed")


def test_a_job_starts_when_its_inputs_are_done_not_its_wave():
    slow = Job("finetune", {"name": "slow"})
    fast = Job("finetune", {"name": "fast"})
    after_fast = Job("evaluate", {"name": "after_fast"}, {"model": fast})
    with ThreadPoolExecutor(4) as pool:
        rec = Recorder(pool, {"slow": 0.5})
        order = toposort([slow, after_fast])
        run_dag(order, rec.submit, workers=2, threads=thread_plan(order, 2, 2))
    ev = rec.events
    assert ev.index("start after_fast") < ev.index("end slow")  # waves would wait for `slow`
    assert ev.index("end fast") < ev.index("start after_fast")
    assert rec.peak == 2


def test_never_more_than_workers_and_threads_follow_the_long_jobs():
    pre = Job("pretrain", {"name": "pre"})
    aligns = [Job("align", {"name": f"al{i}"}) for i in range(4)]
    fts = [Job("finetune", {"name": f"ft{i}"}, {"enc": pre}) for i in range(5)]
    with ThreadPoolExecutor(8) as pool:
        rec = Recorder(pool, {"pre": 0.2})
        order = toposort([*aligns, *fts])
        run_dag(order, rec.submit, workers=2, threads=thread_plan(order, 2, 2))
    assert rec.peak == 2
    assert rec.threads["pre"] == 2  # the only long job beside seconds-long aligns
    assert rec.events[0] == "start pre"  # long jobs first
    assert {rec.threads[f"ft{i}"] for i in range(5)} == {1}  # five long jobs in a wave: split
    assert sorted(e for e in rec.events if e.startswith("end")) == sorted(
        f"end {n}" for n in ["pre", *(f"al{i}" for i in range(4)), *(f"ft{i}" for i in range(5))]
    )


def test_critical_path_adds_the_longest_chain_that_waits_on_a_job():
    pre = Job("pretrain", {"name": "pre"})
    adj = Job("adjust", {"name": "adj"}, {"enc": pre})
    cl = Job("finetune", {"name": "cl"}, {"enc": adj})
    ft = Job("finetune", {"name": "ft"}, {"enc": pre})
    order = toposort([ft, cl])
    rank = critical_path(order, {pre.key: 10, adj.key: 2, cl.key: 5, ft.key: 3})
    assert rank == {cl.key: 5, adj.key: 7, ft.key: 3, pre.key: 17}


def test_with_priorities_the_longest_chain_starts_first():
    # topological order puts the short fine-tunings first; the chain adj -> cl is longer
    short = [Job("finetune", {"name": f"ft{i}"}) for i in range(2)]
    adj = Job("adjust", {"name": "adj"})
    cl = Job("finetune", {"name": "cl"}, {"enc": adj})
    order = toposort([*short, cl])
    assert order[0].key == short[0].key
    seconds = {short[0].key: 3, short[1].key: 3, adj.key: 2, cl.key: 5}
    with ThreadPoolExecutor(2) as pool:
        plain = Recorder(pool, {})
        run_dag(order, plain.submit, workers=1, threads=thread_plan(order, 1, 1))
        ranked = Recorder(pool, {})
        priority = critical_path(order, seconds)
        run_dag(order, ranked.submit, 1, thread_plan(order, 1, 1), priority=priority)
    assert plain.events[0] == "start ft0"
    assert [e for e in ranked.events if e.startswith("start")] == [
        "start adj",
        "start cl",
        "start ft0",
        "start ft1",
    ]


def test_inputs_outside_the_list_count_as_done():
    cached = Job("pretrain", {"name": "cached"})
    ft = Job("finetune", {"name": "ft"}, {"enc": cached})
    with ThreadPoolExecutor(2) as pool:
        rec = Recorder(pool, {})
        said = []
        plan = thread_plan(toposort([ft]), 2, 2)
        run_dag([ft], rec.submit, workers=2, threads=plan, progress=said.append)
    assert rec.events == ["start ft", "end ft"]
    assert said == ["1/1 done: finetune[finetune]"]


def test_after_a_failure_nothing_new_starts_running_jobs_finish_error_raised():
    bad = Job("finetune", {"name": "bad"})
    slow = Job("finetune", {"name": "slow"})
    child = Job("evaluate", {"name": "child"}, {"model": bad})
    later = [Job("finetune", {"name": f"later{i}"}) for i in range(3)]
    with ThreadPoolExecutor(4) as pool:
        rec = Recorder(pool, {"slow": 0.3}, fail={"bad"})
        with pytest.raises(RuntimeError, match="bad failed"):
            order = [bad, slow, *later, child]
            run_dag(order, rec.submit, workers=2, threads=thread_plan(order, 2, 2))
    assert "end slow" in rec.events  # the running job was waited for
    assert not any(e.startswith(("start later", "start child")) for e in rec.events)


def test_thread_plan_ignores_what_is_cached():
    # a resumed run gives each job the threads of the cold run (CPU results stay bitwise equal)
    pre = Job("pretrain", {"name": "pre"})
    aligns = [Job("align", {"name": f"al{i}"}) for i in range(2)]
    fts = [Job("finetune", {"name": f"ft{i}"}, {"enc": pre}) for i in range(3)]
    order = toposort([*aligns, *fts])
    plan = thread_plan(order, 2, 2)
    assert plan[pre.key] == 2 and {plan[f.key] for f in fts} == {1}
    with ThreadPoolExecutor(4) as pool:
        rec = Recorder(pool, {})
        run_dag(fts[2:], rec.submit, workers=2, threads=plan)  # the rest was cached
    assert rec.threads == {"ft2": 1}


ORPHAN_SCRIPT = """
import os, time
from repro.workflow.executors import LocalExecutor
pool = LocalExecutor(jobs=1, device="cpu")._pool()
print(pool.submit(os.getpid).result(), flush=True)
pool.submit(time.sleep, 120)
time.sleep(1)
os.kill(os.getpid(), 9)  # as `kill -9` of the run: no unwinding, no pool shutdown
"""


def test_pool_workers_exit_when_the_run_is_killed(tmp_path):
    import os
    import subprocess
    import sys

    out = tmp_path / "worker.pid"
    with out.open("w") as fh:  # a file, not a pipe: an orphan would hold a pipe open
        proc = subprocess.run([sys.executable, "-c", ORPHAN_SCRIPT], stdout=fh, timeout=120)
    assert proc.returncode == -9
    worker = int(out.read_text().split()[0])

    def gone() -> bool:
        try:
            os.kill(worker, 0)
        except ProcessLookupError:
            return True
        try:  # an exited orphan that the container's init never reaps is a zombie
            return open(f"/proc/{worker}/stat").read().rsplit(")", 1)[1].split()[0] == "Z"
        except OSError:
            return False

    deadline = time.time() + 20
    while time.time() < deadline:
        if gone():
            return
        time.sleep(0.2)
    os.kill(worker, 9)
    pytest.fail(f"pool worker {worker} outlived the killed run by 20 s")
