"""EASE (Steck 2019, "Embarrassingly Shallow Autoencoders for Sparse Data"): a closed-form item-item model.

Also the machinery shared by the closed-form item-item models (EASE here, DLAE and EDLAE in
:mod:`assetrec.models.dlae`): the ``max_items`` most-popular restriction (:func:`most_popular_items`,
:func:`restrict_items`), the ``max_bytes`` check (:func:`check_dense_bytes`), the blockwise Gram matrix
(:func:`gram_matrix`), the in-place positive-definite inverse (:func:`inverse_in_place`), the zero-diagonal
weights ``I - P diagMat(1 / diag(P))`` (:func:`zero_diagonal_weights`) and the base class
:class:`DenseItemItem` (a dense items x items weight matrix ``B_``; scores = ``_x(rows) @ B_``).
"""

from __future__ import annotations

import logging

import numpy as np
import scipy.sparse as sp
from scipy.linalg import get_lapack_funcs
from threadpoolctl import threadpool_limits

from assetrec import checks
from assetrec.recommender_base import MAX_BLOCK_CELLS, Recommender

__all__ = [
    "EASE",
    "DenseItemItem",
    "block_size",
    "check_dense_bytes",
    "gram_matrix",
    "inverse_in_place",
    "most_popular_items",
    "most_popular_of",
    "restrict_items",
    "zero_diagonal_weights",
]

log = logging.getLogger("assetrec.models.ease")

# Below this many items the dense solve runs on one BLAS thread: on small matrices OpenBLAS threads cost
# far more than they save (measured here: 467 items, 6 ms on one thread, 0.1-1.5 s on two).
_SINGLE_THREAD_BELOW = 2048


def most_popular_items(matrix: sp.csr_matrix, count: int) -> np.ndarray:
    """The ``count`` items with the most distinct users (ties: lower item id), sorted by id."""
    return most_popular_of(np.bincount(matrix.indices, minlength=matrix.shape[1]), count)


def most_popular_of(users: np.ndarray, count: int) -> np.ndarray:
    """:func:`most_popular_items` from each item's number of distinct users (``users[i]``, item id ``i``)."""
    return np.sort(np.lexsort((np.arange(len(users)), -np.asarray(users)))[:count])


def restrict_items(matrix: sp.csr_matrix, max_items: int | None, model: str):
    """``(items, matrix[:, items])`` for the ``max_items`` most popular items (:func:`most_popular_items`),
    or ``(None, matrix)`` when there is no bound or the catalogue is within it."""
    n = matrix.shape[1]
    if max_items is None or n <= max_items:
        return None, matrix
    items = most_popular_items(matrix, max_items)
    log.info(
        "%s: modelling the %d most popular of %d items (max_items); the other %d are not recommended",
        model,
        max_items,
        n,
        n - max_items,
    )
    return items, matrix[:, items]


def check_dense_bytes(n: int, dtype: np.dtype, max_bytes: int, model: str) -> None:
    """ValueError when a dense ``n x n`` matrix of ``dtype`` would take more than ``max_bytes``."""
    need = n * n * dtype.itemsize
    if need > max_bytes:
        raise ValueError(
            f"{model} needs a dense {n} x {n} {dtype} matrix ({need / 2**30:.2f} GiB), above "
            f"max_bytes={max_bytes / 2**30:.2f} GiB; raise max_bytes, use dtype=np.float32, or "
            f"restrict the item catalogue"
        )


