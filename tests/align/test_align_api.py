"""align_records / score_aligner / AlignConfig."""

from __future__ import annotations

import copy
import importlib.util

import pytest

from repro.align.api import AlignConfig, align_records, score_aligner
from repro.errors import ConfigError, DataError


@pytest.mark.parametrize(
    "field, value",
    [
        ("method", "fast_align"),
        ("symmetrize", "gdfa"),
        ("max_words", 0),
        ("max_words", 64.0),
        ("one_to_one", "yes"),
        ("drop_identical", 1),
        ("ibm1_iterations", True),
        ("ibm1_diagonal_tension", -1.0),
        ("ibm1_diagonal_tension", float("nan")),
    ],
)
def test_config_rejects_bad_values_naming_the_field(field, value):
    with pytest.raises(ConfigError, match=f"align.{field}"):
        AlignConfig(**{field: value})


def test_config_defaults_follow_the_paper():
    cfg = AlignConfig()
    assert (cfg.symmetrize, cfg.max_words, cfg.one_to_one, cfg.drop_identical) == (
        "intersect",
        64,
        True,
        True,
    )


def _check_output(out, stats, n_in):
    assert stats["n_in"] == n_in
    assert stats["n_out"] == len(out)
    assert stats["n_in"] == stats["n_out"] + stats["dropped_by_length"] + stats["dropped_unlinked"]
    assert stats["links"] == sum(len(r["alignment"]) for r in out)
    for r in out:
        src, tgt = r["src"].split(), r["tgt"].split()
        links = [tuple(x) for x in r["alignment"]]
        assert links
        assert len({i for i, _ in links}) == len(links) == len({j for _, j in links})
        assert all(src[i] != tgt[j] for i, j in links)


def test_gold_method_applies_filters(toy_corpus):
    records = copy.deepcopy(toy_corpus[:400])
    long = dict(records[0], id="long", src=" ".join(["w"] * 65), alignment=[[0, 0]])
    only_number = {
        "id": "num",
        "src_lang": "en",
        "tgt_lang": "es",
        "src": "7",
        "tgt": "7",
        "alignment": [[0, 0]],
    }
    records += [long, only_number]
    before = copy.deepcopy(records)
    out, stats = align_records(records, AlignConfig(method="gold"))
    assert records == before
    _check_output(out, stats, len(records))
    assert stats["dropped_by_length"] == 1
    assert stats["dropped_identical"] > 0  # the toy corpus has shared numbers
    assert stats["dropped_not_one_to_one"] > 0  # ... and one-to-two splits
    assert stats["dropped_unlinked"] >= 1  # "num" loses its only link
    assert {"long", "num"}.isdisjoint(r["id"] for r in out)
    # without the link filters gold links pass through unchanged
    raw, s2 = align_records(
        records, AlignConfig(method="gold", one_to_one=False, drop_identical=False)
    )
    assert s2["links"] == s2["links_aligned"] == sum(len(r["alignment"]) for r in before) - 1


def test_ibm1_method_end_to_end(toy_corpus):
    cfg = AlignConfig(method="ibm1")
    out, stats = align_records(toy_corpus, cfg)
    _check_output(out, stats, len(toy_corpus))
    assert stats["n_out"] > 0.95 * len(toy_corpus)
    again, stats2 = align_records(toy_corpus, cfg)
    assert again == out and {k: v for k, v in stats2.items() if k != "seconds"} == {
        k: v for k, v in stats.items() if k != "seconds"
    }


def test_score_aligner(toy_corpus):
    res = score_aligner(toy_corpus, AlignConfig(method="ibm1"))
    # measured on this corpus: AER 0.083, precision 0.980, filtered precision 0.98+
    assert res["aer"] < 0.2 and res["precision"] > 0.95
    assert res["filtered_precision"] > 0.95
    assert 0 <= res["forward_aer"] <= 1 and 0 <= res["reverse_aer"] <= 1
    assert res["n_pairs"] == len(toy_corpus)
    gold = score_aligner(toy_corpus, AlignConfig(method="gold"))
    assert gold["aer"] == 0.0 and gold["filtered_precision"] == 1.0
    gdf = score_aligner(toy_corpus, AlignConfig(method="ibm1", symmetrize="grow-diag-final"))
    assert gdf["recall"] > res["recall"]


def test_missing_gold_and_bad_records_name_the_record(toy_corpus):
    rec = {k: v for k, v in toy_corpus[5].items() if k != "alignment"}
    with pytest.raises(DataError, match=rec["id"]):
        align_records([rec], AlignConfig(method="gold"))
    with pytest.raises(DataError, match=rec["id"]):
        score_aligner([rec], AlignConfig(method="ibm1"))
    bad = dict(toy_corpus[6], alignment=[[99, 0]])
    with pytest.raises(DataError, match="out of range"):
        align_records([bad], AlignConfig(method="gold"))
    assert align_records([rec], AlignConfig(method="ibm1"))[1]["n_in"] == 1


def test_empty_input():
    out, stats = align_records([], AlignConfig(method="ibm1"))
    assert out == [] and stats["n_out"] == 0 and stats["links"] == 0


@pytest.mark.skipif(importlib.util.find_spec("eflomal") is not None, reason="eflomal installed")
def test_eflomal_missing_is_a_config_error(toy_corpus):
    with pytest.raises(ConfigError, match=r"pip install xlingual-repro\[align\]"):
        align_records(toy_corpus[:10], AlignConfig(method="eflomal"))
