"""Held-out evaluation of every recommender on the same splits (assetrec.tables.model_evaluation).

On Spark the bounded sample (var eval_max_cookies) is collected to the driver and evaluated by the same code.
"""

from assetrec.settings import Build
from assetrec.spark import on_spark
from assetrec.tables import model_evaluation
from assetrec.tables.schemas import duckdb_projection


def model(dbt, session):
    build_run = dbt.ref("int_build_run")
    interactions = dbt.ref("fct_page_interactions")
    pages = dbt.ref("dim_pages")
    if on_spark(session):
        from assetrec.spark import frames, tables

        build = frames.build(build_run)
        return tables.model_evaluation(session, interactions, pages, build.settings, build.run_id)
    build = Build.read(build_run)
    rows = model_evaluation(interactions, pages, build.settings, build.run_id)
    return session.from_df(rows).project(duckdb_projection("model_evaluation"))
