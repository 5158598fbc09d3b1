"""The Spark target (README: Running on Spark) builds the same tables as DuckDB.

The bundled sample is built on both targets (DuckDB into a temporary database, Spark into a temporary
ASSETREC_SPARK_DIR; on Spark the whole DAG of selector `spark`), and so is a small export with every quirk (the SQL
layers only, selector `spark_sql_layers`). The SQL layers (seeds, staging/clickstream with its quarantine, marts
and co-occurrence tables) must be identical row for row: Spark's tables are read as the Parquet files Spark wrote
(`$ASSETREC_SPARK_DIR/warehouse/assetrec.db/<table>/`), by DuckDB, not through dbt or Spark. Every relation of
the DuckDB build must exist on Spark with the same columns and types (read from Spark's catalog) and be published
(`assetrec.publish --spark-dir`) as DuckDB's publication is, every cookie must have its recommendations, and on a
held-out split of the sample (one page per cookie removed from the export) the hit rate at 10 of the deployed
model's recommendations, of the ALS factors, and of the recommendations with the model forced to ALS, is computed
here from each target's tables and must agree within 5%. The Spark modules' own functions are checked in an
in-process SparkSession against scipy.

Marked `spark` (and `dbt`): `make test-spark` runs it; it skips, saying so, without the Spark set-up.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import math
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import numpy as np
import pytest
import scipy.sparse as sp
from assetrec import dbt_runner
from conftest import ga4_nested_parquet

pytestmark = [pytest.mark.dbt, pytest.mark.spark]

# The SQL layers of the aggregated export that the spark target builds (selector spark_sql_layers).
COMPARED_TABLES = [
    "stg_clickstream__submissions_validated",
    "stg_clickstream__bu_mappings_validated",
    "rejected_submissions",
    "rejected_bu_mappings",
    "fct_page_interactions",
    "int_data_fingerprint",
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


SAMPLE_SUBMISSIONS = dbt_runner.REPO / "seeds" / "sample" / "sample_submissions.csv"
SAMPLE_BU_MAPPING = dbt_runner.REPO / "seeds" / "sample" / "sample_bu_mapping.csv"
# The held-out split: for each cookie with two pages or more, one page (the first by a hash of the pair) is
# removed from the export, and a target's recommendations hit when they offer it.
HELD_OUT_SQL = """
with pairs as (select distinct cookie, page_url from raw),
eligible as (select cookie from pairs group by cookie having count(*) >= 2)
select cookie, arg_min(page_url, md5(cookie || page_url)) as page_url
from pairs where cookie in (select cookie from eligible) group by cookie
"""
# Both targets run the same settings without the per-build tuning's time budget (the choice of model then cannot
# depend on how busy the machine is), and evaluate a sample of the cookies (eval_max_cookies: the sample must be
# the same on both).
HELD_OUT_VARS = {"tuning_budget_seconds": 0, "eval_max_cookies": 600}


def _held_out_pairs(con: duckdb.DuckDBPyConnection) -> None:
    """Temporary `raw` (the sample's submissions, as text) and `held` (the held-out cookie, page_url pairs)."""
    con.execute(
        f"create or replace temp view raw as select * from read_csv('{SAMPLE_SUBMISSIONS}', all_varchar=true)"
    )
    con.execute(f"create or replace temp table held as {HELD_OUT_SQL}")


def _heldout_vars(folder: Path) -> dict:
    with duckdb.connect() as con:
        _held_out_pairs(con)
        training = (
            "select cookie, gated_asset_type, page_url, form_submissions from raw "
            "anti join held on raw.cookie = held.cookie and raw.page_url = held.page_url"
        )
        con.execute(
            f"copy ({training}) to '{folder / 'submissions.csv'}' (header, quote '\"', force_quote *)"
        )
    shutil.copy(SAMPLE_BU_MAPPING, folder / "bu_mapping.csv")
    return {
        "submissions_path": str(folder / "submissions.csv"),
        "bu_mapping_path": str(folder / "bu_mapping.csv"),
        **HELD_OUT_VARS,
    }


def _events_vars(folder: Path) -> dict:
    """A GA4 export (the generator's daily CSV files: page views, late events, odd values) with one nested
    GA4 Parquet file among them (the page inside event_params; its events repeat the first ones of the CSV
    files, so they are rejected as duplicates)."""
    from assetrec.synth import events as synth

    generated = synth.generate_events(days=5, cookies=120, pages=15, sessions_per_day=40, seed=5)
    synth.write_events(folder, "ga4", events_and_mapping=generated)
    ga4_nested_parquet(generated[0][:40], folder / "events_2024.parquet")
    return {
        "events_path": str(folder / "events_*"),
        "bu_mapping_path": str(folder / "bu_mapping.csv"),
        "event_format": "ga4",
        **HELD_OUT_VARS,
    }


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


# Spark builds are slow to start (a JVM each): each input is built once per test session.
_BUILT: dict[str, tuple[Path, Path]] = {}
_VARS: dict[str, dict | None] = {}


def _spark_target(spark_dir: Path) -> Path:
    """dbt's target-path (manifest, run_results.json) of the Spark build whose state is in `spark_dir`."""
    return spark_dir.parent / "dbt-spark"


def _build(kind: str, tmp_path_factory) -> tuple[Path, Path]:
    """The bundled sample (the whole DAG that Spark builds), the small export above (the SQL layers) or the
    held-out export (the models up to recommendations), built on DuckDB (the database) and on Spark (its
    ASSETREC_SPARK_DIR)."""
    if kind in _BUILT:
        return _BUILT[kind]
    work = tmp_path_factory.mktemp(f"spark_target_{kind}")
    variables = {"sample": None, "export": _export_vars, "heldout": _heldout_vars, "events": _events_vars}[
        kind
    ]
    variables = variables(work) if variables else None
    db = work / "duckdb" / "warehouse.duckdb"
    db.parent.mkdir()
    duck_args, spark_args = {
        "sample": (["run"], ["build", "--selector", "spark"]),
        # The same layers (and the event staging they read, empty for this input) on DuckDB.
        "export": (
            ["run", "--exclude", "path:models/ml+", "int_als_factors+"],
            ["build", "--selector", "spark_sql_layers"],
        ),
        "heldout": (
            ["run", "--select", "+recommendations"],
            ["build", "--select", "+recommendations"]
            + ["--exclude-resource-type", "test", "--exclude-resource-type", "unit_test"],
        ),
        # The event staging, the marts and the evaluation (its last_events split), with their tests on Spark.
        # (cautious: no data test of a model left out, such as the aggregated export's reconciliations).
        "events": (
            ["run", "--select", *EVENT_SELECT],
            ["build", "--select", *EVENT_SELECT, "--indirect-selection", "cautious"],
        ),
    }[kind]
    dbt_runner.run_dbt(["seed"], db, work / "duckdb" / "target")
    dbt_runner.run_dbt(duck_args, db, work / "duckdb" / "target", variables)
    spark_dir = work / "spark"
    dbt_runner.run_dbt(
        spark_args, db, _spark_target(spark_dir), variables, dbt_target="spark", spark_dir=spark_dir
    )
    _BUILT[kind] = db, spark_dir
    _VARS[kind] = variables
    return db, spark_dir


@pytest.fixture(scope="module", params=["sample", "export"])
def builds(request, spark_ready, tmp_path_factory) -> tuple[Path, Path]:
    return _build(request.param, tmp_path_factory)


@pytest.fixture(scope="module")
def sample_builds(spark_ready, tmp_path_factory) -> tuple[Path, Path]:
    return _build("sample", tmp_path_factory)


@pytest.fixture(scope="module")
def heldout_builds(spark_ready, tmp_path_factory) -> tuple[Path, Path]:
    return _build("heldout", tmp_path_factory)


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


@contextlib.contextmanager
def _attached(db: Path):
    """A DuckDB connection with the DuckDB build attached read-only as `duck`."""
    with duckdb.connect() as connection:
        connection.execute(f"attach '{db}' as duck (read_only)")
        yield connection


@pytest.fixture(scope="module")
def con(builds):
    with _attached(builds[0]) as connection:
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


def test_spark_model_runs_has_duckdbs_data_fingerprint(sample_builds):
    """model_runs' data_fingerprint and interactions (int_data_fingerprint's, in each engine's SQL) are equal."""
    db, spark_dir = sample_builds
    with duckdb.connect() as con:
        con.execute(f"attach '{db}' as duck (read_only)")
        columns = "data_fingerprint, interactions"
        duck = con.sql(f"select {columns} from duck.model_runs").fetchall()
        spark = con.sql(f"select {columns} from {_spark_files(spark_dir, 'model_runs')}").fetchall()
        rows = con.sql("select count(*) from duck.fct_page_interactions").fetchall()[0][0]
    assert len(duck) == 1 and spark == duck and duck[0][1] == rows


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
    Parquet table in the same SparkSession."""
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


# DuckDB's type names as Spark's (timestamps: Spark has one kind, an instant).
DUCKDB_AS_SPARK = {
    "VARCHAR": "string",
    "BIGINT": "bigint",
    "INTEGER": "int",
    "DOUBLE": "double",
    "BOOLEAN": "boolean",
    "DATE": "date",
    "TIMESTAMP": "timestamp",
    "TIMESTAMP WITH TIME ZONE": "timestamp",
    "HUGEINT": "decimal(38,0)",
}
ALS_MODELS = ("als", "als_prototype")


def _spark_type(duckdb_type: str) -> str:
    if duckdb_type.endswith("[]"):
        return f"array<{_spark_type(duckdb_type[:-2])}>"
    if duckdb_type.startswith("DECIMAL"):
        return _decimal(duckdb_type)
    return DUCKDB_AS_SPARK.get(duckdb_type, duckdb_type.lower())


def _comparable(spark_type: str) -> str:
    return _decimal(spark_type) if spark_type.startswith("decimal") else spark_type


def _decimal(name: str) -> str:
    """A decimal type by its scale only: the engines derive different precisions for the same expression
    (DuckDB widens to 38 digits where Spark keeps 12), which holds the same values."""
    return "decimal(*," + name.lower().replace(" ", "").rstrip(")").split(",")[-1] + ")"


# Run in a process of its own: a JVM that has booted the build's Derby metastore keeps it locked until it exits,
# so a SparkSession in this test process would lock out `assetrec.publish --spark-dir` (another process) later.
_CATALOG_SCRIPT = """
import json, sys
from assetrec.spark.warehouse import SCHEMA, relations, warehouse_session
with warehouse_session(sys.argv[1]) as session:
    print(json.dumps({name: [(f.name, f.dataType.simpleString()) for f in session.table(f"{SCHEMA}.{name}").schema]
                      for name in relations(session)}))
"""


def _spark_catalog(spark_dir: Path) -> dict[str, list[tuple[str, str]]]:
    """Every relation of schema assetrec in a Spark build's metastore (tables and views): its columns and types,
    read by a SparkSession in a subprocess (the build has finished: Derby admits one process at a time)."""
    listed = subprocess.run(
        [sys.executable, "-c", _CATALOG_SCRIPT, str(spark_dir)], capture_output=True, text=True, check=False
    )
    assert listed.returncode == 0, listed.stderr[-3000:]
    catalog = json.loads(listed.stdout.strip().splitlines()[-1])
    return {
        name: [(column, _comparable(kind)) for column, kind in fields] for name, fields in catalog.items()
    }


def test_every_duckdb_relation_exists_on_spark_with_its_columns(sample_builds):
    """Every table and view of the DuckDB build, Python models and reporting included: on Spark with the same
    column names, in the same order, and the same types (Spark's names)."""
    db, spark_dir = sample_builds
    with duckdb.connect(str(db), read_only=True) as con:
        names = [row[0] for row in con.sql("select table_name from information_schema.tables").fetchall()]
        expected = {}
        for name in sorted(names):
            relation = con.sql(f'select * from main."{name}"')
            expected[name] = [
                (c, _spark_type(str(t))) for c, t in zip(relation.columns, relation.types, strict=True)
            ]
    catalog = _spark_catalog(spark_dir)
    missing = sorted(set(expected) - set(catalog))
    assert not missing, f"not built on Spark: {missing}"
    for name, columns in expected.items():
        assert catalog[name] == columns, f"{name}: DuckDB {columns} != Spark {catalog[name]}"


def _spark_files(spark_dir: Path, table: str) -> str:
    return f"read_parquet('{spark_dir}/warehouse/assetrec.db/{table}/*.parquet')"


def test_every_cookie_has_its_recommendations_on_spark(sample_builds):
    """Every cookie of dim_cookies has as many recommendations on Spark as on DuckDB: top_k where the catalogue
    has top_k pages it has not submitted; with an item-item model (not ALS) the same pages in the same order."""
    db, spark_dir = sample_builds
    with duckdb.connect() as con:
        con.execute(f"attach '{db}' as duck (read_only)")
        spark = _spark_files(spark_dir, "recommendations")
        counts = con.sql(
            f"""
            select cookies.cookie, cookies.interactions, coalesce(d.n, 0), coalesce(s.n, 0)
            from duck.dim_cookies as cookies
            left join (select cookie, count(*) as n from duck.recommendations group by cookie) as d using (cookie)
            left join (select cookie, count(*) as n from {spark} group by cookie) as s using (cookie)
            """
        ).fetchall()
        top_k, catalogue = con.sql("select 10, count(*) from duck.dim_pages").fetchall()[0]
        assert counts, "no cookies"
        for cookie, pages, duck_count, spark_count in counts:
            assert spark_count == duck_count, (
                f"cookie {cookie}: {duck_count} on DuckDB, {spark_count} on Spark"
            )
            if catalogue - pages >= top_k:
                assert spark_count == top_k, f"cookie {cookie}: {spark_count} recommendations"
        model = con.sql(f"select distinct model from {spark}").fetchall()
        assert model == con.sql("select distinct model from duck.recommendations").fetchall()
        if model[0][0] not in ALS_MODELS:
            ranked = "select cookie, rank, page_url, round(score, 9), because_page_url from {} order by all"
            assert (
                con.sql(ranked.format(spark)).fetchall()
                == con.sql(ranked.format("duck.recommendations")).fetchall()
            )


def _hit_rate(con: duckdb.DuckDBPyConnection, recommendations: str) -> float:
    """Share of the held-out cookies whose held-out page is among their recommendations."""
    return con.sql(
        f"select avg(case when r.page_url is not null then 1.0 else 0.0 end) from held "
        f"left join {recommendations} as r on held.cookie = r.cookie and held.page_url = r.page_url and r.rank <= 10"
    ).fetchall()[0][0]


def _als_hit_rate(con: duckdb.DuckDBPyConnection, factors: str) -> float:
    """The same for the top 10 unseen pages by ALS factors (cookie . page), computed here from a build's
    int_als_factors (what als_cookie_factors and als_page_factors split)."""
    cookies = f"(select id as cookie, factors from {factors} where entity = 'cookie')"
    pages = f"(select id as page_url, factors from {factors} where entity = 'page')"
    page_table = con.sql(f"select page_url, factors from {pages} order by page_url").fetchall()
    page_ids = [row[0] for row in page_table]
    page_vectors = np.array([row[1] for row in page_table])
    position = {page: i for i, page in enumerate(page_ids)}
    seen = con.sql("select cookie, list(page_url) from duck.fct_page_interactions group by cookie").fetchall()
    seen = dict(seen)
    held = con.sql(
        f"select held.cookie, held.page_url, c.factors from held join {cookies} as c using (cookie)"
    ).fetchall()
    hits = 0
    for cookie, page, factors in held:
        scores = page_vectors @ np.asarray(factors)
        scores[[position[p] for p in seen.get(cookie, [])]] = -np.inf
        top = np.argsort(-scores, kind="stable")[:10]
        hits += page in {page_ids[i] for i in top}
    return hits / len(held)


@pytest.fixture(scope="module")
def heldout(heldout_builds):
    """A connection with the DuckDB build attached (`duck`) and the held-out pairs (`held`), the Spark folder, and
    the hit rates of both targets' recommendations (read now: `heldout_als` rebuilds them)."""
    db, spark_dir = heldout_builds
    with duckdb.connect() as con:
        con.execute(f"attach '{db}' as duck (read_only)")
        _held_out_pairs(con)
        # Only the cookies still in the export (a cookie whose other rows were all rejected is not).
        con.execute("delete from held where cookie not in (select cookie from duck.fct_page_interactions)")
        rates = {
            "duck": _hit_rate(con, "duck.recommendations"),
            "spark": _hit_rate(con, _spark_files(spark_dir, "recommendations")),
        }
        yield con, spark_dir, rates


def test_held_out_hit_rate_of_recommendations_matches_duckdb(heldout):
    """The deployed model (the same choice on both targets: the evaluation is the same)."""
    _, _, rates = heldout
    duck, spark = rates["duck"], rates["spark"]
    print(f"deployed model's held-out HR@10: DuckDB {duck:.4f}, Spark {spark:.4f}")
    assert duck > 0.1, f"DuckDB's held-out HR@10 is only {duck}"
    assert abs(spark - duck) <= 0.05 * duck, f"held-out HR@10: DuckDB {duck:.4f}, Spark {spark:.4f}"


@pytest.fixture(scope="module")
def heldout_als(heldout, heldout_builds):
    """The held-out builds' recommendations rebuilt with var recommender = als on both targets (on Spark: the
    cookies scored on the executors from Spark's ALS factors). The item-item fits are compared directly below
    (test_spark_fits_the_dense_item_item_models_as_duckdb), not by another pair of rebuilds (minutes of CI)."""
    con, spark_dir, _ = heldout
    db, _ = heldout_builds
    work = db.parent.parent
    variables = {**_VARS["heldout"], "recommender": "als"}
    args = ["run", "--select", "int_build_run", "recommendations"]  # int_build_run: the vars the models read
    con.execute("detach duck")  # dbt writes the database
    dbt_runner.run_dbt(args, db, work / "duckdb" / "target", variables)
    con.execute(f"attach '{db}' as duck (read_only)")
    dbt_runner.run_dbt(args, db, _spark_target(spark_dir), variables, dbt_target="spark", spark_dir=spark_dir)
    return con, spark_dir


def test_held_out_hit_rate_of_als_recommendations_matches_duckdb(heldout_als):
    con, spark_dir = heldout_als
    spark_recommendations = _spark_files(spark_dir, "recommendations")
    assert con.sql(f"select distinct model from {spark_recommendations}").fetchall() == [("als",)]
    duck = _hit_rate(con, "duck.recommendations")
    spark = _hit_rate(con, spark_recommendations)
    print(f"ALS recommendations' held-out HR@10: DuckDB {duck:.4f}, Spark {spark:.4f}")
    assert abs(spark - duck) <= 0.05 * duck, f"ALS held-out HR@10: DuckDB {duck:.4f}, Spark {spark:.4f}"
    # The executors' scoring is the factors' ranking (up to float32 near-ties).
    by_factors = _als_hit_rate(con, _spark_files(spark_dir, "int_als_factors"))
    assert abs(spark - by_factors) <= 0.01, (
        f"Spark's ALS recommendations {spark:.4f}, its factors {by_factors:.4f}"
    )


def test_held_out_hit_rate_of_als_factors_matches_duckdb(heldout):
    """Spark's ALS (pyspark.ml) against ours, fitted with the same vars on the same training part."""
    con, spark_dir, _ = heldout
    duck = _als_hit_rate(con, "duck.int_als_factors")
    spark = _als_hit_rate(con, _spark_files(spark_dir, "int_als_factors"))
    print(f"ALS held-out HR@10: DuckDB {duck:.4f}, Spark {spark:.4f}")
    assert duck > 0.1, f"DuckDB's ALS held-out HR@10 is only {duck}"
    assert abs(spark - duck) <= 0.05 * duck, f"ALS held-out HR@10: DuckDB {duck:.4f}, Spark {spark:.4f}"


def test_model_evaluation_on_spark_equals_duckdb(heldout):
    """The evaluation is collected on Spark and run by the same code: on the same sample of cookies, the same
    rows (the bound eval_max_cookies is below the cookies of the held-out export)."""
    con, spark_dir, _ = heldout
    duck = _evaluation_rows(con, "duck.model_evaluation")
    spark = _evaluation_rows(con, _spark_files(spark_dir, "model_evaluation"))
    assert duck and spark == duck
    users = con.sql("select max(users) from duck.model_evaluation where metric = 'hit_rate'").fetchall()[0][0]
    assert users <= HELD_OUT_VARS["eval_max_cookies"]


def _evaluation_rows(con: duckdb.DuckDBPyConnection, relation: str) -> list[tuple]:
    columns = "model, split, metric, k, round(value, 9), users, params, round(validation_ndcg, 9)"
    return con.sql(f"select {columns} from {relation} order by all").fetchall()


@pytest.fixture(scope="module")
def local_spark(spark_ready, tmp_path_factory):
    """A SparkSession in this process (local[3]), for the Spark modules' own functions."""
    from pyspark.sql import SparkSession

    # Python workers (applyInPandas) run this interpreter, which has assetrec: as the plugin does, through the
    # environment (the JVM reads it when the session starts; spark.pyspark.python alone did not reach it).
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    spark = (
        SparkSession.builder.master("local[3]")
        .appName("assetrec-tests")
        .config("spark.sql.warehouse.dir", str(tmp_path_factory.mktemp("spark") / "warehouse"))
        .config("spark.ui.enabled", "false")
        .getOrCreate()
    )
    yield spark
    spark.stop()


def test_als_uses_one_block_per_core_of_the_session(local_spark):
    """ALS's blocks per side follow the session's parallelism (local[3]: 3), not a constant fitted to local[2]."""
    from assetrec.spark.als import als_blocks

    assert als_blocks(local_spark) == 3


@pytest.mark.parametrize("transform", ["binary", "log1p", "strength"])
@pytest.mark.parametrize("bound", [None, 7])
def test_spark_sums_the_gram_matrix_of_the_most_popular_pages(local_spark, transform, bound):
    """assetrec.spark.item_item.gram_matrix against scipy's X.T X of the transformed strengths, restricted to
    the `bound` pages with the most cookies (ties: the lower page), as EASE's fit restricts them."""
    import pandas as pd
    from assetrec.spark.item_item import gram_matrix
    from assetrec.transforms import transform as transformed
    from conftest import random_user_items

    matrix = random_user_items(n_users=60, n_items=15, density=0.25, seed=3, max_strength=6)
    coo = matrix.tocoo()
    pages = np.array([f"https://example.com/p{i:02d}" for i in range(15)], dtype=object)
    frame = pd.DataFrame(
        {"cookie": [f"{r:038d}" for r in coo.row], "page_url": pages[coo.col], "event_strength": coo.data}
    )
    gram, items = gram_matrix(local_spark.createDataFrame(frame), pages, transform, bound)
    users = np.bincount(coo.col, minlength=15)
    expected_items = None if bound is None else np.sort(np.lexsort((np.arange(15), -users))[:bound])
    x = sp.csr_matrix(transformed(matrix, transform))
    x = x if expected_items is None else x[:, expected_items]
    np.testing.assert_allclose(gram, (x.T @ x).toarray(), rtol=1e-12)
    assert (items is None) == (expected_items is None)
    if bound is not None:
        np.testing.assert_array_equal(items, expected_items)


@pytest.mark.parametrize(
    ("name", "params"),
    [
        ("ease", {"l2": 5.0, "transform": "log1p"}),
        ("edlae", {"p": 0.3, "l2": 2.0, "transform": "binary"}),
        ("dlae", {"p": 0.2, "l2": 1.0, "transform": "strength"}),
    ],
)
def test_spark_fits_the_dense_item_item_models_as_duckdb(local_spark, name, params):
    """scoring.deployed_model on Spark (the Gram matrix summed by Spark, the solve on the driver) gives the weights
    of the same model fitted on the DuckDB target (assetrec.tables.recommendations.fitted_model on the matrix),
    with the ease_max_pages bound on the modelled pages."""
    import json

    import pandas as pd
    from assetrec.interactions import Interactions
    from assetrec.settings import Settings
    from assetrec.spark import scoring
    from assetrec.tables.evaluation import SELECTION
    from assetrec.tables.recommendations import fitted_model
    from conftest import random_user_items

    matrix = random_user_items(n_users=80, n_items=16, density=0.25, seed=5, max_strength=6)
    coo = matrix.tocoo()
    pages = np.array([f"https://example.com/p{i:02d}" for i in range(16)], dtype=object)
    cookies = np.array([f"{r:038d}" for r in range(80)], dtype=object)
    frame = pd.DataFrame({"cookie": cookies[coo.row], "page_url": pages[coo.col], "event_strength": coo.data})
    evaluation = pd.DataFrame(
        {
            "model": [name],
            "split": [SELECTION["split"]],
            "params": [json.dumps(params)],
            "validation_ndcg": [0.5],
        }
    )
    settings = Settings(recommender=name, ease_max_pages=9)
    deployed = scoring.deployed_model(
        local_spark.createDataFrame(frame),
        scoring.chosen_model(local_spark.createDataFrame(evaluation), settings),
        None,
        None,
        settings,
        pages,
    )
    data = Interactions(matrix=matrix, cookies=cookies, pages=pages)
    expected = fitted_model(name, params, data, None, None, settings)
    np.testing.assert_array_equal(deployed.model.model.items_, expected.model.items_)
    np.testing.assert_allclose(deployed.model.model.B_, expected.model.B_, rtol=1e-9, atol=1e-12)


def _spark_interactions(spark, matrix, pages):
    import pandas as pd

    coo = matrix.tocoo()
    frame = pd.DataFrame(
        {"cookie": [f"{r:038d}" for r in coo.row], "page_url": pages[coo.col], "event_strength": coo.data}
    )
    return spark.createDataFrame(frame)


@pytest.mark.parametrize(
    ("transform", "top_k"),
    [("binary", None), ("log1p", None), ("strength", None), ("log1p", 3), ("strength", 3)],
)
def test_spark_sums_the_rp3beta_weights_as_the_sparse_fit(local_spark, transform, top_k):
    """assetrec.spark.item_item.rp3beta_weights against RP3beta's own scipy fit on the transformed matrix: the
    same W (each row's top_k; no ties at the bound with these strengths) and popularity. The catalogue has a
    page nobody submitted (popularity 0, an empty row and column)."""
    from assetrec.models import RP3beta
    from assetrec.spark.item_item import rp3beta_weights
    from assetrec.transforms import transform as transformed
    from conftest import random_user_items

    matrix = random_user_items(n_users=60, n_items=14, density=0.3, seed=4, max_strength=6)
    matrix = sp.hstack([matrix, sp.csr_matrix((60, 1))], format="csr")  # page 14: no cookie
    pages = np.array([f"https://example.com/p{i:02d}" for i in range(15)], dtype=object)
    weights, popularity = rp3beta_weights(
        _spark_interactions(local_spark, matrix, pages), pages, transform, 0.8, 0.4, top_k
    )
    expected = RP3beta(alpha=0.8, beta=0.4, top_k=top_k).fit(transformed(matrix, transform))
    np.testing.assert_array_equal(popularity, expected.popularity_)
    assert popularity[14] == 0
    got = RP3beta(alpha=0.8, beta=0.4, top_k=top_k).fit_weights(weights, popularity)
    np.testing.assert_array_equal(got.W_.indptr, expected.W_.indptr)
    np.testing.assert_array_equal(got.W_.indices, expected.W_.indices)
    np.testing.assert_allclose(got.W_.data, expected.W_.data, rtol=1e-12)


@pytest.mark.parametrize(
    ("name", "params"),
    [
        ("rp3beta", {"alpha": 0.9, "beta": 0.3, "transform": "binary"}),
        ("most_popular", {}),
        (
            "blend",
            {
                "models": [
                    ["rp3beta", {"alpha": 0.9, "beta": 0.3, "transform": "log1p"}],
                    ["edlae", {"p": 0.3, "l2": 2.0, "transform": "binary"}],
                ],
                "weight": 0.7,
            },
        ),
    ],
)
def test_spark_deploys_models_without_collecting_the_interactions(local_spark, monkeypatch, name, params):
    """scoring.deployed_model on Spark fits RP3beta from Spark's walk weights, the baseline from Spark's counts
    and a blend from its two parts' Spark fits (the interactions are never collected), as the DuckDB target's
    fitted_model fits them: the same offers and scores for every cookie. A cookie's row with strength 0 is no
    interaction on either engine."""
    import json

    import pandas as pd
    from assetrec.interactions import Interactions
    from assetrec.settings import Settings
    from assetrec.spark import frames, scoring
    from assetrec.tables.evaluation import SELECTION
    from assetrec.tables.recommendations import fitted_model
    from conftest import random_user_items

    def no_collect(*args, **kwargs):
        raise AssertionError("the interactions were collected")

    monkeypatch.setattr(frames, "collect_interactions", no_collect)
    matrix = random_user_items(n_users=70, n_items=12, density=0.3, seed=6, max_strength=6)
    pages = np.array([f"https://example.com/p{i:02d}" for i in range(12)], dtype=object)
    evaluation = pd.DataFrame(
        {
            "model": [name],
            "split": [SELECTION["split"]],
            "params": [json.dumps(params)],
            "validation_ndcg": [0.5],
        }
    )
    zero = local_spark.createDataFrame(
        pd.DataFrame({"cookie": ["9" * 38], "page_url": [pages[11]], "event_strength": [0.0]})
    )
    interactions = _spark_interactions(local_spark, matrix, pages).unionByName(zero)
    settings = Settings(recommender=name)
    deployed = scoring.deployed_model(
        interactions,
        scoring.chosen_model(local_spark.createDataFrame(evaluation), settings),
        None,
        None,
        settings,
        pages,
    )
    cookies = np.array([f"{r:038d}" for r in range(70)], dtype=object)
    data = Interactions(matrix=matrix, cookies=cookies, pages=pages)
    expected = fitted_model(name, params, data, None, None, settings)
    if name == "rp3beta":  # inside Transformed(model, transform)
        np.testing.assert_allclose(deployed.model.model.W_.toarray(), expected.model.W_.toarray(), rtol=1e-12)
    elif name == "most_popular":
        np.testing.assert_array_equal(deployed.model.item_users_, expected.item_users_)
    users = np.arange(70)
    got_ids, got_scores = deployed.model.recommend(users, matrix, N=5)
    want_ids, want_scores = expected.recommend(users, matrix, N=5)
    np.testing.assert_array_equal(got_ids, want_ids)
    np.testing.assert_allclose(got_scores, want_scores, rtol=1e-9, atol=1e-12)


def test_spark_scores_a_blend_with_als_from_each_cookies_own_factors(local_spark):
    """A blend of an ALS model (fitted by Spark's ALS) and RP3beta, scored on the executors
    (scoring.score_cookies: each group of cookies gets its own rows of the ALS cookie factors), gives the rows
    that recommendation_rows gives on the driver for the same fitted blend with every cookie's factors in the
    matrix's row order."""
    import json

    import pandas as pd
    from assetrec.interactions import Interactions
    from assetrec.settings import Settings
    from assetrec.spark import scoring
    from assetrec.tables.evaluation import SELECTION
    from assetrec.tables.recommendations import recommendation_rows
    from conftest import random_user_items

    matrix = random_user_items(n_users=50, n_items=12, density=0.3, seed=8, max_strength=6)
    matrix = matrix[np.diff(matrix.indptr) > 0]  # a cookie is a row of fct_page_interactions
    pages = np.array([f"https://example.com/p{i:02d}" for i in range(12)], dtype=object)
    params = {
        "models": [
            [
                "als",
                {"factors": 4, "regularization": 1.0, "alpha": 2.0, "iterations": 3, "transform": "binary"},
            ],
            ["rp3beta", {"alpha": 1.0, "beta": 0.5, "transform": "binary"}],
        ],
        "weight": 0.6,
    }
    evaluation = pd.DataFrame(
        {
            "model": ["blend"],
            "split": [SELECTION["split"]],
            "params": [json.dumps(params)],
            "validation_ndcg": [0.5],
        }
    )
    interactions = _spark_interactions(local_spark, matrix, pages)
    settings = Settings(recommender="blend")
    deployed = scoring.deployed_model(
        interactions,
        scoring.chosen_model(local_spark.createDataFrame(evaluation), settings),
        None,
        None,
        settings,
        pages,
    )
    units = [["unit"] for _ in pages]
    got = scoring.score_cookies(interactions, deployed, pages, None, units, 4).toPandas()

    cookies = np.array([f"{r:038d}" for r in range(matrix.shape[0])], dtype=object)
    factors = deployed.cookie_factors.toPandas().set_index("cookie")["factors_0"]
    (als_part,) = scoring.als_parts(deployed.model)
    als_part.user_factors = np.stack([np.asarray(factors[c], dtype=np.float32) for c in cookies])
    data = Interactions(matrix=matrix, cookies=cookies, pages=pages)
    want = recommendation_rows("blend", deployed.model, data, None, units, 4)

    assert len(want) == matrix.shape[0] * 4
    key = ["cookie", "rank"]
    got, want = got.sort_values(key).reset_index(drop=True), want.sort_values(key).reset_index(drop=True)
    assert got["page_url"].tolist() == want["page_url"].tolist()
    reasons = [
        [x if isinstance(x, str) else None for x in frame["because_page_url"]] for frame in (got, want)
    ]
    assert reasons[0] == reasons[1]
    np.testing.assert_allclose(got["score"], want["score"], rtol=1e-6)


def test_spark_build_ran_and_passed_the_unit_tests(sample_builds):
    """The Spark build of the sample ran every unit test of a model it built (from the manifest), and each
    passed (run_results.json of that build)."""
    _, spark_dir = sample_builds
    target = _spark_target(spark_dir)
    manifest = json.loads((target / "manifest.json").read_text())
    results = json.loads((target / "run_results.json").read_text())["results"]
    status = {result["unique_id"]: result["status"] for result in results}
    expected = {
        uid
        for uid, unit_test in manifest["unit_tests"].items()
        if set(unit_test["depends_on"]["nodes"]) <= set(status)
    }
    ran = {uid: state for uid, state in status.items() if uid.startswith("unit_test.")}
    assert expected, "no unit test of a model built on Spark in the manifest"
    assert set(ran) == expected
    assert all(state == "pass" for state in ran.values()), ran


# Event-level input (a GA4 export with a nested Parquet file among its CSV files): the staging, the marts and the
# evaluation, built on both targets.
EVENT_SELECT = [
    "+rejected_events",
    "+ignored_events_summary",
    "+business_unit_activity_by_period",
    "+dim_cookies",
    "+model_evaluation",
]
EVENT_TABLES = [
    "rejected_events",
    "ignored_events_summary",
    "fct_submission_events",
    "fct_page_interactions",
    "dim_cookies",
    "business_unit_activity_by_period",
]


@pytest.fixture(scope="module")
def event_builds(spark_ready, tmp_path_factory) -> tuple[Path, Path]:
    return _build("events", tmp_path_factory)


@pytest.fixture(scope="module")
def event_con(event_builds):
    with _attached(event_builds[0]) as connection:
        yield connection


@pytest.mark.parametrize("table", EVENT_TABLES)
def test_spark_reads_event_input_as_duckdb(event_builds, event_con, table):
    """Every event table row for row; rejected_events holds each kind of odd row of the generator and the
    Parquet file's repeats, ignored_events_summary the page views."""
    _, spark_dir = event_builds
    _assert_same_table(event_con, table, f"duck.main.{table}", _spark_files(spark_dir, table))
    if table in ("rejected_events", "ignored_events_summary", "fct_submission_events"):
        assert event_con.sql(f"select count(*) from duck.main.{table}").fetchall()[0][0] > 0


def test_spark_reads_the_nested_ga4_parquet_file(event_builds, event_con):
    _, spark_dir = event_builds
    rejected = _spark_files(spark_dir, "rejected_events")
    rows = event_con.sql(
        f"select count(*), count(page_url) from {rejected} where source_file like '%.parquet'"
    ).fetchall()
    assert rows[0][0] > 0 and rows[0][0] == rows[0][1], rows


def test_spark_evaluates_event_input_by_last_events(event_builds, event_con):
    """The evaluation on Spark has the time-based split (submission times collected with the sample) and
    equals DuckDB's."""
    _, spark_dir = event_builds
    duck = _evaluation_rows(event_con, "duck.model_evaluation")
    spark = _evaluation_rows(event_con, _spark_files(spark_dir, "model_evaluation"))
    assert "last_events" in {row[1] for row in spark}
    assert duck and spark == duck


def _published_columns(database: Path) -> dict[str, list[tuple[str, str]]]:
    """Each table of a publication: its columns and their types (Spark's names, decimals by their scale)."""
    with duckdb.connect(str(database), read_only=True) as con:
        rows = con.sql(
            "select table_name, column_name, data_type from duckdb_columns() where database_name = current_database() "
            "and schema_name = 'main' order by table_name, column_index"
        ).fetchall()
    columns: dict[str, list[tuple[str, str]]] = {}
    for table, column, data_type in rows:
        columns.setdefault(table, []).append((column, _comparable(_spark_type(data_type))))
    return columns


def test_spark_build_is_published_and_reported_like_duckdb(sample_builds, tmp_path):
    """`python -m assetrec.publish --spark-dir` (its run_results.json checked against the build marker Spark
    wrote) publishes the same BI-facing tables as the DuckDB build's publication, views computed, with the same
    columns, types and row counts; the report renders every section from it."""
    from assetrec import publish

    db, spark_dir = sample_builds
    duck = publish.publish(db, tmp_path / "duckdb")
    out = tmp_path / "spark"
    command = [sys.executable, "-m", "assetrec.publish", "--spark-dir", str(spark_dir), "--out", str(out)]
    command += ["--run-results", str(_spark_target(spark_dir) / "run_results.json")]
    published = subprocess.run(command, capture_output=True, text=True, check=False)
    assert published.returncode == 0, published.stderr[-3000:]
    with duckdb.connect(str(out / "assetrec.duckdb"), read_only=True) as con:
        counts = dict(con.sql("select table_name, rows from published_tables").fetchall())
    assert counts == duck.tables
    assert "page_cooccurrence" in counts, "the view is published as a table"
    assert _published_columns(out / "assetrec.duckdb") == _published_columns(duck.database)
    parquet = out / "parquet" / "recommendations.parquet"
    assert duckdb.sql(f"select count(*) from '{parquet}'").fetchall() == [(counts["recommendations"],)]
    report = [sys.executable, "-m", "assetrec.report", "--db", str(out / "assetrec.duckdb"), "--out"]
    reported = subprocess.run(
        [*report, str(tmp_path / "reports")], capture_output=True, text=True, check=False
    )
    assert reported.returncode == 0, reported.stderr[-3000:]
    assert (tmp_path / "reports" / "index.html").stat().st_size > 0
