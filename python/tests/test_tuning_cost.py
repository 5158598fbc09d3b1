"""The tuning budget's cost model (assetrec.tuning_cost): one entry per family, shapes counted right."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from assetrec import registry, tuning_cost
from assetrec.settings import Settings


def test_every_single_model_of_the_registry_has_a_cost():
    singles = {spec.name for spec in registry.MODELS if spec.kind != "blend"}
    assert set(tuning_cost.COSTS) == singles


def test_shape_counts_the_fold_by_hand():
    # Rows of 3, 1 and 2 pages; validation cells for cookies 0 and 2.
    train = sp.csr_matrix(np.array([[1, 1, 1, 0], [0, 0, 1, 0], [2, 0, 0, 5]], dtype=float))
    validation = sp.csr_matrix(np.array([[0, 0, 0, 1], [0, 0, 0, 0], [0, 1, 0, 0]], dtype=float))
    shape = tuning_cost.Shape.of(train, validation, max_eval_users=None, max_dense_items=3)
    assert shape == tuning_cost.Shape(users=3, items=4, nnz=6, pairs=9 + 1 + 4, eval_users=2, dense_items=3)
    capped = tuning_cost.Shape.of(train, validation, max_eval_users=1, max_dense_items=0)
    assert (capped.eval_users, capped.dense_items) == (1, 4)


def test_planned_seconds_grow_with_the_work_and_add_over_folds():
    small = tuning_cost.Shape(users=1000, items=100, nnz=5000, pairs=40000, eval_users=800, dense_items=100)
    large = tuning_cost.Shape(users=1000, items=4000, nnz=5000, pairs=40000, eval_users=800, dense_items=4000)
    params = {"l2": 10.0, "p": 0.25, "transform": "binary"}
    assert tuning_cost.point_seconds("ease", params, [large]) > tuning_cost.point_seconds(
        "ease", params, [small]
    )
    als = registry.defaults("als", Settings())
    wide = {**als, "factors": als["factors"] * 4}
    assert tuning_cost.point_seconds("als", wide, [small]) > tuning_cost.point_seconds("als", als, [small])
    two = tuning_cost.point_seconds("cooccurrence", {}, [small, small])
    assert np.isclose(two, 2 * tuning_cost.point_seconds("cooccurrence", {}, [small]))
