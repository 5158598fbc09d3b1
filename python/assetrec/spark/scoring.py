"""The deployed model on Spark: fitted once on the driver (or by Spark's ALS), scored on the executors.

The fitted model is broadcast: every executor scores its cookies with the same `recommend` and `explain` as the
DuckDB target (`assetrec.tables.recommendations.recommendation_rows`), one group of cookies at a time
(applyInPandas). How each kind is fitted:

- ALS models: by Spark (`assetrec.spark.als`); only the page factors are broadcast, each cookie's own factors
  travel with its rows;
- EASE, DLAE, EDLAE: the Gram matrix of the `ease_max_pages` most popular pages is summed by Spark
  (`assetrec.spark.item_item`), the pages x pages solve runs on the driver;
- RP3beta: its random-walk weights are summed by Spark, which keeps each page's strongest (the same module);
- the popularity baseline: from Spark's count of cookies per page;
- co-occurrence: from page_cooccurrence's pairs (Spark SQL), as on DuckDB (`recommendations` does not come
  here for it: `assetrec.spark.cooccurrence` scores it in Spark SQL; `next_pages` still does);
- a blend: each of its two models as above, then blended (the cookie factors of each ALS part travel with the
  cookies' rows).
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp
from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from assetrec import registry
from assetrec.interactions import Interactions
from assetrec.models.als import AlternatingLeastSquares
from assetrec.models.blend import Blend
from assetrec.models.ease import DenseItemItem
from assetrec.models.popularity import MostPopular
from assetrec.models.rp3beta import RP3beta
from assetrec.recommender_base import Recommender
from assetrec.spark import als, frames, item_item
from assetrec.tables.evaluation import choose_model, chosen_params
from assetrec.tables.factors import factor_matrix
from assetrec.tables.recommendations import fitted_model, is_build_als, recommendation_rows
from assetrec.tables.schemas import OUTPUT_SCHEMAS

__all__ = ["DeployedModel", "deployed_model", "score_cookies"]

log = logging.getLogger("assetrec.spark")
# Interactions per group of cookies scored in one pandas call (a group is held in one Python worker).
ROWS_PER_GROUP = 500_000
MATRIX_FACTORISATION = "matrix factorisation"


@dataclass
class DeployedModel:
    """The chosen model fitted on all interactions; `cookie_factors` (`cookie, factors`) for ALS models,
    whose `model` then holds the page factors only."""

    name: str
    model: Recommender
    cookie_factors: DataFrame | None = None


def chosen_model(evaluation: DataFrame, settings) -> tuple[str, dict]:
    """As `assetrec.tables.recommendations.deployed_model` chooses: the model chosen from model_evaluation
    (collected: a few hundred rows) and its tuned settings."""
    scores = frames.to_pandas(evaluation)
    name = choose_model(scores, settings)
    return name, chosen_params(scores, name)


def deployed_model(
    interactions: DataFrame,
    chosen: tuple[str, dict],
    factors: DataFrame,
    cooccurrence: DataFrame,
    settings,
    pages: np.ndarray,
) -> DeployedModel:
    """The `chosen_model` (name, params) fitted on all interactions. A blend's two models are each fitted the
    Spark way of their kind, then blended."""
    name, params = chosen
    started = time.perf_counter()
    inputs = (interactions, factors, cooccurrence, settings, pages)
    if registry.spec(name).kind == "blend":
        fits = [_fitted(part, part_params, *inputs) for part, part_params in params["models"]]
        model = Blend.of_fitted(fits[0][0], fits[1][0], params["weight"])
    else:
        fits = [_fitted(name, params, *inputs)]
        model = fits[0][0]
    cookie_factors = _joined_factors([part_factors for _, part_factors in fits if part_factors is not None])
    log.info("%s with %s ready on Spark in %.2fs", name, params, time.perf_counter() - started)
    return DeployedModel(name, model, cookie_factors)


def _fitted(
    name: str,
    params: dict,
    interactions: DataFrame,
    factors: DataFrame,
    cooccurrence: DataFrame,
    settings,
    pages,
) -> tuple[Recommender, DataFrame | None]:
    """Single model `name` with `params` fitted on all interactions, the heavy part by Spark (see the module
    docstring), and for ALS models its cookie factors (`cookie, factors`), which stay in Spark."""
    model = registry.make(name, settings, params)
    inner = getattr(model, "model", model)  # inside Transformed(model, transform)
    if registry.spec(name).kind == MATRIX_FACTORISATION:
        if is_build_als(name, params, settings):
            # int_als_factors is this very fit (the vars' settings), as on DuckDB.
            cookie_factors = factors.where("entity = 'cookie'").selectExpr("id as cookie", "factors")
            page_factors = factors.where("entity = 'page'")
        else:
            cookie_factors, page_factors = als.fit_factors(interactions, params, settings.als_seed)
            page_factors = page_factors.selectExpr("'page' as entity", "page_url as id", "factors")
        inner.item_factors = factor_matrix(frames.to_relation(page_factors), "page", pages)
        inner.user_factors = np.zeros((0, inner.item_factors.shape[1]), dtype=inner.item_factors.dtype)
        return model, cookie_factors
    if isinstance(inner, DenseItemItem):
        gram, items = item_item.gram_matrix(interactions, pages, params["transform"], inner.max_items)
        inner.fit_gram(gram, len(pages), items)
    elif isinstance(inner, RP3beta):
        weights, popularity = item_item.rp3beta_weights(
            interactions, pages, params["transform"], inner.alpha, inner.beta, inner.top_k
        )
        inner.fit_weights(weights, popularity)
    elif isinstance(inner, MostPopular):
        inner.fit_popularity(item_item.page_users(interactions, pages))
    elif name == "cooccurrence":
        # The pairs are page_cooccurrence's (Spark SQL); the model needs the pages, not the interactions.
        empty = Interactions(sp.csr_matrix((0, len(pages))), np.empty(0, dtype=object), pages)
        model = fitted_model(name, params, empty, None, frames.to_relation(cooccurrence), settings)
    else:
        raise ValueError(f"no Spark fit for model {name!r}")
    return model, None


def _joined_factors(parts: list[DataFrame]) -> DataFrame | None:
    """The cookie factors of the deployed model's ALS parts (`als_parts` order) as one DataFrame, `cookie,
    factors_0[, factors_1]`, or None without ALS."""
    joined = None
    for position, part in enumerate(parts):
        part = part.withColumnRenamed("factors", f"factors_{position}")
        joined = part if joined is None else joined.join(part, "cookie", "full")
    return joined


def als_parts(model: Recommender) -> list[Recommender]:
    """The ALS models inside the deployed model (itself, or a blend's parts, each inside its transform), in
    the order of their cookie factors' columns."""
    parts = model.models if isinstance(model, Blend) else (model,)
    inner = [getattr(part, "model", part) for part in parts]
    return [part for part in inner if isinstance(part, AlternatingLeastSquares)]


def score_cookies(
    interactions: DataFrame,
    deployed: DeployedModel,
    pages: np.ndarray,
    items: np.ndarray | None,
    units: list[list[str]],
    top_k: int,
) -> DataFrame:
    """`recommendations` for every cookie, scored on the executors: the fitted model is broadcast and each
    group of cookies (all rows of a cookie in one group) goes through `recommendation_rows`."""
    spark = interactions.sparkSession
    rows = interactions.select("cookie", "page_url", F.col("event_strength").cast("double"))
    if deployed.cookie_factors is not None:
        rows = rows.join(deployed.cookie_factors, "cookie", "left")
    groups = max(spark.sparkContext.defaultParallelism, math.ceil(interactions.count() / ROWS_PER_GROUP))
    rows = rows.withColumn("cookie_group", F.pmod(F.xxhash64("cookie"), F.lit(groups)))
    shared = spark.sparkContext.broadcast((deployed.name, deployed.model, pages, items, units, top_k))

    def score(group: pd.DataFrame) -> pd.DataFrame:
        name, model, pages, items, units, top_k = shared.value
        return recommendation_rows(name, model, _group_input(group, model, pages), items, units, top_k)

    schema = ", ".join(f"{name} {kind}" for name, kind in OUTPUT_SCHEMAS["recommendations"].items())
    return rows.groupBy("cookie_group").applyInPandas(score, schema)


def _group_input(group: pd.DataFrame, model: Recommender, pages: np.ndarray) -> Interactions:
    """One group's rows as `Interactions` over every page; for ALS (or a blend with ALS in it), the group's
    cookie factors set on the (broadcast copy of the) model's ALS parts, in the matrix's row order."""
    cookies, rows = np.unique(group["cookie"].to_numpy(dtype=object).astype(str), return_inverse=True)
    columns = pd.Index(pages).get_indexer(group["page_url"].to_numpy(dtype=object))
    strengths = group["event_strength"].to_numpy(dtype=np.float64)
    matrix = sp.csr_matrix((strengths, (rows, columns)), shape=(len(cookies), len(pages)))
    matrix.sum_duplicates()
    first = np.unique(rows, return_index=True)[1]
    for position, part in enumerate(als_parts(model)):
        vectors = group[f"factors_{position}"].to_numpy(dtype=object)[first]
        part.user_factors = np.stack([np.asarray(v, dtype=np.float32) for v in vectors])
    return Interactions(matrix=matrix, cookies=cookies.astype(object), pages=pages)
