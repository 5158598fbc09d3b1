"""Deterministic top-N ranking shared by every recommender (:mod:`assetrec.recommender_base`).

Order: score descending, ties by item id ascending. Items scored ``-inf`` (seen, outside ``items`` or in
``filter_items``) are never returned; short rows are padded with id ``-1`` and score ``-inf``.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from assetrec import checks

__all__ = ["allowed_items", "place_ranked", "rank_items", "topn_dense"]


def place_ranked(
    rows: np.ndarray, ranks: np.ndarray, items: np.ndarray, scores: np.ndarray, n_rows: int, N: int
) -> tuple[np.ndarray, np.ndarray]:
    """Scatter (row, rank) -> item/score into padded [n_rows, N] arrays (-1 / -inf)."""
    ids = np.full((n_rows, N), -1, dtype=np.int32)
    out = np.full((n_rows, N), -np.inf, dtype=np.float64)
    ids[rows, ranks] = items
    out[rows, ranks] = scores
    return ids, out


def _rank_candidates(scores: np.ndarray, mask: np.ndarray, N: int):
    """Exact (score desc, id asc) order of the masked entries; the first N per row, padded."""
    n_rows, n_items = scores.shape
    # 1-D nonzero on the flat mask is several times faster than 2-D nonzero on large blocks.
    flat = np.flatnonzero(mask)
    r = flat // n_items
    c = flat - r * n_items
    s = scores.ravel()[flat].astype(np.float64)
    order = np.lexsort((c, -s, r))
    r, c, s = r[order], c[order], s[order]
    starts = np.searchsorted(r, np.arange(n_rows))
    ranks = np.arange(len(r)) - starts[r]
    keep = ranks < N
    return place_ranked(r[keep], ranks[keep], c[keep], s[keep], n_rows, N)


def topn_dense(scores: np.ndarray, N: int) -> tuple[np.ndarray, np.ndarray]:
    """Top ``N`` per row of a dense score block: score desc, then item id asc; ``-inf`` = not a candidate.

    Returns (ids int32 [rows, N], scores float64 [rows, N]) padded with -1 / -inf (N = 0 gives empty
    rows). NaN scores are rejected. Linear in the block size: a lower bound of each row's N-th largest
    score (the N-th largest of the maxima of ``G >= N`` disjoint item groups) keeps only a few candidates
    per row for the exact sort; blocks with massive ties fall back to an exact selection by value. float32
    blocks are ranked in float32 (no float64 copy of the block); other dtypes are converted to float64.
    """
    scores = np.asarray(scores)
    if scores.dtype not in (np.float32, np.float64):
        scores = scores.astype(np.float64)
    scores = np.ascontiguousarray(scores)
    if scores.ndim != 2:
        raise ValueError(f"scores must be 2-D [rows, items], got shape {scores.shape}")
    N = checks.integer(N, "N", minimum=0)
    n_rows, n_items = scores.shape
    k = min(N, n_items)
    if n_rows == 0 or k == 0:
        if np.isnan(scores).any():
            raise ValueError("scores contain NaN")
        return place_ranked(np.empty(0, int), np.empty(0, int), np.empty(0, int), np.empty(0), n_rows, N)
    # Lower bound of the k-th largest score per row: item j goes to group j % G; the k largest group
    # maxima are k distinct entries, so the k-th of them is <= the row's k-th largest score.
    groups = min(n_items, max(4 * k, 64))
    per = n_items // groups
    view = np.lib.stride_tricks.as_strided(
        scores,
        shape=(n_rows, per, groups),
        strides=(scores.strides[0], groups * scores.strides[1], scores.strides[1]),
        writeable=False,
    )
    gmax = view.max(axis=1)
    rem = n_items - per * groups
    if rem:
        np.maximum(gmax[:, :rem], scores[:, per * groups :], out=gmax[:, :rem])
    # Every cell went into one group maximum and max propagates NaN: this finds any NaN in the block.
    if np.isnan(gmax).any():
        raise ValueError("scores contain NaN")
    bound = np.partition(gmax, groups - k, axis=1)[:, groups - k]
    # -inf is never a candidate: a row whose bound is -inf keeps only its finite (> lowest float) cells.
    np.maximum(bound, np.finfo(scores.dtype).min, out=bound)
    mask = scores >= bound[:, None]
    counts = np.count_nonzero(mask, axis=1)
    tied = np.flatnonzero(counts > 8 * k + 8)
    if len(tied):
        # Many ties at the bound (e.g. all-zero rows): for those rows only, select exactly k by value,
        # ties by lower id. Sparse item-item scores make every row such a row: then the block itself is
        # used (no copy), and each pass over it counts (these rows dominate scoring on large catalogues).
        every_row = len(tied) == n_rows
        block = scores if every_row else scores[tied]
        # The k-th largest score: the bound itself when fewer than k scores exceed it (the usual case of
        # sparse rows, whose ties are at 0), else found by a partition of those rows. -inf never exceeds
        # or equals it (the bound is at least the lowest float, the partition's k-th of a hard row more).
        kth = bound[tied].copy()
        above = block > kth[:, None]
        n_above = np.count_nonzero(above, axis=1)
        hard = np.flatnonzero(n_above >= k)
        if len(hard):
            kth[hard] = np.partition(block[hard], n_items - k, axis=1)[:, n_items - k]
            above[hard] = block[hard] > kth[hard, None]
            n_above[hard] = np.count_nonzero(above[hard], axis=1)
        _add_first_equal(above, block, kth, k - n_above)
        if every_row:
            mask = above
        else:
            mask[tied] = above
    return _rank_candidates(scores, mask, N)


def _add_first_equal(
    selected: np.ndarray, block: np.ndarray, value: np.ndarray, counts: np.ndarray, prefix: int = 1024
) -> None:
    """Add to ``selected`` (in place) the first ``counts[r]`` entries of each row r of ``block`` equal to
    ``value[r]``. The running count is taken over a prefix of the columns first: the rows that find their
    entries there (ties at 0 are everywhere) never compare the rest."""
    width = min(prefix, block.shape[1])
    equal = block[:, :width] == value[:, None]
    head = np.cumsum(equal, axis=1)
    selected[:, :width] |= equal & (head <= counts[:, None])
    if width == block.shape[1]:
        return
    rest = np.flatnonzero(head[:, -1] < counts)
    if len(rest):
        equal = block[rest] == value[rest, None]
        selected[rest] |= equal & (np.cumsum(equal, axis=1) <= counts[rest, None])


def allowed_items(n_items: int, items=None, filter_items=None) -> np.ndarray | None:
    """Boolean mask of the items that may be recommended (implicit 0.7's keywords: ``items`` = the only
    candidates, ``filter_items`` = never recommended), or None when every item may be."""
    if items is None and filter_items is None:
        return None
    allowed = np.ones(n_items, dtype=bool)
    if items is not None:
        allowed[:] = False
        allowed[checks.ids(items, "items", n_items)[0]] = True
    if filter_items is not None:
        allowed[checks.ids(filter_items, "filter_items", n_items)[0]] = False
    return allowed


def rank_items(
    scores: np.ndarray, N: int, seen: sp.csr_matrix | None = None, allowed: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`topn_dense` of ``scores`` (modified in place) without each row's ``seen`` items (a CSR matrix
    with one row per score row; its stored entries count as seen) and the items not ``allowed``."""
    if seen is not None and seen.nnz:
        scores[np.repeat(np.arange(seen.shape[0]), np.diff(seen.indptr)), seen.indices] = -np.inf
    if allowed is not None:
        scores[:, ~allowed] = -np.inf
    return topn_dense(scores, N)
