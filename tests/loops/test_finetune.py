"""Fine-tuning through the Trainer: every task, determinism, resume, bf16, saving."""

from __future__ import annotations

import json
import math

import pytest
import toy

from repro.errors import ConfigError, DataError
from repro.loops.evaluate import evaluate_records
from repro.loops.finetune import (
    finetune,
    read_task_info,
    save_task_model,
    total_train_steps,
    training_arguments,
)
from repro.tasks import get_task
from repro.tasks.base import FeatureConfig


@pytest.fixture(autouse=True)
def _one_thread():
    import torch

    torch.set_num_threads(1)  # tiny models on a shared 2-core box: 2 threads thrash


FIELDS = {
    "nli": {"id", "lang", "label", "pred", "correct"},
    "ner": {"id", "lang", "tp", "n_pred", "n_gold", "pred_tags"},
    "qa": {"id", "lang", "paragraph_id", "prediction", "em", "f1", "em_mlqa", "f1_mlqa"},
}


@pytest.fixture(scope="module")
def encoder(tmp_path_factory):
    return toy.make_encoder(tmp_path_factory.mktemp("enc"))


def _train(name):
    return {"nli": toy.nli_records(24), "ner": toy.ner_records(24), "qa": toy.qa_records(24)}[name]


def _state(model):
    return {k: v.detach().clone() for k, v in model.state_dict().items()}


def _same(a, b):
    return a.keys() == b.keys() and all(bool((a[k] == b[k]).all()) for k in a)


@pytest.mark.parametrize("name", ["nli", "ner", "qa"])
def test_each_task_trains_and_evaluates(name, encoder, tmp_path):
    import torch

    from repro.model.io import load_encoder

    task = get_task(name)
    cfg = toy.train_config(max_seq_length=40)
    res = finetune(
        task, encoder, _train(name), cfg=cfg, seed=3, work_dir=tmp_path / "w", doc_stride=12
    )
    assert res.summary["steps"] == total_train_steps(res.summary["features"], cfg) == 3
    assert math.isfinite(res.summary["train_loss"])
    assert "task_loss" in res.log["log_history"][0]
    base, _ = load_encoder(encoder)
    emb = res.model.base_model.embeddings.word_embeddings.weight
    assert not torch.equal(emb, base.embeddings.word_embeddings.weight)  # it trained
    recs = {
        "nli": toy.nli_records(6, "es"),
        "ner": toy.ner_records(6, "es"),
        "qa": toy.qa_records(6, "en", "es"),
    }[name]
    preds, metrics = evaluate_records(
        task, res.model, res.tokenizer, recs, ecfg=toy.eval_config(), fcfg=FeatureConfig(40, 12)
    )
    assert [set(p) for p in preds] == [FIELDS[name]] * len(recs)
    assert 0.0 <= metrics[metrics["metric"]] <= 1.0 and metrics["n"] == len(recs)


def test_same_seed_same_weights_other_seed_differs(encoder, tmp_path):
    task = get_task("nli")
    cfg = toy.train_config()
    runs = [
        finetune(task, encoder, _train("nli"), cfg=cfg, seed=s, work_dir=tmp_path / f"w{i}")
        for i, s in enumerate((5, 5, 6))
    ]
    a, b, c = (_state(r.model) for r in runs)
    assert _same(a, b)
    assert not _same(a, c)
    assert runs[0].summary["train_loss"] == runs[1].summary["train_loss"]


class _Boom(Exception):
    pass


def _fail_at(step):
    from transformers import TrainerCallback

    class Fail(TrainerCallback):
        def on_step_end(self, args, state, control, **kwargs):
            if state.global_step == step:
                raise _Boom(f"injected failure at step {step}")

    return Fail()


def test_resume_after_failure_ends_with_the_same_weights(encoder, tmp_path):
    task = get_task("ner")
    cfg = toy.train_config(num_train_epochs=2.0)
    recs = _train("ner")  # 3 steps per epoch: the failure lands mid-epoch 2
    ref = finetune(task, encoder, recs, cfg=cfg, seed=2, work_dir=tmp_path / "ref", save_steps=2)
    with pytest.raises(_Boom):
        finetune(
            task,
            encoder,
            recs,
            cfg=cfg,
            seed=2,
            work_dir=tmp_path / "w",
            save_steps=2,
            callbacks=[_fail_at(5)],
        )
    assert (tmp_path / "w" / "checkpoints" / "checkpoint-4").is_dir()
    res = finetune(task, encoder, recs, cfg=cfg, seed=2, work_dir=tmp_path / "w", save_steps=2)
    assert res.summary["resumed_from"] == "checkpoint-4"
    assert res.summary["steps"] == ref.summary["steps"] == 6
    assert _same(_state(res.model), _state(ref.model))


