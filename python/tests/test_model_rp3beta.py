"""RP3beta against a brute-force loop over users and items, and a hand-worked 3 x 3 case."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from assetrec.models import RP3beta
from conftest import assert_recommends_brute, brute_rank, random_user_items


# ----------------------------------------------------------------------------------------------------------
def rp3beta_brute(x: np.ndarray, alpha: float, beta: float, top_k: int | None) -> np.ndarray:
    """W by explicit loops: W_ij = sum_u (x_ui / sum_v x_vi)^alpha (x_uj / sum_l x_ul)^alpha / pop_j^beta
    for i != j, then each row's top_k largest entries (ties: lower j) kept."""
    n_users, n_items = x.shape
    w = np.zeros((n_items, n_items))
    for i in range(n_items):
        item_total = sum(x[u, i] for u in range(n_users))
        for j in range(n_items):
            if i == j:
                continue
            pop = sum(1 for u in range(n_users) if x[u, j] != 0)
            total = 0.0
            for u in range(n_users):
                if x[u, i] == 0 or x[u, j] == 0:
                    continue
                user_total = sum(x[u, k] for k in range(n_items))
                total += (x[u, i] / item_total) ** alpha * (x[u, j] / user_total) ** alpha
            w[i, j] = total / pop**beta if total else 0.0
    if top_k is not None:
        for i in range(n_items):
            ranked = sorted((j for j in range(n_items) if w[i, j] != 0), key=lambda j: (-w[i, j], j))
            for j in ranked[top_k:]:
                w[i, j] = 0.0
    return w


def test_hand_worked_three_by_three():
    # users: u0 = {0, 1}, u1 = {1, 2}, u2 = {0}; popularity (1-based counts) 2, 2, 1.
    x = sp.csr_matrix(np.array([[1, 1, 0], [0, 1, 1], [1, 0, 0]], dtype=float))
    # P_ui rows: u0 [1/2, 1/2, 0], u1 [0, 1/2, 1/2], u2 [1, 0, 0]
    # P_iu rows: i0 [1/2, 0, 1/2], i1 [1/2, 1/2, 0], i2 [0, 1, 0]
    # P_iu P_ui: i0 [3/4, 1/4, 0], i1 [1/4, 1/2, 1/4], i2 [0, 1/2, 1/2]
    # beta = 1 divides the columns by 2, 2, 1; the diagonal is then set to 0:
    expected = np.array([[0, 1 / 8, 0], [1 / 8, 0, 1 / 4], [0, 1 / 4, 0]])
    model = RP3beta(alpha=1.0, beta=1.0).fit(x)
    np.testing.assert_allclose(model.W_.toarray(), expected, rtol=1e-15)
    # Scores X W: u0 = row 0 + row 1, u2 = row 0.
    np.testing.assert_allclose(model._score(None, x[[0, 2]]), [[1 / 8, 1 / 8, 1 / 4], [0, 1 / 8, 0]])
    ids, scores = model.recommend(np.array([0, 1, 2]), x, N=2)
    assert ids.tolist() == [[2, -1], [0, -1], [1, 2]]
    np.testing.assert_allclose(scores[:, 0], [1 / 4, 1 / 8, 1 / 8])
    # top_k = 1: item 1 keeps only item 2 (1/4 beats 1/8).
    top1 = RP3beta(alpha=1.0, beta=1.0, top_k=1).fit(x).W_.toarray()
    np.testing.assert_allclose(top1, [[0, 1 / 8, 0], [0, 0, 1 / 4], [0, 1 / 4, 0]], rtol=1e-15)
    # alpha = 2, beta = 0: squares of the transition probabilities, no discount.
    # P_iu^2 P_ui^2: i0 = 1/4 [1/4, 1/4, 0] + 1/4 [1, 0, 0] = [5/16, 1/16, 0], i2 = [0, 1/4, 1/4]
    sq = RP3beta(alpha=2.0, beta=0.0).fit(x).W_.toarray()
    np.testing.assert_allclose(sq[0], [0, 1 / 16, 0], rtol=1e-15)
    np.testing.assert_allclose(sq[2], [0, 1 / 4, 0], rtol=1e-15)


@pytest.mark.parametrize(
    ("alpha", "beta", "top_k"), [(1.0, 0.0, None), (0.7, 0.4, None), (1.6, 0.9, 3), (0.5, 0.25, 1)]
)
def test_matches_brute_force(alpha, beta, top_k):
    x = random_user_items(n_users=14, n_items=9, density=0.35, seed=21, max_strength=4)
    xd = x.toarray()
    expected = rp3beta_brute(xd, alpha, beta, top_k)
    model = RP3beta(alpha=alpha, beta=beta, top_k=top_k).fit(x)
    np.testing.assert_allclose(model.W_.toarray(), expected, rtol=1e-12, atol=1e-15)
    if top_k is not None:
        assert np.diff(model.W_.indptr).max() <= top_k
    scores_all = xd @ expected
    assert_recommends_brute(model, x, scores_all, 5, rtol=1e-12, atol=1e-15)
    similar, sim_scores = model.similar_items(np.arange(9), N=3)
    for i in range(9):
        exp_ids, exp_scores = brute_rank(dict(enumerate(expected[i])), {i}, 3)
        np.testing.assert_allclose(sim_scores[i], exp_scores, rtol=1e-12, atol=1e-15)


def test_values_as_given_and_blockwise(monkeypatch):
    import assetrec.models.rp3beta as rp3_module

    x = random_user_items(n_users=30, n_items=12, density=0.3, seed=22, max_strength=9)
    binary = x.copy()
    binary.data[:] = 1.0
    weighted = RP3beta(alpha=0.8, beta=0.3).fit(x).W_.toarray()
    np.testing.assert_allclose(weighted, rp3beta_brute(x.toarray(), 0.8, 0.3, None), rtol=1e-12)
    assert not np.allclose(weighted, RP3beta(alpha=0.8, beta=0.3).fit(binary).W_.toarray())
    monkeypatch.setattr(rp3_module, "MAX_BLOCK_CELLS", 12 * 5)  # 5 item rows per block
    blocked = RP3beta(alpha=0.8, beta=0.3, top_k=4).fit(x).W_.toarray()
    np.testing.assert_allclose(blocked, rp3beta_brute(x.toarray(), 0.8, 0.3, 4), rtol=1e-12)


def test_items_without_users_are_never_reached():
    x = random_user_items(n_users=20, n_items=8, density=0.4, seed=23).tolil()
    x[:, 5] = 0
    model = RP3beta(beta=0.7).fit(x.tocsr())
    w = model.W_.toarray()
    assert np.all(w[5] == 0) and np.all(w[:, 5] == 0) and np.all(np.isfinite(w))


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"alpha": 0}, r"alpha must be > 0"),
        ({"alpha": float("inf")}, r"alpha must be a finite number"),
        ({"beta": -0.1}, r"beta must be >= 0"),
        ({"beta": "x"}, r"beta must be a number"),
        ({"top_k": 0}, r"top_k must be an integer >= 1 or None"),
        ({"top_k": 2.5}, r"top_k must be an integer >= 1 or None"),
        ({"batch_size": 0}, r"batch_size must be an integer >= 1"),
    ],
)
def test_bad_parameters(kwargs, message):
    with pytest.raises(ValueError, match=message):
        RP3beta(**kwargs)
