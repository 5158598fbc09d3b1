"""Warehouse tables as sparse matrices: DuckDB numbers the text ids, only numbers cross into Python.

Ids are the warehouse's text ids (`cookie`, `page_url`); matrix rows and columns follow their sorted
order (DuckDB sorts UTF-8 text by code point, as Python does), so results never depend on the order in
which rows arrive. At 5M interactions this takes ~2 s, against ~20 s for `.df()` and a pandas encoding.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from dataclasses import dataclass

import duckdb
import numpy as np
import pandas as pd
import scipy.sparse as sp

__all__ = ["Interactions", "pair_matrix", "query"]

log = logging.getLogger("assetrec.interactions")


@dataclass
class Interactions:
    """A cookies x pages matrix of event strengths with the ids of its rows and columns, and for event input
    `times`: the same cells holding each pair's last submission (Unix seconds), else None."""

    matrix: sp.csr_matrix
    cookies: np.ndarray
    pages: np.ndarray
    times: sp.csr_matrix | None = None

    @classmethod
    def from_relation(cls, relation: duckdb.DuckDBPyRelation) -> Interactions:
        """From a DuckDB relation with `cookie, page_url, event_strength` (strengths of a repeated pair are
        summed), read in one query: one consistent read of the relation."""
        started = time.perf_counter()
        # Event input has each pair's last submission time (fct_page_interactions.last_submitted_at).
        timed = "last_submitted_at" in relation.columns
        moment = "epoch(interactions.last_submitted_at)" if timed else "null"
        source = "last_submitted_at" if timed else "null as last_submitted_at"
        sql = _ENCODE_SQL.format(time=moment, source=source)
        parts = _coded_parts(query(relation, "interactions_source", sql))
        (rows, cols, values), cookies, pages = parts[0], parts[1], parts[2]
        matrix = sp.csr_matrix((values, (rows, cols)), shape=(len(cookies), len(pages)))
        matrix.sum_duplicates()
        times = None
        if timed and len(parts["t"]) and not np.isnan(parts["t"]).any():
            # The latest time of a repeated pair: max per cell (pairs are unique in fct_page_interactions).
            order = np.lexsort((parts["t"], cols, rows))
            last = np.r_[(rows[order][1:] != rows[order][:-1]) | (cols[order][1:] != cols[order][:-1]), True]
            pick = order[last]
            times = sp.csr_matrix((parts["t"][pick], (rows[pick], cols[pick])), shape=matrix.shape)
            times.sort_indices()
        log.info(
            "loaded %d interactions (%d cookies x %d pages) in %.2fs",
            matrix.nnz,
            len(cookies),
            len(pages),
            time.perf_counter() - started,
        )
        return cls(matrix=matrix, cookies=cookies, pages=pages, times=times)

    @classmethod
    def from_frame(cls, frame: pd.DataFrame) -> Interactions:
        """The same from a DataFrame (tests, notebooks), through DuckDB: one encoding for both."""
        return cls.from_relation(duckdb.connect().from_df(frame))

    @classmethod
    def load(cls, source: duckdb.DuckDBPyRelation | Interactions) -> Interactions:
        return source if isinstance(source, Interactions) else cls.from_relation(source)


# One result in three parts (`part`): 0 = one row per interaction (row code `a`, column code `b`, value `v`),
# 1 = the cookie of each row code (`id`), 2 = the page of each column code. Codes follow the sorted ids.
_ENCODE_SQL = """
with interactions as materialized (
    select cookie, page_url, event_strength, {source} from interactions_source
),
cookies as materialized (
    select cookie, cast(row_number() over (order by cookie) - 1 as integer) as code
    from (select distinct cookie from interactions)
),
pages as materialized (
    select page_url, cast(row_number() over (order by page_url) - 1 as integer) as code
    from (select distinct page_url from interactions)
)
select 0 as part, cookies.code as a, pages.code as b, cast(interactions.event_strength as double) as v,
    cast(null as varchar) as id, cast({time} as double) as t
from interactions
inner join cookies on interactions.cookie = cookies.cookie
inner join pages on interactions.page_url = pages.page_url
union all
select 1, code, null, null, cookie, null from cookies
union all
select 2, code, null, null, page_url, null from pages
"""

# The same three-part shape: 0 = pairs (codes a, b and the measure v), 1 = the page of each code.
_PAIR_CODES_SQL = """
with pairs_measure as materialized (select page_a, page_b, {column} as value from pairs),
pair_pages as materialized (
    select page_url, cast(row_number() over (order by page_url) - 1 as integer) as code
    from (select page_a as page_url from pairs_measure union select page_b from pairs_measure)
)
select 0 as part, page_a_codes.code as a, page_b_codes.code as b, cast(pairs_measure.value as double) as v,
    cast(null as varchar) as id
from pairs_measure
inner join pair_pages as page_a_codes on pairs_measure.page_a = page_a_codes.page_url
inner join pair_pages as page_b_codes on pairs_measure.page_b = page_b_codes.page_url
union all
select 1, code, null, null, page_url from pair_pages
"""


def pair_matrix(pairs: duckdb.DuckDBPyRelation, measure: str, pages: np.ndarray) -> sp.csr_matrix:
    """Column `measure` of a `page_a, page_b, ...` relation (page_cooccurrence) as a pages x pages matrix
    in the order of `pages` (tens of millions of pairs at scale: coded in DuckDB, as the interactions)."""
    column = '"' + measure.replace('"', '""') + '"'
    parts = _coded_parts(query(pairs, "pairs", _PAIR_CODES_SQL.format(column=column)))
    (a, b, values), pair_pages = parts[0], parts[1].astype(str)
    ours = pages.astype(str)
    position = np.minimum(np.searchsorted(ours, pair_pages), max(len(ours) - 1, 0))
    if len(pair_pages) and not np.array_equal(ours[position], pair_pages):
        raise ValueError("page_cooccurrence has pages that are not in fct_page_interactions")
    return sp.csr_matrix((values, (position[a], position[b])), shape=(len(pages), len(pages)))


def _coded_parts(result: duckdb.DuckDBPyRelation) -> dict:
    """Split a `part, a, b, v, id` result: {0: (a, b, v) int64/int64/float64 arrays, 1: ids of codes 0..n-1
    of part 1, 2: the same for part 2} (object arrays of str)."""
    columns = result.fetchnumpy()
    part = np.asarray(columns["part"])
    a = np.ma.getdata(columns["a"]).astype(np.int64)
    out = {}
    keep = part == 0
    out[0] = (
        a[keep],
        np.ma.getdata(columns["b"])[keep].astype(np.int64),
        np.ma.getdata(columns["v"])[keep].astype(np.float64),
    )
    if "t" in columns:
        t = columns["t"][keep]
        out["t"] = (
            np.ma.filled(t.astype(np.float64), np.nan) if np.ma.isMaskedArray(t) else t.astype(np.float64)
        )
    ids = np.ma.getdata(columns["id"])
    for kind in (1, 2):
        keep = part == kind
        values = np.empty(int(keep.sum()), dtype=object)
        values[a[keep]] = ids[keep]
        out[kind] = values
    return out


def query(relation: duckdb.DuckDBPyRelation, name: str, sql: str) -> duckdb.DuckDBPyRelation:
    """`sql` run on `relation`, which it calls `name` (made unique per call, so that two Python models
    running side by side on the same database never share a temporary view name)."""
    unique = f"{name}_{uuid.uuid4().hex[:12]}"
    return relation.query(unique, re.sub(rf"\b{name}\b", unique, sql))
