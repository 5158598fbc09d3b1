"""Drawing the interactions: distinct (cookie, page) pairs from each cookie's mixture of interests.

Cookies are processed in contiguous chunks of about CHUNK_ROWS target rows (memory stays bounded by the
chunk, whatever the output size). Within a chunk, each round draws `need * 1.5 * 2**round + 2` candidates
per cookie that still needs pages (all of them in round one) in one vectorised pass: repeat the cookie ids,
pick a mixture component per candidate, and map uniforms to pages with searchsorted over per-segment
cumulative keys (see sampling.segment_keys). Candidates are deduplicated on the int64 key
cookie * n_pages + page, keeping the first in stream order, and against the pairs accepted in earlier
rounds (a sorted key array); each cookie keeps its first `need` new pages. Cookies that drew too many
repeats (heavy users, small clusters) are topped up in the next round with twice the oversampling; after
MAX_ROUNDS the rare remaining shortfall is accepted.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from assetrec.synth.cookies import Preferences
from assetrec.synth.sampling import draw
from assetrec.synth.structure import Catalogue, Structure

CHUNK_ROWS = 1_000_000  # cookies are sampled in chunks of about this many rows (bounds memory)
MAX_ROUNDS = 8  # top-up rounds per chunk against duplicate (cookie, page) draws


@dataclass(frozen=True)
class Rows:
    """Drawn rows: cookie (-1 for the text `None`), page, and position in the stream of candidate draws."""

    cookie: np.ndarray
    page: np.ndarray
    position: np.ndarray
    draws: int  # candidates drawn in all: the next free stream position

    @property
    def size(self) -> int:
        return self.cookie.size


def draw_interactions(
    catalogue: Catalogue,
    prefs: Preferences,
    s: Structure,
    rng: np.random.Generator,
    log: Callable[[str], None],
) -> Rows:
    n_cookies, n_int = prefs.n_cookies, prefs.interactions
    target_rows = int(n_int.sum())
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
            cand_page = _candidate_pages(cand_cookie, catalogue, prefs, s, rng)
            key = cand_local.astype(np.int64) * catalogue.n_pages + cand_page
            keep = _first_new(key, cand_local, need, accepted_keys)
            parts_cookie.append(cand_cookie[keep].astype(np.int32))
            parts_page.append(cand_page[keep].astype(np.int32))
            parts_pos.append(stream_pos + keep)
            stream_pos += cand_cookie.size
            need -= np.bincount(cand_local[keep], minlength=need.size)
            new_keys = np.sort(key[keep])
            accepted_keys = np.insert(accepted_keys, np.searchsorted(accepted_keys, new_keys), new_keys)
        short = int(need.sum())
        log(f"cookies {hi:,}/{n_cookies:,}: {stream_pos:,} draws" + (f", {short} short" if short else ""))
    return Rows(
        np.concatenate(parts_cookie), np.concatenate(parts_page), np.concatenate(parts_pos), stream_pos
    )


def _candidate_pages(
    cand_cookie: np.ndarray, catalogue: Catalogue, prefs: Preferences, s: Structure, rng: np.random.Generator
) -> np.ndarray:
    """One page per candidate, from the mixture: global popularity, a favourite cluster, or a unit."""
    n_cand = cand_cookie.size
    comp = rng.random(n_cand)
    lay = np.empty(n_cand, dtype=np.int64)
    from_pop = comp < s.p_popular
    from_cluster = ~from_pop & (comp < s.p_popular + s.p_cluster)
    from_unit = ~from_pop & ~from_cluster
    del comp
    lay[from_pop] = draw(catalogue.keys_global, np.zeros(int(from_pop.sum()), dtype=np.int64), rng)
    cc = cand_cookie[from_cluster]
    slot = prefs.fav_start[cc] + (rng.random(cc.size) * prefs.n_fav[cc]).astype(np.int64)
    lay[from_cluster] = draw(catalogue.keys_cluster, prefs.fav_cluster[slot], rng)
    cu = cand_cookie[from_unit]
    use_second = prefs.has_second[cu] & (rng.random(cu.size) < s.second_unit_share)
    lay[from_unit] = draw(catalogue.keys_unit, np.where(use_second, prefs.second[cu], prefs.primary[cu]), rng)
    return catalogue.layout[np.minimum(lay, catalogue.n_pages - 1)]


def _first_new(
    key: np.ndarray, cand_local: np.ndarray, need: np.ndarray, accepted_keys: np.ndarray
) -> np.ndarray:
    """Positions of the candidates to keep: each cookie's first `need` pairs not drawn or accepted before."""
    _, first = np.unique(key, return_index=True)
    first.sort()  # back to stream order, so each cookie keeps its earliest draws
    if accepted_keys.size:
        at = np.minimum(np.searchsorted(accepted_keys, key[first]), accepted_keys.size - 1)
        first = first[accepted_keys[at] != key[first]]
    kept = cand_local[first]
    group_start = np.r_[0, np.flatnonzero(np.diff(kept)) + 1]
    rank = np.arange(kept.size) - np.repeat(group_start, np.diff(np.r_[group_start, kept.size]))
    return first[rank < need[kept]]
