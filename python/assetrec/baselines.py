"""Baseline recommenders: most popular, SAR-style item co-occurrence, and EASE.

Every recommender here (and the ALS model in :mod:`assetrec.als`) follows one small protocol, shared with
the `implicit` library (0.7):

``fit(user_items) -> self``
    ``user_items`` is a ``scipy.sparse`` users x items matrix (users = cookies, items = pages) whose values
    are event strengths (weight x form submissions, all > 0). Explicit zeros are dropped.

``recommend(userids, user_items, N=10, filter_already_liked_items=True) -> (ids, scores)``
    ``user_items`` holds the users' known items. As in `implicit` 0.7, row ``i`` of ``user_items`` belongs
    to ``userids[i]`` (pass ``train[userids]``). For convenience the full users x items matrix is also
    accepted when its row count differs from ``len(userids)``; rows ``userids`` are then taken from it.
    Returns ``ids`` (int32, shape ``[len(userids), N]``) and ``scores`` (float, same shape), best first.

Conventions shared by all models here:

- Order: score descending, ties broken by item id ascending (deterministic); every model, ALS included,
  ranks with :mod:`assetrec.topn`.
- Candidates: every item not filtered out (also items with score 0, which then come in id order, as in
  SAR). Padding: when a user has fewer than ``N`` candidates (nearly the whole catalogue filtered), the
  row is padded with id ``-1`` and score ``-inf``.
- ``filter_already_liked_items=True`` removes every item present in the user's row of ``user_items``.
- Like `implicit` 0.7, ``recommend`` also takes ``items=`` (only these item ids are candidates) and
  ``filter_items=`` (these item ids are never recommended).
- Scoring is chunked over users (``batch_size`` users at a time, fewer when the item count is large),
  so no dense users x items matrix is ever built for all users at once.
"""

from __future__ import annotations

import contextlib
import logging
import math

import numpy as np
import scipy.sparse as sp
from scipy.linalg import get_lapack_funcs

try:  # optional: only used to keep BLAS single-threaded for small dense solves
    from threadpoolctl import threadpool_limits
except ImportError:  # pragma: no cover - threadpoolctl is installed with the package
    threadpool_limits = None

from assetrec.topn import _place_ranked, allowed_items, rank_items

__all__ = [
    "EASE",
    "CooccurrenceRecommender",
    "MostPopular",
    "check_user_items",
    "cooccurrence_similarity",
    "SIMILARITIES",
]

# The measures of the warehouse's page_cooccurrence (macro cooccurrence_measures(), same order): the values
# var('cooccurrence_measure') accepts.
SIMILARITIES = ("jaccard", "cosine", "inclusion", "lift", "pmi", "npmi", "weighted_cosine", "co_cookies")

log = logging.getLogger("assetrec.baselines")

# Upper bound on the number of dense score cells held at once while recommending (float64: 128 MiB).
_MAX_CHUNK_CELLS = 1 << 24
# Below this many items EASE's dense solve runs on one BLAS thread: on small matrices OpenBLAS threads cost
# far more than they save (measured here: 467 items, 6 ms on one thread, 0.1-1.5 s on two).
_EASE_SINGLE_THREAD_BELOW = 2048


def _blas_threads(num_threads: int | None):
    if num_threads is None or threadpool_limits is None:
        return contextlib.nullcontext()
    return threadpool_limits(limits=num_threads, user_api="blas")


# ----------------------------------------------------------------------------------------------------------
# Input checks shared with assetrec.evaluate
# ----------------------------------------------------------------------------------------------------------
def check_user_items(user_items, name: str = "user_items") -> sp.csr_matrix:
    """Return ``user_items`` as a canonical float64 CSR matrix, or raise ValueError.

    Canonical: duplicates summed, explicit zeros removed, sorted indices. Values must be finite and > 0.
    The input is never modified.
    """
    if not sp.issparse(user_items):
        raise ValueError(
            f"{name} must be a scipy.sparse matrix (users x items), got {type(user_items).__name__}"
        )
    if user_items.ndim != 2:
        raise ValueError(f"{name} must be 2-D, got shape {user_items.shape}")
    if not (np.issubdtype(user_items.dtype, np.number) or user_items.dtype == np.bool_):
        raise ValueError(f"{name} must hold numbers, got dtype {user_items.dtype}")
    if np.issubdtype(user_items.dtype, np.complexfloating):
        raise ValueError(f"{name} must hold real numbers, got dtype {user_items.dtype}")
    m = sp.csr_matrix(user_items, dtype=np.float64, copy=True)
    m.sum_duplicates()
    m.eliminate_zeros()
    if m.nnz and not np.all(np.isfinite(m.data)):
        raise ValueError(f"{name} contains NaN or infinite values")
    if m.nnz and m.data.min() < 0:
        raise ValueError(f"{name} contains negative values; event strengths must be > 0")
    m.sort_indices()
    return m


