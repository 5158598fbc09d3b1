"""The most popular items: the baseline every other model must beat."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from assetrec.recommender_base import Recommender
from assetrec.topn import place_ranked

__all__ = ["MostPopular"]


class MostPopular(Recommender):
    """Recommend the items with the most distinct training users (ties: lower item id first).

    Score = number of distinct users with the item in the fitted matrix (values are ignored). Every item
    not filtered out is a candidate, including items with no training user (score 0). ``similar_items``
    ranks the other items by the same popularity, whatever the item.
    """

    def _fit(self, matrix: sp.csr_matrix) -> None:
        self.fit_popularity(np.bincount(matrix.indices, minlength=matrix.shape[1]))

    def fit_popularity(self, item_users: np.ndarray):
        """Fit from the number of distinct users of each item, counted by the caller (e.g. on Spark)."""
        self.item_users_ = np.asarray(item_users).astype(np.int64)
        self.n_items_ = len(self.item_users_)
        # Global ranking: popularity desc, item id asc.
        self._order = np.lexsort((np.arange(self.n_items_), -self.item_users_))
        return self

    def _item_scores(self, itemids: np.ndarray) -> np.ndarray:
        return np.broadcast_to(self.item_users_.astype(np.float64), (len(itemids), self.n_items_))

    def _terms(self, userids, rows, entry, target) -> None:
        return None  # popularity is nobody's own item: no "because"

    def _recommend_chunk(self, userids, rows: sp.csr_matrix, N: int, filter_liked: bool, allowed):
        # Walk the global ranking and skip each user's own items: only the first N + (max items per user)
        # entries of the ranking can be needed, so no users x items block is built.
        n_rows = rows.shape[0]
        order = self._order if allowed is None else self._order[allowed[self._order]]
        extra = int(np.diff(rows.indptr).max()) if (filter_liked and n_rows and rows.nnz) else 0
        candidates = order[: min(len(order), N + extra)]
        keep = rows[:, candidates].toarray() == 0 if extra else np.ones((n_rows, len(candidates)), dtype=bool)
        rank = np.cumsum(keep, axis=1) - 1
        keep &= rank < N
        r, c = np.nonzero(keep)
        items = candidates[c]
        return place_ranked(r, rank[r, c], items, self.item_users_[items].astype(np.float64), n_rows, N)
