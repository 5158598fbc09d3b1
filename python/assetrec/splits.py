"""Held-out splits of a users x items matrix: every model is fitted on `train` and scored on `test`.

Both parts keep the input's shape and values; a split is deterministic for a seed.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from assetrec import checks

__all__ = [
    "LAST_EVENTS_FRACTION",
    "SPLITS",
    "TIMED_SPLITS",
    "last_events",
    "leave_one_out",
    "random_split",
    "sample_user_rows",
    "sample_users",
    "split",
]

SPLITS = ("leave_one_out", "random_80_20")
# Event input (pairs with submission times) adds the time-based split, which then chooses the model.
TIMED_SPLITS = ("last_events", *SPLITS)
LAST_EVENTS_FRACTION = 0.2


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
    seed = checks.integer(seed, "seed", minimum=0)
    min_interactions = checks.integer(min_interactions, "min_interactions")
    m = checks.user_items(user_items)
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
    seed = checks.integer(seed, "seed", minimum=0)
    test_fraction = checks.number(test_fraction, "test_fraction", strictly_above=0)
    if test_fraction >= 1:
        raise ValueError(f"test_fraction must be in (0, 1), got {test_fraction!r}")
    m = checks.user_items(user_items)
    n_test = int(round(test_fraction * m.nnz))
    rng = np.random.default_rng(seed)
    test_mask = np.zeros(m.nnz, dtype=bool)
    test_mask[rng.permutation(m.nnz)[:n_test]] = True
    return _split_by_mask(m, test_mask)


def last_events(
    user_items, times, fraction: float = LAST_EVENTS_FRACTION, min_interactions: int = 2
) -> tuple[sp.csr_matrix, sp.csr_matrix]:
    """What comes next: for each user with at least ``min_interactions`` items, its latest ``fraction`` of
    items (at least one; by ``times``, the same cells holding each item's last submission; ties: the higher
    item id counts as later) are held out, and everything before is training."""
    m = checks.user_items(user_items)
    t = sp.csr_matrix(times, dtype=np.float64)
    t.sort_indices()
    if t.shape != m.shape or not (
        np.array_equal(t.indptr, m.indptr) and np.array_equal(t.indices, m.indices)
    ):
        raise ValueError("times must have the same stored cells as user_items (one time per interaction)")
    counts = np.diff(m.indptr)
    rows = np.repeat(np.arange(m.shape[0]), counts)
    # Within each row, rank the entries from the latest: position 0 = latest.
    order = np.lexsort((-m.indices, -t.data, rows))
    rank = np.empty(m.nnz, dtype=np.int64)
    rank[order] = np.arange(m.nnz) - m.indptr[rows[order]]
    held = np.maximum(1, np.floor(fraction * counts + 1e-9).astype(np.int64))
    test_mask = (counts[rows] >= min_interactions) & (rank < held[rows])
    return _split_by_mask(m, test_mask)


def split(
    name: str,
    user_items,
    seed: int = 0,
    test_fraction: float = 0.2,
    min_interactions: int = 2,
    times=None,
):
    """The evaluation split ``name`` of :data:`TIMED_SPLITS` (``last_events`` needs ``times``)."""
    if name == "last_events":
        if times is None:
            raise ValueError("the last_events split needs submission times (event input)")
        return last_events(user_items, times, min_interactions=min_interactions)
    if name == "leave_one_out":
        return leave_one_out(user_items, seed=seed, min_interactions=min_interactions)
    if name == "random_80_20":
        return random_split(user_items, test_fraction=test_fraction, seed=seed)
    raise ValueError(f"split must be one of {TIMED_SPLITS}, got {name!r}")


def sample_users(users: np.ndarray, max_users: int | None, seed: int, stream: int) -> np.ndarray:
    """A deterministic random sample (sorted) of at most ``max_users`` of ``users``; ``stream`` keeps
    samples drawn for different purposes from the same seed independent."""
    if max_users is None or len(users) <= max_users:
        return users
    rng = np.random.default_rng([seed, stream])
    return np.sort(rng.choice(users, size=max_users, replace=False))


def sample_user_rows(n_users: int, max_users: int | None, seed: int) -> np.ndarray:
    """Sorted row indices of a deterministic random sample of at most ``max_users`` of ``n_users`` users
    (all rows when ``max_users`` is None or not smaller). Used to bound the cost of
    :func:`assetrec.evaluate.evaluate_models` on large data: evaluate on ``user_items[sample_user_rows(...)]``, so every
    model is also fitted on the sample only."""
    seed = checks.integer(seed, "seed", minimum=0)
    max_users = checks.integer(max_users, "max_users", allow_none=True)
    return sample_users(np.arange(int(n_users), dtype=np.int64), max_users, seed, 3)
