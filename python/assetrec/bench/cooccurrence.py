"""Co-occurrence benchmark: `python -m assetrec.bench cooccurrence [--sizes 100k,1M,5M] [--repeats 3]`.

Times the warehouse's page co-occurrence (models/similarity/: cooccurrence_pages, cooccurrence_page_pairs
and the page_cooccurrence view) against scipy's sparse `X.T @ X` on the same synthetic data, in the same
run, and reports the ratio of medians and the peak memory.

Per size (interactions; about 20 pages per cookie, 20,000 pages, Zipf page popularity and co-visit
clusters from `assetrec.synth`):

1. once: the data is generated, the upstream models (`+fct_page_interactions`) are built by dbt, and
   `dbt run` builds the co-occurrence models once, which leaves the SQL that dbt executes in
   `target/run/` (and gives a dbt wall time, startup included, for reference);
2. each repeat, in fresh subprocesses, alternating which goes first: (a) DuckDB executes exactly those
   statements (contract DDL + insert for each table, the view) over the prebuilt fct_page_interactions,
   with the DuckDB settings dbt uses (the profile sets none: threads = cores, default memory limit), then
   reads every column of every row of the page_cooccurrence view once; (b) scipy computes `X.T @ X` on
   the 0/1 cookie x page CSR matrix (built beforehand, untimed), then the rest of the same output: the
   weighted product `E.T @ E` and all seven measures for every ordered pair.

With `--floor`, a third subprocess per repeat times, on the same data, the two steps that any SQL plan for
this table must take, each alone and in its cheapest form: emitting one row per cookie and pair of its
pages (the self-join on integer ids, counted, not stored) and hash-aggregating those rows, stored
beforehand and sorted, into one row per pair (`group by`). A sparse product in relational algebra is this
join and this aggregation, and DuckDB has no other operator for it: if either step alone costs more than
scipy's whole `X.T @ X`, no formulation of the model can reach a ratio of 1.

Times are wall-clock medians; the CPU time (user + system, all threads) of the same sections is reported
too, because the 2-core machines are shared and a busy neighbour stretches wall time, DuckDB's two threads
more than scipy's one. Peak memory is each subprocess's VmHWM (peak RSS), interpreter and inputs included.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from assetrec.bench import command
from assetrec.dbt_runner import REPO, DbtFailed, run_dbt

PAGES = 20_000
PAGES_PER_COOKIE = 20
# The co-occurrence models in build order; page_cooccurrence is a view over the other two.
MODELS = ("cooccurrence_pages", "cooccurrence_page_pairs", "page_cooccurrence")
SCAN_SQL = """
select
    count(*), max(page_a), max(page_b), sum(co_cookies), sum(cookies_a), sum(cookies_b), sum(total_cookies),
    sum(jaccard), sum(cosine), sum(inclusion), sum(lift), sum(pmi), sum(npmi), sum(weighted_cosine)
from page_cooccurrence
"""


def parse_size(text: str) -> int:
    text = text.strip().lower()
    scale = {"k": 1_000, "m": 1_000_000}.get(text[-1:], 1)
    return int(float(text.rstrip("km")) * scale)


def _status_mb(field: str) -> float:
    """VmHWM (peak RSS) or VmRSS of this process, in MB (VmHWM restarts at exec, unlike ru_maxrss)."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024.0
    raise RuntimeError(f"{field} not found in /proc/self/status")


