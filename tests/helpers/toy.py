"""Hand-made toy data and a tiny encoder for the task, finetune, evaluate and stage tests.

Not a test module: ``tests/helpers`` is on pytest's ``pythonpath`` (pyproject), so test files
``import toy`` (with ``--import-mode=importlib`` test directories are not importable packages).
"""

from __future__ import annotations

import random
from pathlib import Path

NAMES = ["Anna", "Boris", "Carla", "Dmitri", "Elena", "Farid", "Gita", "Hugo"]
PLACES = ["Paris", "Madrid", "Moscow", "Hanoi", "Delhi", "Lima"]
ORGS = ["Acme", "Globex", "Initech"]
OBJECTS = ["book", "apple", "car", "letter", "chair", "lamp"]
VERBS = ["sees", "buys", "finds", "sells"]
ES_OBJECTS = ["libro", "manzana", "coche", "carta", "silla", "lampara"]
ES_VERBS = ["ve", "compra", "encuentra", "vende"]


def texts() -> list[str]:
    """Tokenizer training text: every toy word, with a few repeats so merges happen."""
    words = (
        NAMES
        + PLACES
        + ORGS
        + OBJECTS
        + VERBS
        + ES_OBJECTS
        + ES_VERBS
        + [
            "the",
            "a",
            "in",
            "at",
            "works",
            "lives",
            "not",
            "yes",
            "maybe",
            "no",
            "who",
            "where",
            "what",
            "does",
            "did",
            "el",
            "la",
            "en",
            "?",
            ".",
            "quién",
            "dónde",
        ]
    )
    lines = [" ".join(words)]
    rng = random.Random(0)
    for _ in range(40):
        lines.append(" ".join(rng.choice(words) for _ in range(8)))
    return lines


def make_encoder(root: Path, *, seed: int = 0, hidden: int = 32, layers: int = 2) -> Path:
    """A random-init tiny encoder saved as ``<root>/encoder`` (the pretrain artifact layout)."""
    from repro.model.io import save_encoder
    from repro.model.tiny import tiny_test_model

    model, tok = tiny_test_model(texts(), hidden=hidden, layers=layers, vocab=200, seed=seed)
    save_encoder(model, tok, Path(root) / "encoder")
    return Path(root) / "encoder"


def nli_records(n: int = 48, lang: str = "en", seed: int = 0) -> list[dict]:
    """The label is spelled by a keyword in the hypothesis: learnable in a few steps."""
    rng = random.Random(seed)
    key = {"entailment": "yes", "neutral": "maybe", "contradiction": "no"}
    objs = OBJECTS if lang == "en" else ES_OBJECTS
    verbs = VERBS if lang == "en" else ES_VERBS
    out = []
    for i in range(n):
        label = ("entailment", "neutral", "contradiction")[i % 3]
        prem = f"{rng.choice(NAMES)} {rng.choice(verbs)} the {rng.choice(objs)}"
        hyp = f"{key[label]} {rng.choice(NAMES)} {rng.choice(verbs)}"
        out.append(
            {"id": f"nli-{i}", "lang": lang, "premise": prem, "hypothesis": hyp, "label": label}
        )
    return out


def ner_records(n: int = 40, lang: str = "en", seed: int = 0) -> list[dict]:
    rng = random.Random(seed)
    verbs = VERBS if lang == "en" else ES_VERBS
    out = []
    for i in range(n):
        toks, tags = [], []
        first = rng.choice(NAMES)
        if i % 2:
            toks += [first, rng.choice(NAMES)]
            tags += ["B-PER", "I-PER"]
        else:
            toks += [first]
            tags += ["B-PER"]
        toks += [rng.choice(verbs), "in", rng.choice(PLACES), "at", rng.choice(ORGS), "."]
        tags += ["O", "O", "B-LOC", "O", "B-ORG", "O"]
        out.append({"id": f"ner-{i}", "lang": lang, "tokens": toks, "tags": tags})
    return out


