"""Publishing for BI: what is copied, atomic replacement, refusals, and a reader that survives a rebuild.

The reader tests run the BI reader in its own process, as a BI tool would: DuckDB's file locks are per
process, and inside one process DuckDB reuses an already-open database instance for the same path (a
second `connect` there would see the old snapshot for that reason alone).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest
from assetrec import publish as pub
from assetrec import report
from assetrec.dbt_runner import dbt_command, dbt_env
from conftest import REPO, run_dbt
from test_report import make_tiny_warehouse

TINY_BI_TABLES = {
    "business_unit_activity_by_period",
    "bridge_page_business_units",
    "business_unit_hit_rates",
    "business_unit_similarity",
    "cookie_hit_rates",
    "dim_cookies",
    "dim_pages",
    "fct_page_interactions",
    "model_evaluation",
    "recommendations_for_new_visitors",
    "model_runs",
    "recommendations",
    "rejected_bu_mappings",
    "rejected_submissions",
}
FINGERPRINT_SQL = "select count(*) as rows, coalesce(sum(hash(t)), 0)::varchar as hash from {source} t"


def fingerprints(con: duckdb.DuckDBPyConnection, sources: dict[str, str]) -> dict[str, list]:
    return {
        name: list(con.execute(FINGERPRINT_SQL.format(source=src)).fetchone())
        for name, src in sources.items()
    }


def db_state(db: Path, tables=("fct_page_interactions", "model_runs", "dim_cookies")) -> dict:
    with duckdb.connect(str(db), read_only=True) as con:
        return fingerprints(con, {t: t for t in tables})


def parquet_state(directory: Path, tables=("fct_page_interactions", "model_runs", "dim_cookies")) -> dict:
    with duckdb.connect() as con:
        return fingerprints(con, {t: f"read_parquet('{directory / (t + '.parquet')}')" for t in tables})


# A BI reader in its own process: opens the published database read-only and resolves the Parquet link
# once, then answers "read" with fingerprints of both, "fds" with its open files, until stdin closes.
READER = r"""
import json, os, sys
from pathlib import Path
import duckdb

def fingerprints(con, sources):
    sql = FINGERPRINT_SQL
    return {name: list(con.execute(sql.format(source=src)).fetchone()) for name, src in sources.items()}

db, parquet = Path(sys.argv[1]), Path(os.path.realpath(sys.argv[2]))
con = duckdb.connect(str(db), read_only=True)
tables = ("fct_page_interactions", "model_runs", "dim_cookies")
print(json.dumps({"ready": True}), flush=True)
for line in sys.stdin:
    if line.strip() == "read":
        state = {"db": fingerprints(con, {t: t for t in tables}),
                 "parquet": fingerprints(con, {t: f"read_parquet('{parquet / (t + '.parquet')}')" for t in tables})}
    else:
        fd_dir = Path("/proc/self/fd")
        state = {"fds": sorted(os.readlink(fd_dir / fd) for fd in os.listdir(fd_dir)
                                if (fd_dir / fd).is_symlink())}
    print(json.dumps(state), flush=True)
