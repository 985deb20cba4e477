from __future__ import annotations

import json

import pytest
import torch
from transformers import (
    BertForMaskedLM,
    BertForQuestionAnswering,
    BertForSequenceClassification,
    BertForTokenClassification,
)

from repro.errors import ArtifactError
from repro.model.io import find_model_dir, load_encoder, load_tokenizer, save_encoder
from repro.model.tiny import tiny_test_model

SENTS = ["Nguyễn thường đọc sách", "नमस्ते दुनिया", "Москва — столица", "El niño comió"]


@pytest.fixture(scope="module")
def tiny():
    return tiny_test_model(seed=1)


def _hidden(model, tok):
    enc = tok(SENTS, padding=True, return_tensors="pt")
    with torch.no_grad():
        out = model(**enc)
    return out.last_hidden_state, out.pooler_output


def test_save_load_round_trip_identical(tiny, tmp_path):
    model, tok = tiny
    save_encoder(model, tok, tmp_path / "encoder")
    assert (tmp_path / "encoder" / "model.safetensors").is_file()
    assert (tmp_path / "encoder" / "tokenizer.json").is_file()
    assert not list(tmp_path.glob(".encoder*")), "temp dir left behind"
    m2, t2 = load_encoder(tmp_path)
    assert not m2.training
    assert t2("Tiếng नमस्ते")["input_ids"] == tok("Tiếng नमस्ते")["input_ids"]
    h1, p1 = _hidden(model, tok)
    h2, p2 = _hidden(m2, t2)
    assert torch.equal(h1, h2) and torch.equal(p1, p2)


def test_save_overwrites_existing_dir(tiny, tmp_path):
    model, tok = tiny
    save_encoder(model, tok, tmp_path / "encoder")
    other, _ = tiny_test_model(seed=2)
    save_encoder(other, tok, tmp_path / "encoder")
    m2, _ = load_encoder(tmp_path / "encoder")
    assert torch.equal(
        m2.embeddings.word_embeddings.weight, other.embeddings.word_embeddings.weight
    )


def test_find_model_dir_prefers_encoder(tiny, tmp_path):
    model, tok = tiny
    save_encoder(model, tok, tmp_path / "model")
    assert find_model_dir(tmp_path) == tmp_path / "model"
    save_encoder(model, tok, tmp_path / "encoder")
    assert find_model_dir(tmp_path) == tmp_path / "encoder"
    assert find_model_dir(tmp_path / "model") == tmp_path / "model"


def test_missing_model_is_artifact_error(tmp_path):
    (tmp_path / "encoder").mkdir()
    (tmp_path / "encoder" / "config.json").write_text("{}")
    with pytest.raises(ArtifactError, match="no model found"):
        load_encoder(tmp_path)
    with pytest.raises(ArtifactError):
        load_tokenizer(tmp_path / "nowhere")


@pytest.mark.parametrize(
    "head",
    [
        BertForSequenceClassification,
        BertForTokenClassification,
        BertForQuestionAnswering,
        BertForMaskedLM,
    ],
)
def test_load_encoder_from_task_model(tiny, tmp_path, head):
    base, tok = tiny
    torch.manual_seed(0)
    task = head(base.config)
    task.bert.load_state_dict(base.state_dict(), strict=False)
    task.eval()
    out = tmp_path / "model"
    task.save_pretrained(out)
    tok.save_pretrained(out)
    assert json.loads((out / "config.json").read_text())["architectures"] == [head.__name__]
    enc_model, enc_tok = load_encoder(tmp_path)
    again, _ = load_encoder(tmp_path)
    h_task = task.bert(**tok(SENTS, padding=True, return_tensors="pt")).last_hidden_state
    h_enc, _ = _hidden(enc_model, enc_tok)
    assert torch.equal(h_task, h_enc)
    # no randomly initialised pooler: two loads are identical module for module
    sd1, sd2 = enc_model.state_dict(), again.state_dict()
    assert sd1.keys() == sd2.keys() and all(torch.equal(sd1[k], sd2[k]) for k in sd1)
    assert (enc_model.pooler is not None) == (task.bert.pooler is not None)


def test_save_encoder_strips_head(tiny, tmp_path):
    base, tok = tiny
    task = BertForSequenceClassification(base.config)
    save_encoder(task, tok, tmp_path / "encoder")
    cfg = json.loads((tmp_path / "encoder" / "config.json").read_text())
    assert cfg["architectures"] == ["BertModel"]


def test_load_is_quiet(tiny, tmp_path, capfd):
    model, tok = tiny
    task = BertForQuestionAnswering(model.config)
    task.save_pretrained(tmp_path / "model")
    tok.save_pretrained(tmp_path / "model")
    capfd.readouterr()
    save_encoder(model, tok, tmp_path / "encoder")
    load_encoder(tmp_path / "model")
    out, err = capfd.readouterr()
    assert "Loading weights" not in err and "Writing" not in err and "LOAD REPORT" not in err


@pytest.mark.parametrize("lowercase", [False, True])
def test_tokenizer_reload_keeps_normaliser(tmp_path, lowercase):
    from repro.model.tiny import DEFAULT_TEXTS, train_wordpiece

    tok = train_wordpiece(list(DEFAULT_TEXTS), 300, lowercase=lowercase)
    model, _ = tiny_test_model(vocab=len(tok))
    save_encoder(model, tok, tmp_path / "encoder")
    again = load_tokenizer(tmp_path)
    text = "Tiếng Việt नमस्ते Москва"
    assert again(text)["input_ids"] == tok(text)["input_ids"]
    expected = text.lower() if lowercase else text
    assert again.decode(again(text)["input_ids"], skip_special_tokens=True) == expected