def test_bf16_flag_runs_on_cpu(encoder, tmp_path):
    res = finetune(
        get_task("nli"),
        encoder,
        _train("nli"),
        cfg=toy.train_config(),
        seed=1,
        work_dir=tmp_path / "w",
        bf16=True,
        max_steps=2,
    )
    assert res.summary["steps"] == 2 and math.isfinite(res.summary["train_loss"])
    assert res.log["hyperparameters"]["bf16"] is True


def test_saved_task_model_round_trips(encoder, tmp_path):
    import torch

    from repro.model.io import load_encoder

    task = get_task("qa")
    res = finetune(
        task,
        encoder,
        _train("qa"),
        cfg=toy.train_config(max_seq_length=40),
        seed=1,
        work_dir=tmp_path / "w",
        doc_stride=12,
        max_steps=1,
    )
    out = save_task_model(
        res.model,
        res.tokenizer,
        tmp_path / "model",
        {"task": "qa", "max_seq_length": 40, "doc_stride": 12},
    )
    assert read_task_info(out)["task"] == "qa"
    loaded = task.load_model(out)
    feats = task.encode_eval(toy.qa_records(2), res.tokenizer, FeatureConfig(40, 12)).features
    ids = torch.tensor([feats[0]["input_ids"]])
    with torch.no_grad():
        a = res.model(input_ids=ids).start_logits
        b = loaded(input_ids=ids).start_logits
    assert torch.allclose(a, b)
    enc, _ = load_encoder(tmp_path)  # other stages read the encoder of a task model
    assert enc.config.hidden_size == res.model.config.hidden_size


def test_paper_optimiser_policy(tmp_path):
    args = training_arguments(
        toy.train_config(),
        output_dir=tmp_path,
        seed=1,
        bf16=False,
        device="cpu",
        label_names=["labels"],
        save_steps=5,
        logging_steps=1,
    )
    assert args.adam_epsilon == 1e-6 and args.lr_scheduler_type == "linear"
    assert args.warmup_steps == 0 and args.max_grad_norm == 0.0
    assert args.seed == args.data_seed == 1 and args.report_to in ([], "none", ["none"])
    with pytest.raises(ConfigError):
        training_arguments(
            toy.train_config(warmup_ratio=1.5),
            output_dir=tmp_path,
            seed=1,
            bf16=False,
            device="cpu",
            label_names=["labels"],
            save_steps=5,
            logging_steps=1,
        )


def test_no_training_records_is_a_data_error(encoder, tmp_path):
    with pytest.raises(DataError):
        finetune(get_task("nli"), encoder, [], cfg=toy.train_config(), seed=1, work_dir=tmp_path)


def test_train_log_is_json_serialisable(encoder, tmp_path):
    res = finetune(
        get_task("nli"),
        encoder,
        _train("nli"),
        cfg=toy.train_config(),
        seed=1,
        work_dir=tmp_path / "w",
        max_steps=2,
    )
    json.dumps(res.log)
    assert res.log["feature_config"]["max_seq_length"] == 48


def test_progress_is_logged_rate_limited_with_time_left(encoder, tmp_path, caplog, monkeypatch):
    import logging

    import repro.loops.finetune as F

    def lines():
        return [r.getMessage() for r in caplog.records if "steps/s" in r.getMessage()]

    task = get_task("nli")
    cfg = toy.train_config(max_seq_length=40)  # 3 steps, each logged (total // 50 -> 1)
    with caplog.at_level(logging.INFO, logger="repro.loops.finetune"):
        monkeypatch.setattr(F, "LOG_EVERY_S", 0.0)  # every logged step
        finetune(task, encoder, _train("nli"), cfg=cfg, seed=3, work_dir=tmp_path / "a")
        every = lines()
        caplog.clear()
        monkeypatch.setattr(F, "LOG_EVERY_S", 3600.0)  # only the first and the last step
        finetune(task, encoder, _train("nli"), cfg=cfg, seed=3, work_dir=tmp_path / "b")
        limited = lines()
    assert len(every) >= 3 and every[-1].startswith("step 3/3: ") and "s left" in every[0]
    assert [m.split(":")[0] for m in limited] == ["step 1/3", "step 3/3"]
