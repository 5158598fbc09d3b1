"""The page catalogue as the models see it: which pages may be recommended and their business units."""

from __future__ import annotations

import numpy as np
import pandas as pd

from assetrec.interactions import Interactions
from assetrec.recommender_base import Recommender

__all__ = ["Candidates", "candidate_items", "page_units"]


def candidate_items(data: Interactions, pages: pd.DataFrame, candidate_pages: str) -> np.ndarray | None:
    """Column indices of the pages that may be recommended (None = all): var('candidate_pages') `mapped`
    keeps the pages with a business unit (dim_pages.business_units)."""
    if candidate_pages == "all":
        return None
    mapped = set(pages.loc[pages["business_units"].map(len) > 0, "page_url"])
    return np.flatnonzero(np.isin(data.pages, list(mapped)))


def page_units(data: Interactions, pages: pd.DataFrame) -> list[list[str]]:
    """Business units of each matrix column, from dim_pages."""
    units = dict(zip(pages["page_url"], pages["business_units"], strict=True))
    return [list(units.get(page, [])) for page in data.pages]


class Candidates:
    """A recommender that only recommends the allowed pages (`items`; None = every page)."""

    def __init__(self, model: Recommender, items: np.ndarray | None):
        self.model = model
        self.items = items

    def fit(self, user_items):
        self.model.fit(user_items)
        return self

    def recommend(self, userids, user_items, N=10, filter_already_liked_items=True):
        return self.model.recommend(
            userids, user_items, N=N, filter_already_liked_items=filter_already_liked_items, items=self.items
        )
