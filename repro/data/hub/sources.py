"""Which hub repositories, configs and splits the paper profile reads (pinned to commits where the
profile says so), and reading their rows with ``datasets.load_dataset`` — from the hub, from its
cache, or from a local snapshot."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from repro.configtools import FrozenMap
from repro.errors import ConfigError, DataError
from repro.languages import HUB_LANGUAGES, ISO3, MLQA_LANGS, TYDIQA_NAMES, check_languages
from repro.records import (
    TARGET_LANGUAGES,
)

MNLI_REPO = "nyu-mll/multi_nli"


XNLI_REPO = "facebook/xnli"


WIKIANN_REPO = "unimelb-nlp/wikiann"


SQUAD_REPO = "rajpurkar/squad"


XQUAD_REPO = "google/xquad"


MLQA_REPO = "facebook/mlqa"


TYDIQA_REPO = "google-research-datasets/tydiqa"


XTREME_REPO = "google/xtreme"


WIKIMATRIX_REPO = "sentence-transformers/parallel-sentences-wikimatrix"


#: Repositories built by loading scripts: read their auto-converted parquet branch instead.
PARQUET_FALLBACK = "refs/convert/parquet"


#: WikiANN ClassLabel names (same order as the hub features and as NER_TAGS).
WIKIANN_TAG_NAMES: tuple[str, ...] = ("O", "B-PER", "I-PER", "B-ORG", "I-ORG", "B-LOC", "I-LOC")


#: Sizes stated in the paper / dataset cards (docs/paper.md §2), checked after loading.
PAPER_SIZES: dict[str, int] = {
    "train.nli": 392702,
    "train.qa": 87599,
    "train.ner": 20000,
    "eval.nli.xnli": 5010,
    "eval.qa.xquad": 1190,
    "eval.qa.mlqa.es": 5253,
    "eval.qa.mlqa.vi": 5495,
    "eval.qa.mlqa.hi": 4918,
    "eval.qa.mlqa.en": 11590,
    "eval.qa.mlqa.ar": 5335,
    "eval.qa.mlqa.de": 4517,
    "eval.qa.mlqa.zh": 5137,
    "eval.qa.tydiqa.ru": 812,
    "xsr": 1000,
    "eval.ner.wikiann.en": 10000,
    "eval.ner.wikiann.es": 10000,
    "eval.ner.wikiann.ru": 10000,
    "eval.ner.wikiann.vi": 10000,
    "eval.ner.wikiann.hi": 1000,
}


@dataclass(frozen=True)
class HubSpec:
    """One ``load_dataset`` call."""

    repo: str
    config: str | None
    split: str
    revision: str | None = None

    @property
    def name(self) -> str:
        return f"{self.repo}/{self.config or 'default'}[{self.split}]"


def load_rows(
    spec: HubSpec, *, cache_dir: str | None = None, used: dict[str, str] | None = None
) -> Any:
    """``datasets.load_dataset`` for one spec; DataError with the spec when it cannot be loaded.

    ``used`` (repo -> revision) records the revision each repo was read at: the pinned one,
    ``main``, or the parquet branch a script-built repository falls back to.
    """
    import datasets

    if used is not None:
        used[spec.repo] = spec.revision or "main"

    try:
        return datasets.load_dataset(
            spec.repo,
            spec.config,
            split=spec.split,
            revision=spec.revision,
            cache_dir=cache_dir or None,
        )
    except Exception as exc:  # the hub raises many types; all mean "not available"
        if spec.revision is None and spec.repo in (MLQA_REPO, XTREME_REPO, TYDIQA_REPO):
            try:
                rows = datasets.load_dataset(
                    spec.repo,
                    spec.config,
                    split=spec.split,
                    revision=PARQUET_FALLBACK,
                    cache_dir=cache_dir or None,
                )
                if used is not None:
                    used[spec.repo] = PARQUET_FALLBACK
                return rows
            except Exception:  # noqa: BLE001 - report the first error, it is the informative one
                pass
        raise DataError(
            f"hub:{spec.repo}",
            f"{spec.config}[{spec.split}]",
            f"could not load ({type(exc).__name__}: {exc}). Offline runs need the "
            "data fetched first (`repro data fetch`, with network)",
        ) from exc


def load_local_rows(
    fmt: str,
    data_files: str | Sequence[str] | Mapping[str, Any],
    split: str = "train",
    *,
    cache_dir: str | None = None,
) -> Any:
    """Rows from local parquet/json files through ``datasets`` (hub-shaped test fixtures)."""
    import datasets

    return datasets.load_dataset(
        fmt, data_files=data_files, split=split, cache_dir=cache_dir or None
    )


def class_names(rows: Any, column: str) -> tuple[str, ...] | None:
    """ClassLabel names of ``column`` (also inside a Sequence) when ``rows`` carries features."""
    feats = getattr(rows, "features", None)
    if not feats or column not in feats:
        return None
    f = feats[column]
    f = getattr(f, "feature", f)
    names = getattr(f, "names", None)
    return tuple(names) if names else None


@dataclass(frozen=True)
class HubDataConfig:
    """The ``data.*`` keys of the paper profile (0 = all available).

    languages: target languages (English always included).
    n_nli_train: MNLI training pairs (0 = all 392,702).
    n_parallel: WikiMatrix pool per language after filtering (the paper prepared 250k; the
        adjustment stage samples ``max_sent`` of them, 30k by default).
    n_heldout: parallel pairs per language kept for the distance analysis.
    max_words: pairs with more words on either side are dropped (64, as the authors' code).
    wikimatrix_repo: hub repository of WikiMatrix (configs ``en-<lang>``).
    wikimatrix_dir: local directory with WikiMatrix files; overrides ``wikimatrix_repo``.
    cache_dir: ``datasets`` cache directory ("" = the default).
    seed: sampling seed.
    revisions: hub repository -> commit id it is read at (``[hub.revisions]`` in TOML). A repo
        not listed reads whatever the hub serves today, so upstream data can change under an
        unchanged cache key: ``repro data fetch`` writes the commits it got to
        ``revisions.toml`` for pasting here, and the runs say which repos were unpinned.
    """

    languages: tuple[str, ...] = TARGET_LANGUAGES
    n_nli_train: int = 0
    n_parallel: int = 250_000
    n_heldout: int = 1000
    max_words: int = 64
    wikimatrix_repo: str = WIKIMATRIX_REPO
    wikimatrix_dir: str = ""
    cache_dir: str = ""
    seed: int = 0
    revisions: Mapping[str, str] = field(default_factory=FrozenMap)

    def __post_init__(self) -> None:
        object.__setattr__(self, "languages", tuple(self.languages))
        object.__setattr__(self, "revisions", FrozenMap(self.revisions))
        for repo, rev in self.revisions.items():
            if not isinstance(rev, str) or not rev.strip():
                raise ConfigError(f"hub.revisions.{repo}: expected a commit id, got {rev!r}")
        if not self.languages:
            raise ConfigError("data.languages: at least one target language is needed")
        check_languages("hub", self.languages, wikimatrix_dir=self.wikimatrix_dir)
        for name in ("n_nli_train", "n_parallel", "n_heldout", "max_words"):
            v = getattr(self, name)
            if not isinstance(v, int) or v < 0:
                raise ConfigError(f"data.{name}: expected a non-negative integer, got {v!r}")


def hub_specs(cfg: HubDataConfig) -> dict[str, HubSpec]:
    """Every hub call the paper bundle makes, keyed by a short name (``repro plan`` can list it)."""
    langs = list(cfg.languages)
    specs = {
        "mnli.train": HubSpec(MNLI_REPO, None, "train"),
        "xnli.validation.en": HubSpec(XNLI_REPO, "en", "validation"),
        "wikiann.train.en": HubSpec(WIKIANN_REPO, "en", "train"),
        "wikiann.validation.en": HubSpec(WIKIANN_REPO, "en", "validation"),
        "squad.train": HubSpec(SQUAD_REPO, "plain_text", "train"),
        "squad.validation": HubSpec(SQUAD_REPO, "plain_text", "validation"),
    }
    for lang in ["en", *langs]:
        specs[f"xnli.test.{lang}"] = HubSpec(XNLI_REPO, lang, "test")
        specs[f"wikiann.test.{lang}"] = HubSpec(WIKIANN_REPO, lang, "test")
        if lang == "en" or lang in HUB_LANGUAGES["xquad"]:
            specs[f"xquad.{lang}"] = HubSpec(XQUAD_REPO, f"xquad.{lang}", "validation")
    for lang in langs:
        specs[f"tatoeba.{lang}"] = HubSpec(XTREME_REPO, f"tatoeba.{ISO3[lang]}", "validation")
        if not cfg.wikimatrix_dir:
            specs[f"wikimatrix.{lang}"] = HubSpec(cfg.wikimatrix_repo, f"en-{lang}", "train")
        if lang in MLQA_LANGS:
            for c, q in ((lang, lang), (lang, "en"), ("en", lang)):
                specs[f"mlqa.{q}-{c}"] = HubSpec(MLQA_REPO, f"mlqa.{c}.{q}", "test")
        if lang in TYDIQA_NAMES:
            specs[f"tydiqa.{lang}"] = HubSpec(TYDIQA_REPO, "secondary_task", "validation")
    return {k: replace(v, revision=cfg.revisions.get(v.repo)) for k, v in specs.items()}


def hub_repos(cfg: HubDataConfig) -> list[str]:
    """The hub repositories the paper bundle reads, sorted."""
    return sorted({s.repo for s in hub_specs(cfg).values()})


def revision_report(cfg: HubDataConfig) -> dict[str, Any]:
    """What run.json and the bundle record: each repo's pinned revision, and the unpinned."""
    repos = hub_repos(cfg)
    pinned = {r: cfg.revisions[r] for r in repos if r in cfg.revisions}
    unknown = sorted(set(cfg.revisions) - set(repos))
    if unknown:
        raise ConfigError(
            f"hub.revisions names repositories the paper bundle does not read: {unknown}; "
            f"it reads {repos}"
        )
    return {"pinned": pinned, "unpinned": [r for r in repos if r not in pinned]}
