"""The co-occurrence models (models/similarity/), built by dbt, against an independent numpy/scipy computation.

The reference reads the models' input, fct_page_interactions, from the built warehouse (that table is
checked against the raw files in test_warehouse.py) and recomputes every pair with sparse matrix products:
C = B.T @ B on the 0/1 cookie x page matrix and D = E.T @ E on the event_strength matrix. Counts must match
exactly, ratios within 1e-9.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from assetrec.settings import Settings
from conftest import query, run_dbt

pytestmark = pytest.mark.dbt

# The co-occurrence models and business_unit_similarity (models/reporting/), which averages their similar pages.
SIMILARITY_MODELS = "path:models/similarity business_unit_similarity"
BUILD = [
    "build",
    "--select",
    "+path:models/similarity +business_unit_similarity",
    "--indirect-selection",
    "buildable",
]
MEASURES = ["jaccard", "cosine", "inclusion", "lift", "pmi", "npmi", "weighted_cosine"]
COUNTS = ["co_cookies", "cookies_a", "cookies_b", "total_cookies"]
TOLERANCE = 1e-9


def reference_cooccurrence(
    interactions: pd.DataFrame, min_cooccurrence: int = 1, max_pages_per_cookie: int | None = None
) -> pd.DataFrame:
    """Every ordered pair of distinct pages with at least min_cooccurrence shared cookies, with all measures."""
    pages, page_idx = np.unique(interactions["page_url"].to_numpy(dtype=str), return_inverse=True)
    _, cookie_idx = np.unique(interactions["cookie"].to_numpy(dtype=str), return_inverse=True)
    strength = interactions["event_strength"].to_numpy(dtype=np.float64)
    n_cookies = int(cookie_idx.max()) + 1
    shape = (n_cookies, len(pages))
    # Page totals: every cookie, never capped.
    cookies_per_page = np.bincount(page_idx, minlength=len(pages)).astype(np.int64)
    norm = np.sqrt(np.bincount(page_idx, weights=strength**2, minlength=len(pages)))
    keep = np.ones(len(interactions), dtype=bool)
    if max_pages_per_cookie is not None:
        # Per cookie: strongest first, ties by page_url (page_idx follows page_url order).
        order = np.lexsort((page_idx, -strength, cookie_idx))
        sorted_cookie = cookie_idx[order]
        start = np.searchsorted(sorted_cookie, sorted_cookie, side="left")
        position = np.arange(len(order)) - start
        keep = np.zeros(len(interactions), dtype=bool)
        keep[order[position < max_pages_per_cookie]] = True
    binary = sp.csr_matrix((np.ones(keep.sum()), (cookie_idx[keep], page_idx[keep])), shape=shape)
    weighted = sp.csr_matrix((strength[keep], (cookie_idx[keep], page_idx[keep])), shape=shape)
    co = (binary.T @ binary).tocoo()
    dot = (weighted.T @ weighted).tocsr()
    off_diagonal = (co.row != co.col) & (co.data >= min_cooccurrence)
    a_idx, b_idx, c = co.row[off_diagonal], co.col[off_diagonal], co.data[off_diagonal]
    a, b, n = cookies_per_page[a_idx].astype(float), cookies_per_page[b_idx].astype(float), float(n_cookies)
    lift = c * n / (a * b)
    pmi = np.log2(lift)
    with np.errstate(divide="ignore", invalid="ignore"):
        npmi = np.where((c == a) & (c == b), 1.0, pmi / -np.log2(c / n))
    return pd.DataFrame(
        {
            "page_a": pages[a_idx],
            "page_b": pages[b_idx],
            "co_cookies": c.astype(np.int64),
            "cookies_a": a.astype(np.int64),
            "cookies_b": b.astype(np.int64),
            "total_cookies": n_cookies,
            "jaccard": c / (a + b - c),
            "cosine": c / np.sqrt(a * b),
            "inclusion": c / np.minimum(a, b),
            "lift": lift,
            "pmi": pmi,
            "npmi": npmi,
            "weighted_cosine": np.asarray(dot[a_idx, b_idx]).ravel() / (norm[a_idx] * norm[b_idx]),
        }
    )


def reference_similar_pages(pairs: pd.DataFrame, measure: str, top_k: int) -> pd.DataFrame:
    ranked = pairs[["page_a", "page_b", measure]].rename(
        columns={"page_a": "page_url", "page_b": "similar_page_url", measure: "score"}
    )
    ranked = ranked.sort_values(["page_url", "score", "similar_page_url"], ascending=[True, False, True])
    ranked["rank"] = ranked.groupby("page_url").cumcount() + 1
    return ranked[ranked["rank"] <= top_k].reset_index(drop=True)


def reference_business_unit_similarity(
    db_path: Path, similar: pd.DataFrame, top_k: int, floor: float
) -> pd.DataFrame:
    pages = query(db_path, "select page_url, gated_asset_type from dim_pages")
    units = query(db_path, "select page_url, business_unit from bridge_page_business_units")
    scores = similar.groupby("page_url")["score"].agg(["sum", "count"])
    scores = scores.reindex(pages["page_url"], fill_value=0)
    # The prototype's dense top-K mean: missing neighbours count at the "never together" value.
    avg = (scores["sum"] + (top_k - scores["count"]) * floor) / top_k
    page_scores = pages.assign(avg_score=avg.to_numpy(), has_similar=(scores["count"] > 0).to_numpy())
    by_unit = page_scores.merge(units, on="page_url", how="left").fillna({"business_unit": "unmapped"})
    frames = []
    for grouping, frame, column in [
        ("business_unit", by_unit, "business_unit"),
        ("gated_asset_type", page_scores, "gated_asset_type"),
    ]:
        agg = frame.groupby(column).agg(
            pages=("page_url", "size"),
            pages_with_similar_pages=("has_similar", "sum"),
            mean_avg_similarity=("avg_score", "mean"),
        )
        frames.append(agg.rename_axis("group_value").reset_index().assign(grouping=grouping))
    return pd.concat(frames, ignore_index=True)


def assert_frames_match(
    actual: pd.DataFrame, expected: pd.DataFrame, keys: list[str], exact: list[str], close: list[str]
):
    assert len(actual) == len(expected), f"{len(actual)} rows, expected {len(expected)}"
    merged = actual.merge(expected, on=keys, how="outer", suffixes=("", "_expected"), indicator=True)
    unmatched = merged[merged["_merge"] != "both"]
    assert unmatched.empty, f"{len(unmatched)} keys in only one side:\n{unmatched[keys + ['_merge']].head()}"
    for column in exact:
        np.testing.assert_array_equal(
            merged[column].to_numpy(), merged[f"{column}_expected"].to_numpy(), err_msg=column
        )
    for column in close:
        np.testing.assert_allclose(
            merged[column].to_numpy(dtype=float),
            merged[f"{column}_expected"].to_numpy(dtype=float),
            rtol=0,
            atol=TOLERANCE,
            err_msg=column,
        )


def check_build(
    db_path: Path,
    min_cooccurrence=1,
    max_pages_per_cookie=Settings.max_pages_per_cookie,
    measure="jaccard",
    top_k=10,
):
    interactions = query(db_path, "select cookie, page_url, event_strength from fct_page_interactions")
    expected = reference_cooccurrence(interactions, min_cooccurrence, max_pages_per_cookie)
    actual = query(db_path, "select * from page_cooccurrence")
    assert list(actual.columns) == ["page_a", "page_b", *COUNTS, *MEASURES]
    assert len(expected) > 0
    assert_frames_match(actual, expected, ["page_a", "page_b"], COUNTS, MEASURES)

    similar = query(db_path, "select * from similar_pages_cooccurrence")
    assert set(similar["measure"]) == {measure}
    expected_similar = reference_similar_pages(expected, measure, top_k)
    assert_frames_match(similar, expected_similar, ["page_url", "similar_page_url"], ["rank"], ["score"])

    floor = {"npmi": -1.0}.get(measure, 0.0)
    assert measure != "pmi", "the reference pads missing neighbours, which pmi does not"
    units = query(db_path, "select * from business_unit_similarity")
    assert set(units["model"]) == {"cooccurrence", "als"}
    # The co-occurrence rows here; the ALS rows are checked in test_recommendations.py.
    units = units[units["model"] == "cooccurrence"]
    assert set(units["measure"]) == {measure}
    expected_units = reference_business_unit_similarity(db_path, similar, top_k, floor)
    assert_frames_match(
        units,
        expected_units,
        ["grouping", "group_value"],
        ["pages", "pages_with_similar_pages"],
        ["mean_avg_similarity"],
    )
    return actual


@pytest.fixture(scope="module")
def sample_db(tmp_path_factory) -> Path:
    work = tmp_path_factory.mktemp("cooc_sample")
    run_dbt(BUILD, work / "warehouse.duckdb", work / "target")
    return work / "warehouse.duckdb"


@pytest.fixture(scope="module")
def real_db(tmp_path_factory, shared_data) -> tuple[Path, dict]:
    work = tmp_path_factory.mktemp("cooc_real")
    data_vars = {
        "submissions_path": str(shared_data / "submissions.csv"),
        "bu_mapping_path": str(shared_data / "bu_mapping.csv"),
    }
    run_dbt(BUILD, work / "warehouse.duckdb", work / "target", vars=data_vars)
    return work / "warehouse.duckdb", data_vars


def test_sample_matches_reference(sample_db):
    check_build(sample_db)


def test_real_export_matches_reference(real_db):
    db_path, _ = real_db
    pairs = check_build(db_path)
    # Both orientations: every (a, b) has its (b, a) with the same measures.
    swapped = pairs.rename(
        columns={"page_a": "page_b", "page_b": "page_a", "cookies_a": "cookies_b", "cookies_b": "cookies_a"}
    )
    assert_frames_match(pairs, swapped, ["page_a", "page_b"], COUNTS, MEASURES)


def test_real_export_with_cap_threshold_and_other_measure(real_db, tmp_path):
    """max_pages_per_cookie and min_cooccurrence change the pairs as documented; npmi pads with -1."""
    db_path, data_vars = real_db
    variant = tmp_path / "variant.duckdb"
    shutil.copy(db_path, variant)
    settings = {"max_pages_per_cookie": 5, "min_cooccurrence": 2, "cooccurrence_measure": "npmi", "top_k": 3}
    # The real export has cookies with far more than 5 pages, so the cap really drops pairs.
    assert (
        query(
            variant,
            "select max(c) as m from (select count(*) as c from fct_page_interactions group by cookie)",
        )["m"].iloc[0]
        > 5
    )
    # Unit tests pin their own vars and already ran in the other builds.
    variant_build = [
        "build",
        "--select",
        SIMILARITY_MODELS,
        "--indirect-selection",
        "buildable",
        "--exclude",
        "test_type:unit",
    ]
    run_dbt(variant_build, variant, tmp_path / "target", vars={**data_vars, **settings})
    capped = check_build(variant, 2, 5, "npmi", 3)
    uncapped = query(db_path, "select page_a, page_b, co_cookies, cookies_a from page_cooccurrence")
    merged = capped.merge(uncapped, on=["page_a", "page_b"], suffixes=("", "_uncapped"))
    assert len(merged) == len(capped), "the cap can only remove pairs"
    assert (merged["co_cookies"] <= merged["co_cookies_uncapped"]).all()
    assert (merged["co_cookies"] < merged["co_cookies_uncapped"]).any()
    assert (merged["cookies_a"] == merged["cookies_a_uncapped"]).all(), "page totals count every cookie"


@pytest.mark.parametrize(
    ("bad_vars", "message"),
    [
        (
            {"cooccurrence_measure": "cosinus"},
            "allowed values: jaccard, cosine, inclusion, lift, pmi, npmi, weighted_cosine, co_cookies",
        ),
        (
            {"max_pages_per_cookie": 1},
            "var('max_pages_per_cookie') must be a whole number >= 2 or null, got 1",
        ),
    ],
)
def test_bad_vars_stop_compilation(bad_vars, message, tmp_path):
    result = run_dbt(
        ["compile", "--select", SIMILARITY_MODELS],
        tmp_path / "w.duckdb",
        tmp_path / "target",
        bad_vars,
        check=False,
    )
    assert result.returncode != 0
    assert message in result.stdout


def top_k_problems(db_path: Path, tamper: str) -> list[str]:
    """The problems the data test `assert_page_cooccurrence_similar_pages_are_top_k`, as compiled by the
    build, finds in a copy of the warehouse after the SQL `tamper` changes similar_pages_cooccurrence."""
    sql = next(
        (db_path.parent / "target" / "compiled").rglob("assert_page_cooccurrence_similar_pages_are_top_k.sql")
    )
    copy = db_path.parent / "tampered" / db_path.name  # same file name: the compiled SQL names the catalog
    copy.parent.mkdir(exist_ok=True)
    shutil.copy(db_path, copy)
    with duckdb.connect(str(copy)) as con:
        if tamper:
            con.execute(tamper)
        return [problem for (problem,) in con.execute(f"select problem from ({sql.read_text()})").fetchall()]


# A page with more partners than it can list.
FULL_PAGE = """(select page_a from page_cooccurrence where jaccard is not null
                 group by page_a having count(*) > {k} order by page_a limit 1)"""


@pytest.mark.parametrize(
    ("tamper", "problem"),
    [
        ("", None),
        # Ranks 1 and 2 swapped: rank 2 now beats rank 1.
        (
            "update similar_pages_cooccurrence set rank = 3 - rank where rank <= 2 and page_url = {page}",
            "rank 2 beats or lacks the previous rank",
        ),
        ("delete from similar_pages_cooccurrence where rank = {k} and page_url = {page}", "lists 9 rows for"),
        # The last listed partner replaced by the page's worst one: the dropped partner now beats it.
        (
            """update similar_pages_cooccurrence as s set similar_page_url = w.page_b, score = w.jaccard
               from (select page_b, jaccard from page_cooccurrence where page_a = {page}
                     order by jaccard, page_b desc limit 1) as w
               where s.rank = {k} and s.page_url = {page}""",
            "unlisted partner",
        ),
    ],
)
def test_the_top_k_data_test_finds_each_kind_of_wrong_list(sample_db, tamper, problem):
    k = Settings().top_k
    assert k == 10 and Settings().cooccurrence_measure == "jaccard"  # the tampers below assume them
    page = FULL_PAGE.format(k=k)
    problems = top_k_problems(sample_db, tamper.format(page=page, k=k))
    if problem is None:
        assert problems == []
    else:
        assert problems and all(p.startswith(problem) for p in problems), problems
