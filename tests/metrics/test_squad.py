from __future__ import annotations

import pytest

from repro.errors import ConfigError, DataError
from repro.metrics.squad import (
    exact_match,
    f1,
    get_normalizer,
    normalize_mlqa,
    normalize_squad,
    score_questions,
    score_squad,
)


def _dataset(questions):
    """SQuAD-format dict; questions: list of (paragraph_index, id, [gold texts])."""
    paragraphs = {}
    for p, qid, golds in questions:
        paragraphs.setdefault(p, []).append(
            {"id": qid, "question": "?", "answers": [{"text": g, "answer_start": 0} for g in golds]}
        )
    return {
        "version": "1.1",
        "data": [
            {
                "title": "t",
                "paragraphs": [
                    {"context": "c", "qas": qas} for _, qas in sorted(paragraphs.items())
                ],
            }
        ],
    }


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The Cat!", "cat"),
        ("an apple a day", "apple day"),
        ("theatre", "theatre"),  # articles only as whole words
        ("U.S.A.", "usa"),
        ("  many\tspaces \n here ", "many spaces here"),
        ("¿Los niños?", "¿los niños"),  # only ASCII punctuation, English articles only
        ("राम।", "राम।"),  # the Hindi danda is not ASCII punctuation
    ],
)
def test_squad_normaliser(text, expected):
    assert normalize_squad(text) == expected


@pytest.mark.parametrize(
    ("text", "lang", "expected"),
    [
        ("¿Los niños, el perro!", "es", "niños perro"),
        ("unas casas", "es", "casas"),
        ("«The» end", "en", "end"),
        ("của tôi là những cái nhà", "vi", "tôi nhà"),
        ("các bạn", "vi", "các bạn"),  # 'các' is not in MLQA's list
        ("राम। सीता", "hi", "राम सीता"),  # danda is Unicode punctuation; Hindi has no articles
        ("a$b", "hi", "ab"),  # ASCII '$' (a symbol, not category P) is still removed
        ("北京大学, ok", "zh", "北 京 大 学 ok"),
        ("الكتاب", "ar", "كتاب"),
    ],
)
def test_mlqa_normaliser(text, lang, expected):
    assert normalize_mlqa(text, lang) == expected


def test_mlqa_unknown_language_is_a_config_error():
    with pytest.raises(ConfigError, match="'xx'"):
        get_normalizer("mlqa", "xx")
    # an XQuAD/TyDiQA language without MLQA rules: punctuation and case only, no word dropped
    assert get_normalizer("mlqa", "ru")("«Это» книга, the end.") == "это книга the end"
    with pytest.raises(ConfigError, match="lang"):
        get_normalizer("mlqa")
    with pytest.raises(ConfigError, match="mode"):
        get_normalizer("bleu")


def test_em_and_f1_take_the_best_gold():
    golds = ["Paris, France", "Paris"]
    assert exact_match("paris", golds) == 1.0
    assert f1("paris", golds) == 1.0
    assert exact_match("in Paris", golds) == 0.0
    # 'in paris' vs 'paris': P=1/2, R=1 -> 2/3 ; vs 'paris france': P=1/2, R=1/2 -> 1/2
    assert f1("in Paris", golds) == pytest.approx(2 / 3)


def test_f1_hand_case_with_articles_and_repeated_tokens():
    # pred -> [big, red, dog, dog]; gold -> [red, dog, barked]; overlap 2
    assert f1("The big red dog dog", ["a red dog barked"]) == pytest.approx(
        2 * (2 / 4) * (2 / 3) / (2 / 4 + 2 / 3)
    )


def test_empty_prediction_and_empty_normalised_gold_follow_the_script():
    assert exact_match("", ["Paris"]) == 0.0 and f1("", ["Paris"]) == 0.0
    # gold normalises to empty: EM is 1 but F1 is 0 (no overlapping token), as in the script
    assert exact_match("", ["The"]) == 1.0 and f1("", ["The"]) == 0.0


def test_mlqa_and_squad_disagree_on_spanish_articles():
    es = get_normalizer("mlqa", "es")
    assert exact_match("el perro", ["perro"], normalizer=es) == 1.0
    assert exact_match("el perro", ["perro"]) == 0.0


def test_score_squad_percentages_and_missing_predictions():
    data = _dataset([(0, "q1", ["Paris"]), (0, "q2", ["red dog"]), (1, "q3", ["blue"])])
    preds = {"q1": "Paris", "q2": "a red cat", "extra": "ignored"}
    scores = score_squad(data, preds)
    # q1 EM1 F1 1; q2 EM0, F1: [red, cat] vs [red, dog] -> 1/2; q3 missing -> 0
    assert scores["exact_match"] == pytest.approx(100 / 3)
    assert scores["f1"] == pytest.approx(100 * 1.5 / 3)
    per_q = score_questions(data, preds)
    assert per_q.ids == ("q1", "q2", "q3")
    assert per_q.paragraph_ids == ("0:0", "0:0", "0:1")
    assert per_q.em.tolist() == [1.0, 0.0, 0.0]
    assert per_q.n_missing == 1


def test_score_squad_mlqa_mode():
    data = _dataset([(0, "q1", ["el perro"])])
    assert score_squad(data, {"q1": "perro"}, mode="mlqa", lang="es")["exact_match"] == 100.0
    assert score_squad(data, {"q1": "perro"})["exact_match"] == 0.0


@pytest.mark.parametrize(
    ("data", "preds", "match"),
    [
        ({"data": "x"}, {}, "'data' list"),
        ({"data": [{"paragraphs": [{"qas": [{"id": "q", "answers": []}]}]}]}, {}, "'q'.*answers"),
        ({"data": [{"paragraphs": [{"qas": [{"answers": [{"text": "a"}]}]}]}]}, {}, "string 'id'"),
        ({"data": []}, {}, "no questions"),
        (_dataset([(0, "q1", ["a"])]), {"q1": 3}, "'q1'.*string"),
        (_dataset([(0, "q1", ["a"])]), ["a"], "JSON object"),
    ],
)
def test_bad_structures_raise_data_errors(data, preds, match):
    with pytest.raises(DataError, match=match):
        score_questions(data, preds)


def test_empty_gold_list_is_an_error():
    with pytest.raises(DataError):
        exact_match("a", [])
