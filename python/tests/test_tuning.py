"""Per-build tuning (assetrec.tuning): validation carved from training only, deterministic, worth it."""

from __future__ import annotations

import dataclasses

import duckdb
import numpy as np
import pandas as pd
import scipy.sparse as sp
from assetrec import registry, tuning
from assetrec.settings import Settings
from assetrec.splits import leave_one_out
from assetrec.tables import evaluation as evaluation_table
from conftest import random_interactions, random_user_items

FAST = Settings(als_factors=4, als_iterations=2)


def _identity(model):
    return model


def _entries(m: sp.csr_matrix) -> set[tuple[int, int]]:
    coo = m.tocoo()
    return set(zip(coo.row.tolist(), coo.col.tolist(), strict=True))


def test_validation_folds_only_split_the_training_rows():
    train = random_user_items(n_users=60, n_items=20, density=0.2, seed=1)
    folds = tuning.validation_folds(train, seed=7)
    assert len(folds) == tuning.MAX_FOLDS  # 60 cookies: few, so several folds
    for fold_train, fold_validation in folds:
        assert _entries(fold_train) | _entries(fold_validation) == _entries(train)
        assert not _entries(fold_train) & _entries(fold_validation)
    assert len({frozenset(_entries(v)) for _, v in folds}) == len(folds)  # different held-out rows


def test_model_evaluation_tunes_on_the_training_part_only(monkeypatch):
    """Every matrix the tuner sees holds no entry of the split's test part: the test part cannot steer the
    settings (and choose_model reads validation_ndcg only: test_tables)."""
    df = random_interactions(n_cookies=80, n_pages=15, seed=3)
    pages = pd.DataFrame({"page_url": sorted(set(df["page_url"])), "business_units": [["a"]] * 15})
    seen = []
    real_tune = tuning.tune

    def spy(train, *args, **kwargs):
        seen.append(train.copy())
        return real_tune(train, *args, **kwargs)

    monkeypatch.setattr(evaluation_table, "tune", spy)
    settings = dataclasses.replace(FAST, tuning_budget_seconds=0.0)
    with duckdb.connect() as con:
        out = evaluation_table.model_evaluation(con.from_df(df), con.from_df(pages), settings, run_id="r")
    assert len(seen) == len(set(out["split"]))
    data = evaluation_table.Interactions.from_frame(df)
    _, test = leave_one_out(data.matrix, seed=settings.eval_seed)
    assert not _entries(seen[0]) & _entries(test)
    assert _entries(seen[0]) | _entries(test) == _entries(data.matrix)


def test_tuning_is_deterministic_and_never_worse_than_the_vars():
    train = random_user_items(n_users=120, n_items=25, density=0.15, seed=4)
    # A badly over-regularised EASE from the vars: the search must move away from it.
    settings = dataclasses.replace(FAST, ease_l2=1e7)
    first = tuning.tune(train, settings, _identity, budget_seconds=600, seed=1)
    second = tuning.tune(train, settings, _identity, budget_seconds=600, seed=1)
    assert {n: (t.params, t.validation_ndcg) for n, t in first.items()} == {
        n: (t.params, t.validation_ndcg) for n, t in second.items()
    }
    untuned = tuning.tune(train, settings, _identity, budget_seconds=0, seed=1)
    assert "blend" in first and "blend" not in untuned  # no budget: the vars as they are, no blend
    for name in untuned:
        assert first[name].validation_ndcg >= untuned[name].validation_ndcg - 1e-12
        assert untuned[name].params == registry.defaults(name, settings)
    assert (
        first["ease"].params["l2"] < 1e7 and first["ease"].validation_ndcg > untuned["ease"].validation_ndcg
    )


