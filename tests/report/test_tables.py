"""Tables and claims use one definition of which runs count (``Entry.failed``)."""

import numpy as np
import pytest

from repro.claims.context import ClaimContext
from repro.claims.results import Entry, EntryKey, ResultSet
from repro.config import resolve
from repro.report.tables import summarize


def _nli(rng, seeds, *, near_chance=(), failed=()):
    rs = ResultSet()
    ids = [f"x{i:04d}" for i in range(400)]
    for state, p in (("original", 0.45), ("adjusted", 0.5)):
        for s in seeds:
            meta = {
                "collapsed": (state, s) in near_chance,
                "english_collapsed": (state, s) in failed,
            }
            corr = (rng.random(len(ids)) < p).astype(int)
            rs.add(
                Entry(
                    EntryKey("eval", "nli", "xnli", "es", state, s),
                    ids,
                    {"correct": corr},
                    meta=meta,
                )
            )
    return rs


@pytest.mark.parametrize(
    "near_chance, failed",
    [
        ((("original", 1), ("original", 3)), ()),
        ((), (("adjusted", 2),)),
        ((("adjusted", 1),), (("original", 3),)),
    ],
)
def test_the_table_mean_is_the_claim_rows_mean(near_chance, failed):
    rs = _nli(np.random.default_rng(0), (1, 2, 3), near_chance=near_chance, failed=failed)
    ctx = ClaimContext(resolve("smoke", overrides=("claims.n_resamples=200",)), rs)
    row = ctx.compare("eval", "nli", "xnli", "es", "original", "adjusted")
    excluded = {s for _, s in failed}
    assert row["excluded_seeds"] == sorted(excluded)  # a failed run on either side drops its pair
    assert set(row["near_chance_seeds"]) == {s for _, s in near_chance} - excluded  # kept
    for state, side in (("original", "base"), ("adjusted", "new")):
        found = rs.find(kind="eval", task="nli", dataset="xnli", lang="es", state=state)
        table = summarize([e for e in found if e.key.seed not in excluded])
        assert table.mean["accuracy"] == pytest.approx(row[side], abs=1e-9)
        # the table's own exclusion marks exactly the failed runs, never a near-chance target
        marked = {s for s, _, c in summarize(found).per_seed if c}
        assert marked == {s for st, s in failed if st == state}


def test_the_paper_layouts_are_data_and_a_bad_entry_names_file_and_table(tmp_path):
    from repro.errors import ConfigError
    from repro.report.paper_tables import paper_layouts

    ids = [lay.id for lay in paper_layouts()]
    assert ids == ["table-nli", "table-ner", "table-qa-mono", "table-qa-cross", "table-xsr"]
    bad = tmp_path / "layouts.toml"
    bad.write_text(
        '[[table]]\nid = "t"\ntitle = "T"\ntask = "nli"\nmetrics = ["accuracy"]\n'
        'caption = "c"\npairs = "both"\n',
        encoding="utf-8",
    )
    with pytest.raises(ConfigError, match="layouts.toml: table t: pairs"):
        paper_layouts(bad)
    bad.write_text('[[table]]\nid = "u"\ntitel = "T"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"table 0 \(u\).*titel"):
        paper_layouts(bad)
