from __future__ import annotations

import json
import logging
import random
from pathlib import Path

import pytest
import torch

from repro.cache import ArtifactStore
from repro.config import ModelConfig, PretrainConfig
from repro.configtools import to_dict
from repro.data.bundle import Bundle, write_text_lines
from repro.errors import DataError, ReproError
from repro.loops import mlm_batches as mb
from repro.loops import pretrain as mlm
from repro.model.io import load_encoder
from repro.model.tiny import train_wordpiece
from repro.stages import pretrain as pt
from repro.workflow.jobs import Job, execute_job

# A toy grammar per script: determiner noun verb (number) noun, so MLM has something to learn.
LEXICONS = {
    "en": ("the a this", "cat dog house river book tree", "sees eats finds takes"),
    "es": ("el la una", "niño señora año corazón pequeña ciudad", "comió está vió tomó"),
    "ru": ("этот тот", "мир книга столица город дом река", "видит ест берёт живёт"),
    "vi": ("một những", "người sách ngôn ngữ buổi sáng", "đọc thường thấy ăn"),
    "hi": ("यह वह", "दुनिया किताबें राजधानी लोग घर नदी", "देखता खाता लेता रहते"),
}
TINY_MODEL = ModelConfig(
    vocab_size=400,
    hidden_size=32,
    num_hidden_layers=2,
    num_attention_heads=2,
    intermediate_size=64,
    max_position_embeddings=64,
)


def _sentences(lang: str, n: int, seed: int) -> list[str]:
    rng = random.Random(f"{lang}-{seed}")
    det, noun, verb = (x.split() for x in LEXICONS[lang])
    out = []
    for _ in range(n):
        words = [rng.choice(det), rng.choice(noun), rng.choice(verb)]
        if rng.random() < 0.3:
            words.append(str(rng.randint(2, 9)))
        words.append(rng.choice(noun))
        out.append(" ".join(words) + " .")
    return out


def write_mono_bundle(root: Path, n: int = 300) -> Bundle:
    bundle = Bundle(root=root, source="synthetic", languages=list(LEXICONS))
    for lang in LEXICONS:
        write_text_lines(root / f"mono.{lang}.txt", _sentences(lang, n, 0))
        bundle.mono[lang] = f"mono.{lang}.txt"
    bundle.save()
    return bundle


def _data_job(store: ArtifactStore) -> Job:
    job = Job("data", {"fixture": "tests/stages/test_pretrain.py tiny mono"})
    if store.get("data", job.key) is None:
        with store.writer("data", job.key, {"label": "fixture"}) as out:
            write_mono_bundle(out)
    return job


def _pretrain_job(data: Job, steps: int = 30, **over) -> Job:
    cfg = PretrainConfig(
        **{
            "steps": steps,
            "batch_size": 16,
            "learning_rate": 3e-3,
            "warmup_ratio": 0.1,
            "max_seq_length": 32,
            "bf16": False,
            **over,
        }
    )
    return Job("pretrain", {"model": to_dict(TINY_MODEL), "pretrain": to_dict(cfg)}, {"data": data})


@pytest.fixture(autouse=True)
def _one_thread():
    # tiny models on a shared 2-core box: 2 OpenMP threads under contention are ~20x slower
    torch.set_num_threads(1)


def _state(path: Path) -> dict[str, torch.Tensor]:
    model, _ = load_encoder(path)
    return model.state_dict()


# -- units -------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def corpus_and_tok():
    corpora = {lang: _sentences(lang, 200, 1) for lang in LEXICONS}
    tok = train_wordpiece(pt.tokenizer_sample(corpora, 100, 0), 300)
    return corpora, tok, mb.encode_corpus(tok, corpora, 16)


def test_encode_corpus_matches_tokenizer(corpus_and_tok):
    corpora, tok, corpus = corpus_and_tok
    assert corpus.langs == sorted(corpora)
    assert corpus.lang_size.tolist() == [200] * 5
    i = int(corpus.lang_offset[corpus.langs.index("hi")]) + 7
    expected = tok(corpora["hi"][7].split(), is_split_into_words=True)["input_ids"]
    a, n = int(corpus.starts[i]), int(corpus.lengths[i])
    assert corpus.tokens[a : a + n].tolist() == expected


