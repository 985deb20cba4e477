"""Check a data dir against its ``MANIFEST.tsv``, and a fetched bundle against its
``SHA256SUMS``; neither touches the network (downloading is :mod:`repro.data.fetch`).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

from repro.data.textio import read_lines
from repro.errors import DataError
from repro.fsio import sha256_file, write_text_atomic

MANIFEST = "MANIFEST.tsv"
MANIFEST_COLUMNS = (
    "path",
    "bytes",
    "sha256",
    "source_repo",
    "source_path",
    "source_commit",
    "licence",
    "examples",
    "unit",
)
#: Files of the data dir that are not listed in its own manifest.
UNLISTED_OK = frozenset({MANIFEST, "README.md"})
CHECKSUMS = "SHA256SUMS"


@dataclass(frozen=True)
class ManifestRow:
    path: str
    bytes: int
    sha256: str
    source_repo: str
    source_path: str
    source_commit: str
    licence: str
    examples: int | None
    unit: str


def _is_sha256(s: str) -> bool:
    return len(s) == 64 and all(c in "0123456789abcdef" for c in s)


def read_manifest(data_dir: Path) -> list[ManifestRow]:
    """Parse ``MANIFEST.tsv`` strictly (header, 9 columns, integers, hex digests, safe paths)."""
    path = Path(data_dir) / MANIFEST
    lines = read_lines(path)
    header = tuple(lines[0].split("\t"))
    if header != MANIFEST_COLUMNS:
        raise DataError(
            path, "line 1", f"expected header {list(MANIFEST_COLUMNS)}, got {list(header)}"
        )
    rows: list[ManifestRow] = []
    seen: set[str] = set()
    for i, line in enumerate(lines[1:], 2):
        if not line.strip():
            continue
        f = line.split("\t")
        if len(f) != len(MANIFEST_COLUMNS):
            raise DataError(
                path, f"line {i}", f"expected {len(MANIFEST_COLUMNS)} columns, got {len(f)}"
            )
        rel = f[0]
        if not rel or rel.startswith("/") or ".." in Path(rel).parts:
            raise DataError(path, f"line {i}", f"unsafe or empty path {rel!r}")
        if rel in seen:
            raise DataError(path, f"line {i}", f"duplicate path {rel!r}")
        seen.add(rel)
        try:
            size = int(f[1])
            examples = int(f[7]) if f[7].strip() else None
        except ValueError as exc:
            raise DataError(path, f"line {i}", f"bytes/examples must be integers: {exc}") from exc
        if not _is_sha256(f[2]):
            raise DataError(path, f"line {i}", f"not a SHA-256 hex digest: {f[2]!r}")
        rows.append(ManifestRow(rel, size, f[2], f[3], f[4], f[5], f[6], examples, f[8]))
    if not rows:
        raise DataError(path, None, "manifest lists no files")
    return rows


@functools.lru_cache(maxsize=16)
def _listed_counts(manifest: str, _stamp: tuple[int, int]) -> dict[str, int]:
    return {r.path: r.examples for r in read_manifest(Path(manifest).parent) if r.examples}


def listed_count(data_dir: Path, path: Path) -> int | None:
    """The ``examples`` count ``MANIFEST.tsv`` lists for a staged file, or None when the data
    dir has no manifest, the file is outside it or has no count.

    The loaders compare what they parsed with it, so a file cut at a line end (which parses
    cleanly) is caught by the loader itself, not only by the checksum of the data stage.
    """
    mpath = Path(data_dir) / MANIFEST
    try:
        st = mpath.stat()
        rel = Path(path).resolve().relative_to(Path(data_dir).resolve()).as_posix()
    except (FileNotFoundError, ValueError):
        return None
    return _listed_counts(str(mpath), (st.st_mtime_ns, st.st_size)).get(rel)


def check_listed_count(data_dir: Path, path: Path, n: int, what: str) -> None:
    """DataError naming ``path`` when ``n`` parsed ``what`` differ from the manifest's count."""
    want = listed_count(data_dir, path)
    if want is not None and want != n:
        raise DataError(
            path,
            None,
            f"{n} {what} parsed but {MANIFEST} lists {want}: the file is truncated, "
            "extended or not the staged one",
        )


