"""The report's first figure: every per-language claim's Δ with its 95 % CI and MDE.

Drawn from ``claims.json`` (the numbers the verdicts were decided on), not recomputed, so the
figure cannot disagree with the cards. One panel per claim whose evidence has per-language
rows with a Δ and a CI; a filled marker is a significant (multiplicity-adjusted) gain or loss,
a hollow one is not; the grey ticks at ±MDE show how large a Δ the test could have seen.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from repro.report.svgplot import RC, FigureOut, finish_figure, new_figure

GAIN_COLOUR, LOSS_COLOUR, NONE_COLOUR = "#D55E00", "#0072B2", "#777777"


def forest_rows(rec: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """A claim's per-language comparison rows that carry a Δ and a two-sided CI."""
    rows = (rec.get("evidence") or {}).get("rows") or []
    return [
        r
        for r in rows
        if isinstance(r, Mapping)
        and r.get("kind") in ("eval", "xsr")
        and isinstance(r.get("delta"), (int, float))
        and isinstance(r.get("ci"), (list, tuple))
        and len(r["ci"]) == 2
        and all(isinstance(x, (int, float)) for x in r["ci"])
    ]


def effect_forest(claims: Mapping[str, Mapping[str, Any]]) -> FigureOut | None:
    import matplotlib

    panels = [(cid, rec, forest_rows(rec)) for cid, rec in sorted(claims.items())]
    panels = [p for p in panels if p[2]]
    if not panels:
        return None
    with matplotlib.rc_context(RC):
        height = sum(0.55 + 0.22 * len(rows) for _, _, rows in panels)
        fig = new_figure(max(2.0, height))
        axes = fig.subplots(
            len(panels), 1, squeeze=False, height_ratios=[1 + len(r) for _, _, r in panels]
        )[:, 0]
        for ax, (cid, rec, rows) in zip(axes, panels):
            labels = []
            for y, r in enumerate(rows):
                d, (lo, hi) = 100 * r["delta"], (100 * r["ci"][0], 100 * r["ci"][1])
                colour = (
                    GAIN_COLOUR if r.get("sig_gain") else LOSS_COLOUR if r.get("sig_loss") else None
                )
                ax.plot([lo, hi], [y, y], color=colour or NONE_COLOUR, linewidth=1.4)
                ax.plot(
                    [d],
                    [y],
                    marker="o",
                    markersize=5,
                    color=colour or NONE_COLOUR,
                    markerfacecolor=colour or "white",
                )
                mde = r.get("mde")
                if isinstance(mde, (int, float)):
                    ax.plot([-100 * mde, 100 * mde], [y, y], "|", color="#bbbbbb", markersize=7)
                labels.append(str(r.get("label") or r.get("lang")))
            ax.axvline(0.0, color="#444444", linewidth=0.8)
            ax.set_yticks(range(len(rows)), labels)
            ax.set_ylim(len(rows) - 0.5, -0.5)
            pair = f"{rows[0].get('new_state', 'new')} − {rows[0].get('base_state', 'base')}"
            ax.set_title(
                f"{cid} — {rec.get('title', '')}  [{rec.get('verdict', '')}]  ({pair})", loc="left"
            )
        axes[-1].set_xlabel("Δ in points, with 95 % CI; grey ticks: ±MDE")
        return finish_figure(
            "effects",
            "Effects per language",
            "Δ of every per-language comparison with its 95 % confidence interval, from the claim "
            "records. Filled: significant after the claim's multiplicity correction (orange gain, "
            "blue loss); hollow: not significant. Grey ticks: ± the minimum detectable effect.",
            fig,
        )
