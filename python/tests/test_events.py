"""The event-level input (var events_path): exports of each analytics format built by dbt and checked against
an independent pandas computation from the same events; incremental builds day by day against a full refresh;
the half-life decay and the period table on tiny hand-worked cases.

The expected values are computed here from the generator's event objects (or hand-written rows), never
from the warehouse. Builds are shared through one module fixture, run one at a time (2 shared cores).
"""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from assetrec import registry
from assetrec.synth import events as synth
from conftest import REPO, ga4_nested_parquet, run_dbt

pytestmark = pytest.mark.dbt

WEIGHTS = REPO / "seeds" / "asset_type_weights.csv"
# The staging and marts the event input touches (no ML, no similarity): a quarter of a full build.
STAGING_SELECT = [
    "+fct_page_interactions",
    "+rejected_events",
    "+ignored_events_summary",
    "+business_unit_activity_by_period",
    "+rejected_submissions",
    "+rejected_bu_mappings",
]
FORMAT_VARS = {
    "canonical": {"submission_events": ["form_submit"]},
    "ga4": {"event_format": "ga4"},
    "snowplow": {"event_format": "snowplow"},
    "segment": {"event_format": "segment", "submission_events": ["Form Submitted"]},
}


def build(work: Path, variables: dict, select: list[str] | None = STAGING_SELECT, extra: list[str] = ()):
    """`dbt build` (only `select`, with the tests whose parents are all selected) on work/warehouse.duckdb."""
    work.mkdir(parents=True, exist_ok=True)
    args = ["build", *extra]
    if select:
        args += ["--select", *select, "--indirect-selection", "cautious"]
    run_dbt(args, work / "warehouse.duckdb", work / "target", vars=variables)
    return work / "warehouse.duckdb"


def rows(db: Path, sql: str) -> pd.DataFrame:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql).df()


def weights() -> dict[str, float]:
    table = pd.read_csv(WEIGHTS, dtype={"gated_asset_type": str}, keep_default_na=False)
    return dict(zip(table["gated_asset_type"], table["weight"], strict=True))


# ---------------------------------------------------------------------------------------------------
# The independent computation


def accepted_events(events: list[synth.Event], fmt: str) -> pd.DataFrame:
    """The submission events the build must accept, from the generator's objects: odd cookies trimmed, an
    empty cookie or an unparsable timestamp rejected, a re-delivered event (same id) counted once."""
    kept = []
    for e in events:
        if not e.submitted or e.odd in ("empty_cookie", "bad_timestamp"):
            continue
        if e.odd == "redelivered":  # rejected: duplicate_event_id, or duplicate_event without ids (ga4)
            continue
        kept.append(
            {"cookie": e.cookie, "page_url": e.page_url, "event_timestamp": e.at, "type": e.asset_type}
        )
    return pd.DataFrame(kept)


def expected_interactions(accepted: pd.DataFrame, half_life_days=None, as_of=None) -> pd.DataFrame:
    """fct_page_interactions from accepted events: per (cookie, page) the count, the first and last time,
    the page's most frequent asset type (ties: named before None, then by name), weight x sum of decays."""
    votes = accepted.groupby(["page_url", "type"]).size().rename("n").reset_index()
    votes["is_none"] = votes["type"] == "None"
    votes = votes.sort_values(["page_url", "n", "is_none", "type"], ascending=[True, False, True, True])
    page_type = votes.drop_duplicates("page_url").set_index("page_url")["type"]
    reference = as_of or accepted["event_timestamp"].max()
    if half_life_days is None:
        decay = pd.Series(1.0, index=accepted.index)
    else:
        age_days = (reference - accepted["event_timestamp"]).dt.total_seconds() / 86400
        decay = 0.5 ** (age_days / half_life_days)
    grouped = accepted.assign(decay=decay).groupby(["cookie", "page_url"])
    out = grouped.agg(
        form_submissions=("decay", "size"),
        decayed=("decay", "sum"),
        first_submitted_at=("event_timestamp", "min"),
        last_submitted_at=("event_timestamp", "max"),
    ).reset_index()
    out["gated_asset_type"] = out["page_url"].map(page_type)
    out["asset_weight"] = out["gated_asset_type"].map(weights()).fillna(1.0)
    out["event_strength"] = out["asset_weight"] * out["decayed"]
    return out.drop(columns="decayed")


def warehouse_interactions(db: Path) -> pd.DataFrame:
    return rows(
        db,
        "select cookie, page_url, gated_asset_type, form_submissions, asset_weight, event_strength,"
        " first_submitted_at, last_submitted_at from fct_page_interactions",
    )


