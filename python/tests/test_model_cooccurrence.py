"""The co-occurrence recommender and its similarity measures against double loops over item pairs."""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.sparse as sp
from assetrec.models import SIMILARITIES, CooccurrenceRecommender, cooccurrence_similarity
from conftest import brute_rank, item_sets, random_user_items

# page_cooccurrence's measures, listed here independently of the code's list.
MEASURES = ["jaccard", "cosine", "inclusion", "lift", "pmi", "npmi", "weighted_cosine", "co_cookies"]


def brute_similarity(x: sp.csr_matrix, measure: str, min_co=1, max_per_user=None) -> np.ndarray:
    """Double loop over item pairs with models/similarity/page_cooccurrence.sql's formulas; 0 for the diagonal
    and for pairs below min_co (or never together). With max_per_user, each user pairs only its
    max_per_user strongest items (ties: lower id), as cooccurrence_page_pairs.sql; totals count every item."""
    dense = x.toarray()
    sets = item_sets(x)
    n_items = x.shape[1]
    users_of = [{u for u, s in enumerate(sets) if j in s} for j in range(n_items)]
    kept = [set(sorted(s, key=lambda j, u=u: (-dense[u, j], j))[:max_per_user]) for u, s in enumerate(sets)]
    pair_users_of = [{u for u, s in enumerate(kept) if j in s} for j in range(n_items)]
    n = sum(1 for s in sets if s)
    norm = [math.sqrt(sum(dense[u, j] ** 2 for u in users_of[j])) for j in range(n_items)]
    sim = np.zeros((n_items, n_items))
    for i in range(n_items):
        for j in range(n_items):
            both = pair_users_of[i] & pair_users_of[j]
            c = len(both)
            if i == j or c == 0 or c < min_co:
                continue
            a, b = len(users_of[i]), len(users_of[j])
            pmi = math.log2(c * n / (a * b))
            sim[i, j] = {
                "jaccard": c / (a + b - c),
                "cosine": c / math.sqrt(a * b),
                "inclusion": c / min(a, b),
                "lift": c * n / (a * b),
                "pmi": pmi,
                "npmi": 1.0 if c == a == b else pmi / -math.log2(c / n),
                "weighted_cosine": min(
                    1.0, sum(dense[u, i] * dense[u, j] for u in both) / (norm[i] * norm[j])
                ),
                "co_cookies": float(c),
            }[measure]
    return sim


def hand_made_strengths() -> sp.csr_matrix:
    """7 users x 6 items. Items 0 and 1: only users 0-1, proportional strengths (npmi 1, weighted_cosine 1).
    Items 2 and 4: every non-empty user (co = a = b = n: npmi 1 with log2(n / co) = 0). Item 0 with 2: lift 1,
    pmi 0. Items 3 and 5: lift 0.75, negative pmi. User 6 is empty (not in n); user 0's item 3 is an
    explicit zero (not an interaction)."""
    rows, cols, vals = [], [], []
    for item, strengths in {
        0: {0: 1.0, 1: 5.0},
        1: {0: 2.0, 1: 10.0},
        2: {0: 1.0, 1: 2.0, 2: 1.0, 3: 3.0, 4: 1.0, 5: 2.0},
        3: {0: 0.0, 2: 4.0, 3: 1.0, 4: 2.0, 5: 1.0},
        4: {0: 5.0, 1: 1.0, 2: 1.0, 3: 1.0, 4: 2.0, 5: 1.0},
        5: {1: 1.0, 2: 2.5},
    }.items():
        for user, value in strengths.items():
            rows.append(user)
            cols.append(item)
            vals.append(value)
    return sp.csr_matrix((vals, (rows, cols)), shape=(7, 6))


def test_measures_are_the_warehouse_measures():
    assert list(SIMILARITIES) == MEASURES