def _check_userids(userids) -> tuple[np.ndarray, bool]:
    arr = np.asarray(userids)
    scalar = arr.ndim == 0
    arr = np.atleast_1d(arr)
    if arr.ndim != 1:
        raise ValueError(f"userids must be a 1-D array of user indices, got shape {arr.shape}")
    if arr.size and not np.issubdtype(arr.dtype, np.integer):
        raise ValueError(f"userids must be integers, got dtype {arr.dtype}")
    if arr.size and arr.min() < 0:
        raise ValueError("userids must be >= 0")
    return arr.astype(np.int64, copy=False), scalar


def _check_n(N) -> int:
    if isinstance(N, bool) or not isinstance(N, (int, np.integer)) or N < 1:
        raise ValueError(f"N must be a positive integer, got {N!r}")
    return int(N)


def _align_rows(userids: np.ndarray, user_items) -> sp.csr_matrix:
    """Rows of ``user_items`` for ``userids`` (implicit's row-aligned convention, or a full matrix)."""
    m = check_user_items(user_items)
    if m.shape[0] == len(userids):
        return m
    if len(userids) and userids.max() >= m.shape[0]:
        raise ValueError(
            f"user_items has {m.shape[0]} rows: pass one row per user id (user_items[userids], "
            f"{len(userids)} rows) or the full users x items matrix containing user {userids.max()}"
        )
    return m[userids]


