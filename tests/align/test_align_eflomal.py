"""eflomal backend: the real package when installed; the file plumbing against a stand-in."""

from __future__ import annotations

import sys
import types
from pathlib import Path

import pytest

from repro.align.aer import aer
from repro.align.eflomal_backend import eflomal_align
from repro.align.symmetrize import symmetrize
from repro.errors import DataError


def test_real_eflomal_on_toy_corpus(toy_corpus):
    pytest.importorskip("eflomal")
    src = [r["src"].split() for r in toy_corpus]
    tgt = [r["tgt"].split() for r in toy_corpus]
    fwd, rev = eflomal_align(src, tgt)
    assert len(fwd) == len(rev) == len(toy_corpus)
    sym = [symmetrize(f, r) for f, r in zip(fwd, rev, strict=True)]
    assert aer(sym, [r["alignment"] for r in toy_corpus])["aer"] < 0.2


def _fake_eflomal(monkeypatch, write):
    """Install a stand-in module with eflomal's documented Aligner.align signature."""
    calls = []

    class Aligner:
        def __init__(self, **kwargs):
            calls.append(kwargs)

        def align(
            self, src_input, trg_input, links_filename_fwd=None, links_filename_rev=None, **_
        ):
            src = [line.split() for line in src_input]
            tgt = [line.split() for line in trg_input]
            write(Path(links_filename_fwd), Path(links_filename_rev), src, tgt)

    monkeypatch.setitem(sys.modules, "eflomal", types.SimpleNamespace(Aligner=Aligner))
    return calls


def test_plumbing_reads_both_files_in_src_tgt_orientation(monkeypatch):
    def write(fwd, rev, src, tgt):
        fwd.write_text(
            "".join(
                " ".join(f"{i}-{i}" for i in range(min(len(s), len(t)))) + "\n"
                for s, t in zip(src, tgt, strict=True)
            ),
            encoding="utf-8",
        )
        rev.write_text("0-1\n\n", encoding="utf-8")

    calls = _fake_eflomal(monkeypatch, write)
    fwd, rev = eflomal_align([["a", "b"], ["c"]], [["A", "B", "C"], ["D"]], model=2)
    assert fwd == [[(0, 0), (1, 1)], [(0, 0)]]
    assert rev == [[(0, 1)], []]
    assert calls[0]["model"] == 2


@pytest.mark.parametrize(
    "fwd_text, problem",
    [
        ("0-0\n", "1 alignment lines but 2"),
        ("0-0\n0-5\n", "out of range"),
        ("0-0\nzero-0\n", "malformed"),
    ],
)
def test_plumbing_rejects_bad_output(monkeypatch, fwd_text, problem):
    def write(fwd, rev, src, tgt):
        fwd.write_text(fwd_text, encoding="utf-8")
        rev.write_text("0-0\n0-0\n", encoding="utf-8")

    _fake_eflomal(monkeypatch, write)
    with pytest.raises(DataError, match=problem):
        eflomal_align([["a"], ["b"]], [["A"], ["B"]])


def test_plumbing_reports_missing_output(monkeypatch):
    _fake_eflomal(monkeypatch, lambda *a: None)
    with pytest.raises(DataError, match="no links file"):
        eflomal_align([["a"]], [["A"]])
