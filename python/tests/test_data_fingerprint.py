"""int_data_fingerprint (model_runs' data_fingerprint and interactions), computed in SQL by each engine.

The model is compiled once by dbt (per target) and its SQL run here against small hand-made relations standing in
for fct_page_interactions: on DuckDB, and (marked `spark`) in a SparkSession of this process, where it must give
DuckDB's values. A reference computed in Python (hashlib) pins the definition.
"""

from __future__ import annotations

import hashlib
import json
import math
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from assetrec import dbt_runner
from conftest import random_interactions, run_dbt

pytestmark = pytest.mark.dbt

MODEL = "int_data_fingerprint"


def _compiled(work: Path, **spark) -> tuple[str, str]:
    """The compiled SQL of the model and the relation name it reads fct_page_interactions by."""
    target = work / "target"
    if spark:
        dbt_runner.run_dbt(["compile", "--select", MODEL], work / "w.duckdb", target, **spark)
    else:
        run_dbt(["compile", "--select", MODEL], work / "w.duckdb", target)
    sql = next((target / "compiled").rglob(f"{MODEL}.sql")).read_text()
    manifest = json.loads((target / "manifest.json").read_text())
    relation = manifest["nodes"]["model.assetrec.fct_page_interactions"]["relation_name"]
    assert relation in sql
    return sql, relation


@pytest.fixture(scope="module")
def duckdb_sql(tmp_path_factory) -> str:
    sql, relation = _compiled(tmp_path_factory.mktemp("fingerprint_duckdb"))
    return sql.replace(relation, "interactions")


def fingerprint(sql: str, frame: pd.DataFrame) -> tuple[str, int]:
    with duckdb.connect() as con:
        con.register("source", frame)
        con.execute(
            "create table interactions as select cast(cookie as varchar) as cookie, "
            "cast(page_url as varchar) as page_url, cast(event_strength as double) as event_strength from source"
        )
        return con.execute(sql).fetchone()


def reference(frame: pd.DataFrame) -> tuple[str, int]:
    """The definition in Python: md5 of each row's text, the first 16 hex digits summed, md5 of 'rows:sum'."""
    total = 0
    for cookie, page, strength in frame[["cookie", "page_url", "event_strength"]].itertuples(index=False):
        whole = math.floor(strength)
        fraction = math.floor((strength - whole) * 2.0**60)
        text = f"{len(cookie)}:{cookie}{page}|{whole}.{fraction}"
        total += int(hashlib.md5(text.encode()).hexdigest()[:16], 16)
    return hashlib.md5(f"{len(frame)}:{total}".encode()).hexdigest()[:16], len(frame)


def _frame(rows) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["cookie", "page_url", "event_strength"])


# Rows that engines could render or count differently: strengths that are not short decimals, tiny and huge ones,
# zero; ids with multi-byte and combining characters, the separators themselves, digits only.
ODD_ROWS = _frame(
    [
        ("00012345678901234567890123456789012345", "p|1", 0.1 + 0.2),
        ("00012345678901234567890123456789012345", "p:2", 1 / 3),
        ("é", "https://example.com/été?x=1|2", 6e9 / 7),
        ("e\u0301", "👍🏽", 1e-300),
        ("a:b", "|", 2.5),
        ("1", "2", 0.0),
        ("12", "", 123456789012.375),
        ("x", "y", 2.0**62 + 2048),
        ("y", "x", 5e-7),
        ("z", "z", 0.49999999999999994),
    ]
)


def test_fingerprint_is_the_reference_definition(duckdb_sql):
    for frame in (ODD_ROWS, random_interactions(n_cookies=40, n_pages=12, seed=3, strength_step=0.1)):
        assert fingerprint(duckdb_sql, frame) == reference(frame)


def test_fingerprint_ignores_row_order(duckdb_sql):
    df = random_interactions(n_cookies=50, n_pages=15, seed=4, strength_step=0.1)
    expected = fingerprint(duckdb_sql, df)
    for seed in (1, 2):
        assert fingerprint(duckdb_sql, df.sample(frac=1.0, random_state=seed)) == expected
    assert len(expected[0]) == 16 and int(expected[0], 16) >= 0


