"""What the dbt Python models call: one function per warehouse table, DataFrames in and out.

The dbt models in `models/ml/` only read their refs, call one function here and return its DataFrame,
so everything below can be tested without dbt. Ids are the warehouse's text ids (`cookie`,
`page_url`); matrix rows and columns follow their sorted order, so results do not depend on the order
in which DuckDB returns rows.

Inputs are pandas DataFrames (tests, small data) or the DuckDB relations that `dbt.ref()` returns. With a
relation nothing big crosses into pandas: DuckDB encodes cookies and pages as sorted integer indices and
only numeric arrays and the distinct ids are fetched (5M interactions: ~2 s instead of ~20 s for
`.df()` + `Interactions.from_frame`), and co-occurrence pairs are read only when that model is chosen.

Cost bounds for large exports (dbt vars, see Settings): the held-out evaluation runs on a deterministic
sample of at most `eval_max_cookies` cookies (models are fitted on the sample's training interactions), and
EASE models only the `ease_max_pages` most popular pages. Recommendations are scored in chunks of users on
two threads (no users x pages matrix is ever built).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import time
import uuid
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, fields

import duckdb
import numpy as np
import pandas as pd
import scipy.sparse as sp
from threadpoolctl import threadpool_limits

from assetrec.als import AlternatingLeastSquares
from assetrec.baselines import EASE, SIMILARITIES, CooccurrenceRecommender, MostPopular
from assetrec.evaluate import evaluate_models, sample_user_rows
from assetrec.topn import topn_dense

log = logging.getLogger("assetrec.pipeline")
LOSS_EVERY_ITERATION_MAX_NNZ = 1_000_000


def show_progress() -> None:
    """Print assetrec's INFO logs (ALS iterations, losses) to stderr, once, so `dbt build` shows them."""
    root = logging.getLogger("assetrec")
    if not root.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s  %(name)s: %(message)s", "%H:%M:%S"))
        root.addHandler(handler)
        root.setLevel(logging.INFO)
        root.propagate = False  # dbt's own root handler would print every line twice


# The notebook's ALS: implicit with factors=20, regularization=0.1, iterations=50 on strengths x 15.
# With our confidence 1 + alpha * r this is alpha = 15 (see assetrec.als for the exact mapping).
PROTOTYPE_ALS = {"factors": 20, "regularization": 0.1, "alpha": 15.0, "iterations": 50}
MODELS = ("most_popular", "cooccurrence", "als_prototype", "als", "ease")
CANDIDATE_PAGES = ("all", "mapped")
SELECTION = {"split": "leave_one_out", "metric": "ndcg", "k": 10}
# Users scored per chunk when recommending for every cookie (one dense chunk x pages block per thread).
SCORE_CHUNK_USERS = 2048

Source = pd.DataFrame | duckdb.DuckDBPyRelation


