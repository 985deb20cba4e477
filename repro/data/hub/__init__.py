"""Hub loaders for the ``paper`` profile: real ``datasets.load_dataset`` calls plus pure converters.

Sources (repository, config, split):

* MNLI train ``nyu-mll/multi_nli`` (``train``, 392,702 pairs; label 0/1/2 = entailment/neutral/
  contradiction).
* XNLI ``facebook/xnli``, config = language code, ``test`` (5,010) and ``validation`` (2,490,
  the English dev set used for collapse detection).
* WikiANN ``unimelb-nlp/wikiann``, config = language, ``train``/``validation``/``test``; int
  ``ner_tags`` named O, B-PER, I-PER, B-ORG, I-ORG, B-LOC, I-LOC (names read from the features).
* SQuAD v1.1 ``rajpurkar/squad`` (``train`` 87,599; ``validation`` 10,570).
* XQuAD ``google/xquad``, config ``xquad.<lang>``, ``validation`` (1,190 per language).
* MLQA ``facebook/mlqa``, config ``mlqa.<context>.<question>``, ``test`` (es 5,253, vi 5,495,
  hi 4,918); cross-lingual pairs with English in both directions.
* TyDiQA-GoldP ``google-research-datasets/tydiqa``, config ``secondary_task``, ``validation``,
  filtered on the id prefix (``russian-``: 812 questions).
* Tatoeba ``google/xtreme``, config ``tatoeba.<iso3>``, ``validation`` (1,000 pairs; the source
  side is the foreign sentence, lines keep their trailing newline, which is stripped here).
* WikiMatrix: ``sentence-transformers/parallel-sentences-wikimatrix``, config ``en-<lang>``,
  ``train`` (columns ``english``, ``non_english``; a copy of WikiMatrix v1 as released by its
  authors). Alternatively ``wikimatrix_dir`` points at OPUS Moses files
  (``WikiMatrix.en-<lang>.en`` / ``.<lang>``, from OPUS ``WikiMatrix/v1/moses``) or at Efimov et
  al.'s ``wiki_matrix.moses.<lang>-en.*`` files (``<xx> ||| <en>`` per line).

Script-based repositories whose main branch has no data files are read from their
``refs/convert/parquet`` revision (:data:`PARQUET_FALLBACK`).

Modules: :mod:`.sources` (repositories, specs, reading rows), :mod:`.convert` (rows to
records), :mod:`.build` (the bundle). Converters (``*_records``) are pure: rows in (mappings as ``datasets`` yields them), records out;
they are tested on local parquet/JSON files in the hub schemas.
"""

from repro.data.hub.build import build_hub_bundle, candidate_rows, size_check
from repro.data.hub.convert import (
    HubRow,
    load_wikimatrix_dir,
    ner_records,
    nli_records,
    parallel_records,
    qa_records,
    xsr_records,
)
from repro.data.hub.sources import (
    MLQA_REPO,
    MNLI_REPO,
    PAPER_SIZES,
    PARQUET_FALLBACK,
    SQUAD_REPO,
    TYDIQA_REPO,
    WIKIANN_REPO,
    WIKIANN_TAG_NAMES,
    WIKIMATRIX_REPO,
    XNLI_REPO,
    XQUAD_REPO,
    XTREME_REPO,
    HubDataConfig,
    HubSpec,
    class_names,
    hub_repos,
    hub_specs,
    load_local_rows,
    load_rows,
    revision_report,
)

__all__ = [
    "HubDataConfig",
    "HubRow",
    "HubSpec",
    "MLQA_REPO",
    "MNLI_REPO",
    "PAPER_SIZES",
    "PARQUET_FALLBACK",
    "SQUAD_REPO",
    "TYDIQA_REPO",
    "WIKIANN_REPO",
    "WIKIANN_TAG_NAMES",
    "WIKIMATRIX_REPO",
    "XNLI_REPO",
    "XQUAD_REPO",
    "XTREME_REPO",
    "build_hub_bundle",
    "candidate_rows",
    "class_names",
    "hub_repos",
    "hub_specs",
    "load_local_rows",
    "load_rows",
    "load_wikimatrix_dir",
    "ner_records",
    "nli_records",
    "parallel_records",
    "qa_records",
    "revision_report",
    "size_check",
    "xsr_records",
]
