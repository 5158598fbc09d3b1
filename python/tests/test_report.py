"""The HTML report: figures and numbers from a small hand-made warehouse, then a real build in Chromium.

`make_tiny_warehouse` writes every table the report reads, with the documented names and columns and
values small enough to know the answers by hand. The browser tests render the page in headless Chromium
and check that every image decodes and nothing on the page errors.
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from assetrec import publish as publish_module
from assetrec import report
from conftest import query

FIGURES = {
    "hitrate.png",
    "hitrate_by_business_unit.png",
    "avg_similarity.png",
    "3d.png",
    "hitrate_by_activity.png",
    "model_comparison_leave_one_out.png",
    "model_comparison_random_80_20.png",
    "model_runs_trend.png",
    "data_quality.png",
}
MODELS = ["most_popular", "cooccurrence", "als_prototype", "als", "ease"]
METRICS = ["hit_rate", "precision", "recall", "ndcg", "map", "coverage", "bu_hit_rate"]

# --- a hand-made warehouse ------------------------------------------------------------------------

INTERACTIONS = [
    # cookie, page_url, gated_asset_type, form_submissions, asset_weight
    ("c1", "p1", "Gated Ebook Forms", 2, 2.0),
    ("c1", "p2", "Gated Webinar Forms", 1, 2.0),
    ("c2", "p1", "Gated Ebook Forms", 1, 2.0),
    ("c2", "p3", "Gated DemoNow Forms", 3, 2.5),
    ("c3", "p4", "None", 1, 1.0),
    ("c4", "p2", "Gated Webinar Forms", 1, 2.0),
    ("c4", "p3", "Gated DemoNow Forms", 1, 2.5),
    ("c4", "p5", "Gated Get Pricing", 1, 3.0),
    ("c5", "p5", "Gated Get Pricing", 5, 3.0),
    ("c6", "p1", "Gated Ebook Forms", 1, 2.0),
    ("c6", "p2", "Gated Webinar Forms", 1, 2.0),
    ("c6", "p3", "Gated DemoNow Forms", 1, 2.5),
    ("c6", "p4", "None", 1, 1.0),
    ("c6", "p5", "Gated Get Pricing", 1, 3.0),
]
BRIDGE = [("p1", "a"), ("p2", "a"), ("p3", "b"), ("p5", "b"), ("p5", "c")]  # p4 has no unit
REJECTED_SUBMISSIONS = [
    ("sample_submissions", 15, None, "Gated Ebook Forms", "p1", "1", "missing_cookie"),
    ("sample_submissions", 16, "c9", "None", "p2", "two", "form_submissions_not_a_number"),
    ("sample_submissions", 17, "c8", "None", "p2", "0", "form_submissions_not_positive"),
]
REJECTED_BU = [("sample_bu_mapping", 6, "a", "p1", "duplicate_page_business_unit")]
# cookie -> (hit_rate, top_hit_rate); c3 only submitted the unmapped page p4: undefined.
HIT_RATES = {"c1": (0.6, 0.6), "c2": (0.3, 0.2), "c3": (None, None), "c4": (1.0, 0.9), "c5": (0.0, 0.0)}
HIT_RATES["c6"] = (0.7, 0.5)
RUNS = [
    # run_id, started_at, als_factors, chosen model, ndcg@10 of ease
    ("run-old-0000", "2026-11-01 08:00:00", 32, "als", 0.20),
    ("run-new-1111", "2026-11-02 09:30:00", 64, "ease", 0.31),
]


def metric_value(run: int, model: str, split: str, metric: str, k: int) -> float:
    """A made-up but deterministic score in [0, 1]; ease is best on the newest run's leave-one-out NDCG@10."""
    if (run, model, split, metric, k) == (1, "ease", "leave_one_out", "ndcg", 10):
        return RUNS[1][4]
    base = 0.05 + 0.03 * MODELS.index(model) + 0.02 * METRICS.index(metric) + 0.004 * k
    return round(min(base + 0.01 * run, 0.29 if metric == "ndcg" else 1.0), 4)


