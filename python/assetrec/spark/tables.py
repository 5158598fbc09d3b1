"""The dbt Python models' tables on Spark: one function per table, as `assetrec.tables` on DuckDB.

Spark DataFrames in, a Spark DataFrame out, with the DuckDB target's columns and types (Spark's names for them).
What runs where:

- `als_factors`: pyspark.ml ALS on all interactions (`assetrec.spark.als`).
- `model_evaluation`: collected. The bounded sample of at most `eval_max_cookies` cookies (the same cookies as
  on DuckDB: `assetrec.splits.sample_user_rows` over the sorted cookies) is collected to the driver and
  evaluated by `assetrec.tables.model_evaluation` itself.
- `recommendations`: the deployed model (`assetrec.spark.scoring`) scores every cookie on the executors; the
  co-occurrence model is scored in Spark SQL instead (`assetrec.spark.cooccurrence`: joins, aggregations and
  windows over page_cooccurrence's pairs, no Python worker).
- `next_pages`, `similar_pages`: page x page, on the driver, by assetrec's own builders.
- `model_run`: the evaluation (a few hundred rows) collected; the data fingerprint and the number of
  interactions come from int_data_fingerprint, computed by Spark SQL (the interactions are not collected).
"""

from __future__ import annotations

import logging

import numpy as np
import scipy.sparse as sp
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from assetrec import registry, tables
from assetrec.interactions import Interactions
from assetrec.spark import als, frames, scoring
from assetrec.spark.cooccurrence import MODEL as COOCCURRENCE
from assetrec.spark.cooccurrence import cooccurrence_recommendations
from assetrec.splits import sample_user_rows
from assetrec.tables.pages import candidate_items, page_units
from assetrec.tables.recommendations import DeployInputs, next_page_rows
from assetrec.tables.schemas import OUTPUT_SCHEMAS

__all__ = ["als_factors", "model_evaluation", "model_run", "next_pages", "recommendations", "similar_pages"]

log = logging.getLogger("assetrec.spark")


def als_factors(interactions: DataFrame, settings) -> DataFrame:
    """int_als_factors: `entity, id, factors` from Spark's ALS with the vars' settings."""
    cookie_factors, page_factors = als.fit_factors(
        interactions, registry.defaults("als", settings), settings.als_seed
    )
    return cookie_factors.select(
        F.lit("cookie").alias("entity"), F.col("cookie").alias("id"), "factors"
    ).unionByName(
        page_factors.select(F.lit("page").alias("entity"), F.col("page_url").alias("id"), "factors")
    )


def model_evaluation(
    spark: SparkSession, interactions: DataFrame, pages: DataFrame, settings, run_id: str
) -> DataFrame:
    """model_evaluation on the collected bounded sample (see the module docstring)."""
    page_list = frames.page_ids(interactions)
    sample = interactions
    n_cookies = interactions.select("cookie").distinct().count()
    if settings.eval_max_cookies and n_cookies > settings.eval_max_cookies:
        # The DuckDB target's sample: the same row numbers of the sorted cookies.
        rows = sample_user_rows(n_cookies, settings.eval_max_cookies, settings.eval_seed)
        log.info("evaluating on a sample of %d of %d cookies (eval_max_cookies)", len(rows), n_cookies)
        chosen = spark.createDataFrame([(int(r),) for r in rows], "index int")
        cookies = als.index_ids(interactions, "cookie").join(F.broadcast(chosen), "index").select("cookie")
        sample = interactions.join(cookies, "cookie")
    data = frames.collect_interactions(sample, page_list)
    rows = tables.model_evaluation(
        data, frames.to_relation(pages.select("page_url", "business_units")), settings, run_id
    )
    return frames.to_spark(spark, rows, OUTPUT_SCHEMAS["model_evaluation"])


def recommendations(inputs: DeployInputs, settings) -> DataFrame:
    """recommendations: every cookie scored on the executors by the deployed model (the co-occurrence model:
    in Spark SQL)."""
    page_list, items, units = _catalogue(inputs.interactions, inputs.pages, settings)
    name, params = chosen = scoring.chosen_model(inputs.evaluation, settings)
    if name == COOCCURRENCE:
        log.info("%s with %s scored in Spark SQL", name, params)
        return cooccurrence_recommendations(
            inputs.interactions,
            inputs.cooccurrence,
            page_list,
            items,
            units,
            params["similarity"],
            settings.cooccurrence_neighbours,
            settings.top_k,
        )
    deployed = _deployed(inputs, chosen, settings, page_list)
    return scoring.score_cookies(inputs.interactions, deployed, page_list, items, units, settings.top_k)


def next_pages(spark: SparkSession, inputs: DeployInputs, settings) -> DataFrame:
    """next_pages: the deployed model's item-to-item neighbours (page x page, on the driver)."""
    page_list, items, _ = _catalogue(inputs.interactions, inputs.pages, settings)
    deployed = _deployed(inputs, scoring.chosen_model(inputs.evaluation, settings), settings, page_list)
    rows = next_page_rows(deployed.name, deployed.model, page_list, items, settings.top_k)
    return frames.to_spark(spark, rows, OUTPUT_SCHEMAS["next_pages"])


def _deployed(inputs: DeployInputs, chosen: tuple[str, dict], settings, page_list) -> scoring.DeployedModel:
    return scoring.deployed_model(
        inputs.interactions, chosen, inputs.factors, inputs.cooccurrence, settings, page_list
    )


def similar_pages(spark: SparkSession, factors: DataFrame, top_k: int) -> DataFrame:
    """similar_pages: cosine of the ALS page factors (collected: one vector per page)."""
    rows = tables.similar_pages(frames.to_relation(factors.where("entity = 'page'")), top_k)
    return frames.to_spark(spark, rows, OUTPUT_SCHEMAS["similar_pages"])


def model_run(spark: SparkSession, fingerprint: DataFrame, evaluation: DataFrame, build) -> DataFrame:
    """model_runs' row of this build: int_data_fingerprint's one row (Spark SQL) and the evaluation, collected."""
    rows = tables.model_run(frames.to_relation(fingerprint), frames.to_relation(evaluation), build)
    return frames.to_spark(spark, rows, OUTPUT_SCHEMAS["model_runs"])


def _catalogue(interactions: DataFrame, pages: DataFrame, settings):
    """The sorted pages (matrix columns), the candidate columns and each column's business units."""
    page_list = frames.page_ids(interactions)
    catalogue = frames.page_catalogue(pages)
    shape = Interactions(
        matrix=sp.csr_matrix((0, len(page_list))), cookies=np.empty(0, dtype=object), pages=page_list
    )
    return (
        page_list,
        candidate_items(shape, catalogue, settings.candidate_pages),
        page_units(shape, catalogue),
    )
