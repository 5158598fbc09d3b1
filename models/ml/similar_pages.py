"""For each page, its top-K most similar other pages by cosine of ALS page factors."""

from assetrec.pipeline import Settings, similar_pages


def model(dbt, session):
    settings = Settings.from_config(dbt.config.get("assetrec_settings"))
    return similar_pages(dbt.ref("int_als_factors"), settings.top_k)