def assert_same_interactions(actual: pd.DataFrame, expected: pd.DataFrame):
    key = ["cookie", "page_url"]
    columns = [*key, "gated_asset_type", "form_submissions", "asset_weight", "event_strength"]
    columns += ["first_submitted_at", "last_submitted_at"]
    a = actual[columns].sort_values(key).reset_index(drop=True)
    e = expected[columns].sort_values(key).reset_index(drop=True)
    for frame in (a, e):
        for column in ("first_submitted_at", "last_submitted_at"):
            frame[column] = pd.to_datetime(frame[column], utc=True).astype("datetime64[us, UTC]")
        frame["form_submissions"] = frame["form_submissions"].astype("int64")
    pd.testing.assert_frame_equal(a, e, check_exact=False, rtol=1e-9)


# ---------------------------------------------------------------------------------------------------
# Writing exports


# ---------------------------------------------------------------------------------------------------
# The builds (one module fixture; each build only once, one at a time)

GENERATED = synth.generate_events(days=5, cookies=30, pages=10, sessions_per_day=10, seed=3)


def tiny_events() -> list[dict]:
    """The hand-worked case: three cookies, two pages, events over two months and two quarters."""
    t0 = datetime(2024, 3, 30, 12, 0, tzinfo=UTC)
    return [
        {"cookie": "001", "page_url": "p1", "at": t0, "type": "Gated Get Pricing"},
        {"cookie": "001", "page_url": "p1", "at": t0 + timedelta(days=2), "type": "Gated Get Pricing"},
        {"cookie": "002", "page_url": "p1", "at": t0 + timedelta(days=4), "type": "Gated Get Pricing"},
        {"cookie": "002", "page_url": "p2", "at": t0 - timedelta(days=40), "type": "Gated Ebook Forms"},
        {"cookie": "003", "page_url": "p2", "at": t0 + timedelta(days=3), "type": "Gated Ebook Forms"},
    ]


def write_tiny(folder: Path) -> dict:
    folder.mkdir(parents=True, exist_ok=True)
    lines = ["cookie,page_url,event_timestamp,gated_asset_type"]
    for e in tiny_events():
        # written in +02:00: the build must convert to UTC
        lines.append(
            f"{e['cookie']},{e['page_url']},{e['at'].astimezone(synth.PLUS_TWO).isoformat()},{e['type']}"
        )
    (folder / "events.csv").write_text("\n".join(lines) + "\n")
    (folder / "bu_mapping.csv").write_text("business_unit,page_url\na,p1\nb,p1\na,p2\n")
    return {"events_path": str(folder / "events.csv"), "bu_mapping_path": str(folder / "bu_mapping.csv")}


@pytest.fixture(scope="module")
def exports(tmp_path_factory) -> dict[str, tuple[Path, dict]]:
    """The per-format builds: ga4 CSV as a full `dbt build` (ML included), the others staging and marts."""
    built = {}
    for fmt in ("ga4", "snowplow", "segment"):
        work = tmp_path_factory.mktemp(fmt)
        synth.write_events(work / "input", fmt, events_and_mapping=GENERATED)
        variables = {
            "events_path": str(work / "input" / "events_*.csv"),
            "bu_mapping_path": str(work / "input" / "bu_mapping.csv"),
            **FORMAT_VARS[fmt],
        }
        built[fmt] = (build(work, variables, select=None if fmt == "ga4" else STAGING_SELECT), variables)
    work = tmp_path_factory.mktemp("ga4_parquet")
    parquet = ga4_nested_parquet(GENERATED[0], work / "input" / "events_2024.parquet")
    variables = {"events_path": str(parquet), "event_format": "ga4"}
    built["ga4_parquet"] = (build(work, variables), variables)
    return built


@pytest.mark.parametrize("fmt", ["ga4", "snowplow", "segment", "ga4_parquet"])
def test_each_format_builds_the_interactions_pandas_computes(exports, fmt):
    db, _ = exports[fmt]
    expected = expected_interactions(accepted_events(GENERATED[0], fmt.split("_")[0]))
    assert_same_interactions(warehouse_interactions(db), expected)


