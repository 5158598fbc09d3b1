"""Weighted draws inside contiguous segments, vectorised: the generator's one sampling primitive."""

from __future__ import annotations

import numpy as np


def segment_keys(segment: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """Sampling keys for weighted draws inside contiguous segments.

    `segment` is sorted (non-decreasing). key[i] = segment[i] + (cumulative weight within the segment up to
    and including i) / (segment total), so a segment s owns keys in (s, s+1] and its last key is exactly
    s+1. `searchsorted(keys, s + u, side="right")` with u ~ U[0, 1) then draws an element of segment s
    with probability proportional to its weight -- one vectorised call for any mix of segments.
    """
    cum = np.cumsum(weight, dtype=np.float64)
    starts = np.r_[0, np.flatnonzero(np.diff(segment)) + 1]
    seg_lengths = np.diff(np.r_[starts, len(segment)])
    before = np.repeat(np.r_[0.0, cum[starts[1:] - 1]], seg_lengths)
    total = np.repeat(cum[np.r_[starts[1:], len(segment)] - 1], seg_lengths) - before
    frac = (cum - before) / np.where(total > 0, total, 1.0)
    frac[np.r_[starts[1:] - 1, len(segment) - 1]] = 1.0
    return segment + frac


def draw(keys: np.ndarray, segment: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One element (an index into `keys`) of each given segment, drawn by weight."""
    # u < 1 - 1e-9 so that segment + u cannot round up to segment + 1 (segments up to ~1e6).
    return np.searchsorted(keys, segment + rng.random(len(segment)) * (1 - 1e-9), side="right")
