"""Damage that parses cleanly: caught by the loaders themselves, not only by the checksums.

Each case copies one staged file (and ``MANIFEST.tsv``) into a scratch data dir, damages it the
way the bad-input audit did, and calls the public loader. Cutting a file at a line end, losing
a blank line between WikiANN sentences, a duplicated row, a shifted or tab-damaged Tatoeba
side and a truncated ``.tgz`` must each raise a ``DataError`` naming the damaged file.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from repro.data import local as L
from repro.errors import DataError

DATA = os.environ.get("REPRO_DATA_DIR")
pytestmark = pytest.mark.skipif(
    not DATA or not (Path(DATA) / "MANIFEST.tsv").is_file(),
    reason="REPRO_DATA_DIR is not set: these cases damage copies of the staged files",
)


def stage(tmp_path: Path, *rels: str) -> Path:
    """A scratch data dir holding the manifest and copies of ``rels``."""
    root = tmp_path / "data"
    for rel in ("MANIFEST.tsv", *rels):
        dst = root / rel
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(Path(DATA) / rel, dst)
    return root


def lines_of(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").split("\n")


def put_lines(path: Path, lines: list[str]) -> None:
    path.write_text("\n".join(lines), encoding="utf-8")


def raises_naming(path: Path, match: str, fn, *args):
    with pytest.raises(DataError, match=match) as exc:
        fn(*args)
    assert exc.value.path == str(path), exc.value
    return exc.value


def test_copies_load_before_damage(tmp_path):
    root = stage(tmp_path, "xnli/dev-es.tsv", "wikiann/dev-hi.tsv", "mnli/mnli_val.tsv")
    assert len(L.load_xnli(root, "es", "dev")) == 2490
    assert len(L.load_wikiann(root, "hi", "dev")) == 1000
    assert len(L.load_mnli(root, "val")) == 5000


def test_xnli_dev_cut_at_a_line_end(tmp_path):
    root = stage(tmp_path, "xnli/dev-es.tsv")
    path = root / "xnli/dev-es.tsv"
    put_lines(path, lines_of(path)[:1773] + [""])
    raises_naming(
        path, "1773 rows parsed but MANIFEST.tsv lists 2490", L.load_xnli, root, "es", "dev"
    )


def test_mnli_cut_at_a_line_end(tmp_path):
    root = stage(tmp_path, "mnli/mnli_val.tsv")
    path = root / "mnli/mnli_val.tsv"
    put_lines(path, lines_of(path)[:3492] + [""])  # header + 3,491 rows
    raises_naming(path, "3491 rows parsed but MANIFEST.tsv lists 5000", L.load_mnli, root, "val")


def test_wikiann_lost_blank_line_merges_two_sentences(tmp_path):
    root = stage(tmp_path, "wikiann/dev-hi.tsv")
    path = root / "wikiann/dev-hi.tsv"
    lines = lines_of(path)
    del lines[lines.index("")]  # the first sentence boundary
    put_lines(path, lines)
    raises_naming(path, "999 sentences parsed", L.load_wikiann, root, "hi", "dev")


def test_wikiann_cut_at_a_sentence_end(tmp_path):
    root = stage(tmp_path, "wikiann/dev-hi.tsv")
    path = root / "wikiann/dev-hi.tsv"
    text = path.read_text(encoding="utf-8")
    path.write_text("\n\n".join(text.split("\n\n")[:702]) + "\n", encoding="utf-8")
    raises_naming(path, "702 sentences parsed", L.load_wikiann, root, "hi", "dev")


def test_xnli_dev_duplicated_row(tmp_path):
    root = stage(tmp_path, "xnli/dev-es.tsv")
    path = root / "xnli/dev-es.tsv"
    lines = lines_of(path)
    lines.insert(10, lines[3])  # an extra copy: the count shows it
    put_lines(path, lines)
    raises_naming(path, "2491 rows parsed", L.load_xnli, root, "es", "dev")
    (root / "MANIFEST.tsv").unlink()  # without a manifest the repeat itself is named
    err = raises_naming(path, "duplicate of line 4", L.load_xnli, root, "es", "dev")
    assert err.record == "line 11"


def test_mnli_duplicated_row_without_manifest(tmp_path):
    root = stage(tmp_path, "mnli/mnli_val.tsv")
    (root / "MANIFEST.tsv").unlink()
    path = root / "mnli/mnli_val.tsv"
    lines = lines_of(path)
    lines[20] = lines[5]
    put_lines(path, lines)
    raises_naming(path, "duplicate of line 6", L.load_mnli, root, "val")


def test_tatoeba_one_side_shifted_by_a_line(tmp_path):
    rels = ("tatoeba/tatoeba.spa-eng.eng", "tatoeba/tatoeba.spa-eng.spa")
    root = stage(tmp_path, *rels)
    path = root / rels[1]
    lines = lines_of(path)
    put_lines(path, lines[1:])  # first line lost: every pair after it is misaligned
    raises_naming(path, "999 lines parsed but MANIFEST.tsv lists 1000", L.load_tatoeba, root, "es")


def test_tatoeba_stray_tab(tmp_path):
    rels = ("tatoeba/tatoeba.vie-eng.eng", "tatoeba/tatoeba.vie-eng.vie")
    root = stage(tmp_path, *rels)
    path = root / rels[1]
    lines = lines_of(path)
    lines[7] = lines[7] + "\t" + lines[8]
    put_lines(path, lines)
    err = raises_naming(path, "tab inside", L.load_tatoeba, root, "vi")
    assert err.record == "line 8"


@pytest.mark.parametrize("keep", [0.5, 0.97])
def test_truncated_tgz_is_a_data_error(tmp_path, keep):
    rel = "parallel/en-vi/dev-2012-en-vi.tgz"
    root = stage(tmp_path, rel)
    path = root / rel
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * keep)])
    src = next(s for s in L.parallel_sources("vi") if s.archive == rel)
    raises_naming(path, "not a readable tar archive", L.read_parallel_source, root, src)


def test_squad_format_question_count(tmp_path):
    import json

    rel = "xquad/xquad.es.json"
    root = stage(tmp_path, rel)
    path = root / rel
    obj = json.loads(path.read_text(encoding="utf-8"))
    obj["data"] = obj["data"][:-1]  # a whole article lost: valid JSON, fewer questions
    path.write_text(json.dumps(obj), encoding="utf-8")
    raises_naming(path, "questions parsed but MANIFEST.tsv lists 1190", L.load_xquad, root, "es")
