"""Numerical core of the implicit-feedback ALS model (see `assetrec.models.als` for the public model).

Each half-step solves, for every row u of a (rows x columns) strength matrix R against the fixed
factors F of the other side,

    (F^T F + regularization * I + F^T W_u F) x_u = F^T (W_u + I) p_u,    W_u = diag(alpha * r_u),

which is Hu, Koren and Volinsky's normal equation with confidence 1 + alpha * r on the observed
entries (preference 1) and 1 elsewhere (preference 0).

Layout: the rows of R are bucketed by their number of non-zeros, padded up to a bucket size
(at most 1/16 extra) and cut into blocks of about `block_nnz` padded entries. Inside a block the
gathered factors of the other side form a dense (rows, padded nnz, factors) array, so every
conjugate-gradient product is a batched matrix-vector product (BLAS) instead of a sparse loop,
and that array is gathered once per half-step and reused by all CG steps while it is in cache.
Padding points at an extra all-zero factor row, so padded entries contribute exactly nothing.
A row longer than `block_nnz` is a block of its own, so each thread's gather buffer holds
max(block_nnz, longest padded row) x factors values. Blocks are shared among threads (numpy and
BLAS release the GIL in the heavy calls); a block's result does not depend on which thread ran it.

A row whose largest confidence exceeds 2**16 has its system divided by a power of two at least
that confidence: CG iterates and exact solutions are unchanged by scaling a system (and a power
of two adds no rounding), and it keeps float32 residuals finite for huge strengths.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import scipy.sparse

# Padded non-zeros per block: large enough to amortise Python overhead over BLAS calls,
# small enough that a block's gathered factors stay in cache across the CG steps.
BLOCK_NNZ = 16384
# Below these padded row lengths einsum beats batched matmul (measured here with 64 factors).
_EINSUM_DOT_BELOW = 6
_EINSUM_SUM_BELOW = 2
# implicit's per-row convergence threshold on the squared residual norm.
_CG_EPS = 1e-20
# Rows with confidences above this are rescaled (see the module docstring).
_SCALE_ABOVE = 2.0**16
# Confidences are capped here: beyond 2**24 float32 cannot even add the unit confidence of the
# missing entries, and one huge weight next to the rest makes a row's system numerically singular
# (CG then diverges). Strengths that large carry no extra information for a ranking model.
MAX_CONFIDENCE = 2.0**24


@dataclass(frozen=True)
class Block:
    rows: np.ndarray  # (g,) row ids of this side
    cols: np.ndarray  # (g, n) column ids (other side), padding -> the zero row `n_cols`
    weight: np.ndarray  # (g, n) alpha * r / scale, 0 on padding
    inv_scale: np.ndarray | None  # (g,) 1 / row scale, None when every row of the block is unscaled


@dataclass(frozen=True)
class Layout:
    """One side of the problem, bucketed into blocks; built once per fit."""

    n_rows: int
    n_cols: int
    blocks: list[Block]
    empty_rows: np.ndarray  # rows without interactions: their exact solution is 0
    max_block_nnz: int


def padded_length(counts: np.ndarray) -> np.ndarray:
    """Round row lengths up so that there are few distinct lengths, wasting at most 1/16."""
    counts = np.asarray(counts, dtype=np.int64)
    quantum = np.ones_like(counts)
    big = counts > 16
    quantum[big] = 2 ** (np.floor(np.log2(counts[big])).astype(np.int64) - 4)
    return -(-counts // quantum) * quantum


def build_layout(matrix: scipy.sparse.csr_matrix, alpha: float, dtype, block_nnz: int = BLOCK_NNZ) -> Layout:
    """Bucket the rows of a validated CSR matrix (no explicit zeros, strengths >= 0) into blocks."""
    n_rows, n_cols = matrix.shape
    indptr = matrix.indptr.astype(np.int64)
    counts = np.diff(indptr)
    nonempty = np.flatnonzero(counts)
    empty_rows = np.flatnonzero(counts == 0)
    blocks: list[Block] = []
    if nonempty.size == 0:
        return Layout(n_rows, n_cols, blocks, empty_rows, 0)

    row_max = np.minimum(
        alpha * np.maximum.reduceat(matrix.data, indptr[nonempty]).astype(np.float64), MAX_CONFIDENCE - 1.0
    )
    scale = np.ones(n_rows)
    huge = 1.0 + row_max > _SCALE_ABOVE
    scale[nonempty[huge]] = 2.0 ** np.ceil(np.log2(1.0 + row_max[huge]))
    pad = padded_length(counts[nonempty])
    order = np.argsort(pad, kind="stable")
    rows_sorted, pad_sorted = nonempty[order], pad[order]
    starts = np.flatnonzero(np.r_[True, pad_sorted[1:] != pad_sorted[:-1]])
    ends = np.r_[starts[1:], rows_sorted.size]
    max_block = 0
    for lo, hi in zip(starts, ends, strict=True):
        n = int(pad_sorted[lo])
        rows = rows_sorted[lo:hi]
        positions = indptr[rows][:, None] + np.arange(n)[None, :]
        valid = np.arange(n)[None, :] < counts[rows][:, None]
        positions = np.where(valid, positions, 0)
        cols = np.where(valid, matrix.indices[positions], n_cols).astype(np.int32)
        weight = np.minimum(alpha * matrix.data[positions].astype(np.float64), MAX_CONFIDENCE - 1.0)
        weight = np.where(valid, weight / scale[rows][:, None], 0.0).astype(dtype)
        inv_scale = (1.0 / scale[rows]).astype(dtype)
        per_block = max(1, block_nnz // n)
        for b in range(0, rows.size, per_block):
            sl = slice(b, b + per_block)
            block_scale = inv_scale[sl] if (inv_scale[sl] != 1).any() else None
            blocks.append(Block(rows[sl], cols[sl], weight[sl], block_scale))
            max_block = max(max_block, cols[sl].size)
    return Layout(n_rows, n_cols, blocks, empty_rows, max_block)


def _row_dots(gathered: np.ndarray, vectors: np.ndarray, out: np.ndarray) -> np.ndarray:
    """out[g, j] = gathered[g, j, :] . vectors[g, :]"""
    if gathered.shape[1] < _EINSUM_DOT_BELOW:
        return np.einsum("gnk,gk->gn", gathered, vectors, out=out)
    np.matmul(gathered, vectors[:, :, None], out=out[:, :, None])
    return out


def _weighted_sums(gathered: np.ndarray, weights: np.ndarray, out: np.ndarray) -> np.ndarray:
    """out[g, :] = sum_j weights[g, j] * gathered[g, j, :]"""
    if gathered.shape[1] < _EINSUM_SUM_BELOW:
        return np.einsum("gnk,gn->gk", gathered, weights, out=out)
    np.matmul(weights[:, None, :], gathered, out=out[:, None, :])
    return out


def _cg_block(block: Block, target: np.ndarray, other: np.ndarray, gram: np.ndarray, cg_steps: int, buf):
    """Warm-started conjugate gradient for the rows of one block, all rows at once, in place."""
    g, n = block.cols.shape
    k = other.shape[1]
    # Indices are valid by construction; mode="clip" skips numpy's buffered bounds check.
    gathered = np.take(other, block.cols.reshape(-1), axis=0, out=buf[: g * n], mode="clip").reshape(g, n, k)
    w = block.weight
    inv_scale = None if block.inv_scale is None else block.inv_scale[:, None]
    x = target[block.rows]
    dots = np.empty((g, n), dtype=other.dtype)
    ap = np.empty((g, k), dtype=other.dtype)
    tmp = np.empty((g, k), dtype=other.dtype)

    def gram_times(v: np.ndarray, out: np.ndarray) -> np.ndarray:
        np.matmul(v, gram, out=out)
        if inv_scale is not None:
            out *= inv_scale
        return out

    # r = b - A x, with b = sum (1 + w) y and A x = G x + sum w (y.x) y (all divided by the scale)
    _row_dots(gathered, x, dots)
    np.subtract(1, dots, out=dots)
    dots *= w
    dots += 1 if inv_scale is None else inv_scale
    r = _weighted_sums(gathered, dots, np.empty((g, k), dtype=other.dtype))
    r -= gram_times(x, tmp)
    p = r.copy()
    rs = np.einsum("gk,gk->g", r, r)
    active = rs >= _CG_EPS
    step = np.zeros(g, dtype=other.dtype)
    beta = np.zeros(g, dtype=other.dtype)
    for _ in range(cg_steps):
        if not active.any():
            break
        _row_dots(gathered, p, dots)
        dots *= w
        _weighted_sums(gathered, dots, ap)
        ap += gram_times(p, tmp)
        pap = np.einsum("gk,gk->g", p, ap)
        # Rows that converged (or whose curvature underflowed) stop moving, as in implicit.
        active &= pap > 0
        step.fill(0)
        np.divide(rs, pap, out=step, where=active)
        x += np.multiply(step[:, None], p, out=tmp)
        r -= np.multiply(step[:, None], ap, out=tmp)
        rs_new = np.einsum("gk,gk->g", r, r)
        active &= rs_new >= _CG_EPS
        beta.fill(0)
        np.divide(rs_new, rs, out=beta, where=active)
        p *= beta[:, None]
        p += r
        rs = rs_new
    target[block.rows] = x


def _exact_block(block: Block, target: np.ndarray, other: np.ndarray, gram: np.ndarray, cg_steps: int, buf):
    """Exact solve of each row's normal equation in float64 (Cholesky, batched over the block)."""
    g, n = block.cols.shape
    k = other.shape[1]
    # The (rows, k, k) systems are the big temporaries here: bound them to ~32 MB.
    rows_per_batch = max(1, (1 << 22) // (k * k))
    for lo in range(0, g, rows_per_batch):
        sl = slice(lo, lo + rows_per_batch)
        cols, w = block.cols[sl], block.weight[sl].astype(np.float64)
        gathered = np.take(other, cols.reshape(-1), axis=0).reshape(*cols.shape, k).astype(np.float64)
        inv_scale = np.ones(cols.shape[0])
        if block.inv_scale is not None:
            inv_scale = block.inv_scale[sl].astype(np.float64)
        a = gram.astype(np.float64)[None, :, :] * inv_scale[:, None, None]
        a += np.matmul(gathered.transpose(0, 2, 1) * w[:, None, :], gathered)
        b = np.matmul((inv_scale[:, None] + w)[:, None, :], gathered)[:, 0, :]
        target[block.rows[sl]] = solve_spd(a, b)


def solve_spd(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Solve a batch of symmetric positive (semi-)definite systems a x = b, b of shape (g, k)."""
    try:
        lower = np.linalg.cholesky(a)
        # Two triangular solves; np.linalg.solve keeps this batched with numpy alone.
        z = np.linalg.solve(lower, b[:, :, None])
        return np.linalg.solve(lower.transpose(0, 2, 1), z)[:, :, 0]
    except np.linalg.LinAlgError:
        # Numerically singular (regularization 0, or extreme confidences): least squares per row.
        return np.stack([np.linalg.lstsq(ai, bi, rcond=None)[0] for ai, bi in zip(a, b, strict=True)])


SOLVERS: dict[str, Callable] = {"cg": _cg_block, "cholesky": _exact_block}


def half_step(
    layout: Layout,
    target: np.ndarray,
    other: np.ndarray,
    regularization: float,
    solver: str,
    cg_steps: int,
    pool: ThreadPoolExecutor | None,
    n_threads: int,
) -> None:
    """Recompute every row of `target` (with a trailing zero row) against `other` (likewise)."""
    k = other.shape[1]
    factors = other[:-1]
    gram = factors.T @ factors
    gram[np.diag_indices(k)] += regularization
    target[layout.empty_rows] = 0
    solve_block = SOLVERS[solver]
    blocks = layout.blocks
    next_block = itertools.count()

    def worker() -> None:
        buf = np.empty((layout.max_block_nnz, k), dtype=other.dtype)
        # next() on itertools.count is atomic under the GIL: threads share the blocks dynamically.
        while (i := next(next_block)) < len(blocks):
            solve_block(blocks[i], target, other, gram, cg_steps, buf)

    if pool is None or n_threads <= 1:
        worker()
        return
    futures = [pool.submit(worker) for _ in range(n_threads)]
    for future in futures:
        future.result()


def weighted_loss(
    matrix: scipy.sparse.csr_matrix,
    user_factors: np.ndarray,
    item_factors: np.ndarray,
    regularization: float,
    alpha: float,
    chunk: int = 1 << 16,
) -> float:
    """Hu et al.'s regularised weighted squared error, normalised as implicit's calculate_loss.

    loss = [sum_ui c_ui (p_ui - x_u.y_i)^2 + regularization (|X|^2 + |Y|^2)]
           / (sum of c_ui over all users x items),
    c_ui = min(1 + alpha r_ui, MAX_CONFIDENCE) and p_ui = 1 where r_ui > 0, c_ui = 1 and p_ui = 0
    elsewhere. Accumulated in float64, in chunks so memory stays bounded.
    """
    n_users, n_items = matrix.shape

    def gram_and_norm(factors: np.ndarray) -> tuple[np.ndarray, float]:
        gram = np.zeros((factors.shape[1],) * 2)
        for lo in range(0, factors.shape[0], chunk):
            part = factors[lo : lo + chunk].astype(np.float64)
            gram += part.T @ part
        return gram, float(np.trace(gram))

    user_gram, user_norm = gram_and_norm(user_factors)
    item_gram, item_norm = gram_and_norm(item_factors)
    # sum over every cell of (x.y)^2 = trace(X^T X Y^T Y); the observed cells are corrected below.
    total = float(np.sum(user_gram * item_gram))
    indptr = matrix.indptr.astype(np.int64)
    rows = np.repeat(np.arange(n_users, dtype=np.int32), np.diff(indptr))
    confidence_sum = 0.0
    for lo in range(0, matrix.nnz, chunk):
        hi = min(lo + chunk, matrix.nnz)
        score = np.einsum(
            "ij,ij->i", user_factors[rows[lo:hi]], item_factors[matrix.indices[lo:hi]], dtype=np.float64
        )
        c = np.minimum(1.0 + alpha * matrix.data[lo:hi].astype(np.float64), MAX_CONFIDENCE)
        total += float(np.sum(c * (1.0 - score) ** 2 - score**2))
        confidence_sum += float(c.sum())
    total += regularization * (user_norm + item_norm)
    denominator = confidence_sum + float(n_users) * float(n_items) - matrix.nnz
    return total / denominator if denominator > 0 else 0.0