""".replace("FINGERPRINT_SQL", repr(FINGERPRINT_SQL))


class Reader:
    def __init__(self, publish_dir: Path):
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-c",
                READER,
                str(publish_dir / pub.DATABASE_NAME),
                str(publish_dir / pub.PARQUET_LINK),
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert self.ask(None) == {"ready": True}

    def ask(self, command: str | None) -> dict:
        if command is not None:
            self.process.stdin.write(command + "\n")
            self.process.stdin.flush()
        line = self.process.stdout.readline()
        assert line, f"reader died: {self.process.stderr.read()}"
        return json.loads(line)

    def close(self) -> None:
        self.process.communicate("")


def snapshot_of(publish_dir: Path) -> Path:
    return Path(os.path.realpath(publish_dir / pub.PARQUET_LINK))


def publication_state(publish_dir: Path) -> tuple:
    """What a publication consists of: the database file (inode, bytes) and the link target."""
    database = publish_dir / pub.DATABASE_NAME
    return database.stat().st_ino, database.read_bytes(), os.readlink(publish_dir / pub.PARQUET_LINK)


def leftovers(publish_dir: Path) -> list[str]:
    return [
        p.name
        for p in [*publish_dir.iterdir(), *(publish_dir / pub.SNAPSHOTS).iterdir()]
        if ".tmp-" in p.name
    ]


# --- what gets published --------------------------------------------------------------------------


def test_bi_facing_rule():
    for name in [
        "fct_page_interactions",
        "dim_cookies",
        "rejected_submissions",
        "model_runs",
        "asset_type_weights",
    ]:
        assert pub.is_bi_facing(name), name
    for name in [
        "stg_clickstream__submissions",
        "int_als_factors",
        "base_clickstream__submissions",
        "sample_submissions",
        "dim_pages__dbt_tmp",
        "model_runs__dbt_backup",
        "model_runs__dbt_tmp20261128013252339799",
        "cooccurrence_pages",
        "cooccurrence_page_pairs",
        "published_tables",
        "_assetrec_build",
    ]:
        assert not pub.is_bi_facing(name), name


def test_publish_copies_every_bi_facing_table(tmp_path):
    source = make_tiny_warehouse(tmp_path / "warehouse.duckdb")
    out = tmp_path / "publish"
    result = pub.publish(source, out)

    assert set(result.tables) == TINY_BI_TABLES
    assert result.run_id == "run-new-1111"  # newest model_runs row
    with (
        duckdb.connect(str(source), read_only=True) as src,
        duckdb.connect(str(result.database), read_only=True) as dst,
    ):
        published = {r[0] for r in dst.execute("select table_name from duckdb_tables()").fetchall()}
        assert published == TINY_BI_TABLES | {pub.INFO_TABLE}
        for table in TINY_BI_TABLES:
            assert dst.execute(f"describe {table}").fetchall() == src.execute(f"describe {table}").fetchall()
            assert fingerprints(dst, {table: table}) == fingerprints(src, {table: table})
        info = dict(dst.execute(f"select table_name, rows from {pub.INFO_TABLE}").fetchall())
        assert info == result.tables and info["model_evaluation"] == 420
        assert dst.execute(f"select distinct run_id from {pub.INFO_TABLE}").fetchall() == [("run-new-1111",)]
    # Parquet: one file per table in the snapshot the link points to, same rows, and a manifest.
    link = out / pub.PARQUET_LINK
    assert link.is_symlink() and not os.path.isabs(os.readlink(link))
    assert snapshot_of(out) == result.snapshot.resolve()
    files = {p.name for p in link.iterdir()}
    assert files == {f"{t}.parquet" for t in TINY_BI_TABLES} | {f"{pub.INFO_TABLE}.parquet", pub.MANIFEST}
    manifest = json.loads((link / pub.MANIFEST).read_text())
    assert manifest["run_id"] == "run-new-1111" and manifest["snapshot"] == result.snapshot.name
    assert {t: v["rows"] for t, v in manifest["tables"].items()} == result.tables
    assert parquet_state(link) == db_state(source)
    # Stored in the v1.0.0 format, which DuckDB 1.x (inside many BI drivers) can open; checked by hand with
    # duckdb 1.1.3, which refuses the v2 default with "created with a newer version of DuckDB".
    with duckdb.connect() as con:
        con.execute(f"attach '{result.database}' as published (read_only)")
        tags = con.execute(
            "select tags from duckdb_databases() where database_name = 'published'"
        ).fetchone()[0]
        assert tags["storage_version"].startswith("v1.0.0")
    # Published files are read-only, and nothing temporary is left behind.
    assert (result.database.stat().st_mode & 0o777) == 0o444
    assert not Path(f"{result.database}.wal").exists()
    assert leftovers(out) == []


def test_published_copy_feeds_the_report(tmp_path):
    published = pub.publish(make_tiny_warehouse(tmp_path / "w.duckdb"), tmp_path / "publish")
    assert report.load(published.database).all_missing == []


def test_old_snapshots_are_pruned(tmp_path):
    source = make_tiny_warehouse(tmp_path / "w.duckdb")
    out = tmp_path / "publish"
    snapshots = [pub.publish(source, out, keep=2).snapshot for _ in range(4)]
    assert sorted(p.name for p in (out / pub.SNAPSHOTS).iterdir()) == [s.name for s in snapshots[-2:]]
    assert snapshot_of(out) == snapshots[-1].resolve()


# --- refusals and failures leave the previous publication alone -----------------------------------


def run_results(
    path: Path, statuses: list[str], invocation_id: str | None = "inv-ok", command="build"
) -> Path:
    """A run_results.json as dbt writes it: metadata.invocation_id, args.which and one result per node."""
    results = [{"unique_id": f"model.assetrec.m{i}", "status": s} for i, s in enumerate(statuses)]
    metadata = {} if invocation_id is None else {"invocation_id": invocation_id}
    path.write_text(json.dumps({"metadata": metadata, "args": {"which": command}, "results": results}))
    return path


def mark_build(
    db: Path, invocation_id: str, finished: bool = True, command: str = "build", succeeded: bool = True
) -> Path:
    """The build marker as macros/build_marker.sql's hooks leave it (checked against a real build below)."""
    with duckdb.connect(str(db)) as con:
        con.execute(
            f"create or replace table {pub.BUILD_MARKER} (invocation_id varchar, command varchar, "
            "started_at timestamp, finished_at timestamp, succeeded boolean, dbt_version varchar)"
        )
        con.execute(
            f"insert into {pub.BUILD_MARKER} values (?, ?, timestamp '2026-01-02 03:04:05', "
            "case when ? then timestamp '2026-01-02 03:14:15' end, case when ? then ? end, '1.11.0')",
            [invocation_id, command, finished, finished, succeeded],
        )
    return db


