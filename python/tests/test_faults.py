"""Faults: a build killed mid-way, and two builds started at the same time.

The third fault scenario of the issue, two builds on the same inputs giving identical `recommendations`
and `model_evaluation`, is `test_two_builds_on_the_same_inputs_agree` in test_recommendations.py.

The tests run real `dbt build`s of the bundled sample on their own databases (about 70 s in all, five
builds) and never assert on wall-clock time.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import signal
import subprocess
import time
from datetime import datetime
from pathlib import Path

import duckdb
import pandas as pd
import pytest
import yaml
from assetrec import publish as pub
from assetrec.dbt_runner import dbt_command, dbt_env, publish_command
from conftest import REPO, run_dbt

pytestmark = pytest.mark.dbt

ALS_NODE = "model.assetrec.int_als_factors"
# dbt-duckdb writes this debug line to the log file just before it executes a Python model's code.
ALS_RUNNING = f'Writing runtime python for node "{ALS_NODE}"'
# Iterations enough for the ALS fit to outlast the test (it is killed a moment after it starts): the
# slow step comes from the build's own vars, nothing in the product code waits for the test.
ENDLESS_ALS = {"als_iterations": 10_000_000}


def publication_state(out: Path) -> dict[str, str]:
    """Every file under the publication directory -> sha256 of its bytes; symlinks -> their target."""
    state = {}
    for path in sorted(out.rglob("*")):
        key = str(path.relative_to(out))
        if path.is_symlink():
            state[key] = "-> " + os.readlink(path)
        elif path.is_file():
            state[key] = hashlib.sha256(path.read_bytes()).hexdigest()
    return state


def wait_for_line(log_file: Path, text: str, proc: subprocess.Popen) -> bool:
    """Poll `log_file` until it contains `text` (True) or the process has exited without it (False)."""
    while True:
        if log_file.exists() and text in log_file.read_text(errors="replace"):
            return True
        if proc.poll() is not None:
            return log_file.exists() and text in log_file.read_text(errors="replace")
        time.sleep(0.2)


def kill_group(proc: subprocess.Popen) -> None:
    """SIGKILL the process group started with `start_new_session=True` (the shell, dbt, its threads)."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()


def published_run_id(out: Path) -> str:
    with duckdb.connect(str(out / pub.DATABASE_NAME), read_only=True) as con:
        return con.execute(f"select distinct run_id from {pub.INFO_TABLE}").fetchone()[0]


