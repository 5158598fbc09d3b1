"""The benchmark scripts' own bookkeeping (assetrec.bench)."""

from __future__ import annotations

import math
from datetime import datetime, timedelta

import duckdb
import numpy as np
from assetrec.bench.events import START, write_day
from assetrec.bench.pipeline import model_stage
from assetrec.bench.spark import BUILD_STAGES, compare_rows, markdown, ratio, sizing


def test_benchmark_maps_models_to_stages():
    assert model_stage("stg_clickstream__submissions", "staging/clickstream/x.sql") == "read and clean"
    assert model_stage("asset_type_weights", "asset_type_weights.csv") == "read and clean"
    assert model_stage("fct_page_interactions", "marts/fct_page_interactions.sql") == "aggregates"
    assert model_stage("page_cooccurrence", "similarity/page_cooccurrence.sql") == "co-occurrence"
    assert model_stage("int_als_factors", "intermediate/int_als_factors.py") == "ALS fit"
    assert model_stage("model_evaluation", "ml/model_evaluation.py") == "evaluation"
    assert model_stage("cookie_hit_rates", "reporting/cookie_hit_rates.sql") == "recommendations"


def test_event_benchmark_day_files_have_the_documented_shape(tmp_path):
    per_day = 20_000
    with duckdb.connect() as con:
        first, second = (write_day(con, tmp_path, day, per_day, cookies=200) for day in (0, 1))
        rows = {
            path: con.execute(f"select * from read_csv('{path}', all_varchar = true)").df()
            for path in (first, second)
        }
    day0, day1 = rows[first], rows[second]
    assert len(day0) == len(day1) == per_day
    assert 0.13 < (day1["event_name"] == "form_submit").mean() < 0.17
    # Re-deliveries: day 1 repeats some of day 0's events, same id and same values; day 0 has none.
    assert day0["event_id"].is_unique
    repeated = day1.merge(day0, on="event_id", suffixes=("", "_before"))
    assert 0 < len(repeated) < 0.005 * per_day
    assert (repeated["cookie"] == repeated["cookie_before"]).all()
    assert (repeated["event_timestamp"] == repeated["event_timestamp_before"]).all()
    # Event times of the day's own events: on the file's day, or (late events, about 3%) one to three
    # days before it.
    own = day1[~day1["event_id"].isin(repeated["event_id"])]
    days_late = [
        (START + timedelta(days=1) - datetime.fromisoformat(t.replace("Z", "")).date()).days
        for t in own["event_timestamp"]
    ]
    late = sum(d > 0 for d in days_late) / per_day
    assert min(days_late) >= 0 and max(days_late) <= 3
    assert 0.02 < late < 0.045
    assert day1["cookie"].nunique() <= 200


def _spark_run(engine: str, size: str, seconds: float, wall: float, peak: float) -> dict:
    run = {
        "engine": engine,
        "size": size,
        "stage_seconds": dict.fromkeys(BUILD_STAGES, seconds),
        "build_seconds": wall,
        "peak_mb": peak,
    }
    if engine == "duckdb":
        run["measures"] = {"interactions": 1000, "cookies": 50, "pages": 20}
    return run


def test_spark_benchmark_table_has_each_engine_and_the_ratio():
    runs = [_spark_run("duckdb", "100k", 2.0, 10.0, 500), _spark_run("spark", "100k", 6.0, 45.0, 2000)]
    table = markdown(compare_rows(runs))
    assert table.splitlines()[0] == "| stage | 100k DuckDB s | 100k Spark s | ratio |"
    assert "| ALS fit | 2.0 | 6.0 | 3.0x |" in table
    assert "| **dbt build wall** | **10.0** | **45.0** | **4.5x** |" in table
    assert "| **peak RSS MB** (process tree) | **500** | **2000** | **4.0x** |" in table
    assert "publish" not in table
    assert ratio(1.0, 0.0) == "-"


