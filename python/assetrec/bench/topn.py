"""Top-N ranking of score blocks: `python -m assetrec.bench topn [--pages 5000,20000,50000] [--repeats 7]`.

Every recommender ranks its scores through `assetrec.topn.topn_dense` (score descending, ties by page id, exact).
This times it on blocks shaped like a scoring chunk (1,000 cookies x the pages) of two kinds: *sparse* (the
item-item scores of sparse data: 3 positive scores per row, the rest 0 and 2 pages seen, -inf), where every row
is tied at 0 and the exact tie-break decides the cost, and *dense* (ALS-like: distinct random scores). The
reference, measured on the same block in the same run, is NumPy's own top-N: `np.argpartition` and a sort of
the N kept (not exact on ties: which of the tied pages it keeps is unspecified). One thread, medians.
"""

from __future__ import annotations

import os
import time

import numpy as np

from assetrec.bench import command, markdown_table
from assetrec.topn import topn_dense

ROWS = 1000
N = 10


def block(kind: str, pages: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    if kind == "dense":
        return rng.random((ROWS, pages))
    scores = np.zeros((ROWS, pages))
    for row in range(ROWS):
        chosen = rng.choice(pages, 5, replace=False)
        scores[row, chosen[:3]] = rng.random(3)
        scores[row, chosen[3:]] = -np.inf
    return scores


def numpy_topn(scores: np.ndarray, n: int) -> np.ndarray:
    top = np.argpartition(-scores, n - 1, axis=1)[:, :n]
    order = np.argsort(-np.take_along_axis(scores, top, axis=1), axis=1)
    return np.take_along_axis(top, order, axis=1)


def median_seconds(function, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return float(np.median(times))


def main(argv: list[str] | None = None) -> int:
    parser = command("topn", __doc__)
    parser.add_argument("--pages", default="5000,20000,50000", help="pages per block (5000,20000,50000)")
    parser.add_argument("--repeats", type=int, default=7, help="timed calls per block (7); medians")
    args = parser.parse_args(argv)
    print(f"# topn benchmark, {os.cpu_count()} cores, load {os.getloadavg()[0]:.2f}", flush=True)
    rows = []
    for kind in ("sparse", "dense"):
        for pages in (int(p) for p in args.pages.split(",")):
            scores = block(kind, pages)
            ours = median_seconds(lambda s=scores: topn_dense(s, N), args.repeats)
            reference = median_seconds(lambda s=scores: numpy_topn(s, N), args.repeats)
            rows.append(
                [
                    kind,
                    f"{ROWS:,} x {pages:,}",
                    f"{ours * 1000:.1f}",
                    f"{reference * 1000:.1f}",
                    f"{ours / reference:.2f}",
                ]
            )
    header = ["block", "cookies x pages", "topn_dense (ms)", "argpartition (ms)", "ratio"]
    print("\n".join(markdown_table(header, rows)))
    print(f"# load after {os.getloadavg()[0]:.2f}")
    return 0
