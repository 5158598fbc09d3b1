"""The functions behind the dbt Python models, checked on small hand-made data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import yaml
from assetrec.pipeline import (
    MODELS,
    Interactions,
    Settings,
    choose_model,
    data_fingerprint,
    recommendations,
    similar_pages,
)
from conftest import REPO


def test_settings_defaults_match_dbt_project_vars():
    """One set of defaults: the Python ones must equal dbt_project.yml's vars."""
    project_vars = yaml.safe_load((REPO / "dbt_project.yml").read_text())["vars"]
    for name, default in vars(Settings()).items():
        assert project_vars[name] == default, name


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
