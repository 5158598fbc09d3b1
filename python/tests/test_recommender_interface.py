"""The interface every recommender follows (assetrec.recommender_base), checked on every model.

Each model is listed with an independent computation of its item-item scores (numpy on the fitted
parameters or on the data), which `similar_items` must rank.
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from assetrec import registry
from assetrec.models.als import AlternatingLeastSquares
from assetrec.models.cooccurrence import CooccurrenceRecommender
from assetrec.models.dlae import DLAE, EDLAE
from assetrec.models.ease import EASE
from assetrec.models.popularity import MostPopular
from assetrec.models.rp3beta import RP3beta
from assetrec.settings import Settings
from conftest import brute_rank, random_user_items


def _als_cosine(model, x):
    unit = model.item_factors / np.linalg.norm(model.item_factors, axis=1, keepdims=True)
    return unit @ unit.T


def _cooccurrence_jaccard(model, x):
    b = (x.toarray() != 0).astype(float)
    both = b.T @ b
    size = np.diag(both)
    return both / (size[:, None] + size[None, :] - both)


def _popularity(model, x):
    counts = (x.toarray() != 0).sum(axis=0).astype(float)
    return np.broadcast_to(counts, (x.shape[1], x.shape[1]))


def _ease_rows(model, x):
    if model.items_ is None:
        return model.B_
    scores = np.full((x.shape[1], x.shape[1]), -np.inf)
    scores[np.ix_(model.items_, model.items_)] = model.B_
    return scores


def _popular_columns(x, count):
    """The `count` items with the most distinct users (ties: lower id), sorted; all items when fewer."""
    users = (x.toarray() != 0).sum(axis=0)
    order = sorted(range(x.shape[1]), key=lambda j: (-users[j], j))
    return np.array(sorted(order[:count]))


def _dropout_inverse(xd, p, l2):
    g = xd.T @ xd
    return g, np.linalg.inv(g + np.diag(p / (1 - p) * np.diag(g) + l2))


def _dlae_rows(model, x):
    g, inv = _dropout_inverse(x.toarray(), 0.3, 3.0)
    return inv @ g


def _edlae_rows(model, x, max_items=None):
    """EDLAE's B on the (max_items most popular) items, -inf rows and columns for the others."""
    cols = _popular_columns(x, x.shape[1] if max_items is None else max_items)
    _, inv = _dropout_inverse(x.toarray()[:, cols], 0.3, 3.0)
    b = np.eye(len(cols)) - inv / np.diag(inv)[None, :]
    np.fill_diagonal(b, 0.0)
    scores = np.full((x.shape[1], x.shape[1]), -np.inf)
    scores[np.ix_(cols, cols)] = b
    return scores


def _rp3beta_rows(model, x, alpha=0.8, beta=0.4, top_k=6):
    xd = x.toarray()
    pui = np.divide(xd, xd.sum(axis=1, keepdims=True), out=np.zeros_like(xd), where=xd != 0) ** alpha
    piu = np.divide(xd.T, xd.T.sum(axis=1, keepdims=True), out=np.zeros_like(xd.T), where=xd.T != 0) ** alpha
    popularity = (xd != 0).sum(axis=0)
    w = (piu @ pui) / np.where(popularity > 0, popularity, 1.0) ** beta
    np.fill_diagonal(w, 0.0)
    for row in w:
        ranked = sorted(np.flatnonzero(row), key=lambda j: (-row[j], j))
        row[ranked[top_k:]] = 0.0
    return w


# name: (unfitted model, item-item scores of the fitted model)
MODELS = {
    "most_popular": (MostPopular, _popularity),
    "cooccurrence": (lambda: CooccurrenceRecommender("jaccard"), _cooccurrence_jaccard),
    "cooccurrence_binary_lift": (lambda: CooccurrenceRecommender("lift", affinity="binary"), None),
    "ease": (lambda: EASE(l2=3.0), _ease_rows),
    "ease_some_items": (lambda: EASE(l2=3.0, max_items=12), _ease_rows),
    "ease_strengths": (lambda: EASE(l2=3.0, binarize=False), _ease_rows),
    "dlae": (lambda: DLAE(p=0.3, l2=3.0), _dlae_rows),
    "edlae": (lambda: EDLAE(p=0.3, l2=3.0), _edlae_rows),
    "edlae_some_items": (lambda: EDLAE(p=0.3, l2=3.0, max_items=12), lambda m, x: _edlae_rows(m, x, 12)),
    "rp3beta": (lambda: RP3beta(alpha=0.8, beta=0.4, top_k=6), _rp3beta_rows),
    "als": (lambda: AlternatingLeastSquares(factors=4, iterations=3, random_state=0), _als_cosine),
}


# The item-item models: their scores are `_x(rows) @ W` with W's rows = `_item_scores` (the contract below).
ITEM_ITEM = [
    "cooccurrence",
    "cooccurrence_binary_lift",
    "ease",
    "ease_some_items",
    "ease_strengths",
    "dlae",
    "edlae",
    "edlae_some_items",
    "rp3beta",
]


