"""The tuning budget's unit: what one search point is planned to cost, from the shape of the data alone.

The per-build tuning spends var('tuning_budget_seconds') in *planned* seconds, never in clock seconds: a
search that stopped on the clock scored fewer points when the machine was busy (two builds at once, a
loaded CI runner) and so chose other settings, another model and other recommendations from the same
data. Planned from the shape, the same data gets the same search on any machine under any load; the
actual seconds follow the machine's speed (the constants below are this project's reference machine, two
cores, one BLAS thread, as model_evaluation runs).

A point's plan is the sum, over its validation folds, of the terms that dominate each family's fit and
scoring: ``a * shape-term`` per term, with the ``a`` fitted by non-negative least squares on measured
points (``python -m assetrec.bench tuning_cost`` measures them and prints planned against measured).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

__all__ = ["COSTS", "Shape", "point_seconds"]

# Conjugate-gradient steps per ALS half-step (assetrec.models.als's default).
_CG_STEPS = 3


@dataclass(frozen=True)
class Shape:
    """What the cost of a point depends on, for one validation fold: training users, items, stored cells,
    co-occurrence emissions (sum of squared row lengths: the X^T X work), validation users scored and the
    dense models' page count."""

    users: int
    items: int
    nnz: int
    pairs: int
    eval_users: int
    dense_items: int

    @classmethod
    def of(cls, train: sp.csr_matrix, validation: sp.csr_matrix, max_eval_users, max_dense_items) -> Shape:
        lengths = np.diff(train.indptr).astype(np.float64)
        eval_users = int(np.count_nonzero(np.diff(validation.indptr)))
        if max_eval_users:
            eval_users = min(eval_users, int(max_eval_users))
        items = train.shape[1]
        return cls(
            users=train.shape[0],
            items=items,
            nnz=int(train.nnz),
            pairs=int(np.dot(lengths, lengths)),
            eval_users=eval_users,
            dense_items=min(items, int(max_dense_items)) if max_dense_items else items,
        )


def _terms_scoring(shape: Shape, params: dict) -> dict[str, float]:
    # Every point: a fixed overhead, and every validation user's scores over the pages plus their top 10.
    return {"point": 1.0, "score_cells": float(shape.eval_users) * shape.items}


def _terms_sparse_item_item(shape: Shape, params: dict) -> dict[str, float]:
    # The emissions of X^T X, and a term in pages^2 (the pages x pages similarities' normalisation and
    # top-k); measured, the second dominates on large catalogues.
    return {
        **_terms_scoring(shape, params),
        "pairs": float(shape.pairs),
        "page_pairs": float(shape.items) ** 2,
    }


def _terms_cooccurrence(shape: Shape, params: dict) -> dict[str, float]:
    # Its similarity measures cost otherwise per pair than RP3beta's normalised walk.
    terms = _terms_sparse_item_item(shape, params)
    terms["cooccurrence_pairs"] = terms.pop("pairs")
    return terms


def _terms_dense_item_item(shape: Shape, params: dict) -> dict[str, float]:
    # The pages x pages Gram matrix from the emissions, and its dense inverse (cubic in the pages kept).
    return {
        **_terms_scoring(shape, params),
        "pairs": float(shape.pairs),
        "dense_solve": float(shape.dense_items) ** 3,
    }


def _terms_als(shape: Shape, params: dict) -> dict[str, float]:
    f, iterations = float(params["factors"]), float(params["iterations"])
    return {
        **_terms_scoring(shape, params),
        "als_iterations": iterations,
        "als_cells": iterations * _CG_STEPS * shape.nnz * f,
        "als_rows": iterations * (shape.users + shape.items) * f * f,
        "als_score": float(shape.eval_users) * shape.items * f,
    }


# Seconds per unit of each term on the reference machine, fitted by `python -m assetrec.bench tuning_cost
# --fit` (2026-12-02, load about 1): planned within a factor 0.5-2.4 of measured on every family and shape
# there (BENCHMARKS.md).
SECONDS_PER_UNIT = {
    "point": 7.07e-03,
    "score_cells": 1.56e-10,
    "pairs": 4.92e-08,
    "page_pairs": 1.56e-08,
    "cooccurrence_pairs": 4.07e-08,
    "dense_solve": 3.74e-11,
    "als_iterations": 1.20e-02,
    "als_cells": 2.31e-09,
    "als_rows": 2.28e-10,
    "als_score": 2.76e-11,
}

# Per family (registry name): its terms. A test keeps this equal to the registry's single models.
COSTS: dict[str, Callable[[Shape, dict], dict[str, float]]] = {
    "most_popular": _terms_scoring,
    "cooccurrence": _terms_cooccurrence,
    "rp3beta": _terms_sparse_item_item,
    "als_prototype": _terms_als,
    "als": _terms_als,
    "ease": _terms_dense_item_item,
    "edlae": _terms_dense_item_item,
    "dlae": _terms_dense_item_item,
}


def point_seconds(name: str, params: dict, shapes: list[Shape]) -> float:
    """Planned seconds of one point of family ``name`` (one fit and one validation scoring per fold)."""
    terms = COSTS[name]
    return sum(
        SECONDS_PER_UNIT[term] * units for shape in shapes for term, units in terms(shape, params).items()
    )
