"""Tests of the synthetic clickstream generator (assetrec.synth).

Every check re-derives what it asserts from the files or frames with its own simple code (pandas / numpy
written here), never from the generator's internals.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
from assetrec import synth
from assetrec.synth.output import _output_names

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "seeds" / "sample"
SAMPLE_SUBMISSIONS = SAMPLE / "sample_submissions.csv"
SAMPLE_BU_MAPPING = SAMPLE / "sample_bu_mapping.csv"

NAMED_TYPES = {
    "Gated Best Practice Form",
    "Gated Infographics Forms",
    "Gated Analyst Report Forms",
    "Gated Ebook Forms",
    "Gated Webinar Forms",
    "Gated Case Study Forms",
    "Gated Solution Brief Forms",
    "Gated Whitepaper Forms",
    "Gated DemoNow Forms",
    "Gated Get Pricing",
}
HEX64 = re.compile(r"[0-9a-f]{64}")
DIGITS38 = re.compile(r"[0-9]{38}")


def read_text(path: Path) -> pd.DataFrame:
    """Read an export the safe way: every column as text, `None` kept as the text `None`."""
    return pd.read_csv(path, dtype=str, keep_default_na=False)


@pytest.fixture(scope="module")
def default_files(tmp_path_factory) -> tuple[Path, Path]:
    """The generator's defaults written to a temporary directory (not the bundled copy)."""
    out = tmp_path_factory.mktemp("default")
    return synth.write(*synth.generate(), out=out)


@pytest.fixture(scope="module")
def sub(default_files) -> pd.DataFrame:
    return read_text(default_files[0])


@pytest.fixture(scope="module")
def bu(default_files) -> pd.DataFrame:
    return read_text(default_files[1])


# ---- format ---------------------------------------------------------------------------------------


def test_header_lines_and_line_endings(default_files):
    sub_path, map_path = default_files
    sub_bytes, map_bytes = sub_path.read_bytes(), map_path.read_bytes()
    assert sub_bytes.split(b"\n", 1)[0] == b",cookie,gated_asset_type,page_url,form_submissions"
    assert map_bytes.split(b"\n", 1)[0] == b",business_unit,page_url"
    for data in (sub_bytes, map_bytes):
        assert b"\r" not in data
        assert data.endswith(b"\n") and not data.endswith(b"\n\n")
        assert b'"' not in data  # no quoted fields


def test_no_empty_cells_and_fixed_field_count(default_files):
    for path, n_fields in ((default_files[0], 5), (default_files[1], 3)):
        with open(path, newline="") as f:
            rows = list(csv.reader(f))
        assert len(rows) > 100
        assert all(len(r) == n_fields for r in rows)
        assert rows[0][0] == ""  # the unnamed index column
        assert all(cell != "" for r in rows[1:] for cell in r)


def test_columns_and_unnamed_integer_index(sub, bu):
    assert list(sub.columns) == ["Unnamed: 0", "cookie", "gated_asset_type", "page_url", "form_submissions"]
    assert list(bu.columns) == ["Unnamed: 0", "business_unit", "page_url"]
    for df in (sub, bu):
        idx = df["Unnamed: 0"]
        assert idx.str.fullmatch(r"\d+").all()
        assert idx.astype(int).is_unique
    assert (bu["Unnamed: 0"].astype(int) == np.arange(len(bu))).all()


def test_frames_mirror_their_files(default_files):
    """`generate()` frames written by pandas give the same bytes as `write()` (DuckDB)."""
    submissions, bu_mapping = synth.generate()
    assert submissions.to_csv(lineterminator="\n").encode() == default_files[0].read_bytes()
    assert bu_mapping.to_csv(lineterminator="\n").encode() == default_files[1].read_bytes()


# ---- determinism ------------------------------------------------------------------------------------


