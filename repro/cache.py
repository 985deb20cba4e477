"""Content-addressed artifact store: one directory per (stage, key), written atomically.

key = sha256(canonical JSON of {stage, stage version, config, input keys}). A job writes into a
temporary directory; only after the stage returns are the file checksums recorded in
``manifest.json`` and the directory renamed into place, so a killed run never leaves an artifact
that is later reused. Loading re-checks the checksums: a tampered artifact is moved aside and
recomputed, never used. A per-key file lock stops two concurrent runs computing the same key.
"""

from __future__ import annotations

import errno
import json
import logging
import os
import shutil
import time
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from filelock import FileLock, Timeout

from repro.configtools import sha256_of, to_dict
from repro.errors import ArtifactError
from repro.fsio import rename_dir, sha256_file

log = logging.getLogger(__name__)

MANIFEST = "manifest.json"
DEFAULT_ROOT = ".artifacts"
#: Write errors that are the store's condition, not a stage's bug: reported naming the store.
STORE_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EROFS})


def artifact_key(
    stage: str, config: Mapping[str, Any], inputs: Mapping[str, str], version: int = 1
) -> str:
    payload = {
        "stage": stage,
        "version": version,
        "config": to_dict(config),
        "inputs": dict(sorted(inputs.items())),
    }
    return sha256_of(payload)


#: Field of ``manifest.json`` holding the SHA-256 of the rest of it (canonical JSON), so an
#: edit of its non-file fields (config, timings, provenance) is caught like a file edit.
DIGEST = "manifest_sha256"


def manifest_digest(manifest: Mapping[str, Any]) -> str:
    body = {k: v for k, v in manifest.items() if k != DIGEST}
    return sha256_of(body)


def default_root() -> Path:
    return Path(os.environ.get("REPRO_ARTIFACTS", DEFAULT_ROOT)).resolve()


@dataclass(frozen=True)
class Artifact:
    stage: str
    key: str
    path: Path

    @property
    def manifest(self) -> dict[str, Any]:
        return json.loads((self.path / MANIFEST).read_text(encoding="utf-8"))

    def file(self, rel: str) -> Path:
        """Resolve a file inside the artifact; refuses paths escaping it (config-borne paths)."""
        p = (self.path / rel).resolve()
        if self.path.resolve() not in p.parents and p != self.path.resolve():
            raise ArtifactError(f"path {rel!r} escapes artifact {self.path}")
        return p


