"""The knobs of the generator and the page catalogue: every page's latent unit, popularity and cluster."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from assetrec.synth.sampling import segment_keys


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
    # Pages per cookie: "negative_binomial" (1 + NB(interactions_dispersion), the real export's shape) or
    # "lognormal" (heavy tail of crawlers and shared machines; at a mean of 20, sigma 0.93 puts the 99th
    # percentile near 113 pages and the busiest of 250k cookies near 1,000).
    activity: str = "negative_binomial"
    activity_sigma: float = 0.93
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


@dataclass(frozen=True)
class Catalogue:
    """The submittable pages 0..n_pages-1 and their latent structure.

    For sampling, pages are laid out sorted by unit (random order inside) and cut into clusters of
    `cluster_size`: `layout[j]` is the page at layout position j, and the sampling keys (see
    sampling.segment_keys) map uniforms to layout positions -- over all pages by popularity (`keys_global`),
    inside a unit by popularity (`keys_unit`), inside a cluster by flattened popularity (`keys_cluster`),
    and to a cluster of a unit by the cluster's popularity (`keys_unit_cluster`).
    """

    n_units: int
    unit_weight: np.ndarray  # expected share of pages per unit
    page_unit: np.ndarray
    popularity: np.ndarray
    page_cluster: np.ndarray
    unit_mass: np.ndarray  # total popularity per unit
    layout: np.ndarray
    keys_global: np.ndarray
    keys_unit: np.ndarray
    keys_cluster: np.ndarray
    keys_unit_cluster: np.ndarray

    @property
    def n_pages(self) -> int:
        return self.page_unit.size


def draw_catalogue(n_pages: int, n_units: int, s: Structure, rng: np.random.Generator) -> Catalogue:
    """Every page's unit (each unit has at least one page), Zipf popularity (random ranks) and cluster."""
    unit_w = (np.arange(n_units) + 1.0) ** -s.unit_zipf
    unit_w /= unit_w.sum()
    page_unit = rng.choice(n_units, size=n_pages, p=unit_w)
    page_unit[: min(n_units, n_pages)] = np.arange(min(n_units, n_pages))  # every unit has a page
    page_unit = rng.permutation(page_unit)
    popularity = (rng.permutation(n_pages) + 1.0) ** -s.page_zipf
    layout = np.lexsort((rng.random(n_pages), page_unit))
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
    return Catalogue(
        n_units=n_units,
        unit_weight=unit_w,
        page_unit=page_unit,
        popularity=popularity,
        page_cluster=page_cluster,
        unit_mass=np.bincount(lay_unit, weights=lay_pop, minlength=n_units),
        layout=layout,
        keys_global=segment_keys(np.zeros(n_pages, dtype=np.int64), lay_pop),
        keys_unit=segment_keys(lay_unit, lay_pop),
        keys_cluster=segment_keys(lay_cluster, lay_pop**s.cluster_flatten),
        keys_unit_cluster=segment_keys(cluster_unit, cluster_mass),  # clusters are laid out by unit too
    )
