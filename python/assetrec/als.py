"""Implicit-feedback alternating least squares (Hu, Koren and Volinsky 2008) in numpy and scipy.

The API mirrors `implicit.als.AlternatingLeastSquares` (implicit 0.7), the reference for speed and
correctness; the numerical core lives in `assetrec.als_solver`.

Confidence. For a strength r_ui >= 0 the model uses confidence c_ui = 1 + alpha * r_ui with
preference 1 where r_ui > 0, and confidence 1 with preference 0 elsewhere (Hu et al., Spark).
implicit instead takes the matrix value itself as the confidence of an observed cell,
c_ui = alpha_implicit * r_ui (its solver adds (c - 1) y y^T to Y^T Y and c y to the right-hand
side), so:

* this model with `alpha=a` on `R` == implicit with `alpha=1.0` on the matrix `1 + a * R` (same
  sparsity pattern); the two then minimise the same loss from the same random start;
* implicit with `alpha=a` on `R` == this model on `(a * R - 1) / alpha`, which is only possible
  where a * R >= 1; for large strengths the two are close, for r near 1/a they are not.

Confidences are capped at 2**24 (`als_solver.MAX_CONFIDENCE`, logged as a warning when it
applies): float32 cannot resolve more, and larger weights make CG diverge.

Explicit zeros in the input are dropped: r = 0 means preference 0 and confidence 1, exactly the
same as a missing entry.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import scipy.sparse
from threadpoolctl import threadpool_limits

from assetrec.als_solver import MAX_CONFIDENCE, SOLVERS, Layout, build_layout, half_step, weighted_loss
from assetrec.topn import allowed_items, rank_items

log = logging.getLogger("assetrec.als")

FitCallback = Callable[[int, float, float | None], None]


def _validate_strengths(matrix, name: str, n_cols: int | None = None) -> scipy.sparse.csr_matrix:
    """Return canonical CSR (sorted, summed duplicates, no explicit zeros, float data) or raise
    ValueError. Copies only when the input is not already in that form."""
    if not scipy.sparse.issparse(matrix):
        raise ValueError(f"{name} must be a scipy.sparse matrix (CSR), got {type(matrix).__name__}")
    if matrix.ndim != 2:
        raise ValueError(f"{name} must be 2-dimensional, got shape {matrix.shape}")
    if n_cols is not None and matrix.shape[1] != n_cols:
        raise ValueError(f"{name} has {matrix.shape[1]} columns but the model has {n_cols} items")
    if not np.issubdtype(matrix.dtype, np.number) or np.issubdtype(matrix.dtype, np.complexfloating):
        raise ValueError(f"{name} must hold real numbers, got dtype {matrix.dtype}")
    dtype = matrix.dtype if np.issubdtype(matrix.dtype, np.floating) else np.float64
    csr = scipy.sparse.csr_matrix(matrix, dtype=dtype)
    if not csr.has_canonical_format:
        csr = csr.copy()
        csr.sum_duplicates()
    bad = ~np.isfinite(csr.data) | (csr.data < 0)
    if bad.any():
        first = int(np.flatnonzero(bad)[0])
        row = int(np.searchsorted(csr.indptr, first, side="right") - 1)
        value = csr.data[first]
        kind = "NaN" if np.isnan(value) else ("infinite" if np.isinf(value) else "negative")
        raise ValueError(
            f"{name} must hold finite, non-negative strengths: {int(bad.sum())} bad value(s), "
            f"first at row {row}, column {int(csr.indices[first])}: {kind} ({value!r})"
        )
    if csr.nnz and not csr.data.all():
        # Never prune the caller's arrays in place.
        if np.shares_memory(csr.data, getattr(matrix, "data", np.empty(0))):
            csr = csr.copy()
        csr.eliminate_zeros()
    return csr


def _top_products(
    queries: np.ndarray,
    targets: np.ndarray,
    rows: np.ndarray,
    n: int,
    liked: scipy.sparse.csr_matrix | None = None,
    allowed: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """`rank_items` of `queries[rows] @ targets.T`: ids int64 and scores in the factors' dtype, [rows, n].
    `liked` has one row per entry of `rows`."""
    dtype = np.result_type(queries.dtype, targets.dtype, np.float32)
    out_ids, out_scores = [np.empty((0, n), np.int64)], [np.empty((0, n), dtype)]
    # Bounded memory: score at most ~16M cells at a time.
    batch = max(1, (1 << 24) // max(targets.shape[0], 1))
    for lo in range(0, rows.size, batch):
        scores = queries[rows[lo : lo + batch]] @ targets.T
        top_ids, top_scores = rank_items(
            scores, n, None if liked is None else liked[lo : lo + batch], allowed
        )
        out_ids.append(top_ids)
        # Ranked as computed (rank_items returns float64): casting back to the factors' dtype is exact.
        out_scores.append(top_scores.astype(dtype))
    return np.concatenate(out_ids).astype(np.int64, copy=False), np.concatenate(out_scores)


class AlternatingLeastSquares:
    """Implicit-feedback matrix factorisation by alternating least squares.

    Parameters mirror implicit's: `factors`, `regularization` (added to the diagonal, not scaled by
    the number of interactions), `alpha` (confidence is 1 + alpha * r, see the module docstring),
    `iterations`, `cg_steps` (conjugate-gradient steps per half-step), `random_state` (int, None or
    numpy Generator; initial factors are uniform [0, 0.01) as in implicit), `dtype` (float32 or
    float64), `num_threads` (0 = all cores). `solver="cholesky"` solves every row exactly in
    float64 (small problems, tests); `calculate_training_loss=True` computes the loss after every
    iteration for the log and the fit callback.
    """

    def __init__(
        self,
        factors: int = 64,
        regularization: float = 0.01,
        alpha: float = 1.0,
        iterations: int = 15,
        cg_steps: int = 3,
        random_state: int | np.random.Generator | None = None,
        dtype=np.float32,
        num_threads: int = 0,
        solver: str = "cg",
        calculate_training_loss: bool = False,
    ):
        if int(factors) != factors or factors < 1:
            raise ValueError(f"factors must be a positive integer, got {factors!r}")
        if not np.isfinite(regularization) or regularization < 0:
            raise ValueError(f"regularization must be finite and >= 0, got {regularization!r}")
        if not np.isfinite(alpha) or alpha < 0:
            raise ValueError(f"alpha must be finite and >= 0, got {alpha!r}")
        if int(iterations) != iterations or iterations < 0:
            raise ValueError(f"iterations must be an integer >= 0, got {iterations!r}")
        if int(cg_steps) != cg_steps or cg_steps < 1:
            raise ValueError(f"cg_steps must be an integer >= 1, got {cg_steps!r}")
        if np.dtype(dtype) not in (np.float32, np.float64):
            raise ValueError(f"dtype must be float32 or float64, got {np.dtype(dtype)}")
        if int(num_threads) != num_threads or num_threads < 0:
            raise ValueError(f"num_threads must be an integer >= 0, got {num_threads!r}")
        if solver not in SOLVERS:
            raise ValueError(f"solver must be one of {sorted(SOLVERS)}, got {solver!r}")
        self.factors = int(factors)
        self.regularization = float(regularization)
        self.alpha = float(alpha)
        self.iterations = int(iterations)
        self.cg_steps = int(cg_steps)
        self.random_state = random_state
        self.dtype = np.dtype(dtype)
        self.num_threads = int(num_threads)
        self.solver = solver
        self.calculate_training_loss = bool(calculate_training_loss)
        self.user_factors: np.ndarray | None = None
        self.item_factors: np.ndarray | None = None

    # ------------------------------------------------------------------ fitting
    def fit(self, user_items, callback: FitCallback | None = None) -> AlternatingLeastSquares:
        """Factorise a users x items scipy.sparse matrix of non-negative strengths.

        Factors are always re-initialised from `random_state`, so two fits with the same inputs
        give bit-identical factors on the same machine. `callback(iteration, seconds, loss)` runs
        after every iteration; `loss` is None unless `calculate_training_loss` is set.
        """
        matrix = _validate_strengths(user_items, "user_items")
        n_users, n_items = matrix.shape
        k = self.factors
        capped = int(np.count_nonzero(1.0 + self.alpha * matrix.data > MAX_CONFIDENCE))
        if capped:
            log.warning(
                "%d confidences above %.3g were capped (strengths up to %.3g)",
                capped,
                MAX_CONFIDENCE,
                matrix.data.max(),
            )
        start = time.perf_counter()
        n_threads = self.num_threads or (
            len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
        )
        loss = None
        # One BLAS thread: our own threads share the blocks, and BLAS threads on these small
        # products only add overhead (and could change summation order between runs).
        with threadpool_limits(limits=1, user_api="blas"), ThreadPoolExecutor(n_threads) as pool:
            # The two layouts are independent: build them side by side.
            def item_side() -> Layout:
                return build_layout(matrix.T.tocsr(), self.alpha, self.dtype)

            item_job = pool.submit(item_side) if n_threads > 1 else None
            user_layout = build_layout(matrix, self.alpha, self.dtype)
            item_layout = item_job.result() if item_job is not None else item_side()
            log.debug(
                "built block layouts for %d x %d, %d nnz in %.2fs",
                n_users,
                n_items,
                matrix.nnz,
                time.perf_counter() - start,
            )

            # Same initialisation (and values) as implicit; each array carries one trailing zero
            # row that padded entries of the other side point at.
            rng = np.random.default_rng(self.random_state)
            users = np.zeros((n_users + 1, k), dtype=self.dtype)
            items = np.zeros((n_items + 1, k), dtype=self.dtype)
            for factors in (users[:n_users], items[:n_items]):
                rng.random(dtype=self.dtype, out=factors)
                factors *= 0.01

            for iteration in range(self.iterations):
                began = time.perf_counter()
                for layout, target, other in ((user_layout, users, items), (item_layout, items, users)):
                    half_step(
                        layout,
                        target,
                        other,
                        self.regularization,
                        self.solver,
                        self.cg_steps,
                        pool,
                        n_threads,
                    )
                seconds = time.perf_counter() - began
                if self.calculate_training_loss:
                    loss = weighted_loss(
                        matrix, users[:n_users], items[:n_items], self.regularization, self.alpha
                    )
                    log.info(
                        "iteration %d/%d: %.3fs, loss %.6g", iteration + 1, self.iterations, seconds, loss
                    )
                else:
                    log.info("iteration %d/%d: %.3fs", iteration + 1, self.iterations, seconds)
                if callback is not None:
                    callback(iteration, seconds, loss)
        self.user_factors = users[:n_users]
        self.item_factors = items[:n_items]
        log.info(
            "fit %d users x %d items (%d nnz) in %.2fs",
            n_users,
            n_items,
            matrix.nnz,
            time.perf_counter() - start,
        )
        return self

    def _require_fitted(self) -> None:
        if self.user_factors is None or self.item_factors is None:
            raise ValueError("the model is not fitted yet: call fit(user_items) first")

    def loss(self, user_items) -> float:
        """Training loss of the current factors on `user_items`, normalised as implicit's
        `calculate_loss`: (weighted squared error + regularization * (|X|^2 + |Y|^2)) divided by
        the sum of confidences over all users x items (observed 1 + alpha r, others 1)."""
        self._require_fitted()
        matrix = _validate_strengths(user_items, "user_items", self.item_factors.shape[0])
        if matrix.shape[0] != self.user_factors.shape[0]:
            raise ValueError(
                f"user_items has {matrix.shape[0]} rows but the model has {self.user_factors.shape[0]} users"
            )
        with threadpool_limits(limits=1, user_api="blas"):
            return weighted_loss(
                matrix, self.user_factors, self.item_factors, self.regularization, self.alpha
            )

    # ------------------------------------------------------------------ inference
    def recalculate_user(self, user_items_row) -> np.ndarray:
        """Exact factors for user(s) not seen in training, given their strengths over the model's
        items, against the fitted item factors (what fit's user half-step converges to).

        A 1-D array of length n_items returns a (factors,) vector; a sparse matrix with one row
        per user returns (rows, factors).
        """
        self._require_fitted()
        n_items = self.item_factors.shape[0]
        single = not scipy.sparse.issparse(user_items_row)
        if single:
            row = np.asarray(user_items_row)
            if row.ndim != 1 or row.shape[0] != n_items:
                raise ValueError(f"a dense user row must be 1-D of length {n_items}, got shape {row.shape}")
            user_items_row = scipy.sparse.csr_matrix(row.reshape(1, -1))
        matrix = _validate_strengths(user_items_row, "user_items_row", n_items)
        k = self.factors
        items = np.zeros((n_items + 1, k), dtype=self.dtype)
        items[:n_items] = self.item_factors
        result = np.zeros((matrix.shape[0] + 1, k), dtype=self.dtype)
        with threadpool_limits(limits=1, user_api="blas"):
            half_step(
                build_layout(matrix, self.alpha, self.dtype),
                result,
                items,
                self.regularization,
                "cholesky",
                self.cg_steps,
                None,
                1,
            )
        return result[0] if single else result[:-1]

    def recommend(
        self,
        userids,
        user_items,
        N: int = 10,
        filter_already_liked_items: bool = True,
        filter_items=None,
        items=None,
    ):
        """Top-N items for the given user ids, by the dot product of user and item factors.

        As in implicit, `items` restricts the candidates to those item ids and `filter_items`
        removes item ids from them (both 1-D arrays of integer ids).

        As in implicit 0.7, `user_items` holds one row per requested user (e.g.
        `train[userids]`); it is only read when filtering already-liked items. A scalar user id
        returns 1-D `(ids, scores)`; an array returns 2-D arrays with min(N, n_items) columns: ids
        int64 and scores in the factors' dtype (float32 by default), best first (score descending, then
        item id ascending). Filtered items are never returned: if fewer items remain, the tail is
        padded with id -1 and score -inf. Ranking is linear in the number of items
        (`assetrec.topn.rank_items`).
        """
        self._require_fitted()
        n_users, n_items = self.user_factors.shape[0], self.item_factors.shape[0]
        scalar = np.isscalar(userids)
        ids = np.atleast_1d(np.asarray(userids))
        if ids.ndim != 1 or not np.issubdtype(ids.dtype, np.integer) and ids.size:
            raise ValueError(f"userids must be an integer or a 1-D array of integers, got {userids!r}")
        ids = ids.astype(np.int64)
        if ids.size and (ids.min() < 0 or ids.max() >= n_users):
            raise ValueError(f"userids must be in [0, {n_users}), got values from {ids.min()} to {ids.max()}")
        if int(N) != N or N < 0:
            raise ValueError(f"N must be a non-negative integer, got {N!r}")
        liked = None
        if filter_already_liked_items:
            if user_items is None:
                raise ValueError("user_items is required when filter_already_liked_items=True")
            liked = _validate_strengths(user_items, "user_items", n_items)
            if liked.shape[0] != ids.size:
                raise ValueError(
                    f"user_items must contain 1 row for every user in userids ({ids.size}), got "
                    f"{liked.shape[0]} rows: pass user_items[userids]"
                )
        allowed = allowed_items(n_items, items, filter_items)
        result = _top_products(
            self.user_factors, self.item_factors, ids, min(int(N), n_items), liked, allowed
        )
        return (result[0][0], result[1][0]) if scalar else result

    def similar_items(self, itemids, N: int = 10):
        """Top-N items by cosine similarity of item factors (the item itself included, as in
        implicit). Items with all-zero factors have similarity 0 to everything."""
        self._require_fitted()
        n_items = self.item_factors.shape[0]
        scalar = np.isscalar(itemids)
        ids = np.atleast_1d(np.asarray(itemids))
        if ids.ndim != 1 or not np.issubdtype(ids.dtype, np.integer) and ids.size:
            raise ValueError(f"itemids must be an integer or a 1-D array of integers, got {itemids!r}")
        ids = ids.astype(np.int64)
        if ids.size and (ids.min() < 0 or ids.max() >= n_items):
            raise ValueError(f"itemids must be in [0, {n_items}), got values from {ids.min()} to {ids.max()}")
        if int(N) != N or N < 0:
            raise ValueError(f"N must be a non-negative integer, got {N!r}")
        norms = np.linalg.norm(self.item_factors, axis=1)
        norms[norms == 0] = 1.0
        normalised = self.item_factors / norms[:, None]
        result = _top_products(normalised, normalised, ids, min(int(N), n_items))
        return (result[0][0], result[1][0]) if scalar else result


__all__ = ["AlternatingLeastSquares"]
