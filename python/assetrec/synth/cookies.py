"""Cookies and their preferences: how many pages each submits, its units of interest, its favourite clusters."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from assetrec.synth.sampling import draw
from assetrec.synth.structure import Catalogue, Structure


@dataclass(frozen=True)
class Preferences:
    """Per cookie (index 0..n_cookies-1); its favourite clusters are the slots fav_start .. + n_fav."""

    interactions: np.ndarray  # distinct pages to draw for the cookie
    primary: np.ndarray  # unit of interest
    second: np.ndarray  # second unit of interest, meaningful where has_second
    has_second: np.ndarray
    n_fav: np.ndarray
    fav_start: np.ndarray
    fav_cluster: np.ndarray  # one cluster per slot

    @property
    def n_cookies(self) -> int:
        return self.interactions.size


def pages_per_cookie(n_cookies: int, density: float, s: Structure, rng: np.random.Generator) -> np.ndarray:
    """Distinct pages each cookie submits (>= 1, mean about `density`), by `s.activity`."""
    if density <= 1:
        return np.ones(n_cookies, dtype=np.int64)
    if s.activity == "lognormal":
        # mean of exp(N(mu, sigma^2)) is exp(mu + sigma^2 / 2) = density
        mu = np.log(density) - s.activity_sigma**2 / 2
        return np.maximum(1, np.rint(rng.lognormal(mu, s.activity_sigma, size=n_cookies))).astype(np.int64)
    if s.activity != "negative_binomial":
        raise ValueError(f"activity must be negative_binomial or lognormal, not {s.activity!r}")
    r, mean_extra = s.interactions_dispersion, density - 1.0
    return 1 + rng.negative_binomial(r, r / (r + mean_extra), size=n_cookies).astype(np.int64)


def draw_preferences(
    n_cookies: int, density: float, catalogue: Catalogue, s: Structure, rng: np.random.Generator
) -> Preferences:
    n_pages, n_units = catalogue.n_pages, catalogue.n_units
    n_int = np.minimum(pages_per_cookie(n_cookies, density, s, rng), max(1, n_pages // 4))  # never most pages
    unit_p = catalogue.unit_mass / catalogue.unit_mass.sum()
    primary = rng.choice(n_units, size=n_cookies, p=unit_p)
    if n_units > 1:
        second = (primary + rng.integers(1, n_units, size=n_cookies)) % n_units
        has_second = rng.random(n_cookies) < s.p_second_unit
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
    extra_second = (slot_idx >= 2) & (rng.random(slot_cookie.size) < s.second_unit_share)
    slot_second = has_second[slot_cookie] & ((slot_idx == 1) | extra_second)
    slot_unit = np.where(slot_second, second[slot_cookie], primary[slot_cookie])
    fav_cluster = draw(catalogue.keys_unit_cluster, slot_unit, rng)
    return Preferences(n_int, primary, second, has_second, n_fav, fav_start, fav_cluster)
