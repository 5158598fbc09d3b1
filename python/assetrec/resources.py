"""How much memory and which scratch folder DuckDB may use: one setting for the build and for publish.

`ASSETREC_MEMORY_LIMIT` (default 4GB: the 5M build then peaks at 5.3 GB with the Python models' own arrays, so a
24 GB machine keeps room for BI tools and other work) caps DuckDB's buffer manager; above it DuckDB spills to `ASSETREC_TEMP_DIR` instead of
taking up to 80% of RAM. Its default is DuckDB's own for a database file, `<database>.tmp` beside it: DuckDB
creates only the last folder of a spill path, and the database's folder always exists (a fixed default such as
`target/duckdb_tmp` fails once a build spills from a directory without `target/`). profiles.yml reads the same
variables with the same defaults (a test keeps them equal).
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["DEFAULT_MEMORY_LIMIT", "MEMORY_LIMIT_VAR", "TEMP_DIR_VAR", "default_temp_dir", "duckdb_config"]

MEMORY_LIMIT_VAR = "ASSETREC_MEMORY_LIMIT"
TEMP_DIR_VAR = "ASSETREC_TEMP_DIR"
DEFAULT_MEMORY_LIMIT = "4GB"


def default_temp_dir(database: Path | str) -> str:
    """Where DuckDB spills for `database` without ASSETREC_TEMP_DIR: `<database>.tmp`."""
    return f"{database}.tmp"


def duckdb_config(database: Path | str) -> dict[str, str]:
    """The `config` of a `duckdb.connect` that honours the build's memory limit and spills for `database`
    (the file the connection writes) to ASSETREC_TEMP_DIR or beside it."""
    return {
        "memory_limit": os.environ.get(MEMORY_LIMIT_VAR, DEFAULT_MEMORY_LIMIT),
        "temp_directory": os.environ.get(TEMP_DIR_VAR, default_temp_dir(database)),
    }
