"""The command line: `python -m assetrec.report [--db PATH] [--out DIR] [--allow-missing]`."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import duckdb

from assetrec.publish import warehouse_command
from assetrec.report.render import DEFAULT_OUT, write_report


def main(argv: list[str] | None = None) -> int:
    # The package's docstring describes the command (as `python -m assetrec.report --help` shows).
    doc = importlib.import_module("assetrec.report").__doc__
    parser = warehouse_command(
        "assetrec.report",
        doc,
        "DuckDB file to read, opened read-only; best the published copy publish/assetrec.duckdb",
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