def test_killed_build_leaves_the_publication_untouched(tmp_path):
    """`dbt build && publish` (what `make run` does) SIGKILLed while the ALS model runs: the published
    database and Parquet files stay byte-identical, the warehouse still opens, and the next build and
    publish succeed."""
    db, out = tmp_path / "warehouse.duckdb", tmp_path / "publish"
    first = tmp_path / "first"
    run_dbt(["build"], db, first)
    assert (
        pub.main(["--db", str(db), "--out", str(out), "--run-results", str(first / "run_results.json")]) == 0
    )
    before = publication_state(out)
    first_run = published_run_id(out)
    assert any(key.endswith(".parquet") for key in before) and pub.DATABASE_NAME in before

    killed = tmp_path / "killed"
    chain = " && ".join(
        subprocess.list2cmdline(cmd)
        for cmd in (
            dbt_command(["build"], killed, ENDLESS_ALS),
            publish_command(db, out, killed / "run_results.json"),
        )
    )
    proc = subprocess.Popen(
        ["/bin/sh", "-c", chain],
        cwd=REPO,
        env=dbt_env(db),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        running = wait_for_line(killed / "logs" / "dbt.log", ALS_RUNNING, proc)
    finally:
        kill_group(proc)
    log = (killed / "logs" / "dbt.log").read_text(errors="replace")
    assert running, f"the build ended before the ALS model ran:\n{log[-3000:]}"
    assert proc.returncode == -signal.SIGKILL
    # Killed during the fit: the model never finished, and nothing after it ran.
    assert "OK created python table model main.int_als_factors" not in log
    assert "START python table model main.recommendations" not in log

    assert publication_state(out) == before
    assert published_run_id(out) == first_run
    # The warehouse opens (DuckDB replays or discards the killed writer's WAL) and holds the first build.
    with duckdb.connect(str(db)) as con:
        assert con.execute("select count(*) from recommendations").fetchone()[0] > 0
        assert con.execute("select count(*) from model_runs").fetchone()[0] == 1

    again = tmp_path / "again"
    run_dbt(["build"], db, again)
    assert (
        pub.main(["--db", str(db), "--out", str(out), "--run-results", str(again / "run_results.json")]) == 0
    )
    after = publication_state(out)
    assert after != before
    new_run = published_run_id(out)
    assert new_run != first_run
    assert new_run == json.loads((again / "run_results.json").read_text())["metadata"]["invocation_id"]
    manifest = json.loads((out / pub.PARQUET_LINK / pub.MANIFEST).read_text())
    assert manifest["run_id"] == new_run


LOCK_MESSAGE = ("Could not set lock on file", "Conflicting lock is held")


def profile_keeps_open() -> bool:
    profile = yaml.safe_load((REPO / "profiles.yml").read_text())["assetrec"]
    return bool(profile["outputs"][profile["target"]].get("keep_open"))


@pytest.fixture(scope="module")
def concurrent_builds(tmp_path_factory):
    """Two `dbt build`s of the bundled sample started together on one database: (db, {name: outcome})."""
    work = tmp_path_factory.mktemp("concurrent")
    db = work / "warehouse.duckdb"
    procs = {
        name: subprocess.Popen(
            dbt_command(["build"], work / name),
            cwd=REPO,
            env=dbt_env(db),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for name in ("first", "second")
    }
    outcomes = {}
    for name, proc in procs.items():
        output = proc.communicate()[0]
        results = work / name / "run_results.json"
        outcomes[name] = {
            "returncode": proc.returncode,
            "output": output,
            "results": json.loads(results.read_text())["results"] if results.exists() else [],
        }
    return db, outcomes


def test_concurrent_builds_wait_or_fail_cleanly(concurrent_builds, sample_warehouse):
    """Two builds at once: each either succeeds (having waited for the database through the profile's
    connection retries) or fails with DuckDB's lock message, which names the file and the process
    holding it; at least one succeeds, and the warehouse is left whole: it opens and holds exactly what
    an undisturbed build of the same inputs writes."""
    db, outcomes = concurrent_builds
    for name, outcome in outcomes.items():
        if outcome["returncode"] != 0:
            assert all(text in outcome["output"] for text in LOCK_MESSAGE), (
                f"{name} build failed for another reason than the lock:\n{outcome['output'][-4000:]}"
            )
            assert str(db) in outcome["output"]
    assert any(outcome["returncode"] == 0 for outcome in outcomes.values())

    with duckdb.connect(str(db), read_only=True) as con:
        for table, order in [
            ("recommendations", "cookie, rank"),
            ("model_evaluation", "model, split, metric, k"),
            ("similar_pages", "page_url, rank"),
            ("dim_cookies", "cookie"),
        ]:
            columns = "* exclude (run_id)" if table == "model_evaluation" else "*"
            got = con.execute(f"select {columns} from {table} order by {order}").df()
            with duckdb.connect(str(sample_warehouse), read_only=True) as reference:
                expected = reference.execute(f"select {columns} from {table} order by {order}").df()
            pd.testing.assert_frame_equal(got, expected, check_exact=True, obj=table)


def _window(results: list[dict]) -> tuple[float, float] | None:
    times = [
        datetime.fromisoformat(entry[key].replace("Z", "+00:00")).timestamp()
        for result in results
        for entry in result.get("timing", [])
        for key in ("started_at", "completed_at")
        if entry.get(key)
    ]
    return (min(times), max(times)) if times else None


def test_concurrent_builds_do_not_interleave(concurrent_builds):
    """The build that waited ran no node before the other finished (or failed without running any), so
    the warehouse never mixes tables from two builds (which would matter with different inputs or vars)."""
    # Without keep_open, dbt-duckdb closes the database after every node, and a waiting build's connection
    # retries can get it between two nodes of the other build (observed here), so builds may take turns.
    assert profile_keeps_open(), "profiles.yml must set `keep_open: true` so one build holds the database"
    _, outcomes = concurrent_builds
    windows = [_window(o["results"]) for o in outcomes.values() if o["returncode"] == 0]
    for outcome in outcomes.values():
        if outcome["returncode"] != 0:
            assert not [r for r in outcome["results"] if r.get("status") in ("success", "pass")]
    if len(windows) == 2:
        (a_start, a_end), (b_start, b_end) = sorted(windows)
        assert a_end <= b_start, (
            f"the builds interleaved: {a_start:.1f}-{a_end:.1f} and {b_start:.1f}-{b_end:.1f}"
        )
