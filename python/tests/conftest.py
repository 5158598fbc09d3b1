"""Shared pytest helpers: repo paths, the real export, and running dbt on a temporary database."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

REPO = Path(__file__).resolve().parents[2]
# The real (hashed) export lives beside the repo and is never copied into it.
SHARED_DATA = REPO.parent / "shared" / "data"
DBT = str(Path(sys.executable).with_name("dbt"))


def run_dbt(args: list[str], db_path: Path, target_path: Path, vars: dict | None = None, check=True):
    """Run a dbt command against `db_path`, with its own target dir so tests never share state."""
    cmd = [
        DBT,
        *args,
        "--project-dir",
        str(REPO),
        "--profiles-dir",
        str(REPO),
        "--target-path",
        str(target_path),
        "--log-path",
        str(target_path / "logs"),
    ]
    if vars:
        import json

        cmd += ["--vars", json.dumps(vars)]
    env = {**os.environ, "ASSETREC_DB": str(db_path), "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    result = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True)
    if check and result.returncode != 0:
        raise AssertionError(
            f"dbt {' '.join(args)} failed:\n{result.stdout[-8000:]}\n{result.stderr[-4000:]}"
        )
    return result


def query(db_path: Path, sql: str):
    """Read a result as a pandas DataFrame through a read-only connection."""
    with duckdb.connect(str(db_path), read_only=True) as con:
        return con.execute(sql).df()


@pytest.fixture(scope="session")
def shared_data() -> Path:
    if not (SHARED_DATA / "submissions.csv").exists():
        pytest.skip(f"real export not found at {SHARED_DATA} (it lives beside the repo, never inside it)")
    return SHARED_DATA


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
    """One full `dbt build` on the real export in ../shared/data, shared by the test session."""
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
