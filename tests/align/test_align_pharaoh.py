"""Pharaoh I/O: round trips, and errors that name the file and line."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from repro.align.pharaoh import (
    format_pharaoh,
    parse_pharaoh,
    read_pharaoh_file,
    write_pharaoh_file,
)
from repro.errors import DataError

links_st = st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 10_000)), max_size=40)


@given(links_st)
def test_parse_inverts_format(links):
    assert parse_pharaoh(format_pharaoh(links)) == links


@given(st.lists(links_st, max_size=8))
def test_file_round_trip(tmp_path_factory, alignments):
    path = tmp_path_factory.mktemp("ph") / "a.links"
    assert write_pharaoh_file(path, alignments) == len(alignments)
    assert read_pharaoh_file(path, n_expected=len(alignments)) == alignments


def test_parse_tolerates_whitespace_and_empty_lines():
    assert parse_pharaoh("  0-1\t2-3  \r\n") == [(0, 1), (2, 3)]
    assert parse_pharaoh("") == []
    assert parse_pharaoh("\n") == []
    assert format_pharaoh([]) == ""
    assert format_pharaoh([(3, 0), (0, 12)]) == "3-0 0-12"


@pytest.mark.parametrize("bad", ["1-", "-1-2", "a-b", "1-2-3", "1:2", "0-1,", "\uff11-2", "1 - 2"])
def test_parse_rejects_malformed_tokens(bad):
    with pytest.raises(DataError, match="malformed Pharaoh link"):
        parse_pharaoh(f"0-0 {bad}")


@pytest.mark.parametrize("bad", [[(-1, 0)], [(0, 1.5)], [(0, 1, 2)], [("0", 1)]])
def test_format_rejects_bad_links(bad):
    with pytest.raises(ValueError):
        format_pharaoh(bad)


def test_read_names_file_and_line(tmp_path: Path):
    path = tmp_path / "bad.links"
    path.write_text("0-0 1-1\n\n2-2 x-3\n", encoding="utf-8")
    with pytest.raises(DataError) as err:
        read_pharaoh_file(path)
    msg = str(err.value)
    assert str(path) in msg and "line 3" in msg and "'x-3'" in msg


def test_read_checks_line_count(tmp_path: Path):
    path = tmp_path / "short.links"
    path.write_text("0-0\n1-1\n", encoding="utf-8")
    assert len(read_pharaoh_file(path, n_expected=2)) == 2
    with pytest.raises(DataError, match="2 alignment lines but 3 sentence pairs") as err:
        read_pharaoh_file(path, n_expected=3)
    assert str(path) in str(err.value)


def test_read_missing_file(tmp_path: Path):
    with pytest.raises(DataError, match="not found"):
        read_pharaoh_file(tmp_path / "nope.links")


def test_read_invalid_utf8(tmp_path: Path):
    path = tmp_path / "bin.links"
    path.write_bytes(b"0-0\n\xff\xfe\n")
    with pytest.raises(DataError, match="line 2"):
        read_pharaoh_file(path)


def test_failed_write_leaves_nothing(tmp_path: Path):
    path = tmp_path / "out.links"

    def gen():
        yield [(0, 0)]
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        write_pharaoh_file(path, gen())
    assert list(tmp_path.iterdir()) == []
    path.write_text("old\n", encoding="utf-8")
    with pytest.raises(ValueError):
        write_pharaoh_file(path, [[(0, 0)], [(-1, 2)]])
    assert path.read_text(encoding="utf-8") == "old\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.links"]
