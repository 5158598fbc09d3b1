"""Recommender.explain: the reason of each offer, recomputed independently from the fitted parameters."""

from __future__ import annotations

import numpy as np
import pytest
from assetrec.models.als import AlternatingLeastSquares
from assetrec.models.blend import Blend
from assetrec.models.cooccurrence import CooccurrenceRecommender
from assetrec.models.dlae import EDLAE
from assetrec.models.ease import EASE
from assetrec.models.popularity import MostPopular
from assetrec.models.rp3beta import RP3beta
from assetrec.transforms import Transformed
from conftest import random_user_items


def _brute(terms_of, x, ids):
    """For every (user, recommended item): argmax_j of terms_of(u, j, i) over the user's items, and its
    share of the positive terms; (-1, NaN) when no term is positive."""
    dense = x.toarray()
    because = np.full(ids.shape, -1)
    share = np.full(ids.shape, np.nan)
    for u in range(ids.shape[0]):
        known = np.flatnonzero(dense[u])
        for r, i in enumerate(ids[u]):
            if i < 0 or not len(known):
                continue
            terms = np.array([terms_of(u, j, i) for j in known])
            best = int(np.argmax(terms))  # first maximum: the lower item id
            if terms[best] > 0:
                because[u, r] = known[best]
                share[u, r] = terms[best] / terms[terms > 0].sum()
    return because, share


def _check(model, x, terms_of):
    users = np.arange(x.shape[0])
    ids, _ = model.recommend(users, x, N=5)
    because, share = model.explain(users, x, ids)
    expected_because, expected_share = _brute(terms_of, x, ids)
    np.testing.assert_array_equal(because, expected_because)
    np.testing.assert_allclose(share, expected_share, rtol=1e-9, atol=1e-12)
    assert np.all((share[because >= 0] > 0) & (share[because >= 0] <= 1 + 1e-12))
    return because


def test_ease_reason_is_the_largest_term_of_x_times_b():
    x = random_user_items(n_users=30, n_items=15, density=0.3, seed=1)
    model = EASE(l2=2.0).fit(x)
    binary = (x.toarray() > 0).astype(float)
    because = _check(model, x, lambda u, j, i: binary[u, j] * model.B_[j, i])
    assert (because >= 0).mean() > 0.5  # most offers have a reason


def test_ease_with_some_items_and_a_transform():
    x = random_user_items(n_users=30, n_items=15, density=0.3, seed=2)
    model = Transformed(EASE(l2=2.0, binarize=False, max_items=10), "log1p").fit(x)
    inner, values = model.model, np.log1p(x.toarray())
    weights = np.zeros((15, 15))
    weights[np.ix_(inner.items_, inner.items_)] = inner.B_  # an unmodelled item adds nothing
    _check(model, x, lambda u, j, i: values[u, j] * weights[j, i])


def test_cooccurrence_reason_uses_the_strengths():
    x = random_user_items(n_users=30, n_items=12, density=0.3, seed=3)
    model = CooccurrenceRecommender("cosine").fit(x)
    sim = model.similarity_.toarray()
    _check(model, x, lambda u, j, i: x[u, j] * sim[j, i])


def test_als_reason_is_implicits_decomposition():
    x = random_user_items(n_users=30, n_items=12, density=0.3, seed=4)
    model = AlternatingLeastSquares(
        factors=4, regularization=0.5, alpha=2.0, iterations=5, random_state=0
    ).fit(x)
    y = model.item_factors.astype(np.float64)
    dense = x.toarray()

    def terms_of(u, j, i):
        c = 1.0 + 2.0 * dense[u]
        a = y.T @ (y * c[:, None]) + 0.5 * np.eye(4)  # Y^T C_u Y + reg I over every item
        return c[j] * y[i] @ np.linalg.solve(a, y[j])

    _check(model, x, terms_of)
    # The terms add up to the score of the user's factors solved from its items (recalculate_user).
    users = np.arange(30)
    ids, _ = model.recommend(users, x, N=3)
    solved = model.recalculate_user(x).astype(np.float64)
    u, i = 5, ids[5, 0]
    total = sum(terms_of(u, j, i) for j in np.flatnonzero(dense[u]))
    assert total == pytest.approx(float(solved[u] @ y[i]), rel=1e-3)


def test_most_popular_has_no_reason():
    x = random_user_items(seed=5)
    model = MostPopular().fit(x)
    ids, _ = model.recommend(np.arange(x.shape[0]), x, N=4)
    because, share = model.explain(np.arange(x.shape[0]), x, ids)
    assert (because == -1).all() and np.isnan(share).all()


def test_blend_is_explained_by_its_heavier_model():
    x = random_user_items(n_users=30, n_items=12, density=0.3, seed=6)
    blend = Blend(EASE(l2=2.0), CooccurrenceRecommender("jaccard"), weight=0.75).fit(x)
    users = np.arange(30)
    ids, _ = blend.recommend(users, x, N=4)
    np.testing.assert_array_equal(blend.explain(users, x, ids)[0], blend.models[0].explain(users, x, ids)[0])


def test_edlae_reason_from_the_closed_form():
    x = random_user_items(n_users=30, n_items=12, density=0.3, seed=7)
    model = EDLAE(p=0.3, l2=2.0).fit(x)
    g = x.toarray().T @ x.toarray()
    p = np.linalg.inv(g + np.diag(0.3 / 0.7 * np.diag(g) + 2.0))
    b = np.eye(12) - p / np.diag(p)
    np.fill_diagonal(b, 0.0)
    _check(model, x, lambda u, j, i: x[u, j] * b[j, i])


def test_rp3beta_reason_from_its_walk_weights():
    x = random_user_items(n_users=30, n_items=12, density=0.3, seed=8)
    model = RP3beta(alpha=1.0, beta=0.5).fit(x)
    dense = x.toarray()
    p_ui = dense / dense.sum(axis=1, keepdims=True).clip(min=1e-300)
    p_iu = dense.T / dense.T.sum(axis=1, keepdims=True)
    w = (p_iu @ p_ui) / (dense > 0).sum(axis=0) ** 0.5
    np.fill_diagonal(w, 0.0)
    _check(model, x, lambda u, j, i: dense[u, j] * w[j, i])


def test_a_tie_between_two_known_items_goes_to_the_lower_item_id():
    import scipy.sparse as sp

    # Items 1 and 3 suggest item 2 equally; item 0 suggests nothing. Whatever order the user's row is
    # written in, the reason is item 1 with half of the score.
    sim = np.zeros((4, 4))
    sim[1, 2] = sim[3, 2] = 0.5
    model = CooccurrenceRecommender.from_similarity(sim, affinity="binary").fit(sp.csr_matrix((1, 4)))
    row = sp.csr_matrix((np.ones(3), (np.zeros(3, dtype=int), [3, 0, 1])), shape=(1, 4))
    because, share = model.explain([0], row, [[2]])
    assert because.tolist() == [[1]] and share.tolist() == [[0.5]]
