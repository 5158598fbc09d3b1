"""Benchmarks: `python -m assetrec.bench <name> [options]`, one module per benchmark.

Each module exposes `main(argv: list[str]) -> int`. Figures go to BENCHMARKS.md with the command used.
"""

import argparse
import importlib
from pathlib import Path

BENCHMARKS = (
    "als",
    "cooccurrence",
    "events",
    "neighbours",
    "pipeline",
    "publish",
    "spark",
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
