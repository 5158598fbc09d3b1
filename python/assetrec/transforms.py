"""The input transform: how a cookie's event strengths become the values a recommender learns from.

``binary`` (1 where the cookie submitted the page), ``log1p`` (log(1 + strength)) or ``strength`` (as is).
Which one is best depends on the data (a few cookies with hundreds of submissions dominate raw strengths
on one export and carry the signal on another), so the per-build tuning searches it like any other
setting. :class:`Transformed` applies it in front of any recommender, to the rows it learns from and to
the rows it is asked to score, so the models themselves take their input as given.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from assetrec import checks
from assetrec.recommender_base import Recommender

__all__ = ["TRANSFORMS", "Transformed", "transform"]

TRANSFORMS = ("binary", "log1p", "strength")


def transform(matrix: sp.csr_matrix, name: str) -> sp.csr_matrix:
    """``matrix`` (strengths >= 0, canonical CSR) with its stored values transformed; the pattern is kept
    (every transform maps a positive strength to a positive value)."""
    if name not in TRANSFORMS:
        raise ValueError(f"transform must be one of {TRANSFORMS}, got {name!r}")
    if name == "strength":
        return matrix
    out = matrix.copy()
    out.data = np.ones_like(out.data) if name == "binary" else np.log1p(out.data)
    return out


class Transformed(Recommender):
    """``model`` fitted on, and scoring from, ``transform(user_items, name)``: the same interface, with every
    hook handed to the wrapped model (``model`` is reachable as ``.model``)."""

    def __init__(self, model: Recommender, name: str):
        super().__init__(batch_size=model.batch_size)
        if name not in TRANSFORMS:
            raise ValueError(f"transform must be one of {TRANSFORMS}, got {name!r}")
        self.model = model
        self.transform = name

    @property
    def n_items_(self) -> int | None:
        return self.model.n_items_

    def fit(self, user_items):
        self.model.fit(transform(checks.user_items(user_items), self.transform))
        return self

    def _is_fitted(self) -> bool:
        return self.model._is_fitted()

    def _n_users(self) -> int | None:
        return self.model._n_users()

    def _scored_items(self) -> np.ndarray | None:
        return self.model._scored_items()

    def _score(self, userids, rows):
        return self.model._score(userids, transform(rows, self.transform))

    def _item_scores(self, itemids):
        return self.model._item_scores(itemids)

    def _pair_scores(self, sources, targets):
        return self.model._pair_scores(sources, targets)

    def _recommend_chunk(self, userids, rows, N, filter_liked, allowed):
        return self.model._recommend_chunk(userids, transform(rows, self.transform), N, filter_liked, allowed)

    def _terms(self, userids, rows, entry, target):
        return self.model._terms(userids, transform(rows, self.transform), entry, target)
