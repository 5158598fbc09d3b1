"""The static HTML report: `python -m assetrec.report --db PATH --out DIR`.

Reads the warehouse tables only (never in-memory state of a build), through one read-only connection
that is closed before any figure is drawn, and writes DIR/index.html plus one PNG per figure. The page
is self-contained: images are relative files, styles are inline, there is no script, no web font and no
remote URL, and a Content-Security-Policy forbids loading anything but the page's own images, so it reads
the same offline, from a file share or attached to a mail.

Point it at the published copy (`publish/assetrec.duckdb`, see `assetrec.publish`) so it never competes
with a build for the warehouse's lock; any database with the documented tables works.
"""

from __future__ import annotations

import argparse
import html
import json
import os
import struct
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pandas as pd

from assetrec import report_figures as figures
from assetrec.report_figures import Chart

DEFAULT_OUT = Path("reports")
# Each section and the tables it reads; a missing table blanks its section (and fails the run unless
# --allow-missing), it never breaks the others.
SECTIONS: dict[str, tuple[str, ...]] = {
    "overview": ("dim_cookies", "dim_pages", "fct_page_interactions", "bridge_page_business_units"),
    "hit_rate": ("cookie_hit_rates", "business_unit_hit_rates"),
    "similarity": ("business_unit_similarity",),
    "activity": ("cookie_hit_rates",),
    "models": ("model_evaluation", "model_runs"),
    "quality": (
        "fct_page_interactions",
        "rejected_submissions",
        "bridge_page_business_units",
        "rejected_bu_mappings",
    ),
}
SOURCE_LABELS = {"submissions": "submissions", "bu_mapping": "business-unit mapping"}
# The fixed figure names (plus one model_comparison_<split>.png per evaluation split).
OWN_FIGURES = {
    "hitrate.png",
    "hitrate_by_business_unit.png",
    "avg_similarity.png",
    "3d.png",
    "hitrate_by_activity.png",
    "model_runs_trend.png",
    "data_quality.png",
}


def default_db() -> Path:
    return Path(os.environ.get("ASSETREC_DB", "warehouse.duckdb"))


@dataclass
class ReportData:
    """Everything the page shows, read from the database in one go."""

    db: Path
    db_modified: datetime
    tables: set[str]
    overview: dict[str, object] = field(default_factory=dict)
    cookie_hit_rates: pd.DataFrame | None = None
    business_unit_hit_rates: pd.DataFrame | None = None
    similarity: pd.DataFrame | None = None
    evaluation: pd.DataFrame | None = None
    runs: pd.DataFrame | None = None
    quality: pd.DataFrame | None = None

    def missing(self, section: str) -> list[str]:
        return [t for t in SECTIONS[section] if t not in self.tables]

    @property
    def all_missing(self) -> list[str]:
        return sorted({t for tables in SECTIONS.values() for t in tables} - self.tables)

    @property
    def latest_run(self) -> pd.Series | None:
        if self.runs is None or self.runs.empty:
            return None
        return self.runs.iloc[-1]

    @property
    def settings(self) -> dict:
        """The latest build's parameters (model_runs.params), e.g. top_k and cooccurrence_measure."""
        run = self.latest_run
        return _json(run["params"]) if run is not None else {}

    @property
    def top_k(self) -> int:
        try:
            return int(self.settings.get("top_k", 10))
        except (TypeError, ValueError):
            return 10


def _json(text) -> dict:
    if text is None or (isinstance(text, float) and pd.isna(text)):
        return {}
    try:
        value = json.loads(text) if isinstance(text, str) else dict(text)
    except (ValueError, TypeError):
        return {}
    return value if isinstance(value, dict) else {}


