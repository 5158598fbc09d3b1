"""Bad-input catalogue: odd and broken exports fed to `dbt build` through the
`submissions_path` / `bu_mapping_path` vars, with the outcome of each kind asserted.

Either the build succeeds, every bad row is in `rejected_submissions` / `rejected_bu_mappings` with its
row number and a specific reason, and raw = clean + rejected (the reconcile tests run in the build); or
the build stops, and dbt's output names the file, the var and the problem in plain words, without a
Python traceback.

Cost: a dbt invocation takes ~10 s, mostly parsing. So all row-level problems share one build (`mixed`),
dataset-level oddities (Parquet, a path with spaces and a quote, a single cookie, a single page, a mapping
that maps no submitted page) share two more, and the problems that stop the build come two per build,
one in each file (both raw readers are compiled, so both messages are printed). A module fixture runs the
builds the selected tests need, WORKERS at a time.
"""

from __future__ import annotations

import csv
import io
import os
import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest
from conftest import run_dbt, selected_cases

pytestmark = pytest.mark.dbt

# The full `dbt build` (every model and test, ML included); a list of selectors narrows it for debugging.
BUILD_SELECT: list[str] = []
WORKERS = max(2, min(4, os.cpu_count() or 2))

SUBMISSIONS_COLUMNS = ["cookie", "gated_asset_type", "page_url", "form_submissions"]
MAPPING_COLUMNS = ["business_unit", "page_url"]
ANSI = re.compile(r"\x1b\[[0-9;]*m")


# ---------------------------------------------------------------------------------------------------
# Writing exports