def validation_ndcg(model: str) -> float:
    """Made-up validation NDCG@10: ease best (the newest run's chosen model)."""
    return 0.4 if model == "ease" else round(0.1 + 0.01 * MODELS.index(model), 4)


def make_tiny_warehouse(path: Path, drop: tuple[str, ...] = ()) -> Path:
    """Every table the report and publish read, with hand-made rows (`drop` leaves tables out)."""
    with duckdb.connect(str(path)) as con:
        con.execute(
            "create table fct_page_interactions (cookie varchar, page_url varchar, gated_asset_type varchar, "
            "form_submissions bigint, asset_weight double, event_strength double)"
        )
        con.executemany(
            "insert into fct_page_interactions values (?, ?, ?, ?, ?, ? * ?)",
            [(c, p, t, n, w, w, n) for c, p, t, n, w in INTERACTIONS],
        )
        con.execute("create table bridge_page_business_units (page_url varchar, business_unit varchar)")
        con.executemany("insert into bridge_page_business_units values (?, ?)", BRIDGE)
        con.execute(
            """
            create table dim_pages as
            select f.page_url, any_value(f.gated_asset_type) as gated_asset_type,
                coalesce(list_sort(list_distinct(list(b.business_unit) filter (where b.business_unit is not null))),
                    []::varchar[]) as business_units,
                count(distinct f.cookie) as cookies, sum(f.form_submissions)::bigint as form_submissions,
                sum(f.event_strength) as event_strength
            from fct_page_interactions f left join bridge_page_business_units b using (page_url)
            group by f.page_url
            """
        )
        con.execute(
            """
            create table dim_cookies as
            select f.cookie, count(*) as interactions, sum(f.form_submissions)::bigint as form_submissions,
                sum(f.event_strength) as event_strength,
                list_sort(list_distinct(flatten(list(p.business_units)))) as business_units
            from fct_page_interactions f join dim_pages p using (page_url)
            group by f.cookie
            """
        )
        con.execute(
            "create table rejected_submissions (source_file varchar, source_row_number bigint, cookie varchar, "
            "gated_asset_type varchar, page_url varchar, form_submissions varchar, reject_reason varchar)"
        )
        con.executemany("insert into rejected_submissions values (?, ?, ?, ?, ?, ?, ?)", REJECTED_SUBMISSIONS)
        con.execute(
            "create table rejected_bu_mappings (source_file varchar, source_row_number bigint, "
            "business_unit varchar, page_url varchar, reject_reason varchar)"
        )
        con.executemany("insert into rejected_bu_mappings values (?, ?, ?, ?, ?)", REJECTED_BU)
        con.execute(
            "create table cookie_hit_rates (cookie varchar, interactions bigint, form_submissions bigint, "
            "hit_rate double, top_hit_rate double, cumulative_hit_rate double)"
        )
        con.executemany(
            """
            insert into cookie_hit_rates
            select cookie, interactions, form_submissions, ?::double, ?::double, ?::double + ?::double
            from dim_cookies where cookie = ?
            """,
            [(h, t, h, t, c) for c, (h, t) in HIT_RATES.items()],
        )
        buckets = ", ".join(
            f"count(*) filter (where least(floor(r.hit_rate * 10 + 1e-9), 9) = {i}) as hit_rate_bucket_{i}"
            for i in range(10)
        )
        con.execute(
            f"""
            create table business_unit_hit_rates as
            select u.business_unit, count(*) as cookies, avg(r.hit_rate) as mean_hit_rate,
                avg(r.top_hit_rate) as mean_top_hit_rate, avg(r.cumulative_hit_rate) as mean_cumulative_hit_rate,
                {buckets}
            from (select cookie, unnest(business_units) as business_unit from dim_cookies) u
            join cookie_hit_rates r using (cookie)
            group by u.business_unit
            """
        )
        con.execute(
            "create table business_unit_similarity (grouping varchar, group_value varchar, pages bigint, "
            "mean_avg_similarity double, model varchar)"
        )
        similarity = []
        for i, unit in enumerate(["a", "b", "c"]):
            similarity += [("business_unit", unit, 2, 0.2 + 0.1 * i, "cooccurrence")]
            similarity += [("business_unit", unit, 2, 0.6 - 0.1 * i, "als")]
        for i, asset in enumerate(sorted({t for _, _, t, _, _ in INTERACTIONS})):
            similarity += [("gated_asset_type", asset, 1, 0.1 + 0.05 * i, "cooccurrence")]
            similarity += [("gated_asset_type", asset, 1, 0.5 + 0.05 * i, "als")]
        similarity = pd.DataFrame(  # noqa: F841
            similarity, columns=["grouping", "group_value", "pages", "mean_avg_similarity", "model"]
        )
        con.execute("insert into business_unit_similarity select * from similarity")
        con.execute(
            "create table model_evaluation (run_id varchar, model varchar, split varchar, metric varchar, "
            "k bigint, value double, users bigint, params varchar, validation_ndcg double)"
        )
        evaluation = pd.DataFrame(  # noqa: F841  (read by name below)
            [
                (
                    run_id,
                    model,
                    split,
                    metric,
                    k,
                    metric_value(r, model, split, metric, k),
                    5,
                    json.dumps({"l2": 10.0 * (MODELS.index(model) + 1)}),
                    validation_ndcg(model),
                )
                for r, (run_id, *_rest) in enumerate(RUNS)
                for model in MODELS
                for split in ("leave_one_out", "random_80_20")
                for metric in METRICS
                for k in (5, 10, 20)
            ],
            columns=[
                "run_id",
                "model",
                "split",
                "metric",
                "k",
                "value",
                "users",
                "params",
                "validation_ndcg",
            ],
        )
        con.execute("insert into model_evaluation select * from evaluation")
        con.execute(
            "create table model_runs (run_id varchar, started_at timestamp, params varchar, "
            "data_fingerprint varchar, interactions bigint, chosen_model varchar, metrics_summary varchar)"
        )
        for r, (run_id, started_at, factors, chosen, _) in enumerate(RUNS):
            summary = {
                f"{m}.{metric}@10": metric_value(r, m, "leave_one_out", metric, 10)
                for m in MODELS
                for metric in ("hit_rate", "ndcg", "bu_hit_rate")
            }
            params = {
                "als_factors": factors,
                "top_k": 10,
                "cooccurrence_measure": "jaccard",
                "run_id": run_id,
            }
            con.execute(
                "insert into model_runs values (?, ?, ?, 'f1a2b3c4d5e6f7a8', ?, ?, ?)",
                [run_id, started_at, json.dumps(params), len(INTERACTIONS), chosen, json.dumps(summary)],
            )
        con.execute(
            "create table recommendations (cookie varchar, rank bigint, page_url varchar, score double, "
            "business_units varchar[], model varchar, because_page_url varchar, because_share double)"
        )
        con.execute("insert into recommendations values ('c5', 1, 'p1', 0.9, ['a'], 'ease', 'p2', 0.625)")
        con.execute("insert into recommendations values ('c5', 2, 'p3', 0.4, ['b'], 'ease', null, null)")
        con.execute(
            "create table recommendations_for_new_visitors (segment_type varchar, segment varchar, rank bigint, "
            "page_url varchar, cookies bigint, form_submissions bigint)"
        )
        con.execute(
            "insert into recommendations_for_new_visitors values ('overall', 'all', 1, 'p2', 4, 9), "
            "('overall', 'all', 2, 'p1', 3, 5), ('business_unit', 'a', 1, 'p2', 4, 9)"
        )
        con.execute(
            "create table business_unit_activity_by_period (business_unit varchar, period_type varchar, "
            "period_start date, cookies bigint, new_cookies bigint, submissions bigint, pages bigint, "
            "top_pages varchar[])"
        )
        con.executemany(
            "insert into business_unit_activity_by_period values (?, ?, ?, ?, ?, ?, ?, ['p1'])",
            [("a", "quarter", f"2025-{m:02d}-01", m, 1, 2 * m, 1) for m in (1, 4, 7, 10)]
            + [("a", "quarter", "2024-10-01", 99, 9, 99, 9), ("a", "month", "2025-12-01", 5, 1, 5, 1)],
        )
        # Internal layers that must never be published.
        con.execute("create view stg_clickstream__submissions as select * from fct_page_interactions")
        con.execute("create table int_page_interactions_weighted as select * from fct_page_interactions")
        con.execute("create table sample_submissions as select 1 as a")
        for table in drop:
            con.execute(f"drop table {table}")
    return path