def load(db: Path) -> ReportData:
    """Read every table the report needs through one read-only connection (closed on return)."""
    if not db.exists():
        raise FileNotFoundError(f"database not found: {db} (build it with `make run`, or pass --db)")
    with duckdb.connect(str(db), read_only=True) as con:
        tables = {
            row[0]
            for row in con.execute(
                "select table_name from information_schema.tables where table_schema = current_schema()"
            ).fetchall()
        }
        data = ReportData(db=db, db_modified=datetime.fromtimestamp(db.stat().st_mtime, UTC), tables=tables)

        def df(sql: str) -> pd.DataFrame:
            return con.execute(sql).df()

        if not data.missing("overview"):
            row = df(
                """
                select
                    (select count(*) from dim_cookies) as cookies,
                    (select count(*) from dim_pages) as pages,
                    (select count(*) from dim_pages where len(business_units) > 0) as mapped_pages,
                    (select count(*) from fct_page_interactions) as interactions,
                    (select coalesce(sum(form_submissions), 0) from fct_page_interactions) as form_submissions,
                    (select count(distinct business_unit) from bridge_page_business_units) as business_units
                """
            ).iloc[0]
            data.overview = {k: int(v) for k, v in row.items()}
        if "recommendations" in tables:
            rec = df("select count(*) as n, string_agg(distinct model, ', ') as models from recommendations")
            data.overview["recommendations"] = int(rec["n"].iloc[0])
            data.overview["recommended_by"] = rec["models"].iloc[0]
        if "cookie_hit_rates" in tables:
            data.cookie_hit_rates = df(
                "select cookie, interactions, form_submissions, hit_rate, top_hit_rate, cumulative_hit_rate "
                "from cookie_hit_rates"
            )
        if "business_unit_hit_rates" in tables:
            data.business_unit_hit_rates = df("select * from business_unit_hit_rates order by business_unit")
        if "business_unit_similarity" in tables:
            data.similarity = df(
                "select grouping, group_value, pages, mean_avg_similarity, model from business_unit_similarity"
            )
        if "model_runs" in tables:
            data.runs = df(
                "select run_id, started_at, params, data_fingerprint, interactions, chosen_model, "
                "metrics_summary from model_runs order by started_at, run_id"
            )
        if "model_evaluation" in tables:
            data.evaluation = df("select run_id, model, split, metric, k, value, users from model_evaluation")
        if not data.missing("quality"):
            data.quality = df(
                """
                select 'submissions' as source, null::varchar as reason, count(*) as rows
                from fct_page_interactions
                union all
                select 'submissions', reject_reason, count(*) from rejected_submissions group by reject_reason
                union all
                select 'bu_mapping', null, count(*) from bridge_page_business_units
                union all
                select 'bu_mapping', reject_reason, count(*) from rejected_bu_mappings group by reject_reason
                """
            )
            data.quality["source"] = data.quality["source"].map(SOURCE_LABELS)
            data.quality["rows"] = data.quality["rows"].astype(int)
    return data


# --- derived frames -------------------------------------------------------------------------------


def evaluation_run(data: ReportData) -> tuple[pd.DataFrame, str]:
    """model_evaluation rows of the newest build (by model_runs.started_at) and a short label for it."""
    evaluation = data.evaluation
    if evaluation is None or evaluation.empty:
        return pd.DataFrame(columns=["run_id", "model", "split", "metric", "k", "value", "users"]), "none"
    run_ids = list(evaluation["run_id"].unique())
    if data.runs is not None:
        ordered = [r for r in data.runs["run_id"] if r in set(run_ids)]
        if ordered:
            run_ids = ordered
    run_id = run_ids[-1]
    return evaluation[evaluation["run_id"] == run_id].copy(), str(run_id)[:8]


def run_summaries(runs: pd.DataFrame) -> pd.DataFrame:
    """model_runs.metrics_summary ({"ease.ndcg@10": 0.31, ...}) as rows: build, label, model, metric, value."""
    rows = []
    for build, run in enumerate(runs.itertuples(), start=1):
        label = f"#{build} {pd.Timestamp(run.started_at):%m-%d %H:%M}"
        for key, value in _json(run.metrics_summary).items():
            model, _, metric = key.partition(".")
            if metric and isinstance(value, int | float):
                rows.append((build, label, model, metric, float(value)))
    return pd.DataFrame(rows, columns=["build", "label", "model", "metric", "value"])


