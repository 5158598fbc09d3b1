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

The Spark target (`--spark-dir`, its ASSETREC_SPARK_DIR) is published the same way: Spark writes each relation
of its finished build, views computed, as Parquet into a temporary folder here (assetrec.spark.warehouse), and
those files are the source of the copy; the build marker and run_results.json are checked as above. Comments
(persist_docs) stay in Spark's metastore.
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

from assetrec.publishable import (
    BUILD_MARKER,
    DbtInvocation,
    PublishError,
    check_build_marker,
    check_run_results,
)
from assetrec.resources import duckdb_config

DEFAULT_OUT = Path("publish")
DATABASE_NAME = "assetrec.duckdb"
PARQUET_LINK = "parquet"
SNAPSHOTS = "parquet-snapshots"
MANIFEST = "manifest.json"
INFO_TABLE = "published_tables"
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


@dataclass(frozen=True)
class Source:
    """Where the tables are copied from: a DuckDB warehouse file, or (`parquet`: relation -> folder of Parquet
    files) the export of a Spark build. `label` names it in messages and in the manifest (source_db)."""

    label: Path
    parquet: dict[str, Path] | None = None

    def attach(self, con: duckdb.DuckDBPyConnection) -> None:
        """The source as catalog `src` of `con`: the file read-only, or views over the Parquet folders (the
        one-row build marker as a table, where check_build_marker looks for it)."""
        if self.parquet is None:
            con.execute(f"attach {_sql_string(str(self.label.resolve()))} as src (read_only)")
            return
        con.execute("attach ':memory:' as src")
        for name, folder in self.parquet.items():
            kind = "table" if name == BUILD_MARKER else "view"
            files = _sql_string(str(folder / "*.parquet"))
            con.execute(f"create {kind} src.main.{_quote(name)} as select * from read_parquet({files})")


@dataclass(frozen=True)
class Published:
    database: Path
    parquet: Path
    snapshot: Path
    tables: dict[str, int]
    run_id: str | None


def default_db() -> Path:
    """The warehouse dbt builds: $ASSETREC_DB, else warehouse.duckdb (as in profiles.yml)."""
    return Path(os.environ.get("ASSETREC_DB", "warehouse.duckdb"))


def warehouse_command(module: str, doc: str, db_help: str) -> argparse.ArgumentParser:
    """The parser of `python -m <module>`, a command that reads a warehouse.

    Its description is the first paragraph of `doc` (the module docstring); --db defaults to default_db().
    """
    parser = argparse.ArgumentParser(prog=f"python -m {module}", description=doc.split("\n\n")[0])
    parser.add_argument(
        "--db", type=Path, default=default_db(), help=f"{db_help} (default: $ASSETREC_DB or warehouse.duckdb)"
    )
    return parser


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
    spark_dir: Path | None = None,
) -> Published:
    """Copy the BI-facing tables of `db` (or of the Spark build under `spark_dir`) into `out` (DuckDB file +
    Parquet snapshot), atomically."""
    if keep < 1:
        raise ValueError("keep must be at least 1")
    run = check_run_results(run_results) if run_results is not None else None
    if spark_dir is None and not db.exists():
        raise PublishError(f"database not found: {db}")
    if spark_dir is not None and not spark_dir.is_dir():
        raise PublishError(f"Spark build folder not found: {spark_dir} (ASSETREC_SPARK_DIR)")
    out.mkdir(parents=True, exist_ok=True)
    (out / SNAPSHOTS).mkdir(exist_ok=True)
    now = datetime.now(UTC)
    tag = f"{os.getpid()}"
    with _publish_lock(out):
        _clean_leftovers(out)
        tmp_db = out / f".{DATABASE_NAME}.tmp-{tag}"
        tmp_snapshot = out / SNAPSHOTS / f".snapshot.tmp-{tag}"
        tmp_link = out / f".{PARQUET_LINK}.tmp-{tag}"
        tmp_export = out / f".spark-export.tmp-{tag}"
        try:
            tmp_snapshot.mkdir()
            source = Source(db) if spark_dir is None else _spark_source(spark_dir, tmp_export)
            counts, run_id = _copy(source, run, tmp_db, tmp_snapshot, storage_version, now)
            if Path(f"{tmp_db}.wal").exists():
                raise PublishError(f"{tmp_db}.wal left behind after checkpoint; not publishing")
            _verify(tmp_db, tmp_snapshot, counts)
            snapshot = _seal_snapshot(source.label, tmp_db, tmp_snapshot, counts, run_id, now)
            _swap(out, tmp_db, snapshot, tmp_link, now)
        except BaseException:
            for path in (tmp_db, Path(f"{tmp_db}.wal"), tmp_snapshot, tmp_link):
                _remove(path)
            raise
        finally:
            _remove(tmp_export)
        _prune_snapshots(out, snapshot, keep)
    return Published(
        database=out / DATABASE_NAME,
        parquet=out / PARQUET_LINK,
        snapshot=snapshot,
        tables=counts,
        run_id=run_id,
    )


