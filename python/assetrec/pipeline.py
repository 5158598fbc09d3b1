"""What the dbt Python models call: one function per warehouse table, DataFrames in and out.

The dbt models in `models/ml/` only read their refs, call one function here and return its DataFrame,
so everything below can be tested without dbt. Ids are the warehouse's text ids (`cookie`,
`page_url`); matrix rows and columns follow their sorted order, so results do not depend on the order
in which DuckDB returns rows.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields

import numpy as np
import pandas as pd
import scipy.sparse as sp

from assetrec.als import AlternatingLeastSquares
from assetrec.baselines import EASE, CooccurrenceRecommender, MostPopular
from assetrec.evaluate import evaluate_models

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
    top_k: int = 10
    candidate_pages: str = "all"
    recommender: str = "best"
    eval_seed: int = 7
    max_eval_users: int = 50_000

    @classmethod
    def from_config(cls, config: Mapping[str, object]) -> Settings:
        """Settings from the dbt config `assetrec_settings` (values may arrive as strings); keys that are
        absent, empty or `None` keep the default; other keys (run_id, started_at) are ignored."""
        values = {}
        for field in fields(cls):
            raw = config.get(field.name)
            if raw is None or raw == "" or raw == "None":
                continue
            kind = type(getattr(cls, field.name))
            try:
                values[field.name] = kind(float(raw)) if kind is int else kind(raw)
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
        if self.top_k < 1:
            raise ValueError(f"var top_k must be >= 1, got {self.top_k}")

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
        return CooccurrenceRecommender(similarity=settings.cooccurrence_measure)
    if name == "ease":
        return EASE(l2=settings.ease_l2)
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
def als_factors(interactions: pd.DataFrame, settings: Settings) -> pd.DataFrame:
    """The ALS fit on all interactions, long: `entity` ('cookie' | 'page'), `id`, `factors`."""
    data = Interactions.from_frame(interactions)
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
                {"entity": "cookie", "id": data.cookies, "factors": list(model.user_factors.astype(float))}
            ),
            pd.DataFrame(
                {"entity": "page", "id": data.pages, "factors": list(model.item_factors.astype(float))}
            ),
        ],
        ignore_index=True,
    )


def model_evaluation(
    interactions: pd.DataFrame, pages: pd.DataFrame, settings: Settings, run_id: str
) -> pd.DataFrame:
    """Every model on the same held-out splits: `run_id, model, split, metric, k, value, users`."""
    data = Interactions.from_frame(interactions)
    items = candidate_items(data, pages, settings)
    factories = {name: (lambda name=name: Candidates(make_model(name, settings), items)) for name in MODELS}
    result = evaluate_models(
        factories,
        data.matrix,
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
    interactions: pd.DataFrame,
    pages: pd.DataFrame,
    evaluation: pd.DataFrame,
    factors: pd.DataFrame,
    cooccurrence: pd.DataFrame,
    settings: Settings,
) -> pd.DataFrame:
    """Top-K unseen pages per cookie: `cookie, rank, page_url, score, business_units, model`."""
    data = Interactions.from_frame(interactions)
    name = choose_model(evaluation, settings)
    model = fitted_model(name, data, factors, cooccurrence, settings)
    items = candidate_items(data, pages, settings)
    frames = []
    users = np.arange(len(data.cookies))
    for start in range(0, len(users), 4096):
        batch = users[start : start + 4096]
        ids, scores = model.recommend(batch, data.matrix[batch], N=settings.top_k, items=items)
        ids, scores = np.asarray(ids), np.asarray(scores, dtype=np.float64)
        keep = ids >= 0
        rows = np.repeat(batch, keep.sum(axis=1))
        frames.append(
            pd.DataFrame(
                {
                    "cookie": data.cookies[rows],
                    "rank": np.nonzero(keep)[1].astype(np.int64) + 1,
                    "page_url": data.pages[ids[keep]],
                    "score": scores[keep],
                }
            )
        )
    out = pd.concat(frames, ignore_index=True)
    units = dict(zip(pages["page_url"], pages["business_units"], strict=True))
    out["business_units"] = [list(units.get(page, [])) for page in out["page_url"]]
    out["model"] = name
    return out


def fitted_model(name: str, data: Interactions, factors: pd.DataFrame, cooccurrence: pd.DataFrame, settings):
    """The chosen model fitted on all interactions, reusing the warehouse's ALS and co-occurrence tables."""
    if name == "als":
        model = make_model("als", settings)
        model.user_factors = _factor_matrix(factors, "cookie", data.cookies)
        model.item_factors = _factor_matrix(factors, "page", data.pages)
        return model
    if name == "cooccurrence":
        index = {page: i for i, page in enumerate(data.pages)}
        sim = sp.csr_matrix(
            (
                cooccurrence[settings.cooccurrence_measure].to_numpy(dtype=np.float64),
                (cooccurrence["page_a"].map(index).to_numpy(), cooccurrence["page_b"].map(index).to_numpy()),
            ),
            shape=(len(data.pages), len(data.pages)),
        )
        return CooccurrenceRecommender.from_similarity(sim).fit(data.matrix)
    return make_model(name, settings).fit(data.matrix)


