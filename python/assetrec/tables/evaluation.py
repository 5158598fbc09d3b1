"""model_evaluation: every registered model on the same held-out splits, and the choice among them."""

from __future__ import annotations

import json
import logging

import duckdb
import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from assetrec import registry
from assetrec.evaluate import evaluate_fitted
from assetrec.interactions import Interactions
from assetrec.splits import SPLITS, TIMED_SPLITS, sample_user_rows
from assetrec.splits import split as make_split
from assetrec.tables.io import read_frame
from assetrec.tables.pages import Candidates, candidate_items, page_units
from assetrec.tables.schemas import OUTPUT_SCHEMAS
from assetrec.tuning import ranked, tune

__all__ = ["SELECTION", "choose_model", "chosen_params", "model_evaluation", "selection_split"]

log = logging.getLogger("assetrec.tables")
# Model choice: the best validation NDCG@10 on the selection split's training part (assetrec.tuning), never a
# test part. The selection split is last_events for event input (what comes next), else leave_one_out.
SELECTION = {"split": "leave_one_out", "timed_split": "last_events", "metric": "ndcg", "k": 10}
KS = (5, 10, 20)
COLUMNS = list(OUTPUT_SCHEMAS["model_evaluation"])


def model_evaluation(
    interactions: duckdb.DuckDBPyRelation | Interactions,
    pages: duckdb.DuckDBPyRelation,
    settings,
    run_id: str,
) -> pd.DataFrame:
    """Every model on the same held-out splits, each with the settings tuned on that split's training part:
    `run_id, model, split, metric, k, value, users, params, validation_ndcg`.

    With more than `eval_max_cookies` cookies, the splits are made on a deterministic sample of that many
    cookies (seeded by `eval_seed`): every model is tuned and fitted on the sample's training interactions
    only, so the evaluation's cost stops growing with the data. Model choice then rests on that sample."""
    data = Interactions.load(interactions)
    pages = read_frame(pages, "page_url, business_units")
    items = candidate_items(data, pages, settings.candidate_pages)
    units = page_units(data, pages)
    matrix, times = data.matrix, data.times
    if settings.eval_max_cookies and matrix.shape[0] > settings.eval_max_cookies:
        rows = sample_user_rows(matrix.shape[0], settings.eval_max_cookies, settings.eval_seed)
        log.info("evaluating on a sample of %d of %d cookies (eval_max_cookies)", len(rows), matrix.shape[0])
        matrix = matrix[rows]
        times = None if times is None else times[rows]
    splits = SPLITS if times is None else TIMED_SPLITS

    def wrap(model):
        return Candidates(model, items)

    frames = []
    # One BLAS thread throughout (the ALS fit sets its own): small products only lose with more.
    with threadpool_limits(limits=1, user_api="blas"):
        for split in splits:
            train, test = make_split(split, matrix, settings.eval_seed, times=times)
            # A time-based split is validated in time too: the training cells' own submission times.
            train_times = times.multiply(train > 0).tocsr() if split == "last_events" else None
            budget = settings.tuning_budget_seconds / len(splits)
            tuned = tune(
                train, settings, wrap, budget, settings.eval_seed, settings.max_eval_users, train_times
            )
            for name in (n for n in registry.names() if n in tuned):
                model = wrap(registry.make(name, settings, tuned[name].params)).fit(train)
                result = evaluate_fitted(
                    model, train, test, KS, units, settings.max_eval_users, settings.eval_seed
                )
                result.insert(0, "split", split)
                result.insert(0, "model", name)
                result["params"] = tuned[name].params_json()
                result["validation_ndcg"] = tuned[name].validation_ndcg
                frames.append(result)
    out = pd.concat(frames, ignore_index=True)
    out.insert(0, "run_id", run_id)
    out["k"] = out["k"].astype(np.int64)
    out["users"] = out["users"].astype(np.int64)
    return out[COLUMNS]


def choose_model(evaluation: pd.DataFrame, settings) -> str:
    """The var('recommender') model, or the best by validation NDCG@10 on the selection split's training
    part (ties: registry order, cheaper first)."""
    if settings.recommender != "best":
        return settings.recommender
    scores = _selection_rows(evaluation).groupby("model")["validation_ndcg"].first()
    return ranked({name: float(value) for name, value in scores.items() if name in registry.names()})[0]


def chosen_params(evaluation: pd.DataFrame, name: str) -> dict:
    """The settings tuned for model `name` on the selection split (what recommendations refits with)."""
    rows = _selection_rows(evaluation)
    rows = rows[rows["model"] == name]
    if rows.empty:
        raise ValueError(f"model_evaluation has no {selection_split(evaluation)} rows for model {name!r}")
    return json.loads(rows["params"].iloc[0])


def selection_split(evaluation: pd.DataFrame) -> str:
    """The split that chooses the model: last_events when the evaluation has it (event input)."""
    timed = SELECTION["timed_split"]
    return timed if (evaluation["split"] == timed).any() else SELECTION["split"]


def _selection_rows(evaluation: pd.DataFrame) -> pd.DataFrame:
    split = selection_split(evaluation)
    rows = evaluation[evaluation["split"] == split]
    if rows.empty or "validation_ndcg" not in rows:
        raise ValueError(
            f"model_evaluation has no {split} rows with validation_ndcg to choose a recommender from"
        )
    return rows
