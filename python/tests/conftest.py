"""Shared pytest helpers: repo paths, the real export, and running dbt on a temporary database."""

from __future__ import annotations

import math
import os
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from assetrec import dbt_runner

REPO = dbt_runner.REPO
# The real (hashed) export lives outside the repository and is never copied into it; CI sets the variable.
REAL_DATA_VAR = "ASSETREC_REAL_DATA"


def run_dbt(args: list[str], db_path: Path, target_path: Path, vars: dict | None = None, check=True):
    """`dbt_runner.run_dbt`, only from tests marked `dbt` (so that `make test-fast` never starts dbt)."""
    if _current_test is not None and _current_test.get_closest_marker("dbt") is None:
        raise AssertionError(f"{_current_test.nodeid} runs dbt: mark it with @pytest.mark.dbt")
    try:
        return dbt_runner.run_dbt(args, db_path, target_path, vars, check)
    except dbt_runner.DbtFailed as exc:
        raise AssertionError(str(exc)) from None


_current_test = None


def pytest_runtest_setup(item):
    """Remember the running test before its fixtures start (a session fixture may run dbt for it)."""
    global _current_test
    _current_test = item


def pytest_runtest_teardown(item):
    global _current_test
    _current_test = None


def selected_cases(request) -> set:
    """The values of the parameter `case` among the selected tests of the requesting module: a module-scoped
    fixture builds only the cases that will be checked (`pytest -k` selects a few)."""
    return {
        item.callspec.params["case"]
        for item in request.session.items
        if getattr(item, "module", None) is request.module
        and "case" in getattr(getattr(item, "callspec", None), "params", {})
    }


def query(db_path: Path, sql: str):
    """Read a result as a pandas DataFrame through a read-only connection."""
    with duckdb.connect(str(db_path), read_only=True) as con:
        return con.execute(sql).df()


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The folder of the real export (submissions.csv, bu_mapping.csv), from $ASSETREC_REAL_DATA."""
    folder = os.environ.get(REAL_DATA_VAR)
    if not folder:
        pytest.skip(f"{REAL_DATA_VAR} is not set: the real-export tests need the folder of the real export")
    path = Path(folder).resolve()
    if not (path / "submissions.csv").exists():
        pytest.fail(f"{REAL_DATA_VAR}={folder}: no submissions.csv there")
    return path


def real_export_vars(data_dir: Path) -> dict:
    return {
        "submissions_path": str(data_dir / "submissions.csv"),
        "bu_mapping_path": str(data_dir / "bu_mapping.csv"),
    }


@pytest.fixture(scope="session")
def sample_warehouse(tmp_path_factory) -> Path:
    """One full `dbt build` (all models and dbt tests) on the bundled sample, shared by the test session."""
    work = tmp_path_factory.mktemp("sample_warehouse")
    db_path = work / "warehouse.duckdb"
    run_dbt(["build"], db_path, work / "target")
    return db_path


@pytest.fixture(scope="session")
def real_warehouse(tmp_path_factory, shared_data) -> Path:
    """One full `dbt build` on the real export ($ASSETREC_REAL_DATA), shared by the test session."""
    work = tmp_path_factory.mktemp("real_warehouse")
    db_path = work / "warehouse.duckdb"
    run_dbt(["build"], db_path, work / "target", vars=real_export_vars(shared_data))
    return db_path


def random_interactions(n_cookies=50, n_pages=12, density=0.3, seed=0, strength_step=0.5) -> pd.DataFrame:
    """Random `cookie, page_url, event_strength` rows; strengths 1..10 rounded to `strength_step`, so that
    coarse steps give ties and proportional rows."""
    rng = np.random.default_rng(seed)
    cells = sp.random(n_cookies, n_pages, density=density, random_state=rng, format="coo")
    return pd.DataFrame(
        {
            "cookie": [f"c{i:05d}" for i in cells.row],
            "page_url": [f"p{j:03d}" for j in cells.col],
            "event_strength": np.round((1 + 9 * cells.data) / strength_step) * strength_step,
        }
    )


def random_user_items(n_users=40, n_items=25, density=0.15, seed=0, max_strength=5):
    """Small random users x items matrix with integer strengths 1..max_strength."""
    rng = np.random.default_rng(seed)
    mask = rng.random((n_users, n_items)) < density
    vals = rng.integers(1, max_strength + 1, size=(n_users, n_items)) * mask
    return sp.csr_matrix(vals.astype(float))


def item_sets(x: sp.csr_matrix) -> list[set[int]]:
    """For each user, the set of items they have (brute force, from the dense matrix)."""
    dense = x.toarray()
    return [{j for j in range(dense.shape[1]) if dense[u, j] != 0} for u in range(dense.shape[0])]


def brute_rank(scores: dict[int, float], exclude: set[int], n: int):
    """Sort candidates by (score desc, id asc), drop `exclude`, pad to n with (-1, -inf)."""
    cand = [(s, j) for j, s in scores.items() if j not in exclude]
    cand.sort(key=lambda t: (-t[0], t[1]))
    cand = cand[:n]
    ids = [j for _, j in cand] + [-1] * (n - len(cand))
    sc = [s for s, _ in cand] + [-math.inf] * (n - len(cand))
    return ids, sc


def assert_recommends_brute(
    model, x: sp.csr_matrix, scores_all: np.ndarray, n: int, rtol: float, atol: float
):
    """model.recommend for every user equals ranking the dense scores_all without the user's items."""
    seen = x.toarray() != 0
    ids, scores = model.recommend(np.arange(x.shape[0]), x, N=n)
    for u in range(x.shape[0]):
        exp_ids, exp_scores = brute_rank(dict(enumerate(scores_all[u])), set(np.flatnonzero(seen[u])), n)
        assert ids[u].tolist() == exp_ids
        np.testing.assert_allclose(scores[u], exp_scores, rtol=rtol, atol=atol)


def ga4_nested_parquet(events: list, path: Path) -> Path:
    """A GA4 BigQuery-style Parquet export: event_timestamp INT64 microseconds, the page only inside the
    nested event_params list (key page_location, value.string_value), no flat page_location column. An
    unparsable timestamp cannot be an INT64: it is a null there."""
    frame = pd.DataFrame(
        {
            "event_date": [e.at.strftime("%Y%m%d") for e in events],
            "event_timestamp": [int(e.at.timestamp()) * 1_000_000 + e.at.microsecond for e in events],
            "event_name": ["form_submit" if e.submitted else "page_view" for e in events],
            "user_pseudo_id": [
                {"empty_cookie": "", "spaces": f"  {e.cookie} "}.get(e.odd, e.cookie) for e in events
            ],
            "page": [e.page_url for e in events],
            "gated_asset_type": [e.asset_type if e.submitted else "None" for e in events],
            "bad": [e.odd == "bad_timestamp" for e in events],
        }
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect() as con:
        con.register("frame", frame)
        con.execute(
            f"""
            copy (
                select event_date,
                    case when bad then null else event_timestamp end as event_timestamp,
                    event_name, user_pseudo_id,
                    [{{'key': 'ga_session_id', 'value': {{'string_value': null, 'int_value': 7::bigint}}}},
                     {{'key': 'page_location', 'value': {{'string_value': page, 'int_value': null::bigint}}}}]
                        as event_params,
                    gated_asset_type
                from frame
            ) to '{path}' (format parquet)
            """
        )
    return path
