"""Publish the marts for BI: `python -m assetrec.publish --db warehouse.duckdb --out publish/`.

DuckDB allows one writer or many readers per file, so a BI tool holding `warehouse.duckdb` open would
make the next `dbt build` fail (and a running build locks BI out). After a successful build this copies
every BI-facing table into files that builds never open:

    publish/assetrec.duckdb                       one DuckDB file with every BI-facing table
    publish/parquet -> parquet-snapshots/<id>/    symlink to the current Parquet snapshot:
        <table>.parquet                           one file per BI-facing table
        manifest.json                             snapshot id, source run, tables and row counts

BI-facing tables: every table and view of the warehouse's schema except the internal layers, i.e. names
starting with `stg_`, `int_` or `base_` (staging and intermediate models), `sample_` (the bundled raw
sample seeds: raw input, not marts), dbt's own `*__dbt_tmp*` / `*__dbt_backup*` leftovers, the
co-occurrence models' internal helpers `cooccurrence_pages` / `cooccurrence_page_pairs`, and the build
marker `_assetrec_build` (below). Views are
materialised as tables, so the copy never refers back to the warehouse. A small `published_tables` table
(one row per published table: rows, columns, run id, publish time) says what the snapshot holds. The
file is written in DuckDB's v1.0.0 storage format (`--storage-version`), so BI drivers embedding an older
DuckDB 1.x can open it; Parquet is readable by anything.

Atomicity, so readers never see a half-written or mixed state:
- The new database is written to a temporary file in `publish/`, checkpointed (no WAL left), checked
  (every table has the source's row count), fsynced, then moved over `assetrec.duckdb` with `os.replace`
  (an atomic rename on one filesystem). A reader that already has the file open keeps reading the
  previous snapshot (its open file handle pins the old inode) until it reconnects; a new connection
  sees the new snapshot.
- Parquet files are written into a new snapshot directory under a temporary name, renamed to their final
  name once complete, and published by atomically replacing the `parquet` symlink. Readers that resolve
  `publish/parquet` once (e.g. `readlink -f publish/parquet`, or `manifest.json` inside it) read one
  consistent build; the previous snapshots are kept (`--keep`, default 3) so in-flight readers never
  lose their files.
- Nothing is replaced until everything is written and checked: an error on the way removes the temporary
  files and leaves the previous publication untouched. With `--run-results target/run_results.json` the
  publication is refused if the last dbt invocation had an error, a failed test or a skipped node, so a
  failed build never replaces it (`make run` also calls this only after `dbt build` succeeded).
- dbt writes run_results.json only when an invocation ends: a build killed midway leaves the previous
  build's file behind, and one stopped with Ctrl-C writes one listing only the nodes that ran. So with
  `--run-results` publish also reads the build marker, the one-row table `_assetrec_build` that the
  project's on-run-start hook (macros/build_marker.sql) writes in the warehouse for every dbt invocation
  that modifies it (build, run, seed, snapshot) and its on-run-end hook marks finished, with whether every
  node succeeded. The publication is refused unless the run_results.json's `metadata.invocation_id` is the
  marker's and that invocation finished, or the file is from a later command that does not modify the
  warehouse (`dbt test`, `dbt docs generate`, ...: its own results must pass) and the marked build
  finished and succeeded; and if the warehouse has no marker (built before the hook existed).
- A lock file (`publish/.publish.lock`) keeps two publishers from interleaving.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import json
import os
import shutil
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

DEFAULT_OUT = Path("publish")
DATABASE_NAME = "assetrec.duckdb"
PARQUET_LINK = "parquet"
SNAPSHOTS = "parquet-snapshots"
MANIFEST = "manifest.json"
INFO_TABLE = "published_tables"
# Written by the on-run-start / on-run-end hooks (macros/build_marker.sql): the dbt invocation that last
# modified the warehouse, whether it finished and whether every node of it succeeded.
BUILD_MARKER = "_assetrec_build"
# dbt commands that only read the warehouse (the marker is written by those that modify it, see the
# macro modifies_warehouse) but rewrite run_results.json: after one of these, the marker vouches for the
# build (finished and succeeded) and the file for the command's own results.
READ_ONLY_COMMANDS = ("test", "compile", "docs generate", "list", "ls", "show", "parse", "source freshness")
INTERNAL_PREFIXES = ("stg_", "int_", "base_", "sample_")
# On-disk format of the published file. DuckDB 2.0 writes v2 files by default, which DuckDB 1.x (the
# engine inside many BI drivers: ODBC, JDBC, DBeaver, Tableau/Power BI connectors) refuses to open;
# v1.0.0 storage is readable by every DuckDB since 1.0. None = the writer's default.
DEFAULT_STORAGE_VERSION = "v1.0.0"
# dbt's temporary relations; dbt-duckdb leaves `<model>__dbt_tmp<timestamp>` tables behind for incremental
# Python models (model_runs), one per build.
DBT_TEMPORARY = ("__dbt_tmp", "__dbt_backup")
# Internal helpers without one of the prefixes: the co-occurrence models' integer page ids and raw pair
# counts (page_cooccurrence is their BI-facing result).
INTERNAL_TABLES = frozenset({"cooccurrence_pages", "cooccurrence_page_pairs"})
# dbt statuses that mean the invocation did not fully succeed (`warn` is a success with warnings).
FAILED_STATUSES = {"error", "fail", "runtime error", "skipped"}


class PublishError(RuntimeError):
    """The publication was refused or failed; the previous one is untouched."""


@dataclass(frozen=True)
class Published:
    database: Path
    parquet: Path
    snapshot: Path
    tables: dict[str, int]
    run_id: str | None


@dataclass(frozen=True)
class DbtInvocation:
    """What a run_results.json says about the dbt invocation that wrote it."""

    path: Path
    invocation_id: str | None
    command: str | None


def default_db() -> Path:
    return Path(os.environ.get("ASSETREC_DB", "warehouse.duckdb"))


def is_bi_facing(name: str) -> bool:
    return (
        not name.startswith(INTERNAL_PREFIXES)
        and not any(marker in name for marker in DBT_TEMPORARY)
        and name not in INTERNAL_TABLES
        and name != INFO_TABLE
        and name != BUILD_MARKER
    )


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _sql_string(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def bi_tables(con: duckdb.DuckDBPyConnection, catalog: str = "src", schema: str = "main") -> list[str]:
    """The BI-facing tables and views of `catalog`.`schema`, sorted by name."""
    rows = con.execute(
        """
        select table_name from duckdb_tables() where database_name = ? and schema_name = ?
        union
        select view_name from duckdb_views() where database_name = ? and schema_name = ? and not internal
        """,
        [catalog, schema, catalog, schema],
    ).fetchall()
    return sorted(name for (name,) in rows if is_bi_facing(name))


def check_run_results(path: Path) -> DbtInvocation:
    """Refuse to publish after a dbt invocation that failed (or whose results are missing).

    Returns the invocation the file describes, for `check_build_marker`.
    """
    if not path.exists():
        raise PublishError(f"{path} not found: no dbt run to publish (run `dbt build` first)")
    try:
        content = json.loads(path.read_text())
        results = content["results"]
    except (ValueError, KeyError, TypeError) as error:
        raise PublishError(f"{path} is not a dbt run_results.json: {error}") from error
    bad = [f"{r.get('unique_id')} ({r.get('status')})" for r in results if r.get("status") in FAILED_STATUSES]
    if bad:
        shown = ", ".join(bad[:5]) + (f" and {len(bad) - 5} more" if len(bad) > 5 else "")
        raise PublishError(f"the last dbt invocation did not succeed ({shown}); nothing published")
    invocation_id = (content.get("metadata") or {}).get("invocation_id")
    command = (content.get("args") or {}).get("which")
    # args.which is the subcommand's last word: `dbt docs generate` -> generate.
    command = {"generate": "docs generate", "freshness": "source freshness"}.get(command, command)
    return DbtInvocation(path, invocation_id, command)


def check_build_marker(
    con: duckdb.DuckDBPyConnection,
    run: DbtInvocation,
    db: Path,
    catalog: str = "src",
    schema: str = "main",
) -> None:
    """Refuse unless `run` is the dbt invocation that last modified the warehouse and it finished, or `run`
    is a later invocation that does not modify the warehouse (test, compile, docs generate: its results
    passed, see check_run_results) and the one that last modified it finished and succeeded.

    The marker is read through the connection the tables are then copied from: no build can modify the
    warehouse in between (a build holds DuckDB's write lock, which a reader's attach excludes).
    """
    rebuild = "rebuild with `dbt build` (`make run`), then publish with the run_results.json it writes"
    has_marker = con.execute(
        "select count(*) from duckdb_tables() where database_name = ? and schema_name = ? and table_name = ?",
        [catalog, schema, BUILD_MARKER],
    ).fetchone()[0]
    if not has_marker:
        raise PublishError(
            f"{db} has no build marker (table {schema}.{BUILD_MARKER}, written by the dbt on-run-start hook "
            "of every build): it was built before builds were tracked, so nothing says which dbt invocation "
            f"last modified it and whether {run.path} describes it; {rebuild}; nothing published"
        )
    rows = con.execute(
        "select invocation_id, command, strftime(started_at, '%Y-%m-%d %H:%M:%S'), "
        f"strftime(finished_at, '%Y-%m-%d %H:%M:%S'), succeeded from {catalog}.{schema}.{BUILD_MARKER}"
    ).fetchall()
    if len(rows) != 1:
        raise PublishError(
            f"{db}: the build marker {schema}.{BUILD_MARKER} holds {len(rows)} rows, not one; {rebuild}; "
            "nothing published"
        )
    marker_id, command, started, finished, succeeded = rows[0]
    last = f"dbt invocation {marker_id} (`dbt {command}`, started {started} UTC"
    if run.invocation_id is None:
        raise PublishError(
            f"{run.path} has no metadata.invocation_id, so it cannot be matched with the dbt invocation that "
            f"last modified {db}, {last}); {rebuild}; nothing published"
        )
    if run.invocation_id != marker_id:
        if run.command in READ_ONLY_COMMANDS and finished is not None and succeeded:
            return
        if finished is None:
            state = "never finished: killed or interrupted"
        else:
            state = f"finished {finished} UTC" + ("" if succeeded else " with errors, failures or skips")
        hint = ""
        if run.command in READ_ONLY_COMMANDS:
            hint = f" (`dbt {run.command}` does not modify the warehouse, so the build before it must have succeeded)"
        raise PublishError(
            f"{run.path} is from dbt invocation {run.invocation_id}"
            + (f" (`dbt {run.command}`)" if run.command else "")
            + f"{hint}, but {db} was last modified by {last}, {state}): the results do not describe the "
            f"warehouse; {rebuild}; nothing published"
        )
    if finished is None:
        raise PublishError(
            f"{last}) modified {db} but never finished (interrupted or killed: {run.path} lists only the "
            f"nodes that ran before it stopped); {rebuild}; nothing published"
        )


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextlib.contextmanager
def _publish_lock(out: Path) -> Iterator[None]:
    with (out / ".publish.lock").open("w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as error:
            raise PublishError(f"another publish into {out} is running") from error
        yield


def _remove(path: Path) -> None:
    if path.is_symlink() or path.is_file():
        path.unlink(missing_ok=True)
    elif path.is_dir():
        shutil.rmtree(path, ignore_errors=True)


def _clean_leftovers(out: Path) -> None:
    """Temporary files of a publisher that crashed (safe: we hold the lock)."""
    for path in [*out.glob(".*.tmp-*"), *(out / SNAPSHOTS).glob(".*.tmp-*")]:
        _remove(path)


def _prune_snapshots(out: Path, current: Path, keep: int) -> None:
    snapshots = sorted(p for p in (out / SNAPSHOTS).iterdir() if p.is_dir() and not p.name.startswith("."))
    old = [p for p in snapshots if p != current]
    for path in old[: max(len(old) - (keep - 1), 0)]:
        shutil.rmtree(path, ignore_errors=True)


def _source_run(con: duckdb.DuckDBPyConnection, tables: list[str]) -> str | None:
    """The run_id of the newest model_runs row (the build being published), if the table exists."""
    if "model_runs" not in tables:
        return None
    row = con.execute(
        "select run_id from src.main.model_runs order by started_at desc, run_id desc limit 1"
    ).fetchone()
    return None if row is None else str(row[0])


def publish(
    db: Path,
    out: Path = DEFAULT_OUT,
    run_results: Path | None = None,
    keep: int = 3,
    storage_version: str | None = DEFAULT_STORAGE_VERSION,
) -> Published:
    """Copy the BI-facing tables of `db` into `out` (DuckDB file + Parquet snapshot), atomically."""
    if keep < 1:
        raise ValueError("keep must be at least 1")
    run = check_run_results(run_results) if run_results is not None else None
    if not db.exists():
        raise PublishError(f"database not found: {db}")
    out.mkdir(parents=True, exist_ok=True)
    (out / SNAPSHOTS).mkdir(exist_ok=True)
    now = datetime.now(UTC)
    tag = f"{os.getpid()}"
    with _publish_lock(out):
        _clean_leftovers(out)
        tmp_db = out / f".{DATABASE_NAME}.tmp-{tag}"
        tmp_snapshot = out / SNAPSHOTS / f".snapshot.tmp-{tag}"
        tmp_link = out / f".{PARQUET_LINK}.tmp-{tag}"
        try:
            tmp_snapshot.mkdir()
            with duckdb.connect() as con:
                con.execute(f"attach {_sql_string(str(db.resolve()))} as src (read_only)")
                if run is not None:
                    check_build_marker(con, run, db)
                tables = bi_tables(con)
                if not tables:
                    raise PublishError(f"{db} has no BI-facing tables (was it built?)")
                run_id = _source_run(con, tables)
                options = f" (storage_version {_sql_string(storage_version)})" if storage_version else ""
                con.execute(f"attach {_sql_string(str(tmp_db))} as dst{options}")
                counts: dict[str, int] = {}
                for table in tables:
                    con.execute(
                        f"create table dst.main.{_quote(table)} as select * from src.main.{_quote(table)}"
                    )
                    counts[table] = _count(con, f"dst.main.{_quote(table)}")
                    parquet = tmp_snapshot / f"{table}.parquet"
                    con.execute(
                        f"copy dst.main.{_quote(table)} to {_sql_string(str(parquet))} "
                        "(format parquet, compression zstd)"
                    )
                _copy_comments(con, tables)
                info = [
                    (
                        table,
                        counts[table],
                        _column_count(con, table),
                        run_id,
                        now.replace(tzinfo=None),
                        str(db.resolve()),
                    )
                    for table in tables
                ]
                con.execute(
                    f"create table dst.main.{INFO_TABLE} (table_name varchar, rows bigint, columns bigint, "
                    "run_id varchar, published_at timestamp, source_db varchar)"
                )
                con.executemany(f"insert into dst.main.{INFO_TABLE} values (?, ?, ?, ?, ?, ?)", info)
                con.execute(
                    f"copy dst.main.{INFO_TABLE} to {_sql_string(str(tmp_snapshot / (INFO_TABLE + '.parquet')))} "
                    "(format parquet)"
                )
                con.execute("detach dst")  # checkpoints: the file is complete, no WAL
            if Path(f"{tmp_db}.wal").exists():
                raise PublishError(f"{tmp_db}.wal left behind after checkpoint; not publishing")
            _verify(tmp_db, tmp_snapshot, counts)

            snapshot_name = f"{now:%Y%m%dT%H%M%S%fZ}-{(run_id or 'norun')[:8]}"
            manifest = {
                "snapshot": snapshot_name,
                "published_at": now.isoformat(),
                "run_id": run_id,
                "source_db": str(db.resolve()),
                "tables": {t: {"file": f"{t}.parquet", "rows": n} for t, n in counts.items()},
                "info_table": f"{INFO_TABLE}.parquet",
            }
            (tmp_snapshot / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
            # Read-only files: a BI tool (or a person) cannot open the published copy for writing by mistake.
            for path in [*tmp_snapshot.iterdir(), tmp_db]:
                path.chmod(0o444)
                _fsync(path)
            snapshot = out / SNAPSHOTS / snapshot_name
            os.rename(tmp_snapshot, snapshot)

            # The two atomic switches, database first.
            os.replace(tmp_db, out / DATABASE_NAME)
            link = out / PARQUET_LINK
            if link.exists() and not link.is_symlink():
                # A real directory from an older layout cannot be swapped atomically: move it aside once.
                os.rename(link, out / SNAPSHOTS / f"{now:%Y%m%dT%H%M%S%fZ}-legacy")
            os.symlink(Path(SNAPSHOTS) / snapshot_name, tmp_link)
            os.replace(tmp_link, link)
            _fsync(out)
        except BaseException:
            for path in (tmp_db, Path(f"{tmp_db}.wal"), tmp_snapshot, tmp_link):
                _remove(path)
            raise
        _prune_snapshots(out, snapshot, keep)
    return Published(
        database=out / DATABASE_NAME,
        parquet=out / PARQUET_LINK,
        snapshot=snapshot,
        tables=counts,
        run_id=run_id,
    )


def _count(con: duckdb.DuckDBPyConnection, relation: str) -> int:
    return con.execute(f"select count(*) from {relation}").fetchone()[0]


def _column_count(con: duckdb.DuckDBPyConnection, table: str) -> int:
    return con.execute(
        "select count(*) from duckdb_columns() where database_name = 'dst' and schema_name = 'main' "
        "and table_name = ?",
        [table],
    ).fetchone()[0]


def _copy_comments(con: duckdb.DuckDBPyConnection, tables: list[str]) -> None:
    """Table and column comments (dbt persist_docs) travel with the copy, for BI tools that show them."""
    for name, comment in con.execute(
        "select table_name, comment from duckdb_tables() where database_name = 'src' and schema_name = 'main' "
        "and comment is not null union all select view_name, comment from duckdb_views() "
        "where database_name = 'src' and schema_name = 'main' and comment is not null"
    ).fetchall():
        if name in tables:
            con.execute(f"comment on table dst.main.{_quote(name)} is {_sql_string(comment)}")
    for name, column, comment in con.execute(
        "select table_name, column_name, comment from duckdb_columns() where database_name = 'src' "
        "and schema_name = 'main' and comment is not null"
    ).fetchall():
        if name in tables:
            con.execute(
                f"comment on column dst.main.{_quote(name)}.{_quote(column)} is {_sql_string(comment)}"
            )


def _verify(tmp_db: Path, snapshot: Path, counts: dict[str, int]) -> None:
    """Re-open what was written (a fresh read-only view) and compare row counts with the source."""
    with duckdb.connect() as con:
        con.execute(f"attach {_sql_string(str(tmp_db))} as check_db (read_only)")
        for table, rows in counts.items():
            in_db = _count(con, f"check_db.main.{_quote(table)}")
            in_parquet = _count(con, f"read_parquet({_sql_string(str(snapshot / f'{table}.parquet'))})")
            if not in_db == in_parquet == rows:
                raise PublishError(
                    f"{table}: {rows} rows in the warehouse, {in_db} copied, {in_parquet} in Parquet"
                )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m assetrec.publish", description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--db",
        type=Path,
        default=default_db(),
        help="warehouse to publish (default: $ASSETREC_DB or warehouse.duckdb)",
    )
    parser.add_argument(
        "--out", type=Path, default=DEFAULT_OUT, help="publication directory (default: publish/)"
    )
    parser.add_argument(
        "--run-results",
        type=Path,
        help="dbt's run_results.json of the build (e.g. target/run_results.json): refuse to publish if it "
        "failed, or if it is not from the dbt invocation that last modified the warehouse (build marker)",
    )
    parser.add_argument(
        "--keep", type=int, default=3, help="Parquet snapshots to keep, the current one included (3)"
    )
    parser.add_argument(
        "--storage-version",
        default=DEFAULT_STORAGE_VERSION,
        help=f"DuckDB storage format of the published file ({DEFAULT_STORAGE_VERSION}: readable by DuckDB >= 1.0 "
        "and the BI drivers built on it; 'latest' = this DuckDB's own format)",
    )
    args = parser.parse_args(argv)
    storage = None if args.storage_version == "latest" else args.storage_version
    try:
        result = publish(
            args.db, args.out, run_results=args.run_results, keep=args.keep, storage_version=storage
        )
    except (PublishError, duckdb.Error) as error:
        print(f"publish: {error}; the previous publication (if any) is unchanged", file=sys.stderr)
        return 1
    rows = sum(result.tables.values())
    print(f"warehouse : {args.db.resolve()}  (dbt writes here; do not hold it open)")
    print(
        f"published : {result.database.resolve()}  ({len(result.tables)} tables, {rows:,} rows; open read-only)"
    )
    print(
        f"parquet   : {result.parquet.absolute()}/ -> {result.snapshot.name}  (one .parquet per table + {MANIFEST})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
