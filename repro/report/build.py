"""Render ``reports/<profile>/report.{html,md}`` from stored results only.

Inputs: ``claims.json`` (verdicts and evidence rows), ``run.json`` (provenance of the run) and the
per-example results under ``results/``. No model, no training, no artifact store. A missing input
never stops the report: the affected sections say what is missing and show no numbers.
Rendering is deterministic (no dates, sorted keys, byte-stable SVG), so rendering twice from the
same inputs gives identical bytes.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping, Sequence
from importlib import resources
from pathlib import Path
from typing import Any

from repro.fsio import folder_lock, write_text_atomic
from repro.report.cards import _sweep_missing, claim_card
from repro.report.deviations import DECISIONS, deviations, rule_changes
from repro.report.figures import render_figures
from repro.report.flat import flat_rows, to_csv, to_json
from repro.report.forest import effect_forest
from repro.report.inputs import Inputs, load_inputs
from repro.report.paper_tables import paper_tables, sweep_table
from repro.report.sections import (
    SANITY_TOLERANCE,
    data_section,
    provenance,
    sanity_band,
    stability_section,
    transfer_section,
)
from repro.report.svgplot import FigureOut
from repro.report.tables import (
    GAIN,
    LOSS,
    lang_order,
)

log = logging.getLogger(__name__)

VERDICTS = ("SUPPORTED", "REFUTED", "INCONCLUSIVE", "FAILED", "NOT_RUN", "ERROR")
CITATION = (
    "Efimov, Boytsov, Arslanova, Braslavski. The Impact of Cross-Lingual Adjustment of "
    "Contextual Word Representations on Zero-Shot Transfer. ECIR 2023 (arXiv 2204.06457)."
)
NO_PAPER_VALUES = (
    "The paper's values have not been transcribed (docs/paper.md §9); none are invented here."
)

BANNERS = {
    "smoke": (
        "warn",
        "Smoke profile: a mechanism check on synthetic data with a tiny BERT "
        "pretrained here — not the paper's numbers. The languages are synthetic "
        "stand-ins named by the codes of the languages they stand for.",
    ),
    "mini": (
        "warn",
        "Mini profile: real data (the files under REPRO_DATA_DIR, with documented "
        "substitutes) and a tiny BERT pretrained here on that text — real formats "
        "and languages at CPU scale, not the paper's model or numbers.",
    ),
    "paper": (
        "info",
        "Paper profile: the reproduction — bert-base-multilingual-cased, the "
        "paper's datasets from the hub and the paper's hyper-parameters.",
    ),
}


_TEMPLATES = Path(__file__).resolve().parent / "templates"


# --------------------------------------------------------------------------- inputs


# --------------------------------------------------------------------------- claims


# --------------------------------------------------------------------------- deviations


# --------------------------------------------------------------------------- data


# --------------------------------------------------------------------------- sanity band


# --------------------------------------------------------------------------- transfer regime


# --------------------------------------------------------------------------- provenance


# --------------------------------------------------------------------------- context


def _missing(inp: Inputs, claims: Mapping[str, Any]) -> list[str]:
    p = inp.profile
    out = []
    if inp.status is None:
        out.append(
            f"claims.json is missing: no verdicts to show (run `repro run --profile {p}`"
            f" to produce reports/{p}/claims.json)."
        )
    if inp.run is None:
        out.append(
            "run.json is missing: machine, timings and the exact resolved config of the "
            "run are not available."
        )
    if not inp.results_present:
        out.append(
            f"Per-example results are missing (reports/{p}/results/ is absent or empty): "
            "the paper-layout tables and the figures need them; no numbers are shown "
            "there."
        )
    not_run = sorted(c for c, r in claims.items() if r.get("verdict") == "NOT_RUN")
    if not_run:
        out.append(f"Not run: {', '.join(not_run)} (see each card for the reason).")
    errors = sorted(c for c, r in claims.items() if r.get("verdict") == "ERROR")
    if errors:
        out.append(f"Failed with an error: {', '.join(errors)} (traceback in the card).")
    return out


def build_context(inp: Inputs, figures: Sequence[FigureOut]) -> dict[str, Any]:
    claims = dict(sorted(((inp.status or {}).get("claims") or {}).items()))
    cards = [claim_card(cid, rec) for cid, rec in claims.items()]
    counts = [(v, sum(1 for c in cards if c["verdict"] == v)) for v in VERDICTS]
    tone, banner = BANNERS.get(
        inp.profile,
        (
            "warn",
            f"Profile {inp.profile!r}: not one of the documented profiles (smoke, mini, paper).",
        ),
    )
    tables = paper_tables(inp.results, claims) if inp.results_present else []
    sweep = sweep_table(inp.results) if inp.results_present else None
    langs = lang_order({e.key.lang for e in inp.results if "-" not in e.key.lang})
    prov = provenance(inp)
    overrides = " ".join(f"--set {o}" for o in prov["overrides"])
    return {
        "profile": inp.profile,
        "title": f"xlingual-repro — reproduction report ({inp.profile} profile)",
        "citation": CITATION,
        "banner": banner,
        "banner_tone": tone,
        "missing": _missing(inp, claims),
        "cards": cards,
        "counts": counts,
        "tables": tables,
        "sweep": sweep,
        "figures": list(figures),
        "sweep_missing": _sweep_missing(claims, figures),
        "languages": langs,
        "sanity": sanity_band(inp),
        "transfer": transfer_section(inp),
        "stability": stability_section(inp),
        "transfer_band": "0.35–0.85",
        "sanity_tolerance": f"{SANITY_TOLERANCE:g}",
        "deviations": deviations(inp.typed),
        "rule_changes": rule_changes(claims),
        "decisions": DECISIONS,
        "config_available": inp.config is not None,
        "data": data_section(inp),
        "prov": prov,
        "no_paper_values": NO_PAPER_VALUES,
        "commands": [
            (
                "everything (jobs, verdicts, this report)",
                f"repro run --profile {inp.profile} {overrides}".strip(),
            ),
            (
                "re-check the verdicts from the stored results",
                f"repro claims verify --profile {inp.profile} --from-results",
            ),
            ("re-render this report", f"repro report --profile {inp.profile}"),
        ],
        "gain": GAIN,
        "loss": LOSS,
    }


# --------------------------------------------------------------------------- rendering


def _css() -> str:
    return (resources.files("repro.report") / "static" / "report.css").read_text(encoding="utf-8")


def md_cell(value: Any) -> str:
    """Text safe inside a markdown table cell (pipes, markup and angle brackets escaped)."""
    text = " ".join(str(value).split())
    return (
        text.replace("\\", "\\\\")
        .replace("|", "\\|")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace("*", "\\*")
        .replace("_", "\\_")
    )


def _environment():
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(_TEMPLATES)),
        autoescape=lambda name: bool(name) and ".html" in name,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["md"] = md_cell
    env.filters["mdcell"] = lambda c: md_cell(
        (c.text + (f" {c.marker}" if c.marker else "")) + (f" ({c.sub})" if c.sub else "")
    )
    env.filters["svg"] = lambda s: __import__("markupsafe").Markup(s)
    env.filters["flags"] = html_flags
    return env


_FLAG = re.compile(r"`?(--[A-Za-z][\w-]*(?:[ =][^\s`)]+)?)`?")


def html_flags(text: Any) -> Any:
    """Escape ``text`` for HTML and keep each command-line flag (``--set a.b=v``) on one line:
    a browser would otherwise break ``--set`` after its first hyphen."""
    from markupsafe import Markup, escape

    return Markup(
        _FLAG.sub(lambda m: f'<code class="cliflag">{m.group(1)}</code>', str(escape(text)))
    )


def build_report(profile: str, reports_root: Path = Path("reports")) -> dict[str, Path]:
    """Render ``reports/<profile>/report.html`` (self-contained) and ``report.md`` (+ figures/)
    from stored results only; returns the written paths by name.

    Runs under the lock of ``reports/<profile>/`` (the one a run holds while it swaps in its
    results), so a report is never rendered from a half-replaced results folder, and two
    renders do not interleave their files; each file is replaced atomically."""
    with folder_lock(Path(reports_root) / profile):
        return _build_report(profile, Path(reports_root))


def _build_report(profile: str, reports_root: Path) -> dict[str, Path]:
    inp = load_inputs(profile, Path(reports_root))
    figures = render_figures(inp.results) if inp.results_present else []
    forest = effect_forest((inp.status or {}).get("claims") or {})
    if forest is not None:  # the first figure: what a reader looks for first
        figures = [forest, *figures]
    ctx = build_context(inp, figures)
    env = _environment()
    html = env.get_template("report.html.j2").render(css=_css(), **ctx)
    md = env.get_template("report.md.j2").render(**ctx)
    written: dict[str, Path] = {}
    fig_dir = inp.pdir / "figures"
    for fig in figures:
        path = fig_dir / f"{fig.name}.svg"
        write_text_atomic(path, fig.svg)
        written[f"figures/{fig.name}.svg"] = path
    if fig_dir.is_dir():  # drop figures an earlier render made that these results no longer allow
        for old in sorted(fig_dir.glob("*.svg")):
            if f"figures/{old.name}" not in written:
                old.unlink()
    written["html"] = inp.pdir / "report.html"
    written["md"] = inp.pdir / "report.md"
    write_text_atomic(written["html"], html)
    write_text_atomic(written["md"], md)
    if inp.results_present:  # every stored score, flat (repro.report.flat)
        rows = flat_rows(inp.results)
        written["results.csv"] = inp.pdir / "results.csv"
        written["results.json"] = inp.pdir / "results.json"
        write_text_atomic(written["results.csv"], to_csv(rows))
        write_text_atomic(written["results.json"], to_json(rows, profile))
    log.info("wrote %s and %s", written["html"], written["md"])
    return written