def test_failed_build_is_not_published(tmp_path):
    source = mark_build(make_tiny_warehouse(tmp_path / "w.duckdb"), "inv-ok")
    out = tmp_path / "publish"
    pub.publish(source, out, run_results=run_results(tmp_path / "ok.json", ["success", "pass", "warn"]))
    before = publication_state(out)

    for statuses in (["success", "error"], ["pass", "fail"], ["success", "skipped"]):
        with pytest.raises(pub.PublishError, match="did not succeed"):
            pub.publish(source, out, run_results=run_results(tmp_path / "bad.json", statuses))
    with pytest.raises(pub.PublishError, match="not found"):
        pub.publish(source, out, run_results=tmp_path / "missing.json")
    cli = subprocess.run(
        [sys.executable, "-m", "assetrec.publish", "--db", str(source), "--out", str(out)]
        + ["--run-results", str(tmp_path / "bad.json")],
        capture_output=True,
        text=True,
    )
    assert cli.returncode == 1 and "did not succeed" in cli.stderr and "unchanged" in cli.stderr
    assert publication_state(out) == before
    assert len(list((out / pub.SNAPSHOTS).iterdir())) == 1


def publish_cli(source: Path, out: Path, results: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "assetrec.publish", "--db", str(source), "--out", str(out)]
        + ["--run-results", str(results)],
        capture_output=True,
        text=True,
    )


