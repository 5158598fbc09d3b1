"""Per-build tuning: every model family's settings searched on a validation split carved from training.

No fixed setting is right for every site's data (the best EASE l2, ALS factors or input transform differ by
orders of magnitude between exports), so each build searches them on its own data:

* a validation split is carved from the *training* part of an evaluation split (leave-one-out of the
  training rows, averaged over up to three seeds when there are few cookies, where one split's NDCG
  follows noise); the test part is never read;
* each family's search runs coarse to fine in a fixed order (the settings from the dbt vars first), one
  dimension at a time from the best point so far; the input transform (binary, log1p, strength) is one of
  the dimensions of every model whose scores depend on the values;
* the whole search is bounded by var('tuning_budget_seconds'), shared among the families still to tune,
  in seconds *planned* from the data's shape (:mod:`assetrec.tuning_cost`), not read from the clock: the
  same data and seed give the same search, choice and recommendations under any load. A family's first
  point (the vars' settings) is always scored; when a family's share is spent, the log says so;
* a blend of the two best families (score weights chosen on validation) is scored last, if the budget is
  not spent (it is then absent from model_evaluation).

:func:`tune` returns, per model, the chosen params and their validation NDCG@10; model choice
(:func:`assetrec.tables.evaluation.choose_model`) compares those, never a test part.
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from assetrec import registry
from assetrec.evaluate import evaluate_fitted
from assetrec.models.blend import Blend
from assetrec.models.cooccurrence import SIMILARITIES
from assetrec.splits import last_events, leave_one_out
from assetrec.transforms import TRANSFORMS
from assetrec.tuning_cost import Shape, point_seconds

__all__ = ["SEARCHES", "Tuned", "ranked", "search_points", "tune", "validation_folds"]

log = logging.getLogger("assetrec.tuning")

# Fewer validation cookies than this: average several validation splits (at most MAX_FOLDS).
FOLD_COOKIES = 2500
MAX_FOLDS = 3
VALIDATION_K = 10
BLEND_WEIGHTS = (0.25, 0.5, 0.75)

# One search stage: from the best params so far, the points to try (params dicts).
Stage = Callable[[dict], list[dict]]


def _vary(key: str, values) -> Stage:
    return lambda best: [{**best, key: value} for value in values]


def _scale(key: str, factors, integer: bool = False) -> Stage:
    """Around the best value: times each factor (the fine step after a coarse grid)."""

    def stage(best: dict) -> list[dict]:
        values = [best[key] * f for f in factors]
        return [{**best, key: int(round(v)) if integer else float(v)} for v in values]

    return stage


def _als_grid(best: dict) -> list[dict]:
    # Coarse: confidence weight over two orders of magnitude, regularization as a multiple of alpha (the
    # confidences, hence the loss, grow with alpha; a fixed regularization over-smooths at small alpha).
    return [
        {**best, "factors": 64, "alpha": alpha, "regularization": alpha * ratio}
        for alpha in (1.0, 10.0, 100.0)
        for ratio in (1.0, 10.0)
    ]


SEARCHES: dict[str, list[Stage]] = {
    "most_popular": [],
    "als_prototype": [],  # the notebook's settings, kept fixed for comparison
    "cooccurrence": [_vary("similarity", SIMILARITIES)],
    "ease": [
        _vary("l2", (10.0, 100.0, 1000.0, 10000.0)),
        _vary("transform", TRANSFORMS),
        _scale("l2", (1 / 3, 3.0)),
    ],
    "rp3beta": [
        _vary("beta", (0.0, 0.25, 0.75, 1.0)),
        _vary("alpha", (0.5, 0.75, 1.25, 1.5)),
        _vary("transform", TRANSFORMS),
    ],
    "edlae": [
        _vary("l2", (10.0, 100.0, 1000.0, 10000.0)),
        _vary("p", (0.1, 0.33, 0.5, 0.75)),
        _vary("transform", TRANSFORMS),
        _scale("l2", (1 / 3, 3.0)),
    ],
    "als": [
        _als_grid,
        _scale("regularization", (1 / 3, 3.0)),
        _vary("transform", TRANSFORMS),
        _vary("factors", (16, 32, 128, 256)),
        _scale("alpha", (1 / 3, 3.0)),
        _vary("iterations", (25,)),
    ],
}
SEARCHES["dlae"] = SEARCHES["edlae"]


@dataclass(frozen=True)
class Tuned:
    params: dict
    validation_ndcg: float

    def params_json(self) -> str:
        return json.dumps(self.params, sort_keys=True)


def validation_folds(
    train: sp.csr_matrix, seed: int, times=None
) -> list[tuple[sp.csr_matrix, sp.csr_matrix]]:
    """Leave-one-out splits of ``train`` (never of a test part): several when few cookies can be held
    out, so the choice does not follow one split's noise. With ``times`` (the training cells' last
    submission times, for the time-based evaluation), one split in time instead: each cookie's latest
    training pages are the validation."""
    if times is not None:
        return [last_events(train, times)]
    eligible = int(np.count_nonzero(np.diff(train.indptr) >= 2))
    folds = min(MAX_FOLDS, max(1, math.ceil(FOLD_COOKIES / max(eligible, 1))))
    return [leave_one_out(train, seed=seed * 1000 + 101 + fold) for fold in range(folds)]


def _ndcg(fitted, fold_train, fold_validation, max_eval_users: int | None, seed: int) -> float:
    result = evaluate_fitted(fitted, fold_train, fold_validation, (VALIDATION_K,), None, max_eval_users, seed)
    return float(result.loc[result["metric"] == "ndcg", "value"].iloc[0])


def _score(make: Callable[[], object], folds, max_eval_users: int | None, seed: int) -> float:
    """Mean validation NDCG@10 over the folds."""
    return float(np.mean([_ndcg(make().fit(t), t, v, max_eval_users, seed) for t, v in folds]))


def _comparable(value: float) -> float:
    """NaN (no cookie to validate on: every cookie has one page) ranks below every score."""
    return -np.inf if np.isnan(value) else value


def search_points(name: str, start: dict, score: Callable[[dict], float]) -> Iterator[tuple[dict, float]]:
    """The search of one family, stage after stage from the best point so far; yields every scored point."""
    best, best_score = start, _comparable(score(start))
    yield best, best_score
    seen = {json.dumps(start, sort_keys=True)}
    for stage in SEARCHES[name]:
        for point in stage(best):
            key = json.dumps(point, sort_keys=True)
            if key in seen:
                continue
            seen.add(key)
            value = _comparable(score(point))
            yield point, value
            if value > best_score:
                best, best_score = point, value


def tune(
    train: sp.csr_matrix,
    settings,
    wrap: Callable[[object], object],
    budget_seconds: float,
    seed: int,
    max_eval_users: int | None = None,
    times=None,
) -> dict[str, Tuned]:
    """Chosen params and validation NDCG@10 of every registered model tried on ``train`` (an evaluation split's
    training part). ``wrap`` adapts an unfitted model (the candidate pages); with ``budget_seconds`` 0 only
    the vars' settings are scored; ``times`` (of the training cells) makes the validation split by time."""
    folds = validation_folds(train, seed, times)
    shapes = [Shape.of(t, v, max_eval_users, settings.ease_max_pages) for t, v in folds]
    singles = [spec.name for spec in registry.MODELS if spec.kind != "blend"]
    tuned: dict[str, Tuned] = {}
    spent = 0.0  # planned seconds (assetrec.tuning_cost), never the clock: the same data, the same search
    for position, name in enumerate(singles):
        share = max(0.0, budget_seconds - spent) / (len(singles) - position)

        def score(params, name=name):
            return _score(lambda: wrap(registry.make(name, settings, params)), folds, max_eval_users, seed)

        best, best_score, scored, family_spent, skipped = None, -np.inf, 0, 0.0, False
        start = registry.defaults(name, settings)
        search = (
            search_points(name, start, score)
            if budget_seconds > 0
            else iter([(start, _comparable(score(start)))])
        )
        for point, value in search:
            scored += 1
            family_spent += point_seconds(name, point, shapes)
            if best is None or value > best_score:
                best, best_score = point, value
            if family_spent >= share:
                skipped = True  # the family's share is spent: the rest of its search is not scored
                break
        spent += family_spent
        tuned[name] = Tuned(best, best_score if np.isfinite(best_score) else float("nan"))
        log.info(
            "tuning %s: %d points scored (%.1f s planned)%s, validation NDCG@10 %.4f with %s",
            name,
            scored,
            family_spent,
            " (share of the budget spent: the rest skipped)" if skipped else "",
            best_score,
            tuned[name].params_json(),
        )
    for name in (spec.name for spec in registry.MODELS if spec.kind == "blend"):
        # The blend costs two more fits per fold: it is tried only while the budget lasts (never with 0).
        if spent < budget_seconds:
            tuned[name] = _tune_blend(name, tuned, settings, wrap, folds, max_eval_users, seed)
        else:
            log.info("tuning %s: not tried (budget spent)", name)
    return tuned


