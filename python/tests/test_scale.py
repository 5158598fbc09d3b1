"""The fast paths added for large exports (issue 7) give the same answers as the simple ones."""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from assetrec.als import AlternatingLeastSquares
from assetrec.baselines import EASE
from assetrec.bench.pipeline import model_stage
from assetrec.evaluate import sample_user_rows
from assetrec.pipeline import (
    Interactions,
    Settings,
    data_fingerprint,
    model_evaluation,
    recommendations,
)
from assetrec.topn import topn_dense
from conftest import random_interactions


def test_relation_gives_the_same_matrix_and_fingerprint_as_a_frame():
    df = random_interactions(n_cookies=60, n_pages=25, density=0.2, strength_step=0.1)
    con = duckdb.connect()
    relation = con.from_df(df.sample(frac=1.0, random_state=1))
    a, b = Interactions.from_frame(df), Interactions.from_relation(relation)
    assert a.cookies.tolist() == b.cookies.tolist() and a.pages.tolist() == b.pages.tolist()
    assert (a.matrix != b.matrix).nnz == 0
    assert data_fingerprint(df) == data_fingerprint(relation) == data_fingerprint(b)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_topn_dense_float32_ranks_like_a_full_sort(dtype):
    rng = np.random.default_rng(3)
    scores = rng.integers(0, 6, size=(40, 300)).astype(dtype)  # many ties
    scores[5] = -np.inf
    scores[6, 10:] = -np.inf
    scores[7] = rng.permutation(300)  # no ties: ranked through the bound, beside rows that fall back
    ids, top = topn_dense(scores, 7)
    for row in range(scores.shape[0]):
        finite = np.flatnonzero(np.isfinite(scores[row]))
        expected = finite[np.lexsort((finite, -scores[row, finite]))][:7]
        got = ids[row][ids[row] >= 0]
        assert got.tolist() == expected.tolist()
        np.testing.assert_array_equal(top[row, : len(got)], scores[row, expected].astype(np.float64))
    with pytest.raises(ValueError, match="NaN"):
        topn_dense(np.array([[1.0, np.nan, 0.0]], dtype=dtype), 1)


def brute_force_top(scores: np.ndarray, seen: np.ndarray, N: int, allowed: np.ndarray):
    """Per row: the allowed, unseen items by (score desc, id asc) with np.lexsort, padded to min(N, items)."""
    width = min(N, scores.shape[1])
    ids = np.full((scores.shape[0], width), -1)
    top = np.full((scores.shape[0], width), -np.inf)
    for row in range(scores.shape[0]):
        candidates = np.flatnonzero(allowed & ~seen[row])
        best = candidates[np.lexsort((candidates, -scores[row, candidates]))][:width]
        ids[row, : len(best)] = best
        top[row, : len(best)] = scores[row, best]
    return ids, top


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_als_recommend_matches_brute_force_ranking(dtype):
    """Small integer factors: exact scores with many ties (and two identical items), so the order within
    ties is checked too; some users have seen nearly every item, so N exceeds what is left."""
    rng = np.random.default_rng(8)
    n_users, n_items = 40, 150
    model = AlternatingLeastSquares(factors=3, dtype=dtype)
    model.user_factors = rng.integers(-2, 3, size=(n_users, 3)).astype(dtype)
    model.item_factors = rng.integers(-2, 3, size=(n_items, 3)).astype(dtype)
    model.item_factors[77] = model.item_factors[12]
    seen = rng.random((n_users, n_items)) < 0.2
    seen[[3, 9]] = rng.random((2, n_items)) < 0.97
    seen[5] = True  # nothing left to recommend
    user_items = sp.csr_matrix(seen * rng.integers(1, 5, size=seen.shape).astype(float))
    scores = model.user_factors.astype(np.float64) @ model.item_factors.astype(np.float64).T
    users = np.r_[rng.permutation(n_users), 9, 3, 9]  # any order, repeats
    subset = np.sort(rng.choice(n_items, size=20, replace=False))
    everything = np.ones(n_items, dtype=bool)
    in_subset = np.isin(np.arange(n_items), subset)
    for N, kwargs, allowed in [
        (5, {}, everything),
        (1, {}, everything),
        (30, {"items": subset}, in_subset),  # N above the 20 items of the subset
        (12, {"filter_items": subset}, ~in_subset),
        (
            25,
            {"items": subset, "filter_items": subset[::3]},
            in_subset & ~np.isin(np.arange(n_items), subset[::3]),
        ),
        (400, {}, everything),  # wider than the catalogue: min(N, n_items) columns
    ]:
        ids, top = model.recommend(users, user_items[users], N=N, **kwargs)
        exp_ids, exp_top = brute_force_top(scores[users], seen[users], N, allowed)
        assert ids.dtype == np.int64 and top.dtype == dtype
        np.testing.assert_array_equal(ids, exp_ids)
        np.testing.assert_array_equal(top, exp_top)
        one_ids, one_top = model.recommend(int(users[0]), user_items[users[0]], N=N, **kwargs)
        np.testing.assert_array_equal(one_ids, exp_ids[0])
        np.testing.assert_array_equal(one_top, exp_top[0])
    assert (ids[users == 5] == -1).all() and (ids[users == 9] == -1).any()
    ids, top = model.recommend(users, None, N=7, filter_already_liked_items=False)
    exp_ids, exp_top = brute_force_top(scores[users], np.zeros_like(seen[users]), 7, everything)
    np.testing.assert_array_equal(ids, exp_ids)
    np.testing.assert_array_equal(top, exp_top)


