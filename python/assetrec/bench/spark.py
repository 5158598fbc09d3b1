"""DuckDB against Spark local[2]: `python -m assetrec.bench spark [--sizes 100k,1M,5M] [--repeats 1]`.

For every size, the pipeline benchmark's synthetic exports (`assetrec.bench.pipeline.ensure_data`: about 20
pages per cookie, 20,000 pages, seed 1), then per repeat two full builds, each a `dbt build` subprocess with the
exports passed as `submissions_path` / `bu_mapping_path` and the project's default vars:

- DuckDB: every model, seed, unit and data test on a fresh database (as the pipeline benchmark, without publish);
- Spark: `--target spark` (a local[2] SparkSession inside the dbt process) with a fresh `ASSETREC_SPARK_DIR` and
  the default selection (selector `spark`: the whole DAG but the event-level staging and the unit tests).

Reported per engine and stage (the pipeline benchmark's mapping of dbt nodes to stages, `node_stages`): seconds,
the ratio Spark / DuckDB, the build's wall time and peak memory (the largest sampled RSS of the dbt process tree:
the Spark JVM is a child of the dbt process). From the DuckDB build, the co-occurrence self-join's pairs emitted
(sum over cookies of m(m-1)/2, m = min(pages, max_pages_per_cookie)) and the mean cookie and page_url lengths,
which `sizing` scales to a cluster build of 500M interactions.
"""

from __future__ import annotations

import os
import shutil
import statistics
import sys
from pathlib import Path

from assetrec.bench import RunLog, add_build_arguments, command
from assetrec.bench.pipeline import (
    STAGES,
    duckdb_readonly,
    ensure_data,
    label,
    parse_size,
    run_timed,
    stage_figures,
)
from assetrec.dbt_runner import dbt_command, dbt_env
from assetrec.settings import Settings

ENGINES = ("duckdb", "spark")
BUILD_STAGES = tuple(s for s in STAGES if s != "publish")
MAX_PAGES_PER_COOKIE = Settings.max_pages_per_cookie  # the default cap of the builds measured

# Per row of the co-occurrence self-join: what measure_data reads from the DuckDB build.
MEASURE_SQL = f"""
with per_cookie as (
    select cookie, count(*) as n, least(count(*), {MAX_PAGES_PER_COOKIE}) as m
    from fct_page_interactions group by cookie
)
select
    (select count(*) from fct_page_interactions) as interactions,
    count(*) as cookies,
    (select count(distinct page_url) from fct_page_interactions) as pages,
    sum(m * (m - 1) // 2) as pairs_emitted,
    (select count(*) from cooccurrence_page_pairs) as distinct_pairs,
    max(n) as max_pages_of_a_cookie,
    (select avg(length(cookie)) from fct_page_interactions) as cookie_chars,
    (select avg(length(page_url)) from fct_page_interactions) as page_url_chars
from per_cookie
"""