def test_encode_truncates_like_the_tokenizer(corpus_and_tok):
    corpora, tok, _ = corpus_and_tok
    corpora = {**corpora, "vi": corpora["vi"] + ["Nguyễn??? ngôn,ngữ xyzzy " * 5]}
    short = mb.encode_corpus(tok, corpora, 5)
    assert int(short.lengths.max()) == 5
    assert short.tokens[short.starts + short.lengths - 1].eq(tok.sep_token_id).all()
    for lang in ("vi", "hi"):
        a0 = int(short.lang_offset[short.langs.index(lang)])
        for i, line in enumerate(corpora[lang]):
            want = tok(line.split(), is_split_into_words=True, truncation=True, max_length=5)[
                "input_ids"
            ]
            a, n = int(short.starts[a0 + i]), int(short.lengths[a0 + i])
            assert short.tokens[a : a + n].tolist() == want, line


def test_batches_are_language_balanced_and_padded(corpus_and_tok):
    _, tok, corpus = corpus_and_tok
    gen = torch.Generator().manual_seed(0)
    for _ in range(5):
        ids, valid = mb.sample_batch(corpus, 64, gen, tok.pad_token_id)
        assert (ids[~valid] == tok.pad_token_id).all()
        assert (ids[:, 0] == tok.cls_token_id).all()
        last = valid.sum(1) - 1
        assert (ids[torch.arange(64), last] == tok.sep_token_id).all()
        assert ids.shape[1] == int(last.max()) + 1  # dynamic padding
    # a skewed corpus (one language 10x larger) still gives each language ~1/5 of the rows
    skewed = {lang: _sentences(lang, 500 if lang == "en" else 50, 2) for lang in LEXICONS}
    corpus = mb.encode_corpus(tok, skewed, 16)
    sent = mb.sample_sentences(corpus, 20_000, gen)
    lang = torch.bucketize(sent, corpus.lang_offset, right=True) - 1
    share = torch.bincount(lang, minlength=5) / len(sent)
    assert share.min() > 0.18 and share.max() < 0.22, share
    en = corpus.langs.index("en")
    picked = sent[lang == en] - corpus.lang_offset[en]
    assert len(picked.unique()) > 450  # uniform within a language


def test_packed_rows_hold_one_language_and_are_cut_with_a_sep(corpus_and_tok):
    _, tok, corpus = corpus_and_tok
    gen = torch.Generator().manual_seed(0)
    ids, valid = mb.sample_packed(corpus, 64, gen, tok.pad_token_id, 4, 24)
    assert ids.shape[0] == 16 and ids.shape[1] <= 24
    assert (ids[:, 0] == tok.cls_token_id).all() and (ids[~valid] == tok.pad_token_id).all()
    last = valid.sum(1) - 1
    assert (ids[torch.arange(16), last] == tok.sep_token_id).all()
    assert ((ids == tok.cls_token_id).sum(1) == 1).all()  # one [CLS] a row, [SEP] between
    seps = (ids == tok.sep_token_id).sum(1)
    assert (seps >= 2).all() and (seps <= 4).all()
    # every row's tokens come from one language's block of sentences
    owner = {}
    for li, lang in enumerate(corpus.langs):
        a = int(corpus.starts[int(corpus.lang_offset[li])])
        end_i = int(corpus.lang_offset[li] + corpus.lang_size[li]) - 1
        b = int(corpus.starts[end_i] + corpus.lengths[end_i])
        for t in corpus.tokens[a:b].unique().tolist():
            owner.setdefault(t, set()).add(lang)
    specials = {tok.cls_token_id, tok.sep_token_id, tok.pad_token_id}
    for r in range(16):
        langs = [owner[t] for t in ids[r][valid[r]].tolist() if t not in specials]
        assert set.intersection(*langs), f"row {r} mixes languages"
    # same generator state, same batch (determinism)
    again = mb.sample_packed(corpus, 64, torch.Generator().manual_seed(0), tok.pad_token_id, 4, 24)
    assert torch.equal(again[0], ids)


def test_packing_off_keeps_the_encoder_key():
    from repro.config import resolve
    from repro.workflow.graph import Graph

    base = Graph(resolve("smoke")).encoder()
    assert "sentences_per_row" not in base.config["pretrain"]
    packed = Graph(resolve("smoke", overrides=("pretrain.sentences_per_row=4",))).encoder()
    assert packed.config["pretrain"]["sentences_per_row"] == 4 and packed.key != base.key


