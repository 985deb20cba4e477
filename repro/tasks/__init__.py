"""Task registry: name -> task module (``nli``, ``ner``, ``qa``), loaded lazily.

Lazy so that ``repro config show`` and the claim checkers never import torch/transformers.
"""

from __future__ import annotations

import difflib
import importlib
from typing import TYPE_CHECKING

from repro.errors import ConfigError

if TYPE_CHECKING:
    from repro.tasks.base import TaskModule

TASK_MODULES: dict[str, str] = {
    "nli": "repro.tasks.nli",
    "ner": "repro.tasks.ner",
    "qa": "repro.tasks.qa",
}


def task_names() -> tuple[str, ...]:
    return tuple(TASK_MODULES)


def get_task(name: str) -> TaskModule:
    """The task module for ``name``; an unknown name fails with a did-you-mean hint."""
    try:
        target = TASK_MODULES[name]
    except (KeyError, TypeError):
        close = difflib.get_close_matches(str(name), list(TASK_MODULES), n=1, cutoff=0.5)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise ConfigError(
            f"unknown task {name!r}; known tasks: {list(TASK_MODULES)}{hint}"
        ) from None
    return importlib.import_module(target)  # type: ignore[return-value]