def test_same_seed_same_bytes_different_seed_different(tmp_path):
    a = synth.write(*synth.generate(300, 60, 4, 3.0, seed=7), out=tmp_path / "a")
    b = synth.write(*synth.generate(300, 60, 4, 3.0, seed=7), out=tmp_path / "b")
    c = synth.write(*synth.generate(300, 60, 4, 3.0, seed=8), out=tmp_path / "c")
    for x, y, z in zip(a, b, c, strict=True):
        assert x.read_bytes() == y.read_bytes()
        assert x.read_bytes() != z.read_bytes()


# ---- quirks of the real export ------------------------------------------------------------------------


def test_default_size_is_close_to_the_real_export(sub, bu):
    real = sub[sub.cookie != "None"]
    assert 3000 <= len(sub) <= 5000
    assert real.cookie.nunique() == 1000
    assert 300 <= sub.page_url.nunique() <= 500
    assert sorted(bu.business_unit.unique()) == list("abcdefgh")


def test_cookies_are_38_digit_text_with_leading_zeros(sub):
    cookies = sub.cookie[sub.cookie != "None"].drop_duplicates()
    assert cookies.str.fullmatch(DIGITS38).all()
    lead0 = cookies.str.startswith("0").mean()
    assert 0.08 <= lead0 <= 0.25, lead0


def test_a_handful_of_none_cookies_on_distinct_pages(sub):
    none_rows = sub[sub.cookie == "None"]
    assert len(none_rows) == 4  # ~1 per 1,000 rows, like the real 4 in 3,888
    assert none_rows.page_url.is_unique


def test_none_cookie_count_scales_with_rows():
    small, _ = synth.generate(40, 30, 3, 2.0, seed=1)  # <= 100 rows: none
    assert len(small) <= 100 and (small.cookie.astype(str) != "None").all()
    medium, _ = synth.generate(60, 30, 3, 2.0, seed=1)  # > 100 rows: at least one
    assert len(medium) > 100 and (medium.cookie.astype(str) == "None").sum() >= 1
    large, _ = synth.generate(5000, 400, 8, 4.0, seed=1)
    assert 15 <= (large.cookie.astype(str) == "None").sum() <= 25


def test_page_urls_are_sha256_hex(sub, bu):
    assert sub.page_url.str.fullmatch(HEX64).all()
    assert bu.page_url.str.fullmatch(HEX64).all()


def test_asset_types(sub):
    types = set(sub.gated_asset_type)
    assert types >= NAMED_TYPES
    assert types <= NAMED_TYPES | {"Unspecified", "None"}
    assert "Unspecified" in types
    none_share = (sub.gated_asset_type == "None").mean()
    assert 0.04 <= none_share <= 0.10, none_share


def test_a_page_has_a_single_asset_type(sub):
    assert (sub.groupby("page_url").gated_asset_type.nunique() == 1).all()


def test_no_duplicate_cookie_page_pairs(sub):
    assert not sub.duplicated(["cookie", "page_url"]).any()


def test_form_submissions_heavy_tailed(sub):
    assert sub.form_submissions.str.fullmatch(r"[1-9]\d*").all()
    fs = sub.form_submissions.astype(int)
    assert fs.min() == 1
    assert fs.median() == 1
    assert 100 <= fs.max() < 1000
    assert (fs >= 10).mean() > 0.01


def test_rows_sorted_by_form_submissions_like_the_export(sub):
    fs = sub.form_submissions.astype(int).to_numpy()
    assert (np.diff(fs) <= 0).all()


def test_mapping_partial_with_unsubmitted_and_double_mapped_pages(sub, bu):
    submitted = set(sub.page_url)
    mapped = set(bu.page_url)
    mapped_share = len(submitted & mapped) / len(submitted)
    assert 0.35 <= mapped_share <= 0.60, mapped_share
    never_submitted = mapped - submitted
    assert len(never_submitted) > 3 * len(submitted)  # real: 2,263 of 2,438 mapping pages
    units_per_page = bu.groupby("page_url").business_unit.nunique()
    double = set(units_per_page[units_per_page > 1].index)
    assert 5 <= len(double) <= 20  # real: 10
    assert double & submitted  # a join on page_url counts some submissions twice
    assert not bu.duplicated(["business_unit", "page_url"]).any()


