"""The report renders from stored results only, byte-stably, and never invents numbers."""

from __future__ import annotations

import json
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from markupsafe import escape

from repro.errors import DataError
from repro.report import build_report
from repro.report.build import NO_PAPER_VALUES
from repro.report.deviations import deviations
from repro.report.inputs import load_inputs
from repro.report.paper_tables import paper_tables
from repro.report.sections import sanity_band
from repro.report.tables import fmt_num

SEEDS = (1, 2, 3)  # the fixture's runs (tests/report/conftest.py)

NO_VALUES_HTML = str(escape(NO_PAPER_VALUES))


class _Collector(HTMLParser):
    """Attributes of every start tag, ids, and the text of <title>."""

    def __init__(self) -> None:
        super().__init__()
        self.attrs: list[tuple[str, str, str]] = []  # (tag, attr, value)
        self.ids: list[str] = []
        self.tags: list[str] = []
        self.title = ""
        self._in_title = False

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        for k, v in attrs:
            self.attrs.append((tag, k, v or ""))
            if k == "id":
                self.ids.append(v or "")
        self._in_title = tag == "title"

    def handle_endtag(self, tag):
        self._in_title = False

    def handle_data(self, data):
        if self._in_title:
            self.title += data


def _parse(html: str) -> _Collector:
    c = _Collector()
    c.feed(html)
    return c


def _section(html: str, sid: str) -> str:
    m = re.search(rf'<section[^>]*id="{sid}".*?</section>', html, flags=re.S)
    return m.group(0) if m else ""


@pytest.fixture(scope="module")
def rendered(smoke_fixture, tmp_path_factory):
    """One render of the smoke inputs (in a copy, so the session fixture stays pristine)."""
    root = tmp_path_factory.mktemp("rendered") / "reports"
    shutil.copytree(smoke_fixture.root, root)
    paths = build_report(smoke_fixture.profile, root)
    return {
        "paths": paths,
        "root": root,
        "html": paths["html"].read_text(encoding="utf-8"),
        "md": paths["md"].read_text(encoding="utf-8"),
        "status": json.loads((root / "smoke" / "claims.json").read_text()),
    }


def test_render_twice_is_byte_identical(rendered, tmp_path):
    root = rendered["root"]
    first = {k: p.read_bytes() for k, p in rendered["paths"].items()}
    again = build_report("smoke", root)
    assert {k: p.read_bytes() for k, p in again.items()} == first
    # elsewhere on disk too: nothing in the output depends on where the inputs live
    other = tmp_path / "elsewhere"
    shutil.copytree(root, other)
    moved = build_report("smoke", other)
    assert moved["html"].read_bytes() == first["html"]
    assert moved["md"].read_bytes() == first["md"]


def test_outputs_and_no_temp_files_left(rendered):
    paths = rendered["paths"]
    assert {"html", "md"} <= set(paths)
    assert any(k.startswith("figures/") for k in paths)
    pdir = rendered["root"] / "smoke"
    assert not [p for p in pdir.rglob("*") if p.name.endswith(".tmp")]


def test_html_is_self_contained(rendered):
    html = rendered["html"]
    doc = _parse(html)
    assert "script" not in doc.tags and "link" not in doc.tags and "iframe" not in doc.tags
    for tag, attr, value in doc.attrs:
        if attr in ("src", "href") or attr.endswith(":href"):
            assert value.startswith("#"), f"<{tag} {attr}={value!r}> leaves the page"
    style = re.search(r"<style>(.*?)</style>", html, flags=re.S).group(1)
    assert "@import" not in style and "url(" not in style
    assert "&#34;" not in style and "&gt;" not in style  # CSS is not HTML-escaped


def test_every_claim_has_a_row_and_a_card(rendered):
    html, claims = rendered["html"], rendered["status"]["claims"]
    assert len(claims) == 12
    doc = _parse(html)
    table = re.search(r'<table class="claims">.*?</table>', html, flags=re.S).group(0)
    assert table.count('<tr id="row-') == len(claims)
    for cid in claims:
        a = cid.lower()
        assert doc.ids.count(a) == 1, f"no unique card anchor for {cid}"
        assert f'href="#{a}"' in table
        card = re.search(rf'<article class="card" id="{a}">.*?</article>', html, flags=re.S)
        assert card and claims[cid]["command"] in card.group(0)
        assert f'<span class="badge {claims[cid]["verdict"]}">' in card.group(0)


