"""Claim checks on planted per-example results: gains, nulls, reversals, missing runs, lock drift."""

from __future__ import annotations

import copy
from pathlib import Path

import numpy as np

from repro.claims import Verdict, discover
from repro.claims.context import ClaimContext
from repro.claims.lock import compare_with_lock
from repro.claims.results import Entry, EntryKey, ResultSet
from repro.claims.verdicts import evaluate_all, evaluate_claim
from repro.config import resolve

CLAIMS = discover(Path(__file__).resolve().parents[2] / "claims")
LANGS = ("es", "ru", "vi", "hi")


def planted_nli(
    effects: dict[str, float], *, n=800, seeds=(1, 2, 3), base_acc=0.55, seed=0, collapsed=()
) -> ResultSet:
    """Adjusted = original with a planted accuracy change per language (paired items)."""
    rng = np.random.default_rng(seed)
    rs = ResultSet()
    ids = [f"nli-test-{i:05d}" for i in range(n)]
    for lang in LANGS:
        for s in seeds:
            u = rng.random(n)
            base = (u < base_acc).astype(int)
            new = (u < base_acc + effects.get(lang, 0.0)).astype(int)
            for state, corr in (("original", base), ("adjusted", new)):
                meta = {"english_collapsed": (lang, s, state) in collapsed}
                rs.add(
                    Entry(
                        EntryKey("eval", "nli", "synthetic", lang, state, s),
                        ids,
                        {"correct": corr},
                        meta=meta,
                    )
                )
    return rs


def ctx_for(rs: ResultSet) -> ClaimContext:
    return ClaimContext(resolve("smoke", overrides=("claims.n_resamples=2000",)), rs)


def test_planted_gain_everywhere_is_supported():
    out = evaluate_claim(CLAIMS["C01"], ctx_for(planted_nli({x: 0.08 for x in LANGS})))
    assert out.verdict is Verdict.SUPPORTED, out.rationale
    rows = out.evidence["rows"]
    assert all(r["sig_gain"] for r in rows)
    assert all(r["ci_low"] <= r["delta"] <= r["ci_high"] for r in rows)
    assert out.margin is not None and out.margin > 0


def test_gain_missing_in_one_language_is_not_supported():
    out = evaluate_claim(CLAIMS["C01"], ctx_for(planted_nli({"es": 0.08, "ru": 0.08, "vi": 0.08})))
    assert out.verdict is Verdict.INCONCLUSIVE, out.rationale


def test_planted_reversal_refutes():
    out = evaluate_claim(CLAIMS["C01"], ctx_for(planted_nli({"es": -0.1})))
    assert out.verdict is Verdict.REFUTED, out.rationale


def test_exchangeable_null_is_rarely_supported():
    supported = 0
    for rep in range(20):
        out = evaluate_claim(CLAIMS["C12"], ctx_for(planted_nli({}, n=300, seed=rep)))
        supported += out.verdict is Verdict.SUPPORTED
    assert supported <= 2  # needs two significant gains under Holm: far below α per run


def test_missing_results_are_not_run():
    out = evaluate_claim(CLAIMS["C02"], ctx_for(planted_nli({})))
    assert out.verdict is Verdict.NOT_RUN and "results missing" in out.rationale


def test_collapsed_seeds_are_excluded_not_averaged():
    rs = planted_nli({x: 0.08 for x in LANGS}, collapsed={("es", 2, "adjusted")})
    out = evaluate_claim(CLAIMS["C01"], ctx_for(rs))
    es = next(r for r in out.evidence["rows"] if r["lang"] == "es")
    assert es["excluded_seeds"] == [2] and es["seeds"] == [1, 3]


def test_status_lock_detects_verdict_edit_and_number_drift():
    cfg = resolve("smoke", overrides=("claims.n_resamples=1000",))
    rs = planted_nli({x: 0.08 for x in LANGS})
    claims = {"C01": CLAIMS["C01"], "C12": CLAIMS["C12"]}
    status = evaluate_all(cfg, claims, rs)
    assert compare_with_lock(status, status) == []
    edited = copy.deepcopy(status)
    edited["claims"]["C01"]["verdict"] = "REFUTED"
    assert any("C01: verdict REFUTED" in p for p in compare_with_lock(status, edited))
    drifted = copy.deepcopy(status)
    drifted["claims"]["C12"]["evidence"]["rows"][0]["delta"] += 0.5
    assert any("C12" in p and "tolerance" in p for p in compare_with_lock(status, drifted))
    errored = copy.deepcopy(status)
    errored["claims"]["C01"]["verdict"] = "ERROR"
    assert compare_with_lock(errored, errored)


def test_results_round_trip(tmp_path):
    rs = planted_nli({"es": 0.05}, n=50)
    rs.save(tmp_path)
    again = ResultSet.load(tmp_path)
    assert len(again) == len(rs)
    key = EntryKey("eval", "nli", "synthetic", "es", "adjusted", 1)
    assert np.array_equal(again.get(key).stats["correct"], rs.get(key).stats["correct"])


def test_fully_collapsed_language_is_inconclusive_not_refuted():
    collapsed = {("es", s, "adjusted") for s in (1, 2, 3)}
    rs = planted_nli({x: 0.08 for x in LANGS}, collapsed=collapsed)
    out = evaluate_claim(CLAIMS["C01"], ctx_for(rs))
    assert out.verdict is Verdict.INCONCLUSIVE, out.rationale


