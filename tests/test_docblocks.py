"""Generated markdown blocks: read and replaced whole, empty ones included."""

from repro.docblocks import read_block, replace_block

DOC = "intro\n<!-- t -->\nold\nrows\n<!-- /t -->\nend\n"


def test_read_and_replace_a_block():
    assert read_block(DOC, "t") == "old\nrows"
    assert replace_block(DOC, "t", "new") == "intro\n<!-- t -->\nnew\n<!-- /t -->\nend\n"
    assert read_block(DOC, "other") is None and replace_block(DOC, "other", "x") is None


def test_an_empty_block_is_filled():
    empty = "<!-- t -->\n<!-- /t -->\n"
    assert read_block(empty, "t") == ""
    assert replace_block(empty, "t", "a | b") == "<!-- t -->\na | b\n<!-- /t -->\n"
