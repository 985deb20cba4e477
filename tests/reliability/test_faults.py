"""Faults: SIGKILL in the middle of each stage, tampered artifacts, concurrent runs on one store,
a full disk and a read-only store.

A tiny chain (hidden 32, 2 layers, fp32, CPU) built by :class:`repro.workflow.graph.Graph`:
data -> pretrain -> align -> adjust -> finetune. A module fixture computes it once, uninterrupted,
in this process; each kill test copies the upstream artifacts into a fresh store, runs the stage
in a child process (``repro.workflow.jobs.execute_job``), kills the child with SIGKILL once its work dir
or temp dir shows progress, resumes in this process, and compares every output file with the
uninterrupted run (byte-identical weights and data; JSON logs identical up to timings).
The child checkpoints more often than the default (``CHECKPOINT_EVERY`` below) so that a stage of
a few seconds has a checkpoint to resume from; the checkpoint interval does not change results.
"""

from __future__ import annotations

import builtins
import errno
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from tiny_profile import TINY_OVERRIDES

from repro.cache import ArtifactStore
from repro.config import resolve
from repro.errors import ArtifactError, ReproError
from repro.workflow.executors import LocalExecutor
from repro.workflow.graph import Graph
from repro.workflow.jobs import Job, execute_job
from repro.workflow.schedule import run

ROOT = Path(__file__).resolve().parents[2]
THREADS = 2
CHECKPOINT_EVERY = 10

TINY = TINY_OVERRIDES
#: A world big enough that generating and writing it takes a few seconds (the data-stage kill).
BIG_WORLD = (*TINY, "world.n_mono=40000", "world.n_parallel=2000", "world.n_nli_train=3000")

CHILD = """
import functools, json, sys
from repro.workflow.executors import LocalExecutor
from repro.workflow.jobs import Job, execute_job
from repro.workflow.schedule import run
from repro.cache import ArtifactStore
spec_file, root, mode, every = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
if every:
    import repro.adjust.loop as loop, repro.stages.pretrain as pt
    pt.pretrain_mlm = functools.partial(pt.pretrain_mlm, checkpoint_every=every)
    loop.adjust_encoder = functools.partial(loop.adjust_encoder, checkpoint_every=every)
def build(d):
    return Job(d["stage"], d["config"], {k: build(v) for k, v in d["inputs"].items()}, d["label"])
job = build(json.load(open(spec_file)))
if mode == "job":
    execute_job(job, root, device="cpu", torch_threads=THREADS)
else:
    run([job], ArtifactStore(root), LocalExecutor(device="cpu", torch_threads=THREADS))
print("DONE", job.key)
""".replace("THREADS", str(THREADS))


def chain(overrides: tuple[str, ...] = TINY) -> dict[str, Job]:
    g = Graph(resolve("smoke", (), overrides))
    return {
        "data": g.data(),
        "pretrain": g.encoder(),
        "align": g.align("es"),
        "adjust": g.adjusted("es", run=1),
        "finetune": g.finetune("nli", "adjusted", "es", 1),
    }


def spec(job: Job) -> dict[str, Any]:
    return {
        "stage": job.stage,
        "config": job.config,
        "label": job.label,
        "inputs": {k: spec(v) for k, v in job.inputs.items()},
    }


def upstream(job: Job) -> list[Job]:
    out: dict[str, Job] = {}

    def visit(j: Job) -> None:
        for d in j.inputs.values():
            visit(d)
            out[d.key] = d

    visit(job)
    return list(out.values())


VOLATILE = re.compile(
    r"(^|_)(wall|runtime|seconds|started|resumed|rss|eval_s)|per_s(econd)?$"
    r"|_s$"
)


