"""The table builders behind the dbt Python models (assetrec.tables), on small hand-made data wrapped in
DuckDB relations, as dbt hands them over."""

from __future__ import annotations

import dataclasses
import json

import duckdb
import numpy as np
import pandas as pd
import pytest
from assetrec import registry
from assetrec.interactions import Interactions
from assetrec.models import AlternatingLeastSquares, CooccurrenceRecommender
from assetrec.settings import Settings
from assetrec.tables import (
    DeployInputs,
    choose_model,
    fitted_model,
    model_evaluation,
    recommendations,
    similar_pages,
)
from assetrec.tables.evaluation import COLUMNS, chosen_params
from assetrec.tables.schemas import OUTPUT_SCHEMAS, duckdb_projection
from conftest import random_interactions
from test_cooccurrence import reference_cooccurrence
from test_model_cooccurrence import MEASURES


def rel(frame: pd.DataFrame) -> duckdb.DuckDBPyRelation:
    return duckdb.from_df(frame)


def test_interaction_matrix_sums_by_sorted_ids():
    df = pd.DataFrame(
        {
            "cookie": ["002", "001", "002", "001"],
            "page_url": ["b", "a", "a", "a"],
            "event_strength": [2.0, 1.0, 3.0, 0.5],
        }
    )
    data = Interactions.from_relation(rel(df))
    assert data.cookies.tolist() == ["001", "002"]
    assert data.pages.tolist() == ["a", "b"]
    np.testing.assert_array_equal(data.matrix.toarray(), [[1.5, 0.0], [3.0, 2.0]])
    # Sorted by code point, as Python sorts text (DuckDB's default collation is binary).
    odd = pd.DataFrame({"cookie": ["b", "B", "é", "a"], "page_url": "p", "event_strength": 1.0})
    assert Interactions.from_relation(rel(odd)).cookies.tolist() == sorted(odd["cookie"])


def run_inputs():
    """model_run's inputs: int_data_fingerprint's one row, a small evaluation and the build."""
    from assetrec.settings import Build
    from assetrec.tables.evaluation import SELECTION

    fingerprint = pd.DataFrame({"data_fingerprint": ["0123456789abcdef"], "interactions": [42]})
    evaluation = pd.DataFrame(
        {
            "run_id": "r1",
            "model": ["most_popular", "ease"],
            "split": SELECTION["split"],
            "metric": "ndcg",
            "k": 10,
            "value": [0.2, 0.3],
            "users": 5,
            "params": [json.dumps({}), json.dumps({"l2": 5.0})],
            "validation_ndcg": [0.1, 0.4],
        }
    )
    return fingerprint, evaluation, Build("r1", pd.Timestamp("2026-01-02 03:04:05"), Settings())


def test_model_run_takes_the_fingerprint_of_sql():
    """model_runs' data_fingerprint and interactions are int_data_fingerprint's (SQL), in model_runs' types."""
    from assetrec.tables import model_run

    fingerprint, evaluation, build = run_inputs()
    row = model_run(rel(fingerprint), rel(evaluation), build)
    typed = duckdb.from_df(row).project(duckdb_projection("model_runs"))
    assert typed.columns == list(OUTPUT_SCHEMAS["model_runs"])
    assert typed.fetchall()[0][3:6] == ("0123456789abcdef", 42, "ease")
    with pytest.raises(ValueError, match="2 rows"):
        model_run(rel(pd.concat([fingerprint, fingerprint])), rel(evaluation), build)


def test_als_model_is_plain_alternating_least_squares():
    # With the vars' settings, ALS learns from the strengths as they are (the identity transform).
    for name in ("als", "als_prototype"):
        model = registry.build(name, Settings())
        assert type(model.model) is AlternatingLeastSquares and model.transform == "strength"