@pytest.fixture
def tiny_db(tmp_path) -> Path:
    return make_tiny_warehouse(tmp_path / "tiny.duckdb")


@pytest.fixture(scope="module")
def tiny_report(tmp_path_factory) -> Path:
    """The report of the hand-made warehouse, rendered once for the tests that only read it."""
    work = tmp_path_factory.mktemp("tiny_report")
    return report.write_report(make_tiny_warehouse(work / "tiny.duckdb"), work / "reports")


# --- headless Chromium ----------------------------------------------------------------------------

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
    "--enable-logging=stderr",
    "--v=0",
    # Run the page's virtual clock until the network is idle: load events have fired when the DOM is dumped.
    "--virtual-time-budget=10000",
]
# Injected right after <meta charset>, before the page's Content-Security-Policy (which would block it):
# records failed resources, CSP violations, JS errors and console.error/warn, and on load writes them and
# every image's decode state into the DOM for --dump-dom.
PROBE = """<script>
(() => {
  const seen = [];
  addEventListener('error', ev => {
    const t = ev.target;
    seen.push(t && t !== window ? 'resource failed: ' + (t.src || t.href || t.tagName) : 'js error: ' + ev.message);
  }, true);
  addEventListener('securitypolicyviolation', ev => seen.push('csp: ' + ev.violatedDirective + ' ' + ev.blockedURI));
  for (const level of ['error', 'warn']) {
    const original = console[level];
    console[level] = (...args) => { seen.push('console.' + level + ': ' + args.join(' ')); original.apply(console, args); };
  }
  addEventListener('load', () => {
    const images = [...document.images].map(i => ({src: i.getAttribute('src'), complete: i.complete,
      naturalWidth: i.naturalWidth, naturalHeight: i.naturalHeight}));
    const out = document.createElement('pre');
    out.id = '__report_probe';
    out.textContent = JSON.stringify({images, errors: seen});
    document.body.appendChild(out);
  });
})();
</script>"""


