"""Run history: one row appended per build, so parameter changes can be compared over time."""

from assetrec.settings import Build
from assetrec.spark import on_spark
from assetrec.tables import model_run
from assetrec.tables.schemas import duckdb_projection


def model(dbt, session):
    dbt.config(materialized="incremental", unique_key="run_id")
    build_run = dbt.ref("int_build_run")
    fingerprint = dbt.ref("int_data_fingerprint")  # computed in SQL by the engine
    evaluation = dbt.ref("model_evaluation")
    if on_spark(session):
        from assetrec.spark import frames, tables

        return tables.model_run(session, fingerprint, evaluation, frames.build(build_run))
    rows = model_run(fingerprint, evaluation, Build.read(build_run))
    return session.from_df(rows).project(duckdb_projection("model_runs"))
