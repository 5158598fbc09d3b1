"""The report's figures: one function per PNG, each drawing from DataFrames read out of the warehouse.

matplotlib's object API (`Figure` + the Agg canvas), never pyplot: no global state, no GUI backend, and
figures are freed as soon as they are saved. Every function returns the `Chart` it wrote: file name,
title, caption (one line on how to read it) and alt text, so the HTML page and the PNG never disagree.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import matplotlib as mpl
import matplotlib.colors
import matplotlib.lines
import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator, StrMethodFormatter
from mpl_toolkits.mplot3d import Axes3D  # noqa: F401  (registers the "3d" projection)

DPI = 100
# One colour per recommender, the same in every figure.
MODEL_COLOURS = {
    "most_popular": "#7f7f7f",
    "cooccurrence": "#ff7f0e",
    "als_prototype": "#9ecae1",
    "als": "#1f77b4",
    "ease": "#2ca02c",
}
MODEL_ORDER = list(MODEL_COLOURS)
SPLIT_LABELS = {
    "leave_one_out": "leave-one-out (one held-out page per cookie with at least 2)",
    "random_80_20": "random 80/20 (20% of all interactions held out)",
}
METRIC_ORDER = ["hit_rate", "precision", "recall", "ndcg", "map", "coverage", "bu_hit_rate"]
METRIC_UNITS = {
    "hit_rate": "hit rate (share of cookies, 0-1)",
    "precision": "precision (hits / K, 0-1)",
    "recall": "recall (share of held-out pages, 0-1)",
    "ndcg": "NDCG (0-1)",
    "map": "MAP (0-1)",
    "coverage": "coverage (share of all pages, 0-1)",
    "bu_hit_rate": "BU hit rate (share of top K, 0-1)",
}
HIT = "#1f77b4"
TOP_HIT = "#ff7f0e"
CLEAN = "#2ca02c"
REJECTED = "#d62728"


@dataclass(frozen=True)
class Chart:
    file: str
    title: str
    caption: str
    alt: str


def model_colour(model: str) -> str:
    if model in MODEL_COLOURS:
        return MODEL_COLOURS[model]
    extra = mpl.colormaps["tab10"].colors
    return matplotlib.colors.to_hex(extra[zlib.crc32(model.encode()) % len(extra)])


def ordered_models(models: Sequence[str]) -> list[str]:
    known = [m for m in MODEL_ORDER if m in set(models)]
    return known + sorted(set(models) - set(known))


def _figure(chart: Chart, width: float, height: float) -> Figure:
    fig = Figure(figsize=(width, height), dpi=DPI, layout="constrained")
    FigureCanvasAgg(fig)
    # The title first: legends placed "outside" later are laid out below it.
    fig.suptitle(chart.title, fontsize=13, fontweight="bold")
    return fig


def _save(fig: Figure, out_dir: Path, chart: Chart) -> Chart:
    # No timestamps in the PNG metadata: the same data gives byte-identical files.
    fig.savefig(out_dir / chart.file, dpi=DPI, metadata={"Software": None})
    return chart


def _no_data(ax, message: str) -> None:
    ax.text(0.5, 0.5, message, ha="center", va="center", transform=ax.transAxes, fontsize=11, color="#555")
    ax.set_xticks([])
    ax.set_yticks([])


# --- 1. hit rate over cookies ---------------------------------------------------------------------


def hit_rate_histogram(rates: pd.DataFrame, out_dir: Path, top_k: int) -> Chart:
    """Cookies per hit rate (rounded to 0.1), hit rate and top hit rate side by side (prototype hitrate.png)."""
    chart = Chart(
        "hitrate.png",
        "Business-unit hit rate of the recommendations, over cookies",
        f"Each bar counts cookies whose top-{top_k} recommendations have that share of pages in a unit the "
        "cookie already submitted to (blue) or in its strongest page's unit (orange); mass to the right means "
        "recommendations closer to the cookie's known units (dashed lines: means).",
        "Histogram of hit rate and top hit rate over cookies",
    )
    fig = _figure(chart, 10, 4.8)
    ax = fig.add_subplot()
    scored = rates.dropna(subset=["hit_rate"])
    unscored = len(rates) - len(scored)
    if scored.empty:
        _no_data(ax, "no cookie has a mapped page: hit rate undefined")
        return _save(fig, out_dir, chart)
    levels = np.round(np.arange(11) / 10, 1)
    width = 0.042
    for offset, column, colour, label in (
        (-width / 2, "hit_rate", HIT, "hit rate"),
        (width / 2, "top_hit_rate", TOP_HIT, "top hit rate (strongest page's units)"),
    ):
        values = scored[column].dropna().astype(float)
        counts = pd.Series(np.round(values.to_numpy() * 10) / 10).round(1).value_counts()
        heights = [int(counts.get(level, 0)) for level in levels]
        bars = ax.bar(
            levels + offset, heights, width=width, color=colour, label=f"{label}, mean {values.mean():.2f}"
        )
        ax.bar_label(bars, labels=[f"{h:,}" if h else "" for h in heights], padding=1, fontsize=7)
        ax.axvline(values.mean(), color=colour, linestyle="--", linewidth=1.2)
    ax.set_xticks(levels, [f"{level:.1f}" for level in levels])
    ax.set_xlabel(f"hit rate (share of the top-{top_k} recommended pages, rounded to 0.1)")
    ax.set_ylabel("cookies (count)")
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.margins(y=0.12)
    fig.legend(loc="outside lower center", ncols=2, fontsize=9, frameon=False)
    ax.set_title(
        f"{len(scored):,} cookies with a mapped page; {unscored:,} without one are left out (hit rate undefined)",
        fontsize=9,
    )
    return _save(fig, out_dir, chart)


def hit_rate_by_business_unit(units: pd.DataFrame, out_dir: Path, top_k: int) -> Chart:
    """Heatmap business unit x hit-rate bucket (share of the unit's cookies, counts written in the cells)."""
    chart = Chart(
        "hitrate_by_business_unit.png",
        "Hit-rate distribution per business unit",
        "One row per business unit (a cookie active in two units counts in both), one cell per hit-rate bucket: "
        "the number counts the unit's cookies, the colour is their share, so a row darker on the right is a "
        "unit whose cookies get better-targeted recommendations.",
        "Heatmap of cookies per hit-rate bucket for every business unit",
    )
    buckets = [f"hit_rate_bucket_{i}" for i in range(10)]
    rows = units.sort_values(["mean_hit_rate", "business_unit"], ascending=[False, True]).reset_index(
        drop=True
    )
    fig = _figure(chart, 10, 1.6 + 0.42 * max(len(rows), 3))
    ax = fig.add_subplot()
    if rows.empty:
        _no_data(ax, "no business unit has scored cookies")
        return _save(fig, out_dir, chart)
    counts = rows[buckets].fillna(0).to_numpy(dtype=float)
    totals = counts.sum(axis=1, keepdims=True)
    shares = np.divide(counts, totals, out=np.zeros_like(counts), where=totals > 0)
    image = ax.imshow(shares * 100, aspect="auto", cmap="Blues", vmin=0, vmax=max(shares.max() * 100, 1))
    for (r, c), count in np.ndenumerate(counts):
        dark = shares[r, c] > 0.6 * shares.max()
        ax.text(
            c, r, f"{count:,.0f}", ha="center", va="center", fontsize=8, color="white" if dark else "#222"
        )
    ax.set_xticks(range(10), [f"{i / 10:.1f}-{(i + 1) / 10:.1f}" for i in range(10)], fontsize=8)
    ax.set_yticks(
        range(len(rows)),
        [
            f"{row.business_unit}  (n={row.cookies:,}, mean {row.mean_hit_rate:.2f})"
            if pd.notna(row.mean_hit_rate)
            else f"{row.business_unit}  (n={row.cookies:,})"
            for row in rows.itertuples()
        ],
        fontsize=9,
    )
    ax.set_xlabel(f"hit-rate bucket (share of the top-{top_k} recommendations; last bucket includes 1.0)")
    ax.set_ylabel("business unit (cookies, mean hit rate)")
    fig.colorbar(image, ax=ax, label="share of the unit's cookies (%)", shrink=0.9)
    return _save(fig, out_dir, chart)


# --- 2. similarity per business unit / asset type -------------------------------------------------


def similarity_by_group(similarity: pd.DataFrame, out_dir: Path, top_k: int, measure: str | None) -> Chart:
    """Mean top-K similarity per business unit and per asset type, co-occurrence and ALS side by side."""
    cooc = f"co-occurrence ({measure}, 0-1)" if measure else "co-occurrence"
    chart = Chart(
        "avg_similarity.png",
        f"Mean top-{top_k} similarity of pages, per business unit and per asset type",
        f"A longer bar means the pages of that business unit or asset type have closer top-{top_k} neighbours; "
        "compare groups within one colour only, as ALS (cosine) and co-occurrence score on different scales.",
        "Horizontal bars of mean top-K similarity per business unit and per asset type for each model",
    )
    groupings = [("business_unit", "business unit"), ("gated_asset_type", "asset type")]
    heights = [max(similarity["grouping"].eq(g).sum() / 2, 2) for g, _ in groupings]
    fig = _figure(chart, 12, 1.8 + 0.45 * max(heights))
    axes = fig.subplots(1, 2)
    models = ordered_models(similarity["model"].dropna().unique())
    absent = [m for m in ("cooccurrence", "als") if m not in models]
    for ax, (grouping, label) in zip(axes, groupings, strict=True):
        part = similarity[similarity["grouping"] == grouping]
        if part.empty:
            _no_data(ax, f"no rows for grouping '{grouping}'")
            ax.set_title(f"per {label}", fontsize=10)
            continue
        table = part.pivot_table(index="group_value", columns="model", values="mean_avg_similarity")
        pages = part.groupby("group_value")["pages"].max()
        table = table.sort_index(ascending=False)
        y = np.arange(len(table))
        bar_height = 0.8 / max(len(models), 1)
        for i, model in enumerate(models):
            if model not in table:
                continue
            name = {"cooccurrence": cooc, "als": "ALS (cosine, -1 to 1)"}.get(model, model)
            bars = ax.barh(
                y + (len(models) - 1 - 2 * i) * bar_height / 2,
                table[model].fillna(0).to_numpy(),
                height=bar_height,
                color=model_colour(model),
                label=name,
            )
            ax.bar_label(bars, fmt="%.2f", padding=2, fontsize=7)
        ax.set_yticks(
            y, [f"{value} ({_plural(int(pages[value]), 'page')})" for value in table.index], fontsize=8
        )
        ax.set_xlabel(f"mean top-{top_k} similarity (model's score)")
        ax.set_ylabel(label)
        ax.set_title(f"per {label}", fontsize=10)
        ax.margins(x=0.12)
    handles = {h.get_label(): h for ax in axes for h in ax.get_legend_handles_labels()[0]}
    if handles or absent:
        legend = fig.legend(
            handles.values(),
            handles.keys(),
            loc="outside lower center",
            ncols=max(len(handles), 1),
            fontsize=9,
            frameon=False,
            title=f"no rows for model(s): {', '.join(absent)}" if absent else None,
        )
        if absent:
            legend.get_title().set_color(REJECTED)
    return _save(fig, out_dir, chart)


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}" + ("" if n == 1 else "s")


