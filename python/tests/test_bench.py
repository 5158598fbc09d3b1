"""The benchmark scripts' own bookkeeping (assetrec.bench)."""

from __future__ import annotations

from assetrec.bench.pipeline import model_stage


def test_benchmark_maps_models_to_stages():
    assert model_stage("stg_clickstream__submissions", "staging/clickstream/x.sql") == "read and clean"
    assert model_stage("asset_type_weights", "asset_type_weights.csv") == "read and clean"
    assert model_stage("fct_page_interactions", "marts/fct_page_interactions.sql") == "aggregates"
    assert model_stage("page_cooccurrence", "similarity/page_cooccurrence.sql") == "co-occurrence"
    assert model_stage("int_als_factors", "intermediate/int_als_factors.py") == "ALS fit"
    assert model_stage("model_evaluation", "ml/model_evaluation.py") == "evaluation"
    assert model_stage("cookie_hit_rates", "reporting/cookie_hit_rates.sql") == "recommendations"
