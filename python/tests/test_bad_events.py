"""Bad-events catalogue: odd and broken event exports fed to `dbt build` through var events_path, with the
outcome of each kind asserted.

Either the build succeeds, every bad row is in `rejected_events` with its file, row number and a specific
reason (or counted in `ignored_events_summary` when it is not a submission), and raw = accepted + rejected +
ignored; or the build stops, and dbt's output names the file, the var and the problem in plain words,
without a Python traceback. All row-level problems share one build (`mixed`, several daily files); the
problems that stop the build cost one short build each. Builds run one at a time (2 shared cores).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest
from conftest import run_dbt, selected_cases

pytestmark = pytest.mark.dbt

SELECT = [
    "+fct_page_interactions",
    "+rejected_events",
    "+ignored_events_summary",
    "+business_unit_activity",
    "+business_unit_activity_by_period",
    "+rejected_submissions",
    "+rejected_bu_mappings",
]
ANSI = re.compile(r"\x1b\[[0-9;]*m")
P1, P2, UNMAPPED = "https://ex.com/p1", "https://ex.com/p2", "https://ex.com/not-in-the-mapping"
CANONICAL = ["event_id", "cookie", "page_url", "event_timestamp", "event_name", "gated_asset_type"]


def csv_text(header: list[str], rows: list[tuple]) -> str:
    def field(value: str) -> str:
        return f'"{value}"' if any(c in value for c in ',"\n') else value

    return "\n".join(",".join(field(v) for v in row) for row in [tuple(header), *rows]) + "\n"


def write(path: Path, text: str | bytes) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    return str(path)


def write_parquet(path: Path, select_sql: str) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect() as con:
        con.execute(f"copy ({select_sql}) to '{path}' (format parquet)")
    return str(path)


def ok(cookie, page_url, utc):
    """An accepted event: (cookie, page_url, its instant in UTC as text)."""
    return ("ok", cookie, page_url, utc)


IGNORED = ("ignored",)
T = "2024-03-01T09:00:00Z"  # a good timestamp

# ---------------------------------------------------------------------------------------------------
# The mixed build: canonical format, submission_events [form_submit], event_timestamp_unit s.
# Day 1: every row-level problem. Each row: (event_id, cookie, page_url, event_timestamp, event_name,
# gated_asset_type), then the outcome: a reject reason, IGNORED, or ok(...).
# fmt: off
DAY1 = [
    # mixed offsets: the same instant written three ways, and an epoch in seconds
    (("e01", "000123", P1, "2024-03-01T10:00:00+02:00", "form_submit", "Gated Ebook Forms"),
     ok("000123", P1, "2024-03-01 08:00:00")),
    (("e02", "000123", P1, "2024-03-01T08:00:00Z", "form_submit", "Gated Ebook Forms"),
     ok("000123", P1, "2024-03-01 08:00:00")),
    (("e03", "c2", P1, "2024-03-01 08:00:00", "form_submit", ""), ok("c2", P1, "2024-03-01 08:00:00")),
    (("e04", "c2", P2, "1709280000", "form_submit", ""), ok("c2", P2, "2024-03-01 08:00:00")),
    (("e05", "c2", P2, "2024-03-01T03:00:00-0500", "form_submit", ""), ok("c2", P2, "2024-03-01 08:00:00")),
    # milliseconds and microseconds read as seconds: far in the future
    (("e06", "c3", P2, "1709280000000", "form_submit", ""), "event_timestamp_in_future"),
    (("e07", "c3", P2, "1709280000000000", "form_submit", ""), "event_timestamp_in_future"),
    # unparsable, impossible, missing, far-future, too early
    (("e08", "c3", P2, "yesterday", "form_submit", ""), "event_timestamp_unparsable"),
    (("e09", "c3", P2, "2024-02-30 10:00:00", "form_submit", ""), "event_timestamp_unparsable"),
    (("e10", "c3", P2, "  ", "form_submit", ""), "missing_event_timestamp"),
    (("e11", "c3", P2, "2999-01-01T00:00:00Z", "form_submit", ""), "event_timestamp_in_future"),
    (("e12", "c3", P2, "1999-12-31T23:59:59Z", "form_submit", ""), "event_timestamp_too_early"),
    (("e13", "c3", P2, "-5", "form_submit", ""), "event_timestamp_too_early"),
    # missing ids and names
    (("e14", "", P2, T, "form_submit", ""), "missing_cookie"),
    (("e15", "None", P2, T, "form_submit", ""), "missing_cookie"),
    (("e16", "c4", " \t", T, "form_submit", ""), "missing_page_url"),
    (("e17", "c4", P2, T, "", ""), "missing_event_name"),
    # a repeated event id: the first usable one wins, a bad row never hides a later good one
    (("e01", "c5", P1, T, "form_submit", ""), "duplicate_event_id"),
    (("e18", "c5", P1, "garbage", "form_submit", ""), "event_timestamp_unparsable"),
    (("e18", "c5", P1, T, "form_submit", ""), ok("c5", P1, "2024-03-01 09:00:00")),
    # without an id, a repeat of the same cookie, page, instant and name (re-delivered); another instant is kept
    (("", "c10", P2, T, "form_submit", ""), ok("c10", P2, "2024-03-01 09:00:00")),
    (("", "c10", P2, "2024-03-01T11:00:00+02:00", "form_submit", ""), "duplicate_event"),
    (("", "c10", P2, "2024-03-01T09:00:01Z", "form_submit", ""), ok("c10", P2, "2024-03-01 09:00:01")),
    # not submissions: ignored, counted by name (a bad value in an ignored event does not matter)
    (("e19", "c6", P1, T, "page_view", ""), IGNORED),
    (("e20", "", P1, "not a time", "page_view", ""), IGNORED),
    # a page missing from the mapping; ids exactly as text, surrounding spaces trimmed
    (("e21", "c7", UNMAPPED, T, "form_submit", "Gated Get Pricing"), ok("c7", UNMAPPED, "2024-03-01 09:00:00")),
    (("e22", " 0000000000000000000000000000000000000042 ", P1, T, " form_submit ", ""),
     ok("0000000000000000000000000000000000000042", P1, "2024-03-01 09:00:00")),
]
# Day 3: another column order and an extra column; the id e01 re-delivered; an event from late on day 2.
DAY3_HEADER = ["gated_asset_type", "event_name", "note", "event_timestamp", "page_url", "cookie", "event_id"]
DAY3 = [
    (("", "form_submit", "x", T, P1, "c8", "e01"), "duplicate_event_id"),
    (("", "form_submit", "y", "2024-03-02T23:30:00-02:00", P2, "c9", "e30"), ok("c9", P2, "2024-03-03 01:30:00")),
    (("", "scroll", "z", T, P2, "c9", "e31"), IGNORED),
]
# fmt: on
MAPPING = "business_unit,page_url\na," + P1 + "\nb," + P2 + "\n"


def mixed_build(folder: Path) -> dict:
    write(folder / "events_2024-03-01.csv", csv_text(CANONICAL, [row for row, _ in DAY1]))
    write(folder / "events_2024-03-02.csv", csv_text(CANONICAL, []))  # a quiet day: header only
    write(folder / "events_2024-03-03.csv", csv_text(DAY3_HEADER, [row for row, _ in DAY3]))
    # Parquet days: a TIMESTAMPTZ column and a TIMESTAMP (naive = UTC) column, typed cookies as text
    write_parquet(
        folder / "events_2024-03-04.parquet",
        f"select 'e40' as event_id, '007' as cookie, '{P1}' as page_url,"
        " timestamptz '2024-03-04 10:00:00+05' as event_timestamp, 'form_submit' as event_name",
    )
    write_parquet(
        folder / "events_2024-03-05.parquet",
        f"select 'e50' as event_id, '008' as cookie, '{P2}' as page_url,"
        " timestamp '2024-03-05 10:00:00' as event_timestamp, 'form_submit' as event_name",
    )
    return {
        "events_path": str(folder / "events_*"),
        "bu_mapping_path": write(folder / "bu_mapping.csv", MAPPING),
        "submission_events": ["form_submit"],
        "event_timestamp_unit": "s",
    }


PARQUET_KEPT = [ok("007", P1, "2024-03-04 05:00:00"), ok("008", P2, "2024-03-05 10:00:00")]


def ms_build(folder: Path) -> dict:
    """Milliseconds declared, a file with its own column names mapped through event_columns (matched
    without regard to case): an epoch in seconds read as milliseconds lands in 1970 (too early)."""
    rows = [("v1", P1, "1709280000000"), ("v2", P1, "1709280000"), ("v3", P2, "2024-03-01T08:00:00Z")]
    return {
        "events_path": write(folder / "export.csv", csv_text(["Visitor", "URL", "When"], rows)),
        "event_columns": {"cookie": "visitor", "page_url": "url", "event_timestamp": "when"},
        "event_timestamp_unit": "ms",
    }


MS_OUTCOMES = [
    ok("v1", P1, "2024-03-01 08:00:00"),
    "event_timestamp_too_early",
    ok("v3", P2, "2024-03-01 08:00:00"),
]

# ---------------------------------------------------------------------------------------------------
# Problems that stop the build. Each expected message is formatted with the build's vars and `folder`.

GOOD = csv_text(["cookie", "page_url", "event_timestamp"], [("c1", P1, T)])


def stop_integer_without_unit(folder: Path) -> dict:
    rows = [("c1", P1, T), ("c2", P1, "1709280000")]
    return {
        "events_path": write(folder / "events.csv", csv_text(["cookie", "page_url", "event_timestamp"], rows))
    }


def stop_missing_mapped_column(folder: Path) -> dict:
    write(folder / "events_1.csv", csv_text(["visitor_id", "page_url", "event_timestamp"], [("c1", P1, T)]))
    write(folder / "events_2.csv", GOOD)  # this day's export lost the column
    return {"events_path": str(folder / "events_*.csv"), "event_columns": {"cookie": "visitor_id"}}


def stop_no_submission_events(folder: Path) -> dict:
    rows = [("1709280000000000", "page_view", "u1", P1), ("1709280000000001", "page_view", "u1", P2)]
    header = ["event_timestamp", "event_name", "user_pseudo_id", "page_location"]
    return {"events_path": write(folder / "ga4.csv", csv_text(header, rows)), "event_format": "ga4"}


def stop_empty_file_among_good_ones(folder: Path) -> dict:
    write(folder / "events_1.csv", GOOD)
    write(folder / "events_2.csv", b"")
    write(folder / "events_3.csv", GOOD)
    return {"events_path": str(folder / "events_*.csv")}


def stop_no_file_matches(folder: Path) -> dict:
    return {"events_path": str(folder / "nothing_*.csv")}


def stop_both_inputs(folder: Path) -> dict:
    path = write(folder / "events.csv", GOOD)
    return {"events_path": path, "submissions_path": path, "bu_mapping_path": path}


def stop_unknown_format(folder: Path) -> dict:
    return {"events_path": write(folder / "events.csv", GOOD), "event_format": "adobe"}


def stop_malformed_day(folder: Path) -> dict:
    write(folder / "events_1.csv", GOOD)
    write(folder / "events_2.csv", f"cookie,page_url,event_timestamp\nc1,{P1},{T}\nc2,{P1},{T},extra\n")
    return {"events_path": str(folder / "events_*.csv")}


def stop_only_headers(folder: Path) -> dict:
    write(folder / "events_1.csv", csv_text(["cookie", "page_url", "event_timestamp"], []))
    write(folder / "events_2.csv", csv_text(["cookie", "page_url", "event_timestamp"], []))
    return {"events_path": str(folder / "events_*.csv")}


STOPS: dict[str, tuple[Callable[[Path], dict], list[str]]] = {
    "integer_timestamps_without_unit": (
        stop_integer_without_unit,
        [
            "Input file(s) {events_path} (var events_path) hold integer timestamps (e.g. 1709280000) in column"
            " event_timestamp: set var event_timestamp_unit to s, ms or us",
        ],
    ),
    "missing_mapped_column": (
        stop_missing_mapped_column,
        ["Input file {folder}/events_2.csv (var events_path) is missing column(s): visitor_id."],
    ),
    "no_submission_events": (
        stop_no_submission_events,
        [
            "Input file(s) {events_path} (var events_path) hold no submission event: 2 events, none named"
            " form_submit, generate_lead (var submission_events). Event names found: page_view (2).",
        ],
    ),
    "empty_file_among_good_ones": (
        stop_empty_file_among_good_ones,
        ["Input file {folder}/events_2.csv (var events_path) is empty (0 bytes)."],
    ),
    "no_file_matches": (
        stop_no_file_matches,
        ["Input file(s) {events_path} (var events_path): no file matches (does not exist)."],
    ),
    "both_inputs": (
        stop_both_inputs,
        ["Vars events_path and submissions_path are both set"],
    ),
    "unknown_format": (
        stop_unknown_format,
        ["Var event_format is adobe: use one of canonical, ga4, snowplow, segment."],
    ),
    "malformed_daily_file": (
        stop_malformed_day,
        [
            "Input file {folder}/events_2.csv (var events_path) is not a well-formed CSV file",
            "data row 2 has more fields than the header",
        ],
    ),
    "only_headers": (
        stop_only_headers,
        ["Input file(s) {events_path} (var events_path) have no data rows (only headers)."],
    ),
}
SUCCESSES = {"mixed": mixed_build, "ms": ms_build}


@dataclass
class Outcome:
    vars: dict
    folder: Path
    db_path: Path
    returncode: int
    output: str

    def check_built(self):
        assert self.returncode == 0, self.output[-6000:]

    def table(self, sql: str) -> list[tuple]:
        with duckdb.connect(str(self.db_path), read_only=True) as con:
            return con.execute(sql).fetchall()


@pytest.fixture(scope="module")
def outcomes(request, tmp_path_factory) -> dict[str, Outcome]:
    """Runs, one at a time, the builds the selected tests of this module ask for (`case`)."""
    wanted = selected_cases(request)
    results = {}
    for name in [n for n in [*SUCCESSES, *STOPS] if n in wanted]:
        work = tmp_path_factory.mktemp(name)
        folder = work / "input"
        folder.mkdir()
        make = SUCCESSES.get(name) or STOPS[name][0]
        variables = make(folder)
        db = work / "warehouse.duckdb"
        args = ["build", "--select", *SELECT, "--indirect-selection", "cautious"]
        result = run_dbt(args, db, work / "target", vars=variables, check=False)
        results[name] = Outcome(
            variables, folder, db, result.returncode, ANSI.sub("", result.stdout + result.stderr)
        )
    return results


# ---------------------------------------------------------------------------------------------------
# Builds that stop


@pytest.mark.parametrize("case", list(STOPS))
def test_bad_events_stop_the_build_with_a_plain_message(outcomes, case):
    outcome = outcomes[case]
    assert outcome.returncode != 0
    for message in STOPS[case][1]:
        assert message.format(folder=outcome.folder, **outcome.vars) in outcome.output, outcome.output[-4000:]
    assert "Traceback" not in outcome.output
    # Some problems stop dbt while it parses the project, before the database is even created.
    built = set()
    if outcome.db_path.exists():
        built = {name for (name,) in outcome.table("select table_name from information_schema.tables")}
    assert not built & {"fct_page_interactions", "fct_submission_events", "rejected_events"}


# ---------------------------------------------------------------------------------------------------
# The mixed build


def mixed_expectations(folder: Path):
    """(file, row number, outcome) of every raw row of the mixed build, in file order."""
    out = [(str(folder / "events_2024-03-01.csv"), n, o) for n, (_, o) in enumerate(DAY1, 1)]
    out += [(str(folder / "events_2024-03-03.csv"), n, o) for n, (_, o) in enumerate(DAY3, 1)]
    out += [
        (str(folder / f"events_2024-03-0{d}.parquet"), 1, o)
        for d, o in zip((4, 5), PARQUET_KEPT, strict=True)
    ]
    return out


def kept_events(outcome: Outcome) -> list[tuple]:
    """The accepted submission events as `(cookie, page_url, UTC time as text)`."""
    return outcome.table(
        "select cookie, page_url, strftime(timezone('UTC', event_timestamp), '%Y-%m-%d %H:%M:%S')"
        " from fct_submission_events"
    )


@pytest.mark.parametrize("case", ["mixed"])
def test_every_bad_event_is_quarantined_with_its_reason(outcomes, case):
    outcome = outcomes[case]
    outcome.check_built()
    got = outcome.table("select source_file, source_row_number, reject_reason from rejected_events")
    expected = [(f, n, o) for f, n, o in mixed_expectations(outcome.folder) if isinstance(o, str)]
    assert sorted(got) == sorted(expected)


@pytest.mark.parametrize("case", ["mixed"])
def test_every_good_event_is_kept_in_utc(outcomes, case):
    outcome = outcomes[case]
    outcome.check_built()
    got = kept_events(outcome)
    expected = [
        o[1:] for _, _, o in mixed_expectations(outcome.folder) if isinstance(o, tuple) and o[0] == "ok"
    ]
    assert sorted(got) == sorted(expected)


@pytest.mark.parametrize("case", ["mixed"])
def test_non_submission_events_are_counted_not_dropped(outcomes, case):
    outcome = outcomes[case]
    outcome.check_built()
    assert sorted(outcome.table("select event_name, events from ignored_events_summary")) == [
        ("page_view", 2),
        ("scroll", 1),
    ]


@pytest.mark.parametrize("case", ["mixed", "ms"])
def test_raw_equals_accepted_plus_rejected_plus_ignored(outcomes, case):
    outcome = outcomes[case]
    outcome.check_built()
    assert re.search(r"PASS assert_events_reconcile\b", outcome.output)
    raw, accepted, rejected, ignored = outcome.table(
        "select (select count(*) from base_events__events), (select count(*) from fct_submission_events),"
        " (select count(*) from rejected_events), (select coalesce(sum(events), 0) from ignored_events_summary)"
    )[0]
    expected_raw = len(DAY1) + len(DAY3) + len(PARQUET_KEPT) if case == "mixed" else len(MS_OUTCOMES)
    assert raw == expected_raw == accepted + rejected + ignored


@pytest.mark.parametrize("case", ["mixed"])
def test_interactions_from_the_mixed_events(outcomes, case):
    """Counted per (cookie, page); the page missing from the mapping is `unmapped`; the page's asset type is
    its most frequent one over its submission events (P1: Gated Ebook Forms twice, None four times)."""
    outcome = outcomes[case]
    outcome.check_built()
    got = dict(
        ((c, p), (n, t))
        for c, p, n, t in outcome.table(
            "select cookie, page_url, form_submissions, gated_asset_type from fct_page_interactions"
        )
    )
    assert got[("000123", P1)] == (2, "None")
    assert got[("c2", P2)] == (2, "None")
    assert got[("c7", UNMAPPED)] == (1, "Gated Get Pricing")
    units = dict(outcome.table("select business_unit, form_submissions from business_unit_activity"))
    assert units["unmapped"] == 1


@pytest.mark.parametrize("case", ["ms"])
def test_seconds_read_as_milliseconds_are_too_early(outcomes, case):
    outcome = outcomes[case]
    outcome.check_built()
    kept = kept_events(outcome)
    assert sorted(kept) == sorted(o[1:] for o in MS_OUTCOMES if isinstance(o, tuple))
    assert outcome.table("select source_row_number, reject_reason from rejected_events") == [
        (2, "event_timestamp_too_early")
    ]
