"""Synthetic clickstream generator: form submissions and a page -> business-unit mapping.

`python -m assetrec.synth` writes the bundled sample (`seeds/sample/sample_submissions.csv` and
`seeds/sample/sample_bu_mapping.csv`); with `--cookies/--pages/--density` it writes benchmark-sized data
(millions of rows) in the same format. Output is byte-for-byte deterministic for a given `--seed`.

The files mirror the real export exactly (see /work/shared/seed/NOTES.md):

* submissions: header `,cookie,gated_asset_type,page_url,form_submissions` -- a leading unnamed pandas
  index column with integer values (not 0..n-1: like the export, rows are sorted by form_submissions
  descending and the index keeps the row's position in the stream it was drawn from) -- one row per
  (cookie, page), no duplicate pairs.
* bu_mapping: header `,business_unit,page_url`, index 0..n-1.
* no quoted fields, no empty cells, `\\n` line endings.

Quirks reproduced: 38-digit decimal cookies (about 14% with a leading zero, all distinct); a handful of rows
whose cookie is the text `None`; 64-char lowercase hex page urls (sha256 of a seeded string); one asset type
per page out of the 10 named types, `Unspecified`, and the text `None` (about 7% of rows); heavy-tailed
form_submissions (Zipf, median 1); the mapping covers only part of the submitted pages, holds many pages
nobody submitted, and maps a few pages to two different units.

Planted structure (what recommenders are evaluated on): every page, mapped or not, has a latent business
unit, a Zipf popularity, and belongs to a small "cluster" of related pages inside its unit. Each cookie has
a primary unit (30% also a second one) and favourite clusters in those units (one per unit, plus one per
8 interactions for heavy users). Every interaction is drawn from a mixture: global popularity (20%: noise,
and what the popularity baseline captures), one of the cookie's favourite clusters (65%: co-visit patterns
a collaborative model can learn), or one of the cookie's units (15%). On the default sample, leave-one-out
HR@10 of item-item cosine co-occurrence is about 1.4x that of "most popular pages" (see test_synth.py).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

# The repo's seeds/sample/ (this file is python/assetrec/synth.py; the package is installed editable).
SAMPLE_DIR = Path(__file__).resolve().parents[2] / "seeds" / "sample"
SAMPLE_SUBMISSIONS = "sample_submissions.csv"
SAMPLE_BU_MAPPING = "sample_bu_mapping.csv"

SUBMISSIONS_HEADER = ",cookie,gated_asset_type,page_url,form_submissions"
BU_MAPPING_HEADER = ",business_unit,page_url"
SUBMISSION_COLUMNS = ["cookie", "gated_asset_type", "page_url", "form_submissions"]
BU_MAPPING_COLUMNS = ["business_unit", "page_url"]
# Parquet (written by DuckDB) cannot have an empty column name: the index column is called `column0`,
# which is also the name DuckDB's read_csv gives the unnamed column of the CSV files.
PARQUET_INDEX_COLUMN = "column0"

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

DEFAULT_COOKIES = 1000
DEFAULT_PAGES = 400
DEFAULT_BUSINESS_UNITS = 8
DEFAULT_DENSITY = 4.0
DEFAULT_SEED = 42
COOKIE_DIGITS = 38
PROGRESS_ROWS = 200_000  # print progress to stderr when at least this many rows are generated
CHUNK_ROWS = 1_000_000  # cookies are sampled in chunks of about this many rows (bounds memory)
MAX_ROUNDS = 8  # top-up rounds per chunk against duplicate (cookie, page) draws


@dataclass(frozen=True)
class Structure:
    """Knobs of the planted structure and of the quirks. The defaults reproduce the real export's shape."""

    page_zipf: float = 1.2  # page popularity ~ rank ** -page_zipf
    unit_zipf: float = 1.0  # unit share of pages ~ (unit index + 1) ** -unit_zipf: `a` largest
    cluster_size: int = 8  # pages per co-visit cluster inside a unit
    cluster_flatten: float = 0.3  # draws inside a cluster weighted by popularity ** cluster_flatten
    p_popular: float = 0.2  # an interaction is drawn from global popularity ...
    p_cluster: float = 0.65  # ... or from the cookie's favourite cluster, else from one of its units
    p_second_unit: float = 0.3  # share of cookies with a second unit of interest
    second_unit_share: float = 0.35  # share of a two-unit cookie's unit draws that go to the second unit
    interactions_dispersion: float = 1.1  # negative-binomial shape of (interactions per cookie - 1)
    submissions_zipf: float = 2.3  # form_submissions ~ Zipf(submissions_zipf), clipped
    max_submissions: int = 1000
    leading_zero_share: float = 0.14  # share of cookies whose first digit is 0
    none_cookie_rate: float = 0.001  # rows with cookie `None` per row (at least 1 when rows > 100)
    mapped_share: float = 0.42  # share of the page catalogue present in the mapping
    mapping_popularity_bias: float = 0.3  # mapped pages drawn with weight popularity ** bias
    unsubmitted_mapping_ratio: float = 5.0  # mapping-only pages (never submitted) per catalogue page
    double_mapped_share: float = 0.005  # share of mapping pages mapped to two units (at least 1)


