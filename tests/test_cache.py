"""Artifact store: atomic writes, integrity checks, locking, inspection."""

from __future__ import annotations

import json
import multiprocessing as mp
import os
import signal
import time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from repro.cache import ArtifactStore, artifact_key
from repro.errors import ArtifactError


def _write(store, key, payload="x"):
    with store.writer("data", key, {"config": {}}) as tmp:
        (tmp / "out.txt").write_text(payload)
    return store.get("data", key)


def test_round_trip_and_manifest(tmp_path):
    store = ArtifactStore(tmp_path)
    key = artifact_key("data", {"a": 1}, {})
    art = _write(store, key)
    assert art is not None and (art.path / "out.txt").read_text() == "x"
    m = art.manifest
    assert m["key"] == key and "out.txt" in m["files"] and "wall_s" in m["timings"]


@given(st.dictionaries(st.text(min_size=1, max_size=5), st.integers(), max_size=5))
def test_key_independent_of_dict_order(d):
    rev = dict(reversed(list(d.items())))
    assert artifact_key("data", d, {"x": "1", "y": "2"}) == artifact_key(
        "data", rev, {"y": "2", "x": "1"}
    )


def test_key_sensitive_to_inputs_and_version():
    k = artifact_key("adjust", {"a": 1}, {"encoder": "e1"})
    assert k != artifact_key("adjust", {"a": 1}, {"encoder": "e2"})
    assert k != artifact_key("adjust", {"a": 1}, {"encoder": "e1"}, version=2)


def test_failure_inside_writer_leaves_nothing(tmp_path):
    store = ArtifactStore(tmp_path)
    key = artifact_key("data", {"a": 2}, {})
    with pytest.raises(RuntimeError), store.writer("data", key, {}) as tmp:
        (tmp / "half.txt").write_text("half")
        raise RuntimeError("killed")
    assert store.get("data", key) is None
    assert not list((tmp_path / "data").glob(".tmp-*"))


def _slow_writer(root, key):
    store = ArtifactStore(root)
    with store.writer("data", key, {}) as tmp:
        (tmp / "part.txt").write_text("partial")
        time.sleep(60)


def test_sigkill_mid_write_is_never_reused(tmp_path):
    key = artifact_key("data", {"a": 3}, {})
    proc = mp.get_context("spawn").Process(target=_slow_writer, args=(str(tmp_path), key))
    proc.start()
    deadline = time.time() + 30
    while time.time() < deadline and not list((tmp_path / "data").glob(".tmp-*/part.txt")):
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)
    proc.join()
    store = ArtifactStore(tmp_path)
    assert store.get("data", key) is None  # the temp dir is not an artifact
    art = _write(store, key, "complete")
    assert (art.path / "out.txt").read_text() == "complete"
    assert store.gc(dry_run=True)  # the leftover temp dir is garbage


def test_tampered_artifact_is_detected_and_quarantined(tmp_path):
    store = ArtifactStore(tmp_path)
    key = artifact_key("data", {"a": 4}, {})
    art = _write(store, key)
    (art.path / "out.txt").write_text("tampered")
    assert store.get("data", key) is None
    assert not art.path.exists()
    assert list((tmp_path / ".corrupt").iterdir())


def _edit_manifest(art, fn):
    m = json.loads((art.path / "manifest.json").read_text())
    (art.path / "manifest.json").write_text(json.dumps(fn(m)))


@pytest.mark.parametrize(
    "damage",
    [
        lambda m: [m],  # a list, not an object
        lambda m: {**m, "files": {"out.txt": {"sha256": m["files"]["out.txt"]["sha256"]}}},
        lambda m: {**m, "files": ["out.txt"]},
        lambda m: {**m, "config": {"edited": True}},  # a non-file field: caught by the digest
    ],
    ids=["list", "entry-without-bytes", "files-a-list", "config-edited"],
)
def test_malformed_or_edited_manifest_is_quarantined_not_a_crash(tmp_path, damage):
    store = ArtifactStore(tmp_path)
    key = artifact_key("data", {"a": 40}, {})
    art = _write(store, key)
    _edit_manifest(art, damage)
    assert store.get("data", key) is None
    assert not art.path.exists() and list((tmp_path / ".corrupt").iterdir())
    assert _write(store, key, "again") is not None  # recomputed cleanly


