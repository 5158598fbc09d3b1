"""The functions behind the dbt Python models, checked on small hand-made data."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
import yaml
from assetrec.als import AlternatingLeastSquares
from assetrec.baselines import CooccurrenceRecommender
from assetrec.pipeline import (
    MODELS,
    Interactions,
    Settings,
    choose_model,
    data_fingerprint,
    fitted_model,
    make_model,
    model_evaluation,
    recommendations,
    similar_pages,
)
from conftest import REPO, random_interactions
from test_baselines import MEASURES
from test_cooccurrence import reference_cooccurrence


def test_settings_defaults_match_dbt_project_vars():
    """One set of defaults: the Python ones must equal dbt_project.yml's vars, and every setting reaches the
    Python models through the x-settings anchor of models/ml/_ml__models.yml."""
    project_vars = yaml.safe_load((REPO / "dbt_project.yml").read_text())["vars"]
    for name, default in vars(Settings()).items():
        assert project_vars[name] == default, name
    assert (Settings().min_cooccurrence, Settings().max_pages_per_cookie) == (1, None)
    anchor = yaml.safe_load((REPO / "models" / "ml" / "_ml__models.yml").read_text())["x-settings"]
    assert anchor == {name: f"{{{{ var('{name}') }}}}" for name in vars(Settings())}


def test_settings_parse_dbt_strings_and_reject_bad_values():
    settings = Settings.from_config(
        {"als_factors": "32", "als_alpha": "2.5", "recommender": "ease", "run_id": "x"}
    )
    assert (settings.als_factors, settings.als_alpha, settings.recommender) == (32, 2.5, "ease")
    assert Settings.from_config({"als_factors": "None"}).als_factors == Settings().als_factors
    with pytest.raises(ValueError, match="als_factors"):
        Settings.from_config({"als_factors": "many"})
    with pytest.raises(ValueError, match="candidate_pages"):
        Settings.from_config({"candidate_pages": "some"})
    with pytest.raises(ValueError, match="recommender"):
        Settings.from_config({"recommender": "magic"})


def test_cooccurrence_vars_parse_like_the_sql_macro():
    """min_cooccurrence and max_pages_per_cookie as the x-settings anchor renders them (null as "None"),
    with macros/cooccurrence_vars.sql's bounds: >= 1, and null or >= 2."""
    settings = Settings.from_config({"min_cooccurrence": "2", "max_pages_per_cookie": "3"})
    assert (settings.min_cooccurrence, settings.max_pages_per_cookie) == (2, 3)
    for null in ("None", "", "null", None):
        assert Settings.from_config({"max_pages_per_cookie": null}).max_pages_per_cookie is None
    for bad, message in [
        ({"min_cooccurrence": "0"}, "var min_cooccurrence must be >= 1, got 0"),
        ({"max_pages_per_cookie": "1"}, r"var max_pages_per_cookie must be null \(no cap\) or >= 2, got 1"),
        ({"max_pages_per_cookie": "2.5"}, "max_pages_per_cookie='2.5' is not a valid int"),
        ({"min_cooccurrence": "some"}, "min_cooccurrence='some' is not a valid int"),
    ]:
        with pytest.raises(ValueError, match=message):
            Settings.from_config(bad)


def test_cooccurrence_measure_is_validated_like_the_dbt_var():
    macro = (REPO / "macros" / "cooccurrence_vars.sql").read_text()
    listed = re.search(r"macro cooccurrence_measures\(\) %}\s*{{ return\(\[(.*?)\]\) }}", macro, re.S)
    assert re.findall(r"'(\w+)'", listed.group(1)) == MEASURES
    for measure in MEASURES:
        assert Settings.from_config({"cooccurrence_measure": measure}).cooccurrence_measure == measure
    with pytest.raises(
        ValueError, match=r"cooccurrence_measure must be one of \('jaccard', .*'co_cookies'\)"
    ):
        Settings.from_config({"cooccurrence_measure": "cosinus"})


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
    evaluated = make_model("cooccurrence", settings).fit(data.matrix)
    pairs = reference_cooccurrence(df, min_cooccurrence, max_pages_per_cookie)
    deployed = fitted_model("cooccurrence", data, None, pairs, settings)
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
        settings = Settings(cooccurrence_measure=measure, als_factors=3, als_iterations=1)
        result = model_evaluation(df, pages, settings, run_id="r")
        assert set(result["model"]) == set(MODELS)
        assert result["value"].notna().all()


def test_als_models_are_plain_alternating_least_squares():
    for name in ("als", "als_prototype"):
        assert type(make_model(name, Settings())) is AlternatingLeastSquares


def test_interaction_matrix_sums_by_sorted_ids():
    df = pd.DataFrame(
        {"cookie": ["002", "001", "002"], "page_url": ["b", "a", "a"], "event_strength": [2.0, 1.0, 3.0]}
    )
    data = Interactions.from_frame(df)
    assert data.cookies.tolist() == ["001", "002"]
    assert data.pages.tolist() == ["a", "b"]
    np.testing.assert_array_equal(data.matrix.toarray(), [[1.0, 0.0], [3.0, 2.0]])


def _evaluation(scores: dict[str, float]) -> pd.DataFrame:
    rows = [("r", m, "leave_one_out", "ndcg", 10, v, 5) for m, v in scores.items()]
    rows += [("r", m, "random_80_20", "ndcg", 10, 1.0 - v, 5) for m, v in scores.items()]
    return pd.DataFrame(rows, columns=["run_id", "model", "split", "metric", "k", "value", "users"])


def test_choose_model_by_leave_one_out_ndcg_at_10():
    evaluation = _evaluation({"most_popular": 0.2, "ease": 0.4, "als": 0.3})
    assert choose_model(evaluation, Settings()) == "ease"
    assert choose_model(evaluation, Settings(recommender="als")) == "als"
    # A tie goes to the earlier model of MODELS.
    tie = _evaluation({"ease": 0.4, "cooccurrence": 0.4})
    assert choose_model(tie, Settings()) == min(["ease", "cooccurrence"], key=MODELS.index)


def test_fingerprint_ignores_row_order_but_not_content():
    df = pd.DataFrame({"cookie": ["1", "2"], "page_url": ["a", "b"], "event_strength": [1.0, 2.0]})
    assert data_fingerprint(df) == data_fingerprint(df.iloc[::-1])
    assert data_fingerprint(df) != data_fingerprint(df.assign(event_strength=[1.0, 2.5]))


def test_similar_pages_is_cosine_without_the_page_itself():
    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(6, 3))
    factors = pd.DataFrame({"entity": "page", "id": [f"p{i}" for i in range(6)], "factors": list(vectors)})
    out = similar_pages(factors, top_k=3)
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
    out = recommendations(interactions, pages, _evaluation({}), factors, cooccurrence, settings)
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