@dataclass(frozen=True)
class Settings:
    """Model settings; defaults are the best of `python -m assetrec.tune` (see BENCHMARKS.md)."""

    als_factors: int = 32
    als_regularization: float = 100.0
    als_alpha: float = 15.0
    als_iterations: int = 15
    als_seed: int = 42
    ease_l2: float = 50.0
    cooccurrence_measure: str = "jaccard"
    # As in the warehouse's page_cooccurrence, which the deployed co-occurrence model reads.
    min_cooccurrence: int = 1
    max_pages_per_cookie: int | None = None  # None = no cap
    top_k: int = 10
    candidate_pages: str = "all"
    recommender: str = "best"
    eval_seed: int = 7
    max_eval_users: int = 50_000
    # Held-out evaluation on a deterministic sample of at most this many cookies (0 = every cookie).
    eval_max_cookies: int = 25_000
    # EASE models only this many most popular pages (0 = every page; the solve is cubic in pages).
    ease_max_pages: int = 5_000

    @classmethod
    def from_config(cls, config: Mapping[str, object]) -> Settings:
        """Settings from the dbt config `assetrec_settings` (values may arrive as strings); keys that are
        absent, empty, `None` or `null` keep the default (null for max_pages_per_cookie); other keys
        (run_id, started_at) are ignored."""
        values = {}
        for field in fields(cls):
            raw = config.get(field.name)
            if raw is None or str(raw).strip().lower() in ("", "none", "null"):
                continue
            # The one optional setting, max_pages_per_cookie, is an int.
            kind = int if field.default is None else type(field.default)
            try:
                if kind is int:
                    number = float(raw)
                    if not number.is_integer():  # as the SQL's cooccurrence_int_var: no silent rounding
                        raise ValueError(raw)
                    values[field.name] = int(number)
                else:
                    values[field.name] = kind(raw)
            except ValueError as exc:
                raise ValueError(f"dbt var {field.name}={raw!r} is not a valid {kind.__name__}") from exc
        settings = cls(**values)
        settings.validate()
        return settings

    def validate(self) -> None:
        if self.candidate_pages not in CANDIDATE_PAGES:
            raise ValueError(
                f"var candidate_pages must be one of {CANDIDATE_PAGES}, got {self.candidate_pages!r}"
            )
        if self.recommender not in ("best", *MODELS):
            raise ValueError(f"var recommender must be 'best' or one of {MODELS}, got {self.recommender!r}")
        if self.cooccurrence_measure not in SIMILARITIES:
            raise ValueError(
                f"var cooccurrence_measure must be one of {SIMILARITIES}, got {self.cooccurrence_measure!r}"
            )
        if self.top_k < 1:
            raise ValueError(f"var top_k must be >= 1, got {self.top_k}")
        if self.min_cooccurrence < 1:
            raise ValueError(f"var min_cooccurrence must be >= 1, got {self.min_cooccurrence}")
        # >= 2 as the SQL requires: a cap of 1 would leave no pairs at all.
        if self.max_pages_per_cookie is not None and self.max_pages_per_cookie < 2:
            raise ValueError(
                f"var max_pages_per_cookie must be null (no cap) or >= 2, got {self.max_pages_per_cookie}"
            )
        for name in ("eval_max_cookies", "ease_max_pages"):
            if getattr(self, name) < 0:
                raise ValueError(f"var {name} must be >= 0 (0 = no bound), got {getattr(self, name)}")

    def als_params(self) -> dict:
        return {
            "factors": self.als_factors,
            "regularization": self.als_regularization,
            "alpha": self.als_alpha,
            "iterations": self.als_iterations,
        }


@dataclass
class Interactions:
    """A cookies x pages matrix of event strengths with the ids of its rows and columns."""

    matrix: sp.csr_matrix
    cookies: np.ndarray
    pages: np.ndarray

    @classmethod
    def from_frame(cls, df: pd.DataFrame, pages: np.ndarray | None = None) -> Interactions:
        """From `cookie, page_url, event_strength` rows; `pages` fixes the column order (default: sorted)."""
        cookies, rows = np.unique(df["cookie"].to_numpy(dtype=object).astype(str), return_inverse=True)
        page_ids = df["page_url"].to_numpy(dtype=object).astype(str)
        if pages is None:
            pages, cols = np.unique(page_ids, return_inverse=True)
        else:
            order = np.argsort(pages)
            cols = order[np.searchsorted(pages, page_ids, sorter=order)]
        values = df["event_strength"].to_numpy(dtype=np.float64)
        matrix = sp.csr_matrix((values, (rows, cols)), shape=(len(cookies), len(pages)))
        matrix.sum_duplicates()
        return cls(matrix=matrix, cookies=cookies, pages=np.asarray(pages))

    @classmethod
    def from_relation(cls, relation: duckdb.DuckDBPyRelation) -> Interactions:
        """From a DuckDB relation with `cookie, page_url, event_strength`: the same matrix as `from_frame`,
        but DuckDB numbers the ids (sorted, as np.unique does for UTF-8 text) and only integer codes,
        strengths and the distinct ids are fetched, in one query (one consistent read of the relation)."""
        started = time.perf_counter()
        parts = _coded_parts(_query(relation, "interactions_source", _ENCODE_SQL))
        (rows, cols, values), cookies, pages = parts[0], parts[1], parts[2]
        matrix = sp.csr_matrix((values, (rows, cols)), shape=(len(cookies), len(pages)))
        matrix.sum_duplicates()
        log.info(
            "loaded %d interactions (%d cookies x %d pages) in %.2fs",
            matrix.nnz,
            len(cookies),
            len(pages),
            time.perf_counter() - started,
        )
        return cls(matrix=matrix, cookies=cookies, pages=pages)

    @classmethod
    def load(cls, source: Source | Interactions) -> Interactions:
        """From a DataFrame, a DuckDB relation, or an Interactions (returned as is)."""
        if isinstance(source, Interactions):
            return source
        if isinstance(source, pd.DataFrame):
            return cls.from_frame(source)
        return cls.from_relation(source)


