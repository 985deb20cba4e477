"""Paired significance tests for two systems on one test set, over examples x seeds."""

from __future__ import annotations

from repro.stats.bootstrap import PairedResult, bootstrap_deltas, bootstrap_scores, paired_bootstrap
from repro.stats.corrections import bonferroni, holm
from repro.stats.permutation import RandomisationResult, mcnemar_exact, paired_randomisation
from repro.stats.power import MDEResult, minimum_detectable_effect
from repro.stats.units import PairedUnits, paired_units

__all__ = [
    "MDEResult",
    "PairedResult",
    "PairedUnits",
    "RandomisationResult",
    "bonferroni",
    "bootstrap_deltas",
    "bootstrap_scores",
    "holm",
    "mcnemar_exact",
    "minimum_detectable_effect",
    "paired_bootstrap",
    "paired_randomisation",
    "paired_units",
]