def test_ids_are_unique_and_figures_are_inline_svg(rendered):
    html = rendered["html"]
    doc = _parse(html)
    dup = {i for i in doc.ids if doc.ids.count(i) > 1}
    assert not dup, f"duplicate ids: {sorted(dup)[:5]}"
    figures = _section(html, "figures")
    assert figures.count("<svg") >= 3
    assert "<?xml" not in html and "<!DOCTYPE svg" not in html


def test_markdown_has_the_claim_table(rendered):
    md, claims = rendered["md"], rendered["status"]["claims"]
    assert "| claim | paper statement | verdict | key evidence | margin |" in md
    for cid, rec in claims.items():
        line = next(
            (x for x in md.splitlines() if x.startswith(f"| [{cid}](#{cid.lower()}) |")), None
        )
        assert line is not None, cid
        assert f"**{rec['verdict']}**" in line
    for name in ("distances", "seeds"):
        assert f"(figures/{name}.svg)" in md


def test_not_run_and_error_claims_render(rendered):
    html, md = rendered["html"], rendered["md"]
    claims = rendered["status"]["claims"]
    assert claims["C11"]["verdict"] == "NOT_RUN" and claims["C09"]["verdict"] == "ERROR"
    c11 = re.search(r'<article class="card" id="c11">.*?</article>', html, flags=re.S).group(0)
    assert "NOT_RUN" in c11 and "data-size sweep is disabled" in c11
    c09 = re.search(r'<article class="card" id="c09">.*?</article>', html, flags=re.S).group(0)
    assert "Traceback" in c09
    # autoescape: the rationale's markup-like text is escaped, never injected
    assert "fixture &lt;failure&gt; &amp; friends" in c09 and "<failure>" not in html
    assert "Not run: C11" in html and "C09" in _section(html, "missing")
    assert "&lt;failure&gt;" in md


def test_paper_values_sentence_when_absent(rendered):
    html = rendered["html"]
    cards = re.findall(r'<article class="card".*?</article>', html, flags=re.S)
    assert cards and all(NO_VALUES_HTML in c for c in cards)


def test_paper_values_shown_when_present(smoke_copy):
    path = smoke_copy.pdir / "claims.json"
    status = json.loads(path.read_text())
    status["claims"]["C01"]["paper_values"] = {"table": "A", "es": {"original": 74.3}}
    path.write_text(json.dumps(status))
    shutil.rmtree(smoke_copy.pdir / "results")  # keep this test fast: no figures needed
    html = build_report("smoke", smoke_copy.root)["html"].read_text()
    c01 = re.search(r'<article class="card" id="c01">.*?</article>', html, flags=re.S).group(0)
    assert "74.3" in c01 and NO_VALUES_HTML not in c01
    c02 = re.search(r'<article class="card" id="c02">.*?</article>', html, flags=re.S).group(0)
    assert NO_VALUES_HTML in c02


def _mean_over_seeds(fx, kind, task, dataset, lang, state, score):
    # the fixture's near-chance *target* runs count, as in the claims (Entry.failed is about
    # English); none of its runs failed on English
    vals = [
        score(v)
        for (k, t, d, lg, s, seed), v in fx.raw.items()
        if (k, t, d, lg, s) == (kind, task, dataset, lang, state)
    ]
    return float(np.mean(vals))


