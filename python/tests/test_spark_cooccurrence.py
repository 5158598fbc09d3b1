"""The co-occurrence model's recommendations in Spark SQL (assetrec.spark.cooccurrence) equal the DuckDB target's
(`fitted_model('cooccurrence', ...)` + `recommendation_rows`) row for row, in an in-process SparkSession.

Marked `spark` (and `dbt`, as test_spark_target.py): it skips, saying so, without pyspark or Java.
"""

from __future__ import annotations

import importlib.util
import math
import shutil

import duckdb
import numpy as np
import pandas as pd
import pytest
from assetrec.interactions import Interactions
from assetrec.models.cooccurrence import cooccurrence_similarity
from assetrec.settings import Settings
from assetrec.tables.pages import candidate_items, page_units
from assetrec.tables.recommendations import fitted_model, recommendation_rows
from assetrec.tables.schemas import OUTPUT_SCHEMAS
from conftest import random_user_items

pytestmark = [pytest.mark.dbt, pytest.mark.spark]

N_PAGES = 14
TOP_K = 5
PAGES = np.array([f"https://example.com/p{i:02d}" for i in range(N_PAGES)], dtype=object)


def _spark_missing() -> str | None:
    if importlib.util.find_spec("pyspark") is None:
        return "pyspark is not installed"
    if shutil.which("java") is None:
        return "Java (17) is not on the PATH"
    return None


@pytest.fixture(scope="module")
def spark(tmp_path_factory):
    """A SparkSession in this process (local[2])."""
    missing = _spark_missing()
    if missing:
        pytest.skip(f"Spark not set up ({missing}): run `make setup-spark`")
    from pyspark.sql import SparkSession

    session = (
        SparkSession.builder.master("local[2]")
        .appName("assetrec-cooccurrence-tests")
        .config("spark.sql.warehouse.dir", str(tmp_path_factory.mktemp("spark") / "warehouse"))
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.ui.enabled", "false")
        .getOrCreate()
    )
    yield session
    session.stop()


def _interactions(seed: int) -> pd.DataFrame:
    """Random cookies (strengths 1-3: many ties) over pages 0-11, and the edge cases: a cookie whose only page
    (12) co-occurs with one other page, one whose page (13) co-occurs with none, a zero strength on a cookie
    with other pages (page 3: neither seen nor scoring) and a cookie whose only row has strength 0."""
    matrix = random_user_items(n_users=30, n_items=12, density=0.25, seed=seed, max_strength=3).tocoo()
    rows = [
        (f"{r:038d}", PAGES[c], float(v)) for r, c, v in zip(matrix.row, matrix.col, matrix.data, strict=True)
    ]
    rows += [
        ("a" * 38, PAGES[12], 2.0),
        ("b" * 38, PAGES[12], 1.0),
        ("b" * 38, PAGES[0], 3.0),
        ("c" * 38, PAGES[13], 1.0),
        (f"{0:038d}", PAGES[3], 0.0),
        ("d" * 38, PAGES[5], 0.0),
    ]
    frame = pd.DataFrame(rows, columns=["cookie", "page_url", "event_strength"])
    return frame.drop_duplicates(["cookie", "page_url"])


def _pairs(data: Interactions) -> pd.DataFrame:
    """page_cooccurrence's shape in long form: both orientations of each pair of distinct pages, every measure
    (explicit zeros of a measure kept, as the warehouse keeps them)."""
    columns = {}
    keys = None
    for measure in ("jaccard", "cosine", "pmi", "npmi", "co_cookies"):
        coo = cooccurrence_similarity(data.matrix, measure).tocoo()
        frame = pd.Series(coo.data, index=pd.MultiIndex.from_arrays([coo.row, coo.col]))
        keys = frame.index if keys is None else keys
        columns[measure] = frame.reindex(keys).to_numpy()
    pairs = pd.DataFrame(columns)
    pairs.insert(0, "page_b", data.pages[keys.get_level_values(1)])
    pairs.insert(0, "page_a", data.pages[keys.get_level_values(0)])
    return pairs


def _catalogue() -> pd.DataFrame:
    """dim_pages: every third page unmapped, one page in two units."""
    units = [[] if i % 3 == 0 else [f"BU{i % 2}"] for i in range(N_PAGES)]
    units[4] = ["BU0", "BU1"]
    return pd.DataFrame({"page_url": PAGES, "business_units": units})


CASES = [
    ("jaccard", None, "all"),
    ("jaccard", 2, "mapped"),
    ("co_cookies", 3, "all"),
    ("pmi", None, "mapped"),
    ("pmi", 3, "all"),
    ("npmi", 2, "all"),
    ("cosine", None, "all"),
]


