"""The shared top-N ranking against full sorts."""

from __future__ import annotations

import numpy as np
import pytest
from assetrec.topn import topn_dense
from conftest import brute_rank


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


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_topn_dense_float32_ranks_like_a_full_sort(dtype):
    rng = np.random.default_rng(3)
    scores = rng.integers(0, 6, size=(40, 300)).astype(dtype)  # many ties
    scores[5] = -np.inf
    scores[6, 10:] = -np.inf
    scores[7] = rng.permutation(300)  # no ties: ranked through the bound, beside rows that fall back
    ids, top = topn_dense(scores, 7)
    for row in range(scores.shape[0]):
        finite = np.flatnonzero(np.isfinite(scores[row]))
        expected = finite[np.lexsort((finite, -scores[row, finite]))][:7]
        got = ids[row][ids[row] >= 0]
        assert got.tolist() == expected.tolist()
        np.testing.assert_array_equal(top[row, : len(got)], scores[row, expected].astype(np.float64))
    with pytest.raises(ValueError, match="NaN"):
        topn_dense(np.array([[1.0, np.nan, 0.0]], dtype=dtype), 1)


def test_topn_dense_wide_rows_of_ties_match_a_full_sort():
    """Rows of 3,000 items whose ties sit where the fast paths end: ties only beyond the first 1,024 columns,
    ties above the lower bound (the k-th largest must be found by a partition), sparse rows of zeros."""
    rng = np.random.default_rng(5)
    n_items, n = 3000, 10
    scores = np.zeros((6, n_items))
    scores[0, :2500] = -np.inf  # the zeros (ties) start after the prefix
    scores[1, rng.choice(n_items, 3)] = rng.random(3)  # sparse: 3 positives, then the first zeros
    scores[2, :1500] = 2.0  # many ties at 2 above every zero
    scores[2, 1700] = 3.0
    scores[3] = rng.integers(0, 2, n_items)  # ties at 1 and at 0
    scores[4, ::2] = -np.inf
    scores[4, 2999] = 5.0
    scores[5] = -np.inf  # no candidate
    ids, top = topn_dense(scores, n)
    for row in range(scores.shape[0]):
        finite = np.flatnonzero(np.isfinite(scores[row]))
        expected = finite[np.lexsort((finite, -scores[row, finite]))][:n]
        got = ids[row][ids[row] >= 0]
        assert got.tolist() == expected.tolist(), row
        np.testing.assert_array_equal(top[row, : len(got)], scores[row, expected])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("seed", range(6))
def test_topn_dense_random_sparse_blocks_match_a_full_sort(dtype, seed):
    """Blocks shaped like item-item scores of sparse data (a few positive scores per row, the rest 0, some
    -inf), every row or only some rows tied at 0, wider than the 1,024-column prefix: against a full sort."""
    rng = np.random.default_rng(seed)
    rows, n_items = 30, int(rng.choice([50, 1500, 4000]))
    scores = np.zeros((rows, n_items), dtype=dtype)
    for r in range(rows):
        scores[r, rng.choice(n_items, int(rng.integers(0, 6)), replace=False)] = (
            rng.integers(1, 4, 1)[0] * rng.random()
        )
        scores[r, rng.choice(n_items, int(rng.integers(0, n_items // 2)), replace=False)] = -np.inf
    if seed % 2:
        scores[: rows // 2] = rng.random((rows // 2, n_items))  # rows without ties beside the tied ones
    scores[0, : n_items - 3] = -np.inf  # the zeros left are at the end of the row
    for n in (1, 10, 40):
        ids, top = topn_dense(scores, n)
        for row in range(rows):
            finite = np.flatnonzero(np.isfinite(scores[row]))
            expected = finite[np.lexsort((finite, -scores[row, finite]))][:n]
            got = ids[row][ids[row] >= 0]
            assert got.tolist() == expected.tolist(), (row, n)
            np.testing.assert_array_equal(top[row, : len(got)], scores[row, expected].astype(np.float64))
