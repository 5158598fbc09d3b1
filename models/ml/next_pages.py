"""For a visitor on a page, the pages to offer next: the deployed model's item-to-item neighbours."""

from assetrec.settings import Build
from assetrec.tables import next_pages


def model(dbt, session):
    build = Build.read(dbt.ref("int_build_run"))
    rows = next_pages(
        interactions=dbt.ref("fct_page_interactions"),
        pages=dbt.ref("dim_pages"),
        evaluation=dbt.ref("model_evaluation"),
        factors=dbt.ref("int_als_factors"),
        cooccurrence=dbt.ref("page_cooccurrence"),
        settings=build.settings,
    )
    return session.from_df(rows).project(
        "page_url, cast(rank as bigint) as rank, next_page_url, cast(score as double) as score, model"
    )
