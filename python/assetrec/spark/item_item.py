"""The closed-form item-item models (EASE, DLAE, EDLAE) fitted on Spark without collecting the interactions.

Their fit needs only the Gram matrix ``X.T X`` of the modelled pages (the `ease_max_pages` with the most
cookies, as :func:`assetrec.models.ease.most_popular_items` picks them) of the transformed strengths
(`assetrec.spark.als.ratings`): Spark sums it as the co-occurrence pairs are summed, a self-join of the
interactions on cookie, and only its cells (at most ``ease_max_pages**2 / 2`` numbers, never a row per
interaction) reach the driver, which solves the pages x pages system (``DenseItemItem.fit_gram``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from assetrec.models.ease import most_popular_of
from assetrec.spark import als, frames

__all__ = ["gram_matrix", "page_users"]


def page_users(interactions: DataFrame, pages: np.ndarray) -> np.ndarray:
    """The number of cookies of each page of `pages` (fct_page_interactions has one row per cookie and page)."""
    counts = frames.to_pandas(interactions.groupBy("page_url").agg(F.count("*").alias("users")))
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
    index = frames.to_spark(
        interactions.sparkSession,
        pd.DataFrame({"page_url": modelled, "item": np.arange(len(modelled), dtype=np.int64)}),
        {"page_url": "string", "item": "bigint"},
    )
    values = als.ratings(interactions, transform).join(F.broadcast(index), "page_url")
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
