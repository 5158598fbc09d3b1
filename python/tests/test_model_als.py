"""Tests of the implicit-feedback ALS model against independent computations.

References: dense normal equations solved with numpy.linalg, brute-force loss and rankings over
dense arrays, and the `implicit` library (skipped when it is not installed).
"""

from __future__ import annotations

import logging
import warnings

import numpy as np
import pytest
import scipy.sparse
from assetrec.models import AlternatingLeastSquares
from assetrec.models.als_solver import MAX_CONFIDENCE, build_layout, half_step
from threadpoolctl import threadpool_info, threadpool_limits


def random_strengths(n_users, n_items, density, seed, high=20):
    """Sparse users x items matrix of positive integer strengths with skewed item popularity."""
    rng = np.random.default_rng(seed)
    popularity = 1.0 / np.arange(1, n_items + 1) ** 0.7
    n = int(n_users * n_items * density)
    users = rng.integers(0, n_users, n)
    items = rng.choice(n_items, n, p=popularity / popularity.sum())
    strengths = rng.integers(1, high, n).astype(np.float64)
    matrix = scipy.sparse.csr_matrix((strengths, (users, items)), shape=(n_users, n_items))
    matrix.sum_duplicates()
    return matrix


def exact_factors(strengths: scipy.sparse.spmatrix, other: np.ndarray, regularization, alpha) -> np.ndarray:
    """Row-by-row dense solve of Hu et al.'s normal equations (C = 1 + alpha r, P = r > 0)."""
    dense = strengths.toarray().astype(np.float64)
    other = other.astype(np.float64)
    out = np.empty((dense.shape[0], other.shape[1]))
    for u, r in enumerate(dense):
        c = 1.0 + alpha * r
        p = (r > 0).astype(np.float64)
        a = other.T @ (c[:, None] * other) + regularization * np.eye(other.shape[1])
        out[u] = np.linalg.solve(a, other.T @ (c * p))
    return out


def brute_force_loss(strengths, users, items, regularization, alpha) -> float:
    dense = strengths.toarray().astype(np.float64)
    c = 1.0 + alpha * dense
    p = (dense > 0).astype(np.float64)
    scores = users.astype(np.float64) @ items.astype(np.float64).T
    error = np.sum(c * (p - scores) ** 2)
    penalty = regularization * (np.sum(users.astype(np.float64) ** 2) + np.sum(items.astype(np.float64) ** 2))
    return (error + penalty) / c.sum()


def run_half_step(strengths, target, other, regularization, alpha, solver, cg_steps):
    """One half-step of the model's solver on float64 factors (with their trailing zero rows)."""
    target_ext = np.vstack([target, np.zeros((1, target.shape[1]))])
    other_ext = np.vstack([other, np.zeros((1, other.shape[1]))])
    layout = build_layout(scipy.sparse.csr_matrix(strengths), alpha, np.float64, block_nnz=64)
    with threadpool_limits(limits=1, user_api="blas"):
        half_step(layout, target_ext, other_ext, regularization, solver, cg_steps, None, 1)
    return target_ext[:-1]


# ------------------------------------------------------------------ solver correctness
@pytest.mark.parametrize("solver, cg_steps", [("cg", 40), ("cholesky", 1)])
@pytest.mark.parametrize("side", ["users", "items"])
def test_half_step_equals_exact_least_squares(solver, cg_steps, side):
    strengths = random_strengths(60, 40, 0.15, seed=1).tolil()
    strengths[3, :] = 0  # an empty row
    strengths[5, 7] = 1e6  # confidence 2e6 + 1 > 2**16: the row is rescaled internally
    strengths = strengths.tocsr()
    strengths.eliminate_zeros()
    if side == "items":
        strengths = strengths.T.tocsr()
    rng = np.random.default_rng(2)
    target = rng.random((strengths.shape[0], 8))
    other = rng.random((strengths.shape[1], 8))
    solved = run_half_step(strengths, target, other, 0.1, 2.0, solver, cg_steps)
    expected = exact_factors(strengths, other, 0.1, 2.0)
    np.testing.assert_allclose(solved, expected, rtol=1e-5, atol=1e-5)
    if side == "users":
        assert not solved[3].any()