def chromium() -> str:
    """Path of the Chromium binary, or skip (fail when ASSETREC_REQUIRE_BROWSER is set, as in CI)."""
    candidates = [os.environ.get("ASSETREC_CHROMIUM"), "/usr/bin/chromium"]
    candidates += [shutil.which(name) for name in ("chromium", "chromium-browser", "google-chrome")]
    for candidate in candidates:
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    message = "headless Chromium not found at /usr/bin/chromium (install it with `make browser`)"
    if os.environ.get("ASSETREC_REQUIRE_BROWSER"):
        pytest.fail(message + "; ASSETREC_REQUIRE_BROWSER is set")
    pytest.skip(message)


def run_chromium(binary: str, url: str, *extra: str) -> subprocess.CompletedProcess:
    with tempfile.TemporaryDirectory(prefix="assetrec-chromium-") as profile:
        return subprocess.run(
            [binary, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *extra, url],
            capture_output=True,
            text=True,
        )


def browser_check(binary: str, page: Path) -> dict:
    """Load `page` (a copy with PROBE injected, beside it so relative paths hold) and report what happened.

    Returns {"images": [{src, complete, naturalWidth, naturalHeight}], "errors": [...], "console": [...]}:
    errors are what the probe saw, console every console line Chromium logged (the page has no script of
    its own, so any line there is a problem: CSP violations and JS errors are logged too).
    """
    text = page.read_text(encoding="utf-8")
    assert text.count('<meta charset="utf-8">') == 1
    probe_page = page.with_name(f".probe-{page.name}")
    probe_page.write_text(
        text.replace('<meta charset="utf-8">', '<meta charset="utf-8">' + PROBE, 1), encoding="utf-8"
    )
    try:
        result = run_chromium(binary, probe_page.resolve().as_uri(), "--dump-dom")
    finally:
        probe_page.unlink()
    assert result.returncode == 0, result.stderr[-3000:]
    found = re.search(r'<pre id="__report_probe">(.*?)</pre>', result.stdout, re.S)
    assert found, f"the probe did not run (no load event?):\n{result.stdout[-2000:]}\n{result.stderr[-2000:]}"
    state = json.loads(html.unescape(found.group(1)))
    state["console"] = [line for line in result.stderr.splitlines() if ":CONSOLE" in line]
    return state


