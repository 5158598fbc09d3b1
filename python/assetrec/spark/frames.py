"""Spark DataFrames to and from what assetrec's table builders take and return: DuckDB relations, pandas
frames and `Interactions` matrices, through Arrow. What is collected here lands on the driver: only small
tables (pages, evaluation rows, one build row) or what a caller documents as collected."""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import scipy.sparse as sp
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from assetrec.interactions import Interactions
from assetrec.settings import Build

__all__ = [
    "build",
    "collect_interactions",
    "page_catalogue",
    "page_ids",
    "to_pandas",
    "to_relation",
    "to_spark",
]

# Output columns: Spark's types, and the Arrow types a pandas frame is converted with (so that an empty frame,
# or a list column without values, still gets its type).
_ARROW_TYPES = {
    "string": pa.string(),
    "bigint": pa.int64(),
    "double": pa.float64(),
    "timestamp": pa.timestamp("us", tz="UTC"),
    "array<string>": pa.list_(pa.string()),
    "array<double>": pa.list_(pa.float64()),
}
# One DuckDB connection for the relations handed to assetrec's builders (a relation needs its connection).
_DUCKDB = duckdb.connect()


def to_relation(frame: DataFrame) -> duckdb.DuckDBPyRelation:
    """A Spark DataFrame, collected, as a DuckDB relation (arrays stay lists, text stays text)."""
    return _DUCKDB.from_arrow(frame.toArrow())


def to_pandas(frame: DataFrame) -> pd.DataFrame:
    return to_relation(frame).df()


def build(build_run: DataFrame) -> Build:
    """`assetrec.settings.Build` from int_build_run (one row)."""
    return Build.read(to_relation(build_run))


def page_ids(interactions: DataFrame) -> np.ndarray:
    """The pages of fct_page_interactions, sorted (the matrix columns, as `Interactions` orders them)."""
    pages = interactions.select("page_url").distinct().toArrow().column("page_url").to_pylist()
    return np.array(sorted(pages), dtype=object)


def page_catalogue(pages: DataFrame) -> pd.DataFrame:
    """dim_pages' `page_url, business_units` (one row per page: small)."""
    return to_pandas(pages.select("page_url", "business_units"))


def collect_interactions(interactions: DataFrame, pages: np.ndarray | None = None) -> Interactions:
    """fct_page_interactions (or a sample of its cookies) collected as `Interactions`, its columns `pages`
    (default: the pages of the rows themselves), encoded by DuckDB as on the DuckDB target (with the
    submission times of event input, from last_submitted_at)."""
    columns = ["cookie", "page_url", F.col("event_strength").cast("double")]
    if "last_submitted_at" in interactions.columns:
        columns.append("last_submitted_at")
    data = Interactions.from_relation(to_relation(interactions.select(columns)))
    if pages is None or np.array_equal(data.pages, pages):
        return data
    column = pd.Index(pages).get_indexer(data.pages)
    shape = (len(data.cookies), len(pages))
    return Interactions(
        matrix=_with_columns(data.matrix, column, shape),
        cookies=data.cookies,
        pages=pages,
        times=None if data.times is None else _with_columns(data.times, column, shape),
    )


def _with_columns(matrix: sp.csr_matrix, column: np.ndarray, shape: tuple[int, int]) -> sp.csr_matrix:
    """`matrix` with its column j moved to column[j] of a matrix of `shape`."""
    cells = matrix.tocoo()
    shaped = sp.csr_matrix((cells.data, (cells.row, column[cells.col])), shape=shape)
    shaped.sort_indices()
    return shaped


def to_spark(spark: SparkSession, frame: pd.DataFrame, schema: dict[str, str]) -> DataFrame:
    """A pandas frame as a Spark DataFrame with exactly the columns and Spark types of `schema`
    (`{name: spark type}`)."""
    arrow_schema = pa.schema([(name, _ARROW_TYPES[kind]) for name, kind in schema.items()])
    columns = {name: _arrow_values(frame[name], arrow_schema.field(name).type) for name in schema}
    table = pa.table(columns, schema=arrow_schema)
    created = spark.createDataFrame(table)
    return created.select([F.col(name).cast(kind).alias(name) for name, kind in schema.items()])


def _arrow_values(values: pd.Series, kind: pa.DataType) -> pa.Array:
    if pa.types.is_list(kind):
        return pa.array([None if v is None else list(v) for v in values], type=kind)
    if pa.types.is_timestamp(kind):
        stamps = pd.to_datetime(values)
        stamps = stamps.dt.tz_localize("UTC") if stamps.dt.tz is None else stamps.dt.tz_convert("UTC")
        return pa.array(stamps, type=kind)
    return pa.array(values, type=kind, from_pandas=True)