def test_fitted_item_factors_solve_the_last_half_step():
    strengths = random_strengths(80, 30, 0.2, seed=3)
    model = AlternatingLeastSquares(
        factors=6, iterations=3, cg_steps=30, regularization=0.05, alpha=3.0, dtype=np.float64, random_state=0
    ).fit(strengths)
    expected = exact_factors(strengths.T.tocsr(), model.user_factors, 0.05, 3.0)
    np.testing.assert_allclose(model.item_factors, expected, rtol=1e-5, atol=1e-6)


def test_loss_equals_brute_force():
    strengths = random_strengths(50, 30, 0.2, seed=4)
    model = AlternatingLeastSquares(factors=5, iterations=2, alpha=0.5, regularization=0.3, random_state=1)
    model.fit(strengths)
    expected = brute_force_loss(strengths, model.user_factors, model.item_factors, 0.3, 0.5)
    assert model.loss(strengths) == pytest.approx(expected, rel=1e-9)


@pytest.mark.parametrize("solver, dtype", [("cholesky", np.float64), ("cg", np.float64), ("cg", np.float32)])
def test_loss_never_increases(solver, dtype):
    strengths = random_strengths(300, 80, 0.05, seed=5)
    losses = []
    AlternatingLeastSquares(
        factors=10,
        iterations=12,
        alpha=2.0,
        regularization=0.1,
        random_state=2,
        solver=solver,
        dtype=dtype,
        calculate_training_loss=True,
    ).fit(strengths, callback=lambda iteration, seconds, loss: losses.append(loss))
    assert len(losses) == 12
    # Each half-step (exact, or CG from a warm start) lowers its own quadratic: the loss can only fall
    # (up to rounding of the factors in float32).
    slack = 1e-12 if dtype == np.float64 else 1e-6
    assert all(later <= earlier * (1 + slack) for earlier, later in zip(losses, losses[1:], strict=False))
    assert losses[-1] < losses[0]


# ------------------------------------------------------------------ against implicit
def implicit_model(**kwargs):
    als = pytest.importorskip("implicit.cpu.als", reason="the reference library `implicit` is not installed")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # implicit warns about BLAS threads; fit runs under threadpool_limits
        return als.AlternatingLeastSquares(**kwargs)


def implicit_confidences(strengths, alpha):
    """implicit takes the stored value as the whole confidence: feed it 1 + alpha * r."""
    matrix = scipy.sparse.csr_matrix(strengths, dtype=np.float32, copy=True)
    matrix.data = (1.0 + alpha * matrix.data).astype(np.float32)
    return matrix


