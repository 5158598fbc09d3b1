"""How much memory and which scratch folder DuckDB may use: one setting for the build and for publish.

`ASSETREC_MEMORY_LIMIT` (default 6GB: a 24 GB machine keeps room for the Python models' own arrays, BI
tools and other work) caps DuckDB's buffer manager; above it DuckDB spills to `ASSETREC_TEMP_DIR` (default
`target/duckdb_tmp`) instead of taking up to 80% of RAM. profiles.yml reads the same variables with the same
defaults (a test keeps them equal).
"""

from __future__ import annotations

import os

__all__ = ["DEFAULT_MEMORY_LIMIT", "DEFAULT_TEMP_DIR", "MEMORY_LIMIT_VAR", "TEMP_DIR_VAR", "duckdb_config"]

MEMORY_LIMIT_VAR = "ASSETREC_MEMORY_LIMIT"
TEMP_DIR_VAR = "ASSETREC_TEMP_DIR"
DEFAULT_MEMORY_LIMIT = "6GB"
DEFAULT_TEMP_DIR = "target/duckdb_tmp"


def duckdb_config() -> dict[str, str]:
    """The `config` of a `duckdb.connect` that honours the build's memory limit and spill folder."""
    return {
        "memory_limit": os.environ.get(MEMORY_LIMIT_VAR, DEFAULT_MEMORY_LIMIT),
        "temp_directory": os.environ.get(TEMP_DIR_VAR, DEFAULT_TEMP_DIR),
    }
