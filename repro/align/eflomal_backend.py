"""eflomal (Östling & Tiedemann 2016) behind the optional ``align`` extra.

eflomal is GPLv3 and needs a C compiler to install, so it is imported lazily and never required.
Its Python API writes links to files only; both files are in (source, target) orientation, so the
caller can intersect them directly. eflomal samples without a seed option: two runs differ, so
the ``align`` stage must cache its output as an artifact rather than expect to recompute it.
"""

from __future__ import annotations

import logging
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType

from repro.align.pharaoh import Link, read_pharaoh_file
from repro.errors import ConfigError, DataError

log = logging.getLogger(__name__)

INSTALL_HINT = "pip install xlingual-repro[align]"


def import_eflomal() -> ModuleType:
    try:
        import eflomal  # optional dependency, imported on use
    except ImportError as exc:
        raise ConfigError(
            "align.method='eflomal' needs the optional eflomal package (GPLv3, built from source "
            f"with a C compiler): {INSTALL_HINT}; or use align.method='ibm1'"
        ) from exc
    return eflomal


def _check_links(
    path: Path,
    alignments: list[list[Link]],
    src: Sequence[Sequence[str]],
    tgt: Sequence[Sequence[str]],
) -> None:
    for k, links in enumerate(alignments):
        for i, j in links:
            if i >= len(src[k]) or j >= len(tgt[k]):
                raise DataError(
                    path,
                    f"line {k + 1}",
                    f"link {i}-{j} out of range ({len(src[k])} source, {len(tgt[k])} target words)",
                )


def eflomal_align(
    src: Sequence[Sequence[str]],
    tgt: Sequence[Sequence[str]],
    *,
    model: int = 3,
    n_samplers: int = 3,
    null_prior: float = 0.2,
) -> tuple[list[list[Link]], list[list[Link]]]:
    """Forward and reverse links, both as (src index, tgt index), one list per sentence pair."""
    if len(src) != len(tgt):
        raise ValueError(f"{len(src)} source but {len(tgt)} target sentences")
    eflomal = import_eflomal()
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="repro-eflomal-") as tmp:
        fwd_path, rev_path = Path(tmp) / "fwd.links", Path(tmp) / "rev.links"
        aligner = eflomal.Aligner(model=model, n_samplers=n_samplers, null_prior=null_prior)
        aligner.align(
            [" ".join(w) + "\n" for w in src],
            [" ".join(w) + "\n" for w in tgt],
            links_filename_fwd=str(fwd_path),
            links_filename_rev=str(rev_path),
        )
        for p in (fwd_path, rev_path):
            if not p.is_file():
                raise DataError(p, None, "eflomal wrote no links file (did its binary run?)")
        fwd = read_pharaoh_file(fwd_path, n_expected=len(src))
        rev = read_pharaoh_file(rev_path, n_expected=len(src))
        _check_links(fwd_path, fwd, src, tgt)
        _check_links(rev_path, rev, src, tgt)
    log.info(
        "eflomal (model %d, %d samplers): %d pairs in %.1f s",
        model,
        n_samplers,
        len(src),
        time.perf_counter() - t0,
    )
    return fwd, rev
