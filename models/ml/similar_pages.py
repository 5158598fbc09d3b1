"""For each page, its top-K most similar other pages by cosine of ALS page factors."""

from assetrec.settings import Build
from assetrec.tables import similar_pages


def model(dbt, session):
    build = Build.read(dbt.ref("int_build_run"))
    return similar_pages(dbt.ref("int_als_factors"), build.settings.top_k)
