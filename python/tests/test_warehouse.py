"""The warehouse foundation, built by dbt, checked against an independent pandas computation.

The pandas side re-implements the documented cleaning rules from scratch on the raw files, so a
disagreement means one of the two is wrong.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import REPO, query

pytestmark = pytest.mark.dbt

SAMPLE = {
    "submissions": REPO / "seeds" / "sample" / "sample_submissions.csv",
    "bu_mapping": REPO / "seeds" / "sample" / "sample_bu_mapping.csv",
}
WEIGHTS = REPO / "seeds" / "asset_type_weights.csv"


def _missing(values: pd.Series) -> pd.Series:
    return values.str.strip().isin(["", "None"])


def pandas_reference(submissions_csv: Path, bu_mapping_csv: Path) -> dict[str, pd.DataFrame]:
    """Clean data and aggregates computed with pandas only (valid for well-formed exports)."""
    raw = pd.read_csv(submissions_csv, dtype=str, keep_default_na=False, index_col=0)
    counts = pd.to_numeric(raw["form_submissions"].str.strip(), errors="coerce")
    usable = ~_missing(raw["cookie"]) & ~_missing(raw["page_url"]) & (counts >= 1) & (counts % 1 == 0)
    clean = raw[usable].assign(
        cookie=lambda d: d["cookie"].str.strip(),
        page_url=lambda d: d["page_url"].str.strip(),
        gated_asset_type=lambda d: d["gated_asset_type"].str.strip().replace("", "None"),
        form_submissions=counts[usable].astype("int64"),
    )
    clean = clean.drop_duplicates(["cookie", "page_url"], keep="first")
    weights = pd.read_csv(WEIGHTS, dtype={"gated_asset_type": str}, keep_default_na=False)
    weight_of = dict(zip(weights["gated_asset_type"], weights["weight"], strict=True))
    clean["asset_weight"] = clean["gated_asset_type"].map(weight_of).fillna(1.0)
    clean["event_strength"] = clean["asset_weight"] * clean["form_submissions"]

    mapping = pd.read_csv(bu_mapping_csv, dtype=str, keep_default_na=False, index_col=0)
    mapping = mapping.assign(
        business_unit=mapping["business_unit"].str.strip().str.lower(),
        page_url=mapping["page_url"].str.strip(),
    )
    mapping = mapping[~_missing(mapping["business_unit"]) & ~_missing(mapping["page_url"])]
    bridge = mapping.drop_duplicates(["page_url", "business_unit"])

    units = clean[["cookie", "page_url"]].merge(bridge, on="page_url")
    cookie_units = units.groupby("cookie")["business_unit"].agg(lambda s: sorted(set(s)))
    dim_cookies = clean.groupby("cookie").agg(
        interactions=("page_url", "size"),
        form_submissions=("form_submissions", "sum"),
        event_strength=("event_strength", "sum"),
    )
    dim_cookies["business_units"] = [cookie_units.get(c, []) for c in dim_cookies.index]
    page_units = bridge.groupby("page_url")["business_unit"].agg(lambda s: sorted(set(s)))
    dim_pages = clean.groupby("page_url").agg(
        cookies=("cookie", "nunique"), form_submissions=("form_submissions", "sum")
    )
    dim_pages["business_units"] = [page_units.get(p, []) for p in dim_pages.index]
    return {
        "raw": raw,
        "clean": clean,
        "bridge": bridge,
        "dim_cookies": dim_cookies.reset_index(),
        "dim_pages": dim_pages.reset_index(),
    }


def _as_lists(values: pd.Series) -> list[list[str]]:
    return [list(v) for v in values]


def check_against_reference(db_path: Path, ref: dict[str, pd.DataFrame]) -> None:
    fct = query(db_path, "select * from fct_page_interactions order by cookie, page_url")
    expected = ref["clean"].sort_values(["cookie", "page_url"]).reset_index(drop=True)
    assert len(fct) == len(expected)
    for column in ["cookie", "page_url", "gated_asset_type", "form_submissions"]:
        assert fct[column].tolist() == expected[column].tolist(), column
    np.testing.assert_allclose(fct["event_strength"], expected["event_strength"], rtol=1e-12)

    rejected = query(db_path, "select count(*) as n from rejected_submissions")["n"].iloc[0]
    assert len(ref["raw"]) == len(fct) + rejected

    bridge = query(db_path, "select count(*) as n from bridge_page_business_units")["n"].iloc[0]
    assert bridge == len(ref["bridge"])

    cookies = query(db_path, "select * from dim_cookies order by cookie")
    exp_cookies = ref["dim_cookies"].sort_values("cookie").reset_index(drop=True)
    assert cookies["cookie"].tolist() == exp_cookies["cookie"].tolist()
    assert cookies["interactions"].tolist() == exp_cookies["interactions"].tolist()
    assert cookies["form_submissions"].tolist() == exp_cookies["form_submissions"].tolist()
    np.testing.assert_allclose(cookies["event_strength"], exp_cookies["event_strength"], rtol=1e-12)
    assert _as_lists(cookies["business_units"]) == exp_cookies["business_units"].tolist()

    pages = query(db_path, "select * from dim_pages order by page_url")
    exp_pages = ref["dim_pages"].sort_values("page_url").reset_index(drop=True)
    assert pages["page_url"].tolist() == exp_pages["page_url"].tolist()
    assert pages["cookies"].tolist() == exp_pages["cookies"].tolist()
    assert pages["form_submissions"].tolist() == exp_pages["form_submissions"].tolist()
    assert _as_lists(pages["business_units"]) == exp_pages["business_units"].tolist()

    activity = query(db_path, "select * from asset_type_activity")
    assert activity["interactions"].sum() == len(expected)
    assert activity["form_submissions"].sum() == expected["form_submissions"].sum()


def test_sample_build_matches_pandas(sample_warehouse):
    ref = pandas_reference(SAMPLE["submissions"], SAMPLE["bu_mapping"])
    check_against_reference(sample_warehouse, ref)


def test_sample_has_quarantined_rows(sample_warehouse):
    """The sample carries the real export's quirks, so the quarantine is exercised on every build."""
    reasons = query(
        sample_warehouse, "select reject_reason, count(*) as n from rejected_submissions group by 1"
    )
    assert "missing_cookie" in set(reasons["reject_reason"])


