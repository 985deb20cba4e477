"""Loaders for the real data files in their original formats (``REPRO_DATA_DIR``, the mini profile).

Each loader returns plain records of the shapes in :mod:`repro.records` and raises
:class:`repro.errors.DataError` naming the file and line/id on malformed input. Files are read
strictly: a UTF-8 BOM and CRLF line endings are accepted transparently; invalid UTF-8, empty files,
wrong column counts, unknown labels/tags, answer spans outside the context, duplicate ids and
mismatched or empty parallel lines are errors. Nothing is extracted to disk: the SQuAD zip and the
IWSLT ``.tgz`` archives are read in memory.

One module per format: :mod:`.nli` (XNLI, MultiNLI TSV), :mod:`.ner` (WikiANN CoNLL), :mod:`.qa`
(SQuAD-format JSON), :mod:`.parallel` (line-aligned text, Tatoeba, the parallel-source registry),
:mod:`.overlap` (test-sentence keys and overlap filtering), :mod:`.text` (tokenisation, the checks
every table reader shares). This face re-exports what callers use as ``local.<name>``.

Layout of the data directory: see ``README.md`` and ``MANIFEST.tsv`` in it.
"""

from repro.data.local.ner import WIKIANN_SPLITS, load_wikiann, parse_conll
from repro.data.local.nli import MNLI_FILES, XNLI_SPLITS, load_mnli, load_xnli, premise_groups
from repro.data.local.overlap import (
    OverlapKeys,
    collect_test_sentences,
    filter_overlap,
    overlap_key,
    overlap_keys,
)
from repro.data.local.parallel import (
    _IWSLT,
    _WMT,
    PARALLEL_GROUPS,
    ParallelSource,
    load_parallel,
    load_tatoeba,
    parallel_sources,
    read_parallel_lines,
    read_parallel_source,
    source_files,
)
from repro.data.local.qa import (
    MLQA_DEV_LANGS,
    TYDIQA_SPLITS,
    build_xquad_cross,
    join_cross,
    load_mlqa_dev,
    load_squad_dev,
    load_squad_file,
    load_tydiqa,
    load_xquad,
    parse_squad,
    validate_all_qa,
)
from repro.data.local.text import FLORES, ISO3, split_sentences, tokenize_words, tokenized
from repro.data.textio import decode_text, read_lines, split_lines

__all__ = [
    "FLORES",
    "ISO3",
    "MLQA_DEV_LANGS",
    "MNLI_FILES",
    "OverlapKeys",
    "PARALLEL_GROUPS",
    "ParallelSource",
    "TYDIQA_SPLITS",
    "WIKIANN_SPLITS",
    "XNLI_SPLITS",
    "_IWSLT",
    "_WMT",
    "build_xquad_cross",
    "collect_test_sentences",
    "decode_text",
    "filter_overlap",
    "join_cross",
    "load_mlqa_dev",
    "load_mnli",
    "load_parallel",
    "load_squad_dev",
    "load_squad_file",
    "load_tatoeba",
    "load_tydiqa",
    "load_wikiann",
    "load_xnli",
    "load_xquad",
    "overlap_key",
    "overlap_keys",
    "parallel_sources",
    "parse_conll",
    "parse_squad",
    "premise_groups",
    "read_lines",
    "read_parallel_lines",
    "read_parallel_source",
    "source_files",
    "split_lines",
    "split_sentences",
    "tokenize_words",
    "tokenized",
    "validate_all_qa",
]
