"""Error types shared by every stage: each names the file and record that caused it."""

from __future__ import annotations

from pathlib import Path


class ReproError(Exception):
    """Base class for errors the CLI reports without a traceback (exit code 1)."""


class ConfigError(ReproError):
    """A config key or value is invalid (typo, wrong type, out of range)."""


class DataError(ReproError):
    """Bad input data. The message always names the file and the record (line, row or id)."""

    def __init__(self, path: str | Path | None, record: object | None, problem: str) -> None:
        self.path = str(path) if path is not None else None
        self.record = record
        self.problem = problem
        where = self.path or "<input>"
        if record is not None:
            where += f", record {record}"
        super().__init__(f"{where}: {problem}")


class ArtifactError(ReproError):
    """A stored artifact is missing, corrupt or tampered with."""
