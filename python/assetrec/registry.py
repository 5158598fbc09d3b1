"""The one list of recommenders the warehouse evaluates and may deploy.

Each entry is the name used in `model_evaluation.model`, `recommendations.model` and var('recommender'),
the label and colour the report shows, the kind of model, its settings from the dbt vars and how to build
it from settings (the per-build tuning, assetrec.tuning, searches them).
The order is the tie-break order of model choice (cheaper and simpler first). `python -m assetrec.tune`,
the report and the dbt tests' `accepted_values` use this list (the last through a test that keeps them
equal).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from assetrec.models.als import AlternatingLeastSquares
from assetrec.models.blend import Blend
from assetrec.models.cooccurrence import CooccurrenceRecommender
from assetrec.models.dlae import DLAE, EDLAE
from assetrec.models.ease import EASE
from assetrec.models.popularity import MostPopular
from assetrec.models.rp3beta import RP3beta
from assetrec.recommender_base import Recommender
from assetrec.transforms import Transformed

__all__ = ["MODELS", "PROTOTYPE_ALS", "ModelSpec", "build", "defaults", "make", "names", "spec"]

# The notebook's ALS: implicit with factors=20, regularization=0.1, iterations=50 on strengths x 15.
# With our confidence 1 + alpha * r this is alpha = 15 (see assetrec.models.als for the exact mapping).
PROTOTYPE_ALS = {"factors": 20, "regularization": 0.1, "alpha": 15.0, "iterations": 50}


@dataclass(frozen=True)
class ModelSpec:
    """A recommender family. ``defaults(settings)`` are its settings from the dbt vars (the starting point of
    the per-build tuning, and what is used when tuning is off); ``make(settings, params)`` builds it unfitted
    from such params (``settings`` supplies the scale bounds, which are not tuned)."""

    name: str
    label: str
    colour: str
    kind: str  # "baseline", "item-item", "matrix factorisation" or "blend"
    defaults: Callable[[object], dict]
    make: Callable[[object, dict], Recommender]


def _cooccurrence(settings, params) -> CooccurrenceRecommender:
    # min_cooccurrence and the cap are page_cooccurrence's vars, so that the evaluated model is the deployed one.
    return CooccurrenceRecommender(
        similarity=params["similarity"],
        min_cooccurrence=settings.min_cooccurrence,
        max_items_per_user=settings.max_pages_per_cookie,
        neighbours=settings.cooccurrence_neighbours,
    )


def _ease(settings, params) -> Recommender:
    # One BLAS thread: on a shared 2-core machine OpenBLAS's two threads made the 5000-page solve swing
    # between 1.4 s and 12 s (one thread: a steady 2.5 s).
    model = EASE(l2=params["l2"], binarize=False, max_items=settings.ease_max_pages or None, num_threads=1)
    return Transformed(model, params["transform"])


def _dropout(kind):
    # DLAE / EDLAE (Steck 2020): EASE's closed form with dropout; the same page bound and thread count.
    def make_model(settings, params) -> Recommender:
        model = kind(p=params["p"], l2=params["l2"], max_items=settings.ease_max_pages or None, num_threads=1)
        return Transformed(model, params["transform"])

    return make_model


def _dropout_defaults(settings) -> dict:
    return {"p": 0.25, "l2": settings.ease_l2, "transform": "binary"}


# RP3beta keeps each page's RP3BETA_NEIGHBOURS strongest neighbours: a bound on its sparse pages x pages
# weights at scale (a page rarely owes its offers to more), not a tuned setting.
RP3BETA_NEIGHBOURS = 200


def _rp3beta(settings, params) -> Recommender:
    model = RP3beta(alpha=params["alpha"], beta=params["beta"], top_k=RP3BETA_NEIGHBOURS)
    return Transformed(model, params["transform"])


def _als(settings, params) -> Recommender:
    model = AlternatingLeastSquares(
        factors=params["factors"],
        regularization=params["regularization"],
        alpha=params["alpha"],
        iterations=params["iterations"],
        random_state=settings.als_seed,
    )
    return Transformed(model, params["transform"])


def _als_defaults(settings) -> dict:
    return {
        "factors": settings.als_factors,
        "regularization": settings.als_regularization,
        "alpha": settings.als_alpha,
        "iterations": settings.als_iterations,
        "transform": "strength",
    }


def _blend(settings, params) -> Blend:
    (first, first_params), (second, second_params) = params["models"]
    return Blend(make(first, settings, first_params), make(second, settings, second_params), params["weight"])


def _blend_defaults(settings) -> dict:
    # The tuning replaces these with the two best models on validation (assetrec.tuning).
    return {
        "models": [["ease", defaults("ease", settings)], ["als", defaults("als", settings)]],
        "weight": 0.5,
    }


MODELS: tuple[ModelSpec, ...] = (
    ModelSpec(
        "most_popular",
        "most popular pages",
        "#7f7f7f",
        "baseline",
        lambda settings: {},
        lambda s, p: MostPopular(),
    ),
    ModelSpec(
        "cooccurrence",
        "co-occurrence (SAR)",
        "#ff7f0e",
        "item-item",
        lambda settings: {"similarity": settings.cooccurrence_measure},
        _cooccurrence,
    ),
    ModelSpec(
        "rp3beta",
        "RP3beta (random walk)",
        "#8c564b",
        "item-item",
        lambda settings: {"alpha": 1.0, "beta": 0.5, "transform": "binary"},
        _rp3beta,
    ),
    ModelSpec(
        "als_prototype",
        "ALS, notebook settings",
        "#9ecae1",
        "matrix factorisation",
        lambda settings: {**PROTOTYPE_ALS, "transform": "strength"},
        _als,
    ),
    ModelSpec("als", "ALS", "#1f77b4", "matrix factorisation", _als_defaults, _als),
    ModelSpec(
        "ease",
        "EASE",
        "#2ca02c",
        "item-item",
        lambda settings: {"l2": settings.ease_l2, "transform": "binary"},
        _ease,
    ),
    ModelSpec("edlae", "EDLAE", "#17becf", "item-item", _dropout_defaults, _dropout(EDLAE)),
    ModelSpec("dlae", "DLAE", "#bcbd22", "item-item", _dropout_defaults, _dropout(DLAE)),
    # Last: the most expensive, so a tie goes to a single model. Kept only if it wins on validation.
    ModelSpec("blend", "blend of the two best", "#d62728", "blend", _blend_defaults, _blend),
)


def names() -> tuple[str, ...]:
    return tuple(model.name for model in MODELS)


def spec(name: str) -> ModelSpec:
    for model in MODELS:
        if model.name == name:
            return model
    raise ValueError(f"unknown model {name!r}; choose one of {names()}")


def defaults(name: str, settings) -> dict:
    """A model's settings from the dbt vars."""
    return spec(name).defaults(settings)


def make(name: str, settings, params: dict) -> Recommender:
    """An unfitted recommender by its name in model_evaluation, with the given params."""
    return spec(name).make(settings, params)


def build(name: str, settings) -> Recommender:
    """An unfitted recommender by its name in model_evaluation, with its settings from the dbt vars."""
    return make(name, settings, defaults(name, settings))
