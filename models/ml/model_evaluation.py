"""Held-out evaluation of every recommender on the same splits (assetrec.tables.model_evaluation)."""

from assetrec.settings import Build
from assetrec.tables import model_evaluation


def model(dbt, session):
    build = Build.read(dbt.ref("int_build_run"))
    return model_evaluation(
        dbt.ref("fct_page_interactions"), dbt.ref("dim_pages"), build.settings, build.run_id
    )
