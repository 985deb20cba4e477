"""From the claims' needs to jobs: the seed x model-state x language grid, expanded here and
nowhere else. Each job comes with the :class:`Export` that says which result entries it yields."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from repro.claims import SWEEP_STATE, Claim, Need
from repro.claims.verdicts import skipped_claims
from repro.config import ExperimentConfig
from repro.workflow.graph import Graph, parse_state
from repro.workflow.jobs import Job


def expand_states(cfg: ExperimentConfig, states: tuple[str, ...]) -> list[str]:
    out: list[str] = []
    for s in states:
        if s == SWEEP_STATE:
            out += [f"adjusted@{n}" for n in cfg.sweep.sizes]
        else:
            out.append(s)
    return out


@dataclass(frozen=True)
class Export:
    """How to turn one job's artifact into result entries."""

    kind: str
    task: str
    state: str
    lang: str
    seed: int = -1


def jobs_for_need(graph: Graph, need: Need) -> list[tuple[Job, Export]]:
    cfg = graph.cfg
    out: list[tuple[Job, Export]] = []
    for state in expand_states(cfg, need.states):
        for lang in cfg.languages:
            if need.kind == "eval":
                _, size, _ = parse_state(state)
                seeds = graph.sweep_seeds() if size is not None else cfg.finetune.seeds
                if need.seeds == "first":
                    seeds = seeds[:1]
                for seed in seeds:
                    out.append(
                        (
                            graph.evaluate(need.task, state, lang, seed),
                            Export("eval", need.task, state, lang, seed),
                        )
                    )
            elif need.kind == "xsr":
                out += [
                    (
                        graph.retrieve(state, lang, run),
                        Export("xsr", "xsr", state, lang, _seed(run)),
                    )
                    for run in graph.runs(state)
                ]
            else:
                out += [
                    (
                        graph.distances(state, lang, run),
                        Export("distances", "distances", state, lang, _seed(run)),
                    )
                    for run in graph.runs(state)
                ]
    return out


def _seed(run: int | None) -> int:
    return -1 if run is None else run


def plan_claims(
    cfg: ExperimentConfig, claims: Mapping[str, Claim]
) -> tuple[list[tuple[Job, Export]], dict[str, str]]:
    """All (job, export) pairs the claims need, plus claims skipped by profile (reason)."""
    graph = Graph(cfg)
    skipped = skipped_claims(cfg, claims)
    pairs: list[tuple[Job, Export]] = []
    for cid, claim in claims.items():
        if cid not in skipped:
            for need in claim.needs:
                pairs.extend(jobs_for_need(graph, need))
    return pairs, skipped
