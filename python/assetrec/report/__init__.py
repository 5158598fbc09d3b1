"""The static HTML report: `python -m assetrec.report --db PATH --out DIR`.

Reads the warehouse tables only (never in-memory state of a build), through one read-only connection
that is closed before any figure is drawn, and writes DIR/index.html plus one PNG per figure. The page
is self-contained: images are relative files, styles are inline, there is no script, no web font and no
remote URL, and a Content-Security-Policy forbids loading anything but the page's own images, so it reads
the same offline, from a file share or attached to a mail.

Point it at the published copy (`publish/assetrec.duckdb`, see `assetrec.publish`) so it never competes
with a build for the warehouse's lock; any database with the documented tables works.

    load           ReportData: every table the page shows, read in one go, and the frames derived from it
    render         the page (header, overview cards, sections) and write_report
    sections       each numbered section's HTML, drawing its figures
    tables         the HTML tables
    figures        the figures of the cookie and data-quality sections; model_figures: the models section's
    charts         what every figure shares (Chart, a fresh figure, saving)
    palette        the colours, one per recommender
    cli            the command line
"""

from assetrec.report.cli import main
from assetrec.report.load import SECTIONS, ReportData, evaluation_run, load, param_changes, run_summaries
from assetrec.report.render import CSP, CSS, DEFAULT_OUT, OWN_FIGURES, render, write_report
from assetrec.report.sections import png_size
from assetrec.report.tables import evaluation_table

__all__ = [
    "CSP",
    "CSS",
    "DEFAULT_OUT",
    "OWN_FIGURES",
    "SECTIONS",
    "ReportData",
    "evaluation_run",
    "evaluation_table",
    "load",
    "main",
    "param_changes",
    "png_size",
    "render",
    "run_summaries",
    "write_report",
]
