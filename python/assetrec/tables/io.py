"""Reading warehouse relations into Python and shaping the tables written back."""

from __future__ import annotations

import logging

import duckdb
import numpy as np
import pandas as pd

__all__ = ["read_frame", "show_progress", "text_column"]


def read_frame(relation: duckdb.DuckDBPyRelation, columns: str | None = None, where: str | None = None):
    """A small table as a DataFrame, filtered and projected in DuckDB first."""
    if where:
        relation = relation.filter(where)
    if columns:
        relation = relation.project(columns)
    return relation.df()


def text_column(values) -> pd.api.extensions.ExtensionArray:
    """Ids as pandas' string dtype: DuckDB then types the column VARCHAR even when it is empty (an empty
    object column becomes type NULL, which breaks the unit tests' fixtures of downstream models)."""
    return pd.array(np.asarray(values, dtype=object), dtype="str")


def show_progress() -> None:
    """Print assetrec's INFO logs (ALS iterations, losses) to stderr, once, so `dbt build` shows them."""
    root = logging.getLogger("assetrec")
    if not root.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s  %(name)s: %(message)s", "%H:%M:%S"))
        root.addHandler(handler)
        root.setLevel(logging.INFO)
        root.propagate = False  # dbt's own root handler would print every line twice
