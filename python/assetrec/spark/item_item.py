"""The item-item models fitted on Spark without collecting the interactions.

The closed-form ones (EASE, DLAE, EDLAE) need only the Gram matrix ``X.T X`` of the modelled pages (the
`ease_max_pages` with the most cookies, as :func:`assetrec.models.ease.most_popular_items` picks them) of the
transformed strengths (`assetrec.spark.als.ratings`): Spark sums it as the co-occurrence pairs are summed, a
self-join of the interactions on cookie, and only its cells (at most ``ease_max_pages**2 / 2`` numbers, never a
row per interaction) reach the driver, which solves the pages x pages system (``DenseItemItem.fit_gram``).

RP3beta's weights are the same kind of sum, of the two random-walk steps' probabilities instead of the
strengths; Spark also keeps each page's ``top_k`` strongest, so only ``pages x top_k`` weights reach the driver
(``RP3beta.fit_weights``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.sparse as sp
from pyspark.sql import DataFrame, Window
from pyspark.sql import functions as F

from assetrec.models.ease import most_popular_of
from assetrec.models.rp3beta import popularity_discount
from assetrec.spark import als, frames

__all__ = ["gram_matrix", "page_users", "rp3beta_weights"]


def page_users(interactions: DataFrame, pages: np.ndarray) -> np.ndarray:
    """The number of cookies of each page of `pages` (fct_page_interactions has one row per cookie and page),
    those with strength 0 left out as the interaction matrix leaves them out."""
    submitted = interactions.where("event_strength <> 0")
    counts = frames.to_pandas(submitted.groupBy("page_url").agg(F.count("*").alias("users")))
    return (
        pd.Series(counts["users"].to_numpy(), index=counts["page_url"])
        .reindex(pages, fill_value=0)
        .to_numpy()
    )


def gram_matrix(
    interactions: DataFrame, pages: np.ndarray, transform: str, max_items: int | None
) -> tuple[np.ndarray, np.ndarray | None]:
    """``(G, items)``: ``G = X.T X`` (float64, items x items) of the `transform`ed strengths of the modelled
    pages, and their positions in `pages` (sorted; None when every page is modelled)."""
    items = None
    if max_items is not None and len(pages) > max_items:
        items = most_popular_of(page_users(interactions, pages), max_items)
    modelled = pages if items is None else pages[items]
    values = _item_ratings(interactions, modelled, transform)
    left = values.select("cookie", F.col("item").alias("i"), F.col("rating").alias("ri"))
    right = values.select("cookie", F.col("item").alias("j"), F.col("rating").alias("rj"))
    cells = (
        left.join(right, "cookie")
        .where("i <= j")
        .groupBy("i", "j")
        .agg(F.sum(F.col("ri") * F.col("rj")).alias("g"))
        .toArrow()
    )
    i, j, g = (cells.column(name).to_numpy() for name in ("i", "j", "g"))
    gram = np.zeros((len(modelled), len(modelled)))
    gram[i, j] = g
    gram[j, i] = g
    return gram, items


def _item_ratings(interactions: DataFrame, pages: np.ndarray, transform: str) -> DataFrame:
    """`cookie, item, rating`: the `transform`ed strengths with each page's position in `pages`; strengths of 0
    left out before the transform, as the interaction matrix leaves them out (`checks.user_items`)."""
    index = frames.to_spark(
        interactions.sparkSession,
        pd.DataFrame({"page_url": pages, "item": np.arange(len(pages), dtype=np.int64)}),
        {"page_url": "string", "item": "bigint"},
    )
    rated = als.ratings(interactions.where("event_strength <> 0"), transform)
    return rated.join(F.broadcast(index), "page_url").select("cookie", "item", "rating")


def rp3beta_weights(
    interactions: DataFrame, pages: np.ndarray, transform: str, alpha: float, beta: float, top_k: int | None
) -> tuple[sp.csr_matrix, np.ndarray]:
    """``(W, popularity)`` of :class:`assetrec.models.RP3beta` on the `transform`ed strengths, summed by Spark:
    ``W[i, j] = sum_u (x_ui / x_i)^alpha (x_uj / x_u)^alpha * popularity_j^-beta`` (x_i, x_u: the item's and
    the cookie's sums), no diagonal, each row's `top_k` largest (ties: lower j); `popularity` = cookies per page."""
    rated = _item_ratings(interactions, pages, transform)
    by_cookie, by_item = Window.partitionBy("cookie"), Window.partitionBy("item")
    steps = rated.select(
        "cookie",
        "item",
        F.pow(F.col("rating") / F.sum("rating").over(by_item), alpha).alias("to_cookie"),
        F.pow(F.col("rating") / F.sum("rating").over(by_cookie), alpha).alias("to_item"),
        F.count("*").over(by_item).alias("popularity"),
    ).cache()
    popularity = (
        frames.to_pandas(steps.select("item", "popularity").distinct())
        .set_index("item")["popularity"]
        .reindex(np.arange(len(pages)), fill_value=0)
        .to_numpy()
    )
    discount = frames.to_spark(
        interactions.sparkSession,
        pd.DataFrame(
            {"j": np.arange(len(pages), dtype=np.int64), "discount": popularity_discount(popularity, beta)}
        ),
        {"j": "bigint", "discount": "double"},
    )
    left = steps.select("cookie", F.col("item").alias("i"), "to_cookie")
    right = steps.select("cookie", F.col("item").alias("j"), "to_item")
    weights = (
        left.join(right, "cookie")
        .where("i <> j")
        .groupBy("i", "j")
        .agg(F.sum(F.col("to_cookie") * F.col("to_item")).alias("w"))
        .join(F.broadcast(discount), "j")
        .select("i", "j", (F.col("w") * F.col("discount")).alias("w"))
        .where("w <> 0")
    )
    if top_k is not None:
        ranked = Window.partitionBy("i").orderBy(F.col("w").desc(), F.col("j"))
        weights = weights.withColumn("rank", F.row_number().over(ranked)).where(F.col("rank") <= top_k)
    cells = weights.select("i", "j", "w").toArrow()
    steps.unpersist()
    i, j, w = (cells.column(name).to_numpy() for name in ("i", "j", "w"))
    n = len(pages)
    return sp.csr_matrix((w, (i, j)), shape=(n, n)), popularity
