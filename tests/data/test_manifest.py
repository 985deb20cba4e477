"""Data-dir checks against MANIFEST.tsv; fetch refused offline; checks of fetched data."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from repro.data import manifest as M
from repro.data.assemble import BundleParts, write_bundle
from repro.errors import ConfigError, DataError

HEADER = "\t".join(M.MANIFEST_COLUMNS) + "\n"


def make_dir(root: Path, files: dict[str, bytes], *, extra_rows: str = "") -> Path:
    rows = []
    for rel, data in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data)
        digest = hashlib.sha256(data).hexdigest()
        rows.append(f"{rel}\t{len(data)}\t{digest}\towner/repo\t{rel}\tabc\tCC0\t1\tlines\n")
    (root / "MANIFEST.tsv").write_text(HEADER + "".join(rows) + extra_rows)
    (root / "README.md").write_text("readme\n")
    return root


FILES = {"a/one.txt": b"one\n", "a/two.txt": b"two\n", "b.json": b"{}\n"}


def test_clean_dir_verifies(tmp_path):
    rep = M.verify_data_dir(make_dir(tmp_path, FILES))
    assert rep.ok and rep.n_checked == 3 and rep.problems == () and rep.unlisted == ()
    assert "3 files checked, OK" in rep.summary()


def test_every_kind_of_problem_is_listed(tmp_path):
    root = make_dir(tmp_path, FILES)
    (root / "a/one.txt").write_bytes(b"one more\n")  # size differs
    (root / "a/two.txt").write_bytes(b"TWO\n")  # same size, other content
    (root / "b.json").unlink()  # missing
    (root / "new.txt").write_text("x")  # present but not listed: reported, not a problem
    rep = M.verify_data_dir(root)
    assert not rep.ok
    assert rep.problems == (
        "a/one.txt: size 9 bytes, manifest says 4",
        "a/two.txt: SHA-256 differs from the manifest",
        "b.json: missing",
    )
    assert rep.unlisted == ("new.txt",)
    assert "3 problem(s)" in rep.summary()
    assert M.verify_data_dir(root, check_hashes=False).problems == rep.problems[::2]


@pytest.mark.parametrize(
    "row, match",
    [
        ("x\t1\tnothex\to\tp\tc\tl\t1\tu\n", "SHA-256"),
        (f"x\tten\t{'0' * 64}\to\tp\tc\tl\t1\tu\n", "integers"),
        (f"../x\t1\t{'0' * 64}\to\tp\tc\tl\t1\tu\n", "unsafe"),
        (f"x\t1\t{'0' * 64}\to\tp\n", "9 columns"),
        (f"a/one.txt\t4\t{'0' * 64}\to\tp\tc\tl\t1\tu\n", "duplicate path"),
    ],
)
def test_malformed_manifest_rows(tmp_path, row, match):
    make_dir(tmp_path, FILES, extra_rows=row)
    with pytest.raises(DataError, match=match) as err:
        M.read_manifest(tmp_path)
    assert err.value.record == "line 5" and err.value.path.endswith("MANIFEST.tsv")


def test_manifest_header_and_missing_dir(tmp_path):
    (tmp_path / "MANIFEST.tsv").write_text("path\tbytes\n")
    with pytest.raises(DataError, match="expected header"):
        M.read_manifest(tmp_path)
    with pytest.raises(DataError, match="not found"):
        M.verify_data_dir(tmp_path / "nope")


def test_real_data_dir_verifies(data_dir):
    rep = M.verify_data_dir(data_dir)
    assert rep.ok, rep.summary()
    assert rep.n_checked == len(M.read_manifest(data_dir)) >= 110


def test_real_manifest_examples_for_known_files(data_dir):
    rows = {r.path: r for r in M.read_manifest(data_dir)}
    assert rows["xnli/myxnli/my.genre.test.tsv"].examples == 5010
    assert rows["squad/dev-v1.1.json.zip"].examples == 10570
    assert rows["mlqa/LICENSE"].examples is None


def test_fetch_refuses_when_offline(tmp_path, monkeypatch):
    from repro.data.fetch import fetch
    from repro.data.hub import HubDataConfig

    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    with pytest.raises(ConfigError, match="needs the network"):
        fetch(HubDataConfig(), tmp_path / "fetched")
    assert not (tmp_path / "fetched").exists()


def _tiny_bundle(out: Path) -> Path:
    parts = BundleParts(source="hub", languages=["en", "es"])
    parts.xsr["es"] = [
        {"id": "t-0", "src_lang": "en", "tgt_lang": "es", "src": "Hi .", "tgt": "Hola ."}
    ]
    parts.eval.append(
        (
            "nli",
            "xnli",
            "es",
            [{"id": "x-0", "lang": "es", "premise": "p", "hypothesis": "h", "label": "neutral"}],
        )
    )
    write_bundle(parts, out)
    M.write_checksums(out)
    return out


def test_verify_fetched_ok_and_tampering(tmp_path):
    out = _tiny_bundle(tmp_path / "fetched")
    sums = (out / M.CHECKSUMS).read_text().splitlines()
    assert sorted(line.split("  ")[1] for line in sums) == [
        "bundle.json",
        "nli.xnli.es.jsonl",
        "xsr.es.jsonl",
    ]
    assert M.verify_fetched(out).ok
    (out / "xsr.es.jsonl").write_text('{"id": "t-0"}\n')
    assert M.verify_fetched(out).problems == ("xsr.es.jsonl: SHA-256 differs from SHA256SUMS",)


def test_verify_fetched_detects_unlisted_bundle_files_and_missing_sums(tmp_path):
    out = _tiny_bundle(tmp_path / "fetched")
    lines = [
        ln
        for ln in (out / M.CHECKSUMS).read_text().splitlines()
        if not ln.endswith("nli.xnli.es.jsonl")
    ]
    (out / M.CHECKSUMS).write_text("\n".join(lines) + "\n")
    rep = M.verify_fetched(out)
    assert rep.problems == ("nli.xnli.es.jsonl: named by the bundle but not listed in SHA256SUMS",)
    (out / M.CHECKSUMS).unlink()
    with pytest.raises(DataError, match="file not found"):
        M.verify_fetched(out)
    (out / M.CHECKSUMS).write_text("garbage\n")
    with pytest.raises(DataError, match="sha256") as err:
        M.verify_fetched(out)
    assert err.value.record == "line 1"
