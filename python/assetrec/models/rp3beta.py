"""RP3beta (Paudel, Christoffel, Newell, Bernstein 2016, "Updatable, accurate, diverse, and scalable
recommendations for interactive applications"): a popularity-discounted 3-step random walk on the
user-item graph, as in Dacrema et al.'s RecSys 2019 reproducibility code (``RP3betaRecommender``)."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from assetrec import checks
from assetrec.models.cooccurrence import top_per_row
from assetrec.recommender_base import MAX_BLOCK_CELLS, Recommender

__all__ = ["RP3beta", "popularity_discount"]


def _row_stochastic(m: sp.csr_matrix, alpha: float) -> sp.csr_matrix:
    """Each non-empty row of a canonical CSR matrix divided by its sum, then raised elementwise to ``alpha``
    (empty rows stay empty)."""
    sums = np.asarray(m.sum(axis=1)).ravel()
    out = m.copy()
    out.data = out.data / np.repeat(sums, np.diff(m.indptr))
    if alpha != 1.0:
        out.data = np.power(out.data, alpha)
    return out


def popularity_discount(popularity: np.ndarray, beta: float) -> np.ndarray:
    """``popularity ** -beta`` per item; 0 for items without users (never reached: their columns of W are
    empty)."""
    discount = np.zeros(len(popularity))
    seen = popularity > 0
    discount[seen] = np.power(popularity[seen].astype(np.float64), -beta)
    return discount


class RP3beta(Recommender):
    """RP3beta: item-item weights from a 3-step random walk user -> item -> user -> item, with the
    destination's popularity discounted.

    With ``X`` the users x items matrix (values as given, see below):

    - ``P_ui`` = ``X`` row-normalised (each user's row sums to 1), ``P_iu`` = ``X.T`` row-normalised (each
      item's row sums to 1), both raised elementwise to ``alpha`` (> 0, default 1.0);
    - ``W = P_iu P_ui``, each column j divided by ``popularity(j) ** beta`` (``beta`` >= 0, default 0.5;
      popularity = number of users with item j), diagonal set to 0;
    - with ``top_k`` (None = keep all), each row of ``W`` keeps only its ``top_k`` largest entries (ties:
      lower item id);
    - scores = ``X W``; ``similar_items`` ranks by ``W[i, :]``.

    Input: the values of the matrix given to ``fit`` and ``recommend`` are used as given (like DLAE): pass a
    binary matrix for the classic RP3beta (the walk then picks a user's items, and an item's users,
    uniformly), or strengths / log1p strengths to weight both steps by them. Dacrema et al.'s code
    binarises ``X.T`` for ``P_iu`` (only ``P_ui`` is weighted); the two agree on binary input.

    Memory: everything is sparse (scipy). ``W`` is built a block of item rows at a time (each block's
    product at most MAX_BLOCK_CELLS entries), and holds one entry per pair of distinct items that share a
    user (at most ``n_items ** 2``; with ``top_k`` at most ``n_items * top_k``). No dense users x items
    matrix is built; scoring densifies only a chunk of users at a time.
    """

    def __init__(
        self, alpha: float = 1.0, beta: float = 0.5, top_k: int | None = None, batch_size: int = 2048
    ):
        super().__init__(batch_size=batch_size)
        self.alpha = checks.number(alpha, "alpha", strictly_above=0)
        self.beta = checks.number(beta, "beta", minimum=0)
        self.top_k = checks.integer(top_k, "top_k", allow_none=True)
        self.W_: sp.csr_matrix | None = None
        self.popularity_: np.ndarray | None = None

    def _x(self, m: sp.csr_matrix) -> sp.csr_matrix:
        """The values as given (a canonical float64 CSR matrix from ``checks.user_items``)."""
        return m

    def _fit(self, matrix: sp.csr_matrix) -> None:
        x = self._x(matrix)
        n = x.shape[1]
        pui = _row_stochastic(x, self.alpha)
        piu = _row_stochastic(x.T.tocsr(), self.alpha)
        popularity = np.bincount(x.indices, minlength=n)
        discount = popularity_discount(popularity, self.beta)
        step = max(1, MAX_BLOCK_CELLS // max(n, 1))
        blocks = []
        for i0 in range(0, n, step):
            block = (piu[i0 : i0 + step] @ pui).tocoo()
            keep = block.row + i0 != block.col  # diagonal set to 0
            data = block.data[keep] * discount[block.col[keep]]
            blocks.append(
                self._kept(sp.csr_matrix((data, (block.row[keep], block.col[keep])), shape=block.shape))
            )
        self.W_ = sp.vstack(blocks, format="csr") if blocks else sp.csr_matrix((0, 0))
        self.W_.sort_indices()
        self.popularity_ = popularity

    def fit_weights(self, weights: sp.spmatrix, popularity: np.ndarray):
        """Fit from ``weights`` = ``W`` before the ``top_k`` bound (or already bounded: the bound is applied
        again, which changes nothing), computed by the caller, e.g. on Spark, with ``popularity`` the
        number of users of each item; the items are ``weights``' columns."""
        w = sp.csr_matrix(weights, dtype=np.float64)
        n = checks.integer(w.shape[1], "n_items")
        if w.shape != (n, n) or len(popularity) != n:
            raise ValueError(
                f"weights must be square with one popularity per item, got {w.shape}, {len(popularity)}"
            )
        self.n_items_ = n
        self.W_ = self._kept(w)
        self.W_.sort_indices()
        self.popularity_ = np.asarray(popularity)
        return self

    def _kept(self, w: sp.csr_matrix) -> sp.csr_matrix:
        """The stored rows of ``W``: summed, without zeros, each row's ``top_k`` largest (ties by lower id)."""
        w.sum_duplicates()
        w.eliminate_zeros()
        w.sort_indices()
        return w if self.top_k is None else top_per_row(w, self.top_k)

    def _score(self, userids, rows: sp.csr_matrix) -> np.ndarray:
        return (self._x(rows) @ self.W_).toarray()

    def _item_scores(self, itemids: np.ndarray) -> np.ndarray:
        return self.W_[itemids].toarray()

    def _pair_scores(self, sources: np.ndarray, targets: np.ndarray) -> np.ndarray:
        return np.asarray(self.W_[sources, targets], dtype=np.float64).ravel()
