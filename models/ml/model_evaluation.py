"""Held-out evaluation of every recommender on the same splits (assetrec.evaluate).

Bounded at scale: a sample of at most var('eval_max_cookies') cookies, EASE on var('ease_max_pages') pages.
"""

from assetrec.pipeline import Settings, model_evaluation


def model(dbt, session):
    run = dbt.ref("int_build_run").df().iloc[0]
    return model_evaluation(
        dbt.ref("fct_page_interactions"),
        dbt.ref("dim_pages"),
        Settings.from_config(dbt.config.get("assetrec_settings")),
        run_id=run["run_id"],
    )
