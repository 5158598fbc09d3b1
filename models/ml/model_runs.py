"""Run history: one row appended per build, so parameter changes can be compared over time."""

from assetrec.settings import Build
from assetrec.tables import model_run


def model(dbt, session):
    dbt.config(materialized="incremental", unique_key="run_id")
    build = Build.read(dbt.ref("int_build_run"))
    return model_run(dbt.ref("fct_page_interactions"), dbt.ref("model_evaluation"), build)
