"""Running this repository's dbt project against a given database: the one helper tests and benchmarks share.

Each call gets its own target and log folders, so parallel runs never share dbt state, and the database
goes where `ASSETREC_DB` points (profiles.yml reads it). With `dbt_target="spark"` the build runs on the Spark
target instead, its state (warehouse, metastore, logs) in `spark_dir` (`ASSETREC_SPARK_DIR`).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

__all__ = ["DBT", "REPO", "DbtFailed", "dbt_command", "dbt_env", "publish_command", "run_dbt"]

REPO = Path(__file__).resolve().parents[2]  # python/assetrec/ -> the repository root
DBT = str(Path(sys.executable).with_name("dbt"))


class DbtFailed(RuntimeError):
    """A dbt command exited with an error; the message holds the end of its output."""


def dbt_command(
    args: list[str],
    target: Path,
    variables: dict | None = None,
    profiles_dir: Path = REPO,
    dbt_target: str | None = None,
) -> list[str]:
    """The dbt command line for `args` on this project, with its own target and log folders; `dbt_target`
    names a profile output (None: the profile's default, the DuckDB `dev`)."""
    command = [DBT, *args, "--project-dir", str(REPO), "--profiles-dir", str(profiles_dir)]
    if dbt_target is not None:
        command += ["--target", dbt_target]
    command += ["--target-path", str(target), "--log-path", str(Path(target) / "logs")]
    if variables:
        command += ["--vars", json.dumps(variables)]
    return command


def dbt_env(db: Path, spark_dir: Path | None = None, **extra: str) -> dict:
    """The environment for a dbt run that writes `db` (or, on the Spark target, the folder `spark_dir`)."""
    env = {**os.environ, "ASSETREC_DB": str(db), "DBT_SEND_ANONYMOUS_USAGE_STATS": "false", **extra}
    if spark_dir is not None:
        env["ASSETREC_SPARK_DIR"] = str(spark_dir)
    return env


def run_dbt(
    args: list[str],
    db: Path,
    target: Path,
    variables: dict | None = None,
    check: bool = True,
    dbt_target: str | None = None,
    spark_dir: Path | None = None,
) -> subprocess.CompletedProcess:
    """Run dbt `args` against `db` from the repository root; with `check`, raise DbtFailed on an error.
    `dbt_target="spark"` with `spark_dir` runs it on the Spark target, its state under `spark_dir`."""
    result = subprocess.run(
        dbt_command(args, target, variables, dbt_target=dbt_target),
        cwd=REPO,
        env=dbt_env(db, spark_dir),
        capture_output=True,
        text=True,
    )
    if check and result.returncode != 0:
        raise DbtFailed(f"dbt {' '.join(args)} failed:\n{result.stdout[-8000:]}\n{result.stderr[-4000:]}")
    return result


def publish_command(db: Path, out: Path, run_results: Path | None = None) -> list[str]:
    """`python -m assetrec.publish` for a built database (checked against `run_results` when given)."""
    command = [sys.executable, "-m", "assetrec.publish", "--db", str(db), "--out", str(out)]
    return command if run_results is None else [*command, "--run-results", str(run_results)]