def _stable(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {k: _stable(v) for k, v in obj.items() if not VOLATILE.search(str(k))}
    if isinstance(obj, list):
        return [_stable(v) for v in obj]
    return obj


#: Logs that carry timings next to results; every other file must be byte-identical.
TIMED_LOGS = {"mlm_curve.json", "loss_curve.json", "train_log.json", "metrics.json", "stats.json"}


def fingerprint(store: ArtifactStore, job: Job) -> dict[str, Any]:
    """Per file: its SHA-256, or for a log with timings its content without them."""
    art = store.get(job.stage, job.key)
    assert art is not None, f"{job!r} has no intact artifact"
    out: dict[str, Any] = {}
    for rel, meta in sorted(art.manifest["files"].items()):
        if Path(rel).name in TIMED_LOGS:
            out[rel] = _stable(json.loads((art.path / rel).read_text(encoding="utf-8")))
        else:
            out[rel] = meta["sha256"]
    return out


def copy_artifacts(src: ArtifactStore, dst: ArtifactStore, jobs: list[Job]) -> None:
    for j in jobs:
        art = src.get(j.stage, j.key)
        target = dst.path_for(j.stage, j.key)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copytree(art.path, target)


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> tuple[ArtifactStore, dict[str, Job]]:
    """The uninterrupted tiny chain, computed once in this process (~10 s)."""
    store = ArtifactStore(tmp_path_factory.mktemp("reference"))
    jobs = chain()
    run([jobs["finetune"]], store, LocalExecutor(device="cpu", torch_threads=THREADS))
    return store, jobs


@pytest.fixture(scope="module")
def small(tmp_path_factory) -> tuple[ArtifactStore, dict[str, Job]]:
    """Only data and align (no model; well under a second) for the fast tests."""
    store = ArtifactStore(tmp_path_factory.mktemp("small"))
    jobs = chain()
    run([jobs["align"]], store, LocalExecutor(device="cpu", torch_threads=THREADS))
    return store, jobs


def start_child(
    job: Job, root: Path, tmp: Path, *, mode: str = "job", every: int = CHECKPOINT_EVERY
) -> subprocess.Popen:
    spec_file = tmp / f"spec-{job.key[:8]}-{time.monotonic_ns()}.json"
    spec_file.write_text(json.dumps(spec(job)))
    log = open(tmp / f"child-{spec_file.stem}.log", "w")  # noqa: SIM115 - closed by the caller
    env = {
        **os.environ,
        "HF_HUB_OFFLINE": "1",
        "HF_DATASETS_OFFLINE": "1",
        "TOKENIZERS_PARALLELISM": "false",
        "PYTHONPATH": str(ROOT),
    }
    proc = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(spec_file), str(root), mode, str(every)],
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
        env=env,
        start_new_session=True,
    )
    proc.log_path = Path(log.name)  # type: ignore[attr-defined]
    log.close()
    return proc


