"""`generate`: the steps of the generator in order, and the frames they make (see the package docstring)."""

from __future__ import annotations

import time
from functools import partial

import numpy as np
import pandas as pd

from assetrec.synth.cookies import Preferences, draw_preferences
from assetrec.synth.interactions import Rows, draw_interactions
from assetrec.synth.mapping import Mapping, draw_mapping
from assetrec.synth.progress import PROGRESS_ROWS, log
from assetrec.synth.quirks import (
    ASSET_TYPES,
    NONE_TEXT,
    asset_types,
    cookie_ids,
    form_submissions,
    page_urls,
    with_none_cookies,
)
from assetrec.synth.structure import Catalogue, Structure, draw_catalogue, unit_name

DEFAULT_COOKIES = 1000
DEFAULT_PAGES = 400
DEFAULT_BUSINESS_UNITS = 8
DEFAULT_DENSITY = 4.0
DEFAULT_SEED = 42


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
    say = partial(log, progress, t0)
    # One independent stream per step: changing how one step draws leaves the others' draws alone.
    rngs = [np.random.default_rng(child) for child in np.random.SeedSequence(seed).spawn(8)]
    r_pages, r_cookies, r_sample, r_submit, r_types, r_map, r_ids, r_none = rngs

    catalogue = draw_catalogue(n_pages, n_business_units, s, r_pages)
    prefs = draw_preferences(n_cookies, density, catalogue, s, r_cookies)
    target_rows = int(prefs.interactions.sum())
    say(f"{n_cookies:,} cookies, {n_pages:,} pages, {n_business_units} units, ~{target_rows:,} rows")
    rows = with_none_cookies(
        draw_interactions(catalogue, prefs, s, r_sample, say), catalogue.popularity, s, r_none
    )
    submissions_count = form_submissions(rows.size, s, r_submit)
    page_type = asset_types(rows.page, n_pages, r_types)
    mapping = draw_mapping(catalogue, rows.page, s, r_map)
    cookies = cookie_ids(r_ids, n_cookies, s.leading_zero_share)
    urls = page_urls(seed, 0, n_pages + mapping.n_extra)
    say(f"{rows.size:,} rows sampled; building frames")

    units = [unit_name(i) for i in range(n_business_units)]
    submissions = _submissions_frame(rows, submissions_count, page_type, cookies, urls)
    bu_mapping = pd.DataFrame(
        {
            "business_unit": pd.Categorical.from_codes(mapping.unit, categories=units),
            "page_url": pd.Categorical.from_codes(mapping.page, categories=urls),
        }
    )
    if not return_truth:
        return submissions, bu_mapping
    return submissions, bu_mapping, _truth(catalogue, prefs, mapping, cookies, urls, units)


def _submissions_frame(
    rows: Rows, submissions: np.ndarray, page_type: np.ndarray, cookies: np.ndarray, urls: np.ndarray
) -> pd.DataFrame:
    order = np.lexsort((rows.position, -submissions))  # like the export: most submissions first
    cookie_cats = np.r_[cookies, np.array([NONE_TEXT], dtype=object)]
    row_cookie = np.where(rows.cookie < 0, cookies.size, rows.cookie)
    return pd.DataFrame(
        {
            "cookie": pd.Categorical.from_codes(row_cookie[order], categories=cookie_cats),
            "gated_asset_type": pd.Categorical.from_codes(
                page_type[rows.page[order]], categories=ASSET_TYPES
            ),
            "page_url": pd.Categorical.from_codes(rows.page[order], categories=urls),
            "form_submissions": submissions[order].astype(np.int64),
        },
        index=pd.Index(rows.position[order].astype(np.int64)),
    )


def _truth(
    catalogue: Catalogue,
    prefs: Preferences,
    mapping: Mapping,
    cookies: np.ndarray,
    urls: np.ndarray,
    units: list[str],
) -> dict[str, pd.DataFrame]:
    """The planted structure, for tests: every page's latent unit and cluster, every cookie's units."""
    n_pages, n_extra = catalogue.n_pages, mapping.n_extra
    unit_arr = np.array(units, dtype=object)
    pages_truth = pd.DataFrame(
        {
            "page_url": urls,
            "business_unit": unit_arr[
                np.r_[catalogue.page_unit, mapping.extra_unit]
            ],  # latent unit, mapped or not
            "cluster": np.r_[catalogue.page_cluster, np.full(n_extra, -1)],  # -1: mapping-only page
            "popularity": np.r_[catalogue.popularity, np.zeros(n_extra)],
            "submitted": mapping.submitted,
            "mapped": np.isin(np.arange(n_pages + n_extra), mapping.page),
        }
    )
    cookies_truth = pd.DataFrame(
        {
            "cookie": cookies,
            "primary_unit": unit_arr[prefs.primary],
            "second_unit": np.where(prefs.has_second, unit_arr[prefs.second], None),
        }
    )
    return {"pages": pages_truth, "cookies": cookies_truth}