def test_exact_solver_reproduces_implicit_on_one_plus_alpha_r():
    strengths = random_strengths(200, 60, 0.08, seed=6)
    settings = dict(factors=8, iterations=3, regularization=0.1, random_state=7, dtype=np.float64)
    ours = AlternatingLeastSquares(alpha=4.0, solver="cholesky", **settings).fit(strengths)
    reference = implicit_model(alpha=1.0, use_cg=False, num_threads=1, **settings)
    with threadpool_limits(limits=1, user_api="blas"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        reference.fit(implicit_confidences(strengths, 4.0), show_progress=False)
    np.testing.assert_allclose(ours.user_factors, reference.user_factors, rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(ours.item_factors, reference.item_factors, rtol=1e-7, atol=1e-9)


def test_cg_fit_loss_within_one_percent_of_implicit():
    strengths = random_strengths(2000, 400, 0.02, seed=8)
    settings = dict(factors=16, iterations=15, regularization=0.01, random_state=3)
    ours = AlternatingLeastSquares(alpha=2.0, **settings).fit(strengths)
    reference = implicit_model(alpha=1.0, num_threads=2, **settings)
    confidences = implicit_confidences(strengths, 2.0)
    with threadpool_limits(limits=1, user_api="blas"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        reference.fit(confidences, show_progress=False)
    from implicit.cpu._als import calculate_loss

    theirs = calculate_loss(confidences, reference.user_factors, reference.item_factors, 0.01, num_threads=1)
    ours_by_implicit = calculate_loss(confidences, ours.user_factors, ours.item_factors, 0.01, num_threads=1)
    # Both loss implementations agree on our factors, and our fit is as good as implicit's.
    assert ours.loss(strengths) == pytest.approx(ours_by_implicit, rel=1e-5)
    assert abs(ours.loss(strengths) - theirs) <= 0.01 * theirs


# ------------------------------------------------------------------ inference
@pytest.fixture(scope="module")
def fitted():
    strengths = random_strengths(120, 50, 0.1, seed=9)
    model = AlternatingLeastSquares(factors=8, iterations=5, random_state=4).fit(strengths)
    return model, strengths


def test_recommend_matches_brute_force_and_never_returns_liked_items(fitted):
    model, strengths = fitted
    userids = np.arange(strengths.shape[0])
    ids, scores = model.recommend(userids, strengths[userids], N=10)
    dense_scores = model.user_factors.astype(np.float64) @ model.item_factors.astype(np.float64).T
    liked = strengths.toarray() > 0
    assert ids.shape == scores.shape == (userids.size, 10)
    for u in userids:
        assert (ids[u] >= 0).all() and not liked[u, ids[u]].any()
        # The returned scores are the true scores of those items, and the 10 best unliked ones.
        np.testing.assert_allclose(scores[u], dense_scores[u, ids[u]], rtol=1e-5, atol=1e-6)
        best = np.sort(dense_scores[u, ~liked[u]])[::-1][:10]
        np.testing.assert_allclose(scores[u], best, rtol=1e-5, atol=1e-6)
    single_ids, single_scores = model.recommend(5, strengths[5], N=10)
    assert np.array_equal(single_ids, ids[5])
    np.testing.assert_allclose(single_scores, scores[5], rtol=1e-6)


def test_recommend_pads_instead_of_returning_liked_items(fitted):
    model, _ = fitted
    n_items = model.item_factors.shape[0]
    liked_all_but_two = scipy.sparse.csr_matrix(np.r_[np.ones(n_items - 2), 0, 0].reshape(1, -1))
    ids, scores = model.recommend(0, liked_all_but_two, N=5)
    assert set(ids[:2]) == {n_items - 2, n_items - 1}
    assert np.all(ids[2:] == -1) and np.all(np.isneginf(scores[2:]))
    unfiltered, _ = model.recommend([0, 1], liked_all_but_two[[0, 0]], N=5, filter_already_liked_items=False)
    assert unfiltered.shape == (2, 5) and (unfiltered >= 0).all()


def test_similar_items_is_cosine_ranking_without_the_item_itself(fitted):
    model, _ = fitted
    factors = model.item_factors.astype(np.float64)
    unit = factors / np.linalg.norm(factors, axis=1, keepdims=True)
    ids, scores = model.similar_items([0, 7], N=4)
    for row, item in enumerate([0, 7]):
        cosine = unit @ unit[item]
        others = np.delete(cosine, item)
        np.testing.assert_allclose(scores[row], np.sort(others)[::-1][:4], rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(cosine[ids[row]], scores[row], rtol=1e-5, atol=1e-6)
        assert item not in ids[row]


def test_recalculate_user_is_the_exact_solve(fitted):
    model, strengths = fitted
    row = np.zeros(strengths.shape[1])
    row[[1, 4, 9]] = [3.0, 1.0, 10.0]
    expected = exact_factors(
        scipy.sparse.csr_matrix(row), model.item_factors, model.regularization, model.alpha
    )
    np.testing.assert_allclose(model.recalculate_user(row), expected[0], rtol=1e-4, atol=1e-6)
    batch = model.recalculate_user(strengths[:3])
    np.testing.assert_allclose(
        batch,
        exact_factors(strengths[:3], model.item_factors, model.regularization, model.alpha),
        rtol=1e-4,
        atol=1e-6,
    )
    assert np.all(model.recalculate_user(np.zeros(strengths.shape[1])) == 0)


# ------------------------------------------------------------------ determinism and threads
def test_fits_are_bit_identical_across_runs_and_thread_counts():
    strengths = random_strengths(3000, 600, 0.01, seed=10)
    fits = [
        AlternatingLeastSquares(factors=16, iterations=4, random_state=11, num_threads=threads).fit(strengths)
        for threads in (2, 2, 1)
    ]
    for other in fits[1:]:
        assert np.array_equal(fits[0].user_factors, other.user_factors)
        assert np.array_equal(fits[0].item_factors, other.item_factors)


def test_fit_restores_blas_threads():
    def blas_threads():
        return [
            (api["filepath"], api["num_threads"]) for api in threadpool_info() if api["user_api"] == "blas"
        ]

    before = blas_threads()
    AlternatingLeastSquares(factors=4, iterations=1, random_state=0).fit(
        random_strengths(30, 20, 0.2, seed=0)
    )
    assert blas_threads() == before


def test_logs_each_iteration_and_calls_back(caplog):
    calls = []
    with caplog.at_level(logging.INFO, logger="assetrec.models.als"):
        AlternatingLeastSquares(factors=4, iterations=3, random_state=0, calculate_training_loss=True).fit(
            random_strengths(30, 20, 0.2, seed=0), callback=lambda *args: calls.append(args)
        )
    messages = [r.getMessage() for r in caplog.records if r.name == "assetrec.models.als"]
    assert [m.split(":")[0] for m in messages[:3]] == ["iteration 1/3", "iteration 2/3", "iteration 3/3"]
    assert all("loss" in m for m in messages[:3])
    assert [c[0] for c in calls] == [0, 1, 2] and all(c[1] >= 0 and np.isfinite(c[2]) for c in calls)


# ------------------------------------------------------------------ robustness
def assert_finite(model):
    assert np.isfinite(model.user_factors).all() and np.isfinite(model.item_factors).all()


@pytest.mark.parametrize("solver", ["cg", "cholesky"])
@pytest.mark.parametrize(
    "shape, entries",
    [
        ((5, 4), []),  # no interactions at all
        ((1, 6), [(0, 1, 2.0), (0, 4, 1.0)]),  # a single user
        ((6, 1), [(1, 0, 2.0), (4, 0, 1.0)]),  # a single item
        ((0, 3), []),  # no users
    ],
)
def test_degenerate_shapes_give_finite_factors(solver, shape, entries):
    rows, cols, vals = (list(x) for x in zip(*entries, strict=True)) if entries else ([], [], [])
    strengths = scipy.sparse.csr_matrix((vals, (rows, cols)), shape=shape)
    model = AlternatingLeastSquares(factors=3, iterations=2, random_state=0, solver=solver).fit(strengths)
    assert model.user_factors.shape == (shape[0], 3) and model.item_factors.shape == (shape[1], 3)
    assert_finite(model)
    assert np.isfinite(model.loss(strengths))
    if not entries:
        assert not model.user_factors.any() and not model.item_factors.any()


@pytest.mark.parametrize("solver", ["cg", "cholesky"])
def test_users_and_items_without_interactions_get_zero_factors(solver):
    strengths = random_strengths(40, 15, 0.2, seed=12).tolil()
    strengths[7, :] = 0
    strengths[:, 3] = 0
    strengths = strengths.tocsr()
    strengths.eliminate_zeros()
    model = AlternatingLeastSquares(factors=4, iterations=3, random_state=0, solver=solver).fit(strengths)
    assert_finite(model)
    assert not model.user_factors[7].any() and not model.item_factors[3].any()
    ids, _ = model.recommend(7, strengths[7], N=3)
    assert (ids >= 0).all()


@pytest.mark.parametrize("solver", ["cg", "cholesky"])
@pytest.mark.parametrize("huge", [1e9, 1e30])
def test_huge_strengths_stay_finite(solver, huge):
    strengths = random_strengths(50, 20, 0.2, seed=13)
    strengths.data[::5] = huge
    model = AlternatingLeastSquares(factors=4, iterations=3, random_state=0, solver=solver, alpha=40.0)
    model.fit(strengths)
    assert_finite(model)
    assert np.isfinite(model.loss(strengths))
    ids, scores = model.recommend(np.arange(50), strengths, N=3)
    assert np.isfinite(scores[ids >= 0]).all()


def test_confidences_above_the_cap_are_capped(caplog):
    strengths = random_strengths(40, 15, 0.2, seed=15)
    at_cap, beyond = strengths.copy(), strengths.copy()
    at_cap.data[::4] = (MAX_CONFIDENCE - 1) / 2.0
    beyond.data[::4] = 1e25
    with caplog.at_level(logging.WARNING, logger="assetrec.models.als"):
        a = AlternatingLeastSquares(factors=4, iterations=2, random_state=0, alpha=2.0).fit(beyond)
    b = AlternatingLeastSquares(factors=4, iterations=2, random_state=0, alpha=2.0).fit(at_cap)
    assert np.array_equal(a.user_factors, b.user_factors) and np.array_equal(a.item_factors, b.item_factors)
    assert any("capped" in r.getMessage() for r in caplog.records)
    assert a.loss(beyond) == b.loss(at_cap)


def test_explicit_zeros_are_missing_entries():
    strengths = random_strengths(40, 15, 0.2, seed=14)
    with_zeros = strengths.copy()
    with_zeros.data[::3] = 0  # stored, but zero
    without = with_zeros.copy()
    without.eliminate_zeros()
    a = AlternatingLeastSquares(factors=4, iterations=2, random_state=0).fit(with_zeros)
    b = AlternatingLeastSquares(factors=4, iterations=2, random_state=0).fit(without)
    assert np.array_equal(a.user_factors, b.user_factors) and np.array_equal(a.item_factors, b.item_factors)


@pytest.mark.parametrize(
    "value, message",
    [
        (-1.0, r"row 2, column 3: negative"),
        (np.nan, r"row 2, column 3: NaN"),
        (np.inf, r"row 2, column 3: infinite"),
    ],
)
def test_bad_strengths_raise_clear_errors(value, message):
    strengths = random_strengths(5, 5, 0.3, seed=0).tolil()
    strengths[2, 3] = value
    with pytest.raises(ValueError, match=message):
        AlternatingLeastSquares(factors=2).fit(strengths.tocsr())


def test_bad_arguments_raise_clear_errors():
    with pytest.raises(ValueError, match="scipy.sparse"):
        AlternatingLeastSquares().fit(np.ones((3, 3)))
    with pytest.raises(ValueError, match="solver"):
        AlternatingLeastSquares(solver="lu")
    with pytest.raises(ValueError, match="factors"):
        AlternatingLeastSquares(factors=0)
    with pytest.raises(ValueError, match="not fitted"):
        AlternatingLeastSquares().recommend(0, scipy.sparse.csr_matrix((1, 3)))
    model = AlternatingLeastSquares(factors=2, iterations=1, random_state=0).fit(
        random_strengths(6, 5, 0.5, seed=0)
    )
    with pytest.raises(ValueError, match="expected one per user id"):
        model.recommend([0, 1], random_strengths(6, 5, 0.5, seed=0))
    with pytest.raises(ValueError, match="columns"):
        model.loss(scipy.sparse.csr_matrix((6, 4)))


def test_recommend_respects_items_and_filter_items():
    """Candidates restricted with `items` / `filter_items`, as implicit's recommend does."""
    rng = np.random.default_rng(3)
    matrix = scipy.sparse.random(20, 12, density=0.3, random_state=4, format="csr")
    model = AlternatingLeastSquares(factors=4, iterations=3, random_state=1).fit(matrix)
    users = np.arange(20)
    allowed = rng.choice(12, size=5, replace=False)
    ids, _ = model.recommend(users, matrix, N=12, items=allowed)
    for user in users:
        returned = set(ids[user][ids[user] >= 0])
        assert returned == set(allowed) - set(matrix[user].indices)
    ids, _ = model.recommend(users, matrix, N=12, filter_items=allowed)
    assert not set(ids.ravel()) & set(allowed)
    with pytest.raises(ValueError, match=r"items must be in \[0, 12\), got values from 3 to 12"):
        model.recommend(users, matrix, items=[3, 12])
    with pytest.raises(ValueError, match="filter_items must be an integer or a 1-D array of integers"):
        model.recommend(users, matrix, filter_items=[0.5])


def test_recommend_shapes_and_dtypes():
    """N columns (padded beyond the catalogue), int32 ids and float64 scores, as every recommender; no users
    give empty arrays; N must be at least 1."""
    matrix = random_strengths(10, 6, 0.3, seed=5)
    for dtype in (np.float32, np.float64):
        model = AlternatingLeastSquares(factors=2, iterations=1, random_state=0, dtype=dtype).fit(matrix)
        for userids, N, shape in [(np.arange(10), 4, (10, 4)), ([1, 2], 9, (2, 9)), ([], 3, (0, 3))]:
            ids, scores = model.recommend(userids, matrix[userids], N=N)
            assert ids.shape == scores.shape == shape
            assert ids.dtype == np.int32 and scores.dtype == np.float64
        with pytest.raises(ValueError, match="N must be an integer >= 1"):
            model.recommend(np.arange(10), matrix, N=0)
        ids, scores = model.similar_items([0, 5], N=9)
        assert ids.shape == (2, 9) and ids.dtype == np.int32 and scores.dtype == np.float64
        assert (ids[:, 5:] == -1).all()  # 5 other items


def brute_force_top(scores: np.ndarray, seen: np.ndarray, N: int, allowed: np.ndarray):
    """Per row: the allowed, unseen items by (score desc, id asc) with np.lexsort, padded to N."""
    width = N
    ids = np.full((scores.shape[0], width), -1)
    top = np.full((scores.shape[0], width), -np.inf)
    for row in range(scores.shape[0]):
        candidates = np.flatnonzero(allowed & ~seen[row])
        best = candidates[np.lexsort((candidates, -scores[row, candidates]))][:width]
        ids[row, : len(best)] = best
        top[row, : len(best)] = scores[row, best]
    return ids, top


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_als_recommend_matches_brute_force_ranking(dtype):
    """Small integer factors: exact scores with many ties (and two identical items), so the order within
    ties is checked too; some users have seen nearly every item, so N exceeds what is left."""
    rng = np.random.default_rng(8)
    n_users, n_items = 40, 150
    model = AlternatingLeastSquares(factors=3, dtype=dtype)
    model.user_factors = rng.integers(-2, 3, size=(n_users, 3)).astype(dtype)
    model.item_factors = rng.integers(-2, 3, size=(n_items, 3)).astype(dtype)
    model.item_factors[77] = model.item_factors[12]
    seen = rng.random((n_users, n_items)) < 0.2
    seen[[3, 9]] = rng.random((2, n_items)) < 0.97
    seen[5] = True  # nothing left to recommend
    user_items = scipy.sparse.csr_matrix(seen * rng.integers(1, 5, size=seen.shape).astype(float))
    scores = model.user_factors.astype(np.float64) @ model.item_factors.astype(np.float64).T
    users = np.r_[rng.permutation(n_users), 9, 3, 9]  # any order, repeats
    subset = np.sort(rng.choice(n_items, size=20, replace=False))
    everything = np.ones(n_items, dtype=bool)
    in_subset = np.isin(np.arange(n_items), subset)
    for N, kwargs, allowed in [
        (5, {}, everything),
        (1, {}, everything),
        (30, {"items": subset}, in_subset),  # N above the 20 items of the subset
        (12, {"filter_items": subset}, ~in_subset),
        (
            25,
            {"items": subset, "filter_items": subset[::3]},
            in_subset & ~np.isin(np.arange(n_items), subset[::3]),
        ),
        (400, {}, everything),  # wider than the catalogue: padded
    ]:
        ids, top = model.recommend(users, user_items[users], N=N, **kwargs)
        exp_ids, exp_top = brute_force_top(scores[users], seen[users], N, allowed)
        assert ids.dtype == np.int32 and top.dtype == np.float64
        np.testing.assert_array_equal(ids, exp_ids)
        np.testing.assert_array_equal(top, exp_top)
        one_ids, one_top = model.recommend(int(users[0]), user_items[users[0]], N=N, **kwargs)
        np.testing.assert_array_equal(one_ids, exp_ids[0])
        np.testing.assert_array_equal(one_top, exp_top[0])
    assert (ids[users == 5] == -1).all() and (ids[users == 9] == -1).any()
    ids, top = model.recommend(users, user_items[users], N=7, filter_already_liked_items=False)
    exp_ids, exp_top = brute_force_top(scores[users], np.zeros_like(seen[users]), 7, everything)
    np.testing.assert_array_equal(ids, exp_ids)
    np.testing.assert_array_equal(top, exp_top)