def kill_when(proc: subprocess.Popen, progress: Callable[[], bool], timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while not progress():
        if proc.poll() is not None:
            pytest.fail(
                f"the child ended (rc {proc.returncode}) before showing progress:\n"
                f"{proc.log_path.read_text()[-3000:]}"
            )  # type: ignore[attr-defined]
        if time.monotonic() > deadline:
            os.killpg(proc.pid, signal.SIGKILL)
            pytest.fail("no progress before the timeout")
        time.sleep(0.005)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL


# --------------------------------------------------------------------------------------------
# SIGKILL mid-stage, then resume
# --------------------------------------------------------------------------------------------


def _work(store: ArtifactStore, job: Job) -> Path:
    return store.root / ".work" / f"{job.stage}-{job.key[:32]}"


def _checkpoints(store: ArtifactStore, job: Job, *, complete: bool) -> list[Path]:
    return [
        d
        for d in (_work(store, job) / "checkpoints").glob("checkpoint-*")
        if not complete or (d / "trainer_state.json").is_file()
    ]


PROGRESS = {
    "pretrain": lambda store, job: (_work(store, job) / "checkpoint.pt").is_file(),
    "adjust": lambda store, job: (_work(store, job) / "adjust_state.pt").is_file(),
    "finetune": lambda store, job: bool(_checkpoints(store, job, complete=True)),
    # the first checkpoint directory appears: the kill usually lands while it is being written
    "finetune-torn": lambda store, job: bool(_checkpoints(store, job, complete=False)),
}
RESUMED_FROM = {
    "pretrain": lambda art: art.manifest["summary"]["resumed_from"],
    "adjust": lambda art: art.manifest["summary"]["resumed_from_step"],
    "finetune": lambda art: json.loads((art.path / "train_log.json").read_text())["summary"][
        "resumed_from"
    ],
}


def _without_train_loss(doc: dict[str, Any]) -> dict[str, Any]:
    """HF Trainer's ``train_loss`` after a resume averages only the steps run since the resume
    (its own bookkeeping, not a result): left out of the comparison."""
    log_ = doc["train_log.json"]
    log_["summary"].pop("train_loss", None)
    for h in log_["log_history"]:
        h.pop("train_loss", None)
    return doc


@pytest.mark.slow
@pytest.mark.parametrize("case", ["pretrain", "adjust", "finetune", "finetune-torn"])
def test_sigkill_mid_stage_resumes_to_identical_results(reference, tmp_path, case):
    stage = case.split("-")[0]
    ref_store, jobs = reference
    job = jobs[stage]
    store = ArtifactStore(tmp_path / "store")
    copy_artifacts(ref_store, store, upstream(job))
    proc = start_child(job, store.root, tmp_path)
    kill_when(proc, lambda: PROGRESS[case](store, job))
    assert store.get(stage, job.key) is None, "the stage finished before the kill"
    assert _work(store, job).is_dir()
    torn = None
    if case == "finetune":  # and a newer checkpoint torn by a kill while it was being saved
        done = max(_checkpoints(store, job, complete=True), key=lambda d: int(d.name[11:]))
        torn = done.with_name("checkpoint-999")
        shutil.copytree(done, torn)
        (torn / "trainer_state.json").unlink()
    execute_job(job, str(store.root), device="cpu", torch_threads=THREADS)
    art = store.get(stage, job.key)
    if case != "finetune-torn":  # there the kill may land before any checkpoint is complete
        assert RESUMED_FROM[stage](art), "the resumed run did not start from a checkpoint"
    if torn is not None:
        assert RESUMED_FROM[stage](art) == done.name
    got, want = fingerprint(store, job), fingerprint(ref_store, job)
    if stage == "finetune":
        got, want = _without_train_loss(got), _without_train_loss(want)
    assert got == want
    assert not _work(store, job).exists()  # scratch space goes once the artifact lands
    # only the killed attempt's temp dir is left (named by its pid), and gc removes it
    leftovers = list(store.root.glob(f"{stage}/.tmp-*"))
    assert all(f"-{proc.pid}-" in p.name for p in leftovers)
    assert set(store.gc(dry_run=True)) >= set(leftovers)


@pytest.mark.slow
def test_sigkill_while_writing_the_data_bundle(tmp_path):
    job = chain(BIG_WORLD)["data"]
    ref = ArtifactStore(tmp_path / "ref")
    execute_job(job, str(ref.root), device="cpu", torch_threads=THREADS)
    store = ArtifactStore(tmp_path / "store")
    proc = start_child(job, store.root, tmp_path)
    kill_when(proc, lambda: any(p.is_file() for p in store.root.glob("data/.tmp-*/*")))
    assert store.get("data", job.key) is None, "the data stage finished before the kill"
    leftovers = list(store.root.glob("data/.tmp-*"))
    assert leftovers  # a half-written bundle, never taken for an artifact
    assert store.list() == []
    execute_job(job, str(store.root), device="cpu", torch_threads=THREADS)
    assert fingerprint(store, job) == fingerprint(ref, job)
    assert set(store.gc(dry_run=True)) >= set(leftovers)


# --------------------------------------------------------------------------------------------
# Tampered artifacts are detected by checksum and recomputed, never used
# --------------------------------------------------------------------------------------------

TAMPER = {
    "edit": lambda p: p.write_bytes(p.read_bytes()[:-2] + b"!\n"),
    "truncate": lambda p: p.write_bytes(p.read_bytes()[: len(p.read_bytes()) // 2]),
    "delete": lambda p: p.unlink(),
}


@pytest.mark.slow
@pytest.mark.parametrize("how", sorted(TAMPER))
def test_tampered_input_is_recomputed_not_used(reference, tmp_path, how):
    ref_store, jobs = reference
    data, pretrain = jobs["data"], jobs["pretrain"]
    store = ArtifactStore(tmp_path / "store")
    copy_artifacts(ref_store, store, [data])
    TAMPER[how](store.path_for("data", data.key) / "mono.en.txt")
    rep = run([pretrain], store, LocalExecutor(device="cpu", torch_threads=THREADS))
    assert rep.ran == 2 and rep.cached == 0  # data recomputed first, then pretrain from it
    assert fingerprint(store, data) == fingerprint(ref_store, data)
    assert fingerprint(store, pretrain) == fingerprint(ref_store, pretrain)  # clean input used
    quarantined = list((store.root / ".corrupt").iterdir())
    assert len(quarantined) == 1 and (how == "delete") != (quarantined[0] / "mono.en.txt").exists()


@pytest.mark.slow
def test_tampered_weights_manifest_and_extra_files_are_caught(reference, tmp_path):
    ref_store, jobs = reference
    pretrain = jobs["pretrain"]
    store = ArtifactStore(tmp_path / "store")
    copy_artifacts(ref_store, store, [jobs["data"], pretrain])
    art = store.get("pretrain", pretrain.key)
    weights = art.path / "encoder" / "model.safetensors"
    raw = bytearray(weights.read_bytes())
    raw[-5] ^= 0x01  # one bit of one weight
    weights.write_bytes(bytes(raw))
    assert "checksum of encoder/model.safetensors" in store.check(art)
    rep = run([pretrain], store, LocalExecutor(device="cpu", torch_threads=THREADS))
    assert rep.ran == 1 and rep.cached == 1
    assert fingerprint(store, pretrain) == fingerprint(ref_store, pretrain)

    art = store.get("pretrain", pretrain.key)
    (art.path / "encoder" / "extra.bin").write_bytes(b"\0")
    assert "unexpected file encoder/extra.bin" in store.check(art)
    (art.path / "encoder" / "extra.bin").unlink()
    manifest = json.loads((art.path / "manifest.json").read_text())
    manifest["key"] = "0" * 64
    (art.path / "manifest.json").write_text(json.dumps(manifest))
    assert store.check(art) == "manifest key does not match directory"
    (art.path / "manifest.json").write_text("{not json")
    assert "unreadable manifest" in store.check(art)
    assert store.get("pretrain", pretrain.key) is None


def test_input_corrupted_between_waves_fails_cleanly_then_recovers(small, tmp_path):
    ref_store, jobs = small
    data, align = jobs["data"], jobs["align"]
    store = ArtifactStore(tmp_path / "store")
    copy_artifacts(ref_store, store, [data])
    (store.path_for("data", data.key) / "parallel.es.jsonl").write_text("{}\n")
    with pytest.raises(ReproError, match="is missing"):
        execute_job(align, str(store.root), device="cpu")
    assert store.get("align", align.key) is None
    run([align], store, LocalExecutor(device="cpu"))
    assert fingerprint(store, align) == fingerprint(ref_store, align)


# --------------------------------------------------------------------------------------------
# Two concurrent runs on one store
# --------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_two_concurrent_runs_share_one_store_without_corruption(reference, tmp_path):
    ref_store, jobs = reference
    target = jobs["adjust"]
    store = ArtifactStore(tmp_path / "store")
    procs = [start_child(target, store.root, tmp_path, mode="run", every=0) for _ in range(2)]
    for p in procs:
        p.wait(timeout=300)
    logs = [p.log_path.read_text() for p in procs]  # type: ignore[attr-defined]
    assert [p.returncode for p in procs] == [0, 0], logs
    assert all("DONE" in log_ for log_ in logs)
    want = {j.key for j in [*upstream(target), target]}
    assert {a.key for a in store.list()} == want
    for a in store.list():
        assert store.check(a) is None
    for j in [*upstream(target), target]:
        assert fingerprint(store, j) == fingerprint(ref_store, j)
    assert not (store.root / ".corrupt").exists()
    assert not list(store.root.glob("*/.tmp-*")) and not list((store.root / ".work").iterdir())


# --------------------------------------------------------------------------------------------
# Disk full and read-only store
# --------------------------------------------------------------------------------------------


class _FullDisk:
    """A file object whose writes fail as on a full disk (after ``allow`` bytes)."""

    def __init__(self, fh, allow: int) -> None:
        self._fh, self._left = fh, allow

    def write(self, s):
        if len(s) > self._left:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), self._fh.name)
        self._left -= len(s)
        return self._fh.write(s)

    def __getattr__(self, name):
        return getattr(self._fh, name)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self._fh.close()
        return False


def _under(path: object, root: Path) -> bool:
    try:
        p = Path(
            os.fsdecode(path) if not isinstance(path, int) else os.readlink(f"/proc/self/fd/{path}")
        )
    except (OSError, TypeError, ValueError):
        return False
    return str(p).startswith(str(root))


@pytest.mark.parametrize("where", ["stage-output", "manifest"])
def test_disk_full_is_reported_naming_the_store_and_leaves_nothing(
    small, tmp_path, monkeypatch, where
):
    _, jobs = small
    data = jobs["data"]
    store = ArtifactStore(tmp_path / "store")
    if where == "stage-output":  # bundle files are written through os.fdopen (temp + rename)
        real = os.fdopen

        def fdopen(fd, *a, **k):
            fh = real(fd, *a, **k)
            return (
                _FullDisk(fh, 1000)
                if _under(fd, store.root) and "w" in str(a[0] if a else k.get("mode", "r"))
                else fh
            )

        monkeypatch.setattr(os, "fdopen", fdopen)
    else:  # the manifest, written by the store itself after the stage returned
        real_write = Path.write_text

        def write_text(self, *a, **k):
            if self.name == "manifest.json" and _under(self, store.root):
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(self))
            return real_write(self, *a, **k)

        monkeypatch.setattr(Path, "write_text", write_text)
    with pytest.raises(ArtifactError) as err:
        run([data], store, LocalExecutor(device="cpu"))
    msg = str(err.value)
    assert str(store.root) in msg and "No space left on device" in msg
    monkeypatch.undo()
    assert store.get("data", data.key) is None and store.list() == []
    assert not list(store.root.glob("data/*")), "a temp dir or partial artifact was left"