def csv_bytes(header, rows, *, index=True, line_end="\n", bom=False) -> bytes:
    """A CSV export as pandas writes it (unnamed index column first), or with the given quirks."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator=line_end)
    writer.writerow(["", *header] if index else header)
    for number, row in enumerate(rows):
        writer.writerow([number, *row] if index else row)
    return (b"\xef\xbb\xbf" if bom else b"") + out.getvalue().encode()


def write(path: Path, data: bytes) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return str(path)


def write_parquet(path: Path, select_sql: str) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    target = str(path).replace("'", "''")
    with duckdb.connect() as con:
        con.execute(f"copy ({select_sql}) to '{target}' (format parquet)")
    return str(path)


# ---------------------------------------------------------------------------------------------------
# The mixed build: one submissions file and one mapping file holding every row-level problem.
#
# Submissions file quirks: UTF-8 BOM, CRLF line endings, no index column, columns in another order, an
# extra column, header names in another case and with spaces, quoted fields with commas, quotes and line
# breaks. Each row: the values as written, then the outcome: a reject reason, or the clean row
# (cookie, page_url, gated_asset_type, form_submissions) expected in fct_page_interactions.

SQL_TEXT = "x'); drop table fct_page_interactions; --"
UNICODE_TEXT = "ünïcødé ✓ 页面 🍪"
JINJA_TEXT = "{{ var('submissions_path') }} {% if true %}"


def kept(cookie, page_url, gated_asset_type, form_submissions):
    return (cookie, page_url, gated_asset_type, form_submissions)


P1, P2, P3 = "https://ex.com/p1", "https://ex.com/p2", "https://ex.com/p3"
ID40 = "0012345678901234567890123456789012345678"
ID48 = "000000000000000000000000000000000000000000000042"
QUOTED_TYPE = 'Gated "Special", Forms\nsecond line'
QUOTED_PAGE = "https://ex.com/q?a=1,b=2\r\nline 2"
EBOOK, PRICING = "Gated Ebook Forms", "Gated Get Pricing"

# fmt: off
MIXED_SUBMISSIONS = [
    # ids stay text exactly as written: leading zeros, 40+ digits
    (ID40, EBOOK, P1, "3", kept(ID40, P1, EBOOK, 3)),
    (ID48, "Gated Webinar Forms", P2, "1", kept(ID48, P2, "Gated Webinar Forms", 1)),
    # quoted fields with commas, double quotes and line breaks (this asset type is not in the weights seed)
    ("c-quoted", QUOTED_TYPE, QUOTED_PAGE, "2", kept("c-quoted", QUOTED_PAGE, QUOTED_TYPE, 2)),
    # form_submissions that are not a usable count
    ("c-bad", "None", P1, "abc", "form_submissions_not_a_number"),
    ("c-bad", "None", P1, "0", "form_submissions_not_positive"),
    ("c-bad", "None", P1, "-3", "form_submissions_not_positive"),
    ("c-bad", "None", P1, "1.5", "form_submissions_not_an_integer"),
    ("c-bad", "None", P1, "99999999999999999999", "form_submissions_out_of_range"),
    ("c-bad", "None", P1, "9223372036854775807", "form_submissions_out_of_range"),
    ("c-bad", "None", P1, "2147483648", "form_submissions_out_of_range"),
    ("c-bad", "None", P1, "inf", "form_submissions_out_of_range"),
    ("c-bad", "None", P1, "nan", "form_submissions_not_a_number"),
    ("c-bad", "None", P1, "1,000", "form_submissions_not_a_number"),
    ("c-bad", "None", P1, "+5", "form_submissions_not_an_integer"),
    ("c-bad", "None", P1, "1e3", "form_submissions_not_an_integer"),
    ("c-bad", "None", P1, "", "missing_form_submissions"),
    ("c-bad", "None", P1, " None ", "missing_form_submissions"),
    # counts written with a zero fraction or surrounding whitespace are fine; 2^31 - 1 is the largest
    ("c-ok", "None", P1, "3.0", kept("c-ok", P1, "None", 3)),
    ("c-ok", "None", P2, " 7\t", kept("c-ok", P2, "None", 7)),
    ("c-ok", "None", P3, "2147483647", kept("c-ok", P3, "None", 2147483647)),
    # empty, whitespace-only (spaces, tab, no-break space) and `None` cookies and page urls
    ("", "None", P1, "1", "missing_cookie"),
    ("   ", "None", P1, "1", "missing_cookie"),
    ("\t \u00a0", "None", P1, "1", "missing_cookie"),
    ("None", "None", P1, "1", "missing_cookie"),
    ("c-nopage", "None", "", "1", "missing_page_url"),
    ("c-nopage", "None", "  \t", "1", "missing_page_url"),
    # duplicate (cookie, page) rows with different counts: the first usable one wins
    ("c-dup", PRICING, P1, "5", kept("c-dup", P1, PRICING, 5)),
    ("c-dup", PRICING, P1, "7", "duplicate_cookie_page"),
    (" c-dup ", PRICING, f" {P1}\t", "9", "duplicate_cookie_page"),
    # a bad row never hides a later good one
    ("c-late", "None", P2, "x", "form_submissions_not_a_number"),
    ("c-late", "None", P2, "4", kept("c-late", P2, "None", 4)),
    # asset types: not in the weights seed (default weight, warning), missing, surrounding spaces
    ("c-types", "Gated Hologram Forms", "https://ex.com/p4", "2",
     kept("c-types", "https://ex.com/p4", "Gated Hologram Forms", 2)),
    ("c-types", "", "https://ex.com/p5", "1", kept("c-types", "https://ex.com/p5", "None", 1)),
    ("c-types", f" {EBOOK} ", P1, "1", kept("c-types", P1, EBOOK, 1)),
    # SQL-looking, Jinja-looking and unicode text in every text field
    (SQL_TEXT, SQL_TEXT, SQL_TEXT, "2", kept(SQL_TEXT, SQL_TEXT, SQL_TEXT, 2)),
    (UNICODE_TEXT, UNICODE_TEXT, UNICODE_TEXT, "1", kept(UNICODE_TEXT, UNICODE_TEXT, UNICODE_TEXT, 1)),
    (JINJA_TEXT, JINJA_TEXT, JINJA_TEXT, "1", kept(JINJA_TEXT, JINJA_TEXT, JINJA_TEXT, 1)),
    (SQL_TEXT, UNICODE_TEXT, JINJA_TEXT, "1; drop table dim_pages", "form_submissions_not_a_number"),
    ("c-unicode", "None", P1, "\uff13", "form_submissions_not_a_number"),  # a full-width 3
    # a first value starting with `#` is data, not a comment; NULL, nan, N/A are ids like any other
    ("#c-hash", "None", P1, "1", kept("#c-hash", P1, "None", 1)),
    ("NULL", "None", P1, "1", kept("NULL", P1, "None", 1)),
    ("nan", "None", P1, "1", kept("nan", P1, "None", 1)),
    ("N/A", "None", P1, "1", kept("N/A", P1, "None", 1)),
]

# Mapping file: the notebook's format (index column, LF), one row per problem. Outcome: a reject reason,
# or the (page_url, business_unit) pair expected in bridge_page_business_units.
MIXED_MAPPING = [
    (" A ", P1, (P1, "a")),
    ("a", P1, "duplicate_page_business_unit"),
    ("B", f" {P1} ", (P1, "b")),
    ("\tC\u00a0", P2, (P2, "c")),
    ("", P3, "missing_business_unit"),
    ("None", P3, "missing_business_unit"),
    ("d", "", "missing_page_url"),
    ("d", "   ", "missing_page_url"),
    ("ÜNÏT-É 🏢", UNICODE_TEXT, (UNICODE_TEXT, "ünït-é 🏢")),
    (SQL_TEXT, SQL_TEXT, (SQL_TEXT, SQL_TEXT)),
    (JINJA_TEXT, JINJA_TEXT, (JINJA_TEXT, JINJA_TEXT.lower())),
    ("e", "https://ex.com/never-submitted", ("https://ex.com/never-submitted", "e")),
]
# fmt: on


def mixed_build(folder: Path) -> dict:
    header = ["Cookie ", " PAGE_URL", "note", "Gated_Asset_Type", "form_submissions"]
    rows = [(c, p, f"note {n}, with a comma", t, f) for n, (c, t, p, f, _) in enumerate(MIXED_SUBMISSIONS)]
    mapping = [(unit, page) for unit, page, _ in MIXED_MAPPING]
    return {
        "submissions_path": write(
            folder / "submissions.csv", csv_bytes(header, rows, index=False, line_end="\r\n", bom=True)
        ),
        "bu_mapping_path": write(folder / "bu_mapping.csv", csv_bytes(MAPPING_COLUMNS, mapping)),
    }


# ---------------------------------------------------------------------------------------------------
# Dataset-level oddities that build.

ODD_DIR = "my exports/o'brien's data"


def single_cookie_parquet_build(folder: Path) -> dict:
    """Parquet submissions (typed columns, real nulls) from one cookie, under a path with spaces and a
    quote; a mapping that maps none of the submitted pages."""
    submissions = write_parquet(
        folder / ODD_DIR / "submissions export.parquet",
        """
        select * from (values
            (0, '007', 'Gated Ebook Forms', 'https://ex.com/p1', 3::bigint),
            (1, '007', null, 'https://ex.com/p2', 1::bigint),
            (2, '007', 'Gated Get Pricing', 'https://ex.com/p3', 2::bigint),
            (3, '007', 'Gated Get Pricing', 'https://ex.com/p4', null),
            (4, '007', 'Gated Get Pricing', 'https://ex.com/p5', 0::bigint)
        ) as t(idx, cookie, gated_asset_type, page_url, form_submissions)
        """,
    )
    mapping = write(
        folder / ODD_DIR / "bu mapping (o'brien).csv",
        csv_bytes(MAPPING_COLUMNS, [("a", "https://ex.com/other-1"), ("b", "https://ex.com/other-2")]),
    )
    return {"submissions_path": submissions, "bu_mapping_path": mapping}


def single_page_build(folder: Path) -> dict:
    """Every submission on one page; the mapping is Parquet, with columns in another order and an extra one."""
    rows = [(f"c{n}", "Gated Webinar Forms", "https://ex.com/only", str(n)) for n in range(1, 4)]
    return {
        "submissions_path": write(folder / "submissions.csv", csv_bytes(SUBMISSIONS_COLUMNS, rows)),
        "bu_mapping_path": write_parquet(
            folder / "bu_mapping.parquet",
            "select 'https://ex.com/only' as page_url, 42 as extra, 'A' as business_unit",
        ),
    }


# ---------------------------------------------------------------------------------------------------
# Problems that stop the build: two per build, one in each file. Each expected message is formatted with
# the build's vars.

HEADER_ONLY = csv_bytes(SUBMISSIONS_COLUMNS, [])
GOOD_ROWS = [("c1", "Gated Ebook Forms", "https://ex.com/p1", "1")]


def stop_empty_and_header_only(folder: Path) -> dict:
    return {
        "submissions_path": write(folder / "submissions.csv", b""),
        "bu_mapping_path": write(folder / "bu_mapping.csv", csv_bytes(MAPPING_COLUMNS, [], line_end="\r\n")),
    }


def stop_header_only_and_empty_parquet(folder: Path) -> dict:
    return {
        "submissions_path": write(folder / "submissions.csv", HEADER_ONLY),
        "bu_mapping_path": write(folder / "bu_mapping.parquet", b""),
    }


def stop_missing_columns(folder: Path) -> dict:
    return {
        "submissions_path": write(
            folder / "submissions.csv",
            csv_bytes(["cookies", "gated_asset_type", "page_url"], [("c1", "None", "https://ex.com/p1")]),
        ),
        "bu_mapping_path": write_parquet(
            folder / "bu_mapping.parquet", "select 'https://ex.com/p1' as page_url"
        ),
    }


def stop_malformed_csv(folder: Path) -> dict:
    lines = [
        ",cookie,gated_asset_type,page_url,form_submissions",
        '0,c1,None,"https://ex.com/p1\nstill the same record",1',
        "1,c2,None,https://ex.com/p1",
        "2,c3,None,https://ex.com/p1,3,extra",
        '3,c4,"None,https://ex.com/p1,4',
    ]
    return {
        "submissions_path": write(folder / "submissions.csv", "\n".join(lines).encode() + b"\n"),
        "bu_mapping_path": write(
            folder / "bu_mapping.csv", ",business_unit,page_url\n0,caf\xe9,p1\n".encode("latin-1")
        ),
    }


def stop_no_rows_and_missing_file(folder: Path) -> dict:
    return {
        "submissions_path": write_parquet(
            folder / "submissions.parquet",
            "select 'c' as cookie, 'None' as gated_asset_type, 'p' as page_url, 1 as form_submissions limit 0",
        ),
        "bu_mapping_path": str(folder / "no such file.csv"),
    }


def stop_wrong_delimiter_and_duplicate_column(folder: Path) -> dict:
    return {
        "submissions_path": write(
            folder / "submissions.csv", b"cookie;gated_asset_type;page_url;form_submissions\nc1;None;p1;1\n"
        ),
        "bu_mapping_path": write(
            folder / "bu_mapping.csv",
            b"business_unit,page_url,Page_URL\na,https://ex.com/p1,https://ex.com/p2\n",
        ),
    }


def stop_vars_half_set(folder: Path) -> dict:
    return {"submissions_path": ""}


STOPS: dict[str, tuple[Callable[[Path], dict], list[str]]] = {
    "empty_file_and_header_only": (
        stop_empty_and_header_only,
        [
            "Input file {submissions_path} (var submissions_path) is empty (0 bytes).",
            "Input file {bu_mapping_path} (var bu_mapping_path) has no data rows (only a header).",
        ],
    ),
    "header_only_and_empty_parquet": (
        stop_header_only_and_empty_parquet,
        [
            "Input file {submissions_path} (var submissions_path) has no data rows (only a header).",
            "Input file {bu_mapping_path} (var bu_mapping_path) is empty (0 bytes).",
        ],
    ),
    "missing_columns": (
        stop_missing_columns,
        [
            "Input file {submissions_path} (var submissions_path) is missing column(s): cookie, form_submissions.",
            "Input file {bu_mapping_path} (var bu_mapping_path) is missing column(s): business_unit.",
        ],
    ),
    "malformed_csv": (
        stop_malformed_csv,
        [
            "Input file {submissions_path} (var submissions_path) is not a well-formed CSV file",
            # Rows are counted as source_row_number counts them: the quoted line break does not count.
            "data row 2 has fewer fields than the header",
            "data row 3 has more fields than the header",
            "data row 4 has a double quote that is never closed",
            "Input file {bu_mapping_path} (var bu_mapping_path) is not a well-formed CSV file",
            "data row 1 is not UTF-8 text",
        ],
    ),
    "parquet_without_rows_and_missing_file": (
        stop_no_rows_and_missing_file,
        [
            "Input file {submissions_path} (var submissions_path) has no data rows (only a header).",
            "Input file {bu_mapping_path} (var bu_mapping_path) does not exist.",
        ],
    ),
    "wrong_delimiter_and_duplicate_column": (
        stop_wrong_delimiter_and_duplicate_column,
        [
            "Input file {submissions_path} (var submissions_path) is missing column(s): cookie, gated_asset_type,"
            " page_url, form_submissions.",
            "Is it comma-separated, with the column names on its first line?",
            "Input file {bu_mapping_path} (var bu_mapping_path) has the column(s) page_url more than once",
        ],
    ),
    "vars_empty_or_half_set": (
        stop_vars_half_set,
        [
            "Var submissions_path is empty: give the path of the export file",
            "Var bu_mapping_path is not set, but var submissions_path is.",
        ],
    ),
}

SUCCESSES: dict[str, Callable[[Path], dict]] = {
    "mixed": mixed_build,
    "single_cookie_parquet": single_cookie_parquet_build,
    "single_page": single_page_build,
}


# ---------------------------------------------------------------------------------------------------
# Running the builds


@dataclass
class Outcome:
    vars: dict
    db_path: Path
    returncode: int
    output: str  # dbt's stdout without colour codes: what the user sees
    stderr: str

    def check_built(self) -> None:
        assert self.returncode == 0, f"dbt build failed:\n{self.output[-6000:]}\n{self.stderr[-2000:]}"


def build_args() -> list[str]:
    if not BUILD_SELECT:
        return ["build"]
    # cautious: only the tests whose parents are all selected (not, say, a relationships test of a newer
    # model pointing at dim_pages).
    return ["build", "--select", *BUILD_SELECT, "--indirect-selection", "cautious"]


@pytest.fixture(scope="module")
def outcomes(request, tmp_path_factory) -> dict[str, Outcome]:
    """Runs, WORKERS at a time, the builds that the selected tests of this module ask for (`case`)."""
    wanted = selected_cases(request)
    # Builds that run every model first: they take longest.
    names = [name for name in SUCCESSES if name in wanted] + [name for name in STOPS if name in wanted]
    plans = {}
    for name in names:
        work = tmp_path_factory.mktemp(name)
        make_inputs = SUCCESSES[name] if name in SUCCESSES else STOPS[name][0]
        plans[name] = (work, make_inputs(work / "input"))

    def run(name: str) -> Outcome:
        work, vars = plans[name]
        db_path = work / "warehouse.duckdb"
        # The catalogue is about reading and cleaning: the models are fitted with the vars' settings only
        # (no per-build search), which keeps these builds short.
        build_vars = {**vars, "tuning_budget_seconds": 0}
        result = run_dbt(build_args(), db_path, work / "target", vars=build_vars, check=False)
        return Outcome(vars, db_path, result.returncode, ANSI.sub("", result.stdout), result.stderr)

    with ThreadPoolExecutor(WORKERS) as pool:
        return dict(zip(names, pool.map(run, names), strict=True))


def table(outcome: Outcome, sql: str) -> list[tuple]:
    """The rows of a query on the build's warehouse, as Python values (lists stay lists)."""
    with duckdb.connect(str(outcome.db_path), read_only=True) as con:
        return con.execute(sql).fetchall()


