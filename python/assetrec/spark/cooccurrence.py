"""The co-occurrence model's `recommendations` in Spark SQL: joins, aggregations and windows, nothing collected
but the page catalogue (one row per page).

The same rows as the DuckDB target's `CooccurrenceRecommender.from_similarity` scored by `recommendation_rows`
(`assetrec.tables.recommendations`):

- the similarity is page_cooccurrence's `measure` column (symmetric pairs of distinct pages; null and 0 values
  are no pair, as `pair_matrix` and `from_similarity` drop them), restricted to each page's `neighbours` largest
  partners (ties: the lower page id, as `top_per_row`; page ids are positions in the sorted page list);
- a cookie's affinities are its event strengths; strengths of 0 are no interaction (`checks.user_items`): they
  neither score nor count as seen, while the cookie still gets its recommendations;
- score(cookie, j) = the sum over the cookie's pages i of strength_i x sim(i, j), added in ascending i from 0,
  as scipy's sparse product adds them (so equal scores are equal here too, and ties stay ties);
- the candidates are the unseen pages allowed by `candidate_pages`; the top `top_k` by score descending, ties by
  page id (`assetrec.topn`). Pages no cookie page neighbours score 0 and fill the row in page-id order: for a
  cookie with fewer than `top_k` pages scoring above 0, only the first candidate pages in id order are joined
  (as many as it needs plus as many as it has seen or scored), never every page;
- because_page_url / because_share as `Recommender.explain`: the cookie's page with the largest term (ties: the
  lower page id) and that term over the sum of the positive terms (added in ascending i), null when no term is
  positive.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from pyspark.sql import DataFrame, Window
from pyspark.sql import functions as F

from assetrec.spark import frames
from assetrec.tables.schemas import OUTPUT_SCHEMAS

__all__ = ["cooccurrence_recommendations"]

MODEL = "cooccurrence"


def cooccurrence_recommendations(
    interactions: DataFrame,
    cooccurrence: DataFrame,
    pages: np.ndarray,
    items: np.ndarray | None,
    units: list[list[str]],
    measure: str,
    neighbours: int | None,
    top_k: int,
) -> DataFrame:
    """`recommendations` of the co-occurrence model on `measure` (see the module docstring). `pages` are the
    sorted pages of the interactions (the ids), `items` the candidate ids (None: every page) and `units` each
    page's business units, as `assetrec.spark.tables` computes them for every model."""
    spark = interactions.sparkSession
    catalogue = F.broadcast(
        frames.to_spark(
            spark,
            pd.DataFrame(
                {"page_url": pages, "item": np.arange(len(pages), dtype=np.int64), "business_units": units}
            ),
            {"page_url": "string", "item": "bigint", "business_units": "array<string>"},
        )
    )
    allowed = np.arange(len(pages)) if items is None else np.asarray(items, dtype=np.int64)
    candidates = F.broadcast(
        frames.to_spark(
            spark,
            pd.DataFrame({"j": allowed, "position": np.arange(1, len(allowed) + 1, dtype=np.int64)}),
            {"j": "bigint", "position": "bigint"},
        )
    )
    ids = catalogue.select("page_url", "item")

    # The cookies' affinities (strength 0: no interaction) and their seen pages.
    seen = (
        interactions.where("event_strength <> 0")
        .join(ids, "page_url")
        .select("cookie", F.col("item").alias("i"), F.col("event_strength").cast("double").alias("x"))
    )
    similarity = _similarity(cooccurrence, ids, measure, neighbours)

    # One term per cookie page i and partner j, unseen candidates only.
    terms = (
        seen.join(similarity, "i")
        .join(candidates.select("j"), "j")
        .join(seen.select("cookie", F.col("i").alias("j")), ["cookie", "j"], "left_anti")
        .select("cookie", "j", F.struct("i", (F.col("x") * F.col("sim")).alias("term")).alias("t"))
    )
    in_order = F.array_sort(F.collect_list("t"))
    scored = (
        terms.groupBy("cookie", "j")
        .agg(in_order.alias("terms"))
        .select(
            "cookie",
            "j",
            F.aggregate("terms", F.lit(0.0), lambda acc, t: acc + t["term"]).alias("score"),
            F.aggregate("terms", F.lit(0.0), lambda acc, t: acc + F.greatest(t["term"], F.lit(0.0))).alias(
                "positive"
            ),
            F.array_max(F.transform("terms", lambda t: t["term"])).alias("best"),
            "terms",
        )
        .select(
            "cookie",
            "j",
            "score",
            F.when(
                F.col("best") > 0,
                F.array_min(
                    F.transform(F.filter("terms", lambda t: t["term"] == F.col("best")), lambda t: t["i"])
                ),
            ).alias("because"),
            F.when(F.col("best") > 0, F.col("best") / F.col("positive")).alias("because_share"),
        )
    )

    filled = _fill(interactions, seen, scored, candidates, top_k)
    ranked = Window.partitionBy("cookie").orderBy(F.col("score").desc(), F.col("j"))
    top = (
        scored.unionByName(filled)
        .withColumn("rank", F.row_number().over(ranked))
        .where(F.col("rank") <= top_k)
    )
    because = ids.select(F.col("item").alias("because"), F.col("page_url").alias("because_page_url"))
    rows = (
        top.join(catalogue.withColumnRenamed("item", "j"), "j")
        .join(F.broadcast(because), "because", "left")
        .withColumn("model", F.lit(MODEL))
    )
    schema = OUTPUT_SCHEMAS["recommendations"]
    return rows.select([F.col(name).cast(kind).alias(name) for name, kind in schema.items()])