def test_paper_layout_tables_match_the_raw_results(smoke_fixture):
    from repro.claims.results import ResultSet

    fx = smoke_fixture
    status = json.loads((fx.pdir / "claims.json").read_text())
    tables = {t.id: t for t in paper_tables(ResultSet.load(fx.pdir / "results"), status["claims"])}
    assert {
        "table-nli",
        "table-ner",
        "table-qa-mono",
        "table-qa-cross",
        "table-xsr",
        "table-cl-nli",
    } <= set(tables)
    nli = tables["table-nli"]
    assert nli.header == ["model", "en (source)", "es", "ru", "vi", "hi"]  # English first
    assert tables["table-qa-mono"].header == [
        "model",
        "en-en (source)",
        "es-es",
        "ru-ru",
        "vi-vi",
        "hi-hi",
    ]
    assert tables["table-qa-cross"].header[1] != "en-en (source)"  # not beside cross pairs
    for r, state in enumerate(("original", "adjusted")):
        for c, lang in enumerate(("en", "es", "ru", "vi", "hi"), start=1):
            if (lang, state) == ("en", "adjusted"):  # adjusted per target language: no English
                assert nli.rows[r][c].text == "—"
                continue
            want = _mean_over_seeds(
                fx, "eval", "nli", "synthetic", lang, state, lambda s: s["correct"].mean()
            )
            assert nli.rows[r][c].text == f"{100 * want:.1f}"
    ner = tables["table-ner"]
    for lang in ("es", "ru", "vi", "hi"):
        c = ner.header.index(lang)
        want = _mean_over_seeds(
            fx,
            "eval",
            "ner",
            "synthetic",
            lang,
            "original",
            lambda s: 2 * s["tp"].sum() / (s["n_pred"].sum() + s["n_gold"].sum()),
        )
        assert ner.rows[0][c].text == f"{100 * want:.1f}"
    # ru seed 3 is near chance on the target only: averaged in and not marked as excluded
    ru = ner.header.index("ru")
    assert "seeds" in ner.rows[0][ru].sub and "†" not in ner.rows[0][ru].sub
    xsr = tables["table-xsr"]
    hits = fx.raw[("xsr", "xsr", "xsr", "es", "adjusted", -1)]
    top1 = (hits["hit_xx2en"].mean() + hits["hit_en2xx"].mean()) / 2
    assert xsr.rows[1][1].text == f"{100 * top1:.1f}"
    assert f"en→xx {100 * hits['hit_en2xx'].mean():.1f}" in xsr.rows[1][1].sub


def test_significance_markers_come_from_the_claims(smoke_fixture):
    from repro.claims.results import ResultSet

    fx = smoke_fixture
    status = json.loads((fx.pdir / "claims.json").read_text())
    rows = {r["lang"]: r for r in status["claims"]["C02"]["evidence"]["rows"]}
    tables = {t.id: t for t in paper_tables(ResultSet.load(fx.pdir / "results"), status["claims"])}
    ner = tables["table-ner"]
    for lang in ("es", "ru", "vi", "hi"):
        c = ner.header.index(lang)
        want = "▲" if rows[lang]["sig_gain"] else "▼" if rows[lang]["sig_loss"] else ""
        assert ner.rows[1][c].marker == want
        assert ner.rows[0][c].marker == ""  # the baseline row never carries a marker
    assert any(r["sig_gain"] for r in rows.values()), "fixture should have a significant gain"


def test_missing_results_dir_still_renders(smoke_copy):
    shutil.rmtree(smoke_copy.pdir / "results")
    paths = build_report("smoke", smoke_copy.root)
    html = paths["html"].read_text()
    md = paths["md"].read_text()
    assert "Per-example results are missing" in html and "Per-example results are missing" in md
    # only the effects forest, drawn from claims.json, survives; nothing read from results/
    assert sorted(k for k in paths if k.startswith("figures/")) == ["figures/effects.svg"]
    assert html.count("<svg") == 1 and 'id="fig-effects-' in html
    assert html.count('<tr id="row-') == 12  # verdicts still shown from claims.json


def test_missing_run_json_still_renders(smoke_copy):
    (smoke_copy.pdir / "run.json").unlink()
    shutil.rmtree(smoke_copy.pdir / "results")
    html = build_report("smoke", smoke_copy.root)["html"].read_text()
    assert "run.json is missing" in html
    prov = _section(html, "provenance")
    assert "matches claims.json" in prov  # config re-resolved and checked by its hash
    assert "Not recorded (run.json missing)" in prov


def test_nothing_at_all_still_renders(tmp_path):
    paths = build_report("mini", tmp_path)
    html = paths["html"].read_text()
    assert "claims.json is missing" in html and "No claim verdicts are available" in html
    assert "Mini profile" in html
    data = _section(html, "data")  # the preset's data source still names its licences
    assert "XNLI" in data and "non-commercial" in data and "IWSLT" in data
    assert "not recorded in run.json" in data


def test_data_provenance_recorded_in_run_json_is_shown(smoke_copy):
    path = smoke_copy.pdir / "run.json"
    info = json.loads(path.read_text())
    digest = "ab" * 32
    info["data"] = {
        "inputs": {"xnli/test-es.tsv": digest},
        "licences": {"xnli/test-es.tsv": "CC-BY-NC 4.0"},
        "sources": {"eval.xnli": "XTREME XNLI test"},
    }
    path.write_text(json.dumps(info))
    shutil.rmtree(smoke_copy.pdir / "results")
    paths = build_report("smoke", smoke_copy.root)
    data = _section(paths["html"].read_text(), "data")
    assert digest in data and "XTREME XNLI test" in data and "not recorded" not in data
    assert digest in paths["md"].read_text()