def _cpu_seconds() -> float:
    """User + system CPU time of this process, all threads."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _dbt(args: list[str], data_dir: Path, data_vars: dict) -> float:
    began = time.perf_counter()
    try:
        run_dbt(args, data_dir / "warehouse.duckdb", data_dir / "target", data_vars)
    except DbtFailed as exc:
        raise SystemExit(str(exc)) from None
    return time.perf_counter() - began


def prepare(interactions: int, workdir: Path, seed: int) -> dict:
    """Generate the data and build the upstream tables once per size; reused by later runs."""
    import duckdb

    from assetrec import synth

    data_dir = workdir / f"interactions-{interactions}"
    info_path = data_dir / "prepared.json"
    if info_path.exists():
        return json.loads(info_path.read_text())
    if data_dir.exists():
        shutil.rmtree(data_dir)
    data_dir.mkdir(parents=True)
    cookies = max(1, interactions // PAGES_PER_COOKIE)
    print(
        f"  generating {cookies:,} cookies x {PAGES:,} pages, {PAGES_PER_COOKIE} pages per cookie", flush=True
    )
    submissions, bu_mapping = synth.generate(
        cookies, PAGES, density=PAGES_PER_COOKIE, seed=seed, progress=False
    )
    sub_path, map_path = synth.write(submissions, bu_mapping, data_dir)
    del submissions, bu_mapping
    data_vars = {"submissions_path": str(sub_path), "bu_mapping_path": str(map_path)}
    print("  dbt build --select +fct_page_interactions (seeds and models, no tests)", flush=True)
    upstream = [
        "build",
        "--select",
        "+fct_page_interactions",
        "--resource-type",
        "seed",
        "--resource-type",
        "model",
    ]
    _dbt(upstream, data_dir, data_vars)
    # The scipy side needs integer codes; cooccurrence_pages gives page ids (any numbering would do).
    _dbt(["run", "--select", MODELS[0]], data_dir, data_vars)
    with duckdb.connect(str(data_dir / "warehouse.duckdb"), read_only=True) as con:
        # Integer codes for scipy (any numbering will do: the products do not depend on it).
        codes = con.execute(
            """
            select
                dense_rank() over (order by cookie) - 1 as cookie_code,
                pages.page_id - 1 as page_code,
                fct.event_strength
            from fct_page_interactions as fct
            inner join cooccurrence_pages as pages on fct.page_url = pages.page_url
            """
        ).fetchnumpy()
        fct_rows, fct_cookies, fct_pages = con.execute(
            "select count(*), count(distinct cookie), count(distinct page_url) from fct_page_interactions"
        ).fetchone()
        per_cookie = con.execute(
            "select sum(n * n), max(n) from (select count(*) as n from fct_page_interactions group by cookie)"
        ).fetchone()
    np.savez(
        data_dir / "matrix.npz",
        cookie=codes["cookie_code"].astype(np.int32),
        page=codes["page_code"].astype(np.int32),
        strength=codes["event_strength"].astype(np.float64),
        shape=np.array([fct_cookies, fct_pages]),
    )
    info = dict(
        interactions=int(fct_rows), cookies=int(fct_cookies), pages=int(fct_pages),
        sum_squared_pages_per_cookie=int(per_cookie[0]), max_pages_per_cookie=int(per_cookie[1]),
        data_dir=str(data_dir), data_vars=data_vars,
    )  # fmt: skip
    info_path.write_text(json.dumps(info))
    return info


def run_sql_statements(data_dir: Path) -> list[str]:
    """The statements dbt executed for each model (creating `<model>__dbt_tmp`), aimed at the final names."""
    statements = []
    for model in MODELS:
        text = (
            data_dir / "target" / "run" / "assetrec" / "models" / "similarity" / f"{model}.sql"
        ).read_text()
        statements.append(text.replace(f'"{model}__dbt_tmp"', f'"{model}"'))
    return statements


def _child_sql(data_dir: Path) -> dict:
    import duckdb

    con = duckdb.connect(str(data_dir / "warehouse.duckdb"))
    con.execute("drop view if exists page_cooccurrence")
    con.execute("drop table if exists cooccurrence_page_pairs")
    con.execute("drop table if exists cooccurrence_pages")
    con.execute("checkpoint")
    statements = run_sql_statements(data_dir)
    settings = con.execute("select current_setting('threads'), current_setting('memory_limit')").fetchone()
    baseline = _status_mb("VmRSS")
    began, cpu = time.perf_counter(), _cpu_seconds()
    for statement in statements:
        con.execute(statement)
    build_seconds, build_cpu = time.perf_counter() - began, _cpu_seconds() - cpu
    build_peak = _status_mb("VmHWM")
    began = time.perf_counter()
    rows = con.execute(SCAN_SQL).fetchone()[0]
    scan_seconds = time.perf_counter() - began
    con.close()
    return dict(
        build_seconds=build_seconds, build_cpu_seconds=build_cpu, scan_seconds=scan_seconds, rows=int(rows), build_peak_mb=build_peak,
        peak_mb=_status_mb("VmHWM"), baseline_mb=baseline, threads=settings[0], memory_limit=settings[1],
    )  # fmt: skip


FLOOR_SETUP_SQL = """
create temp table floor_cookie_pages as
with cookie_ids as (
    select cookie, cast(row_number() over () as integer) as cookie_id
    from (select distinct cookie from fct_page_interactions)
)
select cookie_ids.cookie_id, pages.page_id
from fct_page_interactions as fct
inner join cooccurrence_pages as pages on fct.page_url = pages.page_url
inner join cookie_ids on fct.cookie = cookie_ids.cookie
order by cookie_ids.cookie_id
"""
FLOOR_PAIRS_SQL = """
select a.page_id::bigint * 65536 + b.page_id as pair_code
from floor_cookie_pages as a
inner join floor_cookie_pages as b on a.cookie_id = b.cookie_id and a.page_id < b.page_id
"""
FLOOR_STEPS = {
    "emit": f"select count(*), sum(pair_code) from ({FLOOR_PAIRS_SQL})",
    "aggregate": "select count(*), sum(co) from (select pair_code, count(*) as co from floor_pairs group by pair_code)",
}


def _child_floor(data_dir: Path) -> dict:
    """The SQL plan's two unavoidable steps, each timed alone (see the module docstring)."""
    import duckdb

    con = duckdb.connect(str(data_dir / "warehouse.duckdb"), read_only=True)
    con.execute("set preserve_insertion_order = false")
    con.execute(FLOOR_SETUP_SQL)
    result = {}
    began, cpu = time.perf_counter(), _cpu_seconds()
    pairs = con.execute(FLOOR_STEPS["emit"]).fetchone()[0]
    result.update(emit_seconds=time.perf_counter() - began, emit_cpu_seconds=_cpu_seconds() - cpu)
    con.execute(f"create temp table floor_pairs as {FLOOR_PAIRS_SQL} order by pair_code")
    began, cpu = time.perf_counter(), _cpu_seconds()
    groups = con.execute(FLOOR_STEPS["aggregate"]).fetchone()[0]
    result.update(aggregate_seconds=time.perf_counter() - began, aggregate_cpu_seconds=_cpu_seconds() - cpu)
    con.close()
    return dict(result, cookie_pairs=int(pairs), rows=2 * int(groups))