def one_build(work: Path, data: Path, size: int, repeat: int, engine: str) -> dict:
    """One full dbt build on `engine` from scratch; its figures (and, on DuckDB, the data's measures)."""
    run_dir = work / f"run_{engine}_{label(size)}_{repeat}"
    shutil.rmtree(run_dir, ignore_errors=True)
    run_dir.mkdir(parents=True)
    db, target = run_dir / "warehouse.duckdb", run_dir / "target"
    spark_dir = run_dir / "spark" if engine == "spark" else None
    variables = {
        "submissions_path": str(data / "submissions.csv"),
        "bu_mapping_path": str(data / "bu_mapping.csv"),
    }
    command = dbt_command(["build"], target, variables, dbt_target="spark" if spark_dir else None)
    load_before = os.getloadavg()[0]
    build = run_timed(command, dbt_env(db, spark_dir), run_dir / "dbt_build.log")
    load_after = os.getloadavg()[0]
    if build.returncode != 0:
        raise RuntimeError(f"{engine} dbt build failed ({size} interactions):\n{build.output[-4000:]}")
    seconds, peaks, nodes = stage_figures(target, build)
    run = {
        "engine": engine,
        "size": label(size),
        "repeat": repeat,
        "build_seconds": round(build.seconds, 2),
        "peak_mb": round(max((mb for _, mb in build.samples), default=0.0)),
        "maxrss_mb": round(build.peak_mb),
        "nodes": len(nodes),
        "stage_seconds": {s: round(seconds[s], 2) for s in BUILD_STAGES},
        "stage_peak_mb": {s: round(peaks[s]) for s in BUILD_STAGES},
        "slowest_nodes": [(uid, round(t, 2)) for uid, t in sorted(nodes.items(), key=lambda kv: -kv[1])[:8]],
        "load_before": round(load_before, 2),
        "load_after": round(load_after, 2),
    }
    if engine == "duckdb":
        with duckdb_readonly(db) as con:
            result = con.execute(MEASURE_SQL)
            names = [d[0] for d in result.description]
            run["measures"] = {k: float(v) for k, v in zip(names, result.fetchone(), strict=True)}
    db.unlink(missing_ok=True)
    if spark_dir:
        shutil.rmtree(spark_dir, ignore_errors=True)
    return run


# -------------------------------------------------------------------------------------------- report
def compare_rows(runs: list[dict]) -> list[dict]:
    """Per size (in order of appearance): the median seconds per stage on each engine, wall, peak, measures."""
    rows = []
    for size in dict.fromkeys(r["size"] for r in runs):
        row: dict = {"size": size}
        for engine in ENGINES:
            mine = [r for r in runs if r["size"] == size and r["engine"] == engine]
            row[engine] = {
                "repeats": len(mine),
                "stage_seconds": {
                    s: statistics.median(r["stage_seconds"][s] for r in mine) for s in BUILD_STAGES
                },
                "build_seconds": statistics.median(r["build_seconds"] for r in mine),
                "peak_mb": statistics.median(r["peak_mb"] for r in mine),
            }
        row["measures"] = next(r["measures"] for r in runs if r["size"] == size and r["engine"] == "duckdb")
        rows.append(row)
    return rows


def ratio(spark: float, duck: float) -> str:
    return f"{spark / duck:.1f}x" if duck > 0 else "-"


def markdown(rows: list[dict]) -> str:
    """Stages x sizes: DuckDB s, Spark s and Spark / DuckDB per size; then wall, peak RSS and the data."""
    head = (
        "| stage | " + " | ".join(f"{r['size']} DuckDB s | {r['size']} Spark s | ratio" for r in rows) + " |"
    )
    lines = [head, "|---|" + "---|---|---|" * len(rows)]

    def line(name: str, get, fmt: str = "{:.1f}", bold: bool = False) -> None:
        cells = []
        for r in rows:
            duck, spark = get(r["duckdb"]), get(r["spark"])
            cells += [fmt.format(duck), fmt.format(spark), ratio(spark, duck)]
        if bold:
            cells = [f"**{c}**" for c in cells]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")

    for stage in BUILD_STAGES:
        line(stage, lambda e, stage=stage: e["stage_seconds"][stage])
    line("**dbt build wall**", lambda e: e["build_seconds"], bold=True)
    line("**peak RSS MB** (process tree)", lambda e: e["peak_mb"], "{:.0f}", bold=True)
    lines.append(
        "| interactions / cookies / pages | "
        + " | ".join(
            f"{m['interactions']:,.0f} / {m['cookies']:,.0f} / {m['pages']:,.0f} | |"
            for m in (r["measures"] for r in rows)
        )
        + " |"
    )
    return "\n".join(lines)