def test_masking_rates_and_specials(corpus_and_tok):
    _, tok, corpus = corpus_and_tok
    special = mb.SpecialIds.of(tok)
    gen = torch.Generator().manual_seed(1)
    n_cand = n_chosen = n_mask = n_keep = 0
    for _ in range(30):
        ids, valid = mb.sample_batch(corpus, 64, gen, special.pad)
        out, chosen, labels = mb.mask_tokens(ids, valid, special, 0.15, gen)
        assert torch.equal(labels, ids[chosen])
        assert not chosen[:, 0].any() and not chosen[~valid].any()
        assert not chosen[ids == special.sep].any()
        assert torch.equal(out[~chosen], ids[~chosen])
        assert (
            (out[chosen] > max(special.pad, special.cls, special.sep, special.mask, special.unk))
            .logical_or(out[chosen] == special.mask)
            .all()
        )
        cand = valid & (ids != special.cls) & (ids != special.sep)
        n_cand += int(cand.sum())
        n_chosen += int(chosen.sum())
        n_mask += int((out[chosen] == special.mask).sum())
        n_keep += int((out[chosen] == ids[chosen]).sum())
    assert 0.13 < n_chosen / n_cand < 0.17
    assert 0.76 < n_mask / n_chosen < 0.84
    assert 0.07 < n_keep / n_chosen < 0.14  # 10% kept + random draws of the same token


def test_tokenizer_sample_is_seeded_and_balanced():
    corpora = {"en": [f"e{i}" for i in range(50)], "ru": [f"r{i}" for i in range(8)]}
    a = pt.tokenizer_sample(corpora, 10, 3)
    assert a == pt.tokenizer_sample(corpora, 10, 3)
    assert a != pt.tokenizer_sample(corpora, 10, 4)
    assert sum(s.startswith("e") for s in a) == 10 and sum(s.startswith("r") for s in a) == 8


def test_read_mono_errors(tmp_path):
    bundle = write_mono_bundle(tmp_path, n=5)
    assert len(pt.read_mono(bundle)["vi"]) == 5
    (tmp_path / "mono.ru.txt").write_text("\n  \n", encoding="utf-8")
    with pytest.raises(DataError, match="mono.ru.txt"):
        pt.read_mono(bundle)
    (tmp_path / "mono.ru.txt").write_bytes(b"ok line\n\xff\xfe bad\n")
    with pytest.raises(DataError, match="line 2"):
        pt.read_mono(bundle)
    (tmp_path / "mono.ru.txt").write_text("мир\n", encoding="utf-8")
    del bundle.mono["hi"]
    with pytest.raises(DataError, match="mono.hi"):
        pt.read_mono(bundle)
    bundle.mono["hi"] = "missing.txt"
    with pytest.raises(DataError, match="missing.txt"):
        pt.read_mono(bundle)


# -- the stage ---------------------------------------------------------------------------------
def test_pretrain_stage_end_to_end(tmp_path, monkeypatch, caplog):
    store = ArtifactStore(tmp_path / "store")
    job = _pretrain_job(_data_job(store))
    with caplog.at_level(logging.INFO, logger="repro.loops.pretrain"):
        execute_job(job, str(store.root), device="cpu", torch_threads=1)
    # progress reaches INFO logs (no tqdm bar in a Slurm log): ~10 lines, the last at the end
    progress = [r.getMessage() for r in caplog.records if "steps/s" in r.getMessage()]
    assert 3 <= len(progress) <= 11 and progress[-1].startswith("pretrain step 30/30")
    art = store.get("pretrain", job.key)
    assert art is not None
    assert {"encoder/model.safetensors", "encoder/tokenizer.json", "mlm_curve.json"} <= set(
        art.manifest["files"]
    )
    summary = art.manifest["summary"]
    assert summary["steps"] == 30 and summary["resumed_from"] == 0
    curve = json.loads((art.path / "mlm_curve.json").read_text())["points"]
    assert curve[-1]["step"] == 30
    assert curve[-1]["loss"] < curve[0]["loss"] - 0.5
    assert summary["final_loss"] == curve[-1]["loss"]
    model, tok = load_encoder(art.path)
    assert model.config.hidden_size == 32 and model.config.vocab_size == len(tok) <= 400
    assert tok.decode(tok("किताबें ngôn")["input_ids"], skip_special_tokens=True) == "किताबें ngôn"
    assert not (store.root / ".work" / f"pretrain-{job.key[:32]}").exists()
    # second run: cache hit, the stage is not called again
    monkeypatch.setattr(pt, "pretrain_mlm", _boom)
    assert execute_job(job, str(store.root), device="cpu", torch_threads=1) == job.key
    assert store.get("pretrain", job.key).manifest["summary"] == summary


def _boom(*a, **k):
    raise AssertionError("cached artifact was recomputed")


class Killed(RuntimeError):
    pass


