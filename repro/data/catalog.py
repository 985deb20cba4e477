"""Which evaluation sets each data source provides, known without materialising the data.

The bundle written by each source must contain exactly these set names (``task.dataset.lang``);
the evaluate stage fails with a clear error otherwise. Keeping the catalog here lets
``repro plan`` list the job graph without generating or downloading anything.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from repro.languages import HUB_LANGUAGES, LOCAL_MLQA_LANGS

if TYPE_CHECKING:
    from repro.config import ExperimentConfig


@dataclass(frozen=True)
class EvalSetRef:
    """One evaluation set of a bundle, named ``task.dataset.lang``."""

    task: str
    dataset: str
    lang: str

    @property
    def name(self) -> str:
        return f"{self.task}.{self.dataset}.{self.lang}"


def _qa_pairs(langs: tuple[str, ...]) -> list[str]:
    out = ["en-en"]
    for x in langs:
        out += [f"{x}-{x}", f"en-{x}", f"{x}-en"]
    return out


def eval_sets_for(cfg: ExperimentConfig, task: str) -> list[EvalSetRef]:
    langs = tuple(cfg.languages)
    src = cfg.data.source

    def has(dataset: str) -> tuple[str, ...]:  # the configured languages a hub dataset has
        return langs if src != "hub" else tuple(x for x in langs if x in HUB_LANGUAGES[dataset])

    if task in ("nli", "ner"):
        dataset = {
            "synthetic": "synthetic",
            "local": {"nli": "xnli", "ner": "wikiann"}[task],
            "hub": {"nli": "xnli", "ner": "wikiann"}[task],
        }[src]
        return [EvalSetRef(task, dataset, x) for x in ("en", *has(dataset))]
    if task == "qa":
        if src == "synthetic":
            return [EvalSetRef("qa", "synthetic", p) for p in _qa_pairs(langs)]
        sets = [EvalSetRef("qa", "xquad", p) for p in _qa_pairs(has("xquad"))]
        if src == "local":  # local MLQA: dev, same-language, targets only (en feeds the filter)
            mlqa = tuple(x for x in langs if x in LOCAL_MLQA_LANGS)
            sets += [EvalSetRef("qa", "mlqa", f"{x}-{x}") for x in mlqa]
        else:
            sets += [EvalSetRef("qa", "mlqa", p) for p in _qa_pairs(has("mlqa"))]
            sets += [EvalSetRef("qa", "tydiqa", f"{x}-{x}") for x in has("tydiqa")]
        return sets
    from repro.errors import ConfigError

    raise ConfigError(f"unknown task {task!r}; expected nli, ner or qa")
