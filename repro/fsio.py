"""Atomic file writes: a reader sees the old file or the new one, never half of either.

The content goes to a temporary file in the target's directory (same file system), is
flushed to disk, and replaces the target with one ``os.replace``; on any error the temporary
file is removed.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any


def write_text_atomic(path: Path, text: str) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_json_atomic(path: Path, obj: Any) -> None:
    """Indented, key-sorted UTF-8 JSON with a final newline."""
    text = json.dumps(obj, indent=1, sort_keys=True, ensure_ascii=False, default=str)
    write_text_atomic(path, text + "\n")
