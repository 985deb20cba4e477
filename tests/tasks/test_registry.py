"""The task registry: names resolve to modules with the task interface; typos get hints."""

from __future__ import annotations

import pytest

from repro.errors import ConfigError
from repro.tasks import get_task, task_names

INTERFACE = (
    "NAME",
    "RECORD_KIND",
    "OUTPUTS",
    "PER_TOKEN",
    "LABEL_KEYS",
    "build_model",
    "load_model",
    "encode_train",
    "encode_eval",
    "decode",
    "score",
)


@pytest.mark.parametrize("name", ["nli", "ner", "qa"])
def test_every_task_module_has_the_interface(name):
    mod = get_task(name)
    assert name == mod.NAME
    missing = [a for a in INTERFACE if not hasattr(mod, a)]
    assert not missing


def test_registry_lists_the_three_tasks():
    assert set(task_names()) == {"nli", "ner", "qa"}


def test_unknown_task_suggests_the_closest_name():
    with pytest.raises(ConfigError, match="did you mean 'ner'"):
        get_task("nerr")
    with pytest.raises(ConfigError, match="known tasks"):
        get_task("translation")