def test_unit_sizes_are_skewed(bu):
    counts = bu.business_unit.value_counts()
    assert counts.idxmax() == "a"
    assert counts["a"] > 3 * counts["h"]


# ---- planted structure ---------------------------------------------------------------------------------


def leave_one_out_hr10(sub: pd.DataFrame, split_seed: int = 0, k: int = 10) -> tuple[float, float]:
    """HR@10 of most-popular vs item-item cosine co-occurrence, one held-out page per cookie with >= 2."""
    d = sub[sub.cookie != "None"]
    c = pd.factorize(d.cookie)[0]
    p = pd.factorize(d.page_url)[0]
    n_c, n_p = c.max() + 1, p.max() + 1
    perm = np.random.default_rng(split_seed).permutation(len(c))
    c, p = c[perm], p[perm]
    per_cookie = np.bincount(c, minlength=n_c)
    _, first = np.unique(c, return_index=True)  # a random row of each cookie (rows are shuffled)
    held = np.zeros(len(c), dtype=bool)
    held[first[per_cookie[c[first]] >= 2]] = True
    train = np.zeros((n_c, n_p))
    train[c[~held], p[~held]] = 1.0
    test_c, test_p = c[held], p[held]

    def hit_rate(scores: np.ndarray) -> float:
        scores = scores.astype(float)
        scores[train[test_c] > 0] = -np.inf
        top = np.argsort(-scores, axis=1, kind="stable")[:, :k]
        return float((top == test_p[:, None]).any(axis=1).mean())

    popularity = np.tile(train.sum(axis=0), (len(test_c), 1))
    co = train.T @ train
    norm = np.sqrt(np.diag(co))
    norm[norm == 0] = 1.0
    cosine = co / np.outer(norm, norm)
    np.fill_diagonal(cosine, 0.0)
    return hit_rate(popularity), hit_rate(train[test_c] @ cosine)


def test_cooccurrence_beats_popularity_on_the_default_sample(sub):
    pop, co = np.mean([leave_one_out_hr10(sub, split) for split in range(3)], axis=0)
    assert 0.25 <= pop <= 0.50, pop  # popularity is a real baseline (real data: 0.38) ...
    assert co >= 1.2 * pop, (pop, co)  # ... that a collaborative model clearly beats


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_cooccurrence_beats_popularity_across_seeds(seed):
    submissions, _ = synth.generate(seed=seed)
    pop, co = leave_one_out_hr10(submissions.astype({"cookie": str, "page_url": str}))
    assert co >= 1.15 * pop, (seed, pop, co)


def test_cookies_favour_few_units(sub, bu):
    """Through the mapping, a cookie's pages concentrate on few units, far more than by chance."""
    mapping = bu.drop_duplicates("page_url")
    d = sub[sub.cookie != "None"].merge(mapping, on="page_url")
    d = d[d.groupby("cookie").page_url.transform("size") >= 3]

    def modal_share(frame: pd.DataFrame) -> float:
        per = frame.groupby(["cookie", "business_unit"]).size()
        return float((per.groupby(level=0).max() / per.groupby(level=0).sum()).mean())

    shuffled = d.assign(business_unit=np.random.default_rng(0).permutation(d.business_unit.to_numpy()))
    assert modal_share(d) > modal_share(shuffled) + 0.15


def test_popularity_is_skewed(sub):
    rows_per_page = sub.page_url.value_counts()
    top10 = rows_per_page.iloc[:10].sum() / len(sub)
    assert top10 > 0.2  # uniform over ~400 pages would give ~0.025
    assert rows_per_page.median() <= 6


