"""Publish benchmark: `python -m assetrec.bench publish --db WAREHOUSE [--repeats 3]`.

Where publish's time goes, table by table, and what writing a table to Parquet only would save. On a built
warehouse (e.g. one left by `python -m assetrec.bench pipeline --keep-warehouse`), per repeat, in one connection
with the build's memory limit (`assetrec.resources.duckdb_config`), for every BI-facing table as
`assetrec.publish` copies it:

    snapshot      create table dst.<t> as select * from src.<t>   (the DuckDB snapshot's copy; views run here)
    parquet       copy dst.<t> to <t>.parquet (zstd)               (the Parquet file, from that copy)

and for each table of `--parquet-only` (default page_cooccurrence) the alternative

    parquet only  copy (select * from src.<t>) to <t>.parquet (zstd)   (the file, no snapshot copy)

then one whole `python -m assetrec.publish` for reference. Medians over repeats; the 1-minute load average
before and after is printed.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

import duckdb

from assetrec.bench import command
from assetrec.dbt_runner import REPO, dbt_env, publish_command
from assetrec.publish import _quote, _sql_string, bi_tables
from assetrec.resources import duckdb_config


def _timed(con: duckdb.DuckDBPyConnection, sql: str) -> float:
    started = time.perf_counter()
    con.execute(sql)
    return time.perf_counter() - started


def measure(db: Path, work: Path, parquet_only: list[str]) -> dict[str, dict[str, float]]:
    """One repeat: seconds per table of the snapshot copy, its Parquet file and (for `parquet_only`) the
    Parquet file written straight from the warehouse."""
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    copy = work / "snapshot.duckdb"
    figures: dict[str, dict[str, float]] = {}
    with duckdb.connect(config=duckdb_config(copy)) as con:
        con.execute(f"attach {_sql_string(str(db.resolve()))} as src (read_only)")
        con.execute(f"attach {_sql_string(str(copy))} as dst (storage_version 'v1.0.0')")
        for table in bi_tables(con):
            name = _quote(table)
            row = figures.setdefault(table, {})
            row["rows"] = con.execute(f"select count(*) from src.main.{name}").fetchone()[0]
            row["snapshot"] = _timed(con, f"create table dst.main.{name} as select * from src.main.{name}")
            parquet = _sql_string(str(work / f"{table}.parquet"))
            row["parquet"] = _timed(
                con, f"copy dst.main.{name} to {parquet} (format parquet, compression zstd)"
            )
            if table in parquet_only:
                direct = _sql_string(str(work / f"{table}.direct.parquet"))
                row["parquet only"] = _timed(
                    con,
                    f"copy (select * from src.main.{name}) to {direct} (format parquet, compression zstd)",
                )
        con.execute("detach dst")
    shutil.rmtree(work, ignore_errors=True)
    return figures


def publish_seconds(db: Path, work: Path) -> float:
    """Wall time of one `python -m assetrec.publish` of `db` into a fresh folder."""
    out = work / "publish"
    shutil.rmtree(out, ignore_errors=True)
    started = time.perf_counter()
    subprocess.run(publish_command(db, out), cwd=REPO, env=dbt_env(db), check=True, capture_output=True)
    seconds = time.perf_counter() - started
    shutil.rmtree(out, ignore_errors=True)
    return seconds


def markdown(runs: list[dict[str, dict[str, float]]], publishes: list[float], parquet_only: list[str]) -> str:
    def med(table: str, key: str) -> float:
        return statistics.median(run[table][key] for run in runs)

    tables = sorted(runs[0], key=lambda t: -(med(t, "snapshot") + med(t, "parquet")))
    lines = [
        "| table | rows | snapshot copy s | Parquet s | both s | Parquet only s | Parquet only / both |",
        "|---|---|---|---|---|---|---|",
    ]
    for table in tables:
        both = med(table, "snapshot") + med(table, "parquet")
        only = f"{med(table, 'parquet only'):.1f}" if table in parquet_only else "-"
        ratio = f"{med(table, 'parquet only') / both:.2f}" if table in parquet_only and both else "-"
        lines.append(
            f"| {table} | {int(runs[0][table]['rows']):,} | {med(table, 'snapshot'):.1f} | "
            f"{med(table, 'parquet'):.1f} | {both:.1f} | {only} | {ratio} |"
        )
    total = sum(med(t, "snapshot") + med(t, "parquet") for t in tables)
    lines.append(f"| **all tables** | | | | **{total:.1f}** | | |")
    lines.append("")
    lines.append(
        f"Whole `python -m assetrec.publish`: median {statistics.median(publishes):.1f} s over {len(publishes)}."
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = command("publish", __doc__)
    parser.add_argument("--db", type=Path, required=True, help="a built warehouse (opened read-only)")
    parser.add_argument("--repeats", type=int, default=3, help="repeats (3); medians are reported")
    parser.add_argument(
        "--parquet-only",
        default="page_cooccurrence",
        help="tables to also write straight to Parquet (comma-separated)",
    )
    parser.add_argument(
        "--work",
        type=Path,
        default=Path("/tmp/assetrec-bench-publish"),
        help="scratch folder (removed after)",
    )
    args = parser.parse_args(argv)
    if not args.db.exists():
        parser.error(f"warehouse not found: {args.db}")
    parquet_only = [t for t in args.parquet_only.split(",") if t]
    print(
        f"# publish benchmark of {args.db}, {os.cpu_count()} cores, load {os.getloadavg()[0]:.2f}", flush=True
    )
    runs, publishes = [], []
    for repeat in range(args.repeats):
        runs.append(measure(args.db, args.work / "copy", parquet_only))
        publishes.append(publish_seconds(args.db, args.work))
        print(
            f"repeat {repeat + 1}: publish {publishes[-1]:.1f} s, load {os.getloadavg()[0]:.2f}", flush=True
        )
    shutil.rmtree(args.work, ignore_errors=True)
    print()
    print(markdown(runs, publishes, parquet_only))
    return 0


if __name__ == "__main__":
    sys.exit(main())