def assert_renders_cleanly(binary: str, page: Path, expected_images: set[str]) -> None:
    state = browser_check(binary, page)
    images = {image["src"]: image for image in state["images"]}
    assert set(images) == expected_images
    broken = [src for src, image in images.items() if not (image["complete"] and image["naturalWidth"] > 0)]
    assert not broken, f"images that did not load: {broken}"
    assert state["errors"] == []
    assert state["console"] == []


# --- static checks of the page --------------------------------------------------------------------


def page_references(page_html: str) -> list[str]:
    return re.findall(r'(?:src|href)\s*=\s*"([^"]*)"', page_html) + re.findall(r"url\(([^)]*)\)", page_html)


def test_report_writes_every_figure_with_title_caption_and_relative_links(tiny_report):
    page, out = tiny_report, tiny_report.parent
    assert page.name == "index.html"
    text = page.read_text(encoding="utf-8")
    pngs = {p.name for p in out.glob("*.png")}
    assert pngs == FIGURES
    for name in FIGURES:
        assert (out / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        width, height = report.png_size(out / name)
        assert width > 300 and height > 200
        assert text.count(f'src="{name}"') == 1
        assert f'width="{width}" height="{height}"' in text
    # Every figure has a caption; every reference is a local file or an in-page anchor.
    assert text.count("<figcaption>") == len(FIGURES)
    for ref in page_references(text):
        assert not re.match(r"^[a-z][a-z0-9+.-]*:|^//", ref, re.I), f"external reference {ref}"
        assert ref.startswith("#") or (out / ref).is_file(), ref
    assert "<script" not in text.lower() and "@import" not in text and "@font-face" not in text
    assert "Content-Security-Policy" in text and "default-src 'none'" in text
    assert not list(out.glob(".index.html.tmp-*"))


def _table_rows(text: str, first_cell: str) -> list[list[str]]:
    rows = re.findall(r"<tr>(.*?)</tr>", text, re.S)
    cells = [[html.unescape(c) for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)] for row in rows]
    return [row for row in cells if row and row[0] == first_cell]


def test_report_numbers_come_from_the_tables(tiny_report):
    text = tiny_report.read_text(encoding="utf-8")

    # Data quality: raw = clean + rejected per input, reasons counted.
    assert _table_rows(text, "submissions") == [
        [
            "submissions",
            "17",
            "14",
            "3",
            "form_submissions_not_a_number: 1, form_submissions_not_positive: 1, missing_cookie: 1",
        ]
    ]
    assert _table_rows(text, "business-unit mapping")[0] == [
        "business-unit mapping",
        "6",
        "5",
        "1",
        "duplicate_page_business_unit: 1",
    ]
    # Overview cards.
    for value, label in [
        ("6", "cookies"),
        ("5", "pages"),
        ("4", "pages with a business unit"),
        ("14", "interactions"),
    ]:
        assert f"<b>{value}</b><span>{label}" in text
    assert "<b>ease</b><span>model used</span>" in text
    # Model comparison: the newest run only, with ease's NDCG@10 the best (bold) value of its column.
    assert "build run-new-" in text and "run-old-" not in text.split('id="models"')[1].split("<h3>")[0]
    ease = _table_rows(text, "ease")[0]
    assert "0.310" in ease
    assert re.search(r'<td class="best">0\.310</td>', text)
    # Run history: newest first, parameter change spelled out.
    assert "als_factors: 32 → 64" in text
    history = text.split("<h3>Builds")[1]
    assert history.index("run-new-") < history.index("run-old-")
    # Business-unit table: c1, c2, c4, c6 are in unit a (c1 0.6, c2 0.3, c4 1.0, c6 0.7 -> mean 0.65).
    assert _table_rows(text, "a")[0][:3] == ["a", "4", "0.650"]