def test_validation_score_is_the_mean_ndcg_over_the_folds():
    train = random_user_items(n_users=50, n_items=12, density=0.25, seed=5)
    folds = tuning.validation_folds(train, seed=2)
    tuned = tuning.tune(train, FAST, _identity, budget_seconds=0, seed=2)
    # Independent NDCG@10 of most_popular with one held-out item per user: 1/log2(rank + 1) when it is in
    # the top 10 of the unseen items ranked by popularity (ties: lower id).
    values = []
    for fold_train, held in folds:
        popularity = np.asarray((fold_train > 0).sum(axis=0)).ravel()
        order = np.lexsort((np.arange(12), -popularity))
        gains = []
        for u in np.flatnonzero(np.diff(held.indptr)):
            seen = set(fold_train[u].indices.tolist())
            ranking = [i for i in order if i not in seen][:10]
            target = held[u].indices[0]
            gains.append(1 / np.log2(ranking.index(target) + 2) if target in ranking else 0.0)
        values.append(np.mean(gains))
    assert np.isclose(tuned["most_popular"].validation_ndcg, np.mean(values), rtol=1e-12)


def test_the_blend_combines_the_two_best_single_models():
    train = random_user_items(n_users=80, n_items=20, density=0.2, seed=6)
    tuned = tuning.tune(train, FAST, _identity, budget_seconds=600, seed=3)
    singles = [n for n in registry.names() if registry.spec(n).kind not in ("baseline", "blend")]
    best_two = sorted(singles, key=lambda n: (-tuned[n].validation_ndcg, registry.names().index(n)))[:2]
    assert [m for m, _ in tuned["blend"].params["models"]] == best_two
    assert tuned["blend"].params["weight"] in tuning.BLEND_WEIGHTS


def test_data_without_a_cookie_to_validate_on_keeps_the_vars():
    # Every cookie has one page: no validation cookie, NaN scores; the vars' settings are kept.
    train = sp.csr_matrix((np.ones(30), (np.arange(30), np.arange(30) % 7)), shape=(30, 7))
    tuned = tuning.tune(train, FAST, _identity, budget_seconds=5, seed=1)
    for name, result in tuned.items():
        assert np.isnan(result.validation_ndcg)
        if name != "blend":
            assert result.params == registry.defaults(name, FAST)


def test_the_budget_is_spent_in_planned_seconds_not_read_from_the_clock(monkeypatch):
    """A busy machine (here: a clock that jumps an hour at every reading) changes nothing: the same data and
    seed give the same search and choice, so concurrent builds write the same recommendations."""
    train = random_user_items(n_users=90, n_items=18, density=0.2, seed=8)
    reference = tuning.tune(train, FAST, _identity, budget_seconds=5, seed=1)
    ticks = iter(range(0, 10**9, 3600))
    monkeypatch.setattr("time.perf_counter", lambda: float(next(ticks)))
    monkeypatch.setattr("time.monotonic", lambda: float(next(ticks)))
    busy = tuning.tune(train, FAST, _identity, budget_seconds=5, seed=1)
    assert {n: t.params for n, t in busy.items()} == {n: t.params for n, t in reference.items()}


def test_each_family_scores_points_until_its_share_of_the_planned_budget_is_spent(monkeypatch):
    """Every point planned at 1 s and a 16 s budget, shared among the families still to tune (hand-worked):
    most_popular 16/8 = 2 but has 1 point; cooccurrence 15/7 = 2.14: 3 points; rp3beta 12/6: 2;
    als_prototype 10/5 (1 point): 1; als 9/4 = 2.25: 3; ease 6/3: 2; edlae 4/2: 2; dlae 2/1: 2. The 16 s
    are then spent: no blend."""
    monkeypatch.setattr(tuning, "point_seconds", lambda name, params, shapes: 1.0)
    scored = []
    real_make = registry.make

    def counting(name, settings, params):
        scored.append(name)
        return real_make(name, settings, params)

    monkeypatch.setattr(registry, "make", counting)
    train = random_user_items(n_users=70, n_items=15, density=0.2, seed=9)
    tuned = tuning.tune(train, FAST, _identity, budget_seconds=16, seed=1)
    folds = len(tuning.validation_folds(train, seed=1))
    expected = {"most_popular": 1, "cooccurrence": 3, "rp3beta": 2, "als_prototype": 1, "als": 3}
    expected |= {"ease": 2, "edlae": 2, "dlae": 2}
    assert {name: scored.count(name) for name in expected} == {n: c * folds for n, c in expected.items()}
    assert "blend" not in tuned
