"""Top-K unseen pages per cookie from the best evaluated model (or var('recommender')).

On Spark every cookie is scored on the executors (assetrec.spark.scoring)."""

from assetrec.settings import Build
from assetrec.spark import on_spark
from assetrec.tables import DeployInputs, recommendations
from assetrec.tables.schemas import duckdb_projection


def model(dbt, session):
    build_run = dbt.ref("int_build_run")
    inputs = DeployInputs(
        interactions=dbt.ref("fct_page_interactions"),
        pages=dbt.ref("dim_pages"),
        evaluation=dbt.ref("model_evaluation"),
        factors=dbt.ref("int_als_factors"),
        cooccurrence=dbt.ref("page_cooccurrence"),
    )
    if on_spark(session):
        from assetrec.spark import frames, tables

        return tables.recommendations(inputs, frames.build(build_run).settings)
    rows = recommendations(inputs, Build.read(build_run).settings)
    # Lists of units are typed by their values: with no mapped page among the rows (or no rows at all) the
    # column would not be VARCHAR[]. Fix the types so downstream SQL and unit-test fixtures always see them.
    return session.from_df(rows).project(duckdb_projection("recommendations"))