def test_ease_max_items_models_only_the_most_popular_items():
    matrix = Interactions.from_frame(
        random_interactions(n_cookies=200, n_pages=30, density=0.2, seed=4, strength_step=0.1)
    ).matrix
    users = np.bincount(matrix.indices, minlength=30)
    top = np.sort(np.lexsort((np.arange(30), -users))[:12])
    bounded = EASE(l2=5.0, max_items=12).fit(matrix)
    assert bounded.items_.tolist() == top.tolist()
    reference = EASE(l2=5.0).fit(matrix[:, top])
    np.testing.assert_allclose(bounded.B_, reference.B_)
    rows = np.arange(matrix.shape[0])
    ids, scores = bounded.recommend(rows, matrix, N=5, items=top[::2])
    ref_ids, ref_scores = reference.recommend(rows, matrix[:, top], N=5, items=np.arange(0, 12, 2))
    np.testing.assert_array_equal(ids, np.where(ref_ids >= 0, top[np.maximum(ref_ids, 0)], -1))
    np.testing.assert_allclose(scores, ref_scores)
    assert EASE(max_items=100).fit(matrix).items_ is None  # no bound below the limit


def test_evaluation_sample_is_deterministic_and_bounded():
    rows = sample_user_rows(1000, 100, seed=7)
    assert len(rows) == 100 and np.all(np.diff(rows) > 0)
    assert rows.tolist() == sample_user_rows(1000, 100, seed=7).tolist()
    assert sample_user_rows(50, 100, seed=7).tolist() == list(range(50))

    df = random_interactions(n_cookies=300, n_pages=20, density=0.25, seed=5, strength_step=0.1)
    pages = pd.DataFrame({"page_url": sorted(set(df["page_url"])), "business_units": [["a"]] * 20})
    settings = Settings(eval_max_cookies=120, als_factors=4, als_iterations=2)
    result = model_evaluation(df, pages, settings, run_id="r")
    assert result["users"].max() <= 120
    pd.testing.assert_frame_equal(result, model_evaluation(df, pages, settings, run_id="r"))


@pytest.mark.parametrize("recommender", ["cooccurrence", "als", "ease", "most_popular"])
def test_recommendations_from_relations_equal_those_from_frames(recommender):
    df = random_interactions(n_cookies=40, n_pages=15, density=0.3, seed=6, strength_step=0.1)
    data = Interactions.from_frame(df)
    pages = pd.DataFrame(
        {"page_url": data.pages, "business_units": [["a"] if i % 2 else [] for i in range(15)]}
    )
    rng = np.random.default_rng(0)
    factors = pd.concat(
        [
            pd.DataFrame({"entity": "cookie", "id": data.cookies, "factors": list(rng.random((40, 3)))}),
            pd.DataFrame({"entity": "page", "id": data.pages, "factors": list(rng.random((15, 3)))}),
        ],
        ignore_index=True,
    )
    binary = (data.matrix > 0).astype(float)
    co = (binary.T @ binary).toarray()
    a, b = np.nonzero(co)
    keep = a != b
    cooccurrence = pd.DataFrame(
        {"page_a": data.pages[a[keep]], "page_b": data.pages[b[keep]], "jaccard": co[a[keep], b[keep]] / 7}
    )
    evaluation = pd.DataFrame(columns=["run_id", "model", "split", "metric", "k", "value", "users"])
    settings = Settings(recommender=recommender, top_k=4, als_factors=3)
    con = duckdb.connect()
    from_frames = recommendations(df, pages, evaluation, factors, cooccurrence, settings)
    from_relations = recommendations(
        con.from_df(df),
        con.from_df(pages),
        con.from_df(evaluation),
        con.from_df(factors),
        con.from_df(cooccurrence),
        settings,
    )
    pd.testing.assert_frame_equal(from_relations, from_frames)
    assert len(from_frames) == 40 * 4


def test_benchmark_maps_models_to_stages():
    assert model_stage("stg_clickstream__submissions", "staging/clickstream/x.sql") == "read and clean"
    assert model_stage("asset_type_weights", "asset_type_weights.csv") == "read and clean"
    assert model_stage("fct_page_interactions", "marts/fct_page_interactions.sql") == "aggregates"
    assert model_stage("page_cooccurrence", "similarity/page_cooccurrence.sql") == "co-occurrence"
    assert model_stage("int_als_factors", "ml/int_als_factors.py") == "ALS fit"
    assert model_stage("model_evaluation", "ml/model_evaluation.py") == "evaluation"
    assert model_stage("cookie_hit_rates", "reporting/cookie_hit_rates.sql") == "recommendations"