def _read_only(monkeypatch, root: Path) -> None:
    """Every write-like call under ``root`` fails with EROFS, as on a read-only mount (the tests
    run as root, so chmod alone would not stop a write)."""

    def erofs(path):
        raise OSError(errno.EROFS, os.strerror(errno.EROFS), os.fsdecode(path))

    def guard(fn, *, write_flags: bool = False):
        def wrapped(path, *a, **k):
            flags = a[0] if a else k.get("flags", 0)
            if _under(path, root) and (
                not write_flags
                or flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND)
            ):
                erofs(path)
            return fn(path, *a, **k)

        return wrapped

    real_open = builtins.open

    def open_(file, mode="r", *a, **k):
        if any(c in mode for c in "wax+") and _under(file, root):
            erofs(file)
        return real_open(file, mode, *a, **k)

    for name in ("mkdir", "rmdir", "unlink", "remove"):
        monkeypatch.setattr(os, name, guard(getattr(os, name)))
    monkeypatch.setattr(os, "open", guard(os.open, write_flags=True))
    for name in ("replace", "rename"):
        real = getattr(os, name)
        monkeypatch.setattr(
            os,
            name,
            lambda s, d, *a, _r=real, **k: (
                erofs(s) if _under(s, root) or _under(d, root) else _r(s, d, *a, **k)
            ),
        )
    monkeypatch.setattr(builtins, "open", open_)


