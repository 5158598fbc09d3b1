"""The report's tables: a plain HTML table from a frame, and the frames the sections show as tables."""

from __future__ import annotations

from html import escape as e

import pandas as pd

from assetrec.report.load import param_changes
from assetrec.report.model_figures import METRIC_ORDER
from assetrec.report.palette import ordered_models


def table_html(frame: pd.DataFrame, text_columns: tuple[str, ...] = (), best: set | None = None) -> str:
    """A plain HTML table; `best` holds (row index, column) cells to highlight."""
    head = "".join(
        f'<th class="{"text" if c in text_columns else ""}">{e(str(c))}</th>' for c in frame.columns
    )
    body = []
    for index, row in frame.iterrows():
        cells = []
        for column, value in row.items():
            classes = []
            if column in text_columns:
                classes.append("text")
            if best and (index, column) in best:
                classes.append("best")
            if isinstance(value, float):
                text = "" if pd.isna(value) else f"{value:.3f}"
            elif isinstance(value, int):
                text = f"{value:,}"
            else:
                text = "" if value is None else str(value)
            cells.append(f'<td class="{" ".join(classes)}">{e(text)}</td>')
        body.append(f"<tr>{''.join(cells)}</tr>")
    return f'<div class="scroll"><table><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table></div>'


def evaluation_table(evaluation: pd.DataFrame, split: str) -> str:
    """Models x metric@K for one split, the best model per column in bold."""
    part = evaluation[evaluation["split"] == split]
    if part.empty:
        return ""
    table = part.pivot_table(index="model", columns=["metric", "k"], values="value")
    metrics = [m for m in METRIC_ORDER if m in table.columns.get_level_values(0)]
    metrics += sorted(set(table.columns.get_level_values(0)) - set(metrics))
    table = table[[(m, k) for m in metrics for k in sorted(table[m].columns)]]
    table = table.reindex(ordered_models(list(table.index)))
    table.columns = [f"{m}@{k}" for m, k in table.columns]
    users = part.groupby("model")["users"].max()
    best = {
        (model, column)
        for column in table.columns
        for model in table.index[table[column] == table[column].max()]
    }
    frame = table.reset_index()
    frame.insert(1, "cookies evaluated", [int(users.get(m, 0)) for m in frame["model"]])
    best = {(int(frame.index[frame["model"] == model][0]), column) for model, column in best}
    return table_html(frame, text_columns=("model",), best=best)


def business_unit_table(units: pd.DataFrame) -> str:
    """Mean hit rates per business unit."""
    table = units[
        ["business_unit", "cookies", "mean_hit_rate", "mean_top_hit_rate", "mean_cumulative_hit_rate"]
    ].sort_values("business_unit")
    return table_html(table.reset_index(drop=True), text_columns=("business_unit",))


def builds_table(runs: pd.DataFrame) -> str:
    """The newest 20 builds of model_runs, newest first, with what changed since the build before."""
    history = (
        pd.DataFrame(
            {
                "build": range(1, len(runs) + 1),
                "started at (UTC)": [f"{pd.Timestamp(t):%Y-%m-%d %H:%M:%S}" for t in runs["started_at"]],
                "run id": [str(r)[:8] for r in runs["run_id"]],
                "interactions": [int(n) for n in runs["interactions"]],
                "data fingerprint": runs["data_fingerprint"].astype(str).tolist(),
                "chosen model": runs["chosen_model"].astype(str).tolist(),
                "parameters changed since the previous build": param_changes(runs),
            }
        )
        .iloc[::-1]
        .head(20)
    )
    return table_html(
        history.reset_index(drop=True),
        text_columns=(
            "run id",
            "data fingerprint",
            "chosen model",
            "parameters changed since the previous build",
        ),
    )


def quality_table(quality: pd.DataFrame) -> str:
    """Raw, clean and rejected rows per input, and the rejected rows per reason."""
    rows = []
    for source in dict.fromkeys(quality["source"]):
        part = quality[quality["source"] == source]
        clean = int(part.loc[part["reason"].isna(), "rows"].sum())
        rejected = part[part["reason"].notna()]
        reasons = ", ".join(
            f"{r.reason}: {r.rows:,}"
            for r in rejected.sort_values(["rows", "reason"], ascending=[False, True]).itertuples()
        )
        rows.append(
            (
                source,
                clean + int(rejected["rows"].sum()),
                clean,
                int(rejected["rows"].sum()),
                reasons or "none",
            )
        )
    table = pd.DataFrame(
        rows, columns=["input", "raw rows", "clean rows", "rejected rows", "rejected per reason"]
    )
    return table_html(table, text_columns=("input", "rejected per reason"))