def _child_scipy(data_dir: Path) -> dict:
    import scipy.sparse as sp

    saved = np.load(data_dir / "matrix.npz")
    shape = tuple(int(v) for v in saved["shape"])
    cookie, page, strength = saved["cookie"], saved["page"], saved["strength"]
    binary = sp.csr_matrix((np.ones(len(cookie)), (cookie, page)), shape=shape)
    weighted = sp.csr_matrix((strength, (cookie, page)), shape=shape)
    del cookie, page, strength
    baseline = _status_mb("VmRSS")
    began, cpu = time.perf_counter(), _cpu_seconds()
    counts = binary.T @ binary
    xtx_seconds, xtx_cpu = time.perf_counter() - began, _cpu_seconds() - cpu
    xtx_peak = _status_mb("VmHWM")
    began = time.perf_counter()
    dots = weighted.T @ weighted
    # Both products are symmetric, in the same compressed format and (every event_strength > 0 here) with
    # the same sparsity pattern, which scipy lays out identically: read indptr/indices as rows and take the
    # entries position by position (sorting the indices first would add ~2 s at 5M for nothing).
    if not (np.array_equal(counts.indptr, dots.indptr) and np.array_equal(counts.indices, dots.indices)):
        counts.sort_indices()
        dots.sort_indices()
        if not np.array_equal(counts.indices, dots.indices):
            raise RuntimeError("X.T @ X and E.T @ E differ in sparsity pattern")
    a_idx = np.repeat(np.arange(counts.shape[0]), np.diff(counts.indptr))
    b_idx, co, dot = counts.indices, counts.data, dots.data
    off = a_idx != b_idx
    a_idx, b_idx, co, dot = a_idx[off], b_idx[off], co[off], dot[off]
    per_page = np.asarray(binary.sum(axis=0)).ravel()
    norm = np.sqrt(np.asarray(weighted.multiply(weighted).sum(axis=0)).ravel())
    n = float(np.count_nonzero(np.diff(binary.indptr)))
    a, b = per_page[a_idx], per_page[b_idx]
    lift = co * n / (a * b)
    pmi = np.log2(lift)
    with np.errstate(divide="ignore", invalid="ignore"):
        measures = dict(
            jaccard=co / (a + b - co),
            cosine=co / np.sqrt(a * b),
            inclusion=co / np.minimum(a, b),
            lift=lift,
            pmi=pmi,
            npmi=np.where((co == a) & (co == b), 1.0, pmi / -np.log2(co / n)),
            weighted_cosine=dot / (norm[a_idx] * norm[b_idx]),
        )
    rest_seconds = time.perf_counter() - began
    return dict(
        xtx_seconds=xtx_seconds, xtx_cpu_seconds=xtx_cpu, full_seconds=xtx_seconds + rest_seconds, rows=int(len(co)),
        xtx_peak_mb=xtx_peak, peak_mb=_status_mb("VmHWM"), baseline_mb=baseline, checksum=float(measures["jaccard"].sum()),
    )  # fmt: skip


