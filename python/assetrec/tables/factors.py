"""The ALS fit of the build (int_als_factors) and the pages most like each page by it (similar_pages)."""

from __future__ import annotations

import logging

import duckdb
import numpy as np
import pandas as pd

from assetrec import registry
from assetrec.interactions import Interactions
from assetrec.models import AlternatingLeastSquares
from assetrec.parallel import map_chunks
from assetrec.tables.io import read_frame, show_progress, text_column

__all__ = ["als_factors", "factor_matrix", "similar_pages"]

log = logging.getLogger("assetrec.tables")
# Up to this many interactions the loss is logged after every iteration (it costs about one more pass).
LOSS_EVERY_ITERATION_MAX_NNZ = 1_000_000
# Cells of one dense block of page-page cosines (one block per thread).
SIMILARITY_BLOCK_CELLS = 1 << 22


def als_factors(interactions: duckdb.DuckDBPyRelation | Interactions, settings) -> pd.DataFrame:
    """The ALS fit on all interactions, long: `entity` ('cookie' | 'page'), `id`, `factors`."""
    data = Interactions.load(interactions)
    # The ALS view of the warehouse uses the vars' settings on the strengths as they are (no transform).
    model = registry.build("als", settings).model
    show_progress()
    model.calculate_training_loss = data.matrix.nnz <= LOSS_EVERY_ITERATION_MAX_NNZ
    model.fit(data.matrix)
    if not model.calculate_training_loss:
        log.info("ALS final training loss %.6g", model.loss(data.matrix))
    return pd.concat(
        [
            pd.DataFrame(
                {
                    "entity": "cookie",
                    "id": text_column(data.cookies),
                    "factors": list(model.user_factors.astype(float)),
                }
            ),
            pd.DataFrame(
                {
                    "entity": "page",
                    "id": text_column(data.pages),
                    "factors": list(model.item_factors.astype(float)),
                }
            ),
        ],
        ignore_index=True,
    )


def factor_matrix(
    factors: duckdb.DuckDBPyRelation, entity: str, ids: np.ndarray, dtype=np.float32
) -> np.ndarray:
    """The factor vectors of int_als_factors for `entity` ('cookie' or 'page'), one row per id of `ids`."""
    table = read_frame(factors, "id, factors", f"entity = '{entity}'")
    position = pd.Index(table["id"].to_numpy(dtype=object).astype(str)).get_indexer(ids.astype(str))
    if (position < 0).any():
        missing = sorted(ids[position < 0])
        raise ValueError(
            f"int_als_factors has no {entity} factors for {len(missing)} id(s), e.g. {missing[0]}"
        )
    vectors = table["factors"].to_numpy(dtype=object)
    return np.stack([np.asarray(vectors[i], dtype=dtype) for i in position])


def similar_pages(factors: duckdb.DuckDBPyRelation, top_k: int) -> pd.DataFrame:
    """For each page, the top_k other pages by cosine of ALS page factors (ties: page order)."""
    pages = np.sort(read_frame(factors, "id", "entity = 'page'")["id"].to_numpy(dtype=object))
    if len(pages) == 0:
        empty = {"page_url": "str", "rank": np.int64, "similar_page_url": "str", "score": np.float64}
        return pd.DataFrame({name: pd.Series(dtype=kind) for name, kind in empty.items()}).assign(model="als")
    vectors = factor_matrix(factors, "page", pages, dtype=np.float64)
    model = AlternatingLeastSquares(factors=vectors.shape[1], dtype=np.float64)
    model.item_factors, model.user_factors = vectors, np.zeros((0, vectors.shape[1]))
    parts = map_chunks(
        len(pages),
        lambda batch: model.similar_items(batch, N=top_k),
        chunk=max(1, SIMILARITY_BLOCK_CELLS // len(pages)),
    )
    top = np.concatenate([p[0] for p in parts])
    scores = np.concatenate([p[1] for p in parts])
    keep = top >= 0
    rows, ranks = np.nonzero(keep)
    return pd.DataFrame(
        {
            "page_url": text_column(pages[rows]),
            "rank": ranks.astype(np.int64) + 1,
            "similar_page_url": text_column(pages[top[keep]]),
            "score": scores[keep].astype(np.float64),
            "model": "als",
        }
    )