def _spark_source(spark_dir: Path, folder: Path) -> Source:
    """The BI-facing relations and the build marker of the Spark build under `spark_dir`, written by Spark as
    Parquet into `folder` (pyspark is imported only here)."""
    from assetrec.spark.warehouse import SCHEMA, export_warehouse

    try:
        exported = export_warehouse(
            spark_dir, folder, lambda name: is_bi_facing(name) or name == BUILD_MARKER
        )
    except Exception as error:  # Spark's own errors (Py4J, Analysis): the first line says what failed
        raise PublishError(f"{spark_dir}: {str(error).splitlines()[0]}") from error
    return Source(spark_dir / "warehouse" / f"{SCHEMA}.db", exported)


def _copy(
    source: Source,
    run: DbtInvocation | None,
    tmp_db: Path,
    tmp_snapshot: Path,
    storage_version: str | None,
    now: datetime,
) -> tuple[dict[str, int], str | None]:
    """Copy the BI-facing tables into `tmp_db` and `tmp_snapshot`/<table>.parquet, with published_tables.

    One connection reads the build marker and the tables, so no build can come in between. Returns the
    row count per table and the source run. The file is checkpointed when detached: no WAL is left.
    """
    db = source.label
    with duckdb.connect(config=duckdb_config(tmp_db)) as con:
        source.attach(con)
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
            con.execute(f"create table dst.main.{_quote(table)} as select * from src.main.{_quote(table)}")
            counts[table] = _count(con, f"dst.main.{_quote(table)}")
            parquet = tmp_snapshot / f"{table}.parquet"
            con.execute(
                f"copy dst.main.{_quote(table)} to {_sql_string(str(parquet))} (format parquet, compression zstd)"
            )
        _copy_comments(con, tables)
        _write_info_table(con, db, tmp_snapshot, counts, run_id, now)
        con.execute("detach dst")
    return counts, run_id


def _write_info_table(
    con: duckdb.DuckDBPyConnection,
    db: Path,
    tmp_snapshot: Path,
    counts: dict[str, int],
    run_id: str | None,
    now: datetime,
) -> None:
    """published_tables (one row per table: rows, columns, run id, publish time), in dst and as Parquet."""
    info = [
        (table, rows, _column_count(con, table), run_id, now.replace(tzinfo=None), str(db.resolve()))
        for table, rows in counts.items()
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


def _seal_snapshot(
    db: Path, tmp_db: Path, tmp_snapshot: Path, counts: dict[str, int], run_id: str | None, now: datetime
) -> Path:
    """Add the manifest, make every file read-only and durable, and give the snapshot its final name."""
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
    snapshot = tmp_snapshot.parent / snapshot_name
    os.rename(tmp_snapshot, snapshot)
    return snapshot


def _swap(out: Path, tmp_db: Path, snapshot: Path, tmp_link: Path, now: datetime) -> None:
    """The two atomic switches, database first: os.replace the file, then the `parquet` symlink."""
    os.replace(tmp_db, out / DATABASE_NAME)
    link = out / PARQUET_LINK
    if link.exists() and not link.is_symlink():
        # A real directory from an older layout cannot be swapped atomically: move it aside once.
        os.rename(link, out / SNAPSHOTS / f"{now:%Y%m%dT%H%M%S%fZ}-legacy")
    os.symlink(Path(SNAPSHOTS) / snapshot.name, tmp_link)
    os.replace(tmp_link, link)
    _fsync(out)


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
    with duckdb.connect(config=duckdb_config(tmp_db)) as con:
        con.execute(f"attach {_sql_string(str(tmp_db))} as check_db (read_only)")
        for table, rows in counts.items():
            in_db = _count(con, f"check_db.main.{_quote(table)}")
            in_parquet = _count(con, f"read_parquet({_sql_string(str(snapshot / f'{table}.parquet'))})")
            if not in_db == in_parquet == rows:
                raise PublishError(
                    f"{table}: {rows} rows in the warehouse, {in_db} copied, {in_parquet} in Parquet"
                )


def main(argv: list[str] | None = None) -> int:
    parser = warehouse_command("assetrec.publish", __doc__, "warehouse to publish")
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
    parser.add_argument(
        "--spark-dir",
        type=Path,
        help="publish the Spark target's build kept in this folder (its ASSETREC_SPARK_DIR, e.g. target/spark) "
        "instead of a DuckDB warehouse (--db is then not read)",
    )
    args = parser.parse_args(argv)
    storage = None if args.storage_version == "latest" else args.storage_version
    try:
        result = publish(
            args.db,
            args.out,
            run_results=args.run_results,
            keep=args.keep,
            storage_version=storage,
            spark_dir=args.spark_dir,
        )
    except (PublishError, duckdb.Error) as error:
        print(f"publish: {error}; the previous publication (if any) is unchanged", file=sys.stderr)
        return 1
    rows = sum(result.tables.values())
    if args.spark_dir is None:
        print(f"warehouse : {args.db.resolve()}  (dbt writes here; do not hold it open)")
    else:
        print(f"warehouse : {args.spark_dir.resolve()}  (the Spark target's build)")
    print(
        f"published : {result.database.resolve()}  ({len(result.tables)} tables, {rows:,} rows; open read-only)"
    )
    print(
        f"parquet   : {result.parquet.absolute()}/ -> {result.snapshot.name}  (one .parquet per table + {MANIFEST})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