# One result in three parts (`part`): 0 = one row per interaction (row code `a`, column code `b`, value `v`),
# 1 = the cookie of each row code (`id`), 2 = the page of each column code. Codes follow the sorted ids.
_ENCODE_SQL = """
with interactions as materialized (
    select cookie, page_url, event_strength from interactions_source
),
cookies as materialized (
    select cookie, cast(row_number() over (order by cookie) - 1 as integer) as code
    from (select distinct cookie from interactions)
),
pages as materialized (
    select page_url, cast(row_number() over (order by page_url) - 1 as integer) as code
    from (select distinct page_url from interactions)
)
select 0 as part, cookies.code as a, pages.code as b, cast(interactions.event_strength as double) as v,
    cast(null as varchar) as id
from interactions
inner join cookies on interactions.cookie = cookies.cookie
inner join pages on interactions.page_url = pages.page_url
union all
select 1, code, null, null, cookie from cookies
union all
select 2, code, null, null, page_url from pages
"""


def _coded_parts(result: duckdb.DuckDBPyRelation) -> dict:
    """Split a `part, a, b, v, id` result (see _ENCODE_SQL): {0: (a, b, v) int64/int64/float64 arrays,
    1: ids of codes 0..n-1 of part 1, 2: the same for part 2} (object arrays of str)."""
    columns = result.fetchnumpy()
    part = np.asarray(columns["part"])
    a = np.ma.getdata(columns["a"]).astype(np.int64)
    out = {}
    keep = part == 0
    out[0] = (
        a[keep],
        np.ma.getdata(columns["b"])[keep].astype(np.int64),
        np.ma.getdata(columns["v"])[keep].astype(np.float64),
    )
    ids = np.ma.getdata(columns["id"])
    for kind in (1, 2):
        keep = part == kind
        values = np.empty(int(keep.sum()), dtype=object)
        values[a[keep]] = ids[keep]
        out[kind] = values
    return out


def _query(relation: duckdb.DuckDBPyRelation, name: str, sql: str) -> duckdb.DuckDBPyRelation:
    """`sql` run on `relation`, which it calls `name` (made unique per call, so that two Python models
    running side by side on the same database never share a temporary view name)."""
    unique = f"{name}_{uuid.uuid4().hex[:12]}"
    return relation.query(unique, re.sub(rf"\b{name}\b", unique, sql))


def _frame(source: Source, columns: str | None = None, where: str | None = None) -> pd.DataFrame:
    """A small table as a DataFrame (a relation is filtered and projected in DuckDB first)."""
    if isinstance(source, pd.DataFrame):
        return source
    relation = source
    if where:
        relation = relation.filter(where)
    if columns:
        relation = relation.project(columns)
    return relation.df()


def _text(values: np.ndarray) -> pd.api.extensions.ExtensionArray:
    """Ids as pandas' string dtype: DuckDB then types the column VARCHAR even when it is empty (an empty
    object column becomes type NULL, which breaks the unit tests' fixtures of downstream models)."""
    return pd.array(np.asarray(values, dtype=object), dtype="str")


