"""Stored results as the arrays a comparison resamples: per-example columns joined on example id
(never on order), the quantity each kind of result is compared on, its resampling unit, the
run-exclusion flags, and the minimum detectable effect reported beside each comparison."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from repro.claims.results import Entry


class MissingResults(Exception):
    """The results a claim needs are not there (the claim becomes NOT_RUN)."""


MIN_RUNS = 2  # runs a trained side needs for its run-to-run variance


FAILED_STATUS = "failed: every run collapsed on English"


def is_trained(kind: str, state: str) -> bool:
    """Whether a side has run randomness: every evaluation (fine-tuned), and retrieval or
    distances of anything but the one unadjusted encoder."""
    return kind == "eval" or state != "original"


def sentence_of_link(link_id: str) -> str:
    """``<sentence pair id>:<i>-<j>`` → the sentence pair (the distance resampling unit)."""
    return link_id.rsplit(":", 1)[0]


def resampling_unit(kind: str, task: str, *, pooled: bool = False) -> str:
    """What one bootstrap draw resamples, as the cards state it."""
    if kind == "distances":
        return "sentence pair"
    if kind == "eval" and task == "qa":
        return "QA paragraph"
    if pooled:
        return "source item (its translations together)"
    return "sentence" if task == "ner" else "example"


def distance_quantity(entries: list[Entry], quantity: str, ids: list[str]) -> np.ndarray:
    def col(f: str) -> np.ndarray:
        return np.stack([column(e, f, ids) for e in entries]).astype(float)

    metric = "cos" if quantity.endswith("cos") else "euc"
    if quantity.startswith("gap"):
        return col(f"unrelated_{metric}") - col(f"related_{metric}")
    if quantity.startswith("ratio"):
        return col(f"related_{metric}") / np.maximum(col(f"unrelated_{metric}"), 1e-12)
    return col(quantity)


def default_quantity(kind: str, task: str) -> str:
    return (
        {"nli": "correct", "ner": "f1", "qa": "f1"}.get(task, "hit")
        if kind == "eval"
        else ("hit" if kind == "xsr" else "related_cos")
    )


def run_collapsed(entry: Entry) -> bool:
    return entry.failed  # English near chance: excluded (Entry.failed)


def run_near_chance(entry: Entry) -> bool:
    return entry.near_chance  # target near chance: kept, reported


def common_ids(entries: list[Entry]) -> list[str]:
    common = set(entries[0].ids)
    for e in entries[1:]:
        common &= set(e.ids)
    if not common:
        raise MissingResults("the compared results share no example ids")
    return [i for i in entries[0].ids if i in common]


def column(entry: Entry, field: str, ids: list[str]) -> np.ndarray:
    pos = {i: k for k, i in enumerate(entry.ids)}
    arr = entry.stats[field]
    return arr[[pos[i] for i in ids]]


def result_fields(res: Any) -> dict[str, Any]:
    d = res.to_dict() if hasattr(res, "to_dict") else dict(res.__dict__)
    out = {k: (list(v) if isinstance(v, tuple) else v) for k, v in d.items()}
    out["ci"] = [out.get("ci_low"), out.get("ci_high")]
    return out


def mde(
    base: Any, new: Any, metric: str, groups: Any, alpha: float, resample_seeds: bool
) -> float | None:
    """Minimum detectable effect (one-sided, power 0.8) for the seeds and examples used."""
    try:
        from repro.stats.power import minimum_detectable_effect

        res = minimum_detectable_effect(
            base,
            new,
            metric=metric,
            alpha=alpha,
            groups=groups,
            n_resamples=1000,
            resample_seeds=resample_seeds,
        )
        val = float(getattr(res, "mde", float("nan")))
        return None if math.isnan(val) else round(val, 6)
    except Exception:  # noqa: BLE001 - the MDE is informative only, never decides a verdict
        return None