@pytest.mark.parametrize("seed", [1, 2])
@pytest.mark.parametrize(("measure", "neighbours", "candidate_pages"), CASES)
def test_spark_sql_cooccurrence_equals_duckdb(spark, seed, measure, neighbours, candidate_pages):
    from assetrec.spark.cooccurrence import cooccurrence_recommendations

    frame = _interactions(seed)
    data = Interactions.from_frame(frame)
    assert np.array_equal(data.pages, PAGES)
    pairs = _pairs(data)
    pages = _catalogue()
    settings = Settings(
        recommender="cooccurrence",
        cooccurrence_neighbours=neighbours,
        candidate_pages=candidate_pages,
        top_k=TOP_K,
    )
    items = candidate_items(data, pages, candidate_pages)
    units = page_units(data, pages)

    model = fitted_model(
        "cooccurrence", {"similarity": measure}, data, None, duckdb.connect().from_df(pairs), settings
    )
    expected = recommendation_rows("cooccurrence", model, data, items, units, TOP_K)

    got = cooccurrence_recommendations(
        spark.createDataFrame(frame),
        spark.createDataFrame(pairs),
        data.pages,
        items,
        units,
        measure,
        neighbours,
        TOP_K,
    )
    schema = OUTPUT_SCHEMAS["recommendations"]
    assert [(f.name, f.dataType.simpleString()) for f in got.schema.fields] == list(schema.items())
    got = got.toPandas().sort_values(["cookie", "rank"], ignore_index=True)
    expected = expected.sort_values(["cookie", "rank"], ignore_index=True)

    # The edge cases are there: cookies short of top_k pages scoring above 0, zero fills, no explanation.
    assert (expected["score"] == 0).any() and expected["because_page_url"].isna().any()
    assert set(expected["cookie"]) == set(frame["cookie"])

    assert got["cookie"].tolist() == expected["cookie"].tolist()
    assert got["rank"].tolist() == expected["rank"].tolist()
    assert got["page_url"].tolist() == expected["page_url"].tolist()
    np.testing.assert_allclose(got["score"], expected["score"], rtol=1e-9, atol=0)
    assert [list(u) for u in got["business_units"]] == [list(u) for u in expected["business_units"]]
    assert (got["model"] == "cooccurrence").all()
    assert [_none(v) for v in got["because_page_url"]] == [_none(v) for v in expected["because_page_url"]]
    got_share = got["because_share"].to_numpy(dtype=float)
    expected_share = expected["because_share"].to_numpy(dtype=float)
    np.testing.assert_array_equal(np.isnan(got_share), np.isnan(expected_share))
    np.testing.assert_allclose(got_share, expected_share, rtol=1e-9, atol=0)


def _none(value):
    return (
        None if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)) else value
    )


def test_spark_recommendations_score_cooccurrence_in_spark_sql(spark, monkeypatch):
    """assetrec.spark.tables.recommendations with co-occurrence chosen from model_evaluation gives the Spark SQL
    rows, never fitting or broadcasting the model (scoring.deployed_model / score_cookies)."""
    import json

    from assetrec.spark import scoring, tables
    from assetrec.tables.evaluation import SELECTION
    from assetrec.tables.recommendations import DeployInputs

    def broadcast(*args, **kwargs):
        raise AssertionError("the co-occurrence model was fitted for the broadcast scoring")

    monkeypatch.setattr(scoring, "deployed_model", broadcast)
    monkeypatch.setattr(scoring, "score_cookies", broadcast)
    frame = _interactions(3)
    data = Interactions.from_frame(frame)
    pairs = _pairs(data)
    evaluation = pd.DataFrame(
        {
            "model": ["most_popular", "cooccurrence"],
            "split": [SELECTION["split"]] * 2,
            "params": ["{}", json.dumps({"similarity": "cosine"})],
            "validation_ndcg": [0.1, 0.5],
        }
    )
    inputs = DeployInputs(
        interactions=spark.createDataFrame(frame),
        pages=spark.createDataFrame(_catalogue()),
        evaluation=spark.createDataFrame(evaluation),
        factors=None,
        cooccurrence=spark.createDataFrame(pairs),
    )
    settings = Settings(cooccurrence_neighbours=3, top_k=TOP_K)
    got = (
        tables.recommendations(inputs, settings).toPandas().sort_values(["cookie", "rank"], ignore_index=True)
    )
    model = fitted_model(
        "cooccurrence", {"similarity": "cosine"}, data, None, duckdb.connect().from_df(pairs), settings
    )
    expected = recommendation_rows("cooccurrence", model, data, None, page_units(data, _catalogue()), TOP_K)
    expected = expected.sort_values(["cookie", "rank"], ignore_index=True)
    for column in ("cookie", "rank", "page_url"):
        assert got[column].tolist() == expected[column].tolist()
    np.testing.assert_allclose(got["score"], expected["score"], rtol=1e-9, atol=0)
