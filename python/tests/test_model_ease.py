"""EASE against a direct dense closed-form solve."""

from __future__ import annotations

import numpy as np
import pytest
from assetrec.models import DLAE, EASE, EDLAE
from conftest import assert_recommends_brute, random_user_items


# ----------------------------------------------------------------------------------------------------------
def ease_closed_form(x: np.ndarray, l2: float) -> np.ndarray:
    """B = I - P diagMat(1 / diag(P)), P = (X^T X + l2 I)^-1, by a direct dense inverse."""
    p = np.linalg.inv(x.T @ x + l2 * np.eye(x.shape[1]))
    b = np.eye(x.shape[1]) - p / np.diag(p)[None, :]
    np.fill_diagonal(b, 0.0)
    return b


@pytest.mark.parametrize("binarize", [True, False])
def test_ease_matches_direct_closed_form(binarize):
    x = random_user_items(n_users=50, n_items=20, density=0.2, seed=6)
    xd = x.toarray()
    if binarize:
        xd = (xd != 0).astype(float)
    expected = ease_closed_form(xd, 4.0)
    model = EASE(l2=4.0, binarize=binarize).fit(x)
    np.testing.assert_allclose(model.B_, expected, rtol=1e-9, atol=1e-12)
    assert np.all(np.diag(model.B_) == 0)
    # Recommendations: rank X B by (score desc, id asc) without the user's items.
    scores_all = xd @ expected
    assert_recommends_brute(model, x, scores_all, 8, rtol=1e-9, atol=1e-12)


def test_ease_float32_and_blockwise_gram_close_to_float64(monkeypatch):
    import assetrec.models.ease as ease_module

    x = random_user_items(n_users=60, n_items=30, density=0.2, seed=7)
    expected = ease_closed_form((x.toarray() != 0).astype(float), 2.0)
    monkeypatch.setattr(ease_module, "MAX_BLOCK_CELLS", 30 * 7)  # 7-column blocks: exercises the block loops
    b32 = EASE(l2=2.0, dtype=np.float32).fit(x).B_
    b64 = EASE(l2=2.0).fit(x).B_
    assert b32.dtype == np.float32
    np.testing.assert_allclose(b64, expected, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(b32, expected, rtol=1e-3, atol=1e-5)


def test_ease_memory_guard_and_bad_parameters():
    x = random_user_items(n_users=10, n_items=20, seed=8)
    with pytest.raises(ValueError, match="max_bytes"):
        EASE(max_bytes=20 * 20 * 8 - 1).fit(x)
    EASE(max_bytes=20 * 20 * 8).fit(x)  # exactly at the limit is fine
    for bad in ({"l2": 0}, {"l2": -1.0}, {"l2": float("nan")}, {"dtype": np.int64}, {"num_threads": 0}):
        with pytest.raises(ValueError):
            EASE(**bad)


def test_ease_max_items_models_only_the_most_popular_items():
    matrix = random_user_items(n_users=200, n_items=30, density=0.2, seed=4, max_strength=90)
    users = np.bincount(matrix.indices, minlength=30)
    top = np.sort(np.lexsort((np.arange(30), -users))[:12])
    bounded = EASE(l2=5.0, max_items=12).fit(matrix)
    assert bounded.items_.tolist() == top.tolist()
    reference = EASE(l2=5.0).fit(matrix[:, top])
    np.testing.assert_allclose(bounded.B_, reference.B_)
    rows = np.arange(matrix.shape[0])
    ids, scores = bounded.recommend(rows, matrix, N=5, items=top[::2])
    ref_ids, ref_scores = reference.recommend(rows, matrix[:, top], N=5, items=np.arange(0, 12, 2))
    np.testing.assert_array_equal(ids, np.where(ref_ids >= 0, top[np.maximum(ref_ids, 0)], -1))
    np.testing.assert_allclose(scores, ref_scores)
    assert EASE(max_items=100).fit(matrix).items_ is None  # no bound below the limit


@pytest.mark.parametrize(
    "make", [lambda: EASE(l2=5.0), lambda: DLAE(p=0.3, l2=2.0), lambda: EDLAE(p=0.3, l2=2.0)]
)
@pytest.mark.parametrize("bound", [None, 12])
def test_fit_from_a_gram_matrix_equals_fit(make, bound):
    """fit_gram with X.T X summed elsewhere (here by dense numpy) gives fit's weights and recommendations."""
    matrix = random_user_items(n_users=200, n_items=30, density=0.2, seed=8, max_strength=5)
    fitted = make()
    fitted.max_items = bound
    fitted.fit(matrix)
    users = np.bincount(matrix.indices, minlength=30)
    items = None if bound is None else np.sort(np.lexsort((np.arange(30), -users))[:bound])
    x = fitted._x(matrix).toarray()[:, slice(None) if items is None else items]
    gram = x.T @ x
    given = gram.copy()
    from_gram = make()
    from_gram.fit_gram(given, 30, items)
    np.testing.assert_array_equal(given, gram)  # the caller's matrix is not overwritten
    np.testing.assert_allclose(from_gram.B_, fitted.B_, rtol=1e-9, atol=1e-12)
    assert (from_gram.items_ is None) == (items is None)
    ids, _ = from_gram.recommend(np.arange(200), matrix, N=5)
    np.testing.assert_array_equal(ids, fitted.recommend(np.arange(200), matrix, N=5)[0])
    with pytest.raises(ValueError, match="gram must be"):
        make().fit_gram(gram[:-1, :-1], 30, items)
