"""Progress lines on stderr, for outputs large enough to take a while."""

from __future__ import annotations

import sys
import time

PROGRESS_ROWS = 200_000  # print progress to stderr when at least this many rows are generated


def log(progress: bool, t0: float, msg: str) -> None:
    if progress:
        print(f"synth [{time.perf_counter() - t0:5.1f}s] {msg}", file=sys.stderr, flush=True)