# -------------------------------------------------------------------------------------------- sizing
def sizing(
    measures: dict,
    interactions: float = 500e6,
    partition_mb: float = 128,
    executor_cores: int = 4,
    executors: int = 16,
    als_factors: int = 32,
    als_iterations: int = 15,
    ease_max_pages: int = 5_000,
    eval_max_cookies: int = 25_000,
) -> list[tuple[str, str, float]]:
    """A cluster build of `interactions` from the measures of one generated export (`MEASURE_SQL`), scaled
    linearly (the same pages-per-cookie distribution: cookies and pairs grow with the interactions).
    Rows of (quantity, arithmetic, value); sizes in GB (1e9 bytes), rows and pairs in millions."""
    m = measures
    scale = interactions / m["interactions"]
    pages_per_cookie = m["interactions"] / m["cookies"]
    cookies = interactions / pages_per_cookie
    rows = [
        ("scale", f"{interactions / 1e6:,.0f}M / {m['interactions'] / 1e6:,.2f}M interactions", scale),
        (
            "cookies (M)",
            f"{interactions / 1e6:,.0f}M / {pages_per_cookie:.2f} pages per cookie",
            cookies / 1e6,
        ),
    ]
    rows += _shuffle_rows(m["pairs_emitted"], scale, interactions, partition_mb)
    blocks = executors * executor_cores
    rows.append(("ALS blocks per side", f"{executors} executors x {executor_cores} cores", blocks))
    als, cached_gb = _als_rows(
        interactions, cookies, pages_per_cookie, m["pages"], blocks, als_factors, als_iterations
    )
    rows += als
    rows += _executor_rows(cached_gb, ease_max_pages, executors, executor_cores, partition_mb)
    # An interaction as collected through Arrow: cookie and page_url text (+ a 4-byte offset each), a float64.
    collected_row = m["cookie_chars"] + 4 + m["page_url_chars"] + 4 + 8
    eval_rows = eval_max_cookies * pages_per_cookie
    return rows + [
        (
            "driver: evaluation sample (M rows)",
            f"{eval_max_cookies:,} x {pages_per_cookie:.2f}",
            eval_rows / 1e6,
        ),
        (
            "driver: evaluation sample (GB)",
            f"{eval_rows / 1e6:.2f}M x {collected_row:.0f} B",
            eval_rows * collected_row / 1e9,
        ),
        (
            "driver: all interactions collected (GB)",
            f"{interactions / 1e6:,.0f}M x {collected_row:.0f} B",
            interactions * collected_row / 1e9,
        ),
    ]


def _shuffle_rows(pairs_measured: float, scale: float, interactions: float, partition_mb: float) -> list:
    """The co-occurrence self-join's shuffles: its input (both sides) and the partial aggregates of pairs."""
    pairs = pairs_measured * scale
    # Spark's shuffle rows (UnsafeRow: an 8-byte null bitset + 8 bytes per fixed-width field, + a 4-byte length
    # in the shuffle file): the partial aggregate of a pair (page_id_a, page_id_b, count, sum) = 8 + 4*8 + 4;
    # a join input row (cookie_id, page_id, event_strength) = 8 + 3*8 + 4.
    pair_row, input_row = 8 + 4 * 8 + 4, 8 + 3 * 8 + 4
    pair_gb = pairs * pair_row / 1e9
    input_gb = 2 * interactions * input_row / 1e9
    mb = f"{partition_mb:.0f} MB"
    return [
        ("pairs emitted (M)", f"{pairs_measured / 1e6:,.2f}M x {scale:,.0f}", pairs / 1e6),
        ("pair shuffle (GB)", f"{pairs / 1e6:,.0f}M x {pair_row} B", pair_gb),
        ("pair shuffle partitions", f"{pair_gb:,.0f} GB / {mb}", pair_gb * 1e3 / partition_mb),
        ("join input shuffle (GB)", f"2 sides x {interactions / 1e6:,.0f}M x {input_row} B", input_gb),
        ("join input partitions", f"{input_gb:,.0f} GB / {mb}", input_gb * 1e3 / partition_mb),
    ]