@dataclass(frozen=True)
class VerifyReport:
    """Outcome of a verification; ``problems`` lists every mismatch (empty when all is well)."""

    root: str
    n_checked: int
    problems: tuple[str, ...]
    unlisted: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self) -> str:
        head = (
            f"{self.root}: {self.n_checked} files checked, "
            f"{'OK' if self.ok else f'{len(self.problems)} problem(s)'}"
        )
        lines = [head, *(f"  - {p}" for p in self.problems)]
        if self.unlisted:
            more = " ..." if len(self.unlisted) > 5 else ""
            lines.append(
                f"  ({len(self.unlisted)} file(s) present but not listed: "
                f"{', '.join(self.unlisted[:5])}{more})"
            )
        return "\n".join(lines)


def verify_data_dir(data_dir: Path, *, check_hashes: bool = True) -> VerifyReport:
    """Check every MANIFEST row: the file exists, has the listed size and SHA-256."""
    data_dir = Path(data_dir)
    if not data_dir.is_dir():
        raise DataError(data_dir, None, "data directory not found")
    rows = read_manifest(data_dir)
    problems: list[str] = []
    for row in rows:
        p = data_dir / row.path
        if not p.is_file():
            problems.append(f"{row.path}: missing")
            continue
        size = p.stat().st_size
        if size != row.bytes:
            problems.append(f"{row.path}: size {size} bytes, manifest says {row.bytes}")
            continue
        if check_hashes and sha256_file(p) != row.sha256:
            problems.append(f"{row.path}: SHA-256 differs from the manifest")
    listed = {r.path for r in rows}
    unlisted = sorted(
        p.relative_to(data_dir).as_posix()
        for p in data_dir.rglob("*")
        if p.is_file()
        and p.relative_to(data_dir).as_posix() not in listed
        and p.relative_to(data_dir).as_posix() not in UNLISTED_OK
    )
    return VerifyReport(str(data_dir), len(rows), tuple(problems), tuple(unlisted))


# --------------------------------------------------------------------------------------------
# Hub fetch (network) and offline verification of what was fetched
# --------------------------------------------------------------------------------------------


def write_checksums(root: Path) -> Path:
    """Write ``SHA256SUMS`` (``sha256sum`` format) over every file under ``root``, atomically."""
    root = Path(root)
    files = sorted(
        p
        for p in root.rglob("*")
        if p.is_file() and p.name != CHECKSUMS and not p.name.startswith(".")
    )
    text = "".join(f"{sha256_file(p)}  {p.relative_to(root).as_posix()}\n" for p in files)
    write_text_atomic(root / CHECKSUMS, text)
    return root / CHECKSUMS


def verify_fetched(out_dir: Path) -> VerifyReport:
    """Offline: every file in ``SHA256SUMS`` matches, and every file the bundle names is listed."""
    out_dir = Path(out_dir)
    sums_path = out_dir / CHECKSUMS
    expected: dict[str, str] = {}
    for i, line in enumerate(read_lines(sums_path), 1):
        digest, sep, rel = line.partition("  ")
        if not sep or not _is_sha256(digest) or not rel:
            raise DataError(sums_path, f"line {i}", "expected '<sha256>  <path>'")
        expected[rel] = digest
    problems: list[str] = []
    for rel, digest in expected.items():
        p = out_dir / rel
        if not p.is_file():
            problems.append(f"{rel}: missing")
        elif sha256_file(p) != digest:
            problems.append(f"{rel}: SHA-256 differs from {CHECKSUMS}")
    from repro.data.bundle import BUNDLE_FILE, Bundle

    if BUNDLE_FILE not in expected:
        problems.append(f"{BUNDLE_FILE}: not listed in {CHECKSUMS}")
    else:
        b = Bundle.load(out_dir)
        named = [
            *b.mono.values(),
            *b.parallel.values(),
            *b.parallel_heldout.values(),
            *b.train.values(),
            *b.dev.values(),
            *(e.path for e in b.eval),
            *b.xsr.values(),
        ]
        problems.extend(
            f"{rel}: named by the bundle but not listed in {CHECKSUMS}"
            for rel in named
            if rel not in expected
        )
    return VerifyReport(str(out_dir), len(expected), tuple(problems))