def test_corrupt_claims_json_names_the_file(smoke_copy):
    (smoke_copy.pdir / "claims.json").write_text("{not json")
    with pytest.raises(DataError, match="claims.json"):
        build_report("smoke", smoke_copy.root)
    assert not (smoke_copy.pdir / "report.html").exists()


def test_banner_and_sanity_hidden_for_smoke(rendered):
    html = rendered["html"]
    assert "mechanism check on synthetic data with a tiny BERT pretrained here" in html
    assert str(escape("not the paper's numbers")) in html
    assert 'id="sanity"' not in html


def test_smoke_deviations_from_the_config(rendered):
    dev = _section(rendered["html"], "deviations")
    for text in (
        "synthetic multilingual world",
        "gold alignments",
        "adjusted jointly",
        "tiny BERT",
        "bf16",
        "last layer",
    ):
        assert text in dev, text


def test_sanity_band_flags_an_out_of_band_paper_baseline(paper_inputs):
    fx = paper_inputs
    inp = load_inputs("paper", fx.root)
    band = {(r["what"], r["lang"]): r for r in sanity_band(inp)}
    anchors = {"es": (73, 75), "ru": (67, 69), "vi": (69, 71), "hi": (59, 61)}
    flagged = 0
    for lang, (lo, hi) in anchors.items():
        ours = 100 * _mean_over_seeds(
            fx, "eval", "nli", "xnli", lang, "original", lambda s: s["correct"].mean()
        )
        row = band[("XNLI accuracy", lang)]
        assert row["ours"] == f"{ours:.1f}"
        assert row["flag"] == (not lo - 5 <= ours <= hi + 5)
        flagged += row["flag"]
    assert band[("XNLI accuracy", "es")]["flag"]  # 50 % against 73–75
    assert 0 < flagged < 4
    html = build_report("paper", fx.root)["html"].read_text()
    sanity = _section(html, "sanity")
    assert sanity and "OUTSIDE" in sanity and "within" in sanity
    assert "NOT from this paper" in sanity


def test_paper_deviations_do_not_list_smoke_substitutes(paper_inputs):
    inp = load_inputs("paper", paper_inputs.root)
    aspects = {d["here"] for d in deviations(inp.typed)}
    assert not any("synthetic" in a or "tiny BERT" in a or "jointly" in a for a in aspects)
    assert any("ibm1" in a for a in aspects)  # the paper used fast_align/eflomal


@given(st.floats(allow_nan=True, allow_infinity=True), st.booleans(), st.booleans())
def test_number_format_never_shows_a_signed_zero_or_ascii_minus(x, pct, signed):
    text = fmt_num(x, pct=pct, signed=signed)
    assert "-" not in text and text not in ("+0.0", "−0.0", "+0.000", "−0.000")
    if signed and text != "—" and abs(x) * (100 if pct else 1) >= 0.06:
        assert text[0] in "+−"


@pytest.mark.parametrize(
    "x, pct, signed, want",
    [
        (0.7512, True, False, "75.1"),
        (-0.0004, True, True, "±0.0"),
        (0.1234, False, True, "+0.123"),
        (-0.05, True, True, "−5.0"),
        (float("nan"), True, False, "—"),
        (None, True, False, "—"),
    ],
)
def test_number_format(x, pct, signed, want):
    assert fmt_num(x, pct=pct, signed=signed) == want


def test_transfer_regime_table_is_computed_from_the_raw_results(rendered, smoke_fixture):
    md = rendered["md"]
    assert "## Transfer regime of the unadjusted encoder" in md
    rows = [ln for ln in md.splitlines() if ln.startswith("| nli | synthetic | es |")]
    assert len(rows) == 1, rows
    ratio = float(rows[0].split("|")[7].replace("⚠", ""))
    raw = smoke_fixture.raw
    en = np.mean(
        [raw[("eval", "nli", "synthetic", "en", "original", s)]["correct"].mean() for s in SEEDS]
    )
    es = np.mean(
        [raw[("eval", "nli", "synthetic", "es", "original", s)]["correct"].mean() for s in SEEDS]
    )
    assert ratio == pytest.approx((es - 1 / 3) / (en - 1 / 3), abs=0.006)