# ---------------------------------------------------------------------------------------------------
# Builds that stop


@pytest.mark.parametrize("case", list(STOPS))
def test_bad_file_stops_the_build_with_a_plain_message(outcomes, case):
    outcome = outcomes[case]
    assert outcome.returncode != 0
    for message in STOPS[case][1]:
        assert message.format(**outcome.vars) in outcome.output, outcome.output[-6000:]
    assert "Traceback" not in outcome.output + outcome.stderr
    built = {name for (name,) in table(outcome, "select table_name from information_schema.tables")}
    assert not built & {"fct_page_interactions", "bridge_page_business_units", "dim_pages", "dim_cookies"}


# ---------------------------------------------------------------------------------------------------
# The mixed build: every bad row quarantined with its reason, every usable row kept exactly


@pytest.mark.parametrize("case", ["mixed"])
def test_mixed_file_builds_and_reconciles(outcomes, case):
    outcome = outcomes[case]
    outcome.check_built()
    for reconcile in ["assert_submissions_reconcile", "assert_bu_mappings_reconcile"]:
        assert re.search(rf"PASS {reconcile}\b", outcome.output), reconcile


@pytest.mark.parametrize("case", ["mixed"])
def test_source_row_number_is_the_record_position(outcomes, case):
    """With a BOM, CRLF line endings and quoted line breaks, row n is still the n-th data record."""
    outcome = outcomes[case]
    outcome.check_built()
    rows = table(
        outcome,
        "select source_row_number, raw_cookie, raw_page_url, raw_form_submissions"
        " from stg_clickstream__submissions_validated order by source_row_number",
    )
    expected = [
        (n, c or None, p or None, f or None) for n, (c, _, p, f, _) in enumerate(MIXED_SUBMISSIONS, 1)
    ]
    assert rows == expected