def _chunk_rows(n_items: int, batch_size: int) -> int:
    return max(1, min(batch_size, _MAX_CHUNK_CELLS // max(n_items, 1)))


# ----------------------------------------------------------------------------------------------------------
# Base class
# ----------------------------------------------------------------------------------------------------------
class _Recommender:
    """Shared fit/recommend plumbing. Subclasses implement ``_fit`` and ``_score_chunk``."""

    batch_size: int = 2048

    def __init__(self, batch_size: int = 2048):
        if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
            raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}")
        self.batch_size = int(batch_size)
        self.n_items_: int | None = None

    # -- protocol ------------------------------------------------------------------------------------------
    def fit(self, user_items):
        m = check_user_items(user_items)
        self.n_items_ = m.shape[1]
        self._fit(m)
        return self

    def recommend(
        self,
        userids,
        user_items,
        N: int = 10,
        filter_already_liked_items: bool = True,
        filter_items=None,
        items=None,
    ):
        """Top-``N`` items per user: (ids int32 [n, N], scores float [n, N]), padded with -1 / -inf.

        As in `implicit` 0.7, ``items`` (item ids) restricts the candidates to those items and
        ``filter_items`` (item ids) removes items for every user.
        """
        if self.n_items_ is None:
            raise ValueError(f"{type(self).__name__} is not fitted: call fit(user_items) first")
        N = _check_n(N)
        allowed = allowed_items(self.n_items_, items, filter_items)
        userids, scalar = _check_userids(userids)
        rows = _align_rows(userids, user_items)
        if rows.shape[1] != self.n_items_:
            raise ValueError(
                f"user_items has {rows.shape[1]} items (columns), the model was fitted on {self.n_items_}"
            )
        step = _chunk_rows(self._score_width(), self.batch_size)
        ids_parts, score_parts = [], []
        for start in range(0, rows.shape[0], step):
            chunk = rows[start : start + step]
            ids, scores = self._recommend_chunk(chunk, N, filter_already_liked_items, allowed)
            ids_parts.append(ids)
            score_parts.append(scores)
        if ids_parts:
            ids, scores = np.vstack(ids_parts), np.vstack(score_parts)
        else:
            ids, scores = np.empty((0, N), np.int32), np.empty((0, N), np.float64)
        if scalar:
            return ids[0], scores[0]
        return ids, scores

    def _score_width(self) -> int:
        """Columns of one dense score block (sets how many users are scored at a time)."""
        return self.n_items_

    def _recommend_chunk(self, chunk: sp.csr_matrix, N: int, filter_liked: bool, allowed):
        return rank_items(self._score_chunk(chunk), N, chunk if filter_liked else None, allowed)

    def _fit(self, user_items: sp.csr_matrix) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def _score_chunk(self, chunk: sp.csr_matrix) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError


# ----------------------------------------------------------------------------------------------------------
# Most popular
# ----------------------------------------------------------------------------------------------------------
class MostPopular(_Recommender):
    """Recommend the items with the most distinct training users (ties: lower item id first).

    Score = number of distinct users with the item in the fitted matrix (values are ignored). Every item
    not filtered out is a candidate, including items with no training user (score 0).
    """

    def _fit(self, user_items: sp.csr_matrix) -> None:
        self.item_users_ = np.bincount(user_items.indices, minlength=user_items.shape[1]).astype(np.int64)
        # Global ranking: popularity desc, item id asc.
        self._order = np.lexsort((np.arange(self.n_items_), -self.item_users_))

    def _recommend_chunk(self, chunk: sp.csr_matrix, N: int, filter_liked: bool, allowed):
        # Walk the global ranking and skip each user's own items: only the first N + (max items per user)
        # entries of the ranking can be needed, so no users x items block is built.
        n_rows = chunk.shape[0]
        order = self._order if allowed is None else self._order[allowed[self._order]]
        extra = int(np.diff(chunk.indptr).max()) if (filter_liked and n_rows and chunk.nnz) else 0
        cand = order[: min(len(order), N + extra)]
        keep = chunk[:, cand].toarray() == 0 if extra else np.ones((n_rows, len(cand)), dtype=bool)
        rank = np.cumsum(keep, axis=1) - 1
        keep &= rank < N
        r, c = np.nonzero(keep)
        items = cand[c]
        return _place_ranked(r, rank[r, c], items, self.item_users_[items].astype(np.float64), n_rows, N)


# ----------------------------------------------------------------------------------------------------------
# Item co-occurrence (SAR-style)
# ----------------------------------------------------------------------------------------------------------
def _check_similarity(similarity: str, extra: tuple[str, ...] = ()) -> None:
    if similarity not in (*SIMILARITIES, *extra):
        raise ValueError(
            f"similarity (var cooccurrence_measure) must be one of {', '.join(SIMILARITIES)}; got {similarity!r}"
        )


def _check_int(name: str, value, minimum: int, allow_none: bool = False) -> None:
    if allow_none and value is None:
        return
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        expected = f"an integer >= {minimum}" + (" or None" if allow_none else "")
        raise ValueError(f"{name} must be {expected}, got {value!r}")


def _cap_items_per_user(user_items: sp.csr_matrix, max_items_per_user: int) -> sp.csr_matrix:
    """Each row of a canonical CSR matrix (``check_user_items``) reduced to its ``max_items_per_user``
    largest values, ties by item id ascending (cooccurrence_page_pairs.sql's page_rank)."""
    rows = np.repeat(np.arange(user_items.shape[0]), np.diff(user_items.indptr))
    # Row-major like the CSR data, so a position within the row is the entry's rank in its row.
    order = np.lexsort((user_items.indices, -user_items.data, rows))
    rank = np.arange(user_items.nnz) - user_items.indptr[rows]
    keep = np.zeros(user_items.nnz, dtype=bool)
    keep[order[rank < max_items_per_user]] = True
    capped = sp.csr_matrix(
        (user_items.data[keep], (rows[keep], user_items.indices[keep])), shape=user_items.shape
    )
    capped.sort_indices()
    return capped


def cooccurrence_similarity(
    user_items,
    similarity: str = "jaccard",
    min_cooccurrence: int = 1,
    max_items_per_user: int | None = None,
) -> sp.csr_matrix:
    """Item x item similarity, as the warehouse's ``page_cooccurrence`` defines each measure.

    With ``B`` the binarised matrix, ``co = c_ij`` = users having both items (``B.T @ B``), ``a = c_ii`` and
    ``b = c_jj`` = users having each item, ``n`` = users with at least one item (``total_cookies``):

    - jaccard   ``co / (a + b - co)``
    - cosine    ``co / sqrt(a * b)``
    - inclusion ``co / min(a, b)``
    - lift      ``co * n / (a * b)``
    - pmi       ``log2(co * n / (a * b))``
    - npmi      ``pmi / log2(n / co)``, and exactly 1 when ``co = a = b`` (items always together)
    - weighted_cosine ``min(1, dot(e_i, e_j) / (|e_i| |e_j|))`` over the item columns ``e`` of the event
      strengths (the values of ``user_items``)
    - co_cookies ``co``

    Only pairs of distinct items with ``co >= min_cooccurrence`` (and >= 1) are stored, as page_cooccurrence
    holds only such pairs: the diagonal and every other pair score 0 (also for pmi and npmi, whose values
    for pairs that never co-occur would be -inf and -1). Symmetric CSR, float64.

    ``max_items_per_user`` (var max_pages_per_cookie; None = no cap): as in cooccurrence_page_pairs.sql, a
    user with more items contributes to ``co`` and to the weighted_cosine dot products only through its
    ``max_items_per_user`` strongest items (largest value, ties by item id: the page_url order of
    ``Interactions``); ``a``, ``b``, ``n`` and the norms still count every user and item.

    Like every model here, entries with strength 0 are dropped (``check_user_items``), while the warehouse
    counts them as interactions: only an asset type weighted 0 makes the two differ. So both norms of a
    co-occurring pair are > 0 here and weighted_cosine is defined (not the warehouse's null).
    """
    _check_similarity(similarity)
    _check_int("min_cooccurrence", min_cooccurrence, 1)
    _check_int("max_items_per_user", max_items_per_user, 1, allow_none=True)
    m = check_user_items(user_items)
    # Totals (a, b, n, norms) from every interaction; pairs (co, dot) from the capped ones.
    n_users = int(np.count_nonzero(np.diff(m.indptr)))
    diag = np.bincount(m.indices, minlength=m.shape[1]).astype(np.float64)  # a, b
    paired = m if max_items_per_user is None else _cap_items_per_user(m, max_items_per_user)
    b = paired.copy()
    b.data = np.ones_like(b.data)
    counts = (b.T @ b).tocoo()  # float64 sums of ones: exact integers
    i, j, c = counts.row, counts.col, counts.data
    keep = (i != j) & (c >= min_cooccurrence)
    i, j, c = i[keep], j[keep], c[keep]
    ci, cj = diag[i], diag[j]
    # The same operations, in the same order, as page_cooccurrence.sql.
    if similarity == "jaccard":
        v = c / (ci + cj - c)
    elif similarity == "cosine":
        v = c / np.sqrt(ci * cj)
    elif similarity == "inclusion":
        v = c / np.minimum(ci, cj)
    elif similarity == "lift":
        v = c * n_users / (ci * cj)
    elif similarity == "pmi":
        v = np.log2(c * n_users / (ci * cj))
    elif similarity == "npmi":
        # log2(n / co) is 0 only when co = n, which implies co = a = b: those pairs keep out=1.
        together = (c == ci) & (c == cj)
        pmi = np.log2(c * n_users / (ci * cj))
        v = np.divide(pmi, np.log2(n_users / c), out=np.ones_like(c), where=~together)
    elif similarity == "weighted_cosine":
        # Guarded: scipy returns a 1 x 0 sparse matrix, not an empty array, when there are no pairs.
        dot = np.asarray((paired.T @ paired).tocsr()[i, j]).ravel() if len(i) else np.zeros(0)
        norm = np.sqrt(np.bincount(m.indices, weights=m.data * m.data, minlength=m.shape[1]))
        norms = norm[i] * norm[j]
        # A norm product of 0 (only by underflow here) is the warehouse's null: score 0, as a missing pair.
        v = np.minimum(1.0, np.divide(dot, norms, out=np.zeros_like(dot), where=norms > 0))
    else:  # co_cookies
        v = c
    sim = sp.csr_matrix((v, (i, j)), shape=(m.shape[1], m.shape[1]), dtype=np.float64)
    sim.sort_indices()
    return sim


class CooccurrenceRecommender(_Recommender):
    """SAR-style item-to-item recommender.

    ``fit`` computes the item similarity with :func:`cooccurrence_similarity` (``similarity`` is one of
    ``SIMILARITIES``, the measures of the warehouse's page_cooccurrence, with its definitions;
    ``min_cooccurrence`` and ``max_items_per_user`` as there). User scores are ``affinity @ similarity``:
    the sum over the user's items of affinity x similarity, where affinity is the event strength
    (``affinity="strength"``, the default) or 1 (``affinity="binary"``).

    Like every model here (and SAR), all unfiltered items are candidates: when a user's items co-occur with
    fewer than ``N`` other items, the rest of the row holds score-0 items in id order (filling them by
    popularity instead changed leave-one-out HR@10 on the real export by under 0.01).

    :meth:`from_similarity` wraps a precomputed item x item similarity (e.g. one column of the warehouse's
    ``page_cooccurrence`` table, symmetric, pivoted to a matrix in the same item order). Such a model
    ignores the matrix given to ``fit`` (apart from checking its item count), so evaluating it on a
    held-out split leaks the test interactions into the similarity.
    """

    def __init__(
        self,
        similarity: str = "jaccard",
        affinity: str = "strength",
        min_cooccurrence: int = 1,
        batch_size: int = 2048,
        max_items_per_user: int | None = None,
    ):
        super().__init__(batch_size=batch_size)
        _check_similarity(similarity, ("precomputed",))
        if affinity not in ("strength", "binary"):
            raise ValueError(f"affinity must be 'strength' or 'binary', got {affinity!r}")
        _check_int("min_cooccurrence", min_cooccurrence, 1)
        _check_int("max_items_per_user", max_items_per_user, 1, allow_none=True)
        self.similarity = similarity
        self.affinity = affinity
        self.min_cooccurrence = int(min_cooccurrence)
        self.max_items_per_user = None if max_items_per_user is None else int(max_items_per_user)
        self.similarity_: sp.csr_matrix | None = None

    @classmethod
    def from_similarity(
        cls, sim, affinity: str = "strength", batch_size: int = 2048
    ) -> CooccurrenceRecommender:
        """A ready-to-use model from a precomputed square item x item similarity (sparse or dense).

        The diagonal is set to 0. Values must be finite; the matrix is used as given (not symmetrised):
        ``score_j = sum_i affinity_i * sim[i, j]``.
        """
        if sp.issparse(sim):
            s = sp.csr_matrix(sim, dtype=np.float64, copy=True)
        else:
            arr = np.asarray(sim)
            if arr.ndim != 2 or not np.issubdtype(arr.dtype, np.number):
                raise ValueError("sim must be a square 2-D numeric matrix (items x items)")
            s = sp.csr_matrix(arr.astype(np.float64))
        if s.shape[0] != s.shape[1]:
            raise ValueError(f"sim must be square (items x items), got shape {s.shape}")
        s.sum_duplicates()
        if s.nnz and not np.all(np.isfinite(s.data)):
            raise ValueError("sim contains NaN or infinite values")
        s.setdiag(0)
        s.eliminate_zeros()
        s.sort_indices()
        model = cls(similarity="precomputed", affinity=affinity, batch_size=batch_size)
        model.similarity_ = s
        model.n_items_ = s.shape[0]
        return model

    def _fit(self, user_items: sp.csr_matrix) -> None:
        if self.similarity == "precomputed":
            if self.similarity_ is None or self.similarity_.shape[0] != user_items.shape[1]:
                have = None if self.similarity_ is None else self.similarity_.shape[0]
                raise ValueError(
                    f"precomputed similarity covers {have} items, user_items has {user_items.shape[1]}"
                )
            return
        self.similarity_ = cooccurrence_similarity(
            user_items, self.similarity, self.min_cooccurrence, self.max_items_per_user
        )

    def _affinity(self, chunk: sp.csr_matrix) -> sp.csr_matrix:
        if self.affinity == "binary":
            chunk = chunk.copy()
            chunk.data = np.ones_like(chunk.data)
        return chunk

    def _score_chunk(self, chunk: sp.csr_matrix) -> np.ndarray:
        return (self._affinity(chunk) @ self.similarity_).toarray()

    def score(self, user_items) -> sp.csr_matrix:
        """Raw scores ``affinity @ similarity`` for every row of ``user_items`` (sparse, no filtering)."""
        if self.similarity_ is None:
            raise ValueError("CooccurrenceRecommender is not fitted: call fit(user_items) first")
        m = check_user_items(user_items)
        if m.shape[1] != self.n_items_:
            raise ValueError(f"user_items has {m.shape[1]} items, the model has {self.n_items_}")
        return (self._affinity(m) @ self.similarity_).tocsr()


# ----------------------------------------------------------------------------------------------------------
# EASE
# ----------------------------------------------------------------------------------------------------------
class EASE(_Recommender):
    """EASE (Steck 2019, "Embarrassingly Shallow Autoencoders for Sparse Data").

    Closed form: ``P = (X.T X + l2 * I)^-1``, ``B = I - P / diag(P)`` (column j divided by ``P_jj``), so
    ``diag(B) = 0``; scores = ``X B``.

    ``X`` is the binarised interaction matrix (1 where the user has the item) when ``binarize=True``
    (default), else the event strengths. Binarised X evaluated better on held-out data: leave-one-out HR@10
    on the real export (999 cookies x 467 pages, mean of 5 seeds) 0.54 binarised vs at best 0.50 with
    strengths, which a few cookies with hundreds of submissions dominate. The same transformation is applied
    to the rows given to ``recommend``.

    ``l2``: on the real export HR@10 is flat for l2 in 20..100 (0.538-0.542) and drops below 10; the best
    value grows with the number of users (Steck used 200-1000 on millions of users), so tune it with
    :func:`assetrec.evaluate.evaluate_models` on the target data.

    Memory: B is a dense items x items matrix (``n_items**2 * itemsize`` bytes: 20k items = 3.2 GB in
    float64, 1.6 GB in float32). The Gram matrix is built blockwise and inverted in place (Cholesky), so the
    peak is about one such matrix. ``fit`` raises ValueError when it would exceed ``max_bytes``
    (default 4 GiB); raise the limit or use ``dtype=np.float32`` for larger catalogues.

    ``num_threads`` caps BLAS threads during the solve (via threadpoolctl when installed); ``None`` = one
    thread below 2048 items, the BLAS default above.

    ``max_items`` bounds the cost on large catalogues: the solve is cubic in the item count (20k items:
    minutes per fit, 3.2 GB), so with ``max_items=M`` only the ``M`` items with the most distinct training
    users (ties: lower item id) are modelled, in ``O(M**3)`` time and ``M**2`` memory. The other items are
    neither used as evidence nor recommended (they are not candidates, like items filtered with
    ``filter_items``); ``items_`` holds the modelled item ids (None = all). ``None`` (default) = no bound.
    """

    def __init__(
        self,
        l2: float = 50.0,
        binarize: bool = True,
        dtype=np.float64,
        max_bytes: int = 4 << 30,
        num_threads: int | None = None,
        batch_size: int = 2048,
        max_items: int | None = None,
    ):
        super().__init__(batch_size=batch_size)
        if max_items is not None and (
            isinstance(max_items, bool) or not isinstance(max_items, (int, np.integer)) or max_items < 1
        ):
            raise ValueError(f"max_items must be a positive integer or None, got {max_items!r}")
        if num_threads is not None and (
            isinstance(num_threads, bool) or not isinstance(num_threads, (int, np.integer)) or num_threads < 1
        ):
            raise ValueError(f"num_threads must be a positive integer or None, got {num_threads!r}")
        if isinstance(l2, bool) or not isinstance(l2, (int, float, np.integer, np.floating)):
            raise ValueError(f"l2 must be a number > 0, got {l2!r}")
        if not math.isfinite(l2) or l2 <= 0:
            raise ValueError(f"l2 must be a finite number > 0, got {l2!r}")
        dt = np.dtype(dtype)
        if dt not in (np.dtype(np.float32), np.dtype(np.float64)):
            raise ValueError(f"dtype must be float32 or float64, got {dt}")
        if not isinstance(max_bytes, (int, np.integer)) or max_bytes <= 0:
            raise ValueError(f"max_bytes must be a positive integer, got {max_bytes!r}")
        self.l2 = float(l2)
        self.binarize = bool(binarize)
        self.dtype = dt
        self.max_bytes = int(max_bytes)
        self.num_threads = num_threads
        self.max_items = None if max_items is None else int(max_items)
        self.B_: np.ndarray | None = None
        self.items_: np.ndarray | None = None

    def _x(self, m: sp.csr_matrix) -> sp.csr_matrix:
        x = m.astype(self.dtype)
        if self.binarize:
            x.data = np.ones_like(x.data)
        return x

    def _fit(self, user_items: sp.csr_matrix) -> None:
        n = user_items.shape[1]
        self.items_ = None
        if self.max_items is not None and n > self.max_items:
            users = np.bincount(user_items.indices, minlength=n)
            self.items_ = np.sort(np.lexsort((np.arange(n), -users))[: self.max_items])
            log.info(
                "EASE: modelling the %d most popular of %d items (max_items); the other %d are not "
                "recommended",
                self.max_items,
                n,
                n - self.max_items,
            )
            user_items = user_items[:, self.items_]
        threads = self.num_threads
        if threads is None and user_items.shape[1] < _EASE_SINGLE_THREAD_BELOW:
            threads = 1
        with _blas_threads(threads):
            self._solve(user_items)

    def _solve(self, user_items: sp.csr_matrix) -> None:
        n = user_items.shape[1]
        need = n * n * self.dtype.itemsize
        if need > self.max_bytes:
            raise ValueError(
                f"EASE needs a dense {n} x {n} {self.dtype} matrix ({need / 2**30:.2f} GiB), above "
                f"max_bytes={self.max_bytes / 2**30:.2f} GiB; raise max_bytes, use dtype=np.float32, or "
                f"restrict the item catalogue"
            )
        x = self._x(user_items)
        xt = x.T.tocsr()
        xc = x.tocsc()
        g = np.empty((n, n), dtype=self.dtype)
        block = max(1, min(n, _MAX_CHUNK_CELLS // max(n, 1)))
        for j0 in range(0, n, block):
            j1 = min(n, j0 + block)
            g[:, j0:j1] = (xt @ xc[:, j0:j1]).toarray()
        g[np.diag_indices(n)] += self.dtype.type(self.l2)
        # In-place Cholesky inverse: g is symmetric, so its transpose (F-ordered view) is the same matrix.
        potrf, potri = get_lapack_funcs(("potrf", "potri"), (g,))
        f = g.T
        c, info = potrf(f, lower=0, clean=0, overwrite_a=1)
        if info != 0:
            raise ValueError(f"X.T X + l2*I is not positive definite (LAPACK potrf info={info}); increase l2")
        inv, info = potri(c, lower=0, overwrite_c=1)
        if info != 0:
            raise ValueError(f"inverting X.T X + l2*I failed (LAPACK potri info={info}); increase l2")
        p = inv.T  # C-ordered view whose lower triangle is valid
        if not np.shares_memory(p, g):  # pragma: no cover - LAPACK wrapper copied
            g = np.ascontiguousarray(p)
            p = g
        # Mirror the lower triangle into the upper one, block by block (no n x n temporaries).
        for i0 in range(0, n, block):
            i1 = min(n, i0 + block)
            p[:i0, i0:i1] = p[i0:i1, :i0].T
            d = p[i0:i1, i0:i1]
            d[...] = np.tril(d) + np.tril(d, -1).T
        diag = p.diagonal().copy()
        for i0 in range(0, n, block):
            i1 = min(n, i0 + block)
            p[i0:i1] /= -diag
        np.fill_diagonal(p, 0)
        self.B_ = p

    def _score_width(self) -> int:
        return self.n_items_ if self.items_ is None else len(self.items_)

    def _score_chunk(self, chunk: sp.csr_matrix) -> np.ndarray:
        return np.asarray(self._x(chunk) @ self.B_, dtype=np.float64)

    def _recommend_chunk(self, chunk: sp.csr_matrix, N: int, filter_liked: bool, allowed):
        if self.items_ is None:
            return super()._recommend_chunk(chunk, N, filter_liked, allowed)
        # Only the modelled items are scored and ranked; ids are mapped back to the full catalogue.
        sub = chunk[:, self.items_]
        sub.sort_indices()
        modelled = None if allowed is None else allowed[self.items_]
        ids, out = rank_items(self._score_chunk(sub), N, sub if filter_liked else None, modelled)
        return np.where(ids >= 0, self.items_[np.maximum(ids, 0)], -1).astype(np.int32), out