@pytest.mark.parametrize("min_co", [1, 2])
@pytest.mark.parametrize("measure", MEASURES)
def test_cooccurrence_similarity_matches_double_loop(measure, min_co):
    dense = random_user_items(n_users=30, n_items=15, density=0.25, seed=2).toarray()
    dense[3, :] = 0  # an empty user must not count in n
    for x in (sp.csr_matrix(dense), hand_made_strengths()):
        expected = brute_similarity(x, measure, min_co)
        got = cooccurrence_similarity(x, measure, min_cooccurrence=min_co)
        np.testing.assert_allclose(got.toarray(), expected, rtol=0, atol=1e-9)
        assert np.all(got.diagonal() == 0)
        # Stored: exactly the co-occurring pairs of distinct items (pmi 0 too), as in page_cooccurrence.
        binary = (x.toarray() != 0).astype(int)
        co = binary.T @ binary
        np.fill_diagonal(co, 0)
        stored = np.zeros(co.shape, dtype=bool)
        stored[got.tocoo().row, got.tocoo().col] = True
        np.testing.assert_array_equal(stored, co >= min_co)


def test_cooccurrence_similarity_special_cases():
    x = hand_made_strengths()
    sim = {m: cooccurrence_similarity(x, m).toarray() for m in MEASURES}
    assert sim["npmi"][0, 1] == sim["npmi"][2, 4] == 1.0
    # Proportional strengths: 1.0000000000000002 before the cap at 1.
    assert (1 * 2 + 5 * 10) / (math.sqrt(1 + 25) * math.sqrt(4 + 100)) > 1
    assert sim["weighted_cosine"][0, 1] == 1.0
    assert sim["pmi"][0, 2] == 0.0 and sim["lift"][0, 2] == 1.0
    assert sim["pmi"][3, 5] == pytest.approx(math.log2(0.75)) and sim["npmi"][3, 5] < 0
    assert sim["co_cookies"][0, 3] == 0  # the explicit zero is not an interaction
    assert sim["co_cookies"][2, 4] == 6 and sim["lift"][2, 4] == 1.0  # n = 6 non-empty users


def hand_made_ties() -> sp.csr_matrix:
    """6 users x 5 items with ties in strength inside users that have more than 2 or 3 items."""
    return sp.csr_matrix(
        np.array(
            [
                [2.0, 3.0, 3.0, 1.0, 3.0],  # cap 2: items 1, 2 (the 3s, lower ids); cap 3: 1, 2, 4
                [1.0, 1.0, 1.0, 1.0, 0.0],  # all tied: cap 2 keeps 0, 1; cap 3 keeps 0, 1, 2
                [0.0, 5.0, 0.0, 2.0, 2.0],  # cap 2: 1, 3
                [4.0, 0.0, 0.0, 0.0, 4.0],  # two items: never capped
                [0.0, 0.0, 0.0, 0.0, 0.0],  # empty: not in n
                [0.5, 0.0, 1.0, 0.5, 0.5],  # cap 2: 2, 0; cap 3: 2, 0, 3
            ]
        )
    )


@pytest.mark.parametrize("max_per_user", [2, 3])
@pytest.mark.parametrize("min_co", [1, 2])
@pytest.mark.parametrize("measure", MEASURES)
def test_cooccurrence_similarity_with_cap_matches_loop_over_users(measure, min_co, max_per_user):
    for x in (hand_made_ties(), random_user_items(n_users=30, n_items=12, density=0.4, seed=6)):
        expected = brute_similarity(x, measure, min_co, max_per_user)
        got = cooccurrence_similarity(x, measure, min_co, max_items_per_user=max_per_user)
        np.testing.assert_allclose(got.toarray(), expected, rtol=0, atol=1e-9)
        model = CooccurrenceRecommender(measure, min_cooccurrence=min_co, max_items_per_user=max_per_user)
        np.testing.assert_array_equal(model.fit(x).similarity_.toarray(), got.toarray())
    # The cap really drops pairs here, so a cap that were ignored would fail above.
    assert not np.allclose(brute_similarity(x, measure, min_co, max_per_user), brute_similarity(x, measure))


