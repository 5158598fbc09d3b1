"""Baseline recommenders checked against brute-force loops and direct numpy solves."""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.sparse as sp
from assetrec.baselines import (
    EASE,
    SIMILARITIES,
    CooccurrenceRecommender,
    MostPopular,
    cooccurrence_similarity,
)
from assetrec.evaluate import leave_one_out, ranking_metrics, recommend_batched
from assetrec.topn import topn_dense


def random_user_items(n_users=40, n_items=25, density=0.15, seed=0, max_strength=5):
    """Small random users x items matrix with integer strengths 1..max_strength."""
    rng = np.random.default_rng(seed)
    mask = rng.random((n_users, n_items)) < density
    vals = rng.integers(1, max_strength + 1, size=(n_users, n_items)) * mask
    return sp.csr_matrix(vals.astype(float))


def item_sets(x: sp.csr_matrix) -> list[set[int]]:
    """For each user, the set of items they have (brute force, from the dense matrix)."""
    dense = x.toarray()
    return [{j for j in range(dense.shape[1]) if dense[u, j] != 0} for u in range(dense.shape[0])]


def brute_rank(scores: dict[int, float], exclude: set[int], n: int):
    """Sort candidates by (score desc, id asc), drop `exclude`, pad to n with (-1, -inf)."""
    cand = [(s, j) for j, s in scores.items() if j not in exclude]
    cand.sort(key=lambda t: (-t[0], t[1]))
    cand = cand[:n]
    ids = [j for _, j in cand] + [-1] * (n - len(cand))
    sc = [s for s, _ in cand] + [-math.inf] * (n - len(cand))
    return ids, sc


MODELS = {
    "most_popular": lambda: MostPopular(),
    "cooc_jaccard": lambda: CooccurrenceRecommender("jaccard"),
    "cooc_lift": lambda: CooccurrenceRecommender("lift", affinity="binary"),
    "ease": lambda: EASE(l2=3.0),
}


# ----------------------------------------------------------------------------------------------------------
# Most popular
# ----------------------------------------------------------------------------------------------------------
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


# ----------------------------------------------------------------------------------------------------------
# Co-occurrence
# ----------------------------------------------------------------------------------------------------------
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
    ids, scores = model.recommend(np.arange(50), x, N=8)
    for u in range(50):
        exp_ids, exp_scores = brute_rank(dict(enumerate(scores_all[u])), set(np.flatnonzero(xd[u])), 8)
        assert ids[u].tolist() == exp_ids
        np.testing.assert_allclose(scores[u], exp_scores, rtol=1e-9, atol=1e-12)


def test_ease_float32_and_blockwise_gram_close_to_float64(monkeypatch):
    import assetrec.baselines as bl

    x = random_user_items(n_users=60, n_items=30, density=0.2, seed=7)
    expected = ease_closed_form((x.toarray() != 0).astype(float), 2.0)
    monkeypatch.setattr(bl, "_MAX_CHUNK_CELLS", 30 * 7)  # 7-column blocks: exercises the block loops
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


# ----------------------------------------------------------------------------------------------------------
# Protocol behaviour shared by all baselines
# ----------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", MODELS)
def test_filtering_never_returns_training_items(name):
    x = random_user_items(n_users=60, n_items=30, density=0.3, seed=9)
    model = MODELS[name]().fit(x)
    ids, scores = model.recommend(np.arange(60), x, N=30)
    dense = x.toarray()
    for u in range(60):
        got = ids[u][ids[u] >= 0]
        assert not np.any(dense[u, got] != 0)
        assert len(set(got.tolist())) == len(got)
        # best first: scores non-increasing, padding (-1, -inf) only at the end
        assert np.all(scores[u][:-1] >= scores[u][1:])
        assert np.all((ids[u] == -1) == (scores[u] == -np.inf))
    # every unfiltered item is a candidate
    assert np.array_equal((ids >= 0).sum(axis=1), 30 - (dense != 0).sum(axis=1))


@pytest.mark.parametrize("name", MODELS)
def test_without_filtering_training_items_can_come_back(name):
    x = random_user_items(n_users=40, n_items=10, density=0.4, seed=10)
    model = MODELS[name]().fit(x)
    ids, _ = model.recommend(np.arange(40), x, N=10, filter_already_liked_items=False)
    dense = x.toarray()
    assert any(dense[u, j] != 0 for u in range(40) for j in ids[u] if j >= 0)


