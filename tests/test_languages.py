"""Target languages are a config list checked against the data source, not a constant."""

from __future__ import annotations

import json

import pytest

from repro.cli import main
from repro.config import resolve
from repro.data import hub as H
from repro.data.catalog import eval_sets_for
from repro.errors import ConfigError, DataError
from repro.records import check_lang


def test_paper_plans_german_and_french(capsys):
    assert main(["plan", "--profile", "paper", "--set", 'languages=["de","fr"]', "--json"]) == 0
    plan = json.loads(capsys.readouterr().out)
    labels = [j["label"] for j in plan["jobs"]]
    for lang in ("de", "fr"):
        assert f"{lang}" in {j["label"] for j in plan["jobs"] if j["stage"] == "align"}
        assert any(lb.startswith(f"{lang}@") for lb in labels)  # its adjustments
    assert not any(lb.startswith(("es", "ru", "vi", "hi")) for lb in labels)


def test_each_task_evaluates_where_its_datasets_have_the_language():
    cfg = resolve("paper", overrides=('languages=["de","fr"]',))
    qa = {f"{e.dataset}.{e.lang}" for e in eval_sets_for(cfg, "qa")}
    assert {"xquad.de-de", "xquad.en-de", "mlqa.de-de", "mlqa.de-en"} <= qa
    assert not any("fr" in name for name in qa)  # XQuAD and MLQA have no French
    assert [e.lang for e in eval_sets_for(cfg, "nli")] == ["en", "de", "fr"]
    specs = H.hub_specs(cfg.hub.__class__(languages=cfg.languages))
    assert specs["tatoeba.fr"].config == "tatoeba.fra" and "xquad.fr" not in specs


def test_languages_a_source_lacks_are_a_config_error():
    with pytest.raises(ConfigError, match=r"\['ja'\] not provided by the hub"):
        resolve("paper", overrides=('languages=["de","ja"]',))
    with pytest.raises(ConfigError, match=r"\['de'\] not provided by the synthetic world"):
        resolve("smoke", overrides=('languages=["de"]',))
    with pytest.raises(ConfigError, match="English is the source"):
        resolve("paper", overrides=('languages=["en","de"]',))


def test_cao_profile_extends_paper():
    cao, paper = resolve("cao"), resolve("paper")
    assert cao.languages == ("bg", "de", "el", "es", "fr") and cao.adjust.mode == "joint"
    assert cao.model == paper.model and cao.finetune == paper.finetune
    assert cao.profile == "cao"


def test_records_accept_any_iso_code_and_reject_others():
    assert check_lang("de") == "de" and check_lang("sw") == "sw"
    for bad in ("xx", "", "EN", "deu", None):
        with pytest.raises(DataError, match="unknown language code"):
            check_lang(bad, path="f.jsonl", record="r1")


def test_hub_converters_take_a_configured_language():
    nli = H.nli_records(
        [{"premise": "Ein Hund.", "hypothesis": "Ein Tier.", "label": 0}], lang="de", id_prefix="x-"
    )
    assert nli[0]["lang"] == "de"
    par = H.parallel_records(
        [{"english": "Hello, world.", "non_english": "Bonjour, le monde."}],
        lang="fr",
        id_prefix="w-",
    )
    assert par[0]["tgt"] == "Bonjour , le monde ."
    xsr = H.xsr_records([{"source_sentence": "Здравей.", "target_sentence": "Hi."}], lang="bg")
    assert (xsr[0]["src"], xsr[0]["tgt"]) == ("Hi.", "Здравей.")