def test_hit_rate_buckets_and_summaries():
    runs = pd.DataFrame(
        {
            "run_id": ["r1", "r2"],
            "started_at": pd.to_datetime(["2026-01-01 10:00", "2026-01-02 11:00"]),
            "params": ['{"a": 1, "b": "x"}', '{"a": 2, "b": "x", "c": true}'],
            "metrics_summary": [
                '{"ease.ndcg@10": 0.3, "bad": 1}',
                '{"ease.ndcg@10": 0.4, "als.hit_rate@10": 0.5}',
            ],
        }
    )
    summaries = report.run_summaries(runs)
    assert summaries[["build", "model", "metric", "value"]].values.tolist() == [
        [1, "ease", "ndcg@10", 0.3],
        [2, "ease", "ndcg@10", 0.4],
        [2, "als", "hit_rate@10", 0.5],
    ]
    assert report.param_changes(runs) == ["first recorded run", "a: 1 → 2; c: None → True"]
    from assetrec.report.figures import _buckets

    labels = _buckets(pd.Series([1, 2, 3, 4, 5, 6, 10, 11, 50, 51, 500]), [1, 2, 3, 4, 6, 11, 21, 51])
    assert labels.astype(str).tolist() == [
        "1",
        "2",
        "3",
        "4-5",
        "4-5",
        "6-10",
        "6-10",
        "11-20",
        "21-50",
        "51+",
        "51+",
    ]


def test_report_only_reads_the_database(tiny_db):
    """Opened read-only: works while another process holds a read-only lock, and never changes the file."""
    before = tiny_db.read_bytes()
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"import duckdb, sys; c = duckdb.connect({str(tiny_db)!r}, read_only=True); "
            "print('ready', flush=True); sys.stdin.read()",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "ready"
        data = report.load(tiny_db)
        assert data.all_missing == [] and len(data.evaluation) == 2 * 210
        # A read-write open is what the lock forbids: the check is real.
        with pytest.raises(duckdb.IOException, match="lock"):
            duckdb.connect(str(tiny_db))
    finally:
        holder.communicate("")
    assert tiny_db.read_bytes() == before


def test_missing_tables_fail_or_render_a_notice(tmp_path):
    db = make_tiny_warehouse(tmp_path / "partial.duckdb", drop=("business_unit_similarity", "model_runs"))
    with pytest.raises(LookupError, match="business_unit_similarity, model_runs"):
        report.write_report(db, tmp_path / "strict")
    assert not (tmp_path / "strict" / "index.html").exists()

    # Rendered over a complete earlier report: the figures it cannot draw any more are removed.
    lenient = tmp_path / "lenient"
    report.write_report(make_tiny_warehouse(tmp_path / "full.duckdb"), lenient)
    (lenient / "keep_me.png").write_bytes(b"not ours")
    text = report.write_report(db, lenient, allow_missing=True).read_text(encoding="utf-8")
    assert text.count('class="missing"') == 2
    assert "<code>business_unit_similarity</code>" in text and "<code>model_runs</code>" in text
    assert {p.name for p in lenient.glob("*.png")} - {"keep_me.png"} == FIGURES - {
        "avg_similarity.png",
        "model_comparison_leave_one_out.png",
        "model_comparison_random_80_20.png",
        "model_runs_trend.png",
    }


def test_cli(tiny_db, tmp_path):
    # ASSETREC_DB is the default database.
    env = {**os.environ, "ASSETREC_DB": str(tiny_db)}
    out = tmp_path / "cli"
    ok = subprocess.run(
        [sys.executable, "-m", "assetrec.report", "--out", str(out)], capture_output=True, text=True, env=env
    )
    assert ok.returncode == 0, ok.stderr
    assert str((out / "index.html").resolve()) in ok.stdout
    assert {p.name for p in out.glob("*.png")} == FIGURES
    missing = subprocess.run(
        [sys.executable, "-m", "assetrec.report", "--db", str(tmp_path / "nope.duckdb"), "--out", str(out)],
        capture_output=True,
        text=True,
    )
    assert missing.returncode == 1 and "database not found" in missing.stderr


