"""The ``finetune`` stage: English task fine-tuning, optionally with continual learning.

Config (:class:`~repro.workflow.stage_configs.FinetuneJob`)
``{"task", "train": TaskTrainConfig, "seed", "bf16", "continual": ContinualConfig | null,
"cl_langs": [...]}``, plus ``qa_doc_stride`` for QA and ``pooling``/``align_cls_sep`` with
continual learning (absent keys take the defaults); inputs ``encoder``
(an artifact with ``encoder/``) and ``data``, plus ``anchor`` (the ORIGINAL encoder) and
``align_<lang>`` per CL language when ``continual`` is set. Output ``model/`` (task model,
tokenizer, ``task.json``) and ``train_log.json``. Checkpoints live in ``ctx.work_dir``, so a
killed job resumes.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from repro.align import PAIRS_FILE
from repro.data.bundle import BUNDLE_FILE, Bundle
from repro.errors import ArtifactError, ConfigError, DataError
from repro.fsio import write_json_atomic

if TYPE_CHECKING:
    from repro.workflow.jobs import StageContext
    from repro.workflow.stage_configs import FinetuneJob

log = logging.getLogger(__name__)


def _continual_loss(ctx: StageContext, job: FinetuneJob, encoder_dir):
    from repro.loops.continual import build_continual_loss, load_pool
    from repro.model.io import load_encoder, load_tokenizer

    ccfg, seed, bf16 = job.continual, job.seed, job.bf16
    langs = list(job.cl_langs)
    if not langs:
        raise ConfigError("finetune: continual learning needs at least one language in cl_langs")
    files = [ctx.input_path(f"align_{lang}") / PAIRS_FILE for lang in langs]
    pool = load_pool(files, ccfg.pool_size, seed)
    tokenizer = load_tokenizer(encoder_dir)
    anchor_model = None
    if ccfg.anchor_weight > 0:
        anchor_model, anchor_tok = load_encoder(ctx.input_path("anchor"), device=ctx.device)
        if anchor_tok.get_vocab() != tokenizer.get_vocab():
            raise ArtifactError(
                "finetune: the anchor encoder's vocabulary differs from the "
                "fine-tuned encoder's; the anchor must be its original model"
            )
    from transformers import AutoConfig

    max_pos = int(AutoConfig.from_pretrained(str(encoder_dir)).max_position_embeddings)
    loss = build_continual_loss(
        ccfg,
        pool,
        anchor_model,
        tokenizer,
        seed=seed,
        pooling=job.cl_pooling,
        include_cls_sep=job.cl_align_cls_sep,
        device=ctx.device,
        bf16=bf16,
        max_length=min(max_pos, 512),
    )
    del anchor_model  # only its cached English vectors are needed from here on
    return loss


def run(ctx: StageContext) -> dict[str, Any]:
    from repro.loops.finetune import finetune, save_task_model
    from repro.model.io import find_model_dir
    from repro.tasks import get_task
    from repro.tasks.base import read_records

    job = ctx.stage_config
    task = get_task(job.task)
    train_cfg, seed, bf16 = job.train, job.seed, job.bf16
    bundle = Bundle.load(ctx.input_path("data"))
    rel = bundle.train.get(task.NAME)
    if not rel:
        raise DataError(
            bundle.path(BUNDLE_FILE),
            f"train.{task.NAME}",
            f"the bundle has no English {task.NAME} training data",
        )
    records = read_records(task.RECORD_KIND, bundle.path(rel), limit=train_cfg.max_train_examples)
    encoder_dir = find_model_dir(ctx.input_path("encoder"))
    aux = _continual_loss(ctx, job, encoder_dir) if job.continual else None
    result = finetune(
        task,
        encoder_dir,
        records,
        cfg=train_cfg,
        seed=seed,
        work_dir=ctx.work_dir,
        bf16=bf16,
        device=ctx.device,
        doc_stride=job.doc_stride,
        aux_loss=aux,
    )
    info = {
        "task": task.NAME,
        **result.log["feature_config"],
        "continual": bool(aux is not None),
        "seed": seed,
    }
    save_task_model(result.model, result.tokenizer, ctx.out_dir / "model", info)
    write_json_atomic(ctx.out_dir / "train_log.json", result.log)
    s = result.summary
    return {
        "steps": s["steps"],
        "final": s["final"],
        "train_loss": s["train_loss"],
        "wall_s": s["wall_s"],
        "steps_per_s": s["steps_per_s"],
        "examples": s["examples"],
        "continual": aux is not None,
    }
