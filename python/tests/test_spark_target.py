"""The Spark target (README: Running on Spark) builds the same SQL layers as DuckDB, row for row.

The first phase of the Spark target: the seeds, staging/clickstream (clean rows and quarantine), marts and co-occurrence
tables of the aggregated export. The bundled sample is built on both targets, DuckDB into a temporary database,
Spark into a temporary ASSETREC_SPARK_DIR, and every table is compared: Spark's tables are read as the Parquet
files Spark wrote (`$ASSETREC_SPARK_DIR/warehouse/assetrec.db/<table>/`), by DuckDB, not through dbt or Spark.

Marked `spark` (and `dbt`): `make test-spark` runs it; it skips, saying so, without the Spark set-up.
"""

from __future__ import annotations

import importlib.util
import math
import shutil
import subprocess
from pathlib import Path

import duckdb
import pytest
from assetrec import dbt_runner

pytestmark = [pytest.mark.dbt, pytest.mark.spark]

# The SQL layers of the aggregated export that the spark target builds (selector spark_sql_layers).
COMPARED_TABLES = [
    "stg_clickstream__submissions_validated",
    "stg_clickstream__bu_mappings_validated",
    "rejected_submissions",
    "rejected_bu_mappings",
    "fct_page_interactions",
    "dim_cookies",
    "dim_pages",
    "bridge_page_business_units",
    "business_unit_activity",
    "business_unit_activity_by_period",
    "asset_type_activity",
    "cooccurrence_pages",
    "cooccurrence_page_pairs",
    "similar_pages_cooccurrence",
]
# The clean-row views, against the rows of Spark's validated tables that have no reject reason. (page_cooccurrence,
# a view of cooccurrence_pages and cooccurrence_page_pairs, is compared through those two tables.)
CLEAN_ROW_VIEWS = [
    (
        "stg_clickstream__submissions",
        "stg_clickstream__submissions_validated",
        "cookie, page_url, gated_asset_type, form_submissions, source_row_number",
    ),
    (
        "stg_clickstream__bu_mappings",
        "stg_clickstream__bu_mappings_validated",
        "page_url, business_unit, source_row_number",
    ),
]


def _spark_missing() -> str | None:
    if importlib.util.find_spec("pyspark") is None:
        return "pyspark is not installed"
    if importlib.util.find_spec("dbt.adapters.sparklocal") is None:
        return "the sparklocal dbt adapter plugin (adapters/sparklocal) is not installed"
    if shutil.which("java") is None:
        return "Java (17) is not on the PATH"
    return None


# A small real-format export with the quirks the readers must agree on: a UTF-8 BOM, CRLF line ends, columns in
# another order with other case and spaces, an extra column, quoted commas, quotes and line breaks, cookies with
# leading zeros (38 digits), surrounding whitespace, `#` first characters, and rows for each reject reason.
EXPORT_SUBMISSIONS = (
    "\ufeff,page_url,Cookie ,form_submissions,gated_asset_type,extra\r\n"
    "0,p1,00012345678901234567890123456789012345,3,Gated Ebook Forms,x\r\n"
    '1,"p,2",00012345678901234567890123456789012345," 7 ",None,\r\n'
    '2,p3,99999999999999999999999999999999999999,3.0,"Gated ""Quoted"" Forms","multi\r\nline"\r\n'
    "3,p1,12345678901234567890123456789012345678,abc,,\r\n"
    "4,p1,12345678901234567890123456789012345678,1.5,Gated Ebook Forms,\r\n"
    "5,p3,,2,Gated Ebook Forms,\r\n"
    "6,p1,00012345678901234567890123456789012345,4,Gated Ebook Forms,dup\r\n"
    "7,p2,12345678901234567890123456789012345678,0,Gated Ebook Forms,\r\n"
    "8,p2,12345678901234567890123456789012345678,99999999999999999999,Gated Ebook Forms,\r\n"
    "9,p2,12345678901234567890123456789012345678,+5,Gated Ebook Forms,\r\n"
    "10,p2,22345678901234567890123456789012345678,5d,Gated Ebook Forms,\r\n"
    "11,#p4,22345678901234567890123456789012345678,1e3,Gated Ebook Forms,\r\n"
    '12,p5,"  32345678901234567890123456789012345678\t",2,Unlisted Type,\r\n'
    '13,p5,42345678901234567890123456789012345678,"",Gated Ebook Forms,\r\n'
    "14,p3,42345678901234567890123456789012345678,2,Gated Ebook Forms,\r\n"
    "15,p5,22345678901234567890123456789012345678,6,None,\r\n"
    "16,p1,22345678901234567890123456789012345678,1,Gated Ebook Forms,\r\n"
    "17,p3,52345678901234567890123456789012345678,1_000,Gated Ebook Forms,\r\n"
    "18,p3,62345678901234567890123456789012345678,0x10,Gated Ebook Forms,\r\n"
    "19,p3,72345678901234567890123456789012345678,-3e1,Gated Ebook Forms,\r\n"
)
EXPORT_BU_MAPPING = ',business_unit,page_url\n0, A ,p1\n1,a,p1\n2,B,"p,2"\n3,,p3\n4,c,\n5,c,p5\n6,b,p3\n'


