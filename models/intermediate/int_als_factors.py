"""The ALS fit on all interactions (one fit per build), long: entity, id, factors.

als_page_factors and als_cookie_factors split it; recommendations reuse it when ALS is the chosen model.
On Spark the fit is pyspark.ml's ALS (assetrec.spark.tables).
"""

from assetrec.settings import Build
from assetrec.spark import on_spark
from assetrec.tables import als_factors


def model(dbt, session):
    dbt.config(materialized="table")
    # Every dbt.ref on a line of its own: dbt finds a Python model's dependencies by reading these calls,
    # and misses one nested in another call's arguments.
    build_run = dbt.ref("int_build_run")
    interactions = dbt.ref("fct_page_interactions")
    if on_spark(session):
        from assetrec.spark import frames, tables

        return tables.als_factors(interactions, frames.build(build_run).settings)
    return als_factors(interactions, Build.read(build_run).settings)
