"""The page: its header and overview cards around the sections, and writing it with its figures."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from html import escape as e
from pathlib import Path

import pandas as pd

from assetrec.report.charts import Chart
from assetrec.report.load import ReportData, load
from assetrec.report.sections import Drawn, missing_html, sections

DEFAULT_OUT = Path("reports")
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
    drawn = Drawn(out)
    body = sections(data, drawn)
    run = data.latest_run
    build = (
        f"latest build {e(str(run['run_id'])[:8])} started {pd.Timestamp(run['started_at']):%Y-%m-%d %H:%M} UTC"
        if run is not None
        else "no build recorded in model_runs"
    )
    overview = missing_html(data.missing("overview")) if data.missing("overview") else _cards(data)
    nav = "".join(f'<li><a href="#{anchor}">{e(title)}</a></li>' for anchor, title, _ in body)
    content = "".join(
        f'<section id="{anchor}"><h2>{i}. {e(title)}</h2>{html}</section>'
        for i, (anchor, title, html) in enumerate(body, start=1)
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
    return page, drawn.charts


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
    written = {c.file for c in charts}
    for stale in out.glob("*.png"):
        if stale.name not in written and (
            stale.name in OWN_FIGURES or stale.name.startswith("model_comparison_")
        ):
            stale.unlink()
    # The page last and atomically: a reader never sees a half-written page.
    target = out / "index.html"
    tmp = out / f".index.html.tmp-{os.getpid()}"
    tmp.write_text(page, encoding="utf-8")
    os.replace(tmp, target)
    return target