def test_run_results_of_another_invocation_are_refused(tmp_path):
    """run_results.json must come from the invocation that last modified the warehouse (the build marker),
    and that invocation must have finished; a warehouse without the marker is refused too."""
    source = mark_build(make_tiny_warehouse(tmp_path / "w.duckdb"), "inv-ok")
    out = tmp_path / "publish"
    pub.publish(source, out, run_results=run_results(tmp_path / "ok.json", ["success"], "inv-ok"))
    before = publication_state(out)

    # A later build modified the warehouse and was killed before writing its run_results.json.
    mark_build(source, "inv-killed", finished=False)
    with pytest.raises(pub.PublishError) as refused:
        pub.publish(source, out, run_results=tmp_path / "ok.json")
    message = str(refused.value)
    assert "inv-ok" in message and "inv-killed" in message
    assert "never finished" in message and "dbt build" in message and "nothing published" in message
    cli = publish_cli(source, out, tmp_path / "ok.json")
    assert cli.returncode == 1 and "inv-killed" in cli.stderr and "unchanged" in cli.stderr

    # Interrupted (Ctrl-C): dbt wrote run_results.json for the invocation, but the on-run-end hook never ran.
    interrupted = run_results(tmp_path / "interrupted.json", ["success", "pass"], "inv-killed")
    with pytest.raises(pub.PublishError, match="inv-killed .*never finished"):
        pub.publish(source, out, run_results=interrupted)

    # A later `dbt test` rewrote run_results.json without modifying the warehouse: publishable only if the
    # build before it finished and succeeded (and, checked first, the tests passed).
    tested = run_results(tmp_path / "test.json", ["pass"], "inv-test", command="test")
    mark_build(source, "inv-failed", succeeded=False)
    with pytest.raises(pub.PublishError, match="inv-test .*inv-failed .*with errors, failures or skips"):
        pub.publish(source, out, run_results=tested)
    mark_build(source, "inv-killed", finished=False)
    with pytest.raises(pub.PublishError, match="inv-test .*inv-killed .*never finished"):
        pub.publish(source, out, run_results=tested)
    mark_build(source, "inv-ok")
    failed_tests = run_results(tmp_path / "failed_test.json", ["fail"], "inv-test", command="test")
    with pytest.raises(pub.PublishError, match="did not succeed"):
        pub.publish(source, out, run_results=failed_tests)
    # A later `dbt run` is not read-only: its id must be the marker's.
    ran = run_results(tmp_path / "run.json", ["success"], "inv-run", command="run")
    with pytest.raises(pub.PublishError, match="inv-run .*last modified by dbt invocation inv-ok"):
        pub.publish(source, out, run_results=ran)
    with pytest.raises(pub.PublishError, match="no metadata.invocation_id"):
        pub.publish(source, out, run_results=run_results(tmp_path / "old.json", ["success"], None))

    # Built before the marker existed.
    with duckdb.connect(str(source)) as con:
        con.execute(f"drop table {pub.BUILD_MARKER}")
    with pytest.raises(pub.PublishError, match="has no build marker"):
        pub.publish(source, out, run_results=tmp_path / "ok.json")

    assert publication_state(out) == before
    assert leftovers(out) == []
    assert len(list((out / pub.SNAPSHOTS).iterdir())) == 1
    # Without --run-results nothing is checked (as before), and the marker itself is never published.
    mark_build(source, "inv-ok")
    assert pub.BUILD_MARKER not in pub.publish(source, out).tables
    # The passing `dbt test` after the finished, successful build is publishable.
    assert pub.publish(source, out, run_results=tested).tables


def private_copy(sample_warehouse: Path, work: Path) -> tuple[Path, Path]:
    """A copy of the session's sample build (warehouse + its target/run_results.json) that a test may modify."""
    work.mkdir()
    db, target = work / "warehouse.duckdb", work / "target"
    shutil.copyfile(sample_warehouse, db)
    assert not Path(f"{sample_warehouse}.wal").exists()
    target.mkdir()
    shutil.copyfile(sample_warehouse.parent / "target" / "run_results.json", target / "run_results.json")
    return db, target


def invocation_of(results: Path) -> str:
    return json.loads(results.read_text())["metadata"]["invocation_id"]


def marker(db: Path) -> tuple:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(
            f"select invocation_id, command, started_at, finished_at, succeeded from {pub.BUILD_MARKER}"
        ).fetchone()