def test_cooccurrence_cap_counts_pairs_only_among_the_strongest_items():
    x = hand_made_ties()
    co = cooccurrence_similarity(x, "co_cookies", max_items_per_user=2).toarray()
    # Kept pairs, by user: (1, 2), (0, 1), (1, 3), (0, 4), -, (0, 2).
    expected = np.zeros((5, 5))
    for i, j in [(1, 2), (0, 1), (1, 3), (0, 4), (0, 2)]:
        expected[i, j] = expected[j, i] = 1
    np.testing.assert_array_equal(co, expected)
    # Totals are not capped: item 4 has 4 users and n = 5 whatever the cap (cosine = co / sqrt(a * b)).
    cosine = cooccurrence_similarity(x, "cosine", max_items_per_user=2).toarray()
    assert cosine[0, 4] == pytest.approx(1 / math.sqrt(4 * 4))
    lift = cooccurrence_similarity(x, "lift", max_items_per_user=2).toarray()
    assert lift[1, 2] == pytest.approx(1 * 5 / (3 * 3))
    # No row exceeds a cap of 5: the same as no cap.
    np.testing.assert_array_equal(
        cooccurrence_similarity(x, "weighted_cosine", max_items_per_user=5).toarray(),
        cooccurrence_similarity(x, "weighted_cosine").toarray(),
    )


def test_cooccurrence_min_cooccurrence_threshold():
    x = random_user_items(n_users=30, n_items=15, density=0.3, seed=3)
    got = cooccurrence_similarity(x, "cosine", min_cooccurrence=3).toarray()
    np.testing.assert_allclose(got, brute_similarity(x, "cosine", min_co=3), rtol=1e-12, atol=0)


@pytest.mark.parametrize("measure", MEASURES)
@pytest.mark.parametrize("affinity", ["strength", "binary"])
def test_cooccurrence_scores_and_recommendations_match_brute_force(affinity, measure):
    x = random_user_items(n_users=30, n_items=15, density=0.15, seed=4)
    sim = brute_similarity(x, measure)
    dense = x.toarray()
    model = CooccurrenceRecommender(measure, affinity=affinity).fit(x)
    users = np.arange(x.shape[0])
    ids, scores = model.recommend(users, x, N=6)
    for u in users:
        # score_j = sum over the user's items i of affinity_i * sim[i, j]
        user_scores = {}
        for j in range(x.shape[1]):
            total = 0.0
            for i in range(x.shape[1]):
                if dense[u, i] != 0:
                    total += (dense[u, i] if affinity == "strength" else 1.0) * sim[i, j]
            user_scores[j] = total
        exp_ids, exp_scores = brute_rank(user_scores, set(np.flatnonzero(dense[u])), 6)
        np.testing.assert_allclose(scores[u], exp_scores, rtol=0, atol=1e-9)
        # Same ids, except that candidates whose scores differ by rounding only (1e-9) may swap places.
        brute = np.array([user_scores[j] for j in range(x.shape[1])])
        brute[np.flatnonzero(dense[u])] = -np.inf
        for got, want, score in zip(ids[u], exp_ids, exp_scores, strict=True):
            tied = np.count_nonzero(np.abs(brute - score) <= 1e-9) > 1
            assert got == want or (tied and abs(brute[got] - score) <= 1e-9), (u, got, want)
        assert -1 not in ids[u] and len(set(ids[u].tolist())) == len(ids[u])
        # Exactly equal scores come in item id order.
        equal = scores[u][1:] == scores[u][:-1]
        assert np.all(ids[u][1:][equal] > ids[u][:-1][equal])


@pytest.mark.parametrize("neighbours", [1, 3, 6])
def test_neighbours_keep_each_items_strongest_partners_only(neighbours):
    """Scores with a neighbour bound = scores over a similarity whose rows were cut by hand to their
    `neighbours` largest entries (ties: lower item id)."""
    x = random_user_items(n_users=40, n_items=12, density=0.3, seed=5)
    sim = brute_similarity(x, "co_cookies")  # integer counts: many ties
    cut = np.zeros_like(sim)
    for i in range(sim.shape[0]):
        partners = sorted((j for j in range(sim.shape[1]) if sim[i, j] != 0), key=lambda j: (-sim[i, j], j))
        for j in partners[:neighbours]:
            cut[i, j] = sim[i, j]
    model = CooccurrenceRecommender("co_cookies", neighbours=neighbours).fit(x)
    np.testing.assert_array_equal(model.similarity_.toarray(), cut)
    users = np.arange(x.shape[0])
    by_hand = CooccurrenceRecommender.from_similarity(cut).fit(x)
    for a, b in zip(model.recommend(users, x, N=5), by_hand.recommend(users, x, N=5), strict=True):
        np.testing.assert_array_equal(a, b)
    precomputed = CooccurrenceRecommender.from_similarity(sim, neighbours=neighbours)
    np.testing.assert_array_equal(precomputed.similarity_.toarray(), cut)
    unbounded = CooccurrenceRecommender("co_cookies", neighbours=sim.shape[0]).fit(x)
    np.testing.assert_array_equal(unbounded.similarity_.toarray(), sim)


