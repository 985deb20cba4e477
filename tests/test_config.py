"""Config resolution: layering, overrides, typo suggestions, and artifact-key stability."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given
from hypothesis import strategies as st

from repro.config import PROFILES, AdjustConfig, ExperimentConfig, as_dict, resolve
from repro.configtools import from_dict, parse_value, sha256_of, to_toml
from repro.errors import ConfigError
from repro.workflow.graph import Graph


@pytest.mark.parametrize("profile", PROFILES)
def test_every_profile_resolves(profile):
    cfg = resolve(profile)
    assert cfg.profile == profile
    want = {"bg", "de", "el", "es", "fr"} if profile == "cao" else {"es", "ru", "vi", "hi"}
    assert set(cfg.languages) == want


def test_paper_defaults_are_the_papers():
    cfg = ExperimentConfig()
    assert cfg.adjust.learning_rate == 5e-5 and cfg.adjust.batch_size == 32
    assert cfg.adjust.warmup_ratio == 0.1 and cfg.adjust.epochs == 1
    assert (cfg.finetune.nli.learning_rate, cfg.finetune.nli.num_train_epochs) == (5e-5, 2.0)
    assert (cfg.finetune.ner.learning_rate, cfg.finetune.ner.num_train_epochs) == (2e-5, 3.0)
    assert (cfg.finetune.qa.learning_rate, cfg.finetune.qa.num_train_epochs) == (3e-5, 2.0)
    assert cfg.finetune.continual.align_weight == 0.01
    assert cfg.finetune.continual.anchor_weight == 1.0
    assert cfg.finetune.continual.pairs_per_step == 16


def test_override_precedence(tmp_path):
    extra = tmp_path / "extra.toml"
    extra.write_text("[adjust]\nlearning_rate = 2e-5\nmax_pairs = 7\n")
    cfg = resolve("smoke", (extra,), ("adjust.max_pairs=9",))
    assert cfg.adjust.learning_rate == 2e-5  # file over profile
    assert cfg.adjust.max_pairs == 9  # --set over file
    assert cfg.adjust.mode == "joint"  # profile value kept


def test_partial_nested_table_keeps_field_default():
    # setting one NER field must not reset NER's own defaults (3 epochs) to the class defaults
    cfg = resolve("paper", overrides=("finetune.ner.learning_rate=1e-5",))
    assert cfg.finetune.ner.learning_rate == 1e-5
    assert cfg.finetune.ner.num_train_epochs == 3.0


def test_typo_names_the_valid_key():
    with pytest.raises(ConfigError, match="learning_rate"):
        resolve("smoke", overrides=("adjust.learning_rat=1",))
    with pytest.raises(ConfigError, match="did you mean 'adjust'"):
        resolve("smoke", overrides=("adjsut.mode=joint",))


@pytest.mark.parametrize(
    "expr, match",
    [
        ("adjust.mode=both", "per_language"),
        ("adjust.max_pairs=many", "integer"),
        ("finetune.seeds=[1,1]", "duplicate"),
        ('languages=["de"]', "languages"),
        ("claims.alpha=2", "alpha"),
    ],
)
def test_bad_values_fail_clearly(expr, match):
    with pytest.raises(ConfigError, match=match):
        resolve("smoke", overrides=(expr,))


def test_unknown_profile():
    with pytest.raises(ConfigError, match="smoke"):
        resolve("smok")


def test_toml_round_trip_of_resolved_config(tmp_path):
    cfg = resolve("smoke")
    p = tmp_path / "resolved.toml"
    p.write_text(to_toml({k: v for k, v in as_dict(cfg).items() if k != "profile"}))
    again = resolve("smoke", (p,))
    assert as_dict(again) == as_dict(cfg)


@given(st.integers(min_value=1, max_value=10**6), st.floats(min_value=1e-7, max_value=1.0))
def test_key_changes_with_any_hashed_field(max_pairs, lr):
    base = resolve("smoke")
    g0 = Graph(base)
    cfg = dataclasses.replace(
        base, adjust=dataclasses.replace(base.adjust, max_pairs=max_pairs, learning_rate=lr)
    )
    g1 = Graph(cfg)
    same = max_pairs == base.adjust.max_pairs and lr == base.adjust.learning_rate
    assert (g1.adjusted("es").key == g0.adjusted("es").key) == same
    # upstream keys do not depend on adjustment settings
    assert g1.encoder().key == g0.encoder().key
    assert g1.align("es").key == g0.align("es").key


def test_key_is_stable_and_order_independent():
    a = from_dict(AdjustConfig, {"max_pairs": 10, "pooling": "first"})
    b = from_dict(AdjustConfig, {"pooling": "first", "max_pairs": 10})
    assert sha256_of(a) == sha256_of(b)
    assert Graph(resolve("smoke")).adjusted("es").key == Graph(resolve("smoke")).adjusted("es").key


def test_run_settings_never_change_keys():
    g0 = Graph(resolve("smoke"))
    g1 = Graph(resolve("smoke", overrides=("run.jobs=2", "run.device=cpu")))
    assert (
        g0.evaluate("nli", "adjusted", "es", 1).key == g1.evaluate("nli", "adjusted", "es", 1).key
    )


def test_a_task_specific_knob_reruns_only_the_runs_that_read_it():
    g0 = Graph(resolve("smoke"))
    stride = Graph(resolve("smoke", overrides=("finetune.qa_doc_stride=32",)))
    pooling = Graph(resolve("smoke", overrides=("adjust.pooling=first",)))
    for task in ("nli", "ner"):
        assert (
            stride.finetune(task, "adjusted", "es", 1).key
            == g0.finetune(task, "adjusted", "es", 1).key
        )
    assert (
        stride.finetune("qa", "original", "es", 1).key != g0.finetune("qa", "original", "es", 1).key
    )
    # pooling is an adjustment setting that continual learning reuses; a plain run on the
    # original encoder does not read it
    assert (
        pooling.finetune("nli", "original", "es", 1).key
        == g0.finetune("nli", "original", "es", 1).key
    )
    assert (
        pooling.finetune("nli", "adjusted+cl", "es", 1).key
        != g0.finetune("nli", "adjusted+cl", "es", 1).key
    )


@given(st.one_of(st.integers(-1000, 1000), st.booleans(), st.lists(st.integers(0, 9), max_size=4)))
def test_parse_value_round_trips_toml_literals(value):
    import json

    raw = json.dumps(value).replace("true", "true").replace("false", "false")
    assert parse_value(raw) == value
