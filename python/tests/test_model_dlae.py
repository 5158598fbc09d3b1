"""DLAE and EDLAE against a direct dense numpy solve of the closed forms (Steck 2020)."""

from __future__ import annotations

import numpy as np
import pytest
from assetrec.models import DLAE, EASE, EDLAE
from conftest import assert_recommends_brute, random_user_items


# ----------------------------------------------------------------------------------------------------------
def dropout_lambda(x: np.ndarray, p: float, l2: float) -> np.ndarray:
    """Lambda = p / (1 - p) * diagMat(diag(X^T X)) + l2 * I."""
    g = x.T @ x
    return np.diag(p / (1 - p) * np.diag(g)) + l2 * np.eye(x.shape[1])


def dlae_closed_form(x: np.ndarray, p: float, l2: float) -> np.ndarray:
    """B = (G + Lambda)^-1 G, by a direct dense inverse."""
    g = x.T @ x
    return np.linalg.inv(g + dropout_lambda(x, p, l2)) @ g


def edlae_closed_form(x: np.ndarray, p: float, l2: float) -> np.ndarray:
    """B = I - P diagMat(1 / diag(P)), P = (G + Lambda)^-1, by a direct dense inverse."""
    inv = np.linalg.inv(x.T @ x + dropout_lambda(x, p, l2))
    b = np.eye(x.shape[1]) - inv @ np.diag(1 / np.diag(inv))
    np.fill_diagonal(b, 0.0)  # exactly 0 (1 - P_jj / P_jj up to rounding)
    return b


CLOSED_FORMS = {DLAE: dlae_closed_form, EDLAE: edlae_closed_form}


@pytest.mark.parametrize("cls", [DLAE, EDLAE])
@pytest.mark.parametrize(("p", "l2"), [(0.25, 10.0), (0.6, 0.0), (0.0, 3.0), (0.1, 1.5)])
def test_matches_direct_closed_form(cls, p, l2):
    x = random_user_items(n_users=50, n_items=20, density=0.25, seed=6)
    xd = x.toarray()  # values as given: strengths 1..5
    expected = CLOSED_FORMS[cls](xd, p, l2)
    model = cls(p=p, l2=l2).fit(x)
    np.testing.assert_allclose(model.B_, expected, rtol=1e-8, atol=1e-10)
    if cls is EDLAE:
        assert np.all(np.diag(model.B_) == 0)
    else:
        assert np.all(np.diag(model.B_) > 0)  # DLAE's diagonal is not constrained
    # Recommendations: rank X B by (score desc, id asc) without the user's items.
    scores_all = xd @ expected
    assert_recommends_brute(model, x, scores_all, 8, rtol=1e-8, atol=1e-10)


def test_values_are_used_as_given():
    x = random_user_items(n_users=50, n_items=15, density=0.3, seed=2, max_strength=9)
    binary = x.copy()
    binary.data[:] = 1.0
    logged = x.copy()
    logged.data = np.log1p(logged.data)
    for cls in (DLAE, EDLAE):
        for m in (x, binary, logged):
            expected = CLOSED_FORMS[cls](m.toarray(), 0.3, 2.0)
            np.testing.assert_allclose(cls(p=0.3, l2=2.0).fit(m).B_, expected, rtol=1e-8, atol=1e-10)
        assert not np.allclose(cls(p=0.3, l2=2.0).fit(x).B_, cls(p=0.3, l2=2.0).fit(binary).B_)


def test_edlae_without_dropout_is_ease_on_binary_input():
    x = random_user_items(n_users=80, n_items=25, density=0.2, seed=3, max_strength=7)
    binary = x.copy()
    binary.data[:] = 1.0
    ease = EASE(l2=4.0).fit(x)  # binarises itself
    edlae = EDLAE(p=0.0, l2=4.0).fit(binary)
    np.testing.assert_allclose(edlae.B_, ease.B_, rtol=1e-12, atol=1e-14)
    users = np.arange(80)
    a, b = ease.recommend(users, x, N=6), edlae.recommend(users, binary, N=6)
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_allclose(a[1], b[1], rtol=1e-12, atol=1e-14)
    # With dropout the two differ.
    assert not np.allclose(EDLAE(p=0.3, l2=4.0).fit(binary).B_, ease.B_)