def test_read_only_empty_store_is_reported_naming_the_store(small, tmp_path, monkeypatch):
    _, jobs = small
    store = ArtifactStore(tmp_path / "ro")
    store.root.mkdir()
    _read_only(monkeypatch, store.root)
    with pytest.raises(ArtifactError) as err:
        run([jobs["data"]], store, LocalExecutor(device="cpu"))
    monkeypatch.undo()
    assert str(store.root) in str(err.value) and "Read-only file system" in str(err.value)
    assert list(store.root.iterdir()) == []


def test_read_only_populated_store_serves_cached_work_and_refuses_new(small, tmp_path, monkeypatch):
    ref_store, jobs = small
    store = ArtifactStore(tmp_path / "ro")
    copy_artifacts(ref_store, store, [jobs["data"], jobs["align"]])
    (store.root / ".locks").mkdir()
    before = sorted(str(p) for p in store.root.rglob("*"))
    _read_only(monkeypatch, store.root)
    rep = run([jobs["align"]], store, LocalExecutor(device="cpu"))  # all cached: reads only
    assert rep.cached == 2 and rep.ran == 0
    with pytest.raises(ArtifactError) as err:
        run([jobs["pretrain"]], store, LocalExecutor(device="cpu"))
    monkeypatch.undo()
    assert str(store.root) in str(err.value) and "Read-only file system" in str(err.value)
    assert sorted(str(p) for p in store.root.rglob("*")) == before
