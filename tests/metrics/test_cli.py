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
    assert main(["mlqa", str(data), str(pred), "--lang", "es"]) == 0
    assert json.loads(capsys.readouterr().out) == {"exact_match": 100.0, "f1": 100.0}


def test_mlqa_without_lang_fails_cleanly(files, capsys):
    data, pred = files
    assert main(["mlqa", str(data), str(pred)]) == 1
    assert "--lang" in capsys.readouterr().err


def test_missing_file_is_named(files, tmp_path, capsys):
    data, _ = files
    missing = tmp_path / "nope.json"
    assert main(["squad", str(data), str(missing)]) == 1
    err = capsys.readouterr().err
    assert str(missing) in err and "not found" in err


def test_invalid_json_is_named_with_line(files, tmp_path, capsys):
    _, pred = files
    bad = tmp_path / "bad.json"
    bad.write_text('{"version": "1.1",\n "data": [', encoding="utf-8")
    assert main(["squad", str(bad), str(pred)]) == 1
    err = capsys.readouterr().err
    assert str(bad) in err and "line 2" in err


def test_wrong_structure_names_file_and_record(files, tmp_path, capsys):
    data, _ = files
    pred = tmp_path / "pred_list.json"
    pred.write_text('["perro"]', encoding="utf-8")
    assert main(["squad", str(data), str(pred)]) == 1
    assert str(pred) in capsys.readouterr().err
    bad_pred = tmp_path / "pred_num.json"
    bad_pred.write_text('{"q1": 5}', encoding="utf-8")
    assert main(["squad", str(data), str(bad_pred)]) == 1
    err = capsys.readouterr().err
    assert str(bad_pred) in err and "'q1'" in err
