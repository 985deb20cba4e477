"""The repository stands alone: every file it cites is in it.

Code, docs, profiles and reports cite paths such as ``docs/paper.md §4`` or link
``[statistics](statistics.md)``. A cited file that is not in the repository (a working note, a
design document kept elsewhere) leaves the reader with nothing to open, so this fails on it.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TEXT = {".py", ".md", ".toml", ".j2", ".json", ".html", ".cfg", ".txt", ""}
#: Files kept outside the repository that earlier drafts cited.
OUTSIDE = re.compile(r"\bnotes/[\w.-]+\.md|\bDESIGN\.md")
#: A repository-relative path: a top-level folder, then a file with an extension.
ROOTED = re.compile(
    r"(?<![\w/.$<{-])((?:docs|repro|tests|claims|reports|\.ci)/[\w./-]*\.(?:md|py|toml|json|j2|css|svg))\b"
)
#: A relative markdown link target (no scheme, no pure anchor).
MD_LINK = re.compile(r"\]\(((?![a-z]+:|#)[^)\s]+)\)")


def tracked() -> list[Path]:
    try:
        out = subprocess.run(
            ["git", "ls-files", "-co", "--exclude-standard"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split()
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("not a git checkout")
    skip = ("reports/smoke/results/", "reports/mini/results/")
    return [
        ROOT / p
        for p in out
        if Path(p).suffix in TEXT and not p.startswith(skip) and (ROOT / p).is_file()
    ]


def references(path: Path, text: str) -> list[tuple[str, Path]]:
    """(as cited, resolved path) for every repository path ``text`` cites."""
    found = [(m, ROOT / m) for m in ROOTED.findall(text)]
    if path.suffix == ".md":
        for target in MD_LINK.findall(text):
            rel = target.split("#", 1)[0]
            if rel:
                found.append((target, (path.parent / rel).resolve()))
    return found


def test_nothing_cites_files_kept_outside_the_repository():
    hits = []
    for path in tracked():
        if path == Path(__file__):
            continue
        for i, line in enumerate(path.read_text(errors="replace").splitlines(), 1):
            if OUTSIDE.search(line):
                hits.append(f"{path.relative_to(ROOT)}:{i}: {line.strip()[:120]}")
    assert not hits, "cites a file outside the repository:\n" + "\n".join(hits)


def test_every_cited_repository_path_exists():
    missing = []
    for path in tracked():
        if path == Path(__file__):
            continue
        text = path.read_text(errors="replace")
        for cited, resolved in references(path, text):
            if not resolved.exists():
                missing.append(f"{path.relative_to(ROOT)}: {cited}")
    assert not missing, "cites a path that does not exist:\n" + "\n".join(sorted(set(missing)))


def test_the_checks_catch_what_they_are_for(tmp_path):
    doc = ROOT / "docs" / "example.md"
    text = "see notes/paper.md §3, [stats](statistics.md), [gone](nowhere.md), docs/absent.md"
    assert OUTSIDE.search(text)
    cited = {c: p.exists() for c, p in references(doc, text)}
    assert cited == {"docs/absent.md": False, "statistics.md": True, "nowhere.md": False}