@pytest.mark.dbt
def test_build_hooks_write_the_marker(sample_warehouse, tmp_path):
    """`dbt build` records its invocation and marks it finished and successful; `dbt test` / `dbt docs
    generate` (which rewrite run_results.json) leave the marker alone, and their run_results.json is
    publishable after that build; a build with a failing test is marked unsuccessful."""
    db, target = private_copy(sample_warehouse, tmp_path / "build")
    built = marker(db)
    invocation, command, started, finished, succeeded = built
    assert invocation == invocation_of(target / "run_results.json") and command == "build"
    assert started <= finished and succeeded is True

    for args in (["test", "--select", "dim_cookies"], ["docs", "generate"]):
        other = tmp_path / args[0]
        run_dbt(args, db, other)
        assert invocation_of(other / "run_results.json") != invocation
        assert marker(db) == built, args
        assert pub.publish(db, tmp_path / "publish", run_results=other / "run_results.json").tables

    # A run whose model errors (its upstream table is gone) ends, unsuccessfully.
    with duckdb.connect(str(db)) as con:
        con.execute("drop view int_cookie_business_units")
    failing = tmp_path / "failing"
    result = run_dbt(["run", "--select", "dim_cookies"], db, failing, check=False)
    assert result.returncode != 0
    invocation, command, started, finished, succeeded = marker(db)
    assert invocation == invocation_of(failing / "run_results.json") and finished is not None
    assert succeeded is False
    with pytest.raises(pub.PublishError, match="did not succeed"):
        pub.publish(db, tmp_path / "publish", run_results=failing / "run_results.json")
    with pytest.raises(pub.PublishError, match="with errors, failures or skips"):
        pub.publish(db, tmp_path / "publish", run_results=tmp_path / "test" / "run_results.json")


@pytest.mark.dbt
def test_stale_run_results_after_a_killed_build_are_refused(sample_warehouse, tmp_path):
    """Build -> publish works. Then another invocation modifies the warehouse and dies before writing
    run_results.json (simulated: its run_results.json is replaced by the previous build's, which is what
    a kill leaves in target/): publish refuses, naming both invocations, and the publication is untouched."""
    db, target = private_copy(sample_warehouse, tmp_path / "build")
    out = tmp_path / "publish"
    results = target / "run_results.json"
    first = pub.publish(db, out, run_results=results)
    assert first.run_id == invocation_of(results) == marker(db)[0]
    before = publication_state(out)

    stale = tmp_path / "stale_run_results.json"
    shutil.copyfile(results, stale)
    run_dbt(["run", "--select", "dim_pages"], db, target)
    later = tmp_path / "later_run_results.json"
    shutil.copyfile(results, later)
    shutil.copyfile(stale, results)
    later_id = invocation_of(later)
    assert marker(db)[:2] == (later_id, "run") and later_id != first.run_id

    with pytest.raises(pub.PublishError) as refused:
        pub.publish(db, out, run_results=results)
    message = str(refused.value)
    assert f"is from dbt invocation {first.run_id} (`dbt build`)" in message
    assert f"last modified by dbt invocation {later_id} (`dbt run`" in message
    assert "rebuild with `dbt build`" in message
    cli = publish_cli(db, out, results)
    assert cli.returncode == 1 and later_id in cli.stderr and first.run_id in cli.stderr
    assert publication_state(out) == before
    assert leftovers(out) == []

    # The run_results.json of the invocation that did modify the warehouse (and finished) is accepted.
    assert pub.publish(db, out, run_results=later).snapshot != first.snapshot
    assert publication_state(out) != before


def kill_group(proc: subprocess.Popen) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()


