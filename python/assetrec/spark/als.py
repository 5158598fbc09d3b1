"""ALS on Spark: pyspark.ml's implicit-feedback ALS, on integer ids from an index table, text ids out.

Our ALS (`assetrec.models.AlternatingLeastSquares`) and Spark's minimise the same implicit loss (Hu, Koren and
Volinsky: confidence 1 + alpha * r, preference 1 where r > 0), with one difference: Spark multiplies the
regularization of each cookie by its number of pages and of each page by its number of cookies (ALS-WR), ours
adds it as it is. So `regParam` is the var's regularization divided by (mean pages per cookie x mean cookies per
page): measured on the bundled sample's held-out split, that matched our ALS's HR@10 best (0.46 against our 0.475;
dividing by the pages per cookie alone gave 0.31-0.37). It is a calibration, not an identity. Factors, iterations,
alpha and the seed are the vars' (or the tuned params'); the random start and solver differ from ours, so the
factors are close in quality, not equal.
"""

from __future__ import annotations

import logging
import time

from pyspark.ml.recommendation import ALS
from pyspark.sql import DataFrame
from pyspark.sql import functions as F
from pyspark.sql.types import IntegerType, StringType, StructField, StructType

__all__ = ["als_blocks", "fit_factors", "index_ids", "ratings", "spark_regularization"]

log = logging.getLogger("assetrec.spark")


def als_blocks(spark) -> int:
    """Blocks per side: the session's default parallelism (the cores of local[n], the executor cores of a
    cluster). On local[2], 2 blocks were 2-3x faster than Spark's default 10; each block is one task of an
    ALS iteration, so fewer blocks than cores leave cores idle and many more add shuffle overhead."""
    return max(int(spark.sparkContext.defaultParallelism), 1)


def index_ids(frame: DataFrame, column: str) -> DataFrame:
    """`column, index`: the distinct ids of `column` numbered 0.. in sorted order (the order of the DuckDB
    target's matrices), without moving them onto one partition (zipWithIndex after a range sort)."""
    ids = frame.select(column).distinct().orderBy(column)
    schema = StructType(
        [StructField(column, StringType(), False), StructField("index", IntegerType(), False)]
    )
    numbered = ids.rdd.zipWithIndex().map(lambda pair: (pair[0][0], int(pair[1])))
    return frame.sparkSession.createDataFrame(numbered, schema)


def ratings(interactions: DataFrame, transform: str) -> DataFrame:
    """`cookie, page_url, rating`: the event strengths with the model's input transform
    (`assetrec.transforms`: binary, log1p or strength)."""
    strength = F.col("event_strength").cast("double")
    value = {"binary": F.lit(1.0), "log1p": F.log1p(strength), "strength": strength}[transform]
    return interactions.select("cookie", "page_url", value.alias("rating"))


def spark_regularization(regularization: float, scale: float) -> float:
    """Spark's regParam for our regularization (see the module docstring); `scale` = mean pages per cookie x
    mean cookies per page."""
    return regularization / scale


def fit_factors(interactions: DataFrame, params: dict, seed: int) -> tuple[DataFrame, DataFrame]:
    """pyspark.ml ALS with `params` (an ALS entry of assetrec.registry: factors, regularization, alpha,
    iterations, transform) on fct_page_interactions: (`cookie, factors`, `page_url, factors`), factors
    array<double>."""
    started = time.perf_counter()
    cookies = index_ids(interactions, "cookie").withColumnRenamed("index", "user")
    pages = index_ids(interactions, "page_url").withColumnRenamed("index", "item")
    rated = ratings(interactions, params["transform"]).join(cookies, "cookie").join(pages, "page_url")
    counts = interactions.agg(
        F.count("*").alias("rows"),
        F.countDistinct("cookie").alias("cookies"),
        F.countDistinct("page_url").alias("pages"),
    ).first()
    scale = max(counts["rows"] ** 2 / max(counts["cookies"] * counts["pages"], 1), 1.0)
    blocks = als_blocks(interactions.sparkSession)
    als = ALS(
        rank=int(params["factors"]),
        maxIter=int(params["iterations"]),
        regParam=spark_regularization(float(params["regularization"]), scale),
        implicitPrefs=True,
        alpha=float(params["alpha"]),
        userCol="user",
        itemCol="item",
        ratingCol="rating",
        numUserBlocks=blocks,
        numItemBlocks=blocks,
        seed=int(seed),
        coldStartStrategy="drop",
    )
    model = als.fit(rated.select("user", "item", "rating"))
    as_doubles = F.col("features").cast("array<double>").alias("factors")
    cookie_factors = model.userFactors.join(cookies, model.userFactors["id"] == cookies["user"])
    page_factors = model.itemFactors.join(pages, model.itemFactors["id"] == pages["item"])
    cookie_factors = cookie_factors.select("cookie", as_doubles).localCheckpoint()
    page_factors = page_factors.select("page_url", as_doubles).localCheckpoint()
    log.info("Spark ALS with %s fitted in %.2fs", params, time.perf_counter() - started)
    return cookie_factors, page_factors
