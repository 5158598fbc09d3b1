"""For each page, its top-K most similar other pages by cosine of ALS page factors."""

from assetrec.settings import Build
from assetrec.spark import on_spark
from assetrec.tables import similar_pages
from assetrec.tables.schemas import duckdb_projection


def model(dbt, session):
    build_run = dbt.ref("int_build_run")
    factors = dbt.ref("int_als_factors")
    if on_spark(session):
        from assetrec.spark import frames, tables

        return tables.similar_pages(session, factors, frames.build(build_run).settings.top_k)
    rows = similar_pages(factors, Build.read(build_run).settings.top_k)
    return session.from_df(rows).project(duckdb_projection("similar_pages"))