def _factor_matrix(factors: pd.DataFrame, entity: str, ids: np.ndarray) -> np.ndarray:
    rows = factors[factors["entity"] == entity].set_index("id")["factors"]
    missing = set(ids) - set(rows.index)
    if missing:
        raise ValueError(
            f"int_als_factors has no {entity} factors for {len(missing)} id(s), e.g. {sorted(missing)[0]}"
        )
    return np.stack([np.asarray(v, dtype=np.float32) for v in rows.loc[ids]])


def similar_pages(factors: pd.DataFrame, top_k: int) -> pd.DataFrame:
    """For each page, the top_k other pages by cosine of ALS page factors."""
    pages = factors[factors["entity"] == "page"].sort_values("id")
    ids = pages["id"].to_numpy(dtype=object)
    model = AlternatingLeastSquares(factors=1)
    model.item_factors = np.stack([np.asarray(v, dtype=np.float64) for v in pages["factors"]])
    model.user_factors = np.zeros((0, model.item_factors.shape[1]))
    # Ask for one more, then drop the page itself.
    top, scores = model.similar_items(np.arange(len(ids)), N=top_k + 1)
    frames = []
    for row in range(len(ids)):
        keep = (top[row] >= 0) & (top[row] != row)
        chosen, chosen_scores = top[row][keep][:top_k], scores[row][keep][:top_k]
        frames.append(
            pd.DataFrame(
                {
                    "page_url": ids[row],
                    "rank": np.arange(1, len(chosen) + 1, dtype=np.int64),
                    "similar_page_url": ids[chosen],
                    "score": chosen_scores.astype(np.float64),
                }
            )
        )
    out = (
        pd.concat(frames, ignore_index=True)
        if frames
        else pd.DataFrame(columns=["page_url", "rank", "similar_page_url", "score"])
    )
    out["model"] = "als"
    return out


def data_fingerprint(interactions: pd.DataFrame) -> str:
    """A content hash of the interactions, independent of row order."""
    ordered = interactions[["cookie", "page_url", "event_strength"]].sort_values(["cookie", "page_url"])
    hashed = pd.util.hash_pandas_object(ordered, index=False).to_numpy()
    return hashlib.sha256(hashed.tobytes()).hexdigest()[:16]


def model_run(
    interactions: pd.DataFrame,
    evaluation: pd.DataFrame,
    settings: Settings,
    run_id: str,
    started_at,
) -> pd.DataFrame:
    """One row describing this build's run: params, data fingerprint and the headline metrics."""
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
            "interactions": [len(interactions)],
            "chosen_model": [choose_model(evaluation, settings)],
            "metrics_summary": [json.dumps(summary, sort_keys=True)],
        }
    )
