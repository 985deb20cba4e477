"""What a claim check sees: the config, the stored results, and paired comparisons over them.

A comparison joins two model states on example id (never on order) and on fine-tuning seed,
drops seeds whose run is flagged as collapsed (recorded in the evidence, never averaged in), and
runs the seeds × examples paired bootstrap (QA: resampling paragraphs).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from repro.claims.columns import (
    FAILED_STATUS,
    MIN_RUNS,
    MissingResults,
    column,
    common_ids,
    default_quantity,
    distance_quantity,
    is_trained,
    mde,
    resampling_unit,
    result_fields,
    run_collapsed,
    run_near_chance,
    sentence_of_link,
)
from repro.claims.results import Entry, ResultSet
from repro.config import ExperimentConfig


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
        margin: float | None = None,
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
            margin=margin,
        )

    def spread(
        self, kind: str, task: str, dataset: str, lang: str, state: str, quantity: str
    ) -> float:
        """SD of a per-example quantity of one state (first run): the scale of effect-size
        thresholds such as C07's."""
        entries = self._entries(kind, task, dataset, lang, state)
        if not entries:
            raise MissingResults(f"no {kind} results for {task}/{dataset}/{lang}/{state}")
        entry = entries[min(entries)]
        if kind != "distances":
            raise ValueError("spread() is defined for per-link distance quantities")
        values = distance_quantity([entry], quantity, entry.ids)
        return float(np.std(values, ddof=1))

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
        margin: float | None = None,
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
        datasets = sorted({d for d, _ in sources})
        row: dict[str, Any] = {
            "label": label,
            "kind": kind,
            "task": task,
            "dataset": "+".join(datasets),
            "lang": "+".join(lang for _, lang in sources),
            "base_state": base_state,
            "new_state": new_state,
            "unit": resampling_unit(kind, task, pooled=len(sources) > 1),
        }
        # an untrained base (the one unadjusted encoder) is exact: one run, used for every run
        # of the other side; anything trained needs >= 2 runs (repro.stats.bootstrap)
        exact_base = not is_trained(kind, base_state)
        if not is_trained(kind, new_state) and not exact_base:
            raise MissingResults(f"{new_state} is untrained: compare it as the base side")
        if exact_base:
            for b in base_e:  # legacy or odd stores: take the one exact run whatever its label
                if len(b) != 1:
                    raise MissingResults(
                        f"{base_state} {kind} should be one exact run, got {sorted(b)}"
                    )
            base_e = [{s: next(iter(b.values())) for s in n} for b, n in zip(base_e, new_e)]
        common = sorted(set.intersection(*[set(b) & set(n) for b, n in zip(base_e, new_e)]))
        if seeds == "first":
            common = common[:1]
        if not common:
            raise MissingResults(
                f"{task}/{row['lang']}: {base_state} and {new_state} share no run seed"
            )
        excluded = [
            s
            for s in common
            if any(run_collapsed(b[s]) or run_collapsed(n[s]) for b, n in zip(base_e, new_e))
        ]
        used = [s for s in common if s not in excluded]
        near_chance = [
            s
            for s in used
            if any(run_near_chance(b[s]) or run_near_chance(n[s]) for b, n in zip(base_e, new_e))
        ]
        row.update(
            {
                "seeds": used,
                "excluded_seeds": excluded,
                "near_chance_seeds": near_chance,
                "exact_base": exact_base,
            }
        )
        if not used:
            row.update({"status": FAILED_STATUS, "failed": True})
            return row
        resample_seeds = self.cfg.claims.resample_seeds
        if resample_seeds and len(used) < MIN_RUNS:
            row.update({"status": f"fewer than {MIN_RUNS} runs", "insufficient_runs": True})
            return row
        parts = []
        for b, n in zip(base_e, new_e):
            ids = common_ids([b[s] for s in used] + [n[s] for s in used])
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
            resample_seeds=resample_seeds,
            margin=margin,
        )
        row.update(result_fields(res))
        row["exact_base"] = exact_base  # its one run was tiled over the other side's runs
        row["metric"] = quantity or default_quantity(kind, task)
        row["n_examples"] = sum(len(p[4]) for p in parts)
        row["mde"] = mde(base_arr, new_arr, metric, groups, self.alpha, resample_seeds)
        return row

    def trend(
        self,
        task: str,
        sources: list[tuple[str, str]],
        states: list[str],
        xs: list[float],
        *,
        label: str,
    ) -> dict[str, Any]:
        """Least-squares slope of the score over ``xs`` (one x per state), with run variance.

        The slope is a linear contrast ``sum_j w_j score_j`` with ``w_j = (x_j - mean x) /
        sum (x - mean x)^2``, so it is tested as a paired comparison of its negative-weight
        part (``base``) with its positive-weight part (``new``) on the same units and runs:
        run ``s`` of every state is paired by seed, units are resampled jointly for all states.
        """
        if len(states) != len(xs) or len(states) < 3:
            raise MissingResults("a trend needs at least three states with an x each")
        per_state = []
        for st in states:
            found = [self._entries("eval", task, d, lang, st) for d, lang in sources]
            for (d, lang), e in zip(sources, found):
                if not e:
                    raise MissingResults(f"no eval results for {task}/{d}/{lang}/{st}")
            per_state.append(found)
        common = sorted(set.intersection(*[set(e) for found in per_state for e in found]))
        if not common:
            raise MissingResults(f"{task}: the sweep sizes share no run seed")
        excluded = [
            s for s in common if any(run_collapsed(e[s]) for found in per_state for e in found)
        ]
        used = [s for s in common if s not in excluded]
        x = np.asarray(xs, dtype=float)
        w = (x - x.mean()) / float(((x - x.mean()) ** 2).sum())
        row: dict[str, Any] = {
            "label": label,
            "kind": "eval",
            "task": task,
            "dataset": "+".join(sorted({d for d, _ in sources})),
            "lang": "+".join(lang for _, lang in sources),
            "base_state": f"slope over {states[0]} … {states[-1]}",
            "new_state": "",
            "unit": resampling_unit("eval", task, pooled=len(sources) > 1),
            "states": states,
            "x": [float(v) for v in xs],
            "weights": [round(float(v), 6) for v in w],
            "seeds": used,
            "excluded_seeds": excluded,
        }
        if not used:
            row.update({"status": FAILED_STATUS, "failed": True})
            return row
        if self.cfg.claims.resample_seeds and len(used) < MIN_RUNS:
            row.update({"status": f"fewer than {MIN_RUNS} runs", "insufficient_runs": True})
            return row
        arrays, groups = [], []
        for found in per_state:
            cols = []
            for src, e in enumerate(found):
                ref = per_state[0][src]
                ids = common_ids([e[s] for s in used] + [ref[s] for s in used])
                metric, arr, _, g = self._arrays(
                    "eval", task, None, ids, [e[s] for s in used], [e[s] for s in used]
                )
                if metric != "mean":
                    raise MissingResults(f"a trend needs a per-example mean metric, not {metric}")
                cols.append((arr, g if g is not None else np.asarray(ids)))
            arrays.append(np.concatenate([c[0] for c in cols], axis=1))
            groups.append(np.concatenate([c[1] for c in cols]))
        n = min(a.shape[1] for a in arrays)
        if any(a.shape[1] != n for a in arrays):
            raise MissingResults(f"{task}: the sweep sizes were evaluated on different examples")
        base = sum(-wj * a for wj, a in zip(w, arrays) if wj < 0)
        new = sum(wj * a for wj, a in zip(w, arrays) if wj > 0)
        from repro.stats.bootstrap import paired_bootstrap

        res = paired_bootstrap(
            base,
            new,
            metric="mean",
            groups=groups[0] if len(sources) > 1 or task == "qa" else None,
            n_resamples=self.cfg.claims.n_resamples,
            seed=self.cfg.claims.seed,
            resample_seeds=self.cfg.claims.resample_seeds,
        )
        row.update(result_fields(res))
        # base/new are the contrast's two weighted halves, not scores: show the slope only
        row.update({"base": None, "new": None, "per_seed_base": None, "per_seed_new": None})
        row["slope"] = row["delta"]
        row["curve"] = {st: float(a.mean()) for st, a in zip(states, arrays)}
        row["metric"] = f"slope of {default_quantity('eval', task)} per unit of x"
        row["n_examples"] = n
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
            return np.stack([column(e, field, ids) for e in entries]).astype(float)

        groups = None
        if kind == "eval" and task == "ner":
            metric = "f1"
            b = {
                f: np.stack([column(e, f, ids) for e in base]).astype(np.int64)
                for f in ("tp", "n_pred", "n_gold")
            }
            n = {
                f: np.stack([column(e, f, ids) for e in new]).astype(np.int64)
                for f in ("tp", "n_pred", "n_gold")
            }
            return metric, b, n, None
        if kind == "eval":
            field = quantity or default_quantity(kind, task)
            if task == "qa" and base[0].groups is not None:
                pos = {i: k for k, i in enumerate(base[0].ids)}
                groups = np.asarray([base[0].groups[pos[i]] for i in ids])
            return "mean", take(base, field), take(new, field), groups
        if kind == "xsr":

            def hits(entries: list[Entry]) -> np.ndarray:
                return (take(entries, "hit_xx2en") + take(entries, "hit_en2xx")) / 2.0

            return "mean", hits(base), hits(new), None
        # distances: per-link quantities, resampled by sentence pair (links of one sentence
        # share its context, so they are not independent)
        q = quantity or "related_cos"
        groups = np.asarray([sentence_of_link(i) for i in ids])
        return "mean", distance_quantity(base, q, ids), distance_quantity(new, q, ids), groups
