"""Held-out evaluation of every recommender on the same splits (assetrec.evaluate)."""

from assetrec.pipeline import Settings, model_evaluation


def model(dbt, session):
    run = dbt.ref("int_build_run").df().iloc[0]
    return model_evaluation(
        dbt.ref("fct_page_interactions").df(),
        dbt.ref("dim_pages").df(),
        Settings.from_config(dbt.config.get("assetrec_settings")),
        run_id=run["run_id"],
    )
