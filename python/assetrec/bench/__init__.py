"""Benchmarks: `python -m assetrec.bench <name> [options]`, one module per benchmark.

Each module exposes `main(argv: list[str]) -> int`. Figures go to BENCHMARKS.md with the command used.
"""

import argparse
import importlib
import json
import os
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

BENCHMARKS = (
    "als",
    "cooccurrence",
    "events",
    "neighbours",
    "pipeline",
    "publish",
    "spark",
    "topn",
    "tuning",
    "tuning_cost",
)


def run(name: str, argv: list[str]) -> int:
    if name not in BENCHMARKS:
        raise SystemExit(f"unknown benchmark {name!r}; choose one of: {', '.join(BENCHMARKS)}")
    module = importlib.import_module(f"assetrec.bench.{name}")
    return module.main(argv)


def command(name: str, doc: str) -> argparse.ArgumentParser:
    """The parser of `python -m assetrec.bench <name>`; its description is the first paragraph of `doc`."""
    return argparse.ArgumentParser(prog=f"python -m assetrec.bench {name}", description=doc.split("\n\n")[0])


def add_build_arguments(
    parser: argparse.ArgumentParser, work: Path, repeats: int, repeats_help: str, sizes: bool = True
) -> None:
    """The options of the benchmarks that run dbt builds on generated exports: --sizes and --seed (with
    `sizes`), --repeats, --work (data and builds) and --json."""
    if sizes:
        parser.add_argument("--sizes", default="100k,1M,5M", help="interactions per build (100k,1M,5M)")
        parser.add_argument("--seed", type=int, default=1, help="synthetic data seed (1)")
    parser.add_argument("--repeats", type=int, default=repeats, help=f"{repeats_help} ({repeats}); medians")
    parser.add_argument("--work", type=Path, default=work, help=f"data and build directory ({work})")
    parser.add_argument("--json", type=Path, help="also write every build's figures to this JSON file")


@dataclass
class RunLog:
    """The figures of a benchmark's builds so far. Each is printed as a JSON line when it ends and, with
    --json, the whole log is rewritten then, so an interrupted benchmark keeps what finished."""

    json_path: Path | None
    started: datetime
    runs: list[dict] = field(default_factory=list)

    @classmethod
    def start(cls, name: str, json_path: Path | None) -> "RunLog":
        """An empty log, after printing the benchmark's header: when, the cores and the load."""
        started = datetime.now(UTC)
        print(
            f"# {name} benchmark {started:%Y-%m-%d %H:%M} UTC, {os.cpu_count()} cores, "
            f"load {os.getloadavg()[0]:.2f}",
            flush=True,
        )
        return cls(json_path, started)

    def add(self, run: dict) -> None:
        self.runs.append(run)
        print(json.dumps(run), flush=True)
        if self.json_path:
            self.json_path.write_text(
                json.dumps({"started": self.started.isoformat(), "runs": self.runs}, indent=1)
            )

    def load_range(self) -> str:
        """The 1-minute load average before and after the builds, lowest to highest, and the cores."""
        loads = [r["load_before"] for r in self.runs] + [r["load_after"] for r in self.runs]
        return f"{min(loads):.1f}-{max(loads):.1f} on {os.cpu_count()} cores"


def markdown_table(header: list[str], rows: list[list]) -> list[str]:
    """The lines of a Markdown table: the header, its rule, then one line per row of formatted cells."""
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    return lines + ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