def test_every_page_has_a_latent_unit():
    submissions, bu_mapping, truth = synth.generate(return_truth=True)
    pages = truth["pages"]
    assert pages.business_unit.notna().all()
    assert set(submissions.page_url.astype(str)) <= set(pages.page_url)
    assert set(bu_mapping.page_url.astype(str)) <= set(pages.page_url)
    # The mapping reveals the latent unit (plus a second, different one for double-mapped pages).
    joined = bu_mapping.astype(str).merge(
        pages[["page_url", "business_unit"]], on="page_url", suffixes=("", "_latent")
    )
    agree = joined.groupby("page_url").apply(lambda g: (g.business_unit == g.business_unit_latent).any())
    assert agree.all()


# ---- bundled sample and CLI --------------------------------------------------------------------------


def test_bundled_sample_is_exactly_the_default_output(default_files):
    assert SAMPLE_SUBMISSIONS.read_bytes() == default_files[0].read_bytes(), (
        "seeds/sample is stale: run `python -m assetrec.synth`"
    )
    assert SAMPLE_BU_MAPPING.read_bytes() == default_files[1].read_bytes(), (
        "seeds/sample is stale: run `python -m assetrec.synth`"
    )


def test_default_output_names():
    assert synth.SAMPLE_DIR == SAMPLE
    args = (SAMPLE, "csv", None, None)
    assert _output_names(*args) == (SAMPLE_SUBMISSIONS, SAMPLE_BU_MAPPING)


def test_cli_csv(tmp_path, capsys):
    argv = ["--cookies", "120", "--pages", "40", "--business-units", "3", "--density", "3", "--seed", "5"]
    assert synth.main([*argv, "--out", str(tmp_path)]) == 0
    sub = read_text(tmp_path / "submissions.csv")
    bu = read_text(tmp_path / "bu_mapping.csv")
    assert (tmp_path / "submissions.csv").read_text().startswith(synth.SUBMISSIONS_HEADER + "\n")
    assert sub[sub.cookie != "None"].cookie.nunique() == 120
    assert sub.page_url.nunique() <= 40
    assert set(bu.business_unit) <= {"a", "b", "c"}
    assert 2.0 <= len(sub) / 120 <= 4.5
    assert not sub.duplicated(["cookie", "page_url"]).any()
    # custom names
    assert (
        synth.main(
            [*argv, "--out", str(tmp_path), "--submissions-name", "s.csv", "--bu-mapping-name", "m.csv"]
        )
        == 0
    )
    assert (tmp_path / "s.csv").read_bytes() == (tmp_path / "submissions.csv").read_bytes()
    assert (tmp_path / "m.csv").read_bytes() == (tmp_path / "bu_mapping.csv").read_bytes()


def test_cli_parquet_matches_csv(tmp_path):
    argv = ["--cookies", "120", "--pages", "40", "--business-units", "3", "--seed", "5", "--quiet"]
    assert synth.main([*argv, "--out", str(tmp_path / "c")]) == 0
    assert synth.main([*argv, "--out", str(tmp_path / "p"), "--format", "parquet"]) == 0
    with duckdb.connect() as con:
        for name in ("submissions", "bu_mapping"):
            from_csv = read_text(tmp_path / "c" / f"{name}.csv")
            from_parquet = con.execute(f"SELECT * FROM '{tmp_path / 'p' / name}.parquet'").df()
            assert list(from_parquet.columns) == ["column0", *from_csv.columns[1:]]
            assert from_parquet.column0.dtype == np.int64
            pd.testing.assert_frame_equal(
                from_parquet.astype(str),
                from_csv.rename(columns={"Unnamed: 0": "column0"}),
                check_dtype=False,
            )


def test_rejects_bad_arguments(tmp_path):
    with pytest.raises(SystemExit):
        synth.main(["--format", "xlsx", "--out", str(tmp_path)])
    with pytest.raises(ValueError):
        synth.generate(density=0.5)