@pytest.mark.parametrize("fmt", ["ga4", "snowplow", "segment", "ga4_parquet"])
def test_raw_rows_are_accepted_rejected_or_ignored(exports, fmt):
    db, _ = exports[fmt]
    written = GENERATED[0]
    counts = rows(
        db,
        "select (select count(*) from base_events__events) as raw,"
        " (select count(*) from fct_submission_events) as accepted,"
        " (select count(*) from rejected_events) as rejected,"
        " (select coalesce(sum(events), 0) from ignored_events_summary) as ignored",
    ).iloc[0]
    views = sum(not e.submitted for e in written)
    odd = {e.odd for e in written if e.odd and e.odd != "spaces"}
    assert counts["raw"] == len(written)
    assert counts["ignored"] == views
    assert counts["rejected"] == len(odd)
    assert counts["raw"] == counts["accepted"] + counts["rejected"] + counts["ignored"]
    reasons = set(rows(db, "select reject_reason from rejected_events")["reject_reason"])
    # GA4 has no event ids: its re-delivered event is a repeat of the same cookie, page, instant and name
    expected = {"empty_cookie": "missing_cookie"}
    expected["redelivered"] = "duplicate_event" if fmt.startswith("ga4") else "duplicate_event_id"
    # a null INT64 timestamp is missing; the text `not a time` is unparsable
    expected["bad_timestamp"] = (
        "missing_event_timestamp" if fmt == "ga4_parquet" else "event_timestamp_unparsable"
    )
    assert reasons == {expected[kind] for kind in odd}


def test_full_build_on_events_runs_the_recommenders(exports):
    """The ga4 CSV build was a full `dbt build`: every model, ML included, built and tested on events."""
    db, _ = exports["ga4"]
    recommendations = rows(db, "select count(distinct cookie) as n from recommendations").iloc[0]["n"]
    cookies = rows(db, "select count(*) as n from dim_cookies").iloc[0]["n"]
    assert recommendations == cookies > 0
    assert rows(db, "select count(*) as n from model_evaluation").iloc[0]["n"] > 0
    # Event input is evaluated on each cookie's latest pages too, and the model is chosen there: the best
    # validation NDCG@10 of last_events (ties: the earlier model of the registry).
    timed = rows(
        db,
        "select model, any_value(validation_ndcg) as v from model_evaluation where split = 'last_events' group by model",
    )
    assert not timed.empty
    order = list(registry.names())
    scores = dict(zip(timed["model"], timed["v"].fillna(-1.0), strict=True))
    best = max(scores, key=lambda m: (scores[m], -order.index(m)))
    assert rows(db, "select chosen_model from model_runs").iloc[0]["chosen_model"] == best
    assert set(rows(db, "select distinct model from recommendations")["model"]) == {best}


# ---------------------------------------------------------------------------------------------------
# Incremental = full refresh


def test_incremental_day_by_day_equals_full_refresh(tmp_path):
    """Daily files arrive one at a time in the globbed folder (day 4's file holds a late event of day 2 and a
    re-delivered one); after each day's incremental build the tables equal a full refresh of the same files."""
    work, inbox = tmp_path / "inc", tmp_path / "inc" / "inbox"
    source = tmp_path / "all"
    paths = synth.write_events(source, "canonical", events_and_mapping=GENERATED)
    late = [e for e in GENERATED[0] if e.delivered != e.at.date().isoformat()]
    assert late, "the generator must produce late events for this test to mean something"
    inbox.mkdir(parents=True)
    variables = {"events_path": str(inbox / "events_*.csv"), "submission_events": ["form_submit"]}
    columns = "cookie, page_url, event_timestamp, event_name, gated_asset_type, source_file"
    key = ["cookie", "page_url", "event_timestamp", "source_file"]
    select = ["+fct_page_interactions", "+business_unit_activity_by_period"]
    for day, path in enumerate(paths, 1):
        shutil.copy(path, inbox / path.name)
        db = build(work, variables, select=select)
        if day in (2, len(paths)):  # compare mid-way and at the end (each comparison costs a build)
            incremental_events = rows(db, f"select {columns} from fct_submission_events")
            incremental = warehouse_interactions(db)
            refresh = build(tmp_path / f"refresh{day}", variables, select=select, extra=["--full-refresh"])
            full_events = rows(refresh, f"select {columns} from fct_submission_events")
            pd.testing.assert_frame_equal(
                incremental_events.sort_values(key).reset_index(drop=True),
                full_events.sort_values(key).reset_index(drop=True),
            )
            assert_same_interactions(incremental, warehouse_interactions(refresh))
    # and both equal the independent computation on every event
    assert_same_interactions(incremental, expected_interactions(accepted_events(GENERATED[0], "canonical")))