def _run_child(kind: str, data_dir: Path) -> dict:
    command = [
        sys.executable,
        "-m",
        "assetrec.bench",
        "cooccurrence",
        "--child",
        kind,
        "--data-dir",
        str(data_dir),
    ]
    result = subprocess.run(command, check=True, capture_output=True, text=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


def main(argv: list[str]) -> int:
    parser = command("cooccurrence", __doc__)
    parser.add_argument(
        "--sizes", default="100k,1M,5M", help="interactions per size, comma-separated (%(default)s)"
    )
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument(
        "--workdir",
        default=str(REPO / "bench-data" / "cooccurrence"),
        help="generated data, kept between runs",
    )
    parser.add_argument(
        "--fresh", action="store_true", help="regenerate the data and rebuild the upstream tables"
    )
    parser.add_argument(
        "--floor",
        action="store_true",
        help="also time the join and the aggregation any SQL plan needs, each alone (a lower bound)",
    )
    parser.add_argument("--child", choices=["sql", "scipy", "floor"], help=argparse.SUPPRESS)
    parser.add_argument("--data-dir", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child = {"sql": _child_sql, "scipy": _child_scipy, "floor": _child_floor}[args.child]
        print(json.dumps(child(Path(args.data_dir))))
        return 0

    workdir = Path(args.workdir)
    if args.fresh and workdir.exists():
        shutil.rmtree(workdir)
    rows = []
    load_before = os.getloadavg()[0]
    for size in [parse_size(s) for s in args.sizes.split(",")]:
        print(f"size {size:,} interactions", flush=True)
        info = prepare(size, workdir, args.seed)
        data_dir = Path(info["data_dir"])
        # Builds the models once with the current SQL, which leaves the statements dbt ran in target/run/.
        print("  dbt run --select " + " ".join(MODELS), flush=True)
        info["dbt_run_seconds"] = _dbt(["run", "--select", *MODELS], data_dir, info["data_vars"])
        runs: dict[str, list[dict]] = {"sql": [], "scipy": [], "floor": []}
        kinds = ("sql", "scipy", "floor") if args.floor else ("sql", "scipy")
        for repeat in range(args.repeats):
            # Alternate the order: a noisy neighbour then penalises both sides alike.
            for kind in kinds if repeat % 2 == 0 else kinds[::-1]:
                result = _run_child(kind, data_dir)
                runs[kind].append(result)
                if kind == "sql":
                    print(
                        f"  repeat {repeat + 1}: sql build {result['build_seconds']:.2f}s "
                        f"(CPU {result['build_cpu_seconds']:.2f}s), view scan "
                        f"{result['scan_seconds']:.2f}s, peak {result['peak_mb']:.0f} MB",
                        flush=True,
                    )
                elif kind == "floor":
                    print(
                        f"  repeat {repeat + 1}: floor: emit pairs {result['emit_seconds']:.2f}s "
                        f"(CPU {result['emit_cpu_seconds']:.2f}s), aggregate them "
                        f"{result['aggregate_seconds']:.2f}s (CPU {result['aggregate_cpu_seconds']:.2f}s)",
                        flush=True,
                    )
                else:
                    print(
                        f"  repeat {repeat + 1}: scipy X.T@X {result['xtx_seconds']:.2f}s "
                        f"(CPU {result['xtx_cpu_seconds']:.2f}s), all measures "
                        f"{result['full_seconds']:.2f}s, peak {result['peak_mb']:.0f} MB",
                        flush=True,
                    )
        sql, ref = runs["sql"], runs["scipy"]
        assert all(r["rows"] == ref[0]["rows"] for r in sql + runs["floor"]), "all must find the same pairs"
        info["ordered_pairs"] = sql[0]["rows"]
        rows.append(dict(info=info, sql=sql, scipy=ref, floor=runs["floor"]))
    _report(rows, args, (load_before, os.getloadavg()[0]))
    return 0


def _report(rows: list[dict], args, load: tuple[float, float]) -> None:
    def med(runs, key):
        return float(np.median([r[key] for r in runs]))

    print()
    print(
        f"{time.strftime('%Y-%m-%d')}, {args.repeats} repeats, seed {args.seed}, DuckDB threads "
        f"{rows[0]['sql'][0]['threads']}, memory_limit {rows[0]['sql'][0]['memory_limit']}; "
        f"1-minute load average at start and end: {load[0]:.1f}, {load[1]:.1f}"
    )
    print(
        "| interactions | cookies | sum of pages per cookie squared | ordered pairs | DuckDB build s | "
        "scipy X.T@X s | ratio | DuckDB build CPU s | scipy X.T@X CPU s | CPU ratio | "
        "DuckDB build + full view read s | scipy X.T@X + all measures s | ratio | "
        "DuckDB peak MB | scipy peak MB | dbt run s (1 run) |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for row in rows:
        info, sql, ref = row["info"], row["sql"], row["scipy"]
        build, xtx = med(sql, "build_seconds"), med(ref, "xtx_seconds")
        total = float(np.median([r["build_seconds"] + r["scan_seconds"] for r in sql]))
        full = med(ref, "full_seconds")
        build_cpu, xtx_cpu = med(sql, "build_cpu_seconds"), med(ref, "xtx_cpu_seconds")
        print(
            f"| {info['interactions']:,} | {info['cookies']:,} | {info['sum_squared_pages_per_cookie']:,} | "
            f"{info['ordered_pairs']:,} | {build:.2f} | {xtx:.2f} | {build / xtx:.2f} | "
            f"{build_cpu:.2f} | {xtx_cpu:.2f} | {build_cpu / xtx_cpu:.2f} | {total:.2f} | "
            f"{full:.2f} | {total / full:.2f} | {max(r['peak_mb'] for r in sql):.0f} | "
            f"{max(r['peak_mb'] for r in ref):.0f} | {info['dbt_run_seconds']:.1f} |"
        )
    if not rows[0]["floor"]:
        return
    print()
    print(
        "| interactions | cookie x page pairs | emit s (CPU s) | aggregate s (CPU s) | scipy X.T@X s (CPU s) | "
        "emit / X.T@X | aggregate / X.T@X | emit + aggregate / X.T@X | same, CPU |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for row in rows:
        floor, ref = row["floor"], row["scipy"]
        emit, agg, xtx = med(floor, "emit_seconds"), med(floor, "aggregate_seconds"), med(ref, "xtx_seconds")
        emit_cpu, agg_cpu = med(floor, "emit_cpu_seconds"), med(floor, "aggregate_cpu_seconds")
        xtx_cpu = med(ref, "xtx_cpu_seconds")
        print(
            f"| {row['info']['interactions']:,} | {floor[0]['cookie_pairs']:,} | {emit:.2f} ({emit_cpu:.2f}) | "
            f"{agg:.2f} ({agg_cpu:.2f}) | {xtx:.2f} ({xtx_cpu:.2f}) | {emit / xtx:.2f} | {agg / xtx:.2f} | "
            f"{(emit + agg) / xtx:.2f} | {(emit_cpu + agg_cpu) / xtx_cpu:.2f} |"
        )


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
