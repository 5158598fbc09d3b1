"""What every figure shares: the Chart it returns, a fresh Agg-backed Figure, saving, and "no data" panels.

matplotlib's object API (`Figure` + the Agg canvas), never pyplot: no global state, no GUI backend, and
figures are freed as soon as they are saved. Every figure function returns the `Chart` it wrote: file name,
title, caption (one line on how to read it) and alt text, so the HTML page and the PNG never disagree.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

DPI = 100


@dataclass(frozen=True)
class Chart:
    file: str
    title: str
    caption: str
    alt: str


def new_figure(chart: Chart, width: float, height: float) -> Figure:
    fig = Figure(figsize=(width, height), dpi=DPI, layout="constrained")
    FigureCanvasAgg(fig)
    # The title first: legends placed "outside" later are laid out below it.
    fig.suptitle(chart.title, fontsize=13, fontweight="bold")
    return fig


def save(fig: Figure, out_dir: Path, chart: Chart) -> Chart:
    # No timestamps in the PNG metadata: the same data gives byte-identical files.
    fig.savefig(out_dir / chart.file, dpi=DPI, metadata={"Software": None})
    return chart


def no_data(ax, message: str) -> None:
    ax.text(0.5, 0.5, message, ha="center", va="center", transform=ax.transAxes, fontsize=11, color="#555")
    ax.set_xticks([])
    ax.set_yticks([])
