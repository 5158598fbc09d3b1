"""Whether the warehouse may be published: dbt's run_results.json and the build marker agree and passed.

`assetrec.publish` refuses a publication unless the run_results.json it is given reports no error, failure or
skip, and comes from the dbt invocation that last modified the warehouse (its build marker), or from a later
command that does not modify it (`dbt test`, `dbt docs generate`, ...) after a build that succeeded. See
`assetrec.publish` for why both are needed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import duckdb

# Written by the on-run-start / on-run-end hooks (macros/build/build_marker.sql): the dbt invocation that last
# modified the warehouse, whether it finished and whether every node of it succeeded.
BUILD_MARKER = "_assetrec_build"
# dbt commands that only read the warehouse (the marker is written by those that modify it, see the
# macro modifies_warehouse) but rewrite run_results.json: after one of these, the marker vouches for the
# build (finished and succeeded) and the file for the command's own results.
READ_ONLY_COMMANDS = ("test", "compile", "docs generate", "list", "ls", "show", "parse", "source freshness")
# dbt statuses that mean the invocation did not fully succeed (`warn` is a success with warnings).
FAILED_STATUSES = {"error", "fail", "runtime error", "skipped"}


class PublishError(RuntimeError):
    """The publication was refused or failed; the previous one is untouched."""


@dataclass(frozen=True)
class DbtInvocation:
    """What a run_results.json says about the dbt invocation that wrote it."""

    path: Path
    invocation_id: str | None
    command: str | None


def check_run_results(path: Path) -> DbtInvocation:
    """Refuse to publish after a dbt invocation that failed (or whose results are missing).

    Returns the invocation the file describes, for `check_build_marker`.
    """
    if not path.exists():
        raise PublishError(f"{path} not found: no dbt run to publish (run `dbt build` first)")
    try:
        content = json.loads(path.read_text())
        results = content["results"]
    except (ValueError, KeyError, TypeError) as error:
        raise PublishError(f"{path} is not a dbt run_results.json: {error}") from error
    bad = [f"{r.get('unique_id')} ({r.get('status')})" for r in results if r.get("status") in FAILED_STATUSES]
    if bad:
        shown = ", ".join(bad[:5]) + (f" and {len(bad) - 5} more" if len(bad) > 5 else "")
        raise PublishError(f"the last dbt invocation did not succeed ({shown}); nothing published")
    invocation_id = (content.get("metadata") or {}).get("invocation_id")
    command = (content.get("args") or {}).get("which")
    # args.which is the subcommand's last word: `dbt docs generate` -> generate.
    command = {"generate": "docs generate", "freshness": "source freshness"}.get(command, command)
    return DbtInvocation(path, invocation_id, command)


def check_build_marker(
    con: duckdb.DuckDBPyConnection,
    run: DbtInvocation,
    db: Path,
    catalog: str = "src",
    schema: str = "main",
) -> None:
    """Refuse unless `run` is the dbt invocation that last modified the warehouse and it finished, or `run`
    is a later invocation that does not modify the warehouse (test, compile, docs generate: its results
    passed, see check_run_results) and the one that last modified it finished and succeeded.

    The marker is read through the connection the tables are then copied from: no build can modify the
    warehouse in between (a build holds DuckDB's write lock, which a reader's attach excludes).
    """
    rebuild = "rebuild with `dbt build` (`make run`), then publish with the run_results.json it writes"
    has_marker = con.execute(
        "select count(*) from duckdb_tables() where database_name = ? and schema_name = ? and table_name = ?",
        [catalog, schema, BUILD_MARKER],
    ).fetchone()[0]
    if not has_marker:
        raise PublishError(
            f"{db} has no build marker (table {schema}.{BUILD_MARKER}, written by the dbt on-run-start hook "
            "of every build): it was built before builds were tracked, so nothing says which dbt invocation "
            f"last modified it and whether {run.path} describes it; {rebuild}; nothing published"
        )
    rows = con.execute(
        "select invocation_id, command, strftime(started_at, '%Y-%m-%d %H:%M:%S'), "
        f"strftime(finished_at, '%Y-%m-%d %H:%M:%S'), succeeded from {catalog}.{schema}.{BUILD_MARKER}"
    ).fetchall()
    if len(rows) != 1:
        raise PublishError(
            f"{db}: the build marker {schema}.{BUILD_MARKER} holds {len(rows)} rows, not one; {rebuild}; "
            "nothing published"
        )
    marker_id, command, started, finished, succeeded = rows[0]
    last = f"dbt invocation {marker_id} (`dbt {command}`, started {started} UTC"
    if run.invocation_id is None:
        raise PublishError(
            f"{run.path} has no metadata.invocation_id, so it cannot be matched with the dbt invocation that "
            f"last modified {db}, {last}); {rebuild}; nothing published"
        )
    if run.invocation_id != marker_id:
        if run.command in READ_ONLY_COMMANDS and finished is not None and succeeded:
            return
        if finished is None:
            state = "never finished: killed or interrupted"
        else:
            state = f"finished {finished} UTC" + ("" if succeeded else " with errors, failures or skips")
        hint = ""
        if run.command in READ_ONLY_COMMANDS:
            hint = f" (`dbt {run.command}` does not modify the warehouse, so the build before it must have succeeded)"
        raise PublishError(
            f"{run.path} is from dbt invocation {run.invocation_id}"
            + (f" (`dbt {run.command}`)" if run.command else "")
            + f"{hint}, but {db} was last modified by {last}, {state}): the results do not describe the "
            f"warehouse; {rebuild}; nothing published"
        )
    if finished is None:
        raise PublishError(
            f"{last}) modified {db} but never finished (interrupted or killed: {run.path} lists only the "
            f"nodes that ran before it stopped); {rebuild}; nothing published"
        )