@pytest.mark.dbt
def test_interrupted_build_is_refused(sample_warehouse, tmp_path):
    """Ctrl-C during a build: dbt writes a run_results.json of this invocation listing only the nodes that
    ran (all successful), and skips the on-run-end hook. Publish refuses it (never finished), and the
    older build's run_results.json (different invocation) as well."""
    db, target = private_copy(sample_warehouse, tmp_path / "build")
    out = tmp_path / "publish"
    pub.publish(db, out, run_results=target / "run_results.json")
    before = publication_state(out)

    interrupted = tmp_path / "interrupted"
    # The ALS fit outlasts the test.
    cmd = dbt_command(["build"], interrupted, {"als_iterations": 10_000_000})
    proc = subprocess.Popen(
        cmd,
        cwd=REPO,
        env=dbt_env(db),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
        # A Ctrl-C reaches dbt even if this test runs with SIGINT ignored (e.g. in a background job).
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    log, results = interrupted / "logs" / "dbt.log", interrupted / "run_results.json"
    try:
        # dbt-duckdb logs this line just before it runs a Python model's code.
        als_running = 'Writing runtime python for node "model.assetrec.int_als_factors"'
        while not (log.exists() and als_running in log.read_text(errors="replace")):
            assert proc.poll() is None, "the build ended before the ALS model started"
            time.sleep(0.2)
        proc.send_signal(signal.SIGINT)
        # dbt writes run_results.json when interrupted (the ALS thread itself keeps running).
        while True:
            with contextlib.suppress(OSError, ValueError, KeyError):
                written = invocation_of(results)
                break
            assert proc.poll() is None, "dbt exited without writing run_results.json"
            time.sleep(0.2)
    finally:
        kill_group(proc)
    statuses = {r["status"] for r in json.loads(results.read_text())["results"]}
    assert statuses <= {"success", "pass"}  # nothing failed: only the marker shows the build is incomplete
    assert marker(db)[0] == written and marker(db)[3] is None

    with pytest.raises(pub.PublishError, match=f"{written} .*never finished"):
        pub.publish(db, out, run_results=results)
    with pytest.raises(pub.PublishError, match=f"last modified by dbt invocation {written} "):
        pub.publish(db, out, run_results=target / "run_results.json")
    assert publication_state(out) == before
    assert leftovers(out) == []


@pytest.mark.parametrize("failing_step", ["_copy_comments", "_verify"])
def test_failure_while_publishing_keeps_the_previous_files(tmp_path, monkeypatch, failing_step):
    source = make_tiny_warehouse(tmp_path / "w.duckdb")
    out = tmp_path / "publish"
    pub.publish(source, out)
    before = publication_state(out)
    with duckdb.connect(str(source)) as con:
        con.execute("delete from fct_page_interactions where cookie = 'c6'")

    def fail(*args, **kwargs):
        raise OSError("disk full (simulated)")

    monkeypatch.setattr(pub, failing_step, fail)
    with pytest.raises(OSError, match="simulated"):
        pub.publish(source, out)
    assert publication_state(out) == before
    assert leftovers(out) == []
    assert len(list((out / pub.SNAPSHOTS).iterdir())) == 1
    monkeypatch.undo()
    assert pub.publish(source, out).tables["fct_page_interactions"] == 9  # and the next publish works


def test_empty_database_is_refused(tmp_path):
    empty = tmp_path / "empty.duckdb"
    with duckdb.connect(str(empty)) as con:
        con.execute("create table stg_only (x int)")
    with pytest.raises(pub.PublishError, match="no BI-facing tables"):
        pub.publish(empty, tmp_path / "publish")
    assert not (tmp_path / "publish" / pub.DATABASE_NAME).exists()


def test_concurrent_publishers_are_refused(tmp_path):
    out = tmp_path / "publish"
    out.mkdir()
    with (out / ".publish.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        with pytest.raises(pub.PublishError, match="another publish"):
            pub.publish(make_tiny_warehouse(tmp_path / "w.duckdb"), out)


# --- readers keep their snapshot ------------------------------------------------------------------


def test_open_reader_keeps_the_old_inode_after_replace(tmp_path):
    """On Linux, a read-only DuckDB connection keeps reading the replaced file; new readers see the new one."""
    source = make_tiny_warehouse(tmp_path / "w.duckdb")
    out = tmp_path / "publish"
    pub.publish(source, out)
    old_db, old_snapshot = db_state(out / pub.DATABASE_NAME), snapshot_of(out)
    reader = Reader(out)
    try:
        first = reader.ask("read")
        assert first == {"db": old_db, "parquet": old_db}
        with duckdb.connect(str(source)) as con:
            con.execute("delete from fct_page_interactions where cookie in ('c5', 'c6')")
        pub.publish(source, out)

        assert reader.ask("read") == first  # the open reader: old snapshot, consistent
        fds = reader.ask("fds")["fds"]
        assert f"{out / pub.DATABASE_NAME} (deleted)" in fds  # it holds the replaced inode
        new_db = db_state(out / pub.DATABASE_NAME)  # a new reader (this process had no connection open)
        assert new_db["fct_page_interactions"][0] == 8 and new_db != old_db
        assert parquet_state(out / pub.PARQUET_LINK) == new_db
        assert snapshot_of(out) != old_snapshot and old_snapshot.is_dir()
    finally:
        reader.close()


def synthetic_export(directory: Path) -> dict:
    """A second, different export (smaller, other seed) for the rebuild."""
    subprocess.run(
        [sys.executable, "-m", "assetrec.synth", "--cookies", "300", "--pages", "120", "--seed", "11"]
        + ["--out", str(directory), "--quiet"],
        check=True,
        cwd=REPO,
    )
    return {
        "submissions_path": str(directory / "submissions.csv"),
        "bu_mapping_path": str(directory / "bu_mapping.csv"),
    }


@pytest.mark.dbt
def test_reader_survives_a_full_build_and_publish(sample_warehouse, tmp_path):
    """A BI reader holds the published database open while dbt rebuilds and we republish.

    The build does not touch the published file, so it succeeds; the reader keeps reading the previous
    snapshot, identical to what it read before; a new connection (new process) sees the new build.
    """
    out = tmp_path / "publish"
    first = pub.publish(sample_warehouse, out)
    reader = Reader(out)
    try:
        before = reader.ask("read")
        assert before["db"] == db_state(sample_warehouse) == before["parquet"]

        rebuilt = tmp_path / "rebuild" / "warehouse.duckdb"
        rebuilt.parent.mkdir()
        target = tmp_path / "rebuild" / "target"
        run_dbt(["build"], rebuilt, target, vars=synthetic_export(tmp_path / "export"))
        second = pub.publish(rebuilt, out, run_results=target / "run_results.json")

        assert reader.ask("read") == before
        assert second.run_id != first.run_id
        after = db_state(out / pub.DATABASE_NAME)
        assert after == db_state(rebuilt) != before["db"]
        assert parquet_state(out / pub.PARQUET_LINK) == after
        with duckdb.connect(str(out / pub.DATABASE_NAME), read_only=True) as con:
            assert con.execute(f"select distinct run_id from {pub.INFO_TABLE}").fetchall() == [
                (second.run_id,)
            ]
    finally:
        reader.close()


@pytest.mark.dbt
def test_published_tables_match_the_dbt_exposures(sample_warehouse, tmp_path):
    """Every BI-facing table of a real build is declared in the exposures, and nothing else is."""
    manifest = json.loads((sample_warehouse.parent / "target" / "manifest.json").read_text())
    exposures = {e["name"]: e for e in manifest["exposures"].values()}
    assert {"assetrec_report", "assetrec_bi_publication"} <= set(exposures)
    name_of = {
        uid: node["name"] for uid, node in {**manifest["nodes"], **manifest.get("sources", {})}.items()
    }

    def refs(exposure: str) -> set[str]:
        return {name_of[uid] for uid in exposures[exposure]["depends_on"]["nodes"]}

    with duckdb.connect() as con:
        con.execute(f"attach '{sample_warehouse}' as src (read_only)")
        published = set(pub.bi_tables(con))
    assert refs("assetrec_bi_publication") == published
    report_tables = {t for tables in report.SECTIONS.values() for t in tables} | {"recommendations"}
    assert refs("assetrec_report") == report_tables
    for exposure in exposures.values():
        assert exposure["owner"].get("name") and exposure["description"].strip()


def test_spark_publish_refuses_a_folder_without_a_spark_build(tmp_path):
    """--spark-dir naming no folder, or a folder without a Spark build's metastore, is refused with a message
    that names the folder (before any SparkSession starts); nothing is published."""
    out = tmp_path / "publish"
    with pytest.raises(pub.PublishError, match="Spark build folder not found: .*missing"):
        pub.publish(tmp_path / "unused.duckdb", out, spark_dir=tmp_path / "missing")
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(pub.PublishError, match="metastore_db not found: no Spark build in .*empty"):
        pub.publish(tmp_path / "unused.duckdb", out, spark_dir=empty)
    assert not (out / "assetrec.duckdb").exists()
    assert not list(out.glob(".*.tmp-*")), "temporary files left behind"
