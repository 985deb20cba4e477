"""Figures of the report, drawn only from stored per-example results: distance histograms,
distance gaps, data-size curves and per-seed strips (SVG machinery: :mod:`repro.report.svgplot`).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from repro.claims.results import ResultSet
from repro.report.svgplot import (
    FALLBACK_COLOURS,
    RC,
    FigureOut,
    colour_for,
    finish_figure,
    new_figure,
)
from repro.report.tables import (
    TASK_NAMES,
    is_source_only,
    lang_order,
    state_label,
    state_order,
    summarize,
)

RELATED, UNRELATED = "#0072B2", "#E69F00"
LANG_COLOURS = {"es": "#0072B2", "ru": "#D55E00", "vi": "#009E73", "hi": "#CC79A7"}
TASK_LINESTYLES = {"": "-", "nli": "--", "ner": ":", "qa": "-."}
DIST_STATE_ORDER = (
    "original",
    "adjusted",
    "original+nli",
    "adjusted+nli",
    "original+ner",
    "adjusted+ner",
    "original+qa",
    "adjusted+qa",
)


# --------------------------------------------------------------------------- distances


def _distance_grid(results: ResultSet) -> tuple[list, list[str], list[str]] | None:
    """The distance entries with their panel states (paper order first) and languages."""
    entries = results.find(kind="distances")
    if not entries:
        return None
    found = {e.key.state for e in entries}
    known = [s for s in DIST_STATE_ORDER if s in found]
    return entries, known + sorted(found - set(known)), lang_order(e.key.lang for e in entries)


def distance_histograms(results: ResultSet) -> FigureOut | None:
    """Related vs unrelated cosine distances, one panel per model state and language."""
    grid = _distance_grid(results)
    if grid is None:
        return None
    entries, states, langs = grid
    values = np.concatenate(
        [np.concatenate([e.stats["related_cos"], e.stats["unrelated_cos"]]) for e in entries]
    )
    lo, hi = float(np.min(values)), float(np.max(values))
    bins = np.linspace(lo, hi if hi > lo else lo + 1.0, 31)
    fig = new_figure(0.35 + 1.25 * len(states))
    axes = fig.subplots(len(states), len(langs), squeeze=False, sharex=True)
    for i, state in enumerate(states):
        for j, lang in enumerate(langs):
            ax = axes[i][j]
            found = results.find(kind="distances", lang=lang, state=state)
            if not found:
                ax.set_axis_off()
                continue
            e = found[0]
            for stat, colour, label in (
                ("related_cos", RELATED, "related (aligned)"),
                ("unrelated_cos", UNRELATED, "unrelated"),
            ):
                ax.hist(
                    e.stats[stat],
                    bins=bins,
                    histtype="step",
                    color=colour,
                    linewidth=1.2,
                    label=label,
                )
            ax.tick_params(labelsize=7)
            if i == 0:
                ax.set_title(lang)
            if j == 0:
                ax.set_ylabel(state, fontsize=7.5)
            if i == len(states) - 1:
                ax.set_xlabel("cosine distance", fontsize=7.5)
    return finish_figure(
        "distances",
        "Related vs unrelated word distances",
        "Cosine distances between last-layer vectors of aligned (related) and random "
        "(unrelated) word pairs on held-out parallel sentences, per model state "
        "(rows) and language (columns). Counts of links; shared bins.",
        fig,
        axes[0][0].get_legend_handles_labels(),
        legend_cols=2,
    )


def gap_histograms(results: ResultSet) -> FigureOut | None:
    """Per-link paired differences (unrelated − related), states overlaid, one panel per lang."""
    grid = _distance_grid(results)
    if grid is None:
        return None
    entries, states, langs = grid
    gaps = {
        (e.key.state, e.key.lang): np.asarray(e.stats["unrelated_cos"], float)
        - np.asarray(e.stats["related_cos"], float)
        for e in entries
    }
    allv = np.concatenate(list(gaps.values()))
    lo, hi = float(allv.min()), float(allv.max())
    bins = np.linspace(lo, hi if hi > lo else lo + 1.0, 31)
    ncols = min(4, len(langs))
    nrows = -(-len(langs) // ncols)
    fig = new_figure(0.6 + 1.7 * nrows)
    axes = fig.subplots(nrows, ncols, squeeze=False, sharex=True)
    for k, lang in enumerate(langs):
        ax = axes[k // ncols][k % ncols]
        for i, state in enumerate(states):
            if (state, lang) in gaps:
                base, _, task = state.partition("+")
                ax.hist(
                    gaps[(state, lang)],
                    bins=bins,
                    histtype="step",
                    linewidth=1.1,
                    color=colour_for(base, i),
                    label=state,
                    linestyle=TASK_LINESTYLES.get(task, "-."),
                )
        ax.axvline(0.0, color="#777777", linewidth=0.6)
        ax.set_title(lang)
        ax.tick_params(labelsize=7)
        ax.set_xlabel("unrelated − related", fontsize=7.5)
    for k in range(len(langs), nrows * ncols):
        axes[k // ncols][k % ncols].set_axis_off()
    return finish_figure(
        "distance-gaps",
        "Paired differences (unrelated − related)",
        "Per-link difference between the unrelated and the related cosine distance: "
        "larger means better separated. Colour: the encoder before fine-tuning; "
        "line style: solid before fine-tuning, dashed after NLI, dotted after NER.",
        fig,
        axes[0][0].get_legend_handles_labels(),
    )


# --------------------------------------------------------------------------- data size


def _sweep_points(
    results: ResultSet, task: str, metric: str
) -> tuple[list[int], dict[str, list[float]], list[float]]:
    """Sizes, the mean score per target language and over all sets ("all"), and the 95 %
    half-width of "all" across runs (t interval over each run's mean; 0 with one run)."""
    from scipy.stats import t as student_t

    states = state_order(
        {e.key.state for e in results.find(kind="eval", task=task) if "@" in e.key.state}
    )
    sizes: list[int] = []
    per_lang: dict[str, list[float]] = {}
    half: list[float] = []
    sets = sorted(
        {
            (e.key.dataset, e.key.lang)
            for e in results.find(kind="eval", task=task)
            if not is_source_only(e.key.lang)
        }
    )
    langs = lang_order({p for _, lg in sets for p in lg.split("-") if p != "en"})
    for st in states:
        try:
            size = int(st.split("@", 1)[1])
        except ValueError:
            continue
        scores: dict[str, list[float]] = {}
        per_run: dict[int, list[float]] = {}
        for d, lg in sets:
            s = summarize(results.find(kind="eval", task=task, dataset=d, lang=lg, state=st))
            if s is None or not s.mean:
                continue
            target = next((p for p in lg.split("-") if p != "en"), "en")
            scores.setdefault(target, []).append(s.mean[metric])
            for seed, sc, collapsed in s.per_seed:
                if not collapsed:
                    per_run.setdefault(seed, []).append(sc[metric])
        if not scores:
            continue
        runs = [float(np.mean(v)) for v in per_run.values()]
        k = len(runs)
        half.append(
            float(student_t.ppf(0.975, k - 1) * np.std(runs, ddof=1) / np.sqrt(k)) if k > 1 else 0.0
        )
        sizes.append(size)
        for lang in langs:
            vals = scores.get(lang)
            per_lang.setdefault(lang, []).append(float(np.mean(vals)) if vals else float("nan"))
        per_lang.setdefault("all", []).append(
            float(np.mean([v for x in scores.values() for v in x]))
        )
    return sizes, per_lang, half


def data_size_curves(results: ResultSet) -> FigureOut | None:
    """Task score vs parallel pairs used for adjustment (states ``adjusted@N``)."""
    panels = []
    for task, metric in (("nli", "accuracy"), ("ner", "f1"), ("qa", "f1")):
        sizes, per_lang, half = _sweep_points(results, task, metric)
        if sizes:
            panels.append((task, metric, sizes, per_lang, half))
    if not panels:
        return None
    fig = new_figure(2.4)
    axes = fig.subplots(1, len(panels), squeeze=False)[0]
    for ax, (task, metric, sizes, per_lang, half) in zip(axes, panels, strict=True):
        order = lang_order(k for k in per_lang if k != "all") + ["all"]
        for i, (lang, ys) in enumerate(sorted(per_lang.items(), key=lambda kv: order.index(kv[0]))):
            ys_pct = [100.0 * y for y in ys]
            if lang == "all":
                ax.errorbar(
                    sizes,
                    ys_pct,
                    yerr=[100.0 * h for h in half],
                    color="#000000",
                    linewidth=2.0,
                    marker="o",
                    markersize=3.5,
                    capsize=2.5,
                    label="mean (95% CI over runs)",
                )
            else:
                ax.plot(
                    sizes,
                    ys_pct,
                    linewidth=1.0,
                    marker="o",
                    markersize=2.5,
                    label=lang,
                    color=LANG_COLOURS.get(lang, FALLBACK_COLOURS[i % len(FALLBACK_COLOURS)]),
                )
        ax.set_xscale("log")
        ax.set_xticks(sizes, [str(s) for s in sizes])
        ax.minorticks_off()
        ax.set_title(f"{TASK_NAMES[task]} {'accuracy' if metric == 'accuracy' else 'F1'} (%)")
        ax.set_xlabel("parallel pairs per language")
    axes[0].legend(loc="best")
    return finish_figure(
        "data-size",
        "Parallel-data size",
        "Score against the number of parallel pairs used for adjustment, mean over runs, per "
        "target language and averaged over all evaluation sets (black, with a 95% t "
        "interval across runs); QA pools every question-context pair of a language.",
        fig,
    )


# --------------------------------------------------------------------------- per-seed strips


def _strip_groups(results: ResultSet) -> list[tuple[str, str, str, list[tuple[str, str]]]]:
    """(title, task, metric, [(dataset, lang)]) for each strip panel."""
    groups = []
    for task, metric, title, ok in (
        ("nli", "accuracy", "NLI accuracy (%)", lambda lg: True),
        ("ner", "f1", "NER F1 (%)", lambda lg: True),
        ("qa", "f1", "monolingual QA F1 (%)", lambda lg: len(set(lg.split("-"))) == 1),
        ("qa", "f1", "cross-lingual QA F1 (%)", lambda lg: len(set(lg.split("-"))) == 2),
    ):
        sets = {
            (e.key.dataset, e.key.lang)
            for e in results.find(kind="eval", task=task)
            if ok(e.key.lang) and not is_source_only(e.key.lang) and "@" not in e.key.state
        }
        if sets:
            order = lang_order(lg for _, lg in sets)
            groups.append(
                (title, task, metric, sorted(sets, key=lambda s: (order.index(s[1]), s[0])))
            )
    return groups


def seed_strips(results: ResultSet) -> FigureOut | None:
    """Every fine-tuning seed's score as a dot, per task, evaluation set and model state."""
    groups = _strip_groups(results)
    if not groups:
        return None
    states = [
        s for s in state_order({e.key.state for e in results.find(kind="eval")}) if "@" not in s
    ]
    fig = new_figure(0.5 + 1.8 * len(groups))
    axes = fig.subplots(len(groups), 1, squeeze=False)[:, 0]
    width = 0.7
    step = width / max(len(states), 1)
    for ax, (title, task, metric, sets) in zip(axes, groups, strict=True):
        multi = len({d for d, _ in sets}) > 1
        for i, state in enumerate(states):
            offset = -width / 2 + step * (i + 0.5)
            xs_ok, ys_ok, xs_bad, ys_bad = [], [], [], []
            for k, (d, lg) in enumerate(sets):
                s = summarize(results.find(kind="eval", task=task, dataset=d, lang=lg, state=state))
                if s is None:
                    continue
                n = len(s.per_seed)
                for m, (_, sc, collapsed) in enumerate(s.per_seed):
                    x = k + offset + (m - (n - 1) / 2) * step * 0.18
                    (xs_bad if collapsed else xs_ok).append(x)
                    (ys_bad if collapsed else ys_ok).append(100.0 * sc[metric])
                if s.mean:
                    ax.hlines(
                        100.0 * s.mean[metric],
                        k + offset - step * 0.4,
                        k + offset + step * 0.4,
                        color=colour_for(state, i),
                        linewidth=1.4,
                    )
            if xs_ok or xs_bad:
                ax.scatter(
                    xs_ok,
                    ys_ok,
                    s=11,
                    color=colour_for(state, i),
                    label=state_label(state),
                    zorder=3,
                    linewidths=0,
                )
                if xs_bad:
                    ax.scatter(
                        xs_bad,
                        ys_bad,
                        s=14,
                        marker="x",
                        color=colour_for(state, i),
                        zorder=3,
                        linewidths=0.9,
                    )
        ax.set_xticks(range(len(sets)), [f"{d} {lg}" if multi else lg for d, lg in sets])
        ax.set_xlim(-0.6, len(sets) - 0.4)
        ax.set_title(title, loc="left")
        ax.tick_params(labelsize=7.5)
        ax.grid(axis="x", visible=False)
    handles, labels = [], []
    for ax in axes:
        for h, lab in zip(*ax.get_legend_handles_labels(), strict=True):
            if lab not in labels:
                handles.append(h)
                labels.append(lab)
    return finish_figure(
        "seeds",
        "Per-seed scores",
        "One dot per fine-tuning seed; the bar is the mean over usable seeds; "
        "× marks a run that never learned English (excluded from the mean and from the "
        "claims' tests).",
        fig,
        (handles, labels),
    )


# --------------------------------------------------------------------------- all


def render_figures(results: ResultSet) -> list[FigureOut]:
    """Every figure the stored results allow, in report order (none when results are empty)."""
    import matplotlib

    out: list[FigureOut] = []
    with matplotlib.rc_context(RC):
        for make in (distance_histograms, gap_histograms, data_size_curves, seed_strips):
            fig = make(results)
            if fig is not None:
                out.append(fig)
    return out


def figure_names(figures: Sequence[FigureOut]) -> list[str]:
    return [f.name for f in figures]