def unit_name(i: int) -> str:
    """0 -> `a`, 25 -> `z`, 26 -> `aa`, ... (spreadsheet-style)."""
    name = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        name = chr(ord("a") + r) + name
    return name


def _log(progress: bool, t0: float, msg: str) -> None:
    if progress:
        print(f"synth [{time.perf_counter() - t0:5.1f}s] {msg}", file=sys.stderr, flush=True)


def _page_urls(seed: int, start: int, stop: int) -> np.ndarray:
    return np.array(
        [hashlib.sha256(f"assetrec-synth:{seed}:page:{i}".encode()).hexdigest() for i in range(start, stop)],
        dtype=object,
    )


def _cookies(rng: np.random.Generator, n: int, leading_zero_share: float) -> np.ndarray:
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


def _segment_keys(segment: np.ndarray, weight: np.ndarray) -> np.ndarray:
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


def _draw(keys: np.ndarray, segment: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    # u < 1 - 1e-9 so that segment + u cannot round up to segment + 1 (segments up to ~1e6).
    return np.searchsorted(keys, segment + rng.random(len(segment)) * (1 - 1e-9), side="right")


def generate(
    n_cookies: int = DEFAULT_COOKIES,
    n_pages: int = DEFAULT_PAGES,
    n_business_units: int = DEFAULT_BUSINESS_UNITS,
    density: float = DEFAULT_DENSITY,
    seed: int = DEFAULT_SEED,
    structure: Structure | None = None,
    progress: bool | None = None,
    return_truth: bool = False,
):
    """Generate (submissions_df, bu_mapping_df), deterministic for `seed`.

    n_cookies: distinct cookies (plus a few rows with cookie `None`); n_pages: catalogue of pages cookies
    can submit (the mapping adds `unsubmitted_mapping_ratio` times as many pages nobody submits);
    density: mean interactions (distinct pages) per cookie.

    Both frames mirror their file: the unnamed integer index is the DataFrame index, so
    `df.to_csv(path, lineterminator="\\n")` writes the same bytes as `write()`. Text columns are pandas
    Categoricals (memory stays small at millions of rows). With `return_truth=True` a third value is
    the planted structure: {"pages": latent unit, cluster, popularity, submitted, mapped of every page;
    "cookies": primary and second unit of interest of every cookie}.
    """
    s = structure or Structure()
    if n_cookies < 1 or n_pages < 1 or n_business_units < 1:
        raise ValueError("n_cookies, n_pages and n_business_units must be >= 1")
    if density < 1:
        raise ValueError("density (mean interactions per cookie) must be >= 1")
    t0 = time.perf_counter()
    if progress is None:
        progress = n_cookies * density >= PROGRESS_ROWS
    rngs = [np.random.default_rng(child) for child in np.random.SeedSequence(seed).spawn(8)]
    r_pages, r_cookies, r_sample, r_submit, r_types, r_map, r_ids, r_none = rngs
    n_units = n_business_units

    # ---- pages: latent unit, popularity, co-visit cluster --------------------------------------------
    unit_w = (np.arange(n_units) + 1.0) ** -s.unit_zipf
    unit_w /= unit_w.sum()
    page_unit = r_pages.choice(n_units, size=n_pages, p=unit_w)
    page_unit[: min(n_units, n_pages)] = np.arange(min(n_units, n_pages))  # every unit has a page
    page_unit = r_pages.permutation(page_unit)
    popularity = (r_pages.permutation(n_pages) + 1.0) ** -s.page_zipf
    # Layout: pages sorted by unit (random order inside), cut into clusters of cluster_size.
    layout = np.lexsort((r_pages.random(n_pages), page_unit))
    lay_unit = page_unit[layout]
    lay_pop = popularity[layout]
    unit_start = np.searchsorted(lay_unit, np.arange(n_units))
    local = np.arange(n_pages) - unit_start[lay_unit]
    cluster_local = local // max(1, s.cluster_size)
    new_cluster = np.r_[True, (np.diff(lay_unit) != 0) | (np.diff(cluster_local) != 0)]
    lay_cluster = np.cumsum(new_cluster) - 1
    n_clusters = int(lay_cluster[-1]) + 1
    page_cluster = np.empty(n_pages, dtype=np.int64)
    page_cluster[layout] = lay_cluster
    cluster_unit = lay_unit[new_cluster]
    cluster_mass = np.bincount(lay_cluster, weights=lay_pop, minlength=n_clusters)
    unit_mass = np.bincount(lay_unit, weights=lay_pop, minlength=n_units)

    keys_global = _segment_keys(np.zeros(n_pages, dtype=np.int64), lay_pop)
    keys_unit = _segment_keys(lay_unit, lay_pop)
    keys_cluster = _segment_keys(lay_cluster, lay_pop**s.cluster_flatten)
    keys_unit_cluster = _segment_keys(cluster_unit, cluster_mass)  # clusters are laid out by unit too

    # ---- cookies: number of interactions, units of interest, favourite cluster ------------------------
    mean_extra = density - 1.0
    if mean_extra > 0:
        r = s.interactions_dispersion
        n_int = 1 + r_cookies.negative_binomial(r, r / (r + mean_extra), size=n_cookies)
    else:
        n_int = np.ones(n_cookies, dtype=np.int64)
    n_int = np.minimum(n_int, max(1, n_pages // 4)).astype(np.int64)  # no cookie submits most pages
    unit_p = unit_mass / unit_mass.sum()
    primary = r_cookies.choice(n_units, size=n_cookies, p=unit_p)
    if n_units > 1:
        second = (primary + r_cookies.integers(1, n_units, size=n_cookies)) % n_units
        has_second = r_cookies.random(n_cookies) < s.p_second_unit
    else:
        second = primary.copy()
        has_second = np.zeros(n_cookies, dtype=bool)
    # Favourite clusters: one in the primary unit, one in the second unit (two-unit cookies), and one more
    # per cluster_size interactions so heavy users spread over several clusters instead of exhausting one;
    # those extra slots are in the second unit with probability second_unit_share.
    n_fav = 1 + has_second + (n_int - 1) // max(1, s.cluster_size)
    fav_start = np.r_[0, np.cumsum(n_fav)[:-1]]
    slot_cookie = np.repeat(np.arange(n_cookies), n_fav)
    slot_idx = np.arange(slot_cookie.size) - fav_start[slot_cookie]
    extra_second = (slot_idx >= 2) & (r_cookies.random(slot_cookie.size) < s.second_unit_share)
    slot_second = has_second[slot_cookie] & ((slot_idx == 1) | extra_second)
    slot_unit = np.where(slot_second, second[slot_cookie], primary[slot_cookie])
    fav_cluster = _draw(keys_unit_cluster, slot_unit, r_cookies)
    del slot_cookie, slot_idx, extra_second, slot_second, slot_unit
    target_rows = int(n_int.sum())
    _log(progress, t0, f"{n_cookies:,} cookies, {n_pages:,} pages, {n_units} units, ~{target_rows:,} rows")

    # ---- interactions without duplicate (cookie, page) pairs ------------------------------------------
    # Cookies are processed in contiguous chunks of about CHUNK_ROWS target rows (memory stays bounded by
    # the chunk, whatever the output size). Within a chunk, each round draws `need * 1.5 * 2**round + 2`
    # candidates per cookie that still needs pages (all of them in round one) in one vectorised pass:
    # repeat the cookie ids, pick a mixture component per candidate, and map uniforms to pages with
    # searchsorted over per-segment cumulative keys (see _segment_keys). Candidates are deduplicated on
    # the int64 key cookie * n_pages + page, keeping the first in stream order, and against the pairs
    # accepted in earlier rounds (a sorted key array); each cookie keeps its first `need` new pages.
    # Cookies that drew too many repeats (heavy users, small clusters) are topped up in the next round
    # with twice the oversampling; after MAX_ROUNDS the rare remaining shortfall is accepted.
    parts_cookie, parts_page, parts_pos = [], [], []
    stream_pos = 0
    chunk_edges = np.searchsorted(
        np.cumsum(n_int), np.arange(CHUNK_ROWS, target_rows, CHUNK_ROWS), side="right"
    )
    for lo, hi in zip(np.r_[0, chunk_edges], np.r_[chunk_edges, n_cookies], strict=True):
        if hi <= lo:
            continue
        need = n_int[lo:hi].copy()
        accepted_keys = np.empty(0, dtype=np.int64)  # sorted
        for round_no in range(MAX_ROUNDS):
            todo = np.flatnonzero(need > 0)
            if todo.size == 0:
                break
            m = np.ceil(need[todo] * 1.5 * 2**round_no).astype(np.int64) + 2
            cand_local = np.repeat(todo, m)
            cand_cookie = lo + cand_local
            n_cand = cand_cookie.size
            comp = r_sample.random(n_cand)
            lay = np.empty(n_cand, dtype=np.int64)
            from_pop = comp < s.p_popular
            from_cluster = ~from_pop & (comp < s.p_popular + s.p_cluster)
            from_unit = ~from_pop & ~from_cluster
            del comp
            lay[from_pop] = _draw(keys_global, np.zeros(int(from_pop.sum()), dtype=np.int64), r_sample)
            cc = cand_cookie[from_cluster]
            slot = fav_start[cc] + (r_sample.random(cc.size) * n_fav[cc]).astype(np.int64)
            lay[from_cluster] = _draw(keys_cluster, fav_cluster[slot], r_sample)
            cu = cand_cookie[from_unit]
            use_second = has_second[cu] & (r_sample.random(cu.size) < s.second_unit_share)
            lay[from_unit] = _draw(keys_unit, np.where(use_second, second[cu], primary[cu]), r_sample)
            del from_pop, from_cluster, from_unit, cc, slot, cu, use_second
            cand_page = layout[np.minimum(lay, n_pages - 1)]
            key = cand_local.astype(np.int64) * n_pages + cand_page
            _, first = np.unique(key, return_index=True)
            first.sort()  # back to stream order, so each cookie keeps its earliest draws
            if accepted_keys.size:
                at = np.minimum(np.searchsorted(accepted_keys, key[first]), accepted_keys.size - 1)
                first = first[accepted_keys[at] != key[first]]
            kept = cand_local[first]
            group_start = np.r_[0, np.flatnonzero(np.diff(kept)) + 1]
            rank = np.arange(kept.size) - np.repeat(group_start, np.diff(np.r_[group_start, kept.size]))
            keep = first[rank < need[kept]]
            parts_cookie.append(cand_cookie[keep].astype(np.int32))
            parts_page.append(cand_page[keep].astype(np.int32))
            parts_pos.append(stream_pos + keep)
            stream_pos += n_cand
            need -= np.bincount(cand_local[keep], minlength=need.size)
            new_keys = np.sort(key[keep])
            accepted_keys = np.insert(accepted_keys, np.searchsorted(accepted_keys, new_keys), new_keys)
        short = int(need.sum())
        _log(
            progress,
            t0,
            f"cookies {hi:,}/{n_cookies:,}: {stream_pos:,} draws" + (f", {short} short" if short else ""),
        )
    row_cookie = np.concatenate(parts_cookie)
    row_page = np.concatenate(parts_page)
    row_pos = np.concatenate(parts_pos)
    del parts_cookie, parts_page, parts_pos

    # A handful of rows whose cookie is the text `None`, on distinct popular-ish pages.
    n_rows = row_cookie.size
    n_none = max(1, round(n_rows * s.none_cookie_rate)) if n_rows > 100 else 0
    n_none = min(n_none, n_pages)
    none_pages = r_none.choice(n_pages, size=n_none, replace=False, p=popularity / popularity.sum())
    row_cookie = np.r_[row_cookie, np.full(n_none, -1, dtype=np.int32)]
    row_page = np.r_[row_page, none_pages]
    row_pos = np.r_[row_pos, stream_pos + np.arange(n_none)]
    n_rows = row_cookie.size

    form_submissions = np.minimum(r_submit.zipf(s.submissions_zipf, size=n_rows), s.max_submissions)
    order = np.lexsort((row_pos, -form_submissions))  # like the export: most submissions first

    # ---- asset type per page ------------------------------------------------------------------------
    # Types are dealt out over the pages' actual row counts, so row shares land near the targets: `None`
    # first, only to pages small enough not to overshoot its share; then the other types by where each
    # page's rows fall on the cumulative target shares (in a random page order).
    row_share = np.bincount(row_page, minlength=n_pages) / n_rows
    page_type = np.full(n_pages, -1, dtype=np.int64)
    shuffled = r_types.permutation(n_pages)
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

    # ---- mapping ------------------------------------------------------------------------------------
    n_extra = round(s.unsubmitted_mapping_ratio * n_pages)
    submitted = np.zeros(n_pages + n_extra, dtype=bool)
    submitted[row_page] = True
    n_mapped = round(s.mapped_share * n_pages)
    w = popularity**s.mapping_popularity_bias
    mapped = np.sort(r_map.choice(n_pages, size=n_mapped, replace=False, p=w / w.sum()))
    extra_unit = r_map.choice(n_units, size=n_extra, p=unit_w)
    map_page = np.r_[mapped, n_pages + np.arange(n_extra)]  # pages n_pages.. are never submitted
    map_unit = np.r_[page_unit[mapped], extra_unit]
    n_double = max(1, round(s.double_mapped_share * map_page.size)) if n_units > 1 else 0
    # About half of the double-mapped pages are submitted pages (so a join counts their rows twice).
    sub_mapped = np.flatnonzero(submitted[map_page])
    n_double_sub = min(sub_mapped.size, (n_double + 1) // 2)
    other_idx = np.setdiff1d(np.arange(map_page.size), sub_mapped)
    double_idx = np.r_[
        r_map.choice(sub_mapped, size=n_double_sub, replace=False),
        r_map.choice(other_idx, size=min(other_idx.size, n_double - n_double_sub), replace=False),
    ].astype(np.int64)
    double_unit = (map_unit[double_idx] + r_map.integers(1, max(2, n_units), size=double_idx.size)) % n_units
    map_page = np.r_[map_page, map_page[double_idx]]
    map_unit = np.r_[map_unit, double_unit]
    map_order = r_map.permutation(map_page.size)
    map_page, map_unit = map_page[map_order], map_unit[map_order]

    # ---- identifiers and frames ---------------------------------------------------------------------
    cookies = _cookies(r_ids, n_cookies, s.leading_zero_share)
    urls = _page_urls(seed, 0, n_pages + n_extra)
    _log(progress, t0, f"{n_rows:,} rows sampled; building frames")
    cookie_cats = np.r_[cookies, np.array([NONE_TEXT], dtype=object)]
    row_cookie = np.where(row_cookie < 0, n_cookies, row_cookie)
    submissions = pd.DataFrame(
        {
            "cookie": pd.Categorical.from_codes(row_cookie[order], categories=cookie_cats),
            "gated_asset_type": pd.Categorical.from_codes(page_type[row_page[order]], categories=ASSET_TYPES),
            "page_url": pd.Categorical.from_codes(row_page[order], categories=urls),
            "form_submissions": form_submissions[order].astype(np.int64),
        },
        index=pd.Index(row_pos[order].astype(np.int64)),
    )
    units = [unit_name(i) for i in range(n_units)]
    bu_mapping = pd.DataFrame(
        {
            "business_unit": pd.Categorical.from_codes(map_unit, categories=units),
            "page_url": pd.Categorical.from_codes(map_page, categories=urls),
        }
    )
    if not return_truth:
        return submissions, bu_mapping
    unit_arr = np.array(units, dtype=object)
    pages_truth = pd.DataFrame(
        {
            "page_url": urls,
            "business_unit": unit_arr[np.r_[page_unit, extra_unit]],  # latent unit, mapped or not
            "cluster": np.r_[page_cluster, np.full(n_extra, -1)],  # -1: mapping-only page
            "popularity": np.r_[popularity, np.zeros(n_extra)],
            "submitted": submitted,
            "mapped": np.isin(np.arange(n_pages + n_extra), map_page),
        }
    )
    cookies_truth = pd.DataFrame(
        {
            "cookie": cookies,
            "primary_unit": unit_arr[primary],
            "second_unit": np.where(has_second, unit_arr[second], None),
        }
    )
    return submissions, bu_mapping, {"pages": pages_truth, "cookies": cookies_truth}


def _output_names(out: Path, fmt: str, submissions_name: str | None, bu_mapping_name: str | None):
    if out.resolve() == SAMPLE_DIR.resolve():
        default_sub, default_map = Path(SAMPLE_SUBMISSIONS).stem, Path(SAMPLE_BU_MAPPING).stem
    else:
        default_sub, default_map = "submissions", "bu_mapping"
    return (
        out / (submissions_name or f"{default_sub}.{fmt}"),
        out / (bu_mapping_name or f"{default_map}.{fmt}"),
    )


def _write_frame(df: pd.DataFrame, path: Path, header: str, fmt: str, con) -> None:
    """Write `df` (unnamed integer index + columns) as the export does, through DuckDB.

    DuckDB has no empty column names, so for CSV the header line is written here and DuckDB writes the
    body (unquoted: no value contains a comma or a quote; no NULLs, so no empty cells) to a temporary file
    that is appended. Parquet gets the index as column `column0`.
    """
    flat = pd.DataFrame({PARQUET_INDEX_COLUMN: df.index.to_numpy(np.int64)})
    for col in df.columns:
        flat[col] = df[col].array
    con.register("synth_frame", flat)
    try:
        # Categoricals arrive as ENUMs; cast so the Parquet schema is plain VARCHAR / BIGINT.
        cols = ", ".join(
            f'"{c}"::VARCHAR AS "{c}"' if isinstance(flat[c].dtype, pd.CategoricalDtype) else f'"{c}"'
            for c in flat.columns
        )
        query = f"SELECT {cols} FROM synth_frame"
        sql_path = str(path).replace("'", "''")
        path.parent.mkdir(parents=True, exist_ok=True)
        if fmt == "parquet":
            con.execute(f"COPY ({query}) TO '{sql_path}' (FORMAT parquet)")
            return
        fd, body = tempfile.mkstemp(prefix=path.name + ".", suffix=".body", dir=path.parent)
        os.close(fd)
        sql_body = body.replace("'", "''")
        try:
            con.execute(
                f"COPY ({query}) TO '{sql_body}' (FORMAT csv, HEADER false, DELIMITER ',', NEW_LINE '\\n')"
            )
            with open(path, "wb") as dst, open(body, "rb") as src:
                dst.write((header + "\n").encode())
                while chunk := src.read(1 << 24):
                    dst.write(chunk)
        finally:
            os.unlink(body)
    finally:
        con.unregister("synth_frame")


def write(
    submissions: pd.DataFrame,
    bu_mapping: pd.DataFrame,
    out: str | os.PathLike = SAMPLE_DIR,
    fmt: str = "csv",
    submissions_name: str | None = None,
    bu_mapping_name: str | None = None,
    progress: bool = False,
    t0: float | None = None,
) -> tuple[Path, Path]:
    """Write both frames to `out`; returns (submissions_path, bu_mapping_path).

    File names: `sample_submissions.csv` / `sample_bu_mapping.csv` in the repo's seeds/sample/, else
    `submissions.<fmt>` / `bu_mapping.<fmt>`, unless given.
    """
    if fmt not in ("csv", "parquet"):
        raise ValueError(f"format must be csv or parquet, not {fmt!r}")
    out = Path(out)
    sub_path, map_path = _output_names(out, fmt, submissions_name, bu_mapping_name)
    t0 = time.perf_counter() if t0 is None else t0
    with duckdb.connect() as con:
        con.execute("SET preserve_insertion_order = true")
        con.execute("SET enable_progress_bar = false")
        _write_frame(submissions, sub_path, SUBMISSIONS_HEADER, fmt, con)
        _log(progress, t0, f"wrote {sub_path} ({len(submissions):,} rows)")
        _write_frame(bu_mapping, map_path, BU_MAPPING_HEADER, fmt, con)
        _log(progress, t0, f"wrote {map_path} ({len(bu_mapping):,} rows)")
    return sub_path, map_path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m assetrec.synth",
        description="Write a synthetic clickstream (submissions + business-unit mapping) in the real "
        "export's format. Defaults regenerate the bundled sample in seeds/sample/.",
    )
    parser.add_argument("--cookies", type=int, default=DEFAULT_COOKIES, help="distinct cookies (%(default)s)")
    parser.add_argument("--pages", type=int, default=DEFAULT_PAGES, help="submittable pages (%(default)s)")
    parser.add_argument(
        "--business-units", type=int, default=DEFAULT_BUSINESS_UNITS, help="units a, b, ... (%(default)s)"
    )
    parser.add_argument(
        "--density", type=float, default=DEFAULT_DENSITY, help="mean pages per cookie (%(default)s)"
    )
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="random seed (%(default)s)")
    parser.add_argument("--out", default=str(SAMPLE_DIR), help="output directory (the repo's seeds/sample/)")
    parser.add_argument("--format", choices=("csv", "parquet"), default="csv")
    parser.add_argument("--submissions-name", help="file name (sample_submissions.csv / submissions.<fmt>)")
    parser.add_argument("--bu-mapping-name", help="file name (sample_bu_mapping.csv / bu_mapping.<fmt>)")
    parser.add_argument("--quiet", action="store_true", help="no progress on stderr")
    args = parser.parse_args(argv)
    progress = False if args.quiet else None  # None: progress lines for large outputs only
    t0 = time.perf_counter()
    try:
        submissions, bu_mapping = generate(
            args.cookies, args.pages, args.business_units, args.density, args.seed, progress=progress
        )
    except ValueError as exc:
        parser.error(str(exc))
    big = progress is None and len(submissions) >= PROGRESS_ROWS
    sub_path, map_path = write(
        submissions, bu_mapping, args.out, args.format, args.submissions_name, args.bu_mapping_name, big, t0
    )
    if not args.quiet:
        print(
            f"wrote {len(submissions):,} submissions to {sub_path} and {len(bu_mapping):,} mapping rows to "
            f"{map_path} in {time.perf_counter() - t0:.1f}s",
            file=sys.stderr,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