def test_near_chance_target_scores_are_kept_and_reported():
    rs = planted_nli({x: 0.08 for x in LANGS})
    for e in rs.find(lang="hi", state="original"):
        e.meta["collapsed"] = True
    out = evaluate_claim(CLAIMS["C01"], ctx_for(rs))
    hi = next(r for r in out.evidence["rows"] if r["lang"] == "hi")
    assert hi["excluded_seeds"] == [] and hi["near_chance_seeds"] == [1, 2, 3]


def planted_distances(
    widen_nli: float, *, n=400, seeds=(1, 2, 3), collapsed_tasks=(), seed=0
) -> ResultSet:
    """Per-link distances: NER fine-tuning leaves the gap, NLI fine-tuning widens it.

    The original encoder is one exact run (seed None); each fine-tuned state has one run per
    seed. Links are ``pair:i-j`` ids, four per sentence pair, as the distance stage writes them.
    """
    rng = np.random.default_rng(seed)
    rs = ResultSet()
    ids = [f"p{i // 4:04d}:{i % 4}-{i % 4}" for i in range(n)]
    for lang in LANGS:
        related = rng.uniform(0.2, 0.4, n)
        unrelated = related + rng.uniform(0.05, 0.15, n)
        rs.add(
            Entry(
                EntryKey("distances", "distances", "heldout", lang, "original"),
                ids,
                {"related_cos": related, "unrelated_cos": unrelated},
            )
        )
        for task, widen in (("nli", widen_nli), ("ner", 0.0)):
            for s in seeds:
                # a fine-tuning pulls everything a little closer, plus per-run noise
                shift = -0.01 + rng.normal(0, 2e-3)
                jitter = rng.normal(0, 1e-3, n)
                rs.add(
                    Entry(
                        EntryKey("distances", "distances", "heldout", lang, f"original+{task}", s),
                        ids,
                        {
                            "related_cos": related + shift + jitter,
                            "unrelated_cos": unrelated + shift + widen + jitter,
                        },
                        meta={"english_collapsed": task in collapsed_tasks},
                    )
                )
    return rs


def test_a_collapsed_fine_tuning_does_not_decide_the_forgetting_claim():
    learned = evaluate_claim(CLAIMS["C08"], ctx_for(planted_distances(0.02)))
    assert learned.verdict is Verdict.REFUTED, learned.rationale  # the gap grew after NLI
    failed = evaluate_claim(
        CLAIMS["C08"], ctx_for(planted_distances(0.02, collapsed_tasks=("nli",)))
    )
    assert failed.verdict is not Verdict.REFUTED, failed.rationale
    for part in failed.evidence["parts"].values():
        nli_rows = [r for r in part["rows"] if r["task"] == "nli"]
        assert len(nli_rows) == 4 and all(r.get("failed") for r in nli_rows)
        ner_rows = [r for r in part["rows"] if r["task"] == "ner"]
        assert all(r["n_seeds"] == 3 and r["exact_base"] for r in ner_rows)
        assert all(r["n_units"] < r["n_examples"] for r in ner_rows)  # sentence clusters


def test_distances_of_a_fine_tuned_encoder_carry_whether_that_run_collapsed(tmp_path):
    import json
    from types import SimpleNamespace

    from repro.workflow.export import _finetuning_collapsed
    from repro.workflow.graph import Graph
    from repro.workflow.needs import Export

    cfg = resolve("smoke")
    graph = Graph(cfg)
    dist = graph.distances("original+nli", "es")
    ev = graph.evaluate("nli", "original", "es", cfg.finetune.seeds[0])
    english = [n for n in ev.config["sets"] if n.split(".")[2] == "en"]
    assert english

    def store_with(collapsed):
        art = tmp_path / str(collapsed)
        art.mkdir(exist_ok=True)
        sets = {n: {"collapsed": collapsed} for n in ev.config["sets"] if n in english}
        (art / "metrics.json").write_text(json.dumps({"sets": sets}))
        found = {(ev.stage, ev.key): SimpleNamespace(path=art)}
        return SimpleNamespace(get=lambda stage, key, verify=True: found.get((stage, key)))

    ex = Export("distances", "distances", "original+nli", "es")
    assert _finetuning_collapsed(cfg, dist, ex, store_with(True)) is True
    assert _finetuning_collapsed(cfg, dist, ex, store_with(False)) is False
    empty = SimpleNamespace(get=lambda stage, key, verify=True: None)
    assert _finetuning_collapsed(cfg, dist, ex, empty) is None  # unknown, not "learned"
    plain = Export("distances", "distances", "original", "es")
    assert _finetuning_collapsed(cfg, graph.distances("original", "es"), plain, empty) is None


def test_c12_needs_two_distinct_languages_hindi_alone_is_not_both():
    hindi = evaluate_claim(CLAIMS["C12"], ctx_for(planted_nli({"hi": 0.1})))
    assert hindi.verdict is Verdict.INCONCLUSIVE, hindi.rationale
    pair = evaluate_claim(CLAIMS["C12"], ctx_for(planted_nli({"ru": 0.1, "vi": 0.1})))
    assert pair.verdict is Verdict.SUPPORTED, pair.rationale
    assert pair.evidence["assignment"] == {"non_latin_script": "ru", "non_european": "vi"}
