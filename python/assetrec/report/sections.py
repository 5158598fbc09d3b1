"""The page's numbered sections: each one's HTML from the data, its figures drawn as it goes.

A section whose tables are missing from the database says so instead (see load.SECTIONS); the others
render as usual.
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from dataclasses import dataclass, field
from html import escape as e
from pathlib import Path

from assetrec.report import figures, model_figures, tables
from assetrec.report.charts import Chart
from assetrec.report.load import ReportData, evaluation_run, run_summaries
from assetrec.report.tables import builds_table, business_unit_table, evaluation_table, quality_table


def png_size(path: Path) -> tuple[int, int]:
    """Width and height from a PNG's IHDR chunk (so the page reserves the space before images load)."""
    with path.open("rb") as f:
        header = f.read(24)
    return struct.unpack(">II", header[16:24])


def missing_html(tables: list[str]) -> str:
    names = ", ".join(f"<code>{e(t)}</code>" for t in tables)
    return f'<p class="missing">Not available: table(s) {names} not found in the database.</p>'


@dataclass
class Drawn:
    """The figures drawn into `out` so far, in page order; `add` returns a chart's <figure> element."""

    out: Path
    charts: list[Chart] = field(default_factory=list)

    def add(self, chart: Chart) -> str:
        self.charts.append(chart)
        width, height = png_size(self.out / chart.file)
        return (
            f'<figure id="fig-{e(Path(chart.file).stem)}"><img src="{e(chart.file)}" alt="{e(chart.alt)}" '
            f'width="{width}" height="{height}" loading="eager">'
            f"<figcaption><b>{e(chart.title)}.</b> {e(chart.caption)}</figcaption></figure>"
        )


def hit_rate(data: ReportData, drawn: Drawn) -> str:
    units = data.business_unit_hit_rates
    return (
        "<p>The prototype's business-unit hit rate: of a cookie's recommended pages, the share whose "
        "business unit is one the cookie already submitted to. It measures how well recommendations stay "
        "within a cookie's known units, not whether they predict its next submission; for that, see the "
        "held-out evaluation in section 4.</p>"
        + drawn.add(figures.hit_rate_histogram(data.cookie_hit_rates, drawn.out, data.top_k))
        + drawn.add(figures.hit_rate_by_business_unit(units, drawn.out, data.top_k))
        + business_unit_table(units)
    )


def similarity(data: ReportData, drawn: Drawn) -> str:
    measure = data.settings.get("cooccurrence_measure")
    return drawn.add(figures.similarity_by_group(data.similarity, drawn.out, data.top_k, measure))


def activity(data: ReportData, drawn: Drawn) -> str:
    rates = data.cookie_hit_rates
    return (
        '<div class="pair">'
        + drawn.add(figures.activity_3d(rates, drawn.out))
        + drawn.add(figures.hit_rate_by_activity(rates, drawn.out))
        + "</div>"
    )


def models(data: ReportData, drawn: Drawn) -> str:
    evaluation, run_label = evaluation_run(data)
    splits = [s for s in model_figures.SPLIT_LABELS if s in set(evaluation["split"])]
    splits += sorted(set(evaluation["split"]) - set(splits))
    body = (
        "<p>Every recommender is fitted on the same training split and scored on held-out interactions "
        "(<code>model_evaluation</code>, definitions in the dbt docs). The best value per column is in "
        "bold.</p>"
    )
    for split in splits:
        body += drawn.add(model_figures.model_comparison(evaluation, split, drawn.out, run_label))
        body += evaluation_table(evaluation, split)
    if not splits:
        body += '<p class="missing">model_evaluation has no rows.</p>'
    body += drawn.add(model_figures.run_trend(run_summaries(data.runs), drawn.out))
    return body + "<h3>Builds (newest first, at most 20)</h3>" + builds_table(data.runs)


