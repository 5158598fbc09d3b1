"""Top-K unseen pages per cookie from the best evaluated model (or var('recommender')).

Refs are passed as DuckDB relations: the ALS factors and the co-occurrence pairs (tens of millions of rows
at scale) are only read when that model is the chosen one.
"""

from assetrec.pipeline import Settings, recommendations


def model(dbt, session):
    settings = Settings.from_config(dbt.config.get("assetrec_settings"))
    rows = recommendations(
        interactions=dbt.ref("fct_page_interactions"),
        pages=dbt.ref("dim_pages"),
        evaluation=dbt.ref("model_evaluation"),
        factors=dbt.ref("int_als_factors"),
        cooccurrence=dbt.ref("page_cooccurrence"),
        settings=settings,
    )
    # Lists of units are typed by their values: with no mapped page among the rows (or no rows at all) the
    # column would not be VARCHAR[]. Fix the type so downstream SQL and unit-test fixtures always see it.
    return session.from_df(rows).project(
        "cookie, rank, page_url, score, cast(business_units as varchar[]) as business_units, model"
    )
