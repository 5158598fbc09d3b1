"""Offline evaluation: fit every model on the same training split and score it on the held-out items.

Models follow :class:`assetrec.recommender_base.Recommender` (anything with ``fit(user_items)`` and
``recommend(userids, user_items, N, filter_already_liked_items=True)`` returning ``(ids, scores)`` will
do). Ids ``< 0`` in a recommendation row are padding and never count as hits. Splits:
:mod:`assetrec.splits`; metric conventions: :mod:`assetrec.metrics`.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable, Mapping

import numpy as np
import pandas as pd
import scipy.sparse as sp

from assetrec import checks
from assetrec.metrics import (
    RANKING_METRICS,
    business_unit_hit_rate,
    catalog_coverage,
    item_unit_matrix,
    ranking_metrics,
)
from assetrec.splits import SPLITS, sample_users
from assetrec.splits import split as make_split

__all__ = ["evaluate_fitted", "evaluate_models", "recommend_batched"]


def recommend_batched(model, userids, user_items, N: int, batch_size: int = 2048) -> np.ndarray:
    """Top-``N`` ids for ``userids`` from a fitted model, ``batch_size`` users per ``recommend`` call.

    Calls ``model.recommend(batch, user_items[batch], N=N, filter_already_liked_items=True)`` and pads
    short rows with -1. Returns int64 ids [len(userids), N].
    """
    N = checks.integer(N, "N")
    checks.integer(batch_size, "batch_size")
    m = checks.user_items(user_items)
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


def _check_ks(ks) -> tuple[int, ...]:
    if isinstance(ks, (int, np.integer)) and not isinstance(ks, bool):
        ks = (ks,)
    try:
        vals = tuple(checks.integer(k, "k") for k in ks)
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
    seed = checks.integer(seed, "seed", minimum=0)
    checks.integer(max_eval_users, "max_eval_users", allow_none=True)
    train = checks.user_items(train, "train")
    test = checks.user_items(test, "test")
    if train.shape != test.shape:
        raise ValueError(f"train {train.shape} and test {test.shape} must have the same shape")
    n_items = train.shape[1]
    kmax = max(ks)

    eval_users = sample_users(np.flatnonzero(np.diff(test.indptr) > 0), max_eval_users, seed, 1)
    units = None
    bu_users = np.empty(0, dtype=np.int64)
    if item_units is not None:
        units = item_units if sp.issparse(item_units) else item_unit_matrix(item_units, n_items)[0]
        b = train.copy()
        b.data[:] = 1.0
        mapped = np.flatnonzero(np.asarray((b @ (units != 0).astype(np.float64)).sum(axis=1)).ravel() > 0)
        bu_users = sample_users(mapped, max_eval_users, seed, 2)

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
    m = checks.user_items(user_items)
    frames = []
    for split in splits:
        train, test = make_split(split, m, seed, test_fraction, min_interactions)
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