@pytest.mark.parametrize("cls", [DLAE, EDLAE])
def test_float32_and_blockwise_close_to_float64(cls, monkeypatch):
    import assetrec.models.ease as ease_module

    x = random_user_items(n_users=60, n_items=30, density=0.2, seed=7)
    expected = CLOSED_FORMS[cls](x.toarray(), 0.4, 2.0)
    monkeypatch.setattr(ease_module, "MAX_BLOCK_CELLS", 30 * 7)  # 7-row blocks: exercises the block loops
    b64 = cls(p=0.4, l2=2.0).fit(x).B_
    b32 = cls(p=0.4, l2=2.0, dtype=np.float32).fit(x).B_
    assert b32.dtype == np.float32
    np.testing.assert_allclose(b64, expected, rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(b32, expected, rtol=1e-3, atol=1e-4)


@pytest.mark.parametrize("cls", [DLAE, EDLAE])
def test_max_items_models_only_the_most_popular_items(cls):
    matrix = random_user_items(n_users=200, n_items=30, density=0.2, seed=4, max_strength=9)
    users = np.bincount(matrix.indices, minlength=30)
    top = np.sort(np.lexsort((np.arange(30), -users))[:12])
    bounded = cls(p=0.2, l2=5.0, max_items=12).fit(matrix)
    assert bounded.items_.tolist() == top.tolist()
    np.testing.assert_allclose(bounded.B_, CLOSED_FORMS[cls](matrix[:, top].toarray(), 0.2, 5.0), rtol=1e-8)
    rows = np.arange(matrix.shape[0])
    ids, _ = bounded.recommend(rows, matrix, N=30)
    assert set(ids.ravel()) - {-1} <= set(top.tolist())
    similar, _ = bounded.similar_items(np.array([int(np.setdiff1d(np.arange(30), top)[0])]), N=5)
    assert (similar == -1).all()  # an unmodelled item suggests nothing
    assert cls(max_items=100).fit(matrix).items_ is None


@pytest.mark.parametrize("cls", [DLAE, EDLAE])
def test_memory_guard(cls):
    x = random_user_items(n_users=10, n_items=20, seed=8)
    with pytest.raises(ValueError, match=f"{cls.__name__} needs a dense 20 x 20 float64 matrix.*max_bytes"):
        cls(max_bytes=20 * 20 * 8 - 1).fit(x)
    cls(max_bytes=20 * 20 * 8).fit(x)  # exactly at the limit is fine


@pytest.mark.parametrize("cls", [DLAE, EDLAE])
@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"p": 1.0}, r"p must be < 1"),
        ({"p": -0.1}, r"p must be >= 0"),
        ({"p": float("nan")}, r"p must be a finite number"),
        ({"p": "0.2"}, r"p must be a number"),
        ({"l2": -1.0}, r"l2 must be >= 0"),
        ({"p": 0.0, "l2": 0.0}, r"p and l2 must not both be 0"),
        ({"dtype": np.int64}, r"dtype must be float32 or float64"),
        ({"num_threads": 0}, r"num_threads must be an integer >= 1"),
        ({"max_items": 0}, r"max_items must be an integer >= 1"),
        ({"max_bytes": 1.5}, r"max_bytes must be an integer >= 1"),
        ({"batch_size": 0}, r"batch_size must be an integer >= 1"),
    ],
)
def test_bad_parameters(cls, kwargs, message):
    with pytest.raises(ValueError, match=message):
        cls(**kwargs)


@pytest.mark.parametrize("cls", [DLAE, EDLAE])
def test_unseen_item_without_l2_is_a_clear_error(cls):
    x = random_user_items(n_users=30, n_items=10, density=0.3, seed=5).tolil()
    x[:, 3] = 0
    x = x.tocsr()
    with pytest.raises(ValueError, match=r"X.T X \+ Lambda is not positive definite.*increase l2"):
        cls(p=0.5, l2=0.0).fit(x)
    cls(p=0.5, l2=0.1).fit(x)  # any l2 > 0 makes it invertible
