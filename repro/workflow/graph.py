"""From an ExperimentConfig and the claims' needs to a job graph, and from artifacts to results.

Model *states* name what a result was computed with:

* ``original``      the pretrained (tiny or mBERT) encoder
* ``adjusted``      after cross-lingual adjustment (one model per language, or one joint model)
* ``adjusted@N``    adjusted with N parallel pairs per language (data-size sweep)
* ``original+cl`` / ``adjusted+cl``   fine-tuned with continual learning from that start
* ``<state>+<task>``  (distances only) the encoder after fine-tuning on ``task``

Runs are paired: run ``s`` of an adjusted state uses the encoder adjusted with seed
``adjust.seed + s`` and is fine-tuned with seed ``s``, so k runs cost k adjustments and k
fine-tunings and the run-to-run variance the claims test covers both sources (as MultiBERTs'
multi-bootstrap treats pretraining x fine-tuning seeds). Only the unadjusted encoder is one
model: it stands for the one published checkpoint, so its retrieval and distances are exact.

Each builder returns a :class:`repro.workflow.jobs.Job`; jobs that coincide (e.g. the original model
fine-tuned once and evaluated on four languages) share a key and run once.
"""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

from repro.config import ExperimentConfig
from repro.configtools import to_dict
from repro.data.catalog import EvalSetRef, eval_sets_for
from repro.errors import ConfigError
from repro.fsio import sha256_file
from repro.workflow.jobs import Job
from repro.workflow.stage_configs import (
    AdjustJob,
    AlignJob,
    DataJob,
    DistancesJob,
    EvaluateJob,
    FinetuneJob,
    HubModelJob,
    PretrainJob,
    RetrieveJob,
)

STATE_RE = re.compile(r"^(original|adjusted)(@(\d+))?(\+cl)?$")
FT_STATE_RE = re.compile(r"^(original|adjusted)(\+cl)?\+(nli|ner|qa)$")


def parse_state(state: str) -> tuple[str, int | None, bool]:
    m = STATE_RE.match(state)
    if not m:
        raise ConfigError(
            f"unknown model state {state!r} (e.g. original, adjusted, adjusted@5000, adjusted+cl)"
        )
    return m.group(1), int(m.group(3)) if m.group(3) else None, bool(m.group(4))


def _manifest_fingerprint(data_dir: Path) -> str:
    return sha256_file(data_dir / "MANIFEST.tsv")