def qa_records(n: int = 40, q_lang: str = "en", c_lang: str = "en", seed: int = 0) -> list[dict]:
    """Context: two facts; question about one of them; answer: the place."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        a, b = rng.sample(NAMES, 2)
        pa, pb = rng.sample(PLACES, 2)
        if c_lang == "en":
            context = f"{a} lives in {pa} . {b} works in {pb} ."
        else:
            context = f"{a} vive en {pa} . {b} trabaja en {pb} ."
        ask_first = i % 2 == 0
        who, where = (a, pa) if ask_first else (b, pb)
        question = (
            (f"where does {who} live ?" if ask_first else f"where does {who} work ?")
            if q_lang == "en"
            else f"dónde {who} ?"
        )
        start = context.index(where)
        out.append(
            {
                "id": f"qa-{i}",
                "q_lang": q_lang,
                "c_lang": c_lang,
                "question": question,
                "context": context,
                "answers": [{"text": where, "answer_start": start}],
                "paragraph_id": f"p{i // 2}",
            }
        )
    return out


def pair_records(n: int = 30, seed: int = 0) -> list[dict]:
    """en-es parallel pairs with gold 1-to-1 links (identical names are linked too)."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        name = rng.choice(NAMES)
        k = rng.randrange(len(OBJECTS))
        v = rng.randrange(len(VERBS))
        src = f"{name} {VERBS[v]} the {OBJECTS[k]}"
        tgt = f"{name} {ES_VERBS[v]} el {ES_OBJECTS[k]}"
        out.append(
            {
                "id": f"pair-{i}",
                "src_lang": "en",
                "tgt_lang": "es",
                "src": src,
                "tgt": tgt,
                "alignment": [[1, 1], [2, 2], [3, 3]],
            }
        )
    return out


def train_config(**kw):
    from repro.config import TaskTrainConfig

    base = dict(learning_rate=1e-3, num_train_epochs=1.0, batch_size=8, max_seq_length=48)
    base.update(kw)
    return TaskTrainConfig(**base)


def eval_config(**kw):
    from repro.config import EvalConfig

    return EvalConfig(**{"batch_size": 8, **kw})


# -- artifact-store fixtures for the stage tests -----------------------------------------------
def write_task_bundle(root: Path):
    """A tiny bundle: English train/dev data for the three tasks and es / en-es eval sets."""
    from repro.data.bundle import Bundle, EvalSet, write_jsonl

    root = Path(root)
    bundle = Bundle(root=root, source="synthetic", languages=["en", "es"])
    train = {"nli": nli_records(24), "ner": ner_records(24), "qa": qa_records(24)}
    for task, recs in train.items():
        write_jsonl(root / f"{task}.train.jsonl", recs)
        bundle.train[task] = f"{task}.train.jsonl"
    write_jsonl(root / "nli.dev.jsonl", nli_records(9, seed=7))
    bundle.dev["nli"] = "nli.dev.jsonl"
    evals = [
        ("nli", "es", nli_records(12, "es", seed=2)),
        ("nli", "en", nli_records(9, seed=3)),
        ("ner", "es", ner_records(8, "es", seed=2)),
        ("qa", "en-es", qa_records(8, "en", "es", seed=2)),
    ]
    for task, lang, recs in evals:
        path = f"{task}.synthetic.{lang}.jsonl"
        write_jsonl(root / path, recs)
        bundle.eval.append(EvalSet(task=task, dataset="synthetic", lang=lang, path=path))
    bundle.save()
    return bundle


def stored_job(store, stage: str, config: dict, fill) -> object:
    """A Job whose artifact is written by hand (``fill(out_dir)``) unless already stored."""
    from repro.workflow.jobs import Job

    job = Job(stage, config)
    if store.get(stage, job.key) is None:
        with store.writer(stage, job.key, {"label": "test fixture"}) as out:
            fill(Path(out))
    return job


def finetune_config(
    task: str = "nli", *, seed: int = 1, continual=None, cl_langs=(), **train
) -> dict:
    from repro.configtools import to_dict

    return {
        "task": task,
        "train": to_dict(train_config(max_seq_length=40, **train)),
        "seed": seed,
        "bf16": False,
        "qa_doc_stride": 12,
        "continual": to_dict(continual) if continual is not None else None,
        "cl_langs": list(cl_langs),
        "pooling": "avg",
        "align_cls_sep": True,
    }
