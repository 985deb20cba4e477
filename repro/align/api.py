"""The ``align`` stage's library entry points: align parallel records and score an aligner.

Order (docs/paper.md §3): drop pairs longer than ``max_words`` on either side; align the rest (or take
the records' gold alignment) and symmetrise; keep one-to-one links; drop identical-string links;
drop pairs left without links. Aligning after the length filter bounds the aligner's cost (the
authors aligned the whole pool first; EM statistics differ only by the long pairs' counts).
The authors sample ``max_sent`` pairs between the one-to-one filter and the empty-pair filter;
sampling is left to the consumer of these records (``adjust``), after all filters.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from repro.align.aer import aer
from repro.align.eflomal_backend import eflomal_align
from repro.align.filters import apply_link_filters, filter_length
from repro.align.ibm1 import IBM1Params, ibm1_align
from repro.align.pharaoh import Link
from repro.align.symmetrize import METHODS as SYMMETRIZATIONS
from repro.align.symmetrize import symmetrize
from repro.errors import ConfigError, DataError
from repro.records import validate_parallel

log = logging.getLogger(__name__)

METHODS: tuple[str, ...] = ("gold", "ibm1", "eflomal")


@dataclass(frozen=True)
class AlignConfig:
    """The ``align.*`` config keys.

    ``method``: "gold" uses the records' own alignment (synthetic world), "ibm1" our NumPy EM
    aligner (deterministic), "eflomal" the optional eflomal package (stochastic; GPLv3).
    ``ibm1_diagonal_tension``: fast_align's diagonal prior (its ``-d`` default tension 4.0, as in
    the authors' fast_align runs); 0 gives plain position-blind IBM Model 1.
    """

    method: str = "gold"
    symmetrize: str = "intersect"
    max_words: int = 64
    one_to_one: bool = True
    drop_identical: bool = True
    ibm1_iterations: int = 5
    ibm1_diagonal_tension: float = 4.0

    def __post_init__(self) -> None:
        if self.method not in METHODS:
            raise ConfigError(f"align.method={self.method!r}; expected one of {METHODS}")
        if self.symmetrize not in SYMMETRIZATIONS:
            raise ConfigError(
                f"align.symmetrize={self.symmetrize!r}; expected one of {SYMMETRIZATIONS}"
            )
        for name in ("max_words", "ibm1_iterations"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, int) or v < 1:
                raise ConfigError(f"align.{name}={v!r}; expected an integer >= 1")
        for name in ("one_to_one", "drop_identical"):
            v = getattr(self, name)
            if not isinstance(v, bool):
                raise ConfigError(f"align.{name}={v!r}; expected true or false")
        v = self.ibm1_diagonal_tension
        if isinstance(v, bool) or not isinstance(v, int | float) or not 0 <= v < float("inf"):
            raise ConfigError(f"align.ibm1_diagonal_tension={v!r}; expected a finite number >= 0")


def _validated(records: Sequence[dict[str, Any]], *, need_gold: bool) -> list[dict[str, Any]]:
    for idx, rec in enumerate(records):
        validate_parallel(rec, None, idx)
        if need_gold and rec.get("alignment") is None:
            raise DataError(
                None,
                rec["id"],
                "no gold 'alignment' (method 'gold' and scoring need one on every record)",
            )
    return list(records)


def _run_aligner(
    records: Sequence[dict[str, Any]], cfg: AlignConfig
) -> tuple[list[list[Link]], list[list[Link]]]:
    src = [r["src"].split() for r in records]
    tgt = [r["tgt"].split() for r in records]
    if cfg.method == "ibm1":
        params = IBM1Params(
            iterations=cfg.ibm1_iterations, diagonal_tension=float(cfg.ibm1_diagonal_tension)
        )
        return ibm1_align(src, tgt, params)
    if cfg.method == "eflomal":
        return eflomal_align(src, tgt)
    raise ConfigError(f"align.method={cfg.method!r} is not an aligner")


def _predict(
    records: Sequence[dict[str, Any]], cfg: AlignConfig
) -> tuple[list[list[Link]], list[list[Link]] | None, list[list[Link]] | None]:
    """(symmetrised, forward, reverse) links per record; gold has no directions."""
    if cfg.method == "gold":
        return [sorted({(int(i), int(j)) for i, j in r["alignment"]}) for r in records], None, None
    fwd, rev = _run_aligner(records, cfg)
    return [symmetrize(f, r, cfg.symmetrize) for f, r in zip(fwd, rev, strict=True)], fwd, rev


def align_records(records: list[dict], cfg: AlignConfig) -> tuple[list[dict], dict]:
    """Records (copies, ``alignment`` set by ``cfg.method``, after all filters) and counts.

    Stats: n_in, n_out, dropped_by_length, links_aligned (before link filters),
    dropped_not_one_to_one, dropped_identical (links), dropped_unlinked (pairs), links (kept),
    method, symmetrize, seconds.
    """
    t0 = time.perf_counter()
    records = _validated(records, need_gold=cfg.method == "gold")
    kept, dropped_len = filter_length(records, cfg.max_words)
    links, _, _ = _predict(kept, cfg) if kept else ([], None, None)
    aligned = []
    for rec, lk in zip(kept, links, strict=True):
        new = dict(rec)
        new["alignment"] = [[i, j] for i, j in lk]
        aligned.append(new)
    out, fstats = apply_link_filters(
        aligned, one_to_one_only=cfg.one_to_one, identical=cfg.drop_identical
    )
    stats = {
        "method": cfg.method,
        "symmetrize": cfg.symmetrize if cfg.method != "gold" else None,
        "n_in": len(records),
        "dropped_by_length": dropped_len,
        "links_aligned": sum(len(lk) for lk in links),
        **fstats,
        "n_out": len(out),
        "seconds": round(time.perf_counter() - t0, 3),
    }
    log.info(
        "align (%s): %d -> %d pairs, %d links",
        cfg.method,
        stats["n_in"],
        stats["n_out"],
        stats["links"],
    )
    return out, stats


def score_aligner(records_with_gold: list[dict], cfg: AlignConfig) -> dict:
    """AER etc. of ``cfg.method`` against the records' gold alignment (sure links only).

    Scored on the pairs that pass the length filter, before the link filters (the aligner's own
    quality); ``filtered_precision`` is the share of links surviving the filters that are gold,
    i.e. the noise rate of what ``adjust`` trains on.
    """
    t0 = time.perf_counter()
    records = _validated(records_with_gold, need_gold=True)
    kept, _ = filter_length(records, cfg.max_words)
    gold = [r["alignment"] for r in kept]
    sym, fwd, rev = _predict(kept, cfg) if kept else ([], None, None)
    result: dict[str, Any] = {
        "method": cfg.method,
        "symmetrize": cfg.symmetrize if cfg.method != "gold" else None,
        "n_pairs": len(kept),
        **aer(sym, gold),
    }
    if fwd is not None and rev is not None:
        result["forward_aer"] = aer(fwd, gold)["aer"]
        result["reverse_aer"] = aer(rev, gold)["aer"]
    predicted = [dict(r, alignment=[list(x) for x in lk]) for r, lk in zip(kept, sym, strict=True)]
    filtered, _ = apply_link_filters(
        predicted, one_to_one_only=cfg.one_to_one, identical=cfg.drop_identical
    )
    gold_by_id = {r["id"]: {(int(i), int(j)) for i, j in r["alignment"]} for r in kept}
    n_links = sum(len(r["alignment"]) for r in filtered)
    n_good = sum(sum((i, j) in gold_by_id[r["id"]] for i, j in r["alignment"]) for r in filtered)
    result["filtered_links"] = n_links
    result["filtered_precision"] = n_good / n_links if n_links else 1.0
    result["seconds"] = round(time.perf_counter() - t0, 3)
    return result