@pytest.mark.parametrize(("min_cooccurrence", "max_pages_per_cookie"), [(1, None), (2, 3)])
@pytest.mark.parametrize("measure", MEASURES)
def test_evaluated_cooccurrence_model_is_the_deployed_one(measure, min_cooccurrence, max_pages_per_cookie):
    """model_evaluation's co-occurrence model (fitted in Python) and the one recommendations deploys (built
    from page_cooccurrence, here test_cooccurrence's reference of that table) have the same similarity,
    with the default vars and with a threshold and a cap."""
    df = random_interactions(seed=1)
    data = Interactions.from_frame(df)
    settings = Settings(
        cooccurrence_measure=measure,
        min_cooccurrence=min_cooccurrence,
        max_pages_per_cookie=max_pages_per_cookie,
    )
    evaluated = registry.build("cooccurrence", settings).fit(data.matrix)
    pairs = reference_cooccurrence(df, min_cooccurrence, max_pages_per_cookie)
    deployed = fitted_model(
        "cooccurrence", registry.defaults("cooccurrence", settings), data, None, rel(pairs), settings
    )
    assert isinstance(evaluated, CooccurrenceRecommender)
    np.testing.assert_allclose(
        evaluated.similarity_.toarray(), deployed.similarity_.toarray(), rtol=0, atol=1e-9
    )
    if max_pages_per_cookie is not None:
        # The vars change the similarity here (cookies with more than 3 pages, ties in strength), so
        # ignoring either of them would fail the comparison above.
        for other in (reference_cooccurrence(df, 1, max_pages_per_cookie), reference_cooccurrence(df, 2)):
            assert len(other) > len(pairs)
        assert (df.groupby("cookie")["event_strength"].size() > max_pages_per_cookie).any()


def test_model_evaluation_runs_with_the_other_cooccurrence_measures():
    """These used to crash the Python co-occurrence model (every measure is fitted in the test above)."""
    df = random_interactions(n_cookies=80, seed=2)
    pages = pd.DataFrame({"page_url": sorted(set(df["page_url"])), "business_units": [["a"]] * 12})
    for measure in ("npmi", "weighted_cosine"):
        settings = Settings(
            cooccurrence_measure=measure, als_factors=3, als_iterations=1, tuning_budget_seconds=0
        )
        result = model_evaluation(rel(df), rel(pages), settings, run_id="r")
        # Without a budget every single model is scored with the vars' settings, and the blend is not tried.
        assert set(result["model"]) == {m.name for m in registry.MODELS if m.kind != "blend"}
        assert result["value"].notna().all()


def _evaluation(validation: dict[str, float], settings=None) -> pd.DataFrame:
    """model_evaluation rows whose test values rank the models the other way round from `validation`."""
    settings = settings or Settings()
    rows = []
    for m, v in validation.items():
        params = json.dumps(registry.defaults(m, settings), sort_keys=True)
        rows += [
            ("r", m, split, "ndcg", 10, 1.0 - v, 5, params, v) for split in ("leave_one_out", "random_80_20")
        ]
    return pd.DataFrame(rows, columns=COLUMNS)


def test_choose_model_by_validation_ndcg_never_by_the_test_part():
    evaluation = _evaluation({"most_popular": 0.2, "ease": 0.4, "als": 0.3})
    assert choose_model(evaluation, Settings()) == "ease"  # the test values would pick most_popular
    assert choose_model(evaluation, Settings(recommender="als")) == "als"
    # A tie goes to the earlier model of the registry.
    tie = _evaluation({"ease": 0.4, "cooccurrence": 0.4})
    assert choose_model(tie, Settings()) == min(["ease", "cooccurrence"], key=registry.names().index)
    assert chosen_params(evaluation, "ease") == registry.defaults("ease", Settings())


def test_similar_pages_is_cosine_without_the_page_itself():
    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(6, 3))
    factors = pd.DataFrame({"entity": "page", "id": [f"p{i}" for i in range(6)], "factors": list(vectors)})
    out = similar_pages(rel(factors), top_k=3)
    unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    cosine = unit @ unit.T
    for i in range(6):
        rows = out[out["page_url"] == f"p{i}"].sort_values("rank")
        others = [j for j in np.argsort(-cosine[i], kind="stable") if j != i][:3]
        assert rows["similar_page_url"].tolist() == [f"p{j}" for j in others]
        np.testing.assert_allclose(rows["score"], cosine[i, others], atol=1e-6)