def test_manifest_without_digest_still_loads(tmp_path):
    """Stores written before the digest existed stay usable (nothing recomputes)."""
    store = ArtifactStore(tmp_path)
    key = artifact_key("data", {"a": 41}, {})
    art = _write(store, key)
    _edit_manifest(art, lambda m: {k: v for k, v in m.items() if k != "manifest_sha256"})
    assert store.get("data", key) is not None


def test_gc_keeps_what_a_running_job_holds(tmp_path):
    store = ArtifactStore(tmp_path)
    busy, idle = (artifact_key("finetune", {"a": i}, {}) for i in (1, 2))
    busy_work, idle_work = store.work_dir("finetune", busy), store.work_dir("finetune", idle)
    (busy_work / "checkpoint").write_text("step 10")
    with store.lock("finetune", busy):  # as a running job holds it
        removed = store.gc()
    assert busy_work.exists() and (busy_work / "checkpoint").read_text() == "step 10"
    assert idle_work in removed and not idle_work.exists()
    assert busy_work in store.gc()  # released: now it is garbage


def test_extra_file_counts_as_tampering(tmp_path):
    store = ArtifactStore(tmp_path)
    key = artifact_key("data", {"a": 5}, {})
    art = _write(store, key)
    (art.path / "extra.bin").write_bytes(b"\0")
    assert "unexpected" in store.check(art)


def test_paths_cannot_escape_the_artifact(tmp_path):
    store = ArtifactStore(tmp_path)
    art = _write(store, artifact_key("data", {"a": 6}, {}))
    with pytest.raises(ArtifactError, match="escapes"):
        art.file("../../etc/passwd")
    with pytest.raises(ArtifactError):
        store.path_for("data", "../x")


def test_find_and_list(tmp_path):
    store = ArtifactStore(tmp_path)
    k1 = artifact_key("data", {"a": 7}, {})
    _write(store, k1)
    assert store.find(k1[:10]).key == k1
    assert [a.key for a in store.list()] == [k1]
    with pytest.raises(ArtifactError, match="no artifact"):
        store.find("ffffffffffff")


def test_unwritable_store_reports_clearly(tmp_path):
    # a regular file where the store should be: as unwritable as a read-only mount, even as root
    blocker = tmp_path / "store"
    blocker.write_text("not a directory")
    store = ArtifactStore(blocker)
    with pytest.raises(ArtifactError, match="not writable"), store.lock("data", "ab" * 16):
        pass
    with pytest.raises(ArtifactError, match="cannot write"), store.writer("data", "ab" * 16, {}):
        pass


def _concurrent(root, key, out):
    store = ArtifactStore(root)
    with store.lock("data", key):
        if store.get("data", key) is None:
            with store.writer("data", key, {}) as tmp:
                (tmp / "out.txt").write_text("v")
                time.sleep(0.3)
            with open(out, "a") as fh:
                fh.write("computed\n")


def test_two_concurrent_writers_compute_once(tmp_path):
    key = artifact_key("data", {"a": 8}, {})
    log = tmp_path / "log.txt"
    ctx = mp.get_context("spawn")
    procs = [ctx.Process(target=_concurrent, args=(str(tmp_path), key, str(log))) for _ in range(2)]
    for p in procs:
        p.start()
    for p in procs:
        p.join()
    assert log.read_text().count("computed") == 1
    assert ArtifactStore(tmp_path).get("data", key) is not None
    assert (
        json.loads((ArtifactStore(tmp_path).get("data", key).path / "manifest.json").read_text())[
            "key"
        ]
        == key
    )
