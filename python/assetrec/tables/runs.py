"""model_runs: one row per build, so that parameter changes can be compared over time."""

from __future__ import annotations

import hashlib
import json

import duckdb
import numpy as np
import pandas as pd

from assetrec.interactions import Interactions
from assetrec.tables.evaluation import choose_model, chosen_params, selection_split
from assetrec.tables.io import read_frame

__all__ = ["data_fingerprint", "model_run"]

HEADLINE_METRICS = ("hit_rate", "ndcg", "bu_hit_rate")


def data_fingerprint(interactions: duckdb.DuckDBPyRelation | Interactions) -> str:
    """A content hash of the interactions, independent of row order: the rows in (cookie, page_url) order,
    hashed with pandas' hash_pandas_object (ids as categoricals: each distinct id hashed once, the same
    hash as the text columns)."""
    data = Interactions.load(interactions)
    matrix = data.matrix
    rows = np.repeat(np.arange(matrix.shape[0]), np.diff(matrix.indptr))
    ordered = pd.DataFrame(
        {
            "cookie": pd.Categorical.from_codes(rows, categories=pd.Index(data.cookies, dtype=object)),
            "page_url": pd.Categorical.from_codes(
                matrix.indices, categories=pd.Index(data.pages, dtype=object)
            ),
            "event_strength": matrix.data,
        }
    )
    hashed = pd.util.hash_pandas_object(ordered, index=False).to_numpy()
    return hashlib.sha256(hashed.tobytes()).hexdigest()[:16]


def model_run(
    interactions: duckdb.DuckDBPyRelation | Interactions,
    evaluation: duckdb.DuckDBPyRelation,
    build,
) -> pd.DataFrame:
    """One row describing this build (`assetrec.settings.Build`): params, data fingerprint and the headline
    metrics."""
    evaluation = read_frame(evaluation)
    data = Interactions.load(interactions)
    headline = evaluation[(evaluation["split"] == selection_split(evaluation)) & (evaluation["k"] == 10)]
    summary = {
        f"{row.model}.{row.metric}@10": round(float(row.value), 6)
        for row in headline.itertuples()
        if row.metric in HEADLINE_METRICS
    }
    chosen = choose_model(evaluation, build.settings)
    params = chosen_params(evaluation, chosen)  # the settings the tuning chose for the deployed model
    return pd.DataFrame(
        {
            "run_id": [build.run_id],
            "started_at": [pd.Timestamp(build.started_at)],
            "params": [
                json.dumps({**build.settings.model_params(), "chosen_params": params}, sort_keys=True)
            ],
            "data_fingerprint": [data_fingerprint(data)],
            "interactions": [data.matrix.nnz],  # one stored entry per (cookie, page_url) row
            "chosen_model": [chosen],
            "metrics_summary": [json.dumps(summary, sort_keys=True)],
        }
    )