def block_size(n: int) -> int:
    """Rows (or columns) per block so that a block of an n x n matrix holds at most MAX_BLOCK_CELLS cells."""
    return max(1, min(n, MAX_BLOCK_CELLS // max(n, 1)))


def gram_matrix(x: sp.csr_matrix, dtype) -> np.ndarray:
    """The dense Gram matrix ``X.T X`` (items x items, C-ordered ``dtype``), built a block of columns at a
    time so that no sparse temporary larger than MAX_BLOCK_CELLS cells exists besides the result."""
    n = x.shape[1]
    xt = x.T.tocsr()
    xc = x.tocsc()
    g = np.empty((n, n), dtype=dtype)
    block = block_size(n)
    for j0 in range(0, n, block):
        j1 = min(n, j0 + block)
        g[:, j0:j1] = (xt @ xc[:, j0:j1]).toarray()
    return g


def inverse_in_place(g: np.ndarray, what: str, hint: str) -> np.ndarray:
    """The inverse of the symmetric positive-definite C-ordered matrix ``g``, computed in ``g``'s memory by
    a Cholesky factorisation (LAPACK potrf + potri) and returned as a full symmetric matrix; ``g`` is
    overwritten. ValueError (naming ``what`` and suggesting ``hint``) when ``g`` is not positive definite."""
    n = g.shape[0]
    # g is symmetric, so its transpose (F-ordered view) is the same matrix.
    potrf, potri = get_lapack_funcs(("potrf", "potri"), (g,))
    f = g.T
    c, info = potrf(f, lower=0, clean=0, overwrite_a=1)
    if info != 0:
        raise ValueError(f"{what} is not positive definite (LAPACK potrf info={info}); {hint}")
    inv, info = potri(c, lower=0, overwrite_c=1)
    if info != 0:
        raise ValueError(f"inverting {what} failed (LAPACK potri info={info}); {hint}")
    p = inv.T  # C-ordered view whose lower triangle is valid
    if not np.shares_memory(p, g):  # pragma: no cover - LAPACK wrapper copied
        p = np.ascontiguousarray(p)
    # Mirror the lower triangle into the upper one, block by block (no n x n temporaries).
    block = block_size(n)
    for i0 in range(0, n, block):
        i1 = min(n, i0 + block)
        p[:i0, i0:i1] = p[i0:i1, :i0].T
        d = p[i0:i1, i0:i1]
        d[...] = np.tril(d) + np.tril(d, -1).T
    return p


def zero_diagonal_weights(p: np.ndarray) -> np.ndarray:
    """``B = I - P diagMat(1 / diag(P))`` in ``p``'s memory: ``B_ij = -P_ij / P_jj`` off the diagonal and
    ``B_jj = 0`` (EASE's and EDLAE's zero-diagonal solution, from ``P`` = the inverse)."""
    n = p.shape[0]
    diag = p.diagonal().copy()
    block = block_size(n)
    for i0 in range(0, n, block):
        i1 = min(n, i0 + block)
        p[i0:i1] /= -diag
    np.fill_diagonal(p, 0)
    return p


class DenseItemItem(Recommender):
    """A linear item-item model with a dense weight matrix: ``scores = _x(rows) @ B_``.

    A subclass implements ``_x(m)`` (its input transform of a users x items matrix, applied to the fitted
    matrix and to the rows given to ``recommend``) and ``_weights(g)`` (``B`` from the Gram matrix
    ``X.T X`` of the transformed matrix of the modelled items, which it may overwrite). ``fit`` computes that
    Gram matrix; :meth:`fit_gram` takes one computed elsewhere (the Spark target sums it in Spark SQL, so
    the interactions never reach one process). The shared parameters:

    - ``dtype`` float32 or float64: of ``B_`` and of the solve;
    - ``max_bytes``: ``fit`` raises ValueError when the dense items x items matrix would exceed it;
    - ``num_threads`` caps BLAS threads during the solve (None = one thread below 2048 items, the BLAS
      default above);
    - ``max_items``: only the ``max_items`` items with the most distinct training users (ties: lower item
      id) are modelled (``items_``, None = all); the others are neither evidence nor candidates, and their
      ``similar_items`` rows are -inf.

    ``similar_items`` ranks by ``B_[i, :]``: what having item ``i`` adds to every other item's score.
    """

    def __init__(
        self,
        dtype=np.float64,
        max_bytes: int = 4 << 30,
        num_threads: int | None = None,
        batch_size: int = 2048,
        max_items: int | None = None,
    ):
        super().__init__(batch_size=batch_size)
        dt = np.dtype(dtype)
        if dt not in (np.dtype(np.float32), np.dtype(np.float64)):
            raise ValueError(f"dtype must be float32 or float64, got {dt}")
        self.dtype = dt
        self.max_bytes = checks.integer(max_bytes, "max_bytes")
        self.num_threads = checks.integer(num_threads, "num_threads", allow_none=True)
        self.max_items = checks.integer(max_items, "max_items", allow_none=True)
        self.B_: np.ndarray | None = None
        self.items_: np.ndarray | None = None

    def _x(self, m: sp.csr_matrix) -> sp.csr_matrix:  # pragma: no cover - abstract
        raise NotImplementedError

    def _weights(self, g: np.ndarray) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    def _fit(self, matrix: sp.csr_matrix) -> None:
        self.items_, matrix = restrict_items(matrix, self.max_items, type(self).__name__)
        with self._solving(matrix.shape[1]):
            self.B_ = self._weights(gram_matrix(self._x(matrix), self.dtype))

    def fit_gram(self, gram: np.ndarray, n_items: int, items: np.ndarray | None = None):
        """Fit from ``gram`` = ``X.T X`` of ``_x`` of the modelled items' columns, computed by the caller:
        the same ``B_`` as ``fit`` on the users x ``n_items`` matrix ``X`` gives (up to float rounding in
        the sums). ``items`` are the modelled item ids, sorted (``fit``'s ``items_``: with ``max_items``,
        the most popular, :func:`most_popular_items`); None = all ``n_items``. ``gram`` is not modified."""
        self.n_items_ = checks.integer(n_items, "n_items")
        width = n_items if items is None else len(items)
        gram = np.asarray(gram)
        if gram.shape != (width, width):
            raise ValueError(f"gram must be {width} x {width} (the modelled items), got shape {gram.shape}")
        self.items_ = None if items is None else np.asarray(items, dtype=np.int64)
        with self._solving(width):
            self.B_ = self._weights(np.array(gram, dtype=self.dtype, order="C"))
        return self

    def _solving(self, n: int):
        """The context of the dense solve on ``n`` items: the size check, then the BLAS thread cap."""
        check_dense_bytes(n, self.dtype, self.max_bytes, type(self).__name__)
        threads = self.num_threads
        if threads is None and n < _SINGLE_THREAD_BELOW:
            threads = 1
        return threadpool_limits(limits=threads, user_api="blas")

    def _scored_items(self) -> np.ndarray | None:
        return self.items_

    def _score(self, userids, rows: sp.csr_matrix) -> np.ndarray:
        return np.asarray(self._x(rows) @ self.B_, dtype=np.float64)

    def _item_scores(self, itemids: np.ndarray) -> np.ndarray:
        if self.items_ is None:
            return self.B_[itemids]
        # Rows of B for the modelled items; an item outside them suggests nothing (-inf everywhere).
        scores = np.full((len(itemids), self.n_items_), -np.inf)
        position, modelled = self._positions(itemids)
        scores[np.ix_(np.flatnonzero(modelled), self.items_)] = self.B_[position[modelled]]
        return scores

    def _pair_scores(self, sources: np.ndarray, targets: np.ndarray) -> np.ndarray:
        if self.items_ is None:
            return self.B_[sources, targets].astype(np.float64)
        (source, has_source), (target, has_target) = self._positions(sources), self._positions(targets)
        both = has_source & has_target
        scores = np.full(len(sources), -np.inf)
        scores[both] = self.B_[source[both], target[both]]
        return scores

    def _positions(self, itemids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(row of B, whether modelled) of each item id, with items_ (the modelled items) set."""
        position = np.searchsorted(self.items_, itemids)
        modelled = (position < len(self.items_)) & (
            self.items_[np.minimum(position, len(self.items_) - 1)] == itemids
        )
        return np.minimum(position, len(self.items_) - 1), modelled


class EASE(DenseItemItem):
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

    ``num_threads`` caps BLAS threads during the solve; ``None`` = one thread below 2048 items, the BLAS
    default above.

    ``max_items`` bounds the cost on large catalogues: the solve is cubic in the item count (20k items:
    minutes per fit, 3.2 GB), so with ``max_items=M`` only the ``M`` items with the most distinct training
    users (ties: lower item id) are modelled, in ``O(M**3)`` time and ``M**2`` memory. The other items are
    neither used as evidence nor recommended (they are not candidates, like items filtered with
    ``filter_items``); ``items_`` holds the modelled item ids (None = all). ``None`` (default) = no bound.

    ``similar_items`` ranks by ``B[i, :]``: what having item ``i`` adds to every other item's score.
    """

    def __init__(self, l2: float = 50.0, binarize: bool = True, **options):
        """``options``: DenseItemItem's ``dtype, max_bytes, num_threads, batch_size, max_items``."""
        super().__init__(**options)
        self.l2 = checks.number(l2, "l2", strictly_above=0)
        self.binarize = bool(binarize)

    def _x(self, m: sp.csr_matrix) -> sp.csr_matrix:
        x = m.astype(self.dtype)
        if self.binarize:
            x.data = np.ones_like(x.data)
        return x

    def _weights(self, g: np.ndarray) -> np.ndarray:
        g[np.diag_indices(g.shape[0])] += self.dtype.type(self.l2)
        p = inverse_in_place(g, "X.T X + l2*I", "increase l2")
        return zero_diagonal_weights(p)
