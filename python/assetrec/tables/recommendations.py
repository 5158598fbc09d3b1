"""recommendations: the top-K unseen pages of every cookie, from the chosen model fitted on all interactions."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any

import duckdb
import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from assetrec import registry
from assetrec.interactions import Interactions, pair_matrix
from assetrec.models import CooccurrenceRecommender
from assetrec.parallel import map_chunks
from assetrec.recommender_base import Recommender
from assetrec.tables.evaluation import choose_model, chosen_params
from assetrec.tables.factors import factor_matrix
from assetrec.tables.io import read_frame, text_column
from assetrec.tables.pages import candidate_items, page_units

__all__ = [
    "DeployInputs",
    "deployed_model",
    "fitted_model",
    "is_build_als",
    "next_page_rows",
    "next_pages",
    "recommendation_rows",
    "recommendations",
]

log = logging.getLogger("assetrec.tables")
# Cookies scored per chunk (one dense chunk x pages block per thread).
SCORE_CHUNK_USERS = 2048


@dataclass(frozen=True)
class DeployInputs:
    """The warehouse tables `recommendations` and `next_pages` are built from: the interactions the deployed
    model is fitted on (or an `Interactions`), the page catalogue, the evaluation that chose the model, the
    build's ALS factors and the co-occurrence pairs (both reused when they hold the chosen model). DuckDB
    relations; Spark DataFrames on the Spark target."""

    interactions: Any
    pages: Any
    evaluation: Any
    factors: Any
    cooccurrence: Any


def recommendations(inputs: DeployInputs, settings) -> pd.DataFrame:
    """Top-K unseen pages per cookie: `cookie, rank, page_url, score, business_units, model,
    because_page_url, because_share`.

    The chosen model is refitted on all interactions with the settings tuned for it, and each offer carries
    its reason (`Recommender.explain`): the cookie's own page adding most to the score and that term's share
    of the score. Scored in chunks of SCORE_CHUNK_USERS cookies (never a cookies x pages matrix)."""
    data = Interactions.load(inputs.interactions)
    pages = read_frame(inputs.pages, "page_url, business_units")
    name, model = deployed_model(data, inputs.evaluation, inputs.factors, inputs.cooccurrence, settings)
    items = candidate_items(data, pages, settings.candidate_pages)
    return recommendation_rows(name, model, data, items, page_units(data, pages), settings.top_k)


def recommendation_rows(
    name: str,
    model: Recommender,
    data: Interactions,
    items: np.ndarray | None,
    units: list[list[str]],
    top_k: int,
) -> pd.DataFrame:
    """The rows of `recommendations` for the cookies of `data` (its matrix columns: every page, as `units`)
    from a fitted model: scored in chunks of SCORE_CHUNK_USERS cookies on every core. The Spark target calls
    it on each partition of cookies."""
    started = time.perf_counter()

    def score(batch):
        rows = data.matrix[batch]
        ids, scores = model.recommend(batch, rows, N=top_k, items=items)
        because, share = model.explain(batch, rows, ids)
        return ids, scores, because, share

    parts = map_chunks(len(data.cookies), score, chunk=SCORE_CHUNK_USERS)
    ids, scores, because, share = (
        (np.concatenate([p[i] for p in parts]) for i in range(4))
        if parts
        else (np.empty((0, top_k), dtype) for dtype in (np.int32, float, np.int32, float))
    )
    log.info("recommendations: scored %d cookies in %.2fs", len(data.cookies), time.perf_counter() - started)
    keep = ids >= 0
    rows, ranks = np.nonzero(keep)
    page_index = ids[keep].astype(np.int64)
    reason = because[keep].astype(np.int64)
    return pd.DataFrame(
        {
            "cookie": text_column(data.cookies[rows]),
            "rank": ranks.astype(np.int64) + 1,
            "page_url": text_column(data.pages[page_index]),
            "score": scores[keep],
            "business_units": [units[i] for i in page_index],
            "model": name,
            "because_page_url": pd.array(
                [data.pages[i] if i >= 0 else None for i in reason], dtype=pd.StringDtype()
            ),
            "because_share": share[keep],
        }
    )


def next_pages(inputs: DeployInputs, settings) -> pd.DataFrame:
    """For a visitor on page X, what to offer next: the deployed model's item-to-item neighbours,
    `page_url, rank, next_page_url, score, model` (top_k per page, best first, never X itself)."""
    data = Interactions.load(inputs.interactions)
    pages = read_frame(inputs.pages, "page_url, business_units")
    name, model = deployed_model(data, inputs.evaluation, inputs.factors, inputs.cooccurrence, settings)
    items = candidate_items(data, pages, settings.candidate_pages)
    return next_page_rows(name, model, data.pages, items, settings.top_k)


def next_page_rows(
    name: str, model: Recommender, pages: np.ndarray, items: np.ndarray | None, top_k: int
) -> pd.DataFrame:
    """The rows of `next_pages` from a fitted model whose item ids are the positions in `pages`."""
    ids, scores = model.similar_items(np.arange(len(pages)), N=top_k, items=items)
    keep = (ids >= 0) & np.isfinite(scores)
    rows, ranks = np.nonzero(keep)
    return pd.DataFrame(
        {
            "page_url": text_column(pages[rows]),
            "rank": ranks.astype(np.int64) + 1,
            "next_page_url": text_column(pages[ids[keep].astype(np.int64)]),
            "score": scores[keep],
            "model": name,
        }
    )


def deployed_model(
    data: Interactions,
    evaluation: duckdb.DuckDBPyRelation,
    factors: duckdb.DuckDBPyRelation,
    cooccurrence: duckdb.DuckDBPyRelation,
    settings,
) -> tuple[str, Recommender]:
    """The chosen model's name and the model fitted on all interactions with its tuned settings."""
    evaluation = read_frame(evaluation)
    name = choose_model(evaluation, settings)
    params = chosen_params(evaluation, name)
    started = time.perf_counter()
    with threadpool_limits(limits=1, user_api="blas"):
        model = fitted_model(name, params, data, factors, cooccurrence, settings)
    log.info("%s with %s ready in %.2fs", name, params, time.perf_counter() - started)
    return name, model


def is_build_als(name: str, params: dict, settings) -> bool:
    """Whether model `name` with `params` is the build's own ALS fit (int_als_factors: the vars' settings)."""
    return name == "als" and params == registry.defaults("als", settings)


def fitted_model(
    name: str,
    params: dict,
    data: Interactions,
    factors: duckdb.DuckDBPyRelation,
    cooccurrence: duckdb.DuckDBPyRelation,
    settings,
) -> Recommender:
    """Model `name` with `params` fitted on all interactions. The warehouse's own tables are reused where
    they hold that very model: ALS with the vars' settings is int_als_factors, and the co-occurrence model
    is page_cooccurrence's measure (so the deployed co-occurrence model is the SQL's)."""
    if is_build_als(name, params, settings):
        model = registry.make(name, settings, params)
        model.model.user_factors = factor_matrix(factors, "cookie", data.cookies)
        model.model.item_factors = factor_matrix(factors, "page", data.pages)
        return model
    if name == "cooccurrence":
        similarity = pair_matrix(cooccurrence, params["similarity"], data.pages)
        return CooccurrenceRecommender.from_similarity(
            similarity, neighbours=settings.cooccurrence_neighbours
        ).fit(data.matrix)
    return registry.make(name, settings, params).fit(data.matrix)
