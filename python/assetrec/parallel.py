"""Work on consecutive chunks of rows on every core (one BLAS thread each)."""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from threadpoolctl import threadpool_limits

__all__ = ["map_chunks", "n_threads"]


def n_threads() -> int:
    """The cores this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def map_chunks(n_rows: int, work: Callable[[np.ndarray], object], chunk: int) -> list:
    """`work(row_ids)` for consecutive chunks of `chunk` rows, in order, on all cores.

    numpy releases the GIL in the heavy parts (matrix products, comparisons, partitions), so chunks run
    side by side; every chunk is computed the same way whatever the thread count, so results do not
    depend on it."""
    batches = [np.arange(start, min(start + chunk, n_rows)) for start in range(0, n_rows, chunk)]
    threads = min(n_threads(), max(len(batches), 1))
    with threadpool_limits(limits=1, user_api="blas"):
        if threads <= 1:
            return [work(batch) for batch in batches]
        with ThreadPoolExecutor(threads) as pool:
            return list(pool.map(work, batches))