def test_cooccurrence_fills_with_score_zero_items_then_pads():
    # user 0 has item 0, which only co-occurs with item 1 (through user 1): items 2 and 3 follow with
    # score 0 in id order; with N=4 only 3 unfiltered items exist, so the row is padded.
    x = sp.csr_matrix(np.array([[1.0, 0, 0, 0], [1.0, 1.0, 0, 0], [0, 0, 1.0, 1.0]]))
    ids, scores = CooccurrenceRecommender("jaccard").fit(x).recommend(np.array([0]), x[[0]], N=4)
    # jaccard(0, 1) = c01 / (c00 + c11 - c01) = 1 / (2 + 1 - 1) = 0.5
    assert ids.tolist() == [[1, 2, 3, -1]]
    assert scores[0].tolist() == [pytest.approx(0.5), 0.0, 0.0, -np.inf]


def test_from_similarity_equals_fitted_model_and_zeroes_diagonal():
    x = random_user_items(n_users=30, n_items=15, density=0.2, seed=5)
    fitted = CooccurrenceRecommender("cosine").fit(x)
    sim = brute_similarity(x, "cosine") + np.eye(15) * 7.0  # a diagonal that must be ignored
    pre = CooccurrenceRecommender.from_similarity(sim)
    assert np.all(pre.similarity_.diagonal() == 0)
    users = np.arange(30)
    a_ids, a_scores = fitted.recommend(users, x, N=5)
    b_ids, b_scores = pre.recommend(users, x, N=5, filter_already_liked_items=False)
    c_ids, _ = pre.recommend(users, x, N=5)
    np.testing.assert_array_equal(a_ids, c_ids)
    # Unfiltered, the user's own items are candidates too, but the zeroed diagonal adds no self-score.
    raw = x.toarray() @ brute_similarity(x, "cosine")
    for u in users:
        exp_ids, _ = brute_rank(dict(enumerate(raw[u])), set(), 5)
        assert b_ids[u].tolist() == exp_ids
    # fit() keeps a precomputed similarity but checks the item count.
    assert pre.fit(x) is pre
    with pytest.raises(ValueError, match="precomputed similarity covers 15 items"):
        pre.fit(sp.csr_matrix(np.ones((2, 16))))
    with pytest.raises(ValueError, match="square"):
        CooccurrenceRecommender.from_similarity(np.ones((3, 4)))
    with pytest.raises(ValueError, match="NaN"):
        CooccurrenceRecommender.from_similarity(np.full((3, 3), np.nan))


# ----------------------------------------------------------------------------------------------------------
# EASE


def test_bad_constructor_arguments():
    for kwargs in (
        {"similarity": "dice"},
        {"affinity": "log"},
        {"min_cooccurrence": 0},
        {"batch_size": 0},
        {"max_items_per_user": 0},
        {"max_items_per_user": 2.0},
    ):
        with pytest.raises(ValueError):
            CooccurrenceRecommender(**kwargs)
    allowed = "jaccard, cosine, inclusion, lift, pmi, npmi, weighted_cosine, co_cookies"
    for call in (
        lambda: CooccurrenceRecommender("dice"),
        lambda: cooccurrence_similarity(random_user_items(), "dice"),
    ):
        with pytest.raises(ValueError, match=f"cooccurrence_measure.*{allowed}.*'dice'"):
            call()