def _als_rows(
    interactions: float,
    cookies: float,
    pages_per_cookie: float,
    pages: float,
    blocks: int,
    factors: int,
    iterations: int,
) -> tuple[list, float]:
    """ALS (float32 factors): the rating blocks hold (user int, item int, rating float) once per side. An
    iteration ships each cookie's factors to every page block it rated (of `blocks`, with pages_per_cookie
    pages spread evenly: blocks * (1 - (1 - 1/blocks)^pages_per_cookie)) and each page's to (at most) every
    cookie block. Also returns what the executors cache: the rating blocks and cookie factors."""
    ratings_gb = 2 * interactions * 12 / 1e9
    cookie_factors_gb = cookies * factors * 4 / 1e9
    blocks_per_cookie = blocks * (1 - (1 - 1 / blocks) ** pages_per_cookie)
    shuffle_gb = (cookies * blocks_per_cookie + pages * blocks) * factors * 4 / 1e9
    rows = [
        ("ALS rating blocks (GB, all)", f"2 sides x {interactions / 1e6:,.0f}M x 12 B", ratings_gb),
        ("ALS cookie factors (GB, all)", f"{cookies / 1e6:,.1f}M x {factors} x 4 B", cookie_factors_gb),
        (
            "ALS page blocks per cookie",
            f"{blocks} x (1 - (1 - 1/{blocks})^{pages_per_cookie:.2f})",
            blocks_per_cookie,
        ),
        (
            "ALS shuffle per iteration (GB)",
            f"({cookies / 1e6:,.1f}M x {blocks_per_cookie:.1f} + {pages:,.0f} x {blocks}) x {factors} x 4 B",
            shuffle_gb,
        ),
        (
            "ALS shuffle per fit (GB)",
            f"{shuffle_gb:,.1f} GB x {iterations} iterations",
            shuffle_gb * iterations,
        ),
    ]
    return rows, ratings_gb + cookie_factors_gb


def _executor_rows(
    cached_gb: float, ease_max_pages: int, executors: int, cores: int, partition_mb: float
) -> list:
    """Resident per executor: its share of the cached ALS blocks and factors, the broadcast item-item weights
    (one copy per Python worker and the JVM's), and a hash map of about two partitions per running task; the
    heap is that over spark.memory.fraction 0.6."""
    ease_gb = ease_max_pages**2 * 8 / 1e9
    broadcast_gb = ease_gb * (cores + 1)
    resident_gb = cached_gb / executors + broadcast_gb + cores * 2 * partition_mb / 1e3
    return [
        ("item-item weights, broadcast (GB)", f"{ease_max_pages:,}^2 x 8 B", ease_gb),
        ("broadcast per executor (GB)", f"{ease_gb:.2f} GB x ({cores} Python workers + 1)", broadcast_gb),
        (
            "executor resident (GB)",
            f"{cached_gb:,.1f} / {executors} + {broadcast_gb:.1f} + {cores} x 2 x {partition_mb:.0f} MB",
            resident_gb,
        ),
        ("executor heap (GB)", f"{resident_gb:.1f} / 0.6", resident_gb / 0.6),
    ]


def sizing_markdown(rows: list[tuple[str, str, float]]) -> str:
    lines = ["| quantity | arithmetic | value |", "|---|---|---|"]
    lines += [f"| {name} | {how} | {value:,.1f} |" for name, how, value in rows]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = command("spark", __doc__)
    add_build_arguments(parser, Path("/tmp/assetrec-bench-spark"), 1, "builds per size and engine")
    args = parser.parse_args(argv)
    args.work.mkdir(parents=True, exist_ok=True)
    log = RunLog.start("spark", args.json)
    for size in [parse_size(s) for s in args.sizes.split(",")]:
        data = ensure_data(args.work, size, args.seed)
        for repeat in range(args.repeats):
            for engine in ENGINES:
                log.add(one_build(args.work, data, size, repeat, engine))
    rows = compare_rows(log.runs)
    print()
    print(markdown(rows))
    print(f"\nSizing for 500M interactions, from the {rows[-1]['size']} export:\n")
    print(sizing_markdown(sizing(rows[-1]["measures"])))
    print(f"\n1-minute load average at the builds: {log.load_range()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
