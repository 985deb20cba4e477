from __future__ import annotations

import json

import pytest

from repro.metrics.__main__ import main

DATA = {
    "version": "1.1",
    "data": [
        {
            "title": "t",
            "paragraphs": [
                {
                    "context": "c",
                    "qas": [
                        {
                            "id": "q1",
                            "question": "?",
                            "answers": [{"text": "el perro", "answer_start": 0}],
                        },
                        {
                            "id": "q2",
                            "question": "?",
                            "answers": [{"text": "Madrid", "answer_start": 0}],
                        },
                    ],
                }
            ],
        }
    ],
}


@pytest.fixture
def files(tmp_path):
    data = tmp_path / "data.json"
    pred = tmp_path / "pred.json"
    data.write_text(json.dumps(DATA), encoding="utf-8")
    pred.write_text(json.dumps({"q1": "perro", "q2": "madrid."}), encoding="utf-8")
    return data, pred


def test_squad_mode_prints_official_style_json(files, capsys):
    data, pred = files
    assert main(["squad", str(data), str(pred)]) == 0
    out = json.loads(capsys.readouterr().out)
    # q1: 'el perro' vs 'perro' -> EM 0, F1 = 2*(1)(1/2)/(1.5) = 2/3 ; q2 exact
    assert out["exact_match"] == pytest.approx(50.0)
    assert out["f1"] == pytest.approx(100 * (2 / 3 + 1) / 2)


def test_mlqa_mode_uses_language_rules(files, capsys):
    data, pred = files
    assert main(["mlqa", str(data), str(pred), "es"]) == 0  # the MLQA script's positional LANG
    assert json.loads(capsys.readouterr().out) == {"exact_match": 100.0, "f1": 100.0}
    assert main(["mlqa", str(data), str(pred), "--lang", "es"]) == 0  # the older spelling
    assert json.loads(capsys.readouterr().out) == {"exact_match": 100.0, "f1": 100.0}


def test_mlqa_without_lang_is_a_usage_error(files, capsys):
    data, pred = files
    with pytest.raises(SystemExit) as exc:
        main(["mlqa", str(data), str(pred)])
    assert exc.value.code == 2 and "LANG" in capsys.readouterr().err