def fitted(name, x):
    return MODELS[name][0]().fit(x)


def candidates(model, n_items: int) -> np.ndarray:
    """The items a model may recommend at all (EASE with max_items only its modelled items)."""
    modelled = getattr(model, "items_", None)
    return np.arange(n_items) if modelled is None else modelled


@pytest.mark.parametrize("name", MODELS)
def test_filtering_never_returns_training_items(name):
    x = random_user_items(n_users=60, n_items=30, density=0.3, seed=9)
    model = fitted(name, x)
    ids, scores = model.recommend(np.arange(60), x, N=30)
    dense = x.toarray()
    assert ids.shape == scores.shape == (60, 30) and ids.dtype == np.int32 and scores.dtype == np.float64
    allowed = candidates(model, 30)
    for u in range(60):
        got = ids[u][ids[u] >= 0]
        assert not np.any(dense[u, got] != 0)
        assert len(set(got.tolist())) == len(got)
        # best first: scores non-increasing, padding (-1, -inf) only at the end
        assert np.all(scores[u][:-1] >= scores[u][1:])
        assert np.all((ids[u] == -1) == (scores[u] == -np.inf))
        # every unfiltered candidate is recommended
        assert len(got) == np.count_nonzero(dense[u, allowed] == 0)


@pytest.mark.parametrize("name", MODELS)
def test_without_filtering_training_items_can_come_back(name):
    x = random_user_items(n_users=40, n_items=10, density=0.4, seed=10)
    model = fitted(name, x)
    ids, _ = model.recommend(np.arange(40), x, N=10, filter_already_liked_items=False)
    dense = x.toarray()
    assert any(dense[u, j] != 0 for u in range(40) for j in ids[u] if j >= 0)


@pytest.mark.parametrize("name", MODELS)
def test_chunking_and_scalar_userid_give_identical_results(name):
    x = random_user_items(n_users=50, n_items=20, density=0.2, seed=11)
    big = fitted(name, x)
    small = fitted(name, x)
    small.batch_size = 3
    users = np.array([7, 3, 3, 49, 0, 12, 30])
    a = big.recommend(users, x[users], N=6)
    b = small.recommend(users, x[users], N=6)
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])
    one_ids, one_scores = big.recommend(7, x[[7]], N=6)
    np.testing.assert_array_equal(one_ids, a[0][0])
    np.testing.assert_array_equal(one_scores, a[1][0])


@pytest.mark.parametrize("name", MODELS)
def test_two_fits_give_identical_results(name):
    x = random_user_items(n_users=50, n_items=20, density=0.2, seed=15)
    users = np.arange(50)
    first = fitted(name, x).recommend(users, x, N=5)
    second = fitted(name, x).recommend(users, x, N=5)
    np.testing.assert_array_equal(first[0], second[0])
    np.testing.assert_array_equal(first[1], second[1])


@pytest.mark.parametrize("name", MODELS)
def test_items_and_filter_items_restrict_candidates(name):
    # implicit-style keywords: `items` = the only candidates, `filter_items` = never recommended.
    x = random_user_items(n_users=40, n_items=20, density=0.25, seed=14)
    model = fitted(name, x)
    users = np.arange(40)
    full_ids, full_scores = model.recommend(users, x, N=20)
    allowed = {1, 2, 3, 5, 8, 13, 17, 19}
    banned = {2, 17}
    ids, scores = model.recommend(
        users, x, N=6, items=np.array(sorted(allowed)), filter_items=np.array(sorted(banned))
    )
    for u in users:
        # expected: the unrestricted ranking, keeping only allowed and not banned items
        ranked = [(j, s) for j, s in zip(full_ids[u], full_scores[u], strict=True) if j >= 0]
        keep = [(j, s) for j, s in ranked if j in allowed and j not in banned][:6]
        exp_ids = [j for j, _ in keep] + [-1] * (6 - len(keep))
        assert ids[u].tolist() == exp_ids
        np.testing.assert_allclose(scores[u][: len(keep)], [s for _, s in keep])
    with pytest.raises(ValueError, match=r"items must be in \[0, 20\)"):
        model.recommend(users, x, items=np.array([20]))
    with pytest.raises(ValueError, match="filter_items must be an integer or a 1-D array of integers"):
        model.recommend(users, x, filter_items=np.array([0.5]))