def test_spark_benchmark_sizing_arithmetic_by_hand():
    measures = {
        "interactions": 1_000,
        "cookies": 50,  # 20 pages per cookie
        "pages": 20,
        "pairs_emitted": 10_000,
        "cookie_chars": 38,
        "page_url_chars": 64,
    }
    rows = sizing(
        measures,
        interactions=1e6,
        partition_mb=1,
        executor_cores=2,
        executors=3,
        als_factors=10,
        als_iterations=2,
        ease_max_pages=100,
        eval_max_cookies=10,
    )
    values = {name: value for name, _, value in rows}
    expected = {
        "scale": 1_000,
        "cookies (M)": 0.05,  # 1e6 / 20
        "pairs emitted (M)": 10,  # 10,000 x 1,000
        "pair shuffle (GB)": 0.44,  # 1e7 x 44 B
        "pair shuffle partitions": 440,  # 440 MB / 1 MB
        "join input shuffle (GB)": 0.072,  # 2 x 1e6 x 36 B
        "join input partitions": 72,
        "ALS blocks per side": 6,
        "ALS rating blocks (GB, all)": 0.024,  # 2 x 1e6 x 12 B
        "ALS cookie factors (GB, all)": 0.002,  # 50,000 x 10 x 4 B
        "ALS page blocks per cookie": 6 * (1 - (5 / 6) ** 20),  # 5.84 of 6 blocks
        # (50,000 cookies x 5.84 blocks + 20 pages x 6 blocks) x 10 factors x 4 B
        "ALS shuffle per iteration (GB)": (50_000 * 6 * (1 - (5 / 6) ** 20) + 20 * 6) * 40 / 1e9,
        "ALS shuffle per fit (GB)": (50_000 * 6 * (1 - (5 / 6) ** 20) + 20 * 6) * 40 / 1e9 * 2,
        "item-item weights, broadcast (GB)": 8e-5,  # 100^2 x 8 B
        "broadcast per executor (GB)": 2.4e-4,  # 3 copies
        "executor resident (GB)": 0.026 / 3
        + 0.00024
        + 0.004,  # (0.024 + 0.002) / 3 + broadcast + 2 x 2 x 1 MB
        "executor heap (GB)": (0.026 / 3 + 0.00024 + 0.004) / 0.6,
        "driver: evaluation sample (M rows)": 2e-4,  # 10 cookies x 20 pages
        "driver: evaluation sample (GB)": 2.36e-5,  # 200 x 118 B
        "driver: all interactions collected (GB)": 0.118,  # 1e6 x (38 + 4 + 64 + 4 + 8) B
    }
    assert values.keys() == expected.keys()
    for name, value in expected.items():
        assert math.isclose(values[name], value, rel_tol=1e-9), name


def test_publish_benchmark_times_every_bi_table_and_the_parquet_only_alternative(tmp_path):
    from assetrec.bench.publish import markdown, measure

    db = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(db)) as con:
        con.execute("create table page_cooccurrence as select range as i from range(1000)")
        con.execute("create table recommendations as select range as i from range(10)")
        con.execute("create table stg_internal as select 1 as i")
    figures = measure(db, tmp_path / "work", ["page_cooccurrence"])
    assert set(figures) == {"page_cooccurrence", "recommendations"}
    assert figures["page_cooccurrence"]["rows"] == 1000 and figures["recommendations"]["rows"] == 10
    assert "parquet only" in figures["page_cooccurrence"] and "parquet only" not in figures["recommendations"]
    assert not (tmp_path / "work").exists()
    table = markdown([figures], [1.0], ["page_cooccurrence"])
    assert "| page_cooccurrence | 1,000 |" in table and "| recommendations | 10 |" in table


def test_topn_benchmark_reference_ranks_distinct_scores_as_topn_dense():
    """The NumPy reference of the topn benchmark is a top-N: on distinct scores it agrees with topn_dense."""
    from assetrec.bench.topn import block, numpy_topn
    from assetrec.topn import topn_dense

    scores = block("dense", 300)
    assert numpy_topn(scores, 10).tolist() == topn_dense(scores, 10)[0].tolist()
    sparse = block("sparse", 300)
    assert (np.isneginf(sparse).sum(axis=1) == 2).all() and ((sparse > 0).sum(axis=1) == 3).all()