def _n_threads() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def _chunked(n_users: int, score: Callable[[np.ndarray], tuple], chunk: int = SCORE_CHUNK_USERS):
    """`score(user_ids)` for consecutive chunks of users on all cores (one BLAS thread each), in order.

    numpy releases the GIL in the heavy parts (matrix products, comparisons, partitions), so chunks run
    side by side; every chunk is computed the same way whatever the thread count, so results do not
    depend on it."""
    starts = range(0, n_users, chunk)
    batches = [np.arange(start, min(start + chunk, n_users)) for start in starts]
    threads = min(_n_threads(), max(len(batches), 1))
    with threadpool_limits(limits=1, user_api="blas"):
        if threads <= 1:
            return [score(batch) for batch in batches]
        with ThreadPoolExecutor(threads) as pool:
            return list(pool.map(score, batches))


class Candidates:
    """Wraps a recommender so that it only recommends the allowed pages (candidate_pages='mapped')."""

    def __init__(self, model, items: np.ndarray | None):
        self.model = model
        self.items = items

    def fit(self, user_items):
        self.model.fit(user_items)
        return self

    def recommend(self, userids, user_items, N=10, filter_already_liked_items=True):
        return self.model.recommend(
            userids, user_items, N=N, filter_already_liked_items=filter_already_liked_items, items=self.items
        )


def make_model(name: str, settings: Settings):
    """An unfitted recommender by its name in model_evaluation."""
    seed = settings.als_seed
    if name == "most_popular":
        return MostPopular()
    if name == "cooccurrence":
        # The vars of page_cooccurrence, so that the evaluated model is the deployed one (fitted_model).
        return CooccurrenceRecommender(
            similarity=settings.cooccurrence_measure,
            min_cooccurrence=settings.min_cooccurrence,
            max_items_per_user=settings.max_pages_per_cookie,
        )
    if name == "ease":
        # One BLAS thread: on a shared 2-core machine OpenBLAS's two threads made the 5000-page solve
        # swing between 1.4 s and 12 s (one thread: a steady 2.5 s).
        return EASE(l2=settings.ease_l2, max_items=settings.ease_max_pages or None, num_threads=1)
    if name == "als":
        return AlternatingLeastSquares(**settings.als_params(), random_state=seed)
    if name == "als_prototype":
        return AlternatingLeastSquares(**PROTOTYPE_ALS, random_state=seed)
    raise ValueError(f"unknown model {name!r}; choose one of {MODELS}")


def candidate_items(data: Interactions, pages: pd.DataFrame, settings: Settings) -> np.ndarray | None:
    """Column indices of the pages that may be recommended (None = all)."""
    if settings.candidate_pages == "all":
        return None
    mapped = set(pages.loc[pages["business_units"].map(len) > 0, "page_url"])
    return np.flatnonzero(np.isin(data.pages, list(mapped)))


def page_units(data: Interactions, pages: pd.DataFrame) -> list[list[str]]:
    """Business units of each matrix column, from dim_pages."""
    units = dict(zip(pages["page_url"], pages["business_units"], strict=True))
    return [list(units.get(page, [])) for page in data.pages]


# ---------------------------------------------------------------------------------------------- tables
def als_factors(interactions: Source | Interactions, settings: Settings) -> pd.DataFrame:
    """The ALS fit on all interactions, long: `entity` ('cookie' | 'page'), `id`, `factors`."""
    data = Interactions.load(interactions)
    model = make_model("als", settings)
    show_progress()
    # The loss costs about one extra pass per iteration: every iteration on small data, once at the end.
    model.calculate_training_loss = data.matrix.nnz <= LOSS_EVERY_ITERATION_MAX_NNZ
    model.fit(data.matrix)
    if not model.calculate_training_loss:
        log.info("ALS final training loss %.6g", model.loss(data.matrix))
    return pd.concat(
        [
            pd.DataFrame(
                {
                    "entity": "cookie",
                    "id": _text(data.cookies),
                    "factors": list(model.user_factors.astype(float)),
                }
            ),
            pd.DataFrame(
                {"entity": "page", "id": _text(data.pages), "factors": list(model.item_factors.astype(float))}
            ),
        ],
        ignore_index=True,
    )


