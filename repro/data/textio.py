"""Reading staged text strictly: UTF-8 (BOM dropped), ``\\n`` lines, JSON with its line.

One job: turn a file's bytes into text or records, or raise a :class:`DataError` naming the
file and the line. Every loader (local files, the manifest, archives) reads through it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from repro.errors import DataError

BOM = b"\xef\xbb\xbf"


def decode_text(data: bytes, path: str | Path) -> str:
    """Decode file bytes as UTF-8 (BOM dropped); DataError with the line number otherwise."""
    if data.startswith(BOM):
        data = data[len(BOM) :]
    if not data.strip():  # after the BOM: a BOM-only file is empty too
        raise DataError(path, None, "empty file")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise DataError(
            path, f"line {line}", f"invalid UTF-8 ({exc.reason} at byte {exc.start})"
        ) from exc


def read_bytes(path: Path) -> bytes:
    try:
        return Path(path).read_bytes()
    except FileNotFoundError as exc:
        raise DataError(path, None, "file not found") from exc
    except IsADirectoryError as exc:
        raise DataError(path, None, "expected a file, found a directory") from exc


def read_text(path: Path) -> str:
    return decode_text(read_bytes(path), path)


def split_lines(text: str) -> list[str]:
    """Split on ``\\n`` only (CRLF accepted); unlike ``str.splitlines`` keeps U+2028 etc. inside."""
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return [ln[:-1] if ln.endswith("\r") else ln for ln in lines]


def read_lines(path: Path) -> list[str]:
    return split_lines(read_text(path))


def parse_json(text: str, path: str | Path) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise DataError(
            path, f"line {exc.lineno}", f"invalid JSON: {exc.msg} (column {exc.colno})"
        ) from exc
