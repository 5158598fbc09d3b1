"""The most popular baseline against brute-force counts and rankings."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from assetrec.models import CooccurrenceRecommender, MostPopular
from conftest import brute_rank, item_sets, random_user_items


def test_most_popular_counts_and_recommendations_match_brute_force():
    x = random_user_items(seed=1)
    sets = item_sets(x)
    counts = {j: sum(j in s for s in sets) for j in range(x.shape[1])}
    model = MostPopular().fit(x)
    assert [int(c) for c in model.item_users_] == [counts[j] for j in range(x.shape[1])]
    users = np.arange(x.shape[0])
    ids, scores = model.recommend(users, x, N=7)
    for u in users:
        exp_ids, exp_scores = brute_rank({j: float(c) for j, c in counts.items()}, sets[u], 7)
        assert ids[u].tolist() == exp_ids
        np.testing.assert_array_equal(scores[u], exp_scores)


def test_most_popular_counts_distinct_users_not_strengths():
    # item 0: one user with strength 100; item 1: two users with strength 1 -> item 1 is more popular.
    x = sp.csr_matrix(np.array([[100.0, 1.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]))
    model = MostPopular().fit(x)
    ids, scores = model.recommend(np.array([2]), x[[2]], N=3)
    assert ids.tolist() == [[1, 0, -1]]  # item 2 is the user's own; 1 (2 users) before 0 (1 user); padded
    assert scores[0, :2].tolist() == [2.0, 1.0] and scores[0, 2] == -np.inf


def test_ties_break_by_item_id_and_padding_beyond_catalogue():
    # Every item has exactly two users: all popularity scores tie, so the order is by id.
    x = sp.csr_matrix(np.array([[1, 1, 1, 1, 0, 0], [0, 0, 1, 1, 1, 1], [1, 1, 0, 0, 1, 1]], dtype=float))
    pop = MostPopular().fit(x)
    ids, scores = pop.recommend(np.array([0, 1]), x[[0, 1]], N=4)
    assert ids.tolist() == [[4, 5, -1, -1], [0, 1, -1, -1]]
    assert np.all(scores[:, :2] == 2.0) and np.all(scores[:, 2:] == -np.inf)
    ids, _ = pop.recommend(np.array([0]), x[[0]], N=9, filter_already_liked_items=False)
    assert ids.tolist() == [[0, 1, 2, 3, 4, 5, -1, -1, -1]]
    # Co-occurrence on the same symmetric design: items 4 and 5 tie for user 0 -> 4 first.
    ids, scores = CooccurrenceRecommender("cosine").fit(x).recommend(np.array([0]), x[[0]], N=3)
    assert ids.tolist() == [[4, 5, -1]] and scores[0, 0] == scores[0, 1] > 0