def test_stability_section_flags_a_flip(smoke_copy):
    stab = {
        "world_seeds": [0, 1, 2],
        "claims": {
            "C01": {
                "stable": False,
                "title": "t",
                "verdicts": ["SUPPORTED", "INCONCLUSIVE"],
                "per_world": {
                    "0": {"verdict": "SUPPORTED", "margin": 1.25},
                    "1": {"verdict": "INCONCLUSIVE", "margin": None},
                    "2": {"verdict": "SUPPORTED", "margin": 0.5},
                },
            }
        },
    }
    (smoke_copy.pdir / "stability.json").write_text(json.dumps(stab))
    paths = build_report(smoke_copy.profile, smoke_copy.root)
    md = paths["md"].read_text(encoding="utf-8")
    assert "## Stability across synthetic worlds" in md
    assert "| C01 | SUPPORTED (1.25) | INCONCLUSIVE | SUPPORTED (0.50) | ⚠ flips |" in md
    assert 'id="stability"' in paths["html"].read_text(encoding="utf-8")


def test_effect_forest_draws_every_per_language_claim(rendered):
    from repro.report.forest import effect_forest, forest_rows

    claims = rendered["status"]["claims"]
    with_rows = [c for c, r in claims.items() if forest_rows(r)]
    assert {"C01", "C02", "C10"} <= set(with_rows)
    fig = effect_forest(claims)
    assert fig is not None and fig.name == "effects"
    for cid in with_rows:
        assert f"{cid} — " in fig.svg  # one titled panel per claim
    assert 'id="fig-effects' in rendered["html"]  # inlined, and first among the figures
    assert rendered["html"].index("fig-effects") < rendered["html"].index("fig-seeds")
    assert effect_forest({}) is None
    assert effect_forest({"C06": {"evidence": {"parts": {}}}}) is None


@pytest.fixture(scope="module")
def committed_smoke(tmp_path_factory):
    """The committed smoke report re-rendered from its own stored inputs."""
    src = Path(__file__).resolve().parents[2] / "reports" / "smoke"
    root = tmp_path_factory.mktemp("committed") / "reports"
    shutil.copytree(src, root / "smoke", ignore=shutil.ignore_patterns(".lock"))
    paths = build_report("smoke", root)
    status = json.loads((root / "smoke" / "claims.json").read_text())
    return paths["md"].read_text(encoding="utf-8"), paths["html"].read_text("utf-8"), status


def _card(md: str, cid: str) -> str:
    start = md.index(f'<a id="{cid.lower()}"></a>')
    end = md.find("### <a id=", start + 1)
    return md[start : end if end > 0 else None]


def test_cards_name_runs_near_chance_and_excluded(committed_smoke):
    md, _, status = committed_smoke
    for cid, rec in status["claims"].items():
        rows = list(rec["evidence"].get("rows") or [])
        for part in (rec["evidence"].get("parts") or {}).values():
            rows += part.get("rows") or []
        card = _card(md, cid)
        for r in rows:
            for key, words in (
                ("near_chance_seeds", "near chance"),
                ("excluded_seeds", "excluded"),
            ):
                if r.get(key):
                    runs = ", ".join(str(x) for x in r[key])
                    assert words in card and f"{r['label']} (run {runs})" in card, (cid, r["label"])
    assert "near chance" not in _card(md, "C02")  # NER learned everywhere: no such line


def test_expected_decreases_read_as_such(committed_smoke):
    md, _, status = committed_smoke
    row = next(line for line in md.splitlines() if line.startswith("| [C06]"))
    assert status["claims"]["C06"]["verdict"] == "SUPPORTED"
    assert "4 of 4 significantly lower ▼ as expected" in row and "0 of 4 significant ▲" not in row


def test_a_missing_sweep_says_why_where_its_figure_would_be(committed_smoke):
    md, html, status = committed_smoke
    assert status["claims"]["C11"]["verdict"] == "NOT_RUN"
    figures = md[md.index("## Figures") :]
    assert "### Parallel-data size" in figures and "sweep.enabled=true" in figures
    assert 'id="figure-data-size-missing"' in html


def test_a_stored_config_that_no_longer_parses_lists_no_deviations(tmp_path, caplog):
    from repro.report.inputs import _typed

    assert _typed({"profile": "smoke", "data": {"source": "synthetic"}}, tmp_path) is not None
    assert _typed({"profile": "smoke", "no_such_section": {}}, tmp_path) is None
    assert "does not parse" in caplog.text
    assert deviations(None) == []