def test_database_goes_where_assetrec_db_points(sample_warehouse):
    assert sample_warehouse.exists()
    assert not (REPO / "warehouse.duckdb.wal").exists()


def test_real_export_build(real_warehouse, shared_data):
    """The real export's known figures (row counts, rejected rows, 38-digit cookies)."""
    summary = query(
        real_warehouse,
        "select count(*) as interactions, count(distinct cookie) as cookies, count(distinct page_url) as pages"
        " from fct_page_interactions",
    ).iloc[0]
    assert (summary["interactions"], summary["cookies"], summary["pages"]) == (3884, 999, 467)

    rejected = query(real_warehouse, "select * from rejected_submissions order by source_row_number")
    assert len(rejected) == 4
    assert set(rejected["reject_reason"]) == {"missing_cookie"}
    assert set(rejected["cookie"]) == {"None"}

    # Cookies stay the exact 38-character text of the file (leading zeros included).
    raw = pd.read_csv(shared_data / "submissions.csv", dtype=str, keep_default_na=False, index_col=0)
    cookies = query(real_warehouse, "select cookie from dim_cookies")["cookie"]
    assert set(cookies) == set(raw["cookie"]) - {"None"}
    assert (cookies.str.len() == 38).all()
    assert cookies.str.startswith("0").any()

    check_against_reference(
        real_warehouse, pandas_reference(shared_data / "submissions.csv", shared_data / "bu_mapping.csv")
    )


def test_rejected_rows_name_their_source(real_warehouse, shared_data):
    rows = query(real_warehouse, "select distinct source_file from rejected_submissions")
    assert rows["source_file"].tolist() == [str(shared_data / "submissions.csv")]
