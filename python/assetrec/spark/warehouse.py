"""Reading a finished Spark build's warehouse from Python: for publishing it (`assetrec.publish --spark-dir`).

A Spark build keeps its tables as Parquet under `$ASSETREC_SPARK_DIR/warehouse/assetrec.db/<table>/`, but its
views (page_cooccurrence) and the list of what the build made live only in the Derby metastore beside them. So
this opens a SparkSession of its own on that metastore (Derby admits one process at a time: while it is open no
build can start, and while a build runs it cannot open, which is said in the message) and has Spark write each
relation asked for, views computed, as plain Parquet files that any reader, DuckDB included, then reads.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

SCHEMA = "assetrec"


@contextmanager
def warehouse_session(spark_dir: Path) -> Iterator:
    """A local SparkSession on the metastore and warehouse of the Spark build under `spark_dir`, with the
    profile's UTC clock and instant (not INT96) Parquet timestamps; stopped on exit."""
    spark_dir = Path(spark_dir).resolve()
    metastore = spark_dir / "metastore_db"
    if not metastore.is_dir():
        raise FileNotFoundError(f"{metastore} not found: no Spark build in {spark_dir} (ASSETREC_SPARK_DIR)")
    from pyspark.sql import SparkSession

    session = (
        SparkSession.builder.master("local[2]")
        .appName("assetrec-warehouse")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.warehouse.dir", str(spark_dir / "warehouse"))
        .config(
            "spark.hadoop.javax.jdo.option.ConnectionURL",
            f"jdbc:derby:;databaseName={metastore};create=false",
        )
        .config(
            "spark.driver.extraJavaOptions",
            f"-Dderby.system.home={spark_dir} -Dderby.stream.error.file={spark_dir}/derby.log",
        )
        .config("spark.local.dir", str(spark_dir / "tmp"))
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.parquet.outputTimestampType", "TIMESTAMP_MICROS")
        .config("spark.sql.shuffle.partitions", "4")
        .enableHiveSupport()
        .getOrCreate()
    )
    try:
        yield session
    finally:
        session.stop()


def relations(session) -> list[str]:
    """The tables and views of schema assetrec, by name."""
    return sorted(table.name for table in session.catalog.listTables(SCHEMA))


def export_relations(session, names: list[str], folder: Path) -> dict[str, Path]:
    """Write each relation of `names` (views computed by Spark) as Parquet files into `folder`/<name>/.

    Spark writes a file with the schema even for an empty relation, so every folder reads as its relation.
    """
    exported = {}
    for name in names:
        target = Path(folder) / name
        session.table(f"{SCHEMA}.`{name}`").write.mode("overwrite").parquet(str(target))
        exported[name] = target
    return exported


def export_warehouse(spark_dir: Path, folder: Path, wanted: Callable[[str], bool]) -> dict[str, Path]:
    """Every relation of the Spark build under `spark_dir` whose name `wanted` accepts, as Parquet in `folder`.

    Raises RuntimeError, with what to do, when the metastore cannot be opened (a build holds it).
    """
    with warehouse_session(spark_dir) as session:
        try:
            names = relations(session)
        except Exception as error:  # pyspark raises its own (Analysis/Py4J) errors: the cause is in the text
            raise RuntimeError(
                f"could not open the Spark metastore in {spark_dir} (a build running there holds it: Derby "
                f"admits one process at a time; publish after it finished): {str(error).splitlines()[0]}"
            ) from error
        return export_relations(session, [name for name in names if wanted(name)], folder)