class Graph:
    """Job builders for one resolved experiment config."""

    def __init__(self, cfg: ExperimentConfig) -> None:
        self.cfg = cfg

    # -- data and encoders -------------------------------------------------------------------
    def data(self) -> Job:
        c = self.cfg
        if c.data.source == "synthetic":
            from repro.data.world.config import world_key_config

            conf = DataJob("synthetic", world=to_dict(world_key_config(c.world)))
        elif c.data.source == "local":
            from repro.stages.data import data_dir_from_env

            fingerprint = _manifest_fingerprint(data_dir_from_env())
            conf = DataJob("local", local=c.local, manifest_sha256=fingerprint)
        else:
            hub = replace(
                c.hub, languages=tuple(c.languages), cache_dir=c.hub.cache_dir or c.data.cache_dir
            )
            conf = DataJob("hub", hub=hub)
        return Job("data", conf.key_dict(), label=c.data.source)

    def encoder(self) -> Job:
        c = self.cfg
        if c.model.source == "hub":
            return Job("hub_model", HubModelJob(c.model).key_dict(), label=c.model.name)
        return Job(
            "pretrain",
            PretrainJob(c.model, c.pretrain).key_dict(),
            inputs={"data": self.data()},
            label="tiny-bert",
        )

    def model_jobs(self) -> list[Job]:
        """The jobs that make the models every claim starts from (data, encoder, alignments,
        one adjustment per language and run), each once: what ``repro config show`` keys."""
        c = self.cfg
        jobs = [self.data(), self.encoder()] + [self.align(x) for x in c.languages]
        jobs += [self.adjusted(x, run=s) for x in c.languages for s in c.finetune.seeds]
        return list({j.key: j for j in jobs}.values())

    def align(self, lang: str) -> Job:
        return Job(
            "align",
            AlignJob(self.cfg.align, lang).key_dict(),
            inputs={"data": self.data()},
            label=lang,
        )

    def adjust_langs(self, lang: str) -> list[str]:
        return list(self.cfg.languages) if self.cfg.adjust.mode == "joint" else [lang]

    def adjust_seed(self, run: int | None) -> int:
        """The adjustment seed of run ``run`` (a fine-tuning seed); ``None``: adjust.seed."""
        return self.cfg.adjust.seed + (run or 0)

    def adjusted(self, lang: str, max_pairs: int | None = None, run: int | None = None) -> Job:
        adj = replace(
            self.cfg.adjust,
            max_pairs=self.cfg.adjust.max_pairs if max_pairs is None else max_pairs,
            seed=self.adjust_seed(run),
        )
        langs = self.adjust_langs(lang)
        inputs = {"encoder": self.encoder(), **{f"align_{x}": self.align(x) for x in langs}}
        label = ("joint" if len(langs) > 1 else langs[0]) + f"@{adj.max_pairs}"
        if run is not None:
            label += f"/s{run}"
        conf = AdjustJob(adj, tuple(langs)).key_dict()
        return Job("adjust", conf, inputs=inputs, label=label)

    def state_encoder(self, state: str, lang: str, run: int | None = None) -> Job:
        """The encoder a state starts from; adjusted states need the run (paired seeds)."""
        base, size, _ = parse_state(state)
        if base == "original":
            return self.encoder()
        return self.adjusted(lang, size, run)

    @staticmethod
    def is_trained(state: str) -> bool:
        """Whether results of ``state`` vary from run to run (anything adjusted or fine-tuned).
        Evaluations are always of fine-tuned models; retrieval and distances of ``original``
        are of the one unadjusted encoder."""
        return state != "original"

    def runs(self, state: str) -> tuple[int | None, ...]:
        """Run seeds of a retrieval or distance state: one exact run for ``original``."""
        if not self.is_trained(state):
            return (None,)
        _, size, _ = parse_state(FT_STATE_RE.sub(r"\1\2", state))
        return self.sweep_seeds() if size is not None else self.cfg.finetune.seeds

    def sweep_seeds(self) -> tuple[int, ...]:
        """Runs per sweep size: ``sweep.seeds``, or every fine-tuning seed."""
        return self.cfg.sweep.seeds or self.cfg.finetune.seeds

    # -- task runs -------------------------------------------------------------------------------
    def finetune(self, task: str, state: str, lang: str, seed: int) -> Job:
        base, size, cl = parse_state(state)
        ft = self.cfg.finetune
        # only settings the run reads go into its key: a QA or CL knob must not rerun NLI/NER
        conf = FinetuneJob(
            task,
            getattr(ft, task),
            seed,
            ft.bf16,
            qa_doc_stride=ft.qa_doc_stride if task == "qa" else None,
        )
        inputs = {"encoder": self.state_encoder(state, lang, seed), "data": self.data()}
        if cl:
            langs = self.adjust_langs(lang)
            adj = self.cfg.adjust
            conf = replace(
                conf,
                continual=ft.continual,
                cl_langs=tuple(langs),
                pooling=adj.pooling,
                align_cls_sep=adj.align_cls_sep,
            )
            inputs["anchor"] = self.encoder()
            inputs.update({f"align_{x}": self.align(x) for x in langs})
        return Job("finetune", conf.key_dict(), inputs=inputs, label=f"{task}/{state}/s{seed}")

    def eval_sets(self, task: str, lang: str) -> list[str]:
        """Names of the bundle's eval sets that concern ``lang`` (plus English references)."""
        return [s.name for s in self.bundle_eval_sets(task) if concerns(s.lang, lang)]

    def bundle_eval_sets(self, task: str) -> list[EvalSetRef]:
        """Eval sets are known from the config without materialising the bundle."""
        return eval_sets_for(self.cfg, task)

    def shares_model_across_languages(self, state: str) -> bool:
        """True when one model serves every language (original encoder, or joint adjustment):
        its evaluation, retrieval and distance jobs then cover all languages at once."""
        m = FT_STATE_RE.match(state)
        base, cl = (
            (m.group(1), bool(m.group(2))) if m else (parse_state(state)[0], parse_state(state)[2])
        )
        if self.cfg.adjust.mode == "joint":
            return True
        return base == "original" and not cl

    def job_langs(self, state: str, lang: str) -> list[str]:
        return list(self.cfg.languages) if self.shares_model_across_languages(state) else [lang]

    def evaluate(self, task: str, state: str, lang: str, seed: int) -> Job:
        ft = self.finetune(task, state, lang, seed)
        langs = self.job_langs(state, lang)
        sets = sorted({s for x in langs for s in self.eval_sets(task, x)})
        if not sets:
            raise ConfigError(f"no {task} evaluation sets for language {lang!r}")
        where = "all" if len(langs) > 1 else lang
        return Job(
            "evaluate",
            EvaluateJob(task, self.cfg.evaluate, tuple(sets)).key_dict(),
            inputs={"model": ft, "data": self.data()},
            label=f"{task}/{state}/{where}/s{seed}",
        )

    def retrieve(self, state: str, lang: str, run: int | None = None) -> Job:
        langs = self.job_langs(state, lang)
        where = "all" if len(langs) > 1 else lang
        return Job(
            "retrieve",
            RetrieveJob(self.cfg.retrieve, tuple(langs)).key_dict(),
            inputs={"encoder": self.state_encoder(state, lang, run), "data": self.data()},
            label=f"{state}/{where}" + (f"/s{run}" if run is not None else ""),
        )

    def finetuned_seed(self, run: int | None) -> int:
        """The fine-tuning seed behind a fine-tuned state's run (``x+task``); ``None``: the first
        fine-tuning seed. The one place that choice is made (distances and their exclusion)."""
        return self.cfg.finetune.seeds[0] if run is None or run < 0 else run

    def distances(self, state: str, lang: str, run: int | None = None) -> Job:
        m = FT_STATE_RE.match(state)
        if m:
            start = m.group(1) + (m.group(2) or "")
            model = self.finetune(m.group(3), start, lang, self.finetuned_seed(run))
        else:
            model = self.state_encoder(state, lang, run)
        langs = self.job_langs(state, lang)
        return Job(
            "distances",
            DistancesJob(self.cfg.distances, tuple(langs), self.cfg.adjust.pooling).key_dict(),
            inputs={"model": model, **{f"align_{x}": self.align(x) for x in langs}},
            label=f"{state}/{'all' if len(langs) > 1 else lang}"
            + (f"/s{run}" if run is not None else ""),
        )


def concerns(set_lang: str, lang: str) -> bool:
    langs = set(set_lang.split("-"))
    return lang in langs or langs == {"en"}