@pytest.mark.parametrize("name", [name for name, (_, scores) in MODELS.items() if scores is not None])
def test_similar_items_rank_the_models_item_scores_without_the_item_itself(name):
    x = random_user_items(n_users=60, n_items=25, density=0.2, seed=16)
    model = fitted(name, x)
    expected_scores = MODELS[name][1](model, x)
    items = np.array([0, 4, 4, 24, 11])
    ids, scores = model.similar_items(items, N=8)
    assert ids.shape == scores.shape == (5, 8) and ids.dtype == np.int32
    for row, item in enumerate(items):
        finite = {j: s for j, s in enumerate(expected_scores[item]) if s > -np.inf}
        exp_ids, exp_scores = brute_rank(finite, {int(item)}, 8)
        got = ids[row][ids[row] >= 0]
        # Equal scores may come out in either order only where the reference rounds differently.
        np.testing.assert_allclose(scores[row], exp_scores, rtol=1e-6, atol=1e-9)
        assert set(got.tolist()) <= set(finite) - {int(item)}
        assert int(item) not in got
    one_ids, one_scores = model.similar_items(4, N=8)
    np.testing.assert_array_equal(one_ids, ids[1])
    only = np.array([1, 2, 3])
    restricted, _ = model.similar_items(items, N=8, items=only, filter_items=np.array([2]))
    assert set(restricted.ravel()) - {-1} <= {1, 3}


@pytest.mark.parametrize("name", ITEM_ITEM)
def test_item_item_scores_are_the_input_transform_times_the_item_rows(name):
    # The contract explanations rely on ("because you have X"): with S = the scored items, W = the rows
    # `_item_scores` returns (row i = what having item i adds to every item's score), a user's scores are
    # `_x(rows) @ W[S, S]`, a sum over the user's items. Unmodelled items give -inf rows and columns.
    x = random_user_items(n_users=60, n_items=25, density=0.2, seed=18, max_strength=6)
    model = fitted(name, x)
    w = np.asarray(model._item_scores(np.arange(25)), dtype=np.float64)
    assert w.shape == (25, 25)
    subset = model._scored_items()
    scored = np.arange(25) if subset is None else subset
    others = np.setdiff1d(np.arange(25), scored)
    assert np.all(w[others] == -np.inf) and np.all(w[np.ix_(scored, others)] == -np.inf)
    assert np.all(np.isfinite(w[np.ix_(scored, scored)]))
    # New users (not the training rows), as recommend passes them: restricted to the scored items.
    rows = random_user_items(n_users=30, n_items=25, density=0.25, seed=19, max_strength=6)[:, scored]
    rows.sort_indices()
    got = model._score(np.arange(30), rows)
    x_rows = model._x(rows)
    np.testing.assert_allclose(got, np.asarray(x_rows @ w[np.ix_(scored, scored)]), rtol=1e-12, atol=1e-12)
    # Item by item: score_j = sum over the user's items i of x_ui * W[i, j].
    dense = x_rows.toarray()
    u = int(np.argmax((dense != 0).sum(axis=1)))
    parts = [dense[u, k] * w[scored[k], scored] for k in np.flatnonzero(dense[u])]
    np.testing.assert_allclose(got[u], np.sum(parts, axis=0), rtol=1e-12, atol=1e-12)
    # The transform: EASE binarises unless binarize=False, cooccurrence with affinity="binary", the others
    # take the values as given.
    binary = getattr(model, "binarize", False) or getattr(model, "affinity", None) == "binary"
    expected_values = (rows.toarray() != 0).astype(float) if binary else rows.toarray()
    np.testing.assert_array_equal(dense, expected_values)


@pytest.mark.parametrize("name", MODELS)
def test_bad_input_raises_value_error(name):
    x = random_user_items(seed=13)
    model = MODELS[name][0]()
    with pytest.raises(ValueError, match="not fitted"):
        model.recommend(np.array([0]), x[[0]])
    with pytest.raises(ValueError, match="not fitted"):
        model.similar_items(0)
    with pytest.raises(ValueError, match="scipy.sparse"):
        model.fit(x.toarray())
    neg = x.copy()
    neg.data[0] = -1.0
    with pytest.raises(ValueError, match="negative"):
        model.fit(neg)
    nan = x.copy()
    nan.data[0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        model.fit(nan)
    model.fit(x)
    with pytest.raises(ValueError, match="items"):
        model.recommend(np.array([0]), sp.csr_matrix((1, x.shape[1] + 1)))
    with pytest.raises(ValueError, match="N must be an integer >= 1"):
        model.recommend(np.array([0]), x[[0]], N=0)
    with pytest.raises(ValueError, match="expected one per user id"):
        model.recommend(np.array([0, 5]), x)
    with pytest.raises(ValueError, match="integers"):
        model.recommend(np.array([0.5]), x[[0]])
    with pytest.raises(ValueError, match=r"itemids must be in \[0, 25\)"):
        model.similar_items(25)


@pytest.mark.parametrize("name", registry.names())
def test_every_registered_model_builds_from_the_default_settings(name):
    x = random_user_items(n_users=30, n_items=12, density=0.3, seed=17)
    model = registry.build(name, Settings())
    ids, _ = model.fit(x).recommend(np.arange(30), x, N=3)
    assert ids.shape == (30, 3) and (ids >= 0).all()
    with pytest.raises(ValueError, match="unknown model 'magic'"):
        registry.build("magic", Settings())
