"""A realistic stored-results fixture for the report: per-example results, claims.json, run.json.

Everything is generated with a seeded ``numpy.random.Generator`` and the verdicts come from the
real claim specs (``evaluate_all`` over the saved ``ResultSet``), so the report is exercised on
the shapes the runner really writes. Tests compute expected numbers from ``RAW`` (the generated
arrays), never from the report code.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pytest

LANGS = ("es", "ru", "vi", "hi")
SEEDS = (1, 2, 3)
SWEEP = (250, 1000, 2500)
# accuracy-like levels per state (original, adjusted, adjusted+cl) — adjusted helps NLI
NLI_P = {"original": 0.55, "adjusted": 0.68, "adjusted+cl": 0.72}
DIST_STATES = (
    "original",
    "adjusted",
    "original+nli",
    "adjusted+nli",
    "original+ner",
    "adjusted+ner",
)


@dataclass
class Fixture:
    root: Path
    profile: str
    raw: dict[tuple, dict[str, np.ndarray]] = field(default_factory=dict)
    collapsed: set[tuple] = field(default_factory=set)

    @property
    def pdir(self) -> Path:
        return self.root / self.profile


def _nli_p(state: str, lang: str) -> float:
    if "@" in state:
        return 0.6 + 0.02 * SWEEP.index(int(state.split("@")[1]))
    shift = {"es": 0.05, "ru": 0.0, "vi": -0.02, "hi": -0.05}[lang]
    return NLI_P[state] + shift


def build_results(
    fx: Fixture,
    *,
    nli_dataset: str = "synthetic",
    qa_dataset: str = "synthetic",
    nli_levels: dict[str, float] | None = None,
    n: int = 80,
) -> Any:
    """Per-example results of every kind the claims read; returns the ResultSet."""
    from repro.claims.results import Entry, EntryKey, ResultSet

    rng = np.random.default_rng(20240607)
    rs = ResultSet()

    def add(key: EntryKey, stats: dict[str, np.ndarray], groups=None, collapsed=False):
        ids = [f"{key.task}-{i}" for i in range(len(next(iter(stats.values()))))]
        rs.add(
            Entry(
                key,
                ids,
                stats,
                groups,
                {"artifact": "0" * 16, "collapsed": collapsed, "english_collapsed": False},
            )
        )
        fx.raw[(key.kind, key.task, key.dataset, key.lang, key.state, key.seed)] = stats
        if collapsed:
            fx.collapsed.add((key.kind, key.task, key.dataset, key.lang, key.state, key.seed))

    for seed in SEEDS:  # English sets, exported for the language-independent original model
        add(
            EntryKey("eval", "nli", nli_dataset, "en", "original", seed),
            {"correct": (rng.random(n) < 0.8).astype(np.int64)},
        )
        f1 = np.clip(rng.normal(0.7, 0.2, size=n), 0, 1).round(4)
        add(
            EntryKey("eval", "qa", qa_dataset, "en-en", "original", seed),
            {
                "f1": f1,
                "em": (f1 > 0.8).astype(float),
                "f1_mlqa": f1,
                "em_mlqa": (f1 > 0.8).astype(float),
            },
            [f"p{i // 4}" for i in range(n)],
        )
    for lang in LANGS:
        for state in ("original", "adjusted", "adjusted+cl"):
            for seed in SEEDS:
                p = _nli_p(state, lang)
                if nli_levels and state == "original":
                    p = nli_levels[lang]
                add(
                    EntryKey("eval", "nli", nli_dataset, lang, state, seed),
                    {"correct": (rng.random(n) < p).astype(np.int64)},
                )
        for state in ("original", "adjusted"):
            for seed in SEEDS:
                n_gold = rng.integers(1, 4, size=n)
                n_pred = np.clip(n_gold + rng.integers(-1, 2, size=n), 0, None)
                q = 0.45 + (0.15 if state == "adjusted" and lang != "hi" else 0.0)
                tp = np.minimum(rng.binomial(n_gold, q), np.minimum(n_gold, n_pred))
                add(
                    EntryKey(
                        "eval",
                        "ner",
                        "wikiann" if nli_dataset == "xnli" else nli_dataset,
                        lang,
                        state,
                        seed,
                    ),
                    {
                        "tp": tp.astype(np.int64),
                        "n_pred": n_pred.astype(np.int64),
                        "n_gold": n_gold.astype(np.int64),
                    },
                    collapsed=(lang == "ru" and state == "original" and seed == 3),
                )
        for pair in (f"{lang}-{lang}", f"en-{lang}", f"{lang}-en"):
            for state in ("original", "adjusted"):
                for seed in SEEDS:
                    level = 0.5 - (
                        0.08
                        if state == "adjusted" and pair == f"{lang}-{lang}"
                        else -0.06
                        if state == "adjusted"
                        else 0.0
                    )
                    f1 = np.clip(rng.normal(level, 0.3, size=n), 0, 1).round(4)
                    groups = [f"p{i // 4}" for i in range(n)]
                    add(
                        EntryKey("eval", "qa", qa_dataset, pair, state, seed),
                        {
                            "f1": f1,
                            "em": (f1 > 0.8).astype(float),
                            "f1_mlqa": f1,
                            "em_mlqa": (f1 > 0.8).astype(float),
                        },
                        groups,
                    )
        for state in ("original", "adjusted"):
            up = 0.2 if state == "adjusted" and lang != "vi" else 0.0
            a = (rng.random(n) < 0.5 + up).astype(np.int64)
            b = (rng.random(n) < 0.45 + up).astype(np.int64)
            add(
                EntryKey("xsr", "xsr", "xsr", lang, state),
                {
                    "hit_xx2en": a,
                    "hit_en2xx": b,
                    "rank_xx2en": (1 - a) * 3,
                    "rank_en2xx": (1 - b) * 2,
                },
            )
        for state in DIST_STATES:
            rel = 0.5 - (0.2 if state.startswith("adjusted") else 0.0)
            rel -= 0.1 if "+" in state else 0.0
            unrel = 0.8 - (0.25 if "+" in state else 0.05 if state == "adjusted" else 0.0)
            r = rng.normal(rel, 0.05, size=n)
            u = rng.normal(unrel, 0.05, size=n)
            add(
                EntryKey("distances", "distances", "heldout", lang, state),
                {
                    "related_cos": r,
                    "unrelated_cos": u,
                    "related_euc": r * 10,
                    "unrelated_euc": u * 10,
                },
            )
        for size in SWEEP:
            state = f"adjusted@{size}"
            add(
                EntryKey("eval", "nli", nli_dataset, lang, state, 1),
                {"correct": (rng.random(n) < _nli_p(state, lang)).astype(np.int64)},
            )
            for pair in (f"{lang}-{lang}", f"en-{lang}", f"{lang}-en"):
                f1 = np.clip(rng.normal(0.5 - 0.03 * abs(SWEEP.index(size) - 1), 0.3, n), 0, 1)
                add(
                    EntryKey("eval", "qa", qa_dataset, pair, state, 1),
                    {
                        "f1": f1.round(4),
                        "em": (f1 > 0.8).astype(float),
                        "f1_mlqa": f1.round(4),
                        "em_mlqa": (f1 > 0.8).astype(float),
                    },
                    [f"p{i // 4}" for i in range(n)],
                )
    return rs


def write_claims(fx: Fixture, rs: Any, *, overrides: tuple[str, ...] = ()) -> dict[str, Any]:
    """claims.json from the real claim specs; C09 forced to ERROR, C11 skipped (NOT_RUN)."""
    from repro.claims import Outcome, Verdict, discover
    from repro.claims.verdicts import claim_record, evaluate_all, write_status
    from repro.config import resolve

    cfg = resolve(fx.profile, overrides=("claims.n_resamples=200", *overrides))
    claims = discover()
    status = evaluate_all(
        cfg, claims, rs, {"C11": "the data-size sweep is disabled in this profile (test fixture)"}
    )
    status["claims"]["C09"] = claim_record(
        claims["C09"],
        Outcome(
            Verdict.ERROR,
            "ValueError: fixture <failure> & friends",
            {"traceback": "Traceback (most recent call last):\n  ...\nValueError: fixture"},
        ),
        fx.profile,
    )
    status["overrides"] = ["claims.n_resamples=200", *overrides]
    write_status(status, fx.pdir / "claims.json")
    return status


def write_run_json(fx: Fixture, *, overrides: tuple[str, ...] = ()) -> dict[str, Any]:
    from repro.config import as_dict, resolve

    cfg = resolve(fx.profile, overrides=("claims.n_resamples=200", *overrides))
    info = {
        "profile": fx.profile,
        "git_revision": "0123456789abcdef0123456789abcdef01234567",
        "versions": {"python": "3.11.2", "torch": "2.13.0", "numpy": "2.4.0"},
        "machine": {
            "platform": "Linux-test",
            "cpu_count": 2,
            "cpu_model": "Test CPU",
            "cuda": False,
        },
        "config": as_dict(cfg),
        "jobs": {"total": 40, "ran": 38, "cached": 2},
        "stage_seconds": {"adjust": 61.5, "evaluate": 30.25, "finetune": 300.0, "pretrain": 120.0},
        "wall_s": 530.0,
        "artifact_root": "/tmp/artifacts",
    }
    fx.pdir.mkdir(parents=True, exist_ok=True)
    (fx.pdir / "run.json").write_text(json.dumps(info, indent=1, sort_keys=True))
    return info


def make_fixture(root: Path, profile: str = "smoke", **kw: Any) -> Fixture:
    fx = Fixture(root, profile)
    overrides = kw.pop("overrides", ())
    rs = build_results(fx, **kw)
    rs.save(fx.pdir / "results")
    write_claims(fx, rs, overrides=overrides)
    write_run_json(fx, overrides=overrides)
    return fx


@pytest.fixture(scope="session")
def smoke_fixture(tmp_path_factory) -> Fixture:
    """Stored inputs of a smoke report (read-only: copy before changing anything)."""
    return make_fixture(tmp_path_factory.mktemp("reports"), "smoke")


@pytest.fixture()
def smoke_copy(smoke_fixture, tmp_path) -> Fixture:
    """A private copy of the smoke inputs that a test may damage."""
    root = tmp_path / "reports"
    shutil.copytree(smoke_fixture.root, root)
    return Fixture(root, smoke_fixture.profile, smoke_fixture.raw, smoke_fixture.collapsed)


@pytest.fixture(scope="session")
def paper_inputs(tmp_path_factory) -> Fixture:
    """Paper-profile inputs whose baseline XNLI accuracy is far below XTREME's level in es."""
    return make_fixture(
        tmp_path_factory.mktemp("paper"),
        "paper",
        nli_dataset="xnli",
        qa_dataset="xquad",
        nli_levels={"es": 0.50, "ru": 0.68, "vi": 0.70, "hi": 0.60},
    )
