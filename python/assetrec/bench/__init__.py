"""Benchmarks: `python -m assetrec.bench <name> [options]`, one module per benchmark.

Each module exposes `main(argv: list[str]) -> int`. Figures go to BENCHMARKS.md with the command used.
"""

import importlib

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