def test_killed_run_resumes_to_identical_weights(tmp_path, monkeypatch):
    straight = ArtifactStore(tmp_path / "a")
    job_a = _pretrain_job(_data_job(straight), steps=20)
    execute_job(job_a, str(straight.root), device="cpu", torch_threads=1)

    resumed = ArtifactStore(tmp_path / "b")
    job_b = _pretrain_job(_data_job(resumed), steps=20)
    assert job_b.key == job_a.key
    real = mlm.pretrain_mlm

    def killed_at_12(*args, **kwargs):
        kwargs["checkpoint_every"] = 5

        def on_step(step: int) -> None:
            if step == 12:
                raise Killed

        return real(*args, **kwargs, on_step=on_step)

    monkeypatch.setattr(pt, "pretrain_mlm", killed_at_12)
    with pytest.raises(Killed):
        execute_job(job_b, str(resumed.root), device="cpu", torch_threads=1)
    assert resumed.get("pretrain", job_b.key) is None
    assert (resumed.root / ".work" / f"pretrain-{job_b.key[:32]}" / mlm.CHECKPOINT_FILE).is_file()
    monkeypatch.setattr(pt, "pretrain_mlm", lambda *a, **k: real(*a, **k, checkpoint_every=5))
    execute_job(job_b, str(resumed.root), device="cpu", torch_threads=1)
    art_a, art_b = straight.get("pretrain", job_a.key), resumed.get("pretrain", job_b.key)
    assert art_b.manifest["summary"]["resumed_from"] == 10
    sa, sb = _state(art_a.path), _state(art_b.path)
    assert sa.keys() == sb.keys()
    assert all(torch.equal(sa[k], sb[k]) for k in sa)
    assert (art_a.path / "mlm_curve.json").read_text() == (
        art_b.path / "mlm_curve.json"
    ).read_text()


def test_checkpoint_for_other_budget_is_refused(tmp_path, corpus_and_tok):
    from transformers import BertConfig, BertForMaskedLM

    _, tok, corpus = corpus_and_tok
    cfg = PretrainConfig(steps=4, batch_size=4, bf16=False)
    model = BertForMaskedLM(
        BertConfig(
            vocab_size=len(tok),
            hidden_size=16,
            num_hidden_layers=1,
            num_attention_heads=2,
            intermediate_size=32,
        )
    )
    mlm.pretrain_mlm(model, corpus, mb.SpecialIds.of(tok), cfg, work_dir=tmp_path)
    with pytest.raises(ReproError, match="checkpoint is for 4 steps"):
        mlm.pretrain_mlm(
            model,
            corpus,
            mb.SpecialIds.of(tok),
            PretrainConfig(steps=6, batch_size=4, bf16=False),
            work_dir=tmp_path,
        )


def test_hub_model_from_local_dir(tmp_path):
    from repro.model.tiny import tiny_test_model

    base, tok = tiny_test_model(seed=3)
    src = tmp_path / "local-bert"
    base.save_pretrained(src)
    tok.save_pretrained(src)
    store = ArtifactStore(tmp_path / "store")
    job = Job("hub_model", {"model": {"source": "hub", "name": str(src)}})
    execute_job(job, str(store.root), device="cpu", torch_threads=1)
    art = store.get("hub_model", job.key)
    got = _state(art.path)
    want = base.state_dict()
    assert got.keys() == want.keys() and all(torch.equal(got[k], want[k]) for k in want)


def test_hub_model_missing_offline_is_clear(tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    store = ArtifactStore(tmp_path / "store")
    job = Job(
        "hub_model", {"model": {"source": "hub", "name": "repro-tests/definitely-not-cached-model"}}
    )
    with pytest.raises(ReproError, match="HF cache"):
        execute_job(job, str(store.root), device="cpu", torch_threads=1)


def test_contiguous_rows_are_whole_documents(corpus_and_tok):
    _, tok, corpus = corpus_and_tok
    gen = torch.Generator().manual_seed(1)
    starts = set()
    for _ in range(20):
        state = gen.get_state()
        ids, valid = mb.sample_packed(corpus, 32, gen, tok.pad_token_id, 4, 200, contiguous=True)
        # replay the draw to recover the sentence indices and rebuild each row from them
        g2 = torch.Generator()
        g2.set_state(state)
        lang = torch.randint(len(corpus.langs), (8,), generator=g2)
        u = torch.rand(8, 1, generator=g2, dtype=torch.float64)
        for r in range(8):
            size = int(corpus.lang_size[lang[r]])
            first = min(int(u[r, 0] * (size // 4)), size // 4 - 1) * 4
            starts.add(first)
            a0 = int(corpus.lang_offset[lang[r]])
            want = []
            for k in range(4):
                i = a0 + first + k
                a, n = int(corpus.starts[i]), int(corpus.lengths[i])
                want += corpus.tokens[a : a + n].tolist()[0 if k == 0 else 1 :]
            assert ids[r][valid[r]].tolist() == want
    assert all(s % 4 == 0 for s in starts) and len(starts) > 20