@pytest.mark.parametrize("lang", ["ru", "el", "ro", "th", "tr", "bn", "fi", "id", "ko", "sw", "te"])
def test_mlqa_accepts_every_xquad_and_tydiqa_language(files, capsys, lang):
    data, pred = files
    assert main(["mlqa", str(data), str(pred), lang]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["f1"] == pytest.approx(100 * (2 / 3 + 1) / 2)  # no Spanish article removal


def test_dataset_passed_as_predictions_is_an_error(files, capsys):
    data, _ = files
    assert main(["squad", str(data), str(data)]) == 2
    assert "dataset, not predictions" in capsys.readouterr().err


def test_predictions_for_another_dataset_are_an_error(files, tmp_path, capsys):
    data, _ = files
    other = tmp_path / "other.json"
    other.write_text(json.dumps({"x1": "a", "x2": "b"}), encoding="utf-8")
    assert main(["squad", str(data), str(other)]) == 2
    err = capsys.readouterr().err
    assert str(other) in err and "none of its 2 question ids" in err


def test_missing_file_is_named(files, tmp_path, capsys):
    data, _ = files
    missing = tmp_path / "nope.json"
    assert main(["squad", str(data), str(missing)]) == 2
    err = capsys.readouterr().err
    assert str(missing) in err and "not found" in err


def test_invalid_json_is_named_with_line(files, tmp_path, capsys):
    _, pred = files
    bad = tmp_path / "bad.json"
    bad.write_text('{"version": "1.1",\n "data": [', encoding="utf-8")
    assert main(["squad", str(bad), str(pred)]) == 2
    err = capsys.readouterr().err
    assert str(bad) in err and "line 2" in err


def test_wrong_structure_names_file_and_record(files, tmp_path, capsys):
    data, _ = files
    pred = tmp_path / "pred_list.json"
    pred.write_text('["perro"]', encoding="utf-8")
    assert main(["squad", str(data), str(pred)]) == 2
    assert str(pred) in capsys.readouterr().err
    bad_pred = tmp_path / "pred_num.json"
    bad_pred.write_text('{"q1": 5}', encoding="utf-8")
    assert main(["squad", str(data), str(bad_pred)]) == 2
    err = capsys.readouterr().err
    assert str(bad_pred) in err and "'q1'" in err


# --- ner / nli / xsr ------------------------------------------------------------------------


def _write_conll(path, sentences):
    path.write_text(
        "\n\n".join("\n".join(f"{t}\t{g}" for t, g in s) for s in sentences) + "\n",
        encoding="utf-8",
    )
    return path


def _perturbed(sentences, rng):
    """Every tag replaced by another tag with probability 0.15 (stray I- tags included)."""
    tags = ["O", "B-PER", "I-PER", "B-ORG", "I-ORG", "B-LOC", "I-LOC"]
    return [[(t, rng.choice(tags) if rng.random() < 0.15 else g) for t, g in s] for s in sentences]


def _ner_equals_seqeval(tmp_path, capsys, gold_sents):
    import random

    from seqeval.metrics import f1_score, precision_score, recall_score
    from seqeval.scheme import IOB2

    pred_sents = _perturbed(gold_sents, random.Random(0))
    gold = _write_conll(tmp_path / "gold.tsv", gold_sents)
    pred = _write_conll(tmp_path / "pred.tsv", pred_sents)
    g = [[t for _, t in s] for s in gold_sents]
    p = [[t for _, t in s] for s in pred_sents]
    for scheme, kw in (("lenient", {}), ("strict", {"mode": "strict", "scheme": IOB2})):
        assert main(["ner", str(gold), str(pred), "--scheme", scheme]) == 0
        out = json.loads(capsys.readouterr().out)
        assert out["precision"] == pytest.approx(precision_score(g, p, **kw))
        assert out["recall"] == pytest.approx(recall_score(g, p, **kw))
        assert out["f1"] == pytest.approx(f1_score(g, p, **kw))


def test_ner_equals_seqeval_on_generated_sentences(tmp_path, capsys):
    import random

    rng = random.Random(1)
    sents = []
    for i in range(200):
        tags, n = [], rng.randint(1, 9)
        while len(tags) < n:
            kind = rng.choice(["O", "O", "PER", "ORG", "LOC"])
            tags += ["O"] if kind == "O" else [f"B-{kind}"] + [f"I-{kind}"] * rng.randint(0, 2)
        sents.append([(f"w{i}_{j}", t) for j, t in enumerate(tags)])
    _ner_equals_seqeval(tmp_path, capsys, sents)


def test_ner_equals_seqeval_on_wikiann(tmp_path, capsys):
    import os
    from pathlib import Path

    data = os.environ.get("REPRO_DATA_DIR")
    if not data or not (Path(data) / "wikiann" / "test-es.tsv").is_file():
        pytest.skip("REPRO_DATA_DIR is not set: WikiANN test-es.tsv is needed")
    from repro.data.local import load_wikiann

    recs = load_wikiann(Path(data), "es", "test")[:3000]
    _ner_equals_seqeval(tmp_path, capsys, [list(zip(r["tokens"], r["tags"])) for r in recs])


def test_ner_mismatched_tokens_and_bad_tags_name_the_file(tmp_path, capsys):
    gold = _write_conll(tmp_path / "g.tsv", [[("a", "B-PER"), ("b", "O")]])
    pred = _write_conll(tmp_path / "p.tsv", [[("a", "B-PER"), ("c", "O")]])
    assert main(["ner", str(gold), str(pred)]) == 2
    assert "tokens differ" in capsys.readouterr().err
    pred = _write_conll(tmp_path / "p.tsv", [[("a", "X-PER"), ("b", "O")]])
    assert main(["ner", str(gold), str(pred)]) == 2
    err = capsys.readouterr().err
    assert str(pred) in err and "'X-PER'" in err


def test_nli_accuracy_and_count_mismatch(tmp_path, capsys):
    gold = tmp_path / "gold.txt"
    gold.write_text("entailment\nneutral\ncontradiction\nneutral\n", encoding="utf-8")
    pred = tmp_path / "pred.txt"
    pred.write_text("entailment\nneutral\nneutral\nneutral\n", encoding="utf-8")
    assert main(["nli", str(gold), str(pred)]) == 0
    assert json.loads(capsys.readouterr().out) == {"accuracy": 0.75, "n": 4}
    pred.write_text("entailment\n", encoding="utf-8")
    assert main(["nli", str(gold), str(pred)]) == 2
    assert "1 labels for 4 gold" in capsys.readouterr().err


def test_xsr_top1_both_directions(tmp_path, capsys):
    import numpy as np

    src = np.eye(4)
    tgt = np.eye(4)[[0, 1, 3, 2]] + 0.01  # rows 2 and 3 swapped: half retrieved right
    np.save(tmp_path / "src.npy", src)
    np.savetxt(tmp_path / "tgt.txt", tgt)
    assert main(["xsr", str(tmp_path / "src.npy"), str(tmp_path / "tgt.txt")]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out == {"mean": 0.5, "n": 4, "src_to_tgt": 0.5, "tgt_to_src": 0.5}
    np.save(tmp_path / "short.npy", src[:3])
    assert main(["xsr", str(tmp_path / "src.npy"), str(tmp_path / "short.npy")]) == 2
    assert "shape" in capsys.readouterr().err