# --- 3. activity x hit rate -----------------------------------------------------------------------


def activity_3d(rates: pd.DataFrame, out_dir: Path) -> Chart:
    """The prototype's 3d.png: interactions x form submissions x hit rate, one point per cookie."""
    chart = Chart(
        "3d.png",
        "Interactions x form submissions x hit rate",
        "One point per cookie, placed by pages submitted, total submissions and hit rate (also the colour); "
        "points should climb away from the origin if more activity helps (the 2-D figure shows it readably).",
        "3-D scatter of interactions, form submissions and hit rate per cookie",
    )
    fig = _figure(chart, 6, 5.6)
    ax = fig.add_subplot(projection="3d")
    scored = rates.dropna(subset=["hit_rate"])
    if scored.empty:
        _no_data(ax, "no scored cookies")
        return _save(fig, out_dir, chart)
    points = ax.scatter(
        scored["interactions"],
        scored["form_submissions"],
        scored["hit_rate"],
        c=scored["hit_rate"],
        cmap="viridis",
        vmin=0,
        vmax=1,
        s=12,
        depthshade=True,
    )
    ax.set_xlabel("interactions (distinct pages)")
    ax.set_ylabel("form submissions (count)")
    ax.set_zlabel("hit rate (0-1)")
    ax.set_zlim(0, 1)
    ax.view_init(elev=22, azim=-60)
    fig.colorbar(points, ax=ax, label="hit rate (0-1)", shrink=0.6, pad=0.08)
    return _save(fig, out_dir, chart)