def model_evaluation(
    interactions: Source | Interactions, pages: Source, settings: Settings, run_id: str
) -> pd.DataFrame:
    """Every model on the same held-out splits: `run_id, model, split, metric, k, value, users`.

    With more than `eval_max_cookies` cookies, the splits are made on a deterministic sample of that many
    cookies (seeded by `eval_seed`): every model is fitted on the sample's training interactions only, so
    the evaluation's cost stops growing with the data. Model choice then rests on that sample."""
    data = Interactions.load(interactions)
    pages = _frame(pages, "page_url, business_units")
    items = candidate_items(data, pages, settings)
    factories = {name: (lambda name=name: Candidates(make_model(name, settings), items)) for name in MODELS}
    matrix = data.matrix
    if settings.eval_max_cookies and matrix.shape[0] > settings.eval_max_cookies:
        rows = sample_user_rows(matrix.shape[0], settings.eval_max_cookies, settings.eval_seed)
        log.info("evaluating on a sample of %d of %d cookies (eval_max_cookies)", len(rows), matrix.shape[0])
        matrix = matrix[rows]
    # One BLAS thread throughout (the ALS fit sets its own): small products only lose with more.
    with threadpool_limits(limits=1, user_api="blas"):
        result = evaluate_models(
            factories,
            matrix,
            ks=(5, 10, 20),
            seed=settings.eval_seed,
            item_units=page_units(data, pages),
            max_eval_users=settings.max_eval_users,
        )
    result.insert(0, "run_id", run_id)
    return result


def choose_model(evaluation: pd.DataFrame, settings: Settings) -> str:
    """The var('recommender') model, or the best by NDCG@10 on leave-one-out (ties: order of MODELS)."""
    if settings.recommender != "best":
        return settings.recommender
    rows = evaluation[
        (evaluation["split"] == SELECTION["split"])
        & (evaluation["metric"] == SELECTION["metric"])
        & (evaluation["k"] == SELECTION["k"])
    ]
    if rows.empty:
        raise ValueError("model_evaluation has no leave-one-out NDCG@10 rows to choose a recommender from")
    scores = rows.groupby("model")["value"].mean()
    return max(MODELS, key=lambda name: (scores.get(name, -np.inf), -MODELS.index(name)))


def recommendations(
    interactions: Source | Interactions,
    pages: Source,
    evaluation: Source,
    factors: Source,
    cooccurrence: Source,
    settings: Settings,
) -> pd.DataFrame:
    """Top-K unseen pages per cookie: `cookie, rank, page_url, score, business_units, model`.

    Scored in chunks of SCORE_CHUNK_USERS cookies (never a cookies x pages matrix); `factors` is read only
    when ALS is chosen and `cooccurrence` only when co-occurrence is."""
    data = Interactions.load(interactions)
    pages = _frame(pages, "page_url, business_units")
    name = choose_model(_frame(evaluation), settings)
    started = time.perf_counter()
    with threadpool_limits(limits=1, user_api="blas"):
        model = fitted_model(name, data, factors, cooccurrence, settings)
    log.info("recommendations: %s ready in %.2fs", name, time.perf_counter() - started)
    items = candidate_items(data, pages, settings)
    started = time.perf_counter()

    def score(batch):
        ids, scores = model.recommend(batch, data.matrix[batch], N=settings.top_k, items=items)
        return np.asarray(ids), np.asarray(scores, dtype=np.float64)

    parts = _chunked(len(data.cookies), score)
    ids = np.concatenate([ids for ids, _ in parts]) if parts else np.empty((0, settings.top_k), np.int64)
    scores = np.concatenate([sc for _, sc in parts]) if parts else np.empty((0, settings.top_k))
    log.info("recommendations: scored %d cookies in %.2fs", len(data.cookies), time.perf_counter() - started)
    keep = ids >= 0
    rows, ranks = np.nonzero(keep)
    page_index = ids[keep].astype(np.int64)
    units = page_units(data, pages)
    return pd.DataFrame(
        {
            "cookie": _text(data.cookies[rows]),
            "rank": ranks.astype(np.int64) + 1,
            "page_url": _text(data.pages[page_index]),
            "score": scores[keep],
            "business_units": [units[i] for i in page_index],
            "model": name,
        }
    )


