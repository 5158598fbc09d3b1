"""The benchmark scripts' own bookkeeping (assetrec.bench)."""

from __future__ import annotations

from datetime import datetime, timedelta

import duckdb
from assetrec.bench.events import START, write_day
from assetrec.bench.pipeline import model_stage


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