def test_an_event_later_than_the_window_needs_a_full_refresh(tmp_path):
    """Defined behaviour: an event older than (latest loaded - late_event_days) arriving later is not loaded
    by an incremental build; --full-refresh loads it."""
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    header = "cookie,page_url,event_timestamp\n"
    (inbox / "events_1.csv").write_text(header + "c1,p1,2024-03-10T00:00:00Z\n")
    variables = {"events_path": str(inbox / "events_*.csv"), "late_event_days": 1}
    select = ["+fct_submission_events"]
    build(tmp_path, variables, select=select)
    (inbox / "events_2.csv").write_text(header + "c2,p1,2024-03-09T12:00:00Z\nc3,p1,2024-03-08T00:00:00Z\n")
    db = build(tmp_path, variables, select=select)
    assert sorted(rows(db, "select cookie from fct_submission_events")["cookie"]) == ["c1", "c2"]
    db = build(tmp_path, variables, select=select, extra=["--full-refresh"])
    assert sorted(rows(db, "select cookie from fct_submission_events")["cookie"]) == ["c1", "c2", "c3"]


def test_staging_reloads_only_new_or_changed_files_and_equals_a_full_refresh(tmp_path):
    """The staging table is incremental by file. Each step changes the inbox as users' exports do (a new day
    repeating an earlier event id, a header-only day, a backfilled older file, a rewritten file, a removed
    file); after each incremental build the staging, quarantine and event tables equal a full refresh of
    the same files, and the compiled model reads only the files from the first new or changed one on."""
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    header = "event_id,cookie,page_url,event_timestamp,event_name\n"

    def write(name: str, *lines: str) -> None:
        (inbox / name).write_text(header + "".join(line + "\n" for line in lines))

    variables = {"events_path": str(inbox / "events_*.csv"), "submission_events": ["form_submit"]}
    select = ["+fct_submission_events", "+rejected_events", "+ignored_events_summary"]
    tables = {
        "stg_events__events_validated": "source_file, source_row_number",
        "rejected_events": "source_file, source_row_number",
        "ignored_events_summary": "event_name",
        "fct_submission_events": "source_file, cookie, page_url, event_timestamp",
    }

    def reload_condition() -> str:
        path = next((tmp_path / "inc" / "target" / "compiled").rglob("stg_events__events_validated.sql"))
        sql = path.read_text()
        return sql[sql.index("from (select * from") :].split(") as base_events")[0]

    steps = [
        (
            "events_2024-03-01.csv",
            ["e1,c1,p1,2024-03-01T10:00:00Z,form_submit", "e2,c1,p2,2024-03-01T11:00:00Z,page_view"],
        ),
        (
            "events_2024-03-02.csv",
            ["e3,c2,p1,2024-03-02T10:00:00Z,form_submit", "e1,c1,p1,2024-03-01T10:00:00Z,form_submit"],
        ),
        ("events_2024-03-03.csv", []),  # a day without events
        (
            "events_2024-02-29.csv",
            ["e3,c9,p9,2024-02-29T09:00:00Z,form_submit"],
        ),  # backfill: now e3's first copy
        (
            "events_2024-03-02.csv",
            [
                "e3,c2,p1,2024-03-02T10:00:00Z,form_submit",
                "e1,c1,p1,2024-03-01T10:00:00Z,form_submit",
                "e4,c3,p2,2024-03-02T12:00:00Z,form_submit",
            ],
        ),  # rewritten with one more event
        ("events_2024-02-29.csv", None),  # removed again
    ]
    expected_reads = [None, "2024-03-02", "false", "2024-02-29", "2024-03-02", "2024-02-29"]
    for step, ((name, lines), reads) in enumerate(zip(steps, expected_reads, strict=True)):
        if lines is None:
            (inbox / name).unlink()
        else:
            write(name, *lines)
        incremental = build(tmp_path / "inc", variables, select=select)
        condition = reload_condition()
        if reads is None:
            assert "where true" in condition, condition
        elif reads == "false":
            assert "where false" in condition, condition
        else:
            assert f"events_{reads}.csv'" in condition and "source_file >=" in condition, (step, condition)
        refresh = build(tmp_path / f"refresh{step}", variables, select=select, extra=["--full-refresh"])
        for table, order in tables.items():
            pd.testing.assert_frame_equal(
                rows(incremental, f"select * from {table} order by {order}"),
                rows(refresh, f"select * from {table} order by {order}"),
                obj=f"{table} after step {step}",
            )
    # Hand-checked end state: e1's second copy and e3's second copy are duplicates; e2 is ignored.
    assert sorted(rows(incremental, "select cookie from fct_submission_events")["cookie"]) == [
        "c1",
        "c2",
        "c3",
    ]
    assert rows(incremental, "select reject_reason from rejected_events")["reject_reason"].tolist() == [
        "duplicate_event_id"
    ]


# ---------------------------------------------------------------------------------------------------
# Time decay and periods on the hand-worked case


@pytest.fixture(scope="module")
def tiny(tmp_path_factory) -> Path:
    work = tmp_path_factory.mktemp("tiny")
    variables = {**write_tiny(work / "input"), "half_life_days": 2, "top_k": 1}
    return build(work, variables)