def param_changes(runs: pd.DataFrame) -> list[str]:
    """For each run, the parameters that differ from the previous run ('first run' for the oldest)."""
    changes, previous = [], None
    for params in runs["params"]:
        current = _json(params)
        if previous is None:
            changes.append("first recorded run")
        else:
            diff = [
                f"{key}: {previous.get(key)} → {current.get(key)}"
                for key in sorted(set(previous) | set(current))
                if key not in ("run_id", "started_at") and previous.get(key) != current.get(key)
            ]
            changes.append("; ".join(diff) if diff else "none")
        previous = current
    return changes


# --- HTML -----------------------------------------------------------------------------------------

CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif;
       margin: 0 auto; max-width: 1440px; padding: 0 1.5rem 3rem; color: #222; line-height: 1.45; }
header { border-bottom: 2px solid #1f77b4; margin-bottom: 1rem; }
h1 { margin: 1.2rem 0 0.2rem; } h2 { margin-top: 2.2rem; border-bottom: 1px solid #ddd; }
.meta { color: #555; font-size: 0.9rem; margin: 0.2rem 0 0.8rem; }
nav ol { columns: 2; font-size: 0.95rem; }
.cards { display: flex; flex-wrap: wrap; gap: 0.6rem; margin: 0.8rem 0; }
.card { border: 1px solid #ddd; border-radius: 6px; padding: 0.4rem 0.8rem; min-width: 8rem; }
.card b { display: block; font-size: 1.3rem; } .card span { color: #555; font-size: 0.85rem; }
figure { margin: 1rem 0 1.6rem; } figure img { max-width: 100%; height: auto; border: 1px solid #eee; }
figcaption { color: #444; font-size: 0.92rem; max-width: 75rem; }
figcaption b { color: #222; }
.pair { display: grid; grid-template-columns: 6fr 8fr; gap: 1rem; align-items: start; }
.pair figure { margin-top: 0; }
@media (max-width: 1000px) { .pair { grid-template-columns: 1fr; } }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; font-size: 0.85rem; margin: 0.6rem 0 1rem; }
th, td { border: 1px solid #ddd; padding: 0.2rem 0.5rem; text-align: right; white-space: nowrap; }
th { background: #f4f6f8; } td.text, th.text { text-align: left; white-space: normal; }
td.best { font-weight: bold; background: #eef6ee; }
.missing { border-left: 4px solid #d62728; background: #fdf0f0; padding: 0.5rem 0.8rem; }
code { background: #f4f4f4; padding: 0 0.2rem; }
"""
CSP = (
    "default-src 'none'; img-src 'self' file:; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'"
)

e = html.escape


def png_size(path: Path) -> tuple[int, int]:
    """Width and height from a PNG's IHDR chunk (so the page reserves the space before images load)."""
    with path.open("rb") as f:
        header = f.read(24)
    return struct.unpack(">II", header[16:24])


def _figure_html(out: Path, chart: Chart) -> str:
    width, height = png_size(out / chart.file)
    return (
        f'<figure id="fig-{e(Path(chart.file).stem)}"><img src="{e(chart.file)}" alt="{e(chart.alt)}" '
        f'width="{width}" height="{height}" loading="eager">'
        f"<figcaption><b>{e(chart.title)}.</b> {e(chart.caption)}</figcaption></figure>"
    )


def _missing_html(tables: list[str]) -> str:
    names = ", ".join(f"<code>{e(t)}</code>" for t in tables)
    return f'<p class="missing">Not available: table(s) {names} not found in the database.</p>'


def _table_html(frame: pd.DataFrame, text_columns: tuple[str, ...] = (), best: set | None = None) -> str:
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
    metrics = [m for m in figures.METRIC_ORDER if m in table.columns.get_level_values(0)]
    metrics += sorted(set(table.columns.get_level_values(0)) - set(metrics))
    table = table[[(m, k) for m in metrics for k in sorted(table[m].columns)]]
    table = table.reindex(figures.ordered_models(list(table.index)))
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
    return _table_html(frame, text_columns=("model",), best=best)


def _cards(data: ReportData) -> str:
    o = data.overview
    run = data.latest_run
    items = [
        ("cookies", o.get("cookies")),
        ("pages", o.get("pages")),
        ("pages with a business unit", o.get("mapped_pages")),
        ("interactions (cookie x page)", o.get("interactions")),
        ("form submissions", o.get("form_submissions")),
        ("business units", o.get("business_units")),
        ("recommendations", o.get("recommendations")),
    ]
    cards = [f'<div class="card"><b>{v:,}</b><span>{e(k)}</span></div>' for k, v in items if v is not None]
    if run is not None:
        cards.append(f'<div class="card"><b>{e(str(run["chosen_model"]))}</b><span>model used</span></div>')
    return f'<div class="cards">{"".join(cards)}</div>'


def render(data: ReportData, out: Path) -> tuple[str, list[Chart]]:
    """Draw every figure into `out` and return the page's HTML and the charts written."""
    charts: list[Chart] = []
    top_k = data.top_k

    def chart(draw: Callable[[], Chart]) -> str:
        made = draw()
        charts.append(made)
        return _figure_html(out, made)

    sections: list[tuple[str, str, str]] = []

    # 1. hit rate
    if data.missing("hit_rate"):
        body = _missing_html(data.missing("hit_rate"))
    else:
        units = data.business_unit_hit_rates
        unit_table = units[
            ["business_unit", "cookies", "mean_hit_rate", "mean_top_hit_rate", "mean_cumulative_hit_rate"]
        ].sort_values("business_unit")
        body = (
            "<p>The prototype's business-unit hit rate: of a cookie's recommended pages, the share whose "
            "business unit is one the cookie already submitted to. It measures how well recommendations stay "
            "within a cookie's known units, not whether they predict its next submission; for that, see the "
            "held-out evaluation in section 4.</p>"
            + chart(lambda: figures.hit_rate_histogram(data.cookie_hit_rates, out, top_k))
            + chart(lambda: figures.hit_rate_by_business_unit(units, out, top_k))
            + _table_html(unit_table.reset_index(drop=True), text_columns=("business_unit",))
        )
    sections.append(("hit-rate", "Hit rate of the recommendations", body))

    # 2. similarity
    if data.missing("similarity"):
        body = _missing_html(data.missing("similarity"))
    else:
        measure = data.settings.get("cooccurrence_measure")
        body = chart(lambda: figures.similarity_by_group(data.similarity, out, top_k, measure))
    sections.append(("similarity", "Page similarity per business unit and asset type", body))

    # 3. activity x hit rate
    if data.missing("activity"):
        body = _missing_html(data.missing("activity"))
    else:
        rates = data.cookie_hit_rates
        body = (
            '<div class="pair">'
            + chart(lambda: figures.activity_3d(rates, out))
            + chart(lambda: figures.hit_rate_by_activity(rates, out))
            + "</div>"
        )
    sections.append(("activity", "Cookie activity and hit rate", body))

    # 4. models
    if data.missing("models"):
        body = _missing_html(data.missing("models"))
    else:
        evaluation, run_label = evaluation_run(data)
        splits = [s for s in figures.SPLIT_LABELS if s in set(evaluation["split"])]
        splits += sorted(set(evaluation["split"]) - set(splits))
        body = (
            "<p>Every recommender is fitted on the same training split and scored on held-out interactions "
            "(<code>model_evaluation</code>, definitions in the dbt docs). The best value per column is in "
            "bold.</p>"
        )
        for split in splits:
            body += chart(lambda split=split: figures.model_comparison(evaluation, split, out, run_label))
            body += evaluation_table(evaluation, split)
        if not splits:
            body += '<p class="missing">model_evaluation has no rows.</p>'
        runs = data.runs
        body += chart(lambda: figures.run_trend(run_summaries(runs), out))
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
        body += "<h3>Builds (newest first, at most 20)</h3>" + _table_html(
            history.reset_index(drop=True),
            text_columns=(
                "run id",
                "data fingerprint",
                "chosen model",
                "parameters changed since the previous build",
            ),
        )
    sections.append(("models", "Model comparison and history", body))

    # 5. data quality
    if data.missing("quality"):
        body = _missing_html(data.missing("quality"))
    else:
        quality = data.quality
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
        body = chart(lambda: figures.data_quality(quality, out)) + _table_html(
            table, text_columns=("input", "rejected per reason")
        )
    sections.append(("data-quality", "Data quality", body))

    run = data.latest_run
    build = (
        f"latest build {e(str(run['run_id'])[:8])} started {pd.Timestamp(run['started_at']):%Y-%m-%d %H:%M} UTC"
        if run is not None
        else "no build recorded in model_runs"
    )
    overview = _missing_html(data.missing("overview")) if data.missing("overview") else _cards(data)
    nav = "".join(f'<li><a href="#{anchor}">{e(title)}</a></li>' for anchor, title, _ in sections)
    content = "".join(
        f'<section id="{anchor}"><h2>{i}. {e(title)}</h2>{body}</section>'
        for i, (anchor, title, body) in enumerate(sections, start=1)
    )
    page = f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>assetrec report</title>
<style>{CSS}</style>
</head>
<body>
<header>
<h1>assetrec: next-best-asset recommendations</h1>
<p class="meta">Database <code>{e(str(data.db))}</code> (modified {data.db_modified:%Y-%m-%d %H:%M} UTC), {build};
report generated {datetime.now(UTC):%Y-%m-%d %H:%M} UTC from the warehouse tables only.</p>
</header>
{overview}
<nav><ol>{nav}</ol></nav>
{content}
</body>
</html>
"""
    return page, charts


def write_report(db: Path, out: Path = DEFAULT_OUT, allow_missing: bool = False) -> Path:
    """Read `db`, write `out`/index.html and its PNGs; return the page's path.

    Raises LookupError listing the missing tables unless `allow_missing` (then their sections say so).
    """
    data = load(db)
    if data.all_missing and not allow_missing:
        raise LookupError(
            f"{db}: missing table(s) {', '.join(data.all_missing)}; run a full `dbt build` first, "
            "or pass --allow-missing to render the other sections"
        )
    out.mkdir(parents=True, exist_ok=True)
    page, charts = render(data, out)
    # Figures of an earlier run that this one did not draw (a split or section gone) would linger unreferenced.
    drawn = {c.file for c in charts}
    for stale in out.glob("*.png"):
        if stale.name not in drawn and (
            stale.name in OWN_FIGURES or stale.name.startswith("model_comparison_")
        ):
            stale.unlink()
    # The page last and atomically: a reader never sees a half-written page.
    target = out / "index.html"
    tmp = out / f".index.html.tmp-{os.getpid()}"
    tmp.write_text(page, encoding="utf-8")
    os.replace(tmp, target)
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m assetrec.report", description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--db",
        type=Path,
        default=default_db(),
        help="DuckDB file to read, opened read-only; best the published copy publish/assetrec.duckdb "
        "(default: $ASSETREC_DB or warehouse.duckdb)",
    )
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output directory (default: reports/)")
    parser.add_argument(
        "--allow-missing",
        action="store_true",
        help="render even if some tables are missing (their sections say so) instead of failing",
    )
    args = parser.parse_args(argv)
    try:
        page = write_report(args.db, args.out, allow_missing=args.allow_missing)
    except (FileNotFoundError, LookupError, duckdb.Error) as error:
        print(f"report: {error}", file=sys.stderr)
        return 1
    print(f"report    : {page.resolve()}  (open in a browser; works offline)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
