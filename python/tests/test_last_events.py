"""The time-based split of event input: each cookie's latest pages are held out, and choose the model."""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from assetrec.interactions import Interactions
from assetrec.settings import Settings
from assetrec.splits import last_events
from assetrec.tables import choose_model, model_evaluation
from assetrec.tables.evaluation import selection_split


def _cells(m):
    coo = m.tocoo()
    return sorted(zip(coo.row.tolist(), coo.col.tolist(), strict=True))


def test_the_latest_fifth_of_each_cookies_pages_is_held_out_by_hand():
    # user 0: 5 pages -> its 1 latest; user 1: 10 pages -> its 2 latest; user 2: one page -> none;
    # user 3: two pages at the same time -> the higher page id counts as later.
    rows = [0] * 5 + [1] * 10 + [2] + [3, 3]
    cols = [0, 1, 2, 3, 4] + list(range(10)) + [5] + [6, 7]
    times = [5, 1, 9, 3, 2] + [10, 20, 30, 40, 50, 60, 70, 80, 95, 90] + [1] + [4, 4]
    m = sp.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(4, 10))
    t = sp.csr_matrix((np.array(times, float), (rows, cols)), shape=(4, 10))
    train, test = last_events(m, t)
    assert _cells(test) == [(0, 2), (1, 8), (1, 9), (3, 7)]
    assert sorted(_cells(train) + _cells(test)) == _cells(m)
    with pytest.raises(ValueError, match="same stored cells"):
        last_events(m, t[:, :5])


def _events_frame():
    rng = np.random.default_rng(3)
    rows = []
    for c in range(120):
        pages = rng.choice(15, size=int(rng.integers(1, 7)), replace=False)
        for p in pages:
            rows.append(
                (
                    f"c{c:03d}",
                    f"p{p:02d}",
                    float(rng.integers(1, 4)),
                    pd.Timestamp("2026-01-01", tz="UTC") + pd.Timedelta(hours=int(rng.integers(0, 2000))),
                )
            )
    return pd.DataFrame(rows, columns=["cookie", "page_url", "event_strength", "last_submitted_at"])


def test_interactions_carry_each_pairs_last_submission_time():
    frame = _events_frame()
    data = Interactions.from_frame(frame)
    assert data.times is not None and _cells(data.times) == _cells(data.matrix)
    dense = data.times.toarray()
    for row in frame.sample(20, random_state=1).itertuples():
        i, j = list(data.cookies).index(row.cookie), list(data.pages).index(row.page_url)
        assert dense[i, j] == row.last_submitted_at.timestamp()
    assert Interactions.from_frame(frame.drop(columns="last_submitted_at")).times is None


def test_event_input_is_evaluated_and_chosen_on_last_events():
    frame = _events_frame()
    pages = pd.DataFrame({"page_url": sorted(set(frame["page_url"])), "business_units": [["a"]] * 15})
    settings = Settings(als_factors=4, als_iterations=2, tuning_budget_seconds=0)
    with duckdb.connect() as con:
        out = model_evaluation(con.from_df(frame), con.from_df(pages), settings, run_id="r")
    assert set(out["split"]) == {"last_events", "leave_one_out", "random_80_20"}
    assert selection_split(out) == "last_events"
    timed = out[out["split"] == "last_events"]
    best = timed.groupby("model")["validation_ndcg"].first().idxmax()
    assert choose_model(out, Settings()) == best
    # The aggregated export (no times) keeps leave_one_out.
    with duckdb.connect() as con:
        plain = model_evaluation(
            con.from_df(frame.drop(columns="last_submitted_at")), con.from_df(pages), settings, run_id="r"
        )
    assert set(plain["split"]) == {"leave_one_out", "random_80_20"}
