"""Benchmarks of the task loops: ``eval_bucketed_vs_fixed`` and ``continual_vs_plain``.

Both use the smoke model shape (hidden 128, 4 layers, vocabulary 2,500; random init: speed does
not depend on the weights) on a small synthetic world, so input lengths are the real smoke ones.
Each pair of variants runs side by side in one process, alternating, and the best repeat counts.

* ``eval_bucketed_vs_fixed``: zero-shot NLI evaluation throughput (sentences/s) with
  length-bucketed dynamic padding over padding every batch to ``max_seq_length`` (128).
* ``continual_vs_plain``: seconds per NLI fine-tuning step with continual learning
  (16 pairs per step, anchor cache) over plain fine-tuning. Target: <= 1.6.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)


def _world(seed: int = 0):
    from repro.data.synthetic import WorldConfig, generate_world

    tiny = ("heldout", "nli_dev", "ner_train", "ner_dev", "ner_test", "qa_train", "qa_dev")
    cfg = WorldConfig(  # NLI at benchmark size, everything else at 10 examples
        seed=seed,
        languages=("en", "es"),
        n_mono=3000,
        n_parallel=600,
        n_nli_train=2000,
        n_nli_test=1500,
        n_qa_test=10,
        n_xsr=10,
        **{f"n_{part}": 10 for part in tiny},
    )
    return generate_world(cfg)


def _smoke_encoder(world, out: Path, seed: int = 0) -> Path:
    from repro.config import ModelConfig
    from repro.model.io import save_encoder
    from repro.model.tiny import make_tiny_encoder, train_wordpiece

    mcfg = ModelConfig()
    lines = [s for lang in sorted(world.mono) for s in world.mono[lang]]
    tok = train_wordpiece(lines, mcfg.vocab_size, model_max_length=mcfg.max_position_embeddings)
    model = make_tiny_encoder(mcfg, len(tok), seed=seed)
    return save_encoder(model, tok, out / "encoder")


def bench_eval_bucketed_vs_fixed(
    n_examples: int = 1500,
    *,
    max_seq_length: int = 128,
    batch_size: int = 64,
    repeats: int = 2,
    seed: int = 0,
    bf16: bool = False,
) -> dict[str, Any]:
    """Sentences/s of NLI evaluation, bucketed over fixed padding (same model, same set)."""
    import torch

    from repro.config import EvalConfig
    from repro.loops.evaluate import evaluate_records
    from repro.model.io import load_tokenizer
    from repro.tasks import get_task
    from repro.tasks.base import FeatureConfig

    world = _world(seed)
    records = world.eval[("nli", "es")][:n_examples]
    task = get_task("nli")
    fcfg = FeatureConfig(max_seq_length=max_seq_length)
    with tempfile.TemporaryDirectory() as tmp:
        enc = _smoke_encoder(world, Path(tmp), seed)
        torch.manual_seed(seed)
        model = task.build_model(enc)
        tok = load_tokenizer(enc)
    best: dict[bool, float] = {True: 0.0, False: 0.0}
    preds: dict[bool, list] = {}
    for _ in range(repeats):
        for bucket in (True, False):
            ecfg = EvalConfig(batch_size=batch_size, bucket_by_length=bucket)
            t0 = time.perf_counter()
            preds[bucket], _ = evaluate_records(
                task, model, tok, records, ecfg=ecfg, fcfg=fcfg, bf16=bf16
            )
            best[bucket] = max(best[bucket], len(records) / (time.perf_counter() - t0))
    lengths = [len(f["input_ids"]) for f in task.encode_eval(records, tok, fcfg).features]
    return {
        "ratio": round(best[True] / best[False], 3),
        "ours": round(best[True], 1),
        "baseline": round(best[False], 1),
        "unit": "sentences/s",
        "n": len(records),
        "max_seq_length": max_seq_length,
        "batch_size": batch_size,
        "mean_tokens": round(sum(lengths) / len(lengths), 1),
        "bf16": bf16,
        "same_predictions": [p["pred"] for p in preds[True]] == [p["pred"] for p in preds[False]],
        "threads": torch.get_num_threads(),
    }


def _step_timer():
    from transformers import TrainerCallback

    class StepTimer(TrainerCallback):
        def __init__(self) -> None:
            self.stamps: list[float] = []

        def on_step_end(self, args, state, control, **kwargs):
            self.stamps.append(time.perf_counter())

    return StepTimer()


def bench_continual_vs_plain(
    steps: int = 40,
    warmup: int = 5,
    *,
    repeats: int = 2,
    seed: int = 0,
    bf16: bool = True,
    pairs_per_step: int = 16,
) -> dict[str, Any]:
    """Seconds per NLI fine-tuning step (batch 32) with and without continual learning."""
    import torch

    from repro.config import ContinualConfig, TaskTrainConfig
    from repro.loops.continual import build_continual_loss
    from repro.loops.finetune import finetune
    from repro.model.io import load_encoder
    from repro.tasks import get_task

    world = _world(seed)
    train = world.train["nli"]
    pool = world.parallel["es"]
    task = get_task("nli")
    cfg = TaskTrainConfig(
        learning_rate=1e-4, num_train_epochs=1.0, batch_size=32, max_seq_length=128
    )
    ccfg = ContinualConfig(pairs_per_step=pairs_per_step)
    best: dict[str, float] = {"plain": float("inf"), "continual": float("inf")}
    cache_s = 0.0
    with tempfile.TemporaryDirectory() as tmp:
        enc = _smoke_encoder(world, Path(tmp), seed)
        anchor, tok = load_encoder(enc)
        t0 = time.perf_counter()
        aux = build_continual_loss(ccfg, pool, anchor, tok, seed=seed, bf16=bf16)
        cache_s = time.perf_counter() - t0
        for r in range(repeats):
            for name in ("plain", "continual"):
                timer = _step_timer()
                finetune(
                    task,
                    enc,
                    train,
                    cfg=cfg,
                    seed=seed,
                    work_dir=Path(tmp) / f"{name}{r}",
                    bf16=bf16,
                    aux_loss=aux if name == "continual" else None,
                    max_steps=warmup + steps,
                    save_steps=10**9,
                    callbacks=[timer],
                )
                s = timer.stamps
                best[name] = min(best[name], (s[-1] - s[warmup - 1]) / (len(s) - warmup))
    return {
        "ratio": round(best["continual"] / best["plain"], 3),
        "ours": round(best["continual"], 4),
        "baseline": round(best["plain"], 4),
        "unit": "s/step",
        "steps": steps,
        "batch_size": cfg.batch_size,
        "pairs_per_step": pairs_per_step,
        "bf16": bf16,
        "anchor_cache_s": round(cache_s, 2),
        "pool": len(pool),
        "threads": torch.get_num_threads(),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--which", choices=("eval", "continual", "all"), default="all")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    import torch

    from repro.env import set_offline

    set_offline()
    torch.set_num_threads(args.threads)
    out: dict[str, Any] = {}
    if args.which in ("eval", "all"):
        out["eval_bucketed_vs_fixed"] = bench_eval_bucketed_vs_fixed(seed=args.seed)
    if args.which in ("continual", "all"):
        out["continual_vs_plain"] = bench_continual_vs_plain(seed=args.seed)
    sys.stdout.write(json.dumps(out, indent=1) + "\n")
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