def fitted_model(name: str, data: Interactions, factors: Source, cooccurrence: Source, settings):
    """The chosen model fitted on all interactions, reusing the warehouse's ALS and co-occurrence tables."""
    if name == "als":
        model = make_model("als", settings)
        model.user_factors = _factor_matrix(factors, "cookie", data.cookies)
        model.item_factors = _factor_matrix(factors, "page", data.pages)
        return model
    if name == "cooccurrence":
        return CooccurrenceRecommender.from_similarity(
            _similarity_matrix(cooccurrence, settings.cooccurrence_measure, data.pages)
        ).fit(data.matrix)
    return make_model(name, settings).fit(data.matrix)


def _similarity_matrix(cooccurrence: Source, measure: str, pages: np.ndarray) -> sp.csr_matrix:
    """page_cooccurrence's `measure` as a pages x pages matrix in the order of `pages`."""
    if isinstance(cooccurrence, pd.DataFrame):
        index = {page: i for i, page in enumerate(pages)}
        a = cooccurrence["page_a"].map(index).to_numpy()
        b = cooccurrence["page_b"].map(index).to_numpy()
        values = cooccurrence[measure].to_numpy(dtype=np.float64)
    else:
        # Integer codes in DuckDB (tens of millions of pairs at scale), then codes -> our page order.
        column = '"' + measure.replace('"', '""') + '"'
        parts = _coded_parts(_query(cooccurrence, "pairs", _PAIR_CODES_SQL.format(column=column)))
        (a, b, values), pair_pages = parts[0], parts[1].astype(str)
        ours = pages.astype(str)
        position = np.minimum(np.searchsorted(ours, pair_pages), max(len(ours) - 1, 0))
        if len(pair_pages) and not np.array_equal(ours[position], pair_pages):
            raise ValueError("page_cooccurrence has pages that are not in fct_page_interactions")
        a, b = position[a], position[b]
    return sp.csr_matrix((values, (a, b)), shape=(len(pages), len(pages)))


# The same three-part shape as _ENCODE_SQL: 0 = pairs (codes a, b and the measure v), 1 = page of each code.
_PAIR_CODES_SQL = """
with pairs_measure as materialized (select page_a, page_b, {column} as value from pairs),
pair_pages as materialized (
    select page_url, cast(row_number() over (order by page_url) - 1 as integer) as code
    from (select page_a as page_url from pairs_measure union select page_b from pairs_measure)
)
select 0 as part, page_a_codes.code as a, page_b_codes.code as b, cast(pairs_measure.value as double) as v,
    cast(null as varchar) as id
from pairs_measure
inner join pair_pages as page_a_codes on pairs_measure.page_a = page_a_codes.page_url
inner join pair_pages as page_b_codes on pairs_measure.page_b = page_b_codes.page_url
union all
select 1, code, null, null, page_url from pair_pages
"""


def _factor_matrix(factors: Source, entity: str, ids: np.ndarray) -> np.ndarray:
    table = _frame(factors, "id, factors", f"entity = '{entity}'")
    table = table[table["entity"] == entity] if "entity" in table.columns else table
    position = pd.Index(table["id"].to_numpy(dtype=object).astype(str)).get_indexer(ids.astype(str))
    if (position < 0).any():
        missing = sorted(ids[position < 0])
        raise ValueError(
            f"int_als_factors has no {entity} factors for {len(missing)} id(s), e.g. {missing[0]}"
        )
    vectors = table["factors"].to_numpy(dtype=object)
    return np.stack([np.asarray(vectors[i], dtype=np.float32) for i in position])


