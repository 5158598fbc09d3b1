"""Ranking metrics of top-K recommendations against held-out items, and the business-unit hit rate.

Recommendations are ``rec_ids`` arrays [users, N] of item ids, best first; ids ``< 0`` are padding and
never count as hits.

Metric conventions (per user, then averaged over the users with at least one test item; ``R`` = the
user's relevant (test) items, ``K`` = the cutoff, ``rel_i`` = 1 when the item at rank ``i`` (1-based) is
in ``R``):

- ``hit_rate``  1 if any of the top K is relevant, else 0.
- ``precision`` hits / K (always K, even when fewer than K items were recommended). Note: `implicit`
  divides by min(K, |R|) and pools over users (sum of hits / sum of min(K, |R|)).
- ``recall``    hits / |R|.
- ``ndcg``      sum_i rel_i / log2(i + 1) divided by the ideal DCG over min(K, |R|) positions (binary
  gains, log2 discount). Same as `implicit`.
- ``map``       sum over hit ranks i of precision@i, divided by min(K, |R|). Same as `implicit`.
- ``coverage``  distinct items in the top K over all evaluated users / number of items.
- ``bu_hit_rate`` (the prototype's business-unit hit rate) fraction of the K recommended items whose set
  of business units intersects the units of the user's training items; padding and items without a unit
  are misses; users with no mapped training item are excluded (NaN per user).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import numpy as np
import pandas as pd
import scipy.sparse as sp

from assetrec import checks

__all__ = [
    "METRICS",
    "RANKING_METRICS",
    "business_unit_hit_rate",
    "catalog_coverage",
    "item_unit_matrix",
    "per_user_ranking_metrics",
    "ranking_metrics",
]

RANKING_METRICS = ("hit_rate", "precision", "recall", "ndcg", "map")
METRICS = (*RANKING_METRICS, "coverage", "bu_hit_rate")


def _check_rec_ids(rec_ids, n_items: int, k: int) -> np.ndarray:
    ids = np.asarray(rec_ids)
    if ids.ndim != 2:
        raise ValueError(f"rec_ids must be a 2-D array [users, N], got shape {ids.shape}")
    if ids.size and not np.issubdtype(ids.dtype, np.integer):
        raise ValueError(f"rec_ids must hold integer item ids, got dtype {ids.dtype}")
    if ids.shape[1] < k:
        raise ValueError(f"rec_ids has {ids.shape[1]} columns, fewer than k={k}")
    ids = ids[:, :k].astype(np.int64)
    if ids.size and ids.max() >= n_items:
        raise ValueError(f"rec_ids contains item id {ids.max()}, but there are only {n_items} items")
    # A repeated item would be counted twice.
    srt = np.sort(ids, axis=1)
    if np.any((srt[:, 1:] == srt[:, :-1]) & (srt[:, 1:] >= 0)):
        raise ValueError("rec_ids repeats an item within a user's top k")
    return ids


def _check_userids(userids, n_rows: int, n_users: int) -> np.ndarray:
    if userids is None:
        if n_rows != n_users:
            raise ValueError(f"rec_ids has {n_rows} rows but the matrix has {n_users} users: pass userids")
        return np.arange(n_users)
    u, scalar = checks.ids(userids, "userids", n_users)
    if scalar or len(u) != n_rows:
        raise ValueError(f"userids must be 1-D with one entry per rec_ids row ({n_rows}), got {len(u)}")
    return u


def _relevance(ids: np.ndarray, rows: sp.csr_matrix) -> np.ndarray:
    """rel[i, j] = ids[i, j] is a stored item of row i of ``rows`` (ids < 0 never are)."""
    n_items = rows.shape[1]
    row_of = np.repeat(np.arange(rows.shape[0], dtype=np.int64), np.diff(rows.indptr))
    known = row_of * n_items + rows.indices  # sorted: rows ascending, indices sorted within a row
    if len(known) == 0:
        return np.zeros(ids.shape, dtype=bool)
    keys = np.arange(ids.shape[0], dtype=np.int64)[:, None] * n_items + ids
    pos = np.minimum(np.searchsorted(known, keys), len(known) - 1)
    # A padding id (< 0) can alias the previous row's last item in `keys`: mask it out.
    return (known[pos] == keys) & (ids >= 0)


def per_user_ranking_metrics(rec_ids, test_user_items, k: int, userids=None) -> pd.DataFrame:
    """Ranking metrics at ``k`` for every row of ``rec_ids`` (row i = user ``userids[i]``).

    ``test_user_items`` is the users x items matrix of held-out items (any value > 0 is relevant).
    Returns columns ``user, n_relevant, hits, hit_rate, precision, recall, ndcg, map``; the metrics are NaN
    for users without a test item. Conventions: see the module docstring.
    """
    k = checks.integer(k, "k")
    test = checks.user_items(test_user_items, "test_user_items")
    ids = _check_rec_ids(rec_ids, test.shape[1], k)
    users = _check_userids(userids, ids.shape[0], test.shape[0])
    rows = test[users]
    rows.sort_indices()
    rel = _relevance(ids, rows)
    n_rel = np.diff(rows.indptr).astype(np.int64)
    cum = np.cumsum(rel, axis=1)
    hits = cum[:, -1]
    ranks = np.arange(1, k + 1)
    disc = 1.0 / np.log2(ranks + 1.0)
    ideal = np.cumsum(disc)
    denom = np.minimum(k, n_rel)
    has = n_rel > 0
    with np.errstate(invalid="ignore", divide="ignore"):
        dcg = rel @ disc
        idcg = np.where(has, ideal[np.maximum(denom, 1) - 1], np.nan)
        ap = (rel * cum / ranks).sum(axis=1)
        out = pd.DataFrame(
            {
                "user": users,
                "n_relevant": n_rel,
                "hits": hits.astype(np.int64),
                "hit_rate": np.where(has, (hits > 0).astype(float), np.nan),
                "precision": np.where(has, hits / k, np.nan),
                "recall": np.where(has, hits / n_rel, np.nan),
                "ndcg": np.where(has, dcg / idcg, np.nan),
                "map": np.where(has, ap / denom, np.nan),
            }
        )
    return out


def ranking_metrics(rec_ids, test_user_items, k: int, userids=None) -> dict[str, float]:
    """Means of :func:`per_user_ranking_metrics` over users with >= 1 test item, plus ``users`` (count).

    Metrics are NaN when no user has a test item.
    """
    per_user = per_user_ranking_metrics(rec_ids, test_user_items, k, userids)
    valid = per_user[per_user["n_relevant"] > 0]
    out = {m: float(valid[m].mean()) if len(valid) else float("nan") for m in RANKING_METRICS}
    out["users"] = len(valid)
    return out


def catalog_coverage(rec_ids, n_items: int, k: int) -> float:
    """Distinct item ids (>= 0) in the first ``k`` columns of ``rec_ids``, divided by ``n_items``."""
    k = checks.integer(k, "k")
    n_items = checks.integer(n_items, "n_items")
    ids = _check_rec_ids(rec_ids, n_items, k)
    return len(np.unique(ids[ids >= 0])) / int(n_items)


def item_unit_matrix(item_units, n_items: int) -> tuple[sp.csr_matrix, list]:
    """Items x units 0/1 CSR matrix from an item -> units mapping, and the list of units (column order).

    ``item_units`` is a mapping (dict or pandas Series) from item index to an iterable of units (a single
    string counts as one unit; None / NaN / empty = no unit), or a sequence with one entry per item.
    """
    if isinstance(item_units, pd.Series | Mapping):
        pairs = item_units.items()
    elif isinstance(item_units, Sequence | np.ndarray) and not isinstance(item_units, str):
        if len(item_units) != n_items:
            raise ValueError(
                f"item_units as a sequence must have one entry per item ({n_items}), got {len(item_units)}"
            )
        pairs = enumerate(item_units)
    else:
        raise ValueError(
            "item_units must be a mapping item -> units, a pandas Series, or a per-item sequence"
        )
    unit_index: dict = {}
    rows, cols = [], []
    for item, units in pairs:
        if isinstance(item, bool) or not isinstance(item, (int, np.integer)):
            raise ValueError(f"item_units keys must be integer item indices, got {item!r}")
        if not 0 <= item < n_items:
            raise ValueError(f"item_units has item {item}, outside [0, {n_items})")
        if units is None or (isinstance(units, float) and np.isnan(units)):
            continue
        if isinstance(units, str) or not isinstance(units, Iterable):
            units = [units]
        for unit in units:
            if unit is None or (isinstance(unit, float) and np.isnan(unit)):
                continue
            col = unit_index.setdefault(unit, len(unit_index))
            rows.append(int(item))
            cols.append(col)
    mat = sp.csr_matrix(
        (np.ones(len(rows)), (np.asarray(rows, dtype=np.int64), np.asarray(cols, dtype=np.int64))),
        shape=(n_items, max(len(unit_index), 1)),
    )
    mat.data[:] = 1.0  # an item listed twice with the same unit
    return mat, list(unit_index)


def business_unit_hit_rate(rec_ids, train_user_items, item_units, k: int, userids=None) -> np.ndarray:
    """Per-user business-unit hit rate at ``k`` (the prototype's "hit rate"); NaN = user excluded.

    For each user: (number of the first ``k`` recommended items sharing at least one unit with the user's
    training items) / k. Padding (-1) and items without a unit are misses. Users none of whose training
    items has a unit get NaN. ``item_units``: see :func:`item_unit_matrix` (or its result's matrix).
    """
    k = checks.integer(k, "k")
    train = checks.user_items(train_user_items, "train_user_items")
    n_items = train.shape[1]
    ids = _check_rec_ids(rec_ids, n_items, k)
    users = _check_userids(userids, ids.shape[0], train.shape[0])
    if sp.issparse(item_units):
        units = sp.csr_matrix(item_units)
        if units.shape[0] != n_items:
            raise ValueError(f"item_units matrix has {units.shape[0]} rows, expected {n_items} items")
    else:
        units, _ = item_unit_matrix(item_units, n_items)
    units = (units != 0).astype(np.float64).tocsr()
    out = np.full(len(users), np.nan)
    for start in range(0, len(users), 4096):
        sl = slice(start, start + 4096)
        rows = train[users[sl]]
        rows.data[:] = 1.0
        user_units = ((rows @ units) > 0).astype(np.float64).tocsr()  # users x units
        chunk_ids = ids[sl]
        safe = np.where(chunk_ids >= 0, chunk_ids, 0)
        # shared[i, j] = number of units shared by user i and their j-th recommended item.
        item_rows = units[safe.ravel()]  # (n*k) x units
        user_rep = user_units[np.repeat(np.arange(chunk_ids.shape[0]), k)]
        shared = np.asarray(item_rows.multiply(user_rep).sum(axis=1)).reshape(chunk_ids.shape)
        hit = (shared > 0) & (chunk_ids >= 0)
        mapped = np.diff(user_units.indptr) > 0
        vals = hit.sum(axis=1) / k
        out[sl] = np.where(mapped, vals, np.nan)
    return out