def _buckets(values: pd.Series, edges: Sequence[int]) -> pd.Series:
    """Integer buckets labelled '1', '2', '4-5', '51+' from lower edges (each edge starts a bucket)."""
    labels = []
    for lo, hi in zip(edges, [*edges[1:], None], strict=True):
        if hi is None:
            labels.append(f"{lo}+")
        elif hi - lo == 1:
            labels.append(str(lo))
        else:
            labels.append(f"{lo}-{hi - 1}")
    index = np.searchsorted(np.asarray(edges), values.to_numpy(), side="right") - 1
    return pd.Series(
        pd.Categorical.from_codes(index.clip(0), categories=labels, ordered=True), index=values.index
    )


INTERACTION_EDGES = [1, 2, 3, 4, 6, 11, 21, 51]
SUBMISSION_EDGES = [1, 2, 3, 5, 10, 20, 50, 100]


def hit_rate_by_activity(rates: pd.DataFrame, out_dir: Path) -> Chart:
    """Readable 2-D alternative: hit-rate box plots per interaction / submission bucket, with counts."""
    chart = Chart(
        "hitrate_by_activity.png",
        "Hit rate by cookie activity",
        "Boxes show the hit-rate spread of cookies grouped by activity (line = median, diamond = mean), bars how "
        "many cookies each group holds; a rise left to right means more activity gives better-targeted "
        "recommendations.",
        "Box plots of hit rate per activity bucket with bar charts of cookie counts",
    )
    fig = _figure(chart, 8, 5.6)
    grid = fig.add_gridspec(2, 2, height_ratios=[3, 1.3])
    scored = rates.dropna(subset=["hit_rate"])
    for col, (column, edges, label) in enumerate(
        (
            ("interactions", INTERACTION_EDGES, "interactions (distinct pages submitted)"),
            ("form_submissions", SUBMISSION_EDGES, "form submissions (total count)"),
        )
    ):
        top = fig.add_subplot(grid[0, col])
        bottom = fig.add_subplot(grid[1, col], sharex=top)
        if scored.empty:
            _no_data(top, "no scored cookies")
            continue
        groups = _buckets(scored[column].astype(int), edges)
        present = [c for c in groups.cat.categories if (groups == c).any()]
        data = [scored.loc[groups == c, "hit_rate"].astype(float).to_numpy() for c in present]
        positions = np.arange(len(present))
        top.boxplot(
            data,
            positions=positions,
            widths=0.6,
            showmeans=True,
            meanprops={
                "marker": "D",
                "markerfacecolor": "white",
                "markeredgecolor": "black",
                "markersize": 5,
            },
            medianprops={"color": TOP_HIT, "linewidth": 2},
            flierprops={"markersize": 3, "alpha": 0.4},
        )
        top.set_ylim(-0.03, 1.03)
        top.set_ylabel("hit rate (0-1)")
        top.set_title(f"by {column.replace('_', ' ')}", fontsize=10)
        top.tick_params(labelbottom=False)
        top.grid(axis="y", alpha=0.3)
        bars = bottom.bar(positions, [len(d) for d in data], color="#999", width=0.6)
        bottom.bar_label(bars, padding=1, fontsize=7)
        bottom.set_xticks(positions, present, fontsize=8, rotation=30)
        bottom.set_xlabel(label)
        bottom.set_ylabel("cookies (count)")
        bottom.yaxis.set_major_locator(MaxNLocator(integer=True, nbins=4))
        bottom.margins(y=0.25)
    return _save(fig, out_dir, chart)


