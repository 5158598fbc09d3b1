"""Synthetic clickstream generator: form submissions and a page -> business-unit mapping.

`python -m assetrec.synth` writes the bundled sample (`seeds/sample/sample_submissions.csv` and
`seeds/sample/sample_bu_mapping.csv`); with `--cookies/--pages/--density` it writes benchmark-sized data
(millions of rows) in the same format. Output is byte-for-byte deterministic for a given `--seed`.

The files mirror the real export's format exactly:

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

The steps, one module each, in the order `generator.generate` runs them:

    structure     the knobs (Structure) and the page catalogue with its latent units, popularity, clusters
    cookies       each cookie's number of interactions, units of interest and favourite clusters
    interactions  the (cookie, page) draws from the mixture, without duplicate pairs
    quirks        what makes it look like the export: `None` cookies, counts, asset types, identifiers
    mapping       the page -> business-unit mapping
    output        file names and the export's file format (CSV or Parquet, through DuckDB)
"""

from assetrec.synth.cli import main
from assetrec.synth.generator import (
    DEFAULT_BUSINESS_UNITS,
    DEFAULT_COOKIES,
    DEFAULT_DENSITY,
    DEFAULT_PAGES,
    DEFAULT_SEED,
    generate,
)
from assetrec.synth.output import (
    BU_MAPPING_COLUMNS,
    BU_MAPPING_HEADER,
    PARQUET_INDEX_COLUMN,
    SAMPLE_BU_MAPPING,
    SAMPLE_DIR,
    SAMPLE_SUBMISSIONS,
    SUBMISSION_COLUMNS,
    SUBMISSIONS_HEADER,
    write,
)
from assetrec.synth.quirks import (
    ASSET_TYPE_ROW_SHARES,
    ASSET_TYPES,
    NAMED_ASSET_TYPES,
    NONE_TEXT,
    UNSPECIFIED,
)
from assetrec.synth.structure import Structure, unit_name

__all__ = [
    "ASSET_TYPES",
    "ASSET_TYPE_ROW_SHARES",
    "BU_MAPPING_COLUMNS",
    "BU_MAPPING_HEADER",
    "DEFAULT_BUSINESS_UNITS",
    "DEFAULT_COOKIES",
    "DEFAULT_DENSITY",
    "DEFAULT_PAGES",
    "DEFAULT_SEED",
    "NAMED_ASSET_TYPES",
    "NONE_TEXT",
    "PARQUET_INDEX_COLUMN",
    "SAMPLE_BU_MAPPING",
    "SAMPLE_DIR",
    "SAMPLE_SUBMISSIONS",
    "SUBMISSIONS_HEADER",
    "SUBMISSION_COLUMNS",
    "UNSPECIFIED",
    "Structure",
    "generate",
    "main",
    "unit_name",
    "write",
]