@pytest.mark.parametrize("case", ["mixed"])
def test_every_bad_submission_is_quarantined_with_its_reason(outcomes, case):
    outcome = outcomes[case]
    outcome.check_built()
    rejected = table(
        outcome,
        "select source_row_number, reject_reason, source_file, cookie, form_submissions"
        " from rejected_submissions order by source_row_number",
    )
    expected = [
        (n, outcome_, outcome.vars["submissions_path"], c or None, f or None)
        for n, (c, _, _, f, outcome_) in enumerate(MIXED_SUBMISSIONS, 1)
        if isinstance(outcome_, str)
    ]
    assert rejected == expected


@pytest.mark.parametrize("case", ["mixed"])
def test_every_usable_submission_is_kept_exactly(outcomes, case):
    outcome = outcomes[case]
    outcome.check_built()
    clean = table(
        outcome,
        "select cookie, page_url, gated_asset_type, form_submissions from fct_page_interactions"
        " order by cookie, page_url",
    )
    expected = sorted(row[4] for row in MIXED_SUBMISSIONS if isinstance(row[4], tuple))
    assert sorted(clean) == expected


@pytest.mark.parametrize("case", ["mixed"])
def test_unlisted_asset_type_gets_the_default_weight_and_a_warning(outcomes, case):
    outcome = outcomes[case]
    outcome.check_built()
    weights = dict(
        table(outcome, "select distinct gated_asset_type, asset_weight from fct_page_interactions")
    )
    assert weights["Gated Hologram Forms"] == 1.0
    assert weights['Gated "Special", Forms\nsecond line'] == 1.0
    assert weights["Gated Get Pricing"] == 3.0
    assert re.search(r"WARN \d+ assert_asset_types_have_weights", outcome.output)