# --- 4. model comparison and run history ----------------------------------------------------------


def model_comparison(evaluation: pd.DataFrame, split: str, out_dir: Path, run_label: str) -> Chart:
    """One panel per metric: value at every K for every model, for one evaluation split."""
    part = evaluation[evaluation["split"] == split]
    ks = sorted(int(k) for k in part["k"].unique())
    chart = Chart(
        f"model_comparison_{split}.png",
        f"Held-out evaluation, {split.replace('_', '-')} split (build {run_label})",
        f"{SPLIT_LABELS.get(split, split).capitalize()}: one panel per metric, one line per model across "
        f"K = {', '.join(map(str, ks))}; higher is better, and a model above the dashed most_popular "
        "baseline learns more than popularity.",
        f"Line charts of every metric at K for every model, {split} split",
    )
    metrics = [m for m in METRIC_ORDER if m in set(part["metric"])]
    metrics += sorted(set(part["metric"]) - set(metrics))
    columns = 4
    rows = max(1, -(-(len(metrics) + 1) // columns))
    fig = _figure(chart, 14, 3.0 * rows + 0.6)
    axes = fig.subplots(rows, columns, squeeze=False).ravel()
    models = ordered_models(part["model"].unique())
    for ax, metric in zip(axes, metrics, strict=False):
        values = part[part["metric"] == metric]
        for model in models:
            line = values[values["model"] == model].sort_values("k")
            ax.plot(
                [ks.index(int(k)) for k in line["k"]],
                line["value"],
                marker="o",
                color=model_colour(model),
                label=model,
                linewidth=2 if model == "most_popular" else 1.5,
                linestyle="--" if model == "most_popular" else "-",
            )
        ax.set_xticks(range(len(ks)), [str(k) for k in ks])
        ax.set_xlabel("K (recommendations per cookie)")
        ax.set_ylabel(METRIC_UNITS.get(metric, metric), fontsize=8)
        ax.set_title(metric, fontsize=10)
        ax.grid(alpha=0.3)
    legend_ax = axes[len(metrics)]
    legend_ax.axis("off")
    if models:
        handles = [
            matplotlib.lines.Line2D(
                [], [], color=model_colour(m), marker="o", linestyle="--" if m == "most_popular" else "-"
            )
            for m in models
        ]
        legend_ax.legend(handles, models, loc="center", title="model", fontsize=10)
    else:
        _no_data(legend_ax, f"no rows for split '{split}'")
    for ax in axes[len(metrics) + 1 :]:
        ax.axis("off")
    return _save(fig, out_dir, chart)


def run_trend(summaries: pd.DataFrame, out_dir: Path) -> Chart:
    """Headline metrics (model_runs.metrics_summary) over builds, one line per model.

    `summaries` has one row per (build, model, metric): build (1 = oldest), label, model, metric, value.
    """
    chart = Chart(
        "model_runs_trend.png",
        "Headline metrics over builds (leave-one-out, K = 10)",
        "One point per dbt build in model_runs, oldest left; a step between two builds comes from changed data "
        "or parameters, listed in the table below.",
        "Line charts of headline metrics per model across builds",
    )
    metrics = [m for m in ("ndcg@10", "hit_rate@10", "bu_hit_rate@10") if m in set(summaries["metric"])]
    metrics += sorted(set(summaries["metric"]) - set(metrics))
    fig = _figure(chart, 14, 4.2)
    axes = fig.subplots(1, max(len(metrics), 1), squeeze=False).ravel()
    if not metrics:
        _no_data(axes[0], "no metrics recorded in model_runs yet")
        return _save(fig, out_dir, chart)
    builds = summaries[["build", "label"]].drop_duplicates().sort_values("build")
    step = max(1, len(builds) // 10)
    for ax, metric in zip(axes, metrics, strict=True):
        part = summaries[summaries["metric"] == metric]
        for model in ordered_models(part["model"].unique()):
            line = part[part["model"] == model].sort_values("build")
            ax.plot(line["build"], line["value"], marker="o", color=model_colour(model), label=model)
        shown = builds.iloc[::step]
        ax.set_xticks(shown["build"], shown["label"], fontsize=7, rotation=30, ha="right")
        ax.set_xlabel("build (start time, UTC)")
        name, _, k = metric.partition("@")
        ax.set_ylabel(
            f"{METRIC_UNITS.get(name, name)} at K={k}" if k else METRIC_UNITS.get(name, name), fontsize=8
        )
        ax.set_title(metric, fontsize=10)
        ax.grid(alpha=0.3)
        if len(builds) == 1:
            ax.set_xlim(builds["build"].iloc[0] - 1, builds["build"].iloc[0] + 1)
    handles = {h.get_label(): h for ax in axes for h in ax.get_legend_handles_labels()[0]}
    fig.legend(handles.values(), handles.keys(), loc="outside right center", fontsize=9, title="model")
    return _save(fig, out_dir, chart)


# --- 5. data quality ------------------------------------------------------------------------------


def data_quality(quality: pd.DataFrame, out_dir: Path) -> Chart:
    """Raw = clean + rejected per input, and rejected rows per reason.

    `quality` has one row per (source, reason): source, reason (None for the clean rows), rows.
    """
    chart = Chart(
        "data_quality.png",
        "Data quality: what happened to every raw row",
        "Left: each input's raw rows split into rows used (green) and quarantined (red), raw = clean + "
        "rejected; right: quarantined rows per reject reason (rows in rejected_submissions / rejected_bu_mappings).",
        "Stacked bars of clean and rejected rows per input and bars of rejected rows per reason",
    )
    fig = _figure(chart, 12, 4.2)
    left, right = fig.subplots(1, 2, width_ratios=[1, 1.3])
    sources = list(dict.fromkeys(quality["source"]))
    clean = quality[quality["reason"].isna()].groupby("source")["rows"].sum()
    rejected = quality[quality["reason"].notna()].groupby("source")["rows"].sum()
    y = np.arange(len(sources))[::-1]
    clean_rows = np.array([clean.get(s, 0) for s in sources])
    rejected_rows = np.array([rejected.get(s, 0) for s in sources])
    left.barh(y, clean_rows, height=0.45, color=CLEAN, label="clean (used)")
    left.barh(y, rejected_rows, height=0.45, left=clean_rows, color=REJECTED, label="rejected (quarantined)")
    for yi, c, r in zip(y, clean_rows, rejected_rows, strict=True):
        share = f" ({r / (c + r):.1%})" if c + r else ""
        left.text(
            0,
            yi + 0.34,
            f"raw {c + r:,} = {c:,} clean + {r:,} rejected{share}",
            va="center",
            ha="left",
            fontsize=8,
        )
    left.set_yticks(y, sources)
    left.set_xlabel("rows (count)")
    left.xaxis.set_major_locator(MaxNLocator(integer=True, nbins=5))
    left.xaxis.set_major_formatter(StrMethodFormatter("{x:,.0f}"))
    left.set_ylim(-0.6, len(sources) - 0.2)
    left.set_ylabel("input")
    left.set_title("raw rows per input", fontsize=10)
    left.margins(x=0.02)
    left.legend(loc="lower right", fontsize=8)
    reasons = quality[quality["reason"].notna() & (quality["rows"] > 0)]
    reasons = reasons.assign(order=reasons["source"].map(sources.index)).sort_values(
        ["order", "rows", "reason"], ascending=[True, False, True]
    )
    if reasons.empty:
        _no_data(right, "no rejected rows")
    else:
        labels = [f"{r.reason} ({r.source})" for r in reasons.itertuples()]
        colours = [mpl.colormaps["tab10"].colors[sources.index(s) % 10] for s in reasons["source"]]
        bars = right.barh(range(len(reasons)), reasons["rows"], height=0.6, color=colours)
        right.bar_label(bars, padding=2, fontsize=8)
        right.set_yticks(range(len(reasons)), labels, fontsize=8)
        right.set_xlabel("rejected rows (count)")
        right.xaxis.set_major_locator(MaxNLocator(integer=True))
        right.set_ylim(max(len(reasons), 5) - 0.25, -0.75)  # first reason on top, bars of fixed height
        right.set_ylabel("reject reason (input)")
        right.margins(x=0.15)
    right.set_title("rejected rows per reason", fontsize=10)
    return _save(fig, out_dir, chart)
