"""The ``evaluate`` stage: zero-shot evaluation of a fine-tuned task model on bundle sets.

Config (:class:`~repro.workflow.stage_configs.EvaluateJob`)
``{"task", "evaluate": EvalConfig, "sets": ["nli.synthetic.es", ...]}`` (EvalSet names
from the bundle; ``<task>.dev.en`` names the bundle's English dev set; an empty list means every
set of the task); inputs ``model`` (a finetune artifact) and ``data``. Output
``predictions/<set>.jsonl`` and ``metrics.json`` (see :mod:`repro.loops.evaluate`). Features are built
with the ``max_seq_length``/``doc_stride`` the model was fine-tuned with (``model/task.json``).
"""

from __future__ import annotations

import difflib
import logging
from typing import TYPE_CHECKING, Any

from repro.data.bundle import Bundle, EvalSet
from repro.errors import ArtifactError, ConfigError

if TYPE_CHECKING:
    from repro.workflow.jobs import StageContext

log = logging.getLogger(__name__)


def resolve_sets(bundle: Bundle, task: str, names: list[str]) -> list[EvalSet]:
    """EvalSets for ``names`` (all of the task's when empty); unknown names fail with hints."""
    known = {e.name: e for e in bundle.eval}
    if task in bundle.dev:
        dev = EvalSet(task=task, dataset="dev", lang="en", path=bundle.dev[task])
        known.setdefault(dev.name, dev)
    if not names:
        return [e for e in bundle.eval_sets(task)]
    out = []
    for name in names:
        if name not in known:
            close = difflib.get_close_matches(name, list(known), n=1, cutoff=0.6)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise ConfigError(
                f"evaluate: no eval set {name!r} in the bundle at {bundle.root}; "
                f"known: {sorted(known)}{hint}"
            )
        es = known[name]
        if es.task != task:
            raise ConfigError(f"evaluate: set {name!r} is a {es.task} set, not {task}")
        out.append(es)
    return out


def run(ctx: StageContext) -> dict[str, Any]:
    from repro.loops.evaluate import evaluate_records, write_results
    from repro.loops.finetune import read_task_info
    from repro.model.io import TASK_MODEL_DIR, load_tokenizer
    from repro.tasks import get_task
    from repro.tasks.base import FeatureConfig, read_records

    job = ctx.stage_config
    task = get_task(job.task)
    ecfg = job.evaluate
    model_dir = ctx.input_path("model") / TASK_MODEL_DIR
    if not model_dir.is_dir():
        raise ArtifactError(
            f"{ctx.input_path('model')}: no {TASK_MODEL_DIR}/ (expected a finetune artifact)"
        )
    info = read_task_info(model_dir)
    if info.get("task") != task.NAME:
        raise ConfigError(
            f"evaluate: task {task.NAME!r} but {model_dir} was fine-tuned for {info.get('task')!r}"
        )
    fcfg = FeatureConfig(
        max_seq_length=int(info["max_seq_length"]), doc_stride=int(info.get("doc_stride", 128))
    )
    bundle = Bundle.load(ctx.input_path("data"))
    sets = resolve_sets(bundle, task.NAME, list(job.sets))
    model = task.load_model(model_dir)
    tokenizer = load_tokenizer(model_dir)
    results = {}
    for es in sets:
        records = read_records(task.RECORD_KIND, bundle.path(es.path))
        preds, metrics = evaluate_records(
            task, model, tokenizer, records, ecfg=ecfg, fcfg=fcfg, device=ctx.device
        )
        log.info(
            "%s: %s = %.4f (n=%d)",
            es.name,
            metrics["metric"],
            metrics[metrics["metric"]],
            metrics["n"],
        )
        results[es.name] = (preds, metrics)
    doc = write_results(ctx.out_dir, task.NAME, results)
    return {
        "scores": {k: round(m[m["metric"]], 6) for k, m in doc["sets"].items()},
        "collapsed_sets": doc["collapsed_sets"],
        "eval_s": round(sum(m["eval_s"] for m in doc["sets"].values()), 3),
    }
