"""Run history: one row appended per build, so parameter changes can be compared over time."""

from assetrec.settings import Build
from assetrec.spark import on_spark
from assetrec.tables import model_run
from assetrec.tables.schemas import duckdb_projection


def model(dbt, session):
    dbt.config(materialized="incremental", unique_key="run_id")
    build_run = dbt.ref("int_build_run")
    interactions = dbt.ref("fct_page_interactions")
    evaluation = dbt.ref("model_evaluation")
    if on_spark(session):
        from assetrec.spark import frames, tables

        return tables.model_run(session, interactions, evaluation, frames.build(build_run))
    rows = model_run(interactions, evaluation, Build.read(build_run))
    return session.from_df(rows).project(duckdb_projection("model_runs"))
