"""Compare two built warehouses table by table: the check that a refactoring changed no output.

    python -m assetrec.compare OLD.duckdb NEW.duckdb [--ignore-columns run_id,started_at]

Every table and view of schema `main` in either file is compared as a multiset of rows (order does not
matter, values must be equal). Columns that identify a build rather than its
result (`run_id`, `started_at`, `invocation_id` by default) are left out, and so are dbt's build marker
and the run history's build-specific rows. Exit status 0 when every table is identical, 1 otherwise, with
one line per table. Floats may differ in their last bits (FLOAT_TOLERANCE): DuckDB's parallel
aggregates do not add the same numbers in the same order on every run.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

BUILD_COLUMNS = ("run_id", "started_at", "invocation_id", "finished_at")
SKIPPED_TABLES = ("_assetrec_build",)
FLOAT_TYPES = ("FLOAT", "DOUBLE")
# Relative difference allowed between two floats: a different summation order of the same numbers.
FLOAT_TOLERANCE = 1e-12


def _tables(con: duckdb.DuckDBPyConnection, catalog: str) -> dict[str, list[str]]:
    rows = con.execute(
        "select table_name, column_name from information_schema.columns "
        "where table_catalog = ? and table_schema = 'main' order by table_name, ordinal_position",
        [catalog],
    ).fetchall()
    tables: dict[str, list[str]] = {}
    for table, column in rows:
        tables.setdefault(table, []).append(column)
    return tables


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def compare(old: Path, new: Path, ignore: tuple[str, ...] = BUILD_COLUMNS) -> dict[str, str]:
    """{table: verdict} for every table in either warehouse; a verdict is 'identical' or what differs."""
    con = duckdb.connect()
    con.execute(f"attach {duckdb_literal(old)} as old (read_only)")
    con.execute(f"attach {duckdb_literal(new)} as new (read_only)")
    old_tables, new_tables = _tables(con, "old"), _tables(con, "new")
    verdicts = {}
    for table in sorted(set(old_tables) | set(new_tables)):
        if table in SKIPPED_TABLES:
            continue
        if table not in new_tables or table not in old_tables:
            verdicts[table] = "only in " + ("old" if table in old_tables else "new")
        elif old_tables[table] != new_tables[table]:
            verdicts[table] = f"columns differ: {old_tables[table]} vs {new_tables[table]}"
        else:
            columns = [c for c in old_tables[table] if c not in ignore]
            verdicts[table] = _compare_table(con, table, columns)
    con.close()
    return verdicts


def _compare_table(con: duckdb.DuckDBPyConnection, table: str, columns: list[str]) -> str:
    """Rows sorted the same way on both sides (floats rounded for the sort only), then compared column by
    column: exactly, except floats within FLOAT_TOLERANCE (DuckDB's parallel sums and averages are not
    bit-reproducible from one run to the next)."""
    frames = []
    for side in ("old", "new"):
        relation = con.sql(f"select * from {side}.{_quote(table)}")
        kinds = dict(zip(relation.columns, map(str, relation.types), strict=True))
        order = [f"round({_quote(c)}, 9)" if kinds[c] in FLOAT_TYPES else _quote(c) for c in columns]
        selected = ", ".join(_quote(c) for c in columns) or "1 as row"
        sql = f"select {selected} from {side}.{_quote(table)}"
        frames.append(con.sql(sql + (" order by " + ", ".join(order) if order else "")).df())
    old_rows, new_rows = frames
    if len(old_rows) != len(new_rows):
        return f"differs: {len(old_rows)} vs {len(new_rows)} rows"
    worst = 0.0
    for column in old_rows.columns:
        a, b = old_rows[column], new_rows[column]
        if pd.api.types.is_float_dtype(a) and pd.api.types.is_float_dtype(b):
            x, y = a.to_numpy(float), b.to_numpy(float)
            same = np.isclose(x, y, rtol=FLOAT_TOLERANCE, atol=0, equal_nan=True)
            if not same.all():
                return f"differs: column {column} in {int((~same).sum())} of {len(a)} rows"
            with np.errstate(invalid="ignore", divide="ignore"):
                gaps = np.abs(x - y) / np.maximum(np.abs(x), np.abs(y))
            worst = max(worst, float(np.nanmax(gaps, initial=0.0)))
        else:
            unequal = [i for i, (u, v) in enumerate(zip(a, b, strict=True)) if not _same(u, v)]
            if unequal:
                return (
                    f"differs: column {column} in {len(unequal)} of {len(a)} rows (first: row {unequal[0]})"
                )
    return f"identical ({len(old_rows)} rows" + (f", floats within {worst:.1e})" if worst else ")")


def _same(u, v) -> bool:
    if isinstance(u, np.ndarray | list) or isinstance(v, np.ndarray | list):
        return len(u) == len(v) and all(_same(p, q) for p, q in zip(u, v, strict=True))
    if pd.isna(u) is True and pd.isna(v) is True:
        return True
    return bool(u == v)


def duckdb_literal(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m assetrec.compare", description=__doc__.split("\n\n")[0])
    parser.add_argument("old", type=Path)
    parser.add_argument("new", type=Path)
    parser.add_argument(
        "--ignore-columns",
        default=",".join(BUILD_COLUMNS),
        help=f"comma-separated columns left out (default {','.join(BUILD_COLUMNS)})",
    )
    args = parser.parse_args(argv)
    verdicts = compare(args.old, args.new, tuple(filter(None, args.ignore_columns.split(","))))
    width = max(map(len, verdicts), default=0)
    for table, verdict in verdicts.items():
        print(f"{table:<{width}}  {verdict}")
    same = all(v.startswith("identical") for v in verdicts.values())
    print("all tables identical" if same else "DIFFERENCES FOUND")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
