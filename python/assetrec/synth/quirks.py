"""The export's quirks: rows with cookie `None`, heavy-tailed counts, asset types and the identifiers."""

from __future__ import annotations

import hashlib

import numpy as np

from assetrec.synth.interactions import Rows
from assetrec.synth.structure import Structure

NONE_TEXT = "None"  # missing cookie / asset type, written as the literal text like the real export
UNSPECIFIED = "Unspecified"
# Target share of rows per asset type: the real export's row shares plus a little `Unspecified`.
ASSET_TYPE_ROW_SHARES = {
    "Gated DemoNow Forms": 0.20,
    "Gated Ebook Forms": 0.18,
    "Gated Analyst Report Forms": 0.17,
    "Gated Webinar Forms": 0.14,
    "Gated Whitepaper Forms": 0.09,
    NONE_TEXT: 0.07,
    "Gated Best Practice Form": 0.04,
    UNSPECIFIED: 0.03,
    "Gated Get Pricing": 0.025,
    "Gated Case Study Forms": 0.015,
    "Gated Infographics Forms": 0.01,
    "Gated Solution Brief Forms": 0.01,
}
ASSET_TYPES = list(ASSET_TYPE_ROW_SHARES)
NAMED_ASSET_TYPES = [t for t in ASSET_TYPES if t not in (NONE_TEXT, UNSPECIFIED)]
COOKIE_DIGITS = 38


def with_none_cookies(rows: Rows, popularity: np.ndarray, s: Structure, rng: np.random.Generator) -> Rows:
    """`rows` plus a handful of rows whose cookie is the text `None` (-1), on distinct popular-ish pages."""
    n_none = max(1, round(rows.size * s.none_cookie_rate)) if rows.size > 100 else 0
    n_none = min(n_none, popularity.size)
    none_pages = rng.choice(popularity.size, size=n_none, replace=False, p=popularity / popularity.sum())
    return Rows(
        np.r_[rows.cookie, np.full(n_none, -1, dtype=np.int32)],
        np.r_[rows.page, none_pages],
        np.r_[rows.position, rows.draws + np.arange(n_none)],
        rows.draws + n_none,
    )


def form_submissions(n_rows: int, s: Structure, rng: np.random.Generator) -> np.ndarray:
    return np.minimum(rng.zipf(s.submissions_zipf, size=n_rows), s.max_submissions)


def asset_types(row_page: np.ndarray, n_pages: int, rng: np.random.Generator) -> np.ndarray:
    """One asset type (index into ASSET_TYPES) per page, so that row shares land near the targets.

    Types are dealt out over the pages' actual row counts: `None` first, only to pages small enough not to
    overshoot its share; then the other types by where each page's rows fall on the cumulative target
    shares (in a random page order).
    """
    row_share = np.bincount(row_page, minlength=n_pages) / row_page.size
    page_type = np.full(n_pages, -1, dtype=np.int64)
    shuffled = rng.permutation(n_pages)
    small = shuffled[row_share[shuffled] < ASSET_TYPE_ROW_SHARES[NONE_TEXT] / 4]
    n_none_pages = int(np.searchsorted(np.cumsum(row_share[small]), ASSET_TYPE_ROW_SHARES[NONE_TEXT]))
    page_type[small[:n_none_pages]] = ASSET_TYPES.index(NONE_TEXT)
    others = [t for t in ASSET_TYPES if t != NONE_TEXT]
    other_codes = np.array([ASSET_TYPES.index(t) for t in others])
    other_cum = np.cumsum([ASSET_TYPE_ROW_SHARES[t] for t in others])
    rest = shuffled[page_type[shuffled] < 0]
    if rest.size:
        mid = np.cumsum(row_share[rest]) - row_share[rest] / 2
        pos = np.searchsorted(
            other_cum / other_cum[-1], mid / max(row_share[rest].sum(), 1e-12), side="right"
        )
        page_type[rest] = other_codes[np.minimum(pos, len(others) - 1)]
    return page_type


def page_urls(seed: int, start: int, stop: int) -> np.ndarray:
    """64-char lowercase hex page urls: the sha256 of a seeded string per page."""
    return np.array(
        [hashlib.sha256(f"assetrec-synth:{seed}:page:{i}".encode()).hexdigest() for i in range(start, stop)],
        dtype=object,
    )


def cookie_ids(rng: np.random.Generator, n: int, leading_zero_share: float) -> np.ndarray:
    """n distinct 38-digit decimal strings; the first digit is 0 with probability leading_zero_share."""
    digits = rng.integers(0, 10, size=(n, COOKIE_DIGITS), dtype=np.uint8)
    zero = rng.random(n) < leading_zero_share
    digits[:, 0] = np.where(zero, 0, rng.integers(1, 10, size=n, dtype=np.uint8))
    # Collisions are astronomically unlikely, but distinctness is a promise: compare the two 19-digit
    # halves as uint64 pairs and redraw the tail of any repeat.
    powers = 10 ** np.arange(18, -1, -1, dtype=np.uint64)
    while True:
        hi = digits[:, :19].astype(np.uint64) @ powers
        lo = digits[:, 19:].astype(np.uint64) @ powers
        order = np.lexsort((lo, hi))
        same = (hi[order][1:] == hi[order][:-1]) & (lo[order][1:] == lo[order][:-1])
        dup = order[1:][same]
        if dup.size == 0:
            break
        digits[dup, 1:] = rng.integers(0, 10, size=(dup.size, COOKIE_DIGITS - 1), dtype=np.uint8)
    return (digits + ord("0")).view(f"S{COOKIE_DIGITS}").ravel().astype(f"U{COOKIE_DIGITS}").astype(object)