def _export_vars(folder: Path) -> dict:
    (folder / "submissions.csv").write_bytes(EXPORT_SUBMISSIONS.encode())
    (folder / "bu_mapping.csv").write_bytes(EXPORT_BU_MAPPING.encode())
    return {
        "submissions_path": str(folder / "submissions.csv"),
        "bu_mapping_path": str(folder / "bu_mapping.csv"),
    }


@pytest.fixture(scope="module")
def spark_ready() -> None:
    missing = _spark_missing()
    if missing:
        pytest.skip(f"Spark target not set up ({missing}): run `make setup-spark`, or `make test-spark`")


@pytest.fixture(scope="module", params=["sample", "export"])
def builds(request, spark_ready, tmp_path_factory) -> tuple[Path, Path]:
    """The bundled sample (or the small export above) built on DuckDB (the database) and on Spark (its
    ASSETREC_SPARK_DIR)."""
    work = tmp_path_factory.mktemp(f"spark_target_{request.param}")
    variables = _export_vars(work) if request.param == "export" else None
    db = work / "duckdb" / "warehouse.duckdb"
    db.parent.mkdir()
    # DuckDB: the same layers (and the event staging they read, empty for this input).
    dbt_runner.run_dbt(["seed"], db, work / "duckdb" / "target")
    dbt_runner.run_dbt(
        ["run", "--exclude", "path:models/ml+", "int_als_factors+"], db, work / "duckdb" / "target", variables
    )
    spark_dir = work / "spark"
    dbt_runner.run_dbt(
        ["build", "--selector", "spark_sql_layers"],
        db,
        work / "dbt-spark",
        variables,
        dbt_target="spark",
        spark_dir=spark_dir,
    )
    return db, spark_dir


def _rows(con: duckdb.DuckDBPyConnection, relation: str) -> tuple[list[str], list[str], list[tuple]]:
    result = con.sql(f"select * from {relation}")
    rows = [tuple(tuple(v) if isinstance(v, list) else v for v in row) for row in result.fetchall()]
    return result.columns, [str(t) for t in result.types], sorted(rows, key=_sort_key)


def _sort_key(row: tuple) -> tuple:
    # Floats rounded for the order only (compared with a tolerance below); None sorts first.
    return tuple((v is not None, round(v, 9) if isinstance(v, float) else repr(v)) for v in row)


def _same(a, b) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-15) or (math.isnan(a) and math.isnan(b))
    return a == b


def _assert_same_table(con, name: str, duckdb_relation: str, spark_relation: str) -> None:
    duck_columns, duck_types, duck_rows = _rows(con, duckdb_relation)
    spark_columns, spark_types, spark_rows = _rows(con, spark_relation)
    assert spark_columns == duck_columns, f"{name}: columns differ"
    assert spark_types == duck_types, (
        f"{name}: column types differ: {list(zip(duck_columns, duck_types, spark_types, strict=True))}"
    )
    assert len(spark_rows) == len(duck_rows), (
        f"{name}: {len(duck_rows)} rows on DuckDB, {len(spark_rows)} on Spark"
    )
    for duck_row, spark_row in zip(duck_rows, spark_rows, strict=True):
        assert all(_same(a, b) for a, b in zip(duck_row, spark_row, strict=True)), (
            f"{name}: {duck_row} != {spark_row}"
        )


@pytest.fixture(scope="module")
def con(builds):
    db, _ = builds
    with duckdb.connect() as connection:
        connection.execute(f"attach '{db}' as duck (read_only)")
        yield connection


@pytest.mark.parametrize("table", COMPARED_TABLES)
def test_spark_table_equals_duckdb(builds, con, table):
    _, spark_dir = builds
    folder = spark_dir / "warehouse" / "assetrec.db" / table
    assert list(folder.glob("*.parquet")), f"no Parquet files at {folder}"
    _assert_same_table(con, table, f"duck.main.{table}", f"read_parquet('{folder}/*.parquet')")


@pytest.mark.parametrize(("view", "table", "columns"), CLEAN_ROW_VIEWS)
def test_spark_clean_rows_equal_duckdb(builds, con, view, table, columns):
    """The usable rows (views, so without files on Spark): those of Spark's validated table without a reason."""
    _, spark_dir = builds
    files = f"read_parquet('{spark_dir}/warehouse/assetrec.db/{table}/*.parquet')"
    _assert_same_table(
        con, view, f"duck.main.{view}", f"(select {columns} from {files} where reject_reason is null)"
    )


