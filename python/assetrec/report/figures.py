"""The report's figures about cookies and data: one function per PNG, drawn from frames of the warehouse.

Sections 1 (hit rate), 2 (similarity), 3 (activity) and 5 (data quality); the model comparison's figures
are in model_figures.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib.ticker import MaxNLocator, StrMethodFormatter
from mpl_toolkits.mplot3d import Axes3D  # noqa: F401  (registers the "3d" projection)

from assetrec.report.charts import Chart, new_figure, no_data, save
from assetrec.report.palette import CLEAN, HIT, REJECTED, TOP_HIT, model_colour, ordered_models

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
    fig = new_figure(chart, 10, 4.8)
    ax = fig.add_subplot()
    scored = rates.dropna(subset=["hit_rate"])
    unscored = len(rates) - len(scored)
    if scored.empty:
        no_data(ax, "no cookie has a mapped page: hit rate undefined")
        return save(fig, out_dir, chart)
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
    return save(fig, out_dir, chart)


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
    fig = new_figure(chart, 10, 1.6 + 0.42 * max(len(rows), 3))
    ax = fig.add_subplot()
    if rows.empty:
        no_data(ax, "no business unit has scored cookies")
        return save(fig, out_dir, chart)
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
    return save(fig, out_dir, chart)


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
    fig = new_figure(chart, 12, 1.8 + 0.45 * max(heights))
    axes = fig.subplots(1, 2)
    models = ordered_models(similarity["model"].dropna().unique())
    absent = [m for m in ("cooccurrence", "als") if m not in models]
    for ax, (grouping, label) in zip(axes, groupings, strict=True):
        part = similarity[similarity["grouping"] == grouping]
        if part.empty:
            no_data(ax, f"no rows for grouping '{grouping}'")
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
    return save(fig, out_dir, chart)


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
    fig = new_figure(chart, 6, 5.6)
    ax = fig.add_subplot(projection="3d")
    scored = rates.dropna(subset=["hit_rate"])
    if scored.empty:
        no_data(ax, "no scored cookies")
        return save(fig, out_dir, chart)
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
    return save(fig, out_dir, chart)


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
    fig = new_figure(chart, 8, 5.6)
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
            no_data(top, "no scored cookies")
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
    return save(fig, out_dir, chart)


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
    fig = new_figure(chart, 12, 4.2)
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
        no_data(right, "no rejected rows")
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
    return save(fig, out_dir, chart)