@pytest.mark.parametrize("name", MODELS)
def test_chunking_alignment_and_scalar_userid_give_identical_results(name):
    x = random_user_items(n_users=50, n_items=20, density=0.2, seed=11)
    big = MODELS[name]().fit(x)
    small = MODELS[name]()
    small.batch_size = 3
    small.fit(x)
    users = np.array([7, 3, 3, 49, 0, 12, 30])
    a = big.recommend(users, x[users], N=6)
    b = small.recommend(users, x[users], N=6)
    c = big.recommend(users, x, N=6)  # full matrix: rows taken from userids
    for other in (b, c):
        np.testing.assert_array_equal(a[0], other[0])
        np.testing.assert_array_equal(a[1], other[1])
    one_ids, one_scores = big.recommend(7, x[[7]], N=6)
    np.testing.assert_array_equal(one_ids, a[0][0])
    assert a[0].dtype == np.int32 and a[0].shape == (7, 6)


@pytest.mark.parametrize("name", MODELS)
def test_items_and_filter_items_restrict_candidates(name):
    # implicit-style keywords: `items` = the only candidates, `filter_items` = never recommended.
    x = random_user_items(n_users=40, n_items=20, density=0.25, seed=14)
    model = MODELS[name]().fit(x)
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
    with pytest.raises(ValueError, match="items must be item ids"):
        model.recommend(users, x, items=np.array([20]))
    with pytest.raises(ValueError, match="filter_items"):
        model.recommend(users, x, filter_items=np.array([0.5]))


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


@pytest.mark.parametrize("n_items", [25, 200])
def test_topn_dense_matches_full_sort_with_heavy_ties(n_items):
    rng = np.random.default_rng(12)
    scores = rng.integers(0, 3, size=(40, n_items)).astype(float)
    scores[rng.random((40, n_items)) < 0.3] = -np.inf
    scores[0] = -np.inf  # a row without candidates
    scores[1, 5:] = -np.inf  # a row with 5 candidates at most
    for n in (1, 5, 25, 30):
        ids, top = topn_dense(scores, n)
        for r in range(40):
            exp_ids, exp_scores = brute_rank({j: s for j, s in enumerate(scores[r]) if s > -np.inf}, set(), n)
            assert ids[r].tolist() == exp_ids
            assert top[r].tolist() == exp_scores
    with pytest.raises(ValueError, match="NaN"):
        topn_dense(np.array([[np.nan, 1.0]]), 1)


def test_topn_dense_massive_ties_fall_back_to_exact_selection():
    # 10 rows of 5000 zeros (one row with a single positive score): the lower bound keeps every entry.
    scores = np.zeros((10, 5000))
    scores[3, 4321] = 1.0
    ids, top = topn_dense(scores, 3)
    assert ids.tolist() == [[0, 1, 2]] * 3 + [[4321, 0, 1]] + [[0, 1, 2]] * 6
    assert top[3].tolist() == [1.0, 0.0, 0.0]


@pytest.mark.parametrize("name", MODELS)
def test_bad_input_raises_value_error(name):
    x = random_user_items(seed=13)
    model = MODELS[name]()
    with pytest.raises(ValueError, match="not fitted"):
        model.recommend(np.array([0]), x[[0]])
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
    with pytest.raises(ValueError, match="N must be"):
        model.recommend(np.array([0]), x[[0]], N=0)
    with pytest.raises(ValueError, match="rows"):
        model.recommend(np.array([0, 500]), x)
    with pytest.raises(ValueError, match="integers"):
        model.recommend(np.array([0.5]), x[[0]])


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


# ----------------------------------------------------------------------------------------------------------
# Planted structure: item-item models must find it, popularity cannot
# ----------------------------------------------------------------------------------------------------------
def planted_blocks(seed=0):
    """Block A: 150 users on items 0-19; block B: 300 users on items 20-39 (so B items are more popular).

    Each user has 5 distinct items from their own block, plus one random item from the other block
    with probability 0.1 (noise).
    """
    rng = np.random.default_rng(seed)
    rows, cols = [], []
    for u in range(450):
        block = 0 if u < 150 else 20
        items = rng.choice(20, size=5, replace=False) + block
        if rng.random() < 0.1:
            items = np.append(items, rng.integers(0, 20) + (20 - block))
        rows += [u] * len(items)
        cols += items.tolist()
    return sp.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(450, 40))


def test_planted_blocks_item_models_beat_most_popular():
    x = planted_blocks()
    train, test = leave_one_out(x, seed=0)
    users = np.flatnonzero(np.diff(test.indptr))
    hr = {}
    for name, factory in {
        "pop": MostPopular,
        "cooc": lambda: CooccurrenceRecommender("jaccard"),
        "ease": lambda: EASE(l2=10.0),
    }.items():
        ids = recommend_batched(factory().fit(train), users, train, N=10)
        hr[name] = ranking_metrics(ids, test, 10, users)["hit_rate"]
    # Popularity ranks block B first, so block A users (1/3) almost never get a hit; within a block 10 of
    # the 15-16 unseen items are recommended, so item models should reach roughly 0.6.
    assert hr["pop"] < 0.45
    assert hr["cooc"] > hr["pop"] + 0.15
    assert hr["ease"] > hr["pop"] + 0.15