def _similarity(cooccurrence: DataFrame, ids: DataFrame, measure: str, neighbours: int | None) -> DataFrame:
    """`i, j, sim`: the measure of each pair of distinct pages (null and 0: no pair), each page i's `neighbours`
    largest (ties: the lower j) when bounded."""
    pairs = (
        cooccurrence.select("page_a", "page_b", F.col(measure).cast("double").alias("sim"))
        .where("sim is not null and sim <> 0 and page_a <> page_b")
        .join(ids.select(F.col("page_url").alias("page_a"), F.col("item").alias("i")), "page_a")
        .join(ids.select(F.col("page_url").alias("page_b"), F.col("item").alias("j")), "page_b")
        .select("i", "j", "sim")
    )
    if neighbours is None:
        return pairs
    strongest = Window.partitionBy("i").orderBy(F.col("sim").desc(), F.col("j"))
    return pairs.withColumn("n", F.row_number().over(strongest)).where(F.col("n") <= neighbours).drop("n")


def _fill(
    interactions: DataFrame, seen: DataFrame, scored: DataFrame, candidates: DataFrame, top_k: int
) -> DataFrame:
    """Score-0 rows for the cookies with fewer than `top_k` pages scoring above 0: their first unseen, unscored
    candidates in page-id order. A cookie missing m pages that has seen or scored e candidates needs at most
    the first m + e candidates: only those positions are joined (an equi-join on the position)."""
    cookies = interactions.select("cookie").distinct()
    positive = scored.where("score > 0").groupBy("cookie").agg(F.count("*").alias("positive"))
    excluded = (
        seen.join(candidates.select(F.col("j").alias("i")), "i")
        .select("cookie", F.col("i").alias("j"))
        .unionByName(scored.select("cookie", "j"))
    )
    counts = excluded.groupBy("cookie").agg(F.count("*").alias("excluded"))
    short = (
        cookies.join(positive, "cookie", "left")
        .join(counts, "cookie", "left")
        .select(
            "cookie",
            (F.lit(top_k) - F.coalesce("positive", F.lit(0))).alias("missing"),
            F.coalesce("excluded", F.lit(0)).alias("excluded"),
        )
        .where("missing > 0")
    )
    positions = short.select(
        "cookie",
        F.explode(
            F.sequence(F.lit(1).cast("bigint"), (F.col("missing") + F.col("excluded")).cast("bigint"))
        ).alias("position"),
    )
    return (
        positions.join(candidates, "position")
        .join(excluded, ["cookie", "j"], "left_anti")
        .select(
            "cookie",
            "j",
            F.lit(0.0).alias("score"),
            F.lit(None).cast("bigint").alias("because"),
            F.lit(None).cast("double").alias("because_share"),
        )
    )
