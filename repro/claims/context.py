"""What a claim check sees: the config, the stored results, and paired comparisons over them.

A comparison joins two model states on example id (never on order) and on fine-tuning seed,
drops seeds whose run is flagged as collapsed (recorded in the evidence, never averaged in), and
runs the seeds × examples paired bootstrap (QA: resampling paragraphs).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from repro.claims.results import Entry, EntryKey, ResultSet
from repro.config import ExperimentConfig


class MissingResults(Exception):
    """The results a claim needs are not there (the claim becomes NOT_RUN)."""


@dataclass
class ClaimContext:
    cfg: ExperimentConfig
    results: ResultSet

    @property
    def alpha(self) -> float:
        return self.cfg.claims.alpha

    @property
    def languages(self) -> tuple[str, ...]:
        return tuple(self.cfg.languages)

    def datasets(self, task: str, lang_pair: str) -> list[str]:
        return sorted(
            {e.key.dataset for e in self.results.find(kind="eval", task=task, lang=lang_pair)}
        )

    # -- assembling paired arrays -------------------------------------------------------------
    def _entries(
        self, kind: str, task: str, dataset: str, lang: str, state: str
    ) -> dict[int, Entry]:
        found = self.results.find(kind=kind, task=task, dataset=dataset, lang=lang, state=state)
        return {e.key.seed: e for e in found}

    def compare(
        self,
        kind: str,
        task: str,
        dataset: str,
        lang: str,
        base_state: str,
        new_state: str,
        *,
        quantity: str | None = None,
        label: str | None = None,
        seeds: str = "all",
    ) -> dict[str, Any]:
        return self.compare_pooled(
            kind,
            task,
            [(dataset, lang)],
            base_state,
            new_state,
            quantity=quantity,
            label=label or lang,
            seeds=seeds,
        )

    def compare_pooled(
        self,
        kind: str,
        task: str,
        sources: list[tuple[str, str]],
        base_state: str,
        new_state: str,
        *,
        quantity: str | None = None,
        label: str,
        seeds: str = "all",
    ) -> dict[str, Any]:
        """Paired comparison over one or several (dataset, lang) result sets pooled together.

        Pooled examples keep their source in the id; the resampling cluster is the source-free
        id (or QA paragraph), because translations of one item are correlated.
        """
        base_e = [self._entries(kind, task, d, lang, base_state) for d, lang in sources]
        new_e = [self._entries(kind, task, d, lang, new_state) for d, lang in sources]
        for (d, lang), b, n in zip(sources, base_e, new_e):
            if not b or not n:
                missing = base_state if not b else new_state
                raise MissingResults(f"no {kind} results for {task}/{d}/{lang}/{missing}")
        common = sorted(set.intersection(*[set(b) & set(n) for b, n in zip(base_e, new_e)]))
        if seeds == "first":
            common = common[:1]
        datasets = sorted({d for d, _ in sources})
        row: dict[str, Any] = {
            "label": label,
            "kind": kind,
            "task": task,
            "dataset": "+".join(datasets),
            "lang": "+".join(lang for _, lang in sources),
            "base_state": base_state,
            "new_state": new_state,
        }
        if not common:
            raise MissingResults(
                f"{task}/{row['lang']}: {base_state} and {new_state} share no fine-tuning seed"
            )
        excluded = [
            s
            for s in common
            if any(_collapsed(b[s]) or _collapsed(n[s]) for b, n in zip(base_e, new_e))
        ]
        used = [s for s in common if s not in excluded]
        near_chance = [
            s
            for s in used
            if any(_near_chance(b[s]) or _near_chance(n[s]) for b, n in zip(base_e, new_e))
        ]
        row.update({"seeds": used, "excluded_seeds": excluded, "near_chance_seeds": near_chance})
        if not used:
            row.update({"status": "all seeds collapsed"})
            return row
        parts = []
        for b, n in zip(base_e, new_e):
            ids = _common_ids([b[s] for s in used] + [n[s] for s in used])
            parts.append(
                self._arrays(kind, task, quantity, ids, [b[s] for s in used], [n[s] for s in used])
                + (ids,)
            )
        metric = parts[0][0]
        if metric == "f1":
            base_arr = {f: np.concatenate([p[1][f] for p in parts], axis=1) for f in parts[0][1]}
            new_arr = {f: np.concatenate([p[2][f] for p in parts], axis=1) for f in parts[0][2]}
        else:
            base_arr = np.concatenate([p[1] for p in parts], axis=1)
            new_arr = np.concatenate([p[2] for p in parts], axis=1)
        groups = None
        if len(parts) > 1 or parts[0][3] is not None:
            groups = np.concatenate([p[3] if p[3] is not None else np.asarray(p[4]) for p in parts])
        from repro.stats.bootstrap import paired_bootstrap

        res = paired_bootstrap(
            base_arr,
            new_arr,
            metric=metric,
            groups=groups,
            n_resamples=self.cfg.claims.n_resamples,
            seed=self.cfg.claims.seed,
            resample_seeds=self.cfg.claims.resample_seeds,
        )
        row.update(_result_fields(res))
        row["metric"] = quantity or _default_quantity(kind, task)
        row["n_examples"] = sum(len(p[4]) for p in parts)
        row["mde"] = _mde(base_arr, new_arr, metric, groups, self.alpha)
        return row

    def _arrays(
        self,
        kind: str,
        task: str,
        quantity: str | None,
        ids: list[str],
        base: list[Entry],
        new: list[Entry],
    ):
        def take(entries: list[Entry], field: str) -> np.ndarray:
            return np.stack([_column(e, field, ids) for e in entries]).astype(float)

        groups = None
        if kind == "eval" and task == "ner":
            metric = "f1"
            b = {
                f: np.stack([_column(e, f, ids) for e in base]).astype(np.int64)
                for f in ("tp", "n_pred", "n_gold")
            }
            n = {
                f: np.stack([_column(e, f, ids) for e in new]).astype(np.int64)
                for f in ("tp", "n_pred", "n_gold")
            }
            return metric, b, n, None
        if kind == "eval":
            field = quantity or _default_quantity(kind, task)
            if task == "qa" and base[0].groups is not None:
                pos = {i: k for k, i in enumerate(base[0].ids)}
                groups = np.asarray([base[0].groups[pos[i]] for i in ids])
            return "mean", take(base, field), take(new, field), groups
        if kind == "xsr":

            def hits(entries: list[Entry]) -> np.ndarray:
                return (take(entries, "hit_xx2en") + take(entries, "hit_en2xx")) / 2.0

            return "mean", hits(base), hits(new), None
        # distances: per-link quantities
        q = quantity or "related_cos"
        return "mean", _distance_quantity(base, q, ids), _distance_quantity(new, q, ids), None


def _distance_quantity(entries: list[Entry], quantity: str, ids: list[str]) -> np.ndarray:
    def col(f: str) -> np.ndarray:
        return np.stack([_column(e, f, ids) for e in entries]).astype(float)

    metric = "cos" if quantity.endswith("cos") else "euc"
    if quantity.startswith("gap"):
        return col(f"unrelated_{metric}") - col(f"related_{metric}")
    if quantity.startswith("ratio"):
        return col(f"related_{metric}") / np.maximum(col(f"unrelated_{metric}"), 1e-12)
    return col(quantity)


def _default_quantity(kind: str, task: str) -> str:
    return (
        {"nli": "correct", "ner": "f1", "qa": "f1"}.get(task, "hit")
        if kind == "eval"
        else ("hit" if kind == "xsr" else "related_cos")
    )


def _collapsed(entry: Entry) -> bool:
    """A failed fine-tuning run: its *English* score is near chance. Excluded, never averaged.

    A near-chance *target* score is a transfer result, not a failure: it is kept (excluding it
    would bias the comparison) and only reported (:func:`_near_chance`)."""
    if entry.key.lang in ("en", "en-en"):
        return bool(entry.meta.get("collapsed"))
    return bool(entry.meta.get("english_collapsed"))


def _near_chance(entry: Entry) -> bool:
    return bool(entry.meta.get("collapsed"))


def _common_ids(entries: list[Entry]) -> list[str]:
    common = set(entries[0].ids)
    for e in entries[1:]:
        common &= set(e.ids)
    if not common:
        raise MissingResults("the compared results share no example ids")
    return [i for i in entries[0].ids if i in common]


def _column(entry: Entry, field: str, ids: list[str]) -> np.ndarray:
    pos = {i: k for k, i in enumerate(entry.ids)}
    arr = entry.stats[field]
    return arr[[pos[i] for i in ids]]


def _result_fields(res: Any) -> dict[str, Any]:
    d = res.to_dict() if hasattr(res, "to_dict") else dict(res.__dict__)
    out = {k: (list(v) if isinstance(v, tuple) else v) for k, v in d.items()}
    out["ci"] = [out.get("ci_low"), out.get("ci_high")]
    return out


def _mde(base: Any, new: Any, metric: str, groups: Any, alpha: float) -> float | None:
    """Minimum detectable effect (one-sided, power 0.8) for the seeds and examples used."""
    try:
        from repro.stats.power import minimum_detectable_effect

        res = minimum_detectable_effect(
            base, new, metric=metric, alpha=alpha, groups=groups, n_resamples=1000
        )
        val = float(getattr(res, "mde", float("nan")))
        return None if math.isnan(val) else round(val, 6)
    except Exception:  # noqa: BLE001 - the MDE is informative only, never decides a verdict
        return None


def entry_key(
    kind: str, task: str, dataset: str, lang: str, state: str, seed: int = -1
) -> EntryKey:
    return EntryKey(kind, task, dataset, lang, state, seed)