# ---------------------------------------------------------------------------------------------------
# The event-level export (assetrec.synth.events, `--events DIR`)

SAMPLE_EVENTS = REPO / "sample_events"
EVENT_HEADERS = {
    "canonical": "event_id,cookie,page_url,event_timestamp,event_name,gated_asset_type",
    "ga4": "event_date,event_timestamp,event_name,user_pseudo_id,page_location,gated_asset_type",
    "snowplow": "event_id,domain_userid,derived_tstamp,event_name,page_url,gated_asset_type",
    "segment": "id,anonymous_id,timestamp,event,context_page_url,gated_asset_type",
}


def _event_files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


@pytest.mark.parametrize("fmt", list(EVENT_HEADERS))
def test_events_cli_writes_daily_files_deterministically(tmp_path, fmt):
    for run in ("a", "b"):
        assert synth.main(["--events", str(tmp_path / run), "--event-format", fmt, "--quiet"]) == 0
    assert synth.main(["--events", str(tmp_path / "c"), "--event-format", fmt, "--seed", "7", "--quiet"]) == 0
    files = _event_files(tmp_path / "a")
    assert files == _event_files(tmp_path / "b") != _event_files(tmp_path / "c")
    days = [name for name in files if name != "bu_mapping.csv"]
    assert days == [f"events_2024-03-0{d}.csv" for d in range(1, 6)]
    for name in days:
        assert files[name].decode().split("\n")[0] == EVENT_HEADERS[fmt]
    # the bundled sample is this default output
    assert files == _event_files(SAMPLE_EVENTS / fmt)


def test_events_have_views_late_and_odd_rows(tmp_path):
    """Read back with the csv module: page views and submissions, events delivered in a later day's file,
    an empty cookie, an unparsable timestamp and an event id written twice."""
    synth.main(["--events", str(tmp_path), "--quiet"])
    rows = []
    for path in sorted(tmp_path.glob("events_*.csv")):
        day = path.name[len("events_") : -len(".csv")]
        rows += [(day, row) for row in csv.DictReader(path.open())]
    names = {row["event_name"] for _, row in rows}
    assert names == {"form_submit", "page_view"}
    late = [r for day, r in rows if r["event_timestamp"][:10] < day and r["event_timestamp"] != "not a time"]
    assert late
    assert any(r["cookie"] == "" for _, r in rows)
    assert any(r["event_timestamp"] == "not a time" for _, r in rows)
    ids = [r["event_id"] for _, r in rows]
    assert len(ids) - len(set(ids)) == 1
    assert len(rows) > 150


def test_events_rejects_bad_arguments(tmp_path):
    with pytest.raises(SystemExit):
        synth.main(["--events", str(tmp_path), "--days", "0", "--quiet"])


def test_lognormal_activity_matches_its_closed_form_mean_and_99th_percentile():
    """The heavy-tailed option (scale benchmarks): pages per cookie ~ round(lognormal) with the mean asked."""
    from assetrec.synth.cookies import pages_per_cookie
    from assetrec.synth.structure import Structure

    s = Structure(activity="lognormal")
    n = pages_per_cookie(400_000, 20.0, s, np.random.default_rng(3))
    mu = np.log(20.0) - s.activity_sigma**2 / 2
    assert abs(n.mean() / 20.0 - 1) < 0.02
    assert abs(np.quantile(n, 0.99) / np.exp(mu + 2.3263 * s.activity_sigma) - 1) < 0.03
    default = pages_per_cookie(400_000, 20.0, Structure(), np.random.default_rng(3))
    assert abs(default.mean() / 20.0 - 1) < 0.02 and n.max() > 2 * default.max()
    with pytest.raises(ValueError, match="activity"):
        pages_per_cookie(10, 20.0, Structure(activity="pareto"), np.random.default_rng(3))
