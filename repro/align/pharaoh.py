"""Pharaoh alignment format (``i-j`` links separated by spaces, one sentence pair per line).

This is the interchange format of fast_align, eflomal and atools, so alignments produced elsewhere
(or cached as artifacts) can be read back and checked line by line.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Iterable, Sequence
from pathlib import Path

from repro.errors import DataError
from repro.fsio import open_atomic

Link = tuple[int, int]

_TOKEN = re.compile(r"([0-9]+)-([0-9]+)")


def parse_pharaoh(
    line: str, *, path: str | Path | None = None, record: object | None = None
) -> list[Link]:
    """Parse one line; order is preserved so that ``parse_pharaoh(format_pharaoh(x)) == x``.

    ``path``/``record`` only decorate the error message.
    """
    links: list[Link] = []
    for tok in line.split():
        m = _TOKEN.fullmatch(tok)
        if m is None:
            raise DataError(
                path,
                record,
                f"malformed Pharaoh link {tok!r}; expected 'i-j' with "
                "non-negative integers i and j",
            )
        links.append((int(m.group(1)), int(m.group(2))))
    return links


def format_pharaoh(links: Iterable[Sequence[int]]) -> str:
    """Serialise links in the given order (no trailing newline; empty string for no links)."""
    parts = []
    for link in links:
        try:
            i, j = (operator.index(x) for x in link)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"Pharaoh links are pairs of ints, got {link!r}") from exc
        if i < 0 or j < 0:
            raise ValueError(f"Pharaoh links need non-negative indices, got {link!r}")
        parts.append(f"{i}-{j}")
    return " ".join(parts)


def read_pharaoh_file(path: str | Path, n_expected: int | None = None) -> list[list[Link]]:
    """Read one alignment per line; an empty line is a pair without links.

    ``n_expected`` (the number of sentence pairs) catches truncated or misaligned files, which
    would otherwise silently shift every alignment onto the wrong sentence.
    """
    path = Path(path)
    out: list[list[Link]] = []
    try:
        with open(path, "rb") as fh:  # decode per line so an error names the right line
            for lineno, raw in enumerate(fh, 1):
                try:
                    line = raw.decode("utf-8")
                except UnicodeDecodeError as exc:
                    raise DataError(path, f"line {lineno}", f"invalid UTF-8: {exc.reason}") from exc
                out.append(parse_pharaoh(line, path=path, record=f"line {lineno}"))
    except FileNotFoundError as exc:
        raise DataError(path, None, "alignment file not found") from exc
    if n_expected is not None and len(out) != n_expected:
        raise DataError(
            path, None, f"{len(out)} alignment lines but {n_expected} sentence pairs expected"
        )
    return out


def write_pharaoh_file(path: str | Path, alignments: Iterable[Iterable[Sequence[int]]]) -> int:
    """Write atomically (temp file + rename); returns the number of lines written."""
    n = 0
    with open_atomic(Path(path)) as fh:
        for links in alignments:
            fh.write(format_pharaoh(links))
            fh.write("\n")
            n += 1
    return n
