"""Offline evaluation of recommenders: splits, ranking metrics, business-unit hit rate, model comparison.

Models are duck-typed: anything with ``fit(user_items) -> self`` and
``recommend(userids, user_items, N, filter_already_liked_items=True) -> (ids, scores)`` where row ``i``
of ``user_items`` belongs to ``userids[i]`` (the `implicit` 0.7 convention; see
:mod:`assetrec.baselines`). Ids ``< 0`` in a recommendation row are padding and never count as hits.

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

import copy
from collections.abc import Callable, Iterable, Mapping, Sequence

import numpy as np
import pandas as pd
import scipy.sparse as sp

from assetrec.baselines import check_user_items

__all__ = [
    "METRICS",
    "SPLITS",
    "business_unit_hit_rate",
    "catalog_coverage",
    "evaluate_fitted",
    "evaluate_models",
    "item_unit_matrix",
    "leave_one_out",
    "per_user_ranking_metrics",
    "random_split",
    "ranking_metrics",
    "recommend_batched",
    "sample_user_rows",
]

RANKING_METRICS = ("hit_rate", "precision", "recall", "ndcg", "map")
METRICS = (*RANKING_METRICS, "coverage", "bu_hit_rate")
SPLITS = ("leave_one_out", "random_80_20")


# ----------------------------------------------------------------------------------------------------------
# Splits
# ----------------------------------------------------------------------------------------------------------
def _check_seed(seed) -> int:
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    return int(seed)


def _split_by_mask(m: sp.csr_matrix, test_mask: np.ndarray) -> tuple[sp.csr_matrix, sp.csr_matrix]:
    rows = np.repeat(np.arange(m.shape[0]), np.diff(m.indptr))

    def build(mask):
        out = sp.csr_matrix((m.data[mask], (rows[mask], m.indices[mask])), shape=m.shape, dtype=m.dtype)
        out.sort_indices()
        return out

    return build(~test_mask), build(test_mask)


def leave_one_out(
    user_items, seed: int = 0, min_interactions: int = 2
) -> tuple[sp.csr_matrix, sp.csr_matrix]:
    """Hold out one random interaction per user with at least ``min_interactions`` items.

    Returns (train, test), both float64 CSR with the input's shape; test has exactly one entry per eligible
    user, train has everything else (values kept). Deterministic for a seed.
    """
    seed = _check_seed(seed)
    if isinstance(min_interactions, bool) or not isinstance(min_interactions, (int, np.integer)):
        raise ValueError(f"min_interactions must be an integer >= 1, got {min_interactions!r}")
    if min_interactions < 1:
        raise ValueError(f"min_interactions must be an integer >= 1, got {min_interactions!r}")
    m = check_user_items(user_items)
    counts = np.diff(m.indptr)
    eligible = np.flatnonzero(counts >= min_interactions)
    rng = np.random.default_rng(seed)
    offsets = np.floor(rng.random(len(eligible)) * counts[eligible]).astype(np.int64)
    offsets = np.minimum(offsets, counts[eligible] - 1)
    test_mask = np.zeros(m.nnz, dtype=bool)
    test_mask[m.indptr[eligible] + offsets] = True
    return _split_by_mask(m, test_mask)


def random_split(
    user_items, test_fraction: float = 0.2, seed: int = 0
) -> tuple[sp.csr_matrix, sp.csr_matrix]:
    """Random split of the interactions: exactly ``round(test_fraction * nnz)`` go to test.

    Users may end with no test item, or with all their items in test. Deterministic for a seed.
    """
    seed = _check_seed(seed)
    if isinstance(test_fraction, bool) or not isinstance(
        test_fraction, (int, float, np.integer, np.floating)
    ):
        raise ValueError(f"test_fraction must be a number in (0, 1), got {test_fraction!r}")
    if not 0 < test_fraction < 1:
        raise ValueError(f"test_fraction must be in (0, 1), got {test_fraction!r}")
    m = check_user_items(user_items)
    n_test = int(round(test_fraction * m.nnz))
    rng = np.random.default_rng(seed)
    test_mask = np.zeros(m.nnz, dtype=bool)
    test_mask[rng.permutation(m.nnz)[:n_test]] = True
    return _split_by_mask(m, test_mask)


# ----------------------------------------------------------------------------------------------------------
# Metrics
# ----------------------------------------------------------------------------------------------------------
def _check_k(k) -> int:
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
        raise ValueError(f"k must be a positive integer, got {k!r}")
    return int(k)


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
    u = np.asarray(userids)
    if u.ndim != 1 or len(u) != n_rows:
        raise ValueError(
            f"userids must be 1-D with one entry per rec_ids row ({n_rows}), got shape {u.shape}"
        )
    if u.size and not np.issubdtype(u.dtype, np.integer):
        raise ValueError(f"userids must be integers, got dtype {u.dtype}")
    if u.size and (u.min() < 0 or u.max() >= n_users):
        raise ValueError(f"userids must be in [0, {n_users})")
    return u.astype(np.int64)


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
    k = _check_k(k)
    test = check_user_items(test_user_items, "test_user_items")
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
    k = _check_k(k)
    if isinstance(n_items, bool) or not isinstance(n_items, (int, np.integer)) or n_items < 1:
        raise ValueError(f"n_items must be a positive integer, got {n_items!r}")
    ids = _check_rec_ids(rec_ids, int(n_items), k)
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
    k = _check_k(k)
    train = check_user_items(train_user_items, "train_user_items")
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


# ----------------------------------------------------------------------------------------------------------
# Running models
# ----------------------------------------------------------------------------------------------------------
def recommend_batched(model, userids, user_items, N: int, batch_size: int = 2048) -> np.ndarray:
    """Top-``N`` ids for ``userids`` from a fitted model, ``batch_size`` users per ``recommend`` call.

    Calls ``model.recommend(batch, user_items[batch], N=N, filter_already_liked_items=True)`` and pads
    short rows with -1. Returns int64 ids [len(userids), N].
    """
    N = _check_k(N)
    if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}")
    m = check_user_items(user_items)
    users = np.asarray(userids, dtype=np.int64)
    out = np.full((len(users), N), -1, dtype=np.int64)
    for start in range(0, len(users), batch_size):
        batch = users[start : start + batch_size]
        ids, _ = model.recommend(batch, m[batch], N=N, filter_already_liked_items=True)
        ids = np.asarray(ids)
        if ids.ndim != 2 or ids.shape[0] != len(batch) or ids.shape[1] > N:
            raise ValueError(
                f"{type(model).__name__}.recommend returned ids of shape {ids.shape} "
                f"for {len(batch)} users, N={N}"
            )
        out[start : start + len(batch), : ids.shape[1]] = ids
    return out


def _sample_users(users: np.ndarray, max_users: int | None, seed: int, stream: int) -> np.ndarray:
    if max_users is None or len(users) <= max_users:
        return users
    rng = np.random.default_rng([seed, stream])
    return np.sort(rng.choice(users, size=max_users, replace=False))


def sample_user_rows(n_users: int, max_users: int | None, seed: int) -> np.ndarray:
    """Sorted row indices of a deterministic random sample of at most ``max_users`` of ``n_users`` users
    (all rows when ``max_users`` is None or not smaller). Used to bound the cost of
    :func:`evaluate_models` on large data: evaluate on ``user_items[sample_user_rows(...)]``, so every
    model is also fitted on the sample only."""
    seed = _check_seed(seed)
    if max_users is not None and (
        isinstance(max_users, bool) or not isinstance(max_users, (int, np.integer)) or max_users < 1
    ):
        raise ValueError(f"max_users must be a positive integer or None, got {max_users!r}")
    return _sample_users(np.arange(int(n_users), dtype=np.int64), max_users, seed, 3)


def _check_ks(ks) -> tuple[int, ...]:
    if isinstance(ks, (int, np.integer)) and not isinstance(ks, bool):
        ks = (ks,)
    try:
        vals = tuple(_check_k(k) for k in ks)
    except TypeError as exc:
        raise ValueError(f"ks must be a positive integer or an iterable of them, got {ks!r}") from exc
    if not vals:
        raise ValueError("ks must not be empty")
    return tuple(sorted(set(vals)))


def evaluate_fitted(
    model,
    train,
    test,
    ks: Iterable[int] | int = (5, 10, 20),
    item_units=None,
    max_eval_users: int | None = None,
    seed: int = 0,
    batch_size: int = 2048,
) -> pd.DataFrame:
    """Evaluate a model fitted on ``train`` against ``test``: long DataFrame ``metric, k, value, users``.

    Ranking metrics and coverage use the users with >= 1 test item (at most ``max_eval_users`` of them,
    sampled deterministically from ``seed``). ``bu_hit_rate`` (only with ``item_units``) uses the users with
    at least one training item that has a unit, against the units of their training items (sampled the
    same way). Recommendations always exclude the user's training items.
    """
    ks = _check_ks(ks)
    seed = _check_seed(seed)
    if max_eval_users is not None and (
        isinstance(max_eval_users, bool)
        or not isinstance(max_eval_users, (int, np.integer))
        or max_eval_users < 1
    ):
        raise ValueError(f"max_eval_users must be a positive integer or None, got {max_eval_users!r}")
    train = check_user_items(train, "train")
    test = check_user_items(test, "test")
    if train.shape != test.shape:
        raise ValueError(f"train {train.shape} and test {test.shape} must have the same shape")
    n_items = train.shape[1]
    kmax = max(ks)

    eval_users = _sample_users(np.flatnonzero(np.diff(test.indptr) > 0), max_eval_users, seed, 1)
    units = None
    bu_users = np.empty(0, dtype=np.int64)
    if item_units is not None:
        units = item_units if sp.issparse(item_units) else item_unit_matrix(item_units, n_items)[0]
        b = train.copy()
        b.data[:] = 1.0
        mapped = np.flatnonzero(np.asarray((b @ (units != 0).astype(np.float64)).sum(axis=1)).ravel() > 0)
        bu_users = _sample_users(mapped, max_eval_users, seed, 2)

    rec_users = np.union1d(eval_users, bu_users)
    ids = recommend_batched(model, rec_users, train, kmax, batch_size)
    eval_ids = ids[np.searchsorted(rec_users, eval_users)]
    bu_ids = ids[np.searchsorted(rec_users, bu_users)]

    rows = []
    for k in ks:
        res = ranking_metrics(eval_ids, test, k, eval_users)
        for metric in RANKING_METRICS:
            rows.append((metric, k, res[metric], res["users"]))
        cov = catalog_coverage(eval_ids, n_items, k) if len(eval_users) else float("nan")
        rows.append(("coverage", k, cov, len(eval_users)))
        if units is not None:
            bu = business_unit_hit_rate(bu_ids, train, units, k, bu_users)
            n = int(np.count_nonzero(~np.isnan(bu)))
            rows.append(("bu_hit_rate", k, float(np.nanmean(bu)) if n else float("nan"), n))
    return pd.DataFrame(rows, columns=["metric", "k", "value", "users"])


def _fresh(name, spec) -> Callable[[], object]:
    if isinstance(spec, type) or (callable(spec) and not hasattr(spec, "fit")):
        return spec
    if hasattr(spec, "fit") and hasattr(spec, "recommend"):
        return lambda: copy.deepcopy(spec)
    raise ValueError(f"models[{name!r}] must be a factory (callable returning a model) or an unfitted model")


def evaluate_models(
    models: Mapping[str, object],
    user_items,
    ks: Iterable[int] | int = (5, 10, 20),
    seed: int = 0,
    item_units=None,
    max_eval_users: int | None = None,
    splits: Iterable[str] = SPLITS,
    test_fraction: float = 0.2,
    min_interactions: int = 2,
    batch_size: int = 2048,
) -> pd.DataFrame:
    """Fit every model on the same train matrix per split and evaluate it on the held-out items.

    ``models`` maps a name to a factory (a class or function returning an unfitted model) or to an unfitted
    model (deep-copied before each fit). Splits: ``leave_one_out`` (:func:`leave_one_out` with
    ``min_interactions``) and ``random_80_20`` (:func:`random_split` with ``test_fraction``), both from
    ``seed``. Returns a long DataFrame with columns ``model, split, metric, k, value, users`` (metrics: see
    :data:`METRICS`; ``bu_hit_rate`` only when ``item_units`` is given).
    """
    if not isinstance(models, Mapping) or not models:
        raise ValueError("models must be a non-empty mapping name -> model or factory")
    factories = {name: _fresh(name, spec) for name, spec in models.items()}
    splits = (splits,) if isinstance(splits, str) else tuple(splits)
    bad = [s for s in splits if s not in SPLITS]
    if bad or not splits:
        raise ValueError(f"splits must be a non-empty subset of {SPLITS}, got {splits!r}")
    ks = _check_ks(ks)
    m = check_user_items(user_items)
    frames = []
    for split in splits:
        if split == "leave_one_out":
            train, test = leave_one_out(m, seed=seed, min_interactions=min_interactions)
        else:
            train, test = random_split(m, test_fraction=test_fraction, seed=seed)
        for name, factory in factories.items():
            model = factory()
            fitted = model.fit(train)
            fitted = model if fitted is None else fitted
            df = evaluate_fitted(fitted, train, test, ks, item_units, max_eval_users, seed, batch_size)
            df.insert(0, "split", split)
            df.insert(0, "model", name)
            frames.append(df)
    out = pd.concat(frames, ignore_index=True)
    out["k"] = out["k"].astype(np.int64)
    out["users"] = out["users"].astype(np.int64)
    return out