# --- in the browser -------------------------------------------------------------------------------


def test_browser_check_catches_broken_pages(tiny_report, tmp_path):
    """The browser check itself: a missing image, a remote image and a script error are all reported."""
    binary = chromium()
    shutil.copy(tiny_report.parent / "3d.png", tmp_path / "ok.png")
    page = tmp_path / "broken.html"
    page.write_text(
        '<!DOCTYPE html><html><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{report.CSP}"></head><body>'
        '<img src="ok.png"><img src="missing.png"><img src="https://example.invalid/x.png">'
        "<script>undefined_function()</script></body></html>",
        encoding="utf-8",
    )
    state = browser_check(binary, page)
    loaded = {i["src"]: i["naturalWidth"] > 0 for i in state["images"]}
    assert loaded == {"ok.png": True, "missing.png": False, "https://example.invalid/x.png": False}
    assert any("missing.png" in e for e in state["errors"])
    assert any("example.invalid" in line for line in state["console"])  # blocked by the CSP, logged
    assert any("script-src" in line or "inline script" in line for line in state["console"])


def test_report_renders_in_headless_chromium(tiny_report):
    assert_renders_cleanly(chromium(), tiny_report, FIGURES)


@pytest.mark.dbt
def test_report_on_a_real_build_via_the_published_copy(sample_warehouse, tmp_path):
    """End to end: dbt build (sample) -> publish -> report from the published copy -> Chromium."""
    binary = chromium()
    published = publish_module.publish(sample_warehouse, tmp_path / "publish")
    page = report.write_report(published.database, tmp_path / "reports")
    text = page.read_text(encoding="utf-8")
    assert_renders_cleanly(binary, page, FIGURES)
    assert 'class="missing"' not in text
    # The numbers on the page are the warehouse's.
    counts = query(
        sample_warehouse,
        "select (select count(*) from fct_page_interactions) as clean, "
        "(select count(*) from rejected_submissions) as rejected, (select count(*) from dim_cookies) as cookies",
    ).iloc[0]
    row = _table_rows(text, "submissions")[0]
    assert row[1:4] == [f"{counts.clean + counts.rejected:,}", f"{counts.clean:,}", f"{counts.rejected:,}"]
    assert f"<b>{counts.cookies:,}</b><span>cookies" in text
    chosen = query(sample_warehouse, "select chosen_model from model_runs order by started_at desc limit 1")
    assert f"<b>{chosen.chosen_model[0]}</b><span>model used" in text


def test_offers_section_shows_the_tuned_models_the_reasons_and_the_new_visitor_offers(tiny_report):
    section = tiny_report.read_text(encoding="utf-8").split('id="offers"')[1].split('id="data-quality"')[0]
    assert "<strong>ease</strong>" in section  # the newest run's chosen model
    # The newest run's validation NDCG@10 and tuned settings per model, best first.
    tuned = [row for row in (_table_rows(section, m) for m in MODELS) if row]
    assert [row[0][0] for row in sorted(tuned, key=lambda r: -float(r[0][1]))][0] == "ease"
    assert _table_rows(section, "ease") == [["ease", "0.400", json.dumps({"l2": 50.0})]]
    # One of the two offers has a reason: 50%, and it is the example shown.
    assert "1 of 2 offers (50%)" in section
    assert _table_rows(section, "c5") == [["c5", "p1", "p2", "0.625", "ease"]]
    # The overall new-visitor offers in rank order, not the per-unit ones.
    assert [r[1] for r in (_table_rows(section, "1") + _table_rows(section, "2"))] == ["p2", "p1"]


def test_quarters_section_shows_the_latest_four_quarters(tiny_report):
    section = tiny_report.read_text(encoding="utf-8").split('id="quarters"')[1].split('id="data-quality"')[0]
    shown = [row[1] for row in _table_rows(section, "a")]
    assert shown == ["2025-10-01", "2025-07-01", "2025-04-01", "2025-01-01"]  # not 2024's, not months
    assert _table_rows(section, "a")[0] == ["a", "2025-10-01", "10", "1", "20", "1"]
