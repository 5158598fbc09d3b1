"""Implicit-feedback alternating least squares (Hu, Koren and Volinsky 2008) in numpy and scipy.

The API mirrors `implicit.als.AlternatingLeastSquares` (implicit 0.7), the reference for speed and
correctness; the numerical core lives in `assetrec.models.als_solver`.

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

from assetrec import checks
from assetrec.models.als_solver import MAX_CONFIDENCE, SOLVERS, Layout, build_layout, half_step, weighted_loss
from assetrec.recommender_base import Recommender

log = logging.getLogger("assetrec.models.als")

FitCallback = Callable[[int, float, float | None], None]


def _products(queries: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """`queries @ targets.T`, each row rounded the same way whatever the chunk it is in: numpy multiplies a
    single row with BLAS gemv, whose float32 rounding differs from gemm's, so a lone row is paired with a
    copy of itself."""
    if len(queries) == 1:
        return (np.repeat(queries, 2, axis=0) @ targets.T)[:1]
    return queries @ targets.T


class AlternatingLeastSquares(Recommender):
    """Implicit-feedback matrix factorisation by alternating least squares.

    Parameters mirror implicit's: `factors`, `regularization` (added to the diagonal, not scaled by
    the number of interactions), `alpha` (confidence is 1 + alpha * r, see the module docstring),
    `iterations`, `cg_steps` (conjugate-gradient steps per half-step), `random_state` (int, None or
    numpy Generator; initial factors are uniform [0, 0.01) as in implicit), `dtype` (float32 or
    float64), `num_threads` (0 = all cores). `solver="cholesky"` solves every row exactly in
    float64 (small problems, tests); `calculate_training_loss=True` computes the loss after every
    iteration for the log and the fit callback.

    Recommendations score by the dot product of user and item factors (scores in the factors' dtype,
    ranked as computed); `similar_items` ranks by the cosine of item factors (items with all-zero
    factors have similarity 0 to everything). User ids are the rows of `user_factors`.
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
        super().__init__()
        if np.dtype(dtype) not in (np.float32, np.float64):
            raise ValueError(f"dtype must be float32 or float64, got {np.dtype(dtype)}")
        if solver not in SOLVERS:
            raise ValueError(f"solver must be one of {sorted(SOLVERS)}, got {solver!r}")
        self.factors = checks.integer(factors, "factors")
        self.regularization = checks.number(regularization, "regularization", minimum=0)
        self.alpha = checks.number(alpha, "alpha", minimum=0)
        self.iterations = checks.integer(iterations, "iterations", minimum=0)
        self.cg_steps = checks.integer(cg_steps, "cg_steps")
        self.random_state = random_state
        self.dtype = np.dtype(dtype)
        self.num_threads = checks.integer(num_threads, "num_threads", minimum=0)
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
        matrix = checks.user_items(user_items)
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

    @property
    def n_items_(self) -> int | None:
        return None if self.item_factors is None else self.item_factors.shape[0]

    def _is_fitted(self) -> bool:
        return self.user_factors is not None and self.item_factors is not None

    def _n_users(self) -> int:
        return self.user_factors.shape[0]

    def _score(self, userids: np.ndarray, rows) -> np.ndarray:
        return _products(self.user_factors[userids], self.item_factors)

    def _item_scores(self, itemids: np.ndarray) -> np.ndarray:
        norms = np.linalg.norm(self.item_factors, axis=1)
        norms[norms == 0] = 1.0
        unit = self.item_factors / norms[:, None]
        return _products(unit[itemids], unit)

    def _terms(self, userids, rows, entry, target) -> np.ndarray:
        """ALS scores decomposed as `implicit`'s ``explain`` does: with the user's factors solved from their
        items, ``x_u = A_u^-1 sum_j c_uj y_j`` where ``A_u = Y^T C_u Y + regularization * I``, the score of
        item i is ``sum_j c_uj * y_i^T A_u^-1 y_j``: one term per known item j."""
        y = self.item_factors.astype(np.float64)
        gram = y.T @ y
        ridge = self.regularization * np.eye(y.shape[1])
        terms = np.empty(len(entry))
        user_of = np.searchsorted(rows.indptr, entry, side="right") - 1
        order = np.argsort(user_of, kind="stable")
        bounds = np.flatnonzero(np.r_[True, user_of[order][1:] != user_of[order][:-1], True])
        for lo, hi in zip(bounds[:-1], bounds[1:], strict=True):
            part = order[lo:hi]
            u = user_of[part[0]]
            known = slice(rows.indptr[u], rows.indptr[u + 1])
            confidence = np.minimum(1.0 + self.alpha * rows.data[known].astype(np.float64), MAX_CONFIDENCE)
            yu = y[rows.indices[known]]
            a_u = gram + (yu.T * (confidence - 1.0)) @ yu + ridge
            weighted = np.linalg.solve(a_u, y[target[part]].T).T  # A_u^-1 y_i for each term's target
            terms[part] = confidence[entry[part] - known.start] * np.einsum(
                "tk,tk->t", weighted, y[rows.indices[entry[part]]]
            )
        return terms

    def loss(self, user_items) -> float:
        """Training loss of the current factors on `user_items`, normalised as implicit's
        `calculate_loss`: (weighted squared error + regularization * (|X|^2 + |Y|^2)) divided by
        the sum of confidences over all users x items (observed 1 + alpha r, others 1)."""
        self._require_fitted()
        matrix = checks.user_items(user_items, n_items=self.item_factors.shape[0])
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
        matrix = checks.user_items(user_items_row, "user_items_row", n_items=n_items)
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


__all__ = ["AlternatingLeastSquares"]