class ArtifactStore:
    def __init__(self, root: str | Path | None = None) -> None:
        self.root = Path(root).resolve() if root is not None else default_root()

    # -- layout -------------------------------------------------------------------------------
    def path_for(self, stage: str, key: str) -> Path:
        if not key or any(c not in "0123456789abcdef" for c in key):
            raise ArtifactError(f"invalid artifact key {key!r}")
        if not stage.isidentifier():
            raise ArtifactError(f"invalid stage name {stage!r}")
        return self.root / stage / key[:32]

    def work_dir(self, stage: str, key: str) -> Path:
        """Scratch space kept across attempts (checkpoints), removed when the artifact lands."""
        self.path_for(stage, key)  # validates both: a key or stage never names a path
        p = self.root / ".work" / f"{stage}-{key[:32]}"
        p.mkdir(parents=True, exist_ok=True)
        return p

    @contextmanager
    def lock(self, stage: str, key: str, timeout: float = -1) -> Iterator[None]:
        self.path_for(stage, key)  # validates both: a key or stage never names a path
        lock_dir = self.root / ".locks"
        lock = FileLock(str(lock_dir / f"{stage}-{key[:32]}.lock"), timeout=timeout)
        try:
            lock_dir.mkdir(parents=True, exist_ok=True)
            lock.acquire()
        except Timeout:
            raise
        except OSError as exc:
            raise ArtifactError(f"artifact store {self.root} is not writable: {exc}") from exc
        try:
            yield
        finally:
            lock.release()

    # -- read ----------------------------------------------------------------------------------
    def get(self, stage: str, key: str, *, verify: bool = True) -> Artifact | None:
        """Return a finished, intact artifact, or None. A corrupt one is quarantined."""
        path = self.path_for(stage, key)
        if not (path / MANIFEST).is_file():
            return None
        art = Artifact(stage, key, path)
        if verify:
            problem = self.check(art)
            if problem:
                log.warning(
                    "artifact %s/%s is corrupt (%s); it will be recomputed",
                    stage,
                    key[:12],
                    problem,
                )
                self._quarantine(path)
                return None
        return art

    def check(self, art: Artifact) -> str | None:
        """Describe the first integrity problem of an artifact, or None when it is intact."""
        try:
            manifest = art.manifest
        except (OSError, ValueError) as exc:  # JSONDecodeError and bad UTF-8 are ValueErrors
            return f"unreadable manifest: {exc}"
        if not isinstance(manifest, dict):
            return f"manifest is a JSON {type(manifest).__name__}, not an object"
        if manifest.get("key") != art.key:
            return "manifest key does not match directory"
        if DIGEST in manifest and manifest[DIGEST] != manifest_digest(manifest):
            return "manifest.json was edited (its digest differs)"
        files = manifest.get("files", {})
        if not isinstance(files, dict):
            return "manifest 'files' is not an object"
        for rel, meta in files.items():
            if (
                not isinstance(meta, dict)
                or not isinstance(meta.get("bytes"), int)
                or not isinstance(meta.get("sha256"), str)
            ):
                return f"manifest entry of {rel} lacks bytes/sha256"
            p = art.path / rel
            if not p.is_file():
                return f"missing file {rel}"
            if p.stat().st_size != meta["bytes"]:
                return f"size of {rel} changed"
            if sha256_file(p) != meta["sha256"]:
                return f"checksum of {rel} changed"
        for p in art.path.rglob("*"):
            if p.is_file() and p.name != MANIFEST and str(p.relative_to(art.path)) not in files:
                return f"unexpected file {p.relative_to(art.path)}"
        return None

    def _quarantine(self, path: Path) -> None:
        dest = self.root / ".corrupt" / f"{path.parent.name}-{path.name}-{uuid.uuid4().hex[:8]}"
        dest.parent.mkdir(parents=True, exist_ok=True)
        try:
            rename_dir(path, dest)
        except OSError:
            shutil.rmtree(path, ignore_errors=True)

    # -- write ---------------------------------------------------------------------------------
    @contextmanager
    def writer(self, stage: str, key: str, manifest: Mapping[str, Any]) -> Iterator[Path]:
        """Yield a temp dir to fill; on success, checksum + manifest + atomic rename."""
        final = self.path_for(stage, key)
        try:
            final.parent.mkdir(parents=True, exist_ok=True)
            tmp = final.parent / f".tmp-{key[:32]}-{os.getpid()}-{uuid.uuid4().hex[:8]}"
            tmp.mkdir()
        except OSError as exc:
            raise ArtifactError(f"cannot write to artifact store {self.root}: {exc}") from exc
        t0 = time.time()
        try:
            yield tmp
            files = {}
            for p in sorted(tmp.rglob("*")):
                if p.is_file():
                    rel = str(p.relative_to(tmp))
                    files[rel] = {"sha256": sha256_file(p), "bytes": p.stat().st_size}
            full = dict(manifest)
            full.update({"stage": stage, "key": key, "files": files})
            timings = dict(full.get("timings", {}))
            timings.setdefault("wall_s", round(time.time() - t0, 3))
            full["timings"] = timings
            full = json.loads(json.dumps(full, default=str))  # the digest covers what is stored
            full[DIGEST] = manifest_digest(full)
            (tmp / MANIFEST).write_text(json.dumps(full, indent=1, sort_keys=True))
            if final.exists():  # a concurrent writer finished first, or a corrupt leftover
                if self.get(stage, key) is not None:
                    shutil.rmtree(tmp, ignore_errors=True)
                    return
                shutil.rmtree(final, ignore_errors=True)
            rename_dir(tmp, final)
            shutil.rmtree(self.root / ".work" / f"{stage}-{key[:32]}", ignore_errors=True)
        except OSError as exc:
            shutil.rmtree(tmp, ignore_errors=True)
            if exc.errno in STORE_ERRNOS:  # disk full, quota, read-only: say which store
                raise ArtifactError(
                    f"cannot write artifact {stage}/{key[:12]} to the artifact "
                    f"store {self.root}: {exc}"
                ) from exc
            raise
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise

    # -- inspection ----------------------------------------------------------------------------
    def list(self) -> list[Artifact]:
        out = []
        if not self.root.is_dir():
            return out
        for stage_dir in sorted(self.root.iterdir()):
            if stage_dir.name.startswith(".") or not stage_dir.is_dir():
                continue
            for d in sorted(stage_dir.iterdir()):
                if d.name.startswith(".") or not (d / MANIFEST).is_file():
                    continue
                try:
                    key = json.loads((d / MANIFEST).read_text())["key"]
                except (OSError, json.JSONDecodeError, KeyError):
                    continue
                out.append(Artifact(stage_dir.name, key, d))
        return out

    def find(self, prefix: str) -> Artifact:
        hits = [a for a in self.list() if a.key.startswith(prefix)]
        if not hits:
            raise ArtifactError(f"no artifact with key prefix {prefix!r} in {self.root}")
        if len(hits) > 1:
            raise ArtifactError(f"key prefix {prefix!r} is ambiguous ({len(hits)} artifacts)")
        return hits[0]

    def gc(self, keep: set[str] | None = None, *, dry_run: bool = False) -> list[Path]:
        """Remove temp dirs, quarantined and work dirs, and artifacts not in ``keep``.

        Each work dir, temp dir and artifact belongs to one key and is removed only while its
        key's lock is held (taken without waiting): a job computing that key in another process
        keeps its checkpoints and half-written output, and its folder is skipped, not deleted.
        """
        removed: list[Path] = []
        if not self.root.is_dir():
            return removed
        owned: list[tuple[Path, str, str]] = []  # (path, stage, key prefix)
        work = self.root / ".work"
        if work.is_dir():
            owned += [(p, *p.name.rsplit("-", 1)) for p in sorted(work.iterdir())]
        owned += [
            (p, p.parent.name, p.name.split("-")[1]) for p in sorted(self.root.glob("*/.tmp-*"))
        ]
        if keep is not None:
            owned += [(a.path, a.stage, a.key[:32]) for a in self.list() if a.key not in keep]
        corrupt = self.root / ".corrupt"  # never read again: no lock needed
        if corrupt.exists():
            removed.append(corrupt)
            if not dry_run:
                shutil.rmtree(corrupt, ignore_errors=True)
        for path, stage, prefix in owned:
            try:
                with self.lock(stage, prefix, timeout=0):
                    if path.exists():
                        removed.append(path)
                        if not dry_run:
                            shutil.rmtree(path, ignore_errors=True)
            except Timeout:
                log.info("gc: %s is in use by a running job; kept", path)
            except ArtifactError:  # a name the store never writes: not ours to judge
                log.warning("gc: %s does not name a stage and key; kept", path)
        return removed
