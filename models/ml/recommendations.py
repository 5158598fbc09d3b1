"""Top-K unseen pages per cookie from the best evaluated model (or var('recommender'))."""

from assetrec.pipeline import Settings, recommendations


def model(dbt, session):
    settings = Settings.from_config(dbt.config.get("assetrec_settings"))
    return recommendations(
        interactions=dbt.ref("fct_page_interactions").df(),
        pages=dbt.ref("dim_pages").df(),
        evaluation=dbt.ref("model_evaluation").df(),
        factors=dbt.ref("int_als_factors").df(),
        cooccurrence=dbt.ref("page_cooccurrence").df(),
        settings=settings,
    )
