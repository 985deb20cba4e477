"""Zero-shot evaluation: batched inference, per-example prediction records, corpus metrics.

Inference pads dynamically inside length buckets (features sorted by length, batched, then put
back in order) when ``EvalConfig.bucket_by_length``; otherwise every batch is padded to
``max_seq_length`` like the paper's ``--pad_to_max_length`` evaluation. Both give the same
predictions: padded positions are masked out of attention.

``metrics.json``::

    {"task": "nli", "sets": {"nli.synthetic.es": {"metric": "accuracy", "accuracy": 0.61,
     "n": 1500, "chance": 0.3333, "collapsed": false, ...}, ...}, "collapsed_sets": [...]}

A set is *collapsed* when its primary score is within ``collapse_margin`` of chance (NLI: the
majority-label rate; NER and QA: 0, the score of predicting no entity / no matching span):
zero-shot runs are known to land silently near chance.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from repro.data.bundle import write_jsonl
from repro.fsio import write_json_atomic
from repro.tasks.base import MODEL_INPUTS, FeatureConfig, collate, pad_token_id

if TYPE_CHECKING:
    from transformers import PreTrainedModel, PreTrainedTokenizerBase

    from repro.config import EvalConfig
    from repro.tasks.base import Feature, TaskModule

log = logging.getLogger(__name__)


def model_outputs(
    model: PreTrainedModel,
    features: Sequence[Feature],
    *,
    output_names: Sequence[str],
    per_token: bool,
    batch_size: int,
    bucket_by_length: bool,
    pad_to: int,
    pad_id: int,
    device: str = "cpu",
    bf16: bool = False,
) -> dict[str, list[np.ndarray]]:
    """Run ``model`` over ``features``; one float32 array per feature and output, in input
    order (per-token outputs trimmed to the feature's own length)."""
    import torch

    from repro.env import autocast

    n = len(features)
    out: dict[str, list[Any]] = {name: [None] * n for name in output_names}
    if n == 0:
        return out
    lengths = np.fromiter((len(f["input_ids"]) for f in features), dtype=np.int64, count=n)
    order = np.argsort(lengths, kind="stable") if bucket_by_length else np.arange(n)
    keys = [k for k in MODEL_INPUTS if k in features[0]]
    model.eval()
    model.to(device)
    with (
        torch.inference_mode(),
        autocast(device, bf16),
    ):
        for b in range(0, n, batch_size):
            idx = order[b : b + batch_size]
            batch = collate(
                [features[i] for i in idx],
                pad_id,
                keys=keys,
                pad_to=None if bucket_by_length else pad_to,
            )
            result = model(**{k: v.to(device) for k, v in batch.items()})
            for name in output_names:
                arr = result[name].float().cpu().numpy()
                for row, i in enumerate(idx):
                    out[name][i] = arr[row, : lengths[i]] if per_token else arr[row]
    return out


def evaluate_records(
    task: TaskModule,
    model: PreTrainedModel,
    tokenizer: PreTrainedTokenizerBase,
    records: Sequence[Mapping],
    *,
    ecfg: EvalConfig,
    fcfg: FeatureConfig,
    device: str = "cpu",
    bf16: bool = False,
) -> tuple[list[dict], dict[str, Any]]:
    """Per-example prediction records and the set's metrics (with timing)."""
    if ecfg.max_examples:
        records = records[: ecfg.max_examples]
    t0 = time.perf_counter()
    encoded = task.encode_eval(records, tokenizer, fcfg)
    outputs = model_outputs(
        model,
        encoded.features,
        output_names=task.OUTPUTS,
        per_token=task.PER_TOKEN,
        batch_size=ecfg.batch_size,
        bucket_by_length=ecfg.bucket_by_length,
        pad_to=fcfg.max_seq_length,
        pad_id=pad_token_id(tokenizer),
        device=device,
        bf16=bf16,
    )
    predictions = task.decode(records, encoded, outputs, ecfg)
    metrics = task.score(predictions, records, ecfg)
    wall = time.perf_counter() - t0
    metrics["n_features"] = len(encoded.features)
    metrics["eval_s"] = round(wall, 3)
    return predictions, metrics


def summarize(task_name: str, per_set: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """The ``metrics.json`` document: every set's metrics and the list of collapsed sets."""
    collapsed = [name for name, m in per_set.items() if m.get("collapsed")]
    for name in collapsed:
        m = per_set[name]
        log.warning(
            "%s: %s = %.3f is within the collapse margin of chance (%.3f)",
            name,
            m["metric"],
            m[m["metric"]],
            m["chance"],
        )
    return {
        "task": task_name,
        "sets": {k: dict(v) for k, v in per_set.items()},
        "collapsed_sets": collapsed,
    }


def write_json(path: Path, obj: Any) -> None:
    """Atomic JSON write (temp file + rename), so no half-written file survives a crash."""
    write_json_atomic(Path(path), obj)


def write_results(
    out_dir: Path, task_name: str, results: Mapping[str, tuple[Sequence[dict], Mapping[str, Any]]]
) -> dict[str, Any]:
    """``predictions/<set>.jsonl`` per set and ``metrics.json``; returns the metrics doc."""
    out_dir = Path(out_dir)
    for name, (preds, _) in results.items():
        write_jsonl(out_dir / "predictions" / f"{name}.jsonl", preds)
    doc = summarize(task_name, {name: m for name, (_, m) in results.items()})
    write_json(out_dir / "metrics.json", doc)
    return doc
