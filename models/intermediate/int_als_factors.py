"""The ALS fit on all interactions (one fit per build), long: entity, id, factors.

als_page_factors and als_cookie_factors split it; recommendations reuse it when ALS is the chosen model.
"""

from assetrec.settings import Build
from assetrec.tables import als_factors


def model(dbt, session):
    dbt.config(materialized="table")
    # Every dbt.ref on a line of its own: dbt finds a Python model's dependencies by reading these calls,
    # and misses one nested in another call's arguments.
    build = Build.read(dbt.ref("int_build_run"))
    return als_factors(dbt.ref("fct_page_interactions"), build.settings)
