"""The ALS fit on all interactions (one fit per build), long: entity, id, factors.

als_page_factors and als_cookie_factors split it; recommendations reuse it when ALS is the chosen model.
The interactions are passed as a DuckDB relation: DuckDB encodes the ids, only numbers reach Python.
"""

from assetrec.pipeline import Settings, als_factors


def model(dbt, session):
    settings = Settings.from_config(dbt.config.get("assetrec_settings"))
    return als_factors(dbt.ref("fct_page_interactions"), settings)