def ranked(scores: dict[str, float]) -> list[str]:
    """Model names by validation NDCG@10, best first; NaN last; ties: registry order (the cheaper first)."""
    order = registry.names()
    return sorted(scores, key=lambda name: (-_comparable(scores[name]), order.index(name)))


def _tune_blend(name, tuned, settings, wrap, folds, max_eval_users, seed) -> Tuned:
    """The blend of the two best models on validation (popularity aside), its weight chosen there."""
    candidates = {
        n: t.validation_ndcg for n, t in tuned.items() if registry.spec(n).kind not in ("baseline", "blend")
    }
    first, second = ranked(candidates)[:2]
    # The two models are fitted once per fold; every weight blends those same fits.
    values = {weight: [] for weight in BLEND_WEIGHTS}
    for fold_train, fold_validation in folds:
        pair = [registry.make(n, settings, tuned[n].params).fit(fold_train) for n in (first, second)]
        for weight in BLEND_WEIGHTS:
            blend = wrap(Blend.of_fitted(*pair, weight))
            values[weight].append(_ndcg(blend, fold_train, fold_validation, max_eval_users, seed))
    best = None
    for weight in BLEND_WEIGHTS:
        params = {"models": [[first, tuned[first].params], [second, tuned[second].params]], "weight": weight}
        value = float(np.mean(values[weight]))
        if best is None or _comparable(value) > _comparable(best.validation_ndcg):
            best = Tuned(params, value)
    log.info("tuning %s: validation NDCG@10 %.4f with %s", name, best.validation_ndcg, best.params_json())
    return best