def test_fingerprint_changes_with_any_row(duckdb_sql):
    df = random_interactions(n_cookies=50, n_pages=15, seed=5, strength_step=0.1).reset_index(drop=True)
    base, count = fingerprint(duckdb_sql, df)
    other_pages = df.groupby("cookie")["page_url"].transform(lambda pages: pages.iloc[::-1].to_numpy())
    swapped_cookie = df["cookie"] != df["cookie"].iloc[0]
    changed = {
        "one strength": df.assign(
            event_strength=df["event_strength"].where(df.index != 7, df["event_strength"] + 0.1)
        ),
        "one strength by one ulp": df.assign(
            event_strength=df["event_strength"].where(
                df.index != 7, math.nextafter(df["event_strength"][7], 1e9)
            )
        ),
        "one page": df.assign(page_url=df["page_url"].where(df.index != 3, "https://example.com/another")),
        "one cookie": df.assign(cookie=df["cookie"].where(df.index != 3, "another cookie")),
        "pages swapped between rows": df.assign(page_url=other_pages.where(~swapped_cookie, df["page_url"])),
        "one row dropped": df.drop(index=11),
    }
    seen = {base}
    for name, frame in changed.items():
        if name != "one row dropped":
            assert not frame.equals(df), name
        value, _ = fingerprint(duckdb_sql, frame)
        assert value not in seen, f"{name}: same fingerprint"
        seen.add(value)
    assert count == len(df)


def test_fingerprint_separates_cookie_from_page(duckdb_sql):
    pairs = [("a", "bc"), ("ab", "c"), ("a|", "bc"), ("a", "|bc"), ("1:a", "b"), ("1", ":ab")]
    values = {fingerprint(duckdb_sql, _frame([(cookie, page, 1.0)]))[0] for cookie, page in pairs}
    assert len(values) == len(pairs)
    # Nor does a page run into the strength: ('a', 'p1', 2.0) is not ('a', 'p', 12.0).
    assert fingerprint(duckdb_sql, _frame([("a", "p1", 2.0)])) != fingerprint(
        duckdb_sql, _frame([("a", "p", 12.0)])
    )


def test_interactions_counts_every_row_zero_strengths_included(duckdb_sql):
    """As model_runs counted before (Interactions.load's matrix.nnz keeps a zero strength as an entry); a row of
    strength 0 is data: it changes the fingerprint."""
    rows = _frame([("c1", "p1", 2.0), ("c1", "p2", 1.0), ("c2", "p1", 3.0)])
    with_zero = pd.concat([rows, _frame([("c2", "p2", 0.0)])], ignore_index=True)
    value, count = fingerprint(duckdb_sql, rows)
    zero_value, zero_count = fingerprint(duckdb_sql, with_zero)
    assert (count, zero_count) == (3, 4) and zero_value != value
    empty_value, empty_count = fingerprint(duckdb_sql, rows.iloc[:0])
    assert empty_count == 0 and empty_value == hashlib.md5(b"0:0").hexdigest()[:16]


@pytest.mark.spark
def test_spark_sql_gives_duckdbs_fingerprint(duckdb_sql, tmp_path, monkeypatch):
    """The model compiled for the spark target (its hex_to_integer, Spark's md5, length, casts and decimal sum), run
    in a SparkSession, gives DuckDB's value for rows engines render differently, and for shuffled random rows."""
    from test_spark_target import _spark_missing

    missing = _spark_missing()
    if missing:
        pytest.skip(f"Spark target not set up ({missing})")
    from pyspark.sql import SparkSession

    spark_sql, relation = _compiled(tmp_path, dbt_target="spark", spark_dir=tmp_path / "spark")
    spark = (
        SparkSession.builder.master("local[1]")
        .appName("assetrec-fingerprint")
        .config("spark.sql.warehouse.dir", str(tmp_path / "warehouse"))
        .config("spark.ui.enabled", "false")
        .config("spark.sql.ansi.enabled", "false")  # as dbt-spark sets it
        .getOrCreate()
    )
    try:
        frames = [
            ODD_ROWS,
            random_interactions(n_cookies=60, n_pages=20, seed=6, strength_step=0.1),
            _frame([("c", "p", 1.0)]).iloc[:0],
        ]
        for frame in frames:
            spark.createDataFrame(
                frame.astype({"event_strength": float}),
                "cookie string, page_url string, event_strength double",
            ).createOrReplaceTempView("interactions")
            row = spark.sql(spark_sql.replace(relation, "interactions")).collect()[0]
            assert (row["data_fingerprint"], row["interactions"]) == fingerprint(duckdb_sql, frame)
        # model_runs on Spark reads that row and never collects the interactions.
        from assetrec.spark import frames, tables
        from test_tables import run_inputs

        def no_collect(*args, **kwargs):
            raise AssertionError("the interactions were collected")

        monkeypatch.setattr(frames, "collect_interactions", no_collect)
        fingerprint_row, evaluation, build = run_inputs()
        run = tables.model_run(
            spark, spark.createDataFrame(fingerprint_row), spark.createDataFrame(evaluation), build
        ).collect()[0]
        assert (run["data_fingerprint"], run["interactions"], run["chosen_model"]) == (
            "0123456789abcdef",
            42,
            "ease",
        )
    finally:
        spark.stop()