def offers(data: ReportData, drawn: Drawn) -> str:
    """The settings each model was tuned to, the deployed one, example reasons and the new-visitor offers."""
    run = data.latest_run
    tuned = data.tuned
    split = "leave_one_out"
    if run is not None and tuned is not None and "run_id" in tuned:
        tuned = tuned[tuned["run_id"] == run["run_id"]]
        split = "last_events" if (tuned["split"] == "last_events").any() else split
        tuned = tuned[tuned["split"] == split]
    deployed = run["chosen_model"] if run is not None else None
    body = (
        "<p>Each build tunes every model on a validation split carved from the training part of the "
        f"{e(split.replace('_', '-'))} split (never from its test part) and deploys the best by validation "
        f"NDCG@10: <strong>{e(str(deployed))}</strong>.</p>"
    )
    if tuned is not None and not tuned.empty:
        frame = tuned[["model", "validation_ndcg", "params"]].sort_values("validation_ndcg", ascending=False)
        frame = frame.rename(columns={"validation_ndcg": "validation NDCG@10", "params": "tuned settings"})
        body += tables.table_html(frame.reset_index(drop=True), text_columns=("model", "tuned settings"))
    shares = data.explained_share
    if shares is not None and not shares.empty and int(shares["offers"].iloc[0]):
        explained, total = int(shares["explained"].iloc[0]), int(shares["offers"].iloc[0])
        body += (
            f"<h3>Because you downloaded …</h3><p>{explained:,} of {total:,} offers "
            f"({explained / total:.0%}) name the cookie's own page that adds most to their score "
            "(<code>because_page_url</code>) and that page's share of the score. Examples:</p>"
        )
        if data.explained is not None and not data.explained.empty:
            body += tables.table_html(
                data.explained, text_columns=("cookie", "page_url", "because_page_url", "model")
            )
    if data.new_visitors is not None and not data.new_visitors.empty:
        body += (
            "<h3>Visitors without history</h3><p>Offers for a visitor with no submissions yet, overall "
            "(<code>recommendations_for_new_visitors</code> also has them per business unit and asset type; "
            "<code>next_pages</code> has what to offer on each page).</p>"
        )
        body += tables.table_html(data.new_visitors, text_columns=("page_url",))
    return body


def periods(data: ReportData, drawn: Drawn) -> str:
    """The latest four quarters per business unit, from event input (empty for the aggregated export)."""
    if data.quarters is None or data.quarters.empty:
        return (
            "<p>No timestamped events: <code>business_unit_activity_by_period</code> is empty for the "
            "aggregated export. Build from an event export (README: From your analytics export) to see it.</p>"
        )
    return (
        "<p>The latest four quarters of every business unit (<code>business_unit_activity_by_period</code>, "
        "which also has months and each period's top pages): cookies active in the quarter, new cookies (first "
        "submission in it), submissions and pages submitted.</p>"
        + tables.table_html(data.quarters, text_columns=("business_unit", "quarter"))
    )


def quality(data: ReportData, drawn: Drawn) -> str:
    return drawn.add(figures.data_quality(data.quality, drawn.out)) + quality_table(data.quality)


# The page's sections in order: anchor, title, the load.SECTIONS entry naming its tables, its body.
PAGE: tuple[tuple[str, str, str, Callable[[ReportData, Drawn], str]], ...] = (
    ("hit-rate", "Hit rate of the recommendations", "hit_rate", hit_rate),
    ("similarity", "Page similarity per business unit and asset type", "similarity", similarity),
    ("activity", "Cookie activity and hit rate", "activity", activity),
    ("models", "Model comparison and history", "models", models),
    ("offers", "Tuned models, reasons and offers for new visitors", "offers", offers),
    ("quarters", "Business units by quarter", "periods", periods),
    ("data-quality", "Data quality", "quality", quality),
)


def sections(data: ReportData, drawn: Drawn) -> list[tuple[str, str, str]]:
    """(anchor, title, body HTML) of every section, drawing their figures into `drawn`."""
    return [
        (anchor, title, missing_html(data.missing(key)) if data.missing(key) else body(data, drawn))
        for anchor, title, key, body in PAGE
    ]
