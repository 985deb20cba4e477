"""Byte-level fixtures the bad-input suites share: BOM + CRLF text, tar.gz and zip archives
built in memory (the staged data ships IWSLT as .tgz and SQuAD as .zip)."""

from __future__ import annotations

import io
import tarfile
import zipfile

BOM = b"\xef\xbb\xbf"


def crlf_bom(text: str) -> bytes:
    """``text`` as a Windows editor saves it: UTF-8 with a byte-order mark and CRLF lines."""
    return BOM + text.replace("\n", "\r\n").encode("utf-8")


def tgz(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tf:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def zip_of(members: dict[str, str]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, text in members.items():
            zf.writestr(name, text)
    return buf.getvalue()


def squad_zip(text: str) -> bytes:
    """SQuAD v1.1 dev as its download: ``dev-v1.1.json`` inside a zip."""
    return zip_of({"dev-v1.1.json": text})