@pytest.mark.parametrize("case", ["mixed"])
def test_every_bad_mapping_is_quarantined_and_units_normalised(outcomes, case):
    outcome = outcomes[case]
    outcome.check_built()
    rejected = table(
        outcome,
        "select source_row_number, reject_reason from rejected_bu_mappings order by source_row_number",
    )
    assert rejected == [
        (n, result) for n, (_, _, result) in enumerate(MIXED_MAPPING, 1) if isinstance(result, str)
    ]
    bridge = table(outcome, "select page_url, business_unit from bridge_page_business_units")
    assert sorted(bridge) == sorted(result for _, _, result in MIXED_MAPPING if isinstance(result, tuple))
    units = dict(table(outcome, "select page_url, business_units from dim_pages"))
    assert list(units["https://ex.com/p1"]) == ["a", "b"]
    assert list(units["https://ex.com/p4"]) == []


# ---------------------------------------------------------------------------------------------------
# Dataset-level oddities


@pytest.mark.parametrize("case", ["single_cookie_parquet"])
def test_parquet_single_cookie_and_unmatched_mapping(outcomes, case):
    """Parquet under a path with spaces and a quote; one cookie; a mapping that maps no submitted page."""
    outcome = outcomes[case]
    outcome.check_built()
    assert "'" in outcome.vars["submissions_path"] and " " in outcome.vars["bu_mapping_path"]
    assert table(
        outcome, "select cookie, interactions, form_submissions, business_units from dim_cookies"
    ) == [("007", 3, 6, [])]
    assert table(
        outcome,
        "select source_row_number, reject_reason, source_file from rejected_submissions order by 1",
    ) == [
        (4, "missing_form_submissions", outcome.vars["submissions_path"]),
        (5, "form_submissions_not_positive", outcome.vars["submissions_path"]),
    ]
    # A null asset type in Parquet is a missing one.
    assert table(outcome, "select gated_asset_type from fct_page_interactions where page_url like '%p2'") == [
        ("None",)
    ]
    assert table(outcome, "select count(*) from bridge_page_business_units") == [(2,)]
    assert table(outcome, "select business_unit, pages from business_unit_activity") == [("unmapped", 3)]


@pytest.mark.parametrize("case", ["single_page"])
def test_single_page_with_parquet_mapping(outcomes, case):
    outcome = outcomes[case]
    outcome.check_built()
    assert table(outcome, "select page_url, cookies, form_submissions, business_units from dim_pages") == [
        ("https://ex.com/only", 3, 6, ["a"])
    ]
    assert table(outcome, "select count(*) from dim_cookies where business_units = ['a']") == [(3,)]
    assert table(outcome, "select count(*) from rejected_submissions") == [(0,)]
