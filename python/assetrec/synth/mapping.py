"""The page -> business-unit mapping: part of the catalogue, many pages nobody submitted, a few mapped twice."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from assetrec.synth.structure import Catalogue, Structure


@dataclass(frozen=True)
class Mapping:
    """Mapping rows (page, unit) in file order; pages n_pages.. are mapping-only (never submitted)."""

    page: np.ndarray
    unit: np.ndarray
    extra_unit: np.ndarray  # latent unit of each mapping-only page
    submitted: np.ndarray  # per page, mapping-only pages included

    @property
    def n_extra(self) -> int:
        return self.extra_unit.size


def draw_mapping(
    catalogue: Catalogue, row_page: np.ndarray, s: Structure, rng: np.random.Generator
) -> Mapping:
    n_pages, n_units = catalogue.n_pages, catalogue.n_units
    n_extra = round(s.unsubmitted_mapping_ratio * n_pages)
    submitted = np.zeros(n_pages + n_extra, dtype=bool)
    submitted[row_page] = True
    n_mapped = round(s.mapped_share * n_pages)
    w = catalogue.popularity**s.mapping_popularity_bias
    mapped = np.sort(rng.choice(n_pages, size=n_mapped, replace=False, p=w / w.sum()))
    extra_unit = rng.choice(n_units, size=n_extra, p=catalogue.unit_weight)
    map_page = np.r_[mapped, n_pages + np.arange(n_extra)]
    map_unit = np.r_[catalogue.page_unit[mapped], extra_unit]
    n_double = max(1, round(s.double_mapped_share * map_page.size)) if n_units > 1 else 0
    # About half of the double-mapped pages are submitted pages (so a join counts their rows twice).
    sub_mapped = np.flatnonzero(submitted[map_page])
    n_double_sub = min(sub_mapped.size, (n_double + 1) // 2)
    other_idx = np.setdiff1d(np.arange(map_page.size), sub_mapped)
    double_idx = np.r_[
        rng.choice(sub_mapped, size=n_double_sub, replace=False),
        rng.choice(other_idx, size=min(other_idx.size, n_double - n_double_sub), replace=False),
    ].astype(np.int64)
    double_unit = (map_unit[double_idx] + rng.integers(1, max(2, n_units), size=double_idx.size)) % n_units
    map_page = np.r_[map_page, map_page[double_idx]]
    map_unit = np.r_[map_unit, double_unit]
    map_order = rng.permutation(map_page.size)
    return Mapping(map_page[map_order], map_unit[map_order], extra_unit, submitted)
