"""NER: first-sub-word labelling, long-sentence splitting, word-level decoding and F1."""

from __future__ import annotations

import numpy as np
import pytest
import toy
from hypothesis import given
from hypothesis import strategies as st

from repro.metrics.spans import span_f1
from repro.records import NER_TAGS
from repro.tasks import ner
from repro.tasks.base import Encoded, FeatureConfig


@pytest.fixture(scope="module")
def tokenizer():
    from repro.model.tiny import train_wordpiece

    return train_wordpiece(toy.texts(), 200)


def _rec(tokens, tags, rid="s"):
    return {"id": rid, "lang": "en", "tokens": tokens, "tags": tags}


def test_label_sits_on_the_first_sub_word_only(tokenizer):
    rec = _rec(["Annaparis", "sees", "Paris", "Globexacme"], ["B-PER", "O", "B-LOC", "B-ORG"])
    pieces = [tokenizer.tokenize(w) for w in rec["tokens"]]
    assert len(pieces[0]) > 1 and len(pieces[3]) > 1  # the test needs multi-piece words
    (f,) = ner.encode_train([rec], tokenizer, FeatureConfig(max_seq_length=64))
    labels = f["labels"]
    assert f["input_ids"][0] == tokenizer.cls_token_id and labels[0] == -100
    assert f["input_ids"][-1] == tokenizer.sep_token_id and labels[-1] == -100
    pos = 1
    for word_pieces, tag in zip(pieces, rec["tags"], strict=True):
        assert labels[pos] == NER_TAGS.index(tag)
        assert labels[pos + 1 : pos + len(word_pieces)] == [-100] * (len(word_pieces) - 1)
        pos += len(word_pieces)
    assert pos == len(labels) - 1


def test_long_sentences_are_split_at_word_boundaries_and_lose_no_word(tokenizer):
    words = (["Anna", "sees", "Paris"] * 12)[:35]
    tags = (["B-PER", "O", "B-LOC"] * 12)[:35]
    rec = _rec(words, tags)
    enc = ner.encode_eval([rec], tokenizer, FeatureConfig(max_seq_length=12))
    assert len(enc.features) > 1
    assert all(len(f["input_ids"]) <= 12 for f in enc.features)
    covered = [w for _, _, ws in enc.meta for w in ws]
    assert covered == list(range(len(words)))
    # oracle logits at first sub-words reproduce the gold tags exactly
    logits = []
    for f, (_, positions, ws) in zip(enc.features, enc.meta, strict=True):
        lg = np.zeros((len(f["input_ids"]), len(NER_TAGS)))
        for p, w in zip(positions, ws, strict=True):
            lg[p, NER_TAGS.index(tags[w])] = 5.0
        logits.append(lg)
    (pred,) = ner.decode([rec], enc, {"logits": logits}, toy.eval_config())
    assert pred["pred_tags"] == tags
    n_entities = sum(t.startswith("B-") for t in tags)
    assert pred["tp"] == pred["n_gold"] == pred["n_pred"] == n_entities


@given(st.lists(st.integers(0, 6), min_size=1, max_size=30), st.integers(1, 8))
def test_chunks_cover_every_word_once_within_budget(counts, budget):
    pieces = [[7] * c for c in counts]
    spans = ner._chunks(pieces, budget)
    assert spans[0][0] == 0 and spans[-1][1] == len(pieces)
    for (a, b), (c, _) in zip(spans, spans[1:], strict=False):
        assert b == c and a < b
    for a, b in spans:
        assert sum(min(len(p), budget) for p in pieces[a:b]) <= budget or b - a == 1


def test_words_without_sub_words_are_predicted_O(tokenizer):
    rec = _rec(["Anna", "\u200b", "Paris"], ["B-PER", "B-LOC", "B-LOC"])
    enc = ner.encode_eval([rec], tokenizer, FeatureConfig(max_seq_length=16))
    assert enc.meta[0][2] == [0, 2]  # the zero-width word has no first sub-word
    lg = np.full((len(enc.features[0]["input_ids"]), len(NER_TAGS)), 0.0)
    lg[:, NER_TAGS.index("B-LOC")] = 1.0
    (pred,) = ner.decode([rec], enc, {"logits": [lg]}, toy.eval_config())
    assert pred["pred_tags"] == ["B-LOC", "O", "B-LOC"]
    assert (pred["tp"], pred["n_pred"], pred["n_gold"]) == (1, 2, 3)


def test_corpus_f1_from_summed_counts_matches_span_f1(tokenizer):
    recs = toy.ner_records(10)
    enc = ner.encode_eval(recs, tokenizer, FeatureConfig(max_seq_length=32))
    rng = np.random.default_rng(0)
    logits = [rng.normal(size=(len(f["input_ids"]), len(NER_TAGS))) for f in enc.features]
    ecfg = toy.eval_config()
    preds = ner.decode(recs, enc, {"logits": logits}, ecfg)
    m = ner.score(preds, recs, ecfg)
    expected = span_f1([r["tags"] for r in recs], [p["pred_tags"] for p in preds])
    assert m["f1"] == pytest.approx(expected)
    assert set(preds[0]) == {"id", "lang", "tp", "n_pred", "n_gold", "pred_tags"}


def test_all_O_is_collapsed(tokenizer):
    recs = toy.ner_records(6)
    enc = ner.encode_eval(recs, tokenizer, FeatureConfig(max_seq_length=32))
    logits = [np.tile(np.eye(len(NER_TAGS))[0], (len(f["input_ids"]), 1)) for f in enc.features]
    ecfg = toy.eval_config()
    m = ner.score(ner.decode(recs, enc, {"logits": logits}, ecfg), recs, ecfg)
    assert m["f1"] == 0.0 and m["chance"] == 0.0 and m["collapsed"]


def test_empty_meta_encoded_is_all_O():
    rec = _rec(["a"], ["B-PER"])
    assert ner.predicted_tags([rec], Encoded(features=[], meta=[]), []) == [["O"]]


@pytest.mark.parametrize("lang", ["en", "hi", "vi"])
def test_real_wikiann_oracle_first_sub_word_decoding_is_exact(data_dir, lang):
    from repro.data.local import load_wikiann
    from repro.model.tiny import train_wordpiece

    recs = load_wikiann(data_dir, lang, "test")[:200]
    tok = train_wordpiece([" ".join(r["tokens"]) for r in recs], 1500)
    fcfg = FeatureConfig(max_seq_length=24)
    train = ner.encode_train(recs, tok, fcfg)
    enc = ner.encode_eval(recs, tok, fcfg)
    logits = []
    for f in train:  # the training labels as logits: decoding must give the gold tags back
        lg = np.zeros((len(f["labels"]), len(NER_TAGS)))
        for i, lab in enumerate(f["labels"]):
            if lab >= 0:
                lg[i, lab] = 1.0
        logits.append(lg)
    preds = ner.decode(recs, enc, {"logits": logits}, toy.eval_config())
    with_pieces = [all(tok.tokenize(w) for w in r["tokens"]) for r in recs]
    for p, r, ok in zip(preds, recs, with_pieces, strict=True):
        if ok:
            assert p["pred_tags"] == r["tags"]
    assert sum(with_pieces) >= 0.9 * len(recs)
