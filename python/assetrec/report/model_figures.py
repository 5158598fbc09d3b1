"""The model comparison's figures (section 4): held-out metrics per model, and headline metrics over builds."""

from __future__ import annotations

from pathlib import Path

import matplotlib.lines
import pandas as pd

from assetrec.report.charts import Chart, new_figure, no_data, save
from assetrec.report.palette import model_colour, ordered_models

SPLIT_LABELS = {
    "last_events": "last events (each cookie's latest 20% of pages held out, by time)",
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
    fig = new_figure(chart, 14, 3.0 * rows + 0.6)
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
        no_data(legend_ax, f"no rows for split '{split}'")
    for ax in axes[len(metrics) + 1 :]:
        ax.axis("off")
    return save(fig, out_dir, chart)


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
    fig = new_figure(chart, 14, 4.2)
    axes = fig.subplots(1, max(len(metrics), 1), squeeze=False).ravel()
    if not metrics:
        no_data(axes[0], "no metrics recorded in model_runs yet")
        return save(fig, out_dir, chart)
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
    return save(fig, out_dir, chart)
