"""The columns and types of the tables the Python models write, the one list both engines follow.

Types are Spark's names (Spark builds its DataFrames with them); on DuckDB the model casts to the same
types (`duckdb_projection`), so an empty or all-null column still has its declared type.
"""

from __future__ import annotations

__all__ = ["OUTPUT_SCHEMAS", "duckdb_projection"]

OUTPUT_SCHEMAS: dict[str, dict[str, str]] = {
    "model_evaluation": {
        "run_id": "string",
        "model": "string",
        "split": "string",
        "metric": "string",
        "k": "bigint",
        "value": "double",
        "users": "bigint",
        "params": "string",
        "validation_ndcg": "double",
    },
    "model_runs": {
        "run_id": "string",
        "started_at": "timestamp",
        "params": "string",
        "data_fingerprint": "string",
        "interactions": "bigint",
        "chosen_model": "string",
        "metrics_summary": "string",
    },
    "recommendations": {
        "cookie": "string",
        "rank": "bigint",
        "page_url": "string",
        "score": "double",
        "business_units": "array<string>",
        "model": "string",
        "because_page_url": "string",
        "because_share": "double",
    },
    "similar_pages": {
        "page_url": "string",
        "rank": "bigint",
        "similar_page_url": "string",
        "score": "double",
        "model": "string",
    },
    "next_pages": {
        "page_url": "string",
        "rank": "bigint",
        "next_page_url": "string",
        "score": "double",
        "model": "string",
    },
}

# Spark's type names as DuckDB's (model_runs.started_at is a naive UTC timestamp on both engines).
_DUCKDB_TYPES = {
    "string": "varchar",
    "bigint": "bigint",
    "double": "double",
    "array<string>": "varchar[]",
    "timestamp": "timestamp",
}


def duckdb_projection(table: str) -> str:
    """The select list that casts every column of `table` to its declared type, in the declared order."""
    return ", ".join(
        f"cast({column} as {_DUCKDB_TYPES[kind]}) as {column}"
        for column, kind in OUTPUT_SCHEMAS[table].items()
    )
