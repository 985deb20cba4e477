"""Word alignment for the ``align`` stage: Pharaoh I/O, the authors' filters, symmetrisation,
a NumPy IBM-1 aligner, an optional eflomal backend, and AER."""

from __future__ import annotations

from repro.align.aer import aer
from repro.align.api import AlignConfig, align_records, score_aligner
from repro.align.filters import apply_link_filters, drop_identical, filter_length, one_to_one
from repro.align.ibm1 import IBM1Params, ibm1_align
from repro.align.pharaoh import (
    format_pharaoh,
    parse_pharaoh,
    read_pharaoh_file,
    write_pharaoh_file,
)
from repro.align.symmetrize import grow_diag_final, intersect, symmetrize, union

# The align stage's artifact: aligned pairs for adjustment / continual learning, and held-out
# aligned pairs for the distance analysis (one JSONL record per sentence pair).
PAIRS_FILE = "pairs.jsonl"
HELDOUT_FILE = "heldout.jsonl"

__all__ = [
    "HELDOUT_FILE",
    "PAIRS_FILE",
    "AlignConfig",
    "IBM1Params",
    "aer",
    "align_records",
    "apply_link_filters",
    "drop_identical",
    "filter_length",
    "format_pharaoh",
    "grow_diag_final",
    "ibm1_align",
    "intersect",
    "one_to_one",
    "parse_pharaoh",
    "read_pharaoh_file",
    "score_aligner",
    "symmetrize",
    "union",
    "write_pharaoh_file",
]
