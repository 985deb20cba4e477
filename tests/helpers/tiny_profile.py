"""Overrides that shrink the smoke profile to a chain of real stages taking seconds.

One target language, hidden 32 and 2 layers, fp32, one fine-tuning seed: every stage of the
graph (data, pretrain, align, adjust, fine-tune, evaluate) runs for real, in seconds, for
fault and concurrency tests that need the whole pipeline rather than one function.
"""

from __future__ import annotations

TINY_OVERRIDES: tuple[str, ...] = (
    'languages=["es"]',
    'world.languages=["en","es"]',
    "world.n_mono=600",
    "world.n_parallel=140",
    "world.n_heldout=10",
    "world.n_nli_train=240",
    "world.n_nli_dev=10",
    "world.n_nli_test=20",
    "world.n_ner_train=10",
    "world.n_ner_dev=5",
    "world.n_ner_test=5",
    "world.n_qa_train=10",
    "world.n_qa_dev=5",
    "world.n_qa_test=5",
    "world.n_xsr=10",
    "model.vocab_size=300",
    "model.hidden_size=32",
    "model.num_hidden_layers=2",
    "model.intermediate_size=64",
    "model.max_position_embeddings=64",
    "pretrain.steps=80",
    "pretrain.batch_size=16",
    "pretrain.bf16=false",
    "pretrain.max_seq_length=32",
    "adjust.max_pairs=120",
    "adjust.batch_size=2",
    "adjust.bf16=false",
    "finetune.seeds=[1]",
    "finetune.bf16=false",
    "finetune.nli.num_train_epochs=1.0",
    "finetune.nli.batch_size=8",
    "finetune.nli.max_seq_length=48",
)
