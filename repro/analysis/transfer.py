"""Zero-shot transfer ratios of one model state, computed from per-example results.

The transfer ratio of a target language is how much of the English gain over chance survives
zero-shot: ``(target - chance) / (English - chance)``. 1 is perfect transfer, 0 none. It is
the yardstick for calibrating the synthetic world against mBERT (docs/calibration.md): it is
read off the *unadjusted* encoder only, so a world can be tuned without looking at the method
under test.

Scores are recomputed from the per-example statistics (never from a summary field): NLI
accuracy = mean of ``correct``; NER = micro entity F1 from summed ``tp``/``n_pred``/``n_gold``;
QA = mean token F1. English references: the ``en`` set of the same dataset (NLI, NER) or the
``en-en`` pair (QA). A run whose English fine-tuning failed (:attr:`Entry.failed`) is left
out of both means and counted in ``failed_runs``; a near-chance target score is kept and
counted in ``near_chance_runs`` (the regime the calibration must avoid).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import asdict, dataclass

import numpy as np

from repro.claims.results import Entry

CHANCE = {"nli": 1.0 / 3.0, "ner": 0.0, "qa": 0.0}
# The calibration target for the unadjusted encoder (docs/calibration.md): the band around
# mBERT's zero-shot XNLI transfer ratios, 0.52-0.85 from its published accuracies.
TARGET_BAND = (0.35, 0.85)
METRIC = {"nli": "accuracy", "ner": "entity F1", "qa": "token F1"}


def entry_score(entry: Entry) -> float:
    """The task's primary score of one evaluation result, from its per-example columns."""
    s = entry.stats
    task = entry.key.task
    if task == "nli":
        return float(np.mean(s["correct"]))
    if task == "ner":
        den = float(np.sum(s["n_pred"]) + np.sum(s["n_gold"]))
        return 2.0 * float(np.sum(s["tp"])) / den if den else 0.0
    if task == "qa":
        return float(np.mean(s["f1"]))
    raise ValueError(f"no transfer score for task {task!r}")


def transfer_ratio(target: float, english: float, chance: float) -> float:
    """``(target - chance) / (English - chance)``; NaN when English is not above chance."""
    gain = english - chance
    return (target - chance) / gain if gain > 0 else float("nan")


@dataclass(frozen=True)
class TransferRow:
    task: str
    dataset: str
    lang: str  # target language, or the q-c pair for QA
    metric: str
    chance: float
    english: float  # mean over the runs kept
    target: float
    ratio: float  # of the means
    ratio_per_run: tuple[float, ...]
    runs: int  # runs kept
    failed_runs: int  # English fine-tuning near chance: left out
    near_chance_runs: int  # target near chance: kept

    @property
    def in_band(self) -> bool:
        return TARGET_BAND[0] <= self.ratio <= TARGET_BAND[1]

    def to_dict(self) -> dict:
        return {k: (list(v) if isinstance(v, tuple) else v) for k, v in asdict(self).items()}


def _english_lang(task: str, lang: str) -> str:
    return "en-en" if task == "qa" else "en"


def transfer_table(entries: Iterable[Entry], state: str = "original") -> list[TransferRow]:
    """One row per (task, dataset, target language) of ``state``'s evaluation results."""
    by_key: dict[tuple[str, str, str], dict[int, Entry]] = defaultdict(dict)
    for e in entries:
        if e.key.kind == "eval" and e.key.state == state:
            by_key[(e.key.task, e.key.dataset, e.key.lang)][e.key.seed] = e
    rows: list[TransferRow] = []
    for (task, dataset, lang), runs in sorted(by_key.items()):
        ref = by_key.get((task, dataset, _english_lang(task, lang)))
        if lang == _english_lang(task, lang) or ref is None:
            continue
        chance = CHANCE[task]
        seeds = sorted(s for s in runs if s in ref)
        kept = [s for s in seeds if not (ref[s].failed or runs[s].failed)]
        en = [entry_score(ref[s]) for s in kept]
        tg = [entry_score(runs[s]) for s in kept]
        mean_en = float(np.mean(en)) if en else float("nan")
        mean_tg = float(np.mean(tg)) if tg else float("nan")
        rows.append(
            TransferRow(
                task=task,
                dataset=dataset,
                lang=lang,
                metric=METRIC[task],
                chance=chance,
                english=mean_en,
                target=mean_tg,
                ratio=transfer_ratio(mean_tg, mean_en, chance),
                ratio_per_run=tuple(transfer_ratio(t, e, chance) for t, e in zip(tg, en)),
                runs=len(kept),
                failed_runs=len(seeds) - len(kept),
                near_chance_runs=sum(runs[s].near_chance for s in kept),
            )
        )
    return rows


def xsr_table(entries: Iterable[Entry], state: str = "original") -> dict[str, float]:
    """Top-1 retrieval accuracy (mean of both directions) per language for ``state``."""
    out: dict[str, list[float]] = defaultdict(list)
    for e in entries:
        if e.key.kind == "xsr" and e.key.state == state:
            hits = (np.asarray(e.stats["hit_xx2en"]) + np.asarray(e.stats["hit_en2xx"])) / 2.0
            out[e.key.lang].append(float(hits.mean()))
    return {lang: float(np.mean(v)) for lang, v in sorted(out.items())}


def format_table(rows: list[TransferRow]) -> str:
    """A plain-text table for the terminal."""
    lines = [
        f"{'task':4s} {'dataset':10s} {'lang':6s} {'English':>8s} {'target':>8s} "
        f"{'ratio':>6s}  per run                 runs failed near-chance"
    ]
    for r in rows:
        per = " ".join(f"{x:5.2f}" for x in r.ratio_per_run)
        lines.append(
            f"{r.task:4s} {r.dataset:10s} {r.lang:6s} {r.english:8.3f} {r.target:8.3f} "
            f"{r.ratio:6.2f}  {per:23s} {r.runs:4d} {r.failed_runs:6d} {r.near_chance_runs:11d}"
        )
    return "\n".join(lines)
