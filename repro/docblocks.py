"""Generated blocks in markdown documents: the text between ``<!-- name -->`` and
``<!-- /name -->`` (each on its own line) is written by a command, never by hand.

One mechanism for every generated block (README verdict tables, the calibration probe table):
a block may be empty, as it is before its first generation.
"""

from __future__ import annotations

import re


def _pattern(name: str) -> re.Pattern[str]:
    m = re.escape(name)
    return re.compile(rf"(<!-- {m} -->\n)(?:(.*?)\n)?(<!-- /{m} -->)", re.S)


def read_block(text: str, name: str) -> str | None:
    """The block's body ("" when empty), or None when ``text`` has no such block."""
    found = _pattern(name).search(text)
    return None if found is None else found.group(2) or ""


def replace_block(text: str, name: str, body: str) -> str | None:
    """``text`` with the block's body replaced by ``body``, or None when there is no block."""
    pattern = _pattern(name)
    if not pattern.search(text):
        return None
    return pattern.sub(lambda m: m.group(1) + body + "\n" + m.group(3), text, count=1)
