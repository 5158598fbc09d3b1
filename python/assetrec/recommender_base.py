"""The interface every recommender follows (after `implicit` 0.7's ``RecommenderBase``).

``fit(user_items) -> self``
    ``user_items`` is a ``scipy.sparse`` users x items matrix (users = cookies, items = pages) of event
    strengths (>= 0; explicit zeros are dropped).

``recommend(userids, user_items, N=10, filter_already_liked_items=True, filter_items=None, items=None)``
    ``user_items`` has one row per entry of ``userids`` (``train[userids]``, as in `implicit` 0.7): the
    users' known items, which item-item models score from and which are filtered out.

``similar_items(itemids, N=10, filter_items=None, items=None)``
    The items most like each given item, by the model's own item-item scores. Unlike `implicit`, the
    item itself is never among them ("pages like X" should not list X).

``explain(userids, user_items, itemids)``
    Why each recommended item: the user's own item whose term in the item's score is largest ("because you
    downloaded X") and that term's share of the positive terms, 0-1 (see :meth:`Recommender.explain`).

Both ``recommend`` and ``similar_items`` return ``(ids, scores)``: ids int32 and scores float64, shape ``[len(ids), N]``, best first (score
descending, ties by item id ascending: :mod:`assetrec.topn`); a scalar id gives 1-D arrays. ``items``
restricts the candidates to those item ids and ``filter_items`` removes item ids, as in `implicit`. Rows
with fewer than ``N`` candidates are padded with id -1 and score -inf. Scoring runs in chunks of users
(at most ``MAX_BLOCK_CELLS`` dense scores at a time), so no users x items matrix is built.

A model implements ``_fit(matrix)`` and ``_score(userids, rows)`` (dense scores of a chunk of users)
and ``_item_scores(itemids)`` (dense item-item scores); it may model only some items
(``_scored_items``), or rank without dense scores (overriding ``_recommend_chunk``).

Item-item models (EASE, DLAE, EDLAE, RP3beta, CooccurrenceRecommender) also have ``_x(rows)``, their input
transform of user rows, and score linearly: ``_score(userids, rows) == _x(rows) @ W[S, S]``, where ``S`` is
``_scored_items()`` (all items when None), ``rows`` holds the columns ``S`` (as ``recommend`` passes them)
and row ``i`` of ``W`` is ``_item_scores([i])`` (what having item ``i`` adds to every item's score; -inf for
items outside ``S``). So a recommendation's score is a sum over the user's items, which explains it:
``explain`` uses that as it stands; other models override ``_terms`` (ALS) or return None from it.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from assetrec import checks
from assetrec.topn import allowed_items, rank_items

__all__ = ["MAX_BLOCK_CELLS", "Recommender"]

# Upper bound on the number of dense score cells held at once while ranking (float64: 128 MiB).
MAX_BLOCK_CELLS = 1 << 24


class Recommender:
    """Base class: the shared fit / recommend / similar_items plumbing (see the module docstring)."""

    n_items_: int | None = None  # set by fit: the number of items (columns) the model knows

    def __init__(self, batch_size: int = 2048):
        self.batch_size = checks.integer(batch_size, "batch_size")

    # -- the interface -------------------------------------------------------------------------------------
    def fit(self, user_items):
        matrix = checks.user_items(user_items)
        self.n_items_ = matrix.shape[1]
        self._fit(matrix)
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
        self._require_fitted()
        N = checks.integer(N, "N")
        userids, scalar = checks.ids(userids, "userids", self._n_users())
        rows = checks.user_items(user_items, n_rows=len(userids), n_items=self.n_items_)
        allowed = allowed_items(self.n_items_, items, filter_items)
        subset = self._scored_items()
        width = self.n_items_ if subset is None else len(subset)
        if subset is not None:
            rows = rows[:, subset]
            rows.sort_indices()
            allowed = None if allowed is None else allowed[subset]

        def rank(sl: slice):
            ids, scores = self._recommend_chunk(userids[sl], rows[sl], N, filter_already_liked_items, allowed)
            if subset is not None:  # back to the catalogue's item ids
                ids = np.where(ids >= 0, subset[np.maximum(ids, 0)], -1).astype(np.int32)
            return ids, scores

        return _in_chunks(len(userids), width, self.batch_size, N, rank, scalar)

    def similar_items(self, itemids, N: int = 10, filter_items=None, items=None):
        self._require_fitted()
        N = checks.integer(N, "N")
        itemids, scalar = checks.ids(itemids, "itemids", self.n_items_)
        allowed = allowed_items(self.n_items_, items, filter_items)

        def rank(sl: slice):
            chunk = itemids[sl]
            scores = np.array(self._item_scores(chunk), dtype=np.float64)
            scores[np.arange(len(chunk)), chunk] = -np.inf  # never the item itself
            return rank_items(scores, N, None, allowed)

        return _in_chunks(len(itemids), self.n_items_, self.batch_size, N, rank, scalar)

    def explain(self, userids, user_items, itemids):
        """For each user and each of its recommended item ids (``itemids[r]``, -1 = padding): the user's own
        item that adds most to that item's score, and that term's share of all positive terms (0-1).

        Scores of item-item models are sums of one term per known item j (``x_uj * W[j, i]``), so the
        largest term is the reason; ALS decomposes the same way (``_terms``). Returns ``(because, share)``:
        int32 item ids (-1 where there is no explanation: padding, a model without terms, or no positive
        term) and float64 shares (NaN there), both of ``itemids``' shape [len(userids), N].
        """
        self._require_fitted()
        userids, _ = checks.ids(userids, "userids", self._n_users())
        rows = checks.user_items(user_items, n_rows=len(userids), n_items=self.n_items_)
        itemids = np.asarray(itemids, dtype=np.int64).reshape(len(userids), -1)
        because = np.full(itemids.shape, -1, dtype=np.int32)
        share = np.full(itemids.shape, np.nan)
        step = max(1, min(self.batch_size, MAX_BLOCK_CELLS // max(self.n_items_, 1)))
        for start in range(0, len(userids), step):
            sl = slice(start, start + step)
            found = _largest_terms(self, userids[sl], rows[sl], itemids[sl])
            if found is None:
                break
            because[sl], share[sl] = found
        return because, share

    # -- what a model implements ---------------------------------------------------------------------------
    def _fit(self, matrix: sp.csr_matrix) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def _score(self, userids: np.ndarray, rows: sp.csr_matrix) -> np.ndarray:  # pragma: no cover - abstract
        """Dense scores [len(userids), scored items] of a chunk of users (``rows``: their known items)."""
        raise NotImplementedError

    def _item_scores(self, itemids: np.ndarray) -> np.ndarray:  # pragma: no cover - abstract
        """Dense item-item scores [len(itemids), n_items]: how much each item suggests every other."""
        raise NotImplementedError

    def _x(self, rows: sp.csr_matrix) -> sp.csr_matrix:
        """The values the model scores from (same sparsity as ``rows``): the rows as given by default."""
        return rows

    def _terms(
        self, userids, rows: sp.csr_matrix, entry: np.ndarray, target: np.ndarray
    ) -> np.ndarray | None:
        """Score terms: for each stored entry ``entry`` of ``rows`` (user r's known item j) and its ``target``
        item i, what j adds to i's score: ``_x(rows)[r, j] * _item_scores([j])[i]``; 0 for an item the model
        does not model. None = the scores do not decompose (no explanation)."""
        terms = self._x(rows).data[entry] * self._pair_scores(rows.indices[entry], target)
        terms[~np.isfinite(terms)] = 0.0
        return terms

    def _pair_scores(self, sources: np.ndarray, targets: np.ndarray) -> np.ndarray:
        """``_item_scores([sources[k]])[0, targets[k]]`` for every k, from dense blocks of item rows.
        Models that hold their item-item weights override it with a direct lookup (explanations then cost
        one gather instead of a row of every item per known item)."""
        weights = np.zeros(len(sources))
        unique, inverse = np.unique(sources, return_inverse=True)
        step = max(1, MAX_BLOCK_CELLS // max(self.n_items_, 1))
        for start in range(0, len(unique), step):
            block = np.asarray(self._item_scores(unique[start : start + step]), dtype=np.float64)
            inside = (inverse >= start) & (inverse < start + step)
            weights[inside] = block[inverse[inside] - start, targets[inside]]
        return weights

    def _scored_items(self) -> np.ndarray | None:
        """The item ids the model scores (sorted), or None for every item; the others are never
        recommended."""
        return None

    def _n_users(self) -> int | None:
        """The number of users the model knows (user ids must be below it), or None for any user."""
        return None

    def _is_fitted(self) -> bool:
        return self.n_items_ is not None

    def _recommend_chunk(self, userids, rows: sp.csr_matrix, N: int, filter_liked: bool, allowed):
        return rank_items(self._score(userids, rows), N, rows if filter_liked else None, allowed)

    def _require_fitted(self) -> None:
        if not self._is_fitted():
            raise ValueError(f"{type(self).__name__} is not fitted: call fit(user_items) first")


def _largest_terms(model: Recommender, userids, rows: sp.csr_matrix, itemids: np.ndarray):
    """``explain`` for one chunk of users: (because, share) of ``itemids``' shape, or None."""
    r, c = np.nonzero(itemids >= 0)
    counts = np.diff(rows.indptr)[r]
    pair = np.repeat(np.arange(len(r)), counts)
    # The entries of each pair's user row, pair after pair.
    first = np.repeat(rows.indptr[r] - (np.cumsum(counts) - counts), counts)
    entry = first + np.arange(len(pair))
    terms = model._terms(userids, rows, entry, itemids[r, c][pair])
    if terms is None:
        return None
    because = np.full(itemids.shape, -1, dtype=np.int32)
    share = np.full(itemids.shape, np.nan)
    if len(pair):
        evidence = rows.indices[entry]
        # Per pair (a contiguous run of entries, its user's items in ascending id: explain's rows are
        # canonical), the first entry holding the run's largest term: ties go to the lower item id.
        starts = np.flatnonzero(np.r_[True, pair[1:] != pair[:-1]])
        run = np.cumsum(np.r_[True, pair[1:] != pair[:-1]]) - 1
        at_max = np.flatnonzero(terms == np.maximum.reduceat(terms, starts)[run])
        firsts = at_max[np.unique(run[at_max], return_index=True)[1]]
        positive = np.bincount(pair, weights=np.maximum(terms, 0.0), minlength=len(r))
        best = terms[firsts]
        has = best > 0
        hit = pair[firsts][has]
        because[r[hit], c[hit]] = evidence[firsts][has]
        share[r[hit], c[hit]] = best[has] / positive[hit]
    return because, share


def _in_chunks(n_rows: int, width: int, batch_size: int, N: int, rank, scalar: bool):
    """``rank(slice)`` over consecutive chunks of rows holding at most MAX_BLOCK_CELLS scores, stacked."""
    step = max(1, min(batch_size, MAX_BLOCK_CELLS // max(width, 1)))
    parts = [rank(slice(start, start + step)) for start in range(0, n_rows, step)]
    if parts:
        ids, scores = np.vstack([p[0] for p in parts]), np.vstack([p[1] for p in parts])
    else:
        ids, scores = np.empty((0, N), np.int32), np.empty((0, N), np.float64)
    return (ids[0], scores[0]) if scalar else (ids, scores)
