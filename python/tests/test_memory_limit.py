"""Bounded memory: the build and publish honour ASSETREC_MEMORY_LIMIT (DuckDB spills instead of failing)."""

from __future__ import annotations

import re
import subprocess
import sys

import duckdb
import pytest
import yaml
from assetrec import resources
from assetrec.dbt_runner import publish_command
from conftest import REPO, run_dbt

SCALED_SAMPLE = {"cookies": 20_000, "pages": 400, "density": 10.0}  # about 200k interactions


def test_profile_and_publish_read_the_same_variables_with_the_same_defaults():
    profile = (REPO / "profiles.yml").read_text()
    limit = resources.MEMORY_LIMIT_VAR, resources.DEFAULT_MEMORY_LIMIT
    assert re.search(rf"env_var\('{limit[0]}', '{re.escape(limit[1])}'\)", profile)
    # The spill folder's default: the database path + ".tmp", for the build (ASSETREC_DB) as for publish.
    assert (
        f"env_var('{resources.TEMP_DIR_VAR}', env_var('ASSETREC_DB', 'warehouse.duckdb') ~ '.tmp')" in profile
    )
    assert resources.duckdb_config("x/w.duckdb")["temp_directory"] == "x/w.duckdb.tmp"


def test_the_spill_folder_is_set_once_per_database_not_per_cursor(tmp_path):
    """dbt-duckdb applies `settings` to every new cursor (one per node), and DuckDB refuses to set
    temp_directory again once it has spilled: the profile must pass it when the database opens."""
    with duckdb.connect(str(tmp_path / "w.duckdb"), config={"memory_limit": "64MB"}) as con:
        con.execute("create temp table t as select md5(i::varchar) as s from range(3000000) as r (i)")
        con.execute("select s, count(*) from t group by s order by s limit 1").fetchall()  # spills
        with pytest.raises(duckdb.NotImplementedException):
            con.cursor().execute(f"set temp_directory = '{tmp_path / 'w.duckdb.tmp'}'")
    profile = yaml.safe_load((REPO / "profiles.yml").read_text())["assetrec"]["outputs"]["dev"]
    assert {"memory_limit", "temp_directory"} <= set(profile["config_options"])
    assert not {"memory_limit", "temp_directory"} & set(profile.get("settings") or {})


@pytest.mark.dbt
def test_the_build_spills_beside_its_database_by_default(monkeypatch, tmp_path):
    """DuckDB creates only the last folder of a spill path: the default must live in a folder that exists
    wherever dbt runs (a fixed `target/...` failed from a checkout without target/)."""
    monkeypatch.delenv(resources.TEMP_DIR_VAR, raising=False)
    db = tmp_path / "nested" / "warehouse.duckdb"
    db.parent.mkdir()
    shown = run_dbt(
        ["show", "--inline", "select current_setting('temp_directory') as spill", "--output", "json"],
        db,
        tmp_path / "target",
    )
    assert f"{db}.tmp" in shown.stdout, shown.stdout[-2000:]


def test_publish_connections_take_the_limit(monkeypatch, tmp_path):
    monkeypatch.setenv(resources.MEMORY_LIMIT_VAR, "512MB")
    monkeypatch.setenv(resources.TEMP_DIR_VAR, str(tmp_path / "spill"))
    with duckdb.connect(config=resources.duckdb_config(tmp_path / "w.duckdb")) as con:
        limit, folder = con.execute(
            "select current_setting('memory_limit'), current_setting('temp_directory')"
        ).fetchone()
    assert limit in ("488.2 MiB", "512.0 MB") and folder == str(tmp_path / "spill")


@pytest.mark.dbt
def test_a_scaled_up_sample_builds_and_publishes_under_one_gigabyte(monkeypatch, tmp_path):
    data = tmp_path / "data"
    subprocess.run(
        [sys.executable, "-m", "assetrec.synth", "--out", str(data), "--quiet"]
        + [f"--{k}={v}" for k, v in SCALED_SAMPLE.items()],
        check=True,
        cwd=REPO,
    )
    monkeypatch.setenv(resources.MEMORY_LIMIT_VAR, "1GB")
    monkeypatch.setenv(resources.TEMP_DIR_VAR, str(tmp_path / "spill"))
    db, target = tmp_path / "warehouse.duckdb", tmp_path / "target"
    variables = {
        "submissions_path": str(data / "submissions.csv"),
        "bu_mapping_path": str(data / "bu_mapping.csv"),
        "tuning_budget_seconds": 0,
    }
    run_dbt(["build"], db, target, variables)
    shown = run_dbt(["show", "--inline", "select current_setting('memory_limit') as limit_now"], db, target)
    assert "953.6 MiB" in shown.stdout or "1.0 GB" in shown.stdout, shown.stdout[-2000:]
    with duckdb.connect(str(db), read_only=True) as con:
        interactions = con.execute("select count(*) from fct_page_interactions").fetchone()[0]
        cookies = con.execute("select count(distinct cookie) from recommendations").fetchone()[0]
    assert interactions > 150_000 and cookies > 15_000
    published = subprocess.run(
        publish_command(db, tmp_path / "publish", target / "run_results.json"),
        capture_output=True,
        text=True,
        cwd=REPO,
    )
    assert published.returncode == 0, published.stderr[-2000:]
