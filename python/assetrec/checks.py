"""Argument checks shared by every recommender, split and metric: one message per kind of mistake.

Each check returns the value in the form the caller computes with (a Python int, an int64 array, a
canonical CSR matrix) or raises ValueError naming the argument and what it got.
"""

from __future__ import annotations

import math

import numpy as np
import scipy.sparse as sp

__all__ = ["ids", "integer", "number", "user_items"]


def integer(value, name: str, minimum: int = 1, allow_none: bool = False) -> int | None:
    """``value`` as an int >= ``minimum`` (bools are not integers); None passes when ``allow_none``."""
    if allow_none and value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < minimum:
        expected = f"an integer >= {minimum}" + (" or None" if allow_none else "")
        raise ValueError(f"{name} must be {expected}, got {value!r}")
    return int(value)


def number(
    value,
    name: str,
    minimum: float | None = None,
    strictly_above: float | None = None,
    strictly_below: float | None = None,
) -> float:
    """``value`` as a finite float, at least ``minimum`` / strictly above ``strictly_above`` / strictly
    below ``strictly_below`` when given."""
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
        raise ValueError(f"{name} must be a number, got {value!r}")
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number, got {value!r}")
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value!r}")
    if strictly_above is not None and value <= strictly_above:
        raise ValueError(f"{name} must be > {strictly_above}, got {value!r}")
    if strictly_below is not None and value >= strictly_below:
        raise ValueError(f"{name} must be < {strictly_below}, got {value!r}")
    return value


def ids(values, name: str, upper: int | None = None) -> tuple[np.ndarray, bool]:
    """User or item indices in [0, upper) as an int64 array, and whether a single scalar id was given."""
    arr = np.asarray(values)
    scalar = arr.ndim == 0
    arr = np.atleast_1d(arr)
    if arr.ndim != 1 or (arr.size and not np.issubdtype(arr.dtype, np.integer)):
        raise ValueError(f"{name} must be an integer or a 1-D array of integers, got {arr.dtype} {arr.shape}")
    if arr.size and (arr.min() < 0 or (upper is not None and arr.max() >= upper)):
        bound = f"[0, {upper})" if upper is not None else ">= 0"
        raise ValueError(f"{name} must be in {bound}, got values from {arr.min()} to {arr.max()}")
    return arr.astype(np.int64, copy=False), scalar


def user_items(matrix, name: str = "user_items", n_rows: int | None = None, n_items: int | None = None):
    """``matrix`` as a canonical float64 CSR matrix (duplicates summed, explicit zeros dropped, indices
    sorted), never sharing memory with the input; values must be finite and >= 0 (an event strength).
    ``n_rows`` / ``n_items`` check the shape when given."""
    if not sp.issparse(matrix):
        raise ValueError(f"{name} must be a scipy.sparse matrix (users x items), got {type(matrix).__name__}")
    if matrix.ndim != 2:
        raise ValueError(f"{name} must be 2-D, got shape {matrix.shape}")
    kind = matrix.dtype
    if not (np.issubdtype(kind, np.number) or kind == np.bool_) or np.issubdtype(kind, np.complexfloating):
        raise ValueError(f"{name} must hold real numbers, got dtype {kind}")
    if n_rows is not None and matrix.shape[0] != n_rows:
        raise ValueError(f"{name} has {matrix.shape[0]} rows, expected one per user id ({n_rows})")
    if n_items is not None and matrix.shape[1] != n_items:
        raise ValueError(f"{name} has {matrix.shape[1]} items (columns), the model was fitted on {n_items}")
    m = sp.csr_matrix(matrix, dtype=np.float64, copy=True)
    m.sum_duplicates()
    bad = ~np.isfinite(m.data) | (m.data < 0)
    if bad.any():
        first = int(np.flatnonzero(bad)[0])
        row = int(np.searchsorted(m.indptr, first, side="right") - 1)
        value = m.data[first]
        kind = "NaN" if np.isnan(value) else ("infinite" if np.isinf(value) else "negative")
        raise ValueError(
            f"{name} must hold finite, non-negative strengths: {int(bad.sum())} bad value(s), "
            f"first at row {row}, column {int(m.indices[first])}: {kind} ({value!r})"
        )
    m.eliminate_zeros()
    m.sort_indices()
    return m