def test_spark_keeps_cookies_as_exact_text(builds, con):
    _, spark_dir = builds
    files = f"read_parquet('{spark_dir}/warehouse/assetrec.db/dim_cookies/*.parquet')"
    kinds = con.sql(
        f"select any_value(typeof(cookie)), min(length(cookie)), count(*) filter (where cookie like '0%') from {files}"
    )
    kind, shortest, leading_zero = kinds.fetchall()[0]
    assert kind == "VARCHAR" and shortest == 38 and leading_zero > 0


def test_spark_state_stays_in_its_folder(builds):
    _, spark_dir = builds
    assert (spark_dir / "metastore_db").is_dir() and (spark_dir / "derby.log").exists()
    assert (spark_dir / "logs" / "spark.log").exists()
    for leftover in ("metastore_db", "spark-warehouse", "derby.log"):
        assert not (dbt_runner.REPO / leftover).exists(), f"Spark left {leftover} in the repository"


# Bad exports stop the build at compile time with the same message on both engines (the part after the path);
# python/tests/test_bad_inputs.py covers every case on DuckDB, these are a few on Spark (each starts a JVM).
BAD_EXPORTS = {
    "missing": (None, "does not exist."),
    "missing_column": (
        ",cookie,page_url,form_submissions\n0,1,p,1\n",
        "is missing column(s): gated_asset_type.",
    ),
    "too_many_fields": (
        "cookie,gated_asset_type,page_url,form_submissions\n1,t,p,1\n2,t,p,1,9\n",
        "data row 2 has more fields than the header",
    ),
    "header_only": (
        "cookie,gated_asset_type,page_url,form_submissions\n",
        "has no data rows (only a header).",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_EXPORTS))
def test_spark_stops_on_bad_exports_as_duckdb(spark_ready, tmp_path, case):
    content, expected = BAD_EXPORTS[case]
    path = tmp_path / "submissions.csv"
    if content is not None:
        path.write_text(content)
    (tmp_path / "bu_mapping.csv").write_text("business_unit,page_url\na,p\n")
    variables = {"submissions_path": str(path), "bu_mapping_path": str(tmp_path / "bu_mapping.csv")}
    args = ["compile", "--select", "base_clickstream__submissions"]
    for name, options in {
        "duckdb": {},
        "spark": {"dbt_target": "spark", "spark_dir": tmp_path / "spark"},
    }.items():
        result = dbt_runner.run_dbt(
            args, tmp_path / "w.duckdb", tmp_path / f"target-{name}", variables, check=False, **options
        )
        assert result.returncode != 0, f"{name}: {case} compiled"
        output = result.stdout + result.stderr
        assert f"Input file {path} (var submissions_path) " in output and expected in output, (
            f"{name}: {output[-3000:]}"
        )
        assert "Traceback" not in output


TOY_PROFILE = """
toy:
  target: spark
  outputs:
    spark:
      type: sparklocal
      method: session
      host: local
      schema: toy
      server_side_parameters:
        spark.master: "local[1]"
        spark.ui.enabled: "false"
        spark.ui.showConsoleProgress: "false"
        spark.sql.warehouse.dir: {state}/warehouse
        spark.hadoop.javax.jdo.option.ConnectionURL: "jdbc:derby:;databaseName={state}/metastore_db;create=true"
        spark.driver.extraJavaOptions: "-Dderby.system.home={state} -Dsparklocal.log.dir={state}/logs"
"""


def test_python_model_runs_in_the_same_session(spark_ready, tmp_path):
    """The plugin's `session` submission (the default): a Python model reads a SQL model's relation and writes a
    Parquet table in the same SparkSession. (The project's own Python models are not on Spark yet.)"""
    state = tmp_path / "state"
    (tmp_path / "models").mkdir()
    (tmp_path / "dbt_project.yml").write_text(
        'name: toy\nversion: "1.0"\nconfig-version: 2\nprofile: toy\nmodels:\n  toy:\n    +file_format: parquet\n'
    )
    (tmp_path / "profiles.yml").write_text(TOY_PROFILE.format(state=state))
    (tmp_path / "models" / "base.sql").write_text("select 1 as x union all select 2 as x")
    (tmp_path / "models" / "doubled.py").write_text(
        'def model(dbt, session):\n    dbt.config(materialized="table")\n    return dbt.ref("base").selectExpr("x * 2 as y")\n'
    )
    command = [dbt_runner.DBT, "build", "--project-dir", str(tmp_path), "--profiles-dir", str(tmp_path)]
    command += ["--target-path", str(tmp_path / "target"), "--log-path", str(tmp_path / "logs")]
    result = subprocess.run(
        command, cwd=tmp_path, capture_output=True, text=True, env=dbt_runner.dbt_env(tmp_path / "x")
    )
    assert result.returncode == 0, result.stdout[-4000:]
    files = f"read_parquet('{state}/warehouse/toy.db/doubled/*.parquet')"
    assert duckdb.sql(f"select y from {files} order by y").fetchall() == [(2,), (4,)]