def _toy_warehouse():
    """Two groups of pages; cookies stay in their group; page x5 is unmapped."""
    pairs = [("c1", "a1"), ("c1", "a2"), ("c2", "a1"), ("c2", "a3"), ("c3", "a2"), ("c3", "a3"), ("c3", "x5")]
    pairs += [("c4", "b1"), ("c4", "b2"), ("c5", "b1"), ("c5", "b3"), ("c6", "b2")]
    interactions = pd.DataFrame(pairs, columns=["cookie", "page_url"]).assign(event_strength=1.0)
    units = {"a1": ["a"], "a2": ["a"], "a3": ["a"], "b1": ["b"], "b2": ["b"], "b3": ["b"], "x5": []}
    pages = pd.DataFrame({"page_url": list(units), "business_units": list(units.values())})
    return interactions, pages


@pytest.mark.parametrize("model", ["most_popular", "cooccurrence", "ease", "als"])
@pytest.mark.parametrize("candidate_pages", ["all", "mapped"])
def test_recommendations_exclude_submitted_and_respect_candidates(model, candidate_pages):
    interactions, pages = _toy_warehouse()
    settings = Settings(recommender=model, top_k=3, candidate_pages=candidate_pages, als_factors=4)
    data = Interactions.from_frame(interactions)
    factors = pd.concat(
        [
            pd.DataFrame({"entity": "cookie", "id": data.cookies, "factors": list(np.ones((6, 4)))}),
            pd.DataFrame({"entity": "page", "id": data.pages, "factors": list(np.eye(7, 4))}),
        ]
    )
    # Co-occurrence from the SQL table's shape: ordered pairs of pages that share a cookie.
    binary = (data.matrix > 0).astype(float)
    co = (binary.T @ binary).toarray()
    a, b = np.nonzero(co)
    keep = a != b
    cooccurrence = pd.DataFrame(
        {"page_a": data.pages[a[keep]], "page_b": data.pages[b[keep]], "jaccard": co[a[keep], b[keep]]}
    )
    inputs = DeployInputs(
        rel(interactions),
        rel(pages),
        rel(_evaluation({model: 0.5}, settings)),
        rel(factors),
        rel(cooccurrence),
    )
    out = recommendations(inputs, settings)
    submitted = set(map(tuple, interactions[["cookie", "page_url"]].to_numpy()))
    assert not submitted & set(zip(out["cookie"], out["page_url"], strict=True))
    assert set(out["model"]) == {model}
    allowed = set(pages["page_url"]) if candidate_pages == "all" else {"a1", "a2", "a3", "b1", "b2", "b3"}
    assert set(out["page_url"]) <= allowed
    for cookie, rows in out.groupby("cookie"):
        seen = {p for c, p in submitted if c == cookie}
        assert rows["rank"].tolist() == list(range(1, len(rows) + 1))
        assert len(rows) == min(3, len(allowed - seen))
        assert (np.diff(rows["score"].to_numpy()) <= 0).all()


def test_evaluation_on_a_sample_of_cookies_is_bounded_and_deterministic():
    df = random_interactions(n_cookies=300, n_pages=20, density=0.25, seed=5, strength_step=0.1)
    pages = pd.DataFrame({"page_url": sorted(set(df["page_url"])), "business_units": [["a"]] * 20})
    settings = Settings(eval_max_cookies=120, als_factors=4, als_iterations=2, tuning_budget_seconds=0)
    result = model_evaluation(rel(df), rel(pages), settings, run_id="r")
    assert result["users"].max() <= 120
    pd.testing.assert_frame_equal(result, model_evaluation(rel(df), rel(pages), settings, run_id="r"))
    everyone = model_evaluation(
        rel(df), rel(pages), dataclasses.replace(settings, eval_max_cookies=0), run_id="r"
    )
    assert everyone["users"].max() > 120


@pytest.mark.parametrize("table", sorted(OUTPUT_SCHEMAS))
def test_duckdb_projection_gives_every_declared_type_even_to_empty_or_null_columns(table):
    duckdb_names = {
        "string": "VARCHAR",
        "bigint": "BIGINT",
        "double": "DOUBLE",
        "array<string>": "VARCHAR[]",
        "timestamp": "TIMESTAMP",
    }
    schema = OUTPUT_SCHEMAS[table]
    con = duckdb.connect()
    for frame in (
        pd.DataFrame({column: pd.Series([], dtype=object) for column in reversed(schema)}),
        pd.DataFrame({column: [None, None] for column in reversed(schema)}),
    ):
        out = con.from_df(frame).project(duckdb_projection(table))
        assert out.columns == list(schema)
        assert [str(kind) for kind in out.types] == [duckdb_names[kind] for kind in schema.values()]
