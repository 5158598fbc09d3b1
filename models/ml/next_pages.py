"""For a visitor on a page, the pages to offer next: the deployed model's item-to-item neighbours."""

from assetrec.settings import Build
from assetrec.spark import on_spark
from assetrec.tables import DeployInputs, next_pages
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

        return tables.next_pages(session, inputs, frames.build(build_run).settings)
    rows = next_pages(inputs, Build.read(build_run).settings)
    return session.from_df(rows).project(duckdb_projection("next_pages"))
