"""SAR-style item co-occurrence: the warehouse's page_cooccurrence measures as a recommender."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from assetrec import checks
from assetrec.recommender_base import Recommender

__all__ = ["SIMILARITIES", "CooccurrenceRecommender", "cooccurrence_similarity", "top_per_row"]

# The measures of the warehouse's page_cooccurrence (macro cooccurrence_measures(), same order): the values
# var('cooccurrence_measure') accepts.
SIMILARITIES = ("jaccard", "cosine", "inclusion", "lift", "pmi", "npmi", "weighted_cosine", "co_cookies")


def _check_similarity(similarity: str, extra: tuple[str, ...] = ()) -> None:
    if similarity not in (*SIMILARITIES, *extra):
        raise ValueError(
            f"similarity (var cooccurrence_measure) must be one of {', '.join(SIMILARITIES)}; got {similarity!r}"
        )


def top_per_row(matrix: sp.csr_matrix, k: int) -> sp.csr_matrix:
    """Each row of a canonical CSR matrix reduced to its ``k`` largest values, ties by column ascending: a
    user's strongest items (cooccurrence_page_pairs.sql's page_rank) or an item's strongest partners (item-kNN
    neighbours)."""
    if matrix.nnz == 0 or np.diff(matrix.indptr).max() <= k:
        return matrix
    rows = np.repeat(np.arange(matrix.shape[0]), np.diff(matrix.indptr))
    # Row-major like the CSR data, so a position within the row is the entry's rank in its row.
    order = np.lexsort((matrix.indices, -matrix.data, rows))
    rank = np.arange(matrix.nnz) - matrix.indptr[rows]
    keep = np.zeros(matrix.nnz, dtype=bool)
    keep[order[rank < k]] = True
    kept = sp.csr_matrix((matrix.data[keep], (rows[keep], matrix.indices[keep])), shape=matrix.shape)
    kept.sort_indices()
    return kept


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

    Like every model here, entries with strength 0 are dropped (``checks.user_items``), while the warehouse
    counts them as interactions: only an asset type weighted 0 makes the two differ. So both norms of a
    co-occurring pair are > 0 here and weighted_cosine is defined (not the warehouse's null).
    """
    _check_similarity(similarity)
    checks.integer(min_cooccurrence, "min_cooccurrence")
    checks.integer(max_items_per_user, "max_items_per_user", allow_none=True)
    m = checks.user_items(user_items)
    # Totals (a, b, n, norms) from every interaction; pairs (co, dot) from the capped ones.
    n_users = int(np.count_nonzero(np.diff(m.indptr)))
    diag = np.bincount(m.indices, minlength=m.shape[1]).astype(np.float64)  # a, b
    paired = m if max_items_per_user is None else top_per_row(m, max_items_per_user)
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


class CooccurrenceRecommender(Recommender):
    """SAR-style item-to-item recommender.

    ``fit`` computes the item similarity with :func:`cooccurrence_similarity` (``similarity`` is one of
    ``SIMILARITIES``, the measures of the warehouse's page_cooccurrence, with its definitions;
    ``min_cooccurrence`` and ``max_items_per_user`` as there). User scores are ``affinity @ similarity``:
    the sum over the user's items of affinity x similarity, where affinity is the event strength
    (``affinity="strength"``, the default) or 1 (``affinity="binary"``).

    ``neighbours`` (var cooccurrence_neighbours; None = all): only each item's ``neighbours`` most similar
    items (ties: the lower id) add to scores, as in item-kNN. The cost of scoring a user is the sum of its
    items' neighbour counts, which without a bound is nearly the whole catalogue for every popular item; on
    20,000 pages keeping 500 made held-out scoring 3-4x faster and moved NDCG@10 by at most 0.2% (on the real
    export's 467 pages it changes nothing), while 20-100 cost 1-5% (BENCHMARKS.md).

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
        neighbours: int | None = None,
    ):
        super().__init__(batch_size=batch_size)
        _check_similarity(similarity, ("precomputed",))
        if affinity not in ("strength", "binary"):
            raise ValueError(f"affinity must be 'strength' or 'binary', got {affinity!r}")
        self.similarity = similarity
        self.affinity = affinity
        self.min_cooccurrence = checks.integer(min_cooccurrence, "min_cooccurrence")
        self.max_items_per_user = checks.integer(max_items_per_user, "max_items_per_user", allow_none=True)
        self.neighbours = checks.integer(neighbours, "neighbours", allow_none=True)
        self.similarity_: sp.csr_matrix | None = None

    @classmethod
    def from_similarity(
        cls, sim, affinity: str = "strength", batch_size: int = 2048, neighbours: int | None = None
    ) -> CooccurrenceRecommender:
        """A ready-to-use model from a precomputed square item x item similarity (sparse or dense).

        The diagonal is set to 0. Values must be finite; the matrix is used as given (not symmetrised):
        ``score_j = sum_i affinity_i * sim[i, j]``, over each row's ``neighbours`` largest entries.
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
        model = cls(similarity="precomputed", affinity=affinity, batch_size=batch_size, neighbours=neighbours)
        model.similarity_ = s if neighbours is None else top_per_row(s, model.neighbours)
        model.n_items_ = s.shape[0]
        return model

    def _fit(self, matrix: sp.csr_matrix) -> None:
        if self.similarity == "precomputed":
            if self.similarity_ is None or self.similarity_.shape[0] != matrix.shape[1]:
                have = None if self.similarity_ is None else self.similarity_.shape[0]
                raise ValueError(
                    f"precomputed similarity covers {have} items, user_items has {matrix.shape[1]}"
                )
            return
        sim = cooccurrence_similarity(matrix, self.similarity, self.min_cooccurrence, self.max_items_per_user)
        self.similarity_ = sim if self.neighbours is None else top_per_row(sim, self.neighbours)

    def _x(self, chunk: sp.csr_matrix) -> sp.csr_matrix:
        """The input transform of user rows: the affinity (event strengths, or 1 with affinity="binary")."""
        if self.affinity == "binary":
            chunk = chunk.copy()
            chunk.data = np.ones_like(chunk.data)
        return chunk

    def _score(self, userids, rows: sp.csr_matrix) -> np.ndarray:
        return (self._x(rows) @ self.similarity_).toarray()

    def _item_scores(self, itemids: np.ndarray) -> np.ndarray:
        return self.similarity_[itemids].toarray()

    def _pair_scores(self, sources: np.ndarray, targets: np.ndarray) -> np.ndarray:
        return np.asarray(self.similarity_[sources, targets], dtype=np.float64).ravel()