def test_half_life_decay_by_hand(tiny):
    """as_of = the latest event (t0 + 4 days). Cookie 001 on p1: events 4 and 2 days old, half-life 2 days:
    0.5^2 + 0.5^1 = 0.75, x weight 3.0 (Gated Get Pricing) = 2.25; cookie 002 on p1: age 0: 1 x 3.0; on p2:
    44 days old: 0.5^22 x 2.0 (Ebook); cookie 003 on p2: 1 day: 0.5^0.5 x 2.0."""
    got = rows(tiny, "select cookie, page_url, event_strength, form_submissions from fct_page_interactions")
    got = {(r.cookie, r.page_url): (r.event_strength, r.form_submissions) for r in got.itertuples()}
    assert got.keys() == {("001", "p1"), ("002", "p1"), ("002", "p2"), ("003", "p2")}
    assert got[("001", "p1")] == (pytest.approx(2.25, rel=1e-12), 2)
    assert got[("002", "p1")] == (pytest.approx(3.0, rel=1e-12), 1)
    assert got[("002", "p2")] == (pytest.approx(2.0 * 0.5**22, rel=1e-9), 1)
    assert got[("003", "p2")] == (pytest.approx(2.0 * 0.5**0.5, rel=1e-12), 1)


def test_first_and_last_submission_are_utc(tiny):
    got = rows(
        tiny, "select first_submitted_at, last_submitted_at from fct_page_interactions where cookie = '001'"
    )
    assert pd.Timestamp(got.iloc[0, 0]) == pd.Timestamp("2024-03-30 12:00:00", tz="UTC")
    assert pd.Timestamp(got.iloc[0, 1]) == pd.Timestamp("2024-04-01 12:00:00", tz="UTC")


def expected_periods(events: list[dict], mapping: list[tuple[str, str]], top_k: int) -> pd.DataFrame:
    frame = pd.DataFrame(events)
    frame["at"] = pd.to_datetime(frame["at"], utc=True)
    first = frame.groupby("cookie")["at"].min()
    units = pd.DataFrame(mapping, columns=["business_unit", "page_url"])
    frame = frame.merge(units, on="page_url", how="left").fillna({"business_unit": "unmapped"})
    out = []
    for period_type, freq in (("month", "M"), ("quarter", "Q")):
        naive = frame["at"].dt.tz_localize(None)
        frame["period_start"] = naive.dt.to_period(freq).dt.start_time.dt.date
        frame["first_start"] = (
            frame["cookie"].map(first).dt.tz_localize(None).dt.to_period(freq).dt.start_time.dt.date
        )
        for (unit, start), group in frame.groupby(["business_unit", "period_start"]):
            counts = group.groupby("page_url").size().reset_index(name="n")
            counts = counts.sort_values(["n", "page_url"], ascending=[False, True])
            out.append(
                {
                    "business_unit": unit,
                    "period_type": period_type,
                    "period_start": start,
                    "cookies": group["cookie"].nunique(),
                    "new_cookies": group.loc[
                        group["period_start"] == group["first_start"], "cookie"
                    ].nunique(),
                    "submissions": len(group),
                    "pages": group["page_url"].nunique(),
                    "top_pages": list(counts["page_url"][:top_k]),
                }
            )
    return pd.DataFrame(out)


def test_period_table_matches_pandas(tiny):
    key = ["business_unit", "period_type", "period_start"]
    got = rows(tiny, "select * from business_unit_activity_by_period").sort_values(key).reset_index(drop=True)
    mapping = [("a", "p1"), ("b", "p1"), ("a", "p2")]
    expected = expected_periods(tiny_events(), mapping, top_k=1).sort_values(key).reset_index(drop=True)
    got["top_pages"] = got["top_pages"].map(list)
    got["period_start"] = pd.to_datetime(got["period_start"]).dt.date
    for column in ("cookies", "new_cookies", "submissions", "pages"):
        got[column] = got[column].astype("int64")
        expected[column] = expected[column].astype("int64")
    pd.testing.assert_frame_equal(got[expected.columns], expected)


def test_aggregated_export_leaves_the_event_tables_empty(sample_warehouse):
    counts = rows(
        sample_warehouse,
        "select (select count(*) from fct_submission_events) + (select count(*) from rejected_events)"
        " + (select count(*) from business_unit_activity_by_period) as n,"
        " (select count(*) from fct_page_interactions where first_submitted_at is not null) as timed",
    ).iloc[0]
    assert counts["n"] == 0 and counts["timed"] == 0
