"""Byte-stable SVG drawing shared by every figure of the report.

matplotlib's object API (no pyplot, so no global backend or figure registry) under an
``rc_context`` (:data:`RC`) that fixes the SVG hash salt, keeps text as text and drops the date, so
the same results always give the same bytes. Element ids are prefixed per figure so several
SVGs can be inlined in one HTML page without id clashes."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass

RC = {
    "svg.hashsalt": "repro",
    "svg.fonttype": "none",
    "font.family": "sans-serif",
    "font.sans-serif": ["DejaVu Sans"],
    "font.size": 8.5,
    "axes.titlesize": 9,
    "axes.labelsize": 8.5,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.color": "#e5e5e5",
    "grid.linewidth": 0.6,
    "legend.frameon": False,
    "legend.fontsize": 8,
    "path.simplify": False,
}


SVG_METADATA = {"Date": None, "Creator": None, "Format": None, "Type": None}


WIDTH_IN = 7.2


STATE_COLOURS = {  # Okabe–Ito, colour-blind safe
    "original": "#0072B2",
    "adjusted": "#D55E00",
    "adjusted+cl": "#009E73",
    "original+cl": "#CC79A7",
}


FALLBACK_COLOURS = ("#56B4E9", "#F0E442", "#000000", "#999999", "#CC79A7", "#009E73")


@dataclass(frozen=True)
class FigureOut:
    name: str  # file stem under figures/
    title: str
    caption: str
    svg: str  # standalone SVG file content
    inline: str  # the same drawing, ids prefixed, ready to inline in HTML


def colour_for(state: str, i: int) -> str:
    """A model state's colour; states without one get the fallback palette in order."""
    return STATE_COLOURS.get(state, FALLBACK_COLOURS[i % len(FALLBACK_COLOURS)])


def new_figure(height_in: float):
    from matplotlib.figure import Figure

    return Figure(figsize=(WIDTH_IN, height_in), dpi=100, layout="constrained")


def to_svg(fig) -> str:
    buf = io.StringIO()
    fig.savefig(buf, format="svg", metadata=SVG_METADATA)
    return buf.getvalue()


_ID_RE = re.compile(r'\bid="([^"]+)"')


def inline_svg(svg: str, prefix: str) -> str:
    """Strip the XML prolog and make every id (and reference to it) unique to ``prefix``."""
    start = svg.find("<svg")
    body = svg[start:] if start >= 0 else svg
    ids = sorted(set(_ID_RE.findall(body)), key=len, reverse=True)
    for ident in ids:
        new = f"{prefix}-{ident}"
        body = body.replace(f'id="{ident}"', f'id="{new}"')
        body = body.replace(f"url(#{ident})", f"url(#{new})")
        body = body.replace(f'href="#{ident}"', f'href="#{new}"')
    body = re.sub(
        r'<svg ([^>]*?)width="[^"]*" height="[^"]*"',
        r'<svg \1class="fig" role="img"',
        body,
        count=1,
    )
    return body.strip() + "\n"


def finish_figure(
    name: str, title: str, caption: str, fig, legend: tuple = ((), ()), legend_cols: int = 4
) -> FigureOut:
    """The figure as SVG, standalone and inline; ``legend`` (handles, labels), when not empty,
    goes above the panels in at most ``legend_cols`` columns."""
    handles, labels = legend
    if handles:
        fig.legend(
            handles, labels, loc="outside upper center", ncols=min(legend_cols, len(handles))
        )
    svg = to_svg(fig)
    return FigureOut(name, title, caption, svg, inline_svg(svg, f"fig-{name}"))
