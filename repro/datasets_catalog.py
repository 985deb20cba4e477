"""Which evaluation sets each data source provides, known without materialising the data.

The bundle written by each source must contain exactly these set names (``task.dataset.lang``);
the evaluate stage fails with a clear error otherwise. Keeping the catalog here lets
``repro plan`` list the job graph without generating or downloading anything.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from repro.config import ExperimentConfig
    from repro.experiment import EvalSetRef

MLQA_LANGS = ("es", "vi", "hi")  # MLQA has no Russian
TYDIQA_LANGS = ("ru",)  # TyDiQA-GoldP covers only ru among the targets


def _qa_pairs(langs: tuple[str, ...]) -> list[str]:
    out = ["en-en"]
    for x in langs:
        out += [f"{x}-{x}", f"en-{x}", f"{x}-en"]
    return out


def eval_sets_for(cfg: ExperimentConfig, task: str) -> list[EvalSetRef]:
    from repro.experiment import EvalSetRef

    langs = tuple(cfg.languages)
    src = cfg.data.source
    if task in ("nli", "ner"):
        dataset = {
            "synthetic": "synthetic",
            "local": {"nli": "xnli", "ner": "wikiann"}[task],
            "hub": {"nli": "xnli", "ner": "wikiann"}[task],
        }[src]
        return [EvalSetRef(task, dataset, x) for x in ("en", *langs)]
    if task == "qa":
        if src == "synthetic":
            return [EvalSetRef("qa", "synthetic", p) for p in _qa_pairs(langs)]
        sets = [EvalSetRef("qa", "xquad", p) for p in _qa_pairs(langs)]
        mlqa = tuple(x for x in langs if x in MLQA_LANGS)
        if src == "local":  # local MLQA: dev, same-language, targets only (en feeds the filter)
            sets += [EvalSetRef("qa", "mlqa", f"{x}-{x}") for x in mlqa]
        else:
            sets += [EvalSetRef("qa", "mlqa", p) for p in _qa_pairs(mlqa)]
            sets += [EvalSetRef("qa", "tydiqa", f"{x}-{x}") for x in langs if x in TYDIQA_LANGS]
        return sets
    from repro.errors import ConfigError

    raise ConfigError(f"unknown task {task!r}; expected nli, ner or qa")
