"""A weighted blend of two fitted-together recommenders' scores."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from assetrec import checks
from assetrec.recommender_base import Recommender

__all__ = ["Blend"]


def _normalised(scores: np.ndarray) -> np.ndarray:
    """Each row divided by its largest absolute finite score, so two models' scales are comparable; rows
    without a finite non-zero score are left as they are (-inf stays -inf: never recommended)."""
    finite = np.where(np.isfinite(scores), np.abs(scores), 0.0)
    top = finite.max(axis=1, keepdims=True) if scores.shape[1] else np.ones((len(scores), 1))
    return scores / np.where(top > 0, top, 1.0)


class Blend(Recommender):
    """``weight * s1 + (1 - weight) * s2`` with each model's scores normalised per user (divided by the
    user's largest absolute score). Both models are fitted on the same data; an item one of them does not
    model (EASE's ``max_items``) is not recommended. Explained by the model with the larger weight."""

    def __init__(self, first: Recommender, second: Recommender, weight: float = 0.5, batch_size: int = 2048):
        super().__init__(batch_size=batch_size)
        self.weight = checks.number(weight, "weight", minimum=0)
        if self.weight > 1:
            raise ValueError(f"weight must be in [0, 1], got {weight!r}")
        self.models = (first, second)

    @classmethod
    def of_fitted(cls, first: Recommender, second: Recommender, weight: float) -> Blend:
        """A blend of two models already fitted on the same data (the tuning tries several weights on one
        pair of fits)."""
        if first.n_items_ is None or first.n_items_ != second.n_items_:
            raise ValueError("of_fitted needs two models fitted on the same items")
        blend = cls(first, second, weight)
        blend.n_items_ = first.n_items_
        return blend

    def _fit(self, matrix: sp.csr_matrix) -> None:
        for model in self.models:
            model.fit(matrix)

    def _n_users(self) -> int | None:
        known = [n for n in (m._n_users() for m in self.models) if n is not None]
        return min(known) if known else None

    def _full(self, model: Recommender, score) -> np.ndarray:
        """A model's dense scores over every item (-inf for the items it does not model)."""
        subset = model._scored_items()
        if subset is None:
            return score(None)
        part = score(subset)
        full = np.full((part.shape[0], self.n_items_), -np.inf)
        full[:, subset] = part
        return full

    def _combine(self, parts: list[np.ndarray]) -> np.ndarray:
        return self.weight * _normalised(parts[0]) + (1.0 - self.weight) * _normalised(parts[1])

    def _score(self, userids, rows: sp.csr_matrix) -> np.ndarray:
        def score_with(model):
            def score(subset):
                chosen = rows if subset is None else rows[:, subset]
                return np.asarray(model._score(userids, chosen), dtype=np.float64)

            return score

        return self._combine([self._full(m, score_with(m)) for m in self.models])

    def _item_scores(self, itemids: np.ndarray) -> np.ndarray:
        return self._combine([np.asarray(m._item_scores(itemids), dtype=np.float64) for m in self.models])

    def _terms(self, userids, rows, entry, target):
        lead = self.models[0] if self.weight >= 0.5 else self.models[1]
        return lead._terms(userids, rows, entry, target)
