"""Run history: one row appended per build, so parameter changes can be compared over time."""

from assetrec.pipeline import Settings, model_run


def model(dbt, session):
    dbt.config(materialized="incremental", unique_key="run_id")
    run = dbt.ref("int_build_run").df().iloc[0]
    return model_run(
        dbt.ref("fct_page_interactions"),
        dbt.ref("model_evaluation"),
        Settings.from_config(dbt.config.get("assetrec_settings")),
        run_id=run["run_id"],
        started_at=run["started_at"],
    )
