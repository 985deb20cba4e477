"""Atomic file writes: a reader sees the old file or the new one, never half of either.

The content goes to a temporary file in the target's directory (same file system), is
flushed to disk, and replaces the target with one ``os.replace``; on any error the temporary
file is removed.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any


@contextmanager
def open_atomic(path: Path, mode: str = "w") -> Iterator[Any]:
    """A file handle whose content replaces ``path`` only when the block ends without error.

    ``mode`` "w" (UTF-8 text, ``\\n`` line ends) or "wb". The file is made readable by all
    (0644; ``mkstemp`` creates 0600) because results are meant to be shared.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        if "b" in mode:
            fh = os.fdopen(fd, mode)
        else:
            fh = os.fdopen(fd, mode, encoding="utf-8", newline="\n")
        with fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_text_atomic(path: Path, text: str) -> None:
    with open_atomic(path) as fh:
        fh.write(text)


def write_json_atomic(path: Path, obj: Any) -> None:
    """Indented, key-sorted UTF-8 JSON with a final newline."""
    text = json.dumps(obj, indent=1, sort_keys=True, ensure_ascii=False, default=str)
    write_text_atomic(path, text + "\n")


def rename_dir(src: Path, dst: Path) -> None:
    """Move a finished directory to ``dst`` in one step (a rename within one file system): a
    reader sees it complete or not at all. The artifact store publishes with it."""
    os.replace(src, dst)


@contextmanager
def staged_dir(target: Path) -> Iterator[Path]:
    """Build a directory beside ``target`` and swap it in on success; on error, drop it.

    The previous ``target`` is renamed aside, the new one renamed in, and the old one removed:
    a reader sees the old complete directory or the new complete one (a kill between the two
    renames leaves the old one as ``.<name>.old-*`` next to the new one's build folder).
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    build = Path(tempfile.mkdtemp(prefix=f".{target.name}.new-", dir=target.parent))
    os.chmod(build, 0o755)  # mkdtemp makes 0700; results are meant to be shared
    try:
        yield build
    except BaseException:
        shutil.rmtree(build, ignore_errors=True)
        raise
    old = None
    if target.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{target.name}.old-", dir=target.parent))
        os.rmdir(old)
        os.replace(target, old)
    os.replace(build, target)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


@contextmanager
def folder_lock(folder: Path, timeout: float = -1) -> Iterator[None]:
    """An inter-process lock on ``folder`` (a ``.lock`` file inside it): one writer at a time."""
    from filelock import FileLock

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    with FileLock(str(folder / ".lock"), timeout=timeout):
        yield


def sha256_file(path: Path) -> str:
    """Hex SHA-256 of a file's bytes, read in 1 MiB chunks."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()