def similar_pages(factors: Source, top_k: int) -> pd.DataFrame:
    """For each page, the top_k other pages by cosine of ALS page factors (ties: page order)."""
    table = _frame(factors, "entity, id, factors", "entity = 'page'")
    table = table[table["entity"] == "page"].sort_values("id")
    ids = table["id"].to_numpy(dtype=object)
    if len(ids) == 0:
        out = pd.DataFrame(
            {
                "page_url": pd.Series(dtype="str"),
                "rank": pd.Series(dtype=np.int64),
                "similar_page_url": pd.Series(dtype="str"),
                "score": pd.Series(dtype=np.float64),
            }
        )
        out["model"] = "als"
        return out
    vectors = np.stack([np.asarray(v, dtype=np.float64) for v in table["factors"]])
    norms = np.linalg.norm(vectors, axis=1)
    norms[norms == 0] = 1.0
    unit = vectors / norms[:, None]

    def score(batch: np.ndarray):
        cosine = unit[batch] @ unit.T
        cosine[np.arange(len(batch)), batch] = -np.inf  # never the page itself
        return topn_dense(cosine, top_k)

    parts = _chunked(len(ids), score, chunk=max(1, (1 << 22) // len(ids)))
    top = np.concatenate([p[0] for p in parts])
    scores = np.concatenate([p[1] for p in parts])
    keep = top >= 0
    rows, ranks = np.nonzero(keep)
    out = pd.DataFrame(
        {
            "page_url": _text(ids[rows]),
            "rank": ranks.astype(np.int64) + 1,
            "similar_page_url": _text(ids[top[keep]]),
            "score": scores[keep].astype(np.float64),
        }
    )
    out["model"] = "als"
    return out


def data_fingerprint(interactions: Source | Interactions) -> str:
    """A content hash of the interactions, independent of row order.

    The rows sorted by (cookie, page_url), hashed with pandas' hash_pandas_object. From a matrix the rows
    are already in that order and the ids are hashed as categoricals (each distinct id once), which gives
    the same hash as the sorted text columns (for one row per cookie and page, as in the warehouse)."""
    if isinstance(interactions, pd.DataFrame):
        ordered = interactions[["cookie", "page_url", "event_strength"]].sort_values(["cookie", "page_url"])
    else:
        data = Interactions.load(interactions)
        matrix = data.matrix
        rows = np.repeat(np.arange(matrix.shape[0]), np.diff(matrix.indptr))
        ordered = pd.DataFrame(
            {
                "cookie": pd.Categorical.from_codes(rows, categories=pd.Index(data.cookies, dtype=object)),
                "page_url": pd.Categorical.from_codes(
                    matrix.indices, categories=pd.Index(data.pages, dtype=object)
                ),
                "event_strength": matrix.data,
            }
        )
    hashed = pd.util.hash_pandas_object(ordered, index=False).to_numpy()
    return hashlib.sha256(hashed.tobytes()).hexdigest()[:16]


def model_run(
    interactions: Source | Interactions,
    evaluation: Source,
    settings: Settings,
    run_id: str,
    started_at,
) -> pd.DataFrame:
    """One row describing this build's run: params, data fingerprint and the headline metrics."""
    evaluation = _frame(evaluation)
    if isinstance(interactions, pd.DataFrame):
        n_interactions = len(interactions)
    else:
        interactions = Interactions.load(interactions)
        n_interactions = interactions.matrix.nnz  # one stored entry per (cookie, page_url) row
    headline = evaluation[(evaluation["split"] == "leave_one_out") & (evaluation["k"] == 10)]
    summary: Mapping[str, float] = {
        f"{row.model}.{row.metric}@10": round(float(row.value), 6)
        for row in headline.itertuples()
        if row.metric in ("hit_rate", "ndcg", "bu_hit_rate")
    }
    return pd.DataFrame(
        {
            "run_id": [run_id],
            "started_at": [pd.Timestamp(started_at)],
            "params": [json.dumps(asdict(settings), sort_keys=True)],
            "data_fingerprint": [data_fingerprint(interactions)],
            "interactions": [n_interactions],
            "chosen_model": [choose_model(evaluation, settings)],
            "metrics_summary": [json.dumps(summary, sort_keys=True)],
        }
    )
