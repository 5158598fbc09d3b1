"""model_runs: one row per build, so that parameter changes can be compared over time. The data fingerprint
is computed in SQL (models/intermediate/int_data_fingerprint.sql): nothing here reads the interactions."""

from __future__ import annotations

import json

import duckdb
import pandas as pd

from assetrec.tables.evaluation import choose_model, chosen_params, selection_split
from assetrec.tables.io import read_frame

__all__ = ["model_run"]

HEADLINE_METRICS = ("hit_rate", "ndcg", "bu_hit_rate")


def model_run(
    fingerprint: duckdb.DuckDBPyRelation,
    evaluation: duckdb.DuckDBPyRelation,
    build,
) -> pd.DataFrame:
    """One row describing this build (`assetrec.settings.Build`): params, the data fingerprint and number of
    interactions (int_data_fingerprint's one row, computed in SQL) and the headline metrics."""
    evaluation = read_frame(evaluation)
    data = read_frame(fingerprint, "data_fingerprint, interactions")
    if len(data) != 1:
        raise ValueError(f"int_data_fingerprint has {len(data)} rows, expected one")
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
            "data_fingerprint": [str(data["data_fingerprint"].iloc[0])],
            "interactions": [int(data["interactions"].iloc[0])],
            "chosen_model": [chosen],
            "metrics_summary": [json.dumps(summary, sort_keys=True)],
        }
    )
