"""Full-pipeline benchmark: `python -m assetrec.bench pipeline [--sizes 100k,1M,5M] [--repeats 2]`.

For every distribution and size (interactions; about 20 pages per cookie, `--pages` pages (20,000), Zipf page
popularity and co-visit clusters from `assetrec.synth`), generates the synthetic exports once, then for every repeat:

1. runs one full `dbt build` (every model, seed, unit test and data test) on a fresh database in a
   subprocess, with the exports passed as `submissions_path` / `bu_mapping_path`;
2. publishes it with `python -m assetrec.publish --db ... --out ... --run-results ...` (another subprocess).

Distributions (`--distributions`) of pages per cookie: `generator` (the synthetic generator's default, shaped
like the real export: 1 + negative binomial) and `heavy_tailed` (lognormal, as crawlers and shared machines make
it: at 5M the 99th percentile is about 112 pages, the busiest cookie about 650, and the cookie-pair emissions of
co-occurrence 115M against 91M).

Reported per build: wall time of `dbt build` and of publish, peak memory, and the time of each stage, from
dbt's `run_results.json` (per-node `execution_time`) with nodes mapped to stages:

    read and clean   seeds, models/staging/ (base_/stg_ models, rejected_* quarantine tables, event summaries)
    aggregates       int_cookie_business_units, int_page_interactions_weighted, fct_/dim_/bridge_ marts,
                     *_activity
    co-occurrence    models/similarity/ (pairs, page_cooccurrence, similar pages)
    ALS fit          int_als_factors (the fit), als_*_factors, similar_pages
    evaluation       model_evaluation, model_runs, int_build_run
    recommendations  recommendations, next_pages, recommendations_for_new_visitors, models/reporting/
    publish          `python -m assetrec.publish` (not a dbt node)

A data or unit test counts in the stage of the model it tests (singular tests: of the latest stage they
read). Stage time is the sum of its nodes' execution times; with the profile's `threads: 1` the stages
add up to the build's wall time less dbt's own overhead (with more threads they would overlap).

Memory: the build's peak is the dbt process's maximum resident set (`os.wait4` rusage: DuckDB runs
inside it, and so do the Python models); a sampler also reads the RSS of the dbt process tree every
0.2 s, which attributes a peak to each stage (the largest sample taken while one of its nodes ran, which
includes whatever ran beside it).

The machine is shared and has 2 cores: times are medians over repeats; the 1-minute load average before
and after every build is recorded.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from assetrec.bench import RunLog, add_build_arguments, command
from assetrec.dbt_runner import REPO, dbt_command, dbt_env, publish_command

PAGES = 20_000
PAGES_PER_COOKIE = 20
# --distributions name -> the generator's `--activity` (pages per cookie)
DISTRIBUTIONS = {"generator": "negative_binomial", "heavy_tailed": "lognormal"}
STAGES = (
    "read and clean",
    "aggregates",
    "co-occurrence",
    "ALS fit",
    "evaluation",
    "recommendations",
    "publish",
)
SAMPLE_SECONDS = 0.2


def parse_size(text: str) -> int:
    text = text.strip().lower()
    scale = {"k": 1_000, "m": 1_000_000}.get(text[-1:], 1)
    return int(float(text.rstrip("km")) * scale)


def label(size: int) -> str:
    return f"{size // 1_000_000}M" if size % 1_000_000 == 0 else f"{size // 1_000}k"


# -------------------------------------------------------------------------------------------- stages
def model_stage(name: str, path: str) -> str:
    """The stage of a model or seed, by its name and file path (models/<folder>/...)."""
    folder = Path(path).parts[0] if path else ""
    if folder == "similarity":
        return "co-occurrence"
    if folder == "reporting" or name in ("recommendations", "next_pages", "recommendations_for_new_visitors"):
        return "recommendations"
    if name in ("int_als_factors", "als_page_factors", "als_cookie_factors", "similar_pages"):
        return "ALS fit"
    if name in ("model_evaluation", "model_runs", "int_build_run"):
        return "evaluation"
    if folder == "staging" or name.startswith(("base_", "stg_", "rejected_")) or path.endswith(".csv"):
        return "read and clean"
    return "aggregates"


def node_stages(manifest: dict) -> dict[str, str]:
    """unique_id -> stage for every model, seed, data test and unit test in dbt's manifest.json."""
    stages: dict[str, str] = {}
    for uid, node in {**manifest["nodes"], **manifest.get("unit_tests", {})}.items():
        if node["resource_type"] in ("model", "seed"):
            stages[uid] = model_stage(node["name"], node.get("path", ""))
    order = {stage: i for i, stage in enumerate(STAGES)}
    for uid, node in {**manifest["nodes"], **manifest.get("unit_tests", {})}.items():
        if node["resource_type"] not in ("test", "unit_test"):
            continue
        attached = node.get("attached_node") or (
            f"model.{node.get('package_name', 'assetrec')}.{node['model']}" if node.get("model") else None
        )
        candidates = [attached] if attached in stages else node.get("depends_on", {}).get("nodes", [])
        known = [stages[c] for c in candidates if c in stages]
        stages[uid] = max(known, key=order.__getitem__) if known else "aggregates"
    return stages


# -------------------------------------------------------------------------------------------- running
class RssSampler(threading.Thread):
    """Samples the summed RSS (MB) of a process and its descendants every SAMPLE_SECONDS."""

    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.pid = pid
        self.samples: list[tuple[float, float]] = []  # (unix time, MB)
        self._done = threading.Event()

    def run(self) -> None:
        while not self._done.is_set():
            mb = sum(_rss_mb(pid) for pid in _tree(self.pid))
            if mb:
                self.samples.append((time.time(), mb))
            self._done.wait(SAMPLE_SECONDS)

    def stop(self) -> None:
        self._done.set()
        self.join()


def _tree(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stat:
                ppid = int(stat.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(entry))
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo.extend(children.get(pid, []))
    return out


def _rss_mb(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return 0.0


@dataclass
class Timed:
    seconds: float
    peak_mb: float
    returncode: int
    samples: list[tuple[float, float]] = field(default_factory=list)
    output: str = ""


def run_timed(cmd: list[str], env: dict, log_path: Path) -> Timed:
    """Run `cmd`, returning wall time, peak RSS (wait4 ru_maxrss of the process and its waited-for
    descendants) and RSS samples of the process tree."""
    with log_path.open("w") as log:
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)
        sampler = RssSampler(proc.pid)
        sampler.start()
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - started
        sampler.stop()
        proc.returncode = os.waitstatus_to_exitcode(status)
    return Timed(seconds, usage.ru_maxrss / 1024.0, proc.returncode, sampler.samples, log_path.read_text())


def ensure_data(
    work: Path, size: int, seed: int, distribution: str = "generator", pages: int = PAGES
) -> Path:
    """Synthetic exports of about `size` interactions (generated once per distribution, size, seed and pages)."""
    name = f"data_{label(size)}_seed{seed}{'' if distribution == 'generator' else '_' + distribution}"
    out = work / (name if pages == PAGES else f"{name}_pages{pages}")
    if (out / "submissions.csv").exists() and (out / "bu_mapping.csv").exists():
        return out
    cookies = max(1, size // PAGES_PER_COOKIE)
    tmp = out.with_name(out.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    subprocess.run(
        [
            sys.executable,
            "-m",
            "assetrec.synth",
            "--out",
            str(tmp),
            "--cookies",
            str(cookies),
            "--pages",
            str(pages),
            "--density",
            str(PAGES_PER_COOKIE),
            "--seed",
            str(seed),
            "--activity",
            DISTRIBUTIONS[distribution],
            "--quiet",
        ],
        check=True,
        cwd=REPO,
    )
    os.replace(tmp, out)
    return out


def one_build(
    work: Path,
    data: Path,
    size: int,
    repeat: int,
    profiles_dir: Path = REPO,
    distribution: str = "generator",
    keep_warehouse: bool = False,
) -> dict:
    """One dbt build + publish on a fresh database; returns its figures (`keep_warehouse`: leave the
    built warehouse.duckdb in the run directory)."""
    run_dir = work / f"run_{distribution}_{label(size)}_{repeat}"
    shutil.rmtree(run_dir, ignore_errors=True)
    run_dir.mkdir(parents=True)
    db, target = run_dir / "warehouse.duckdb", run_dir / "target"
    variables = {
        "submissions_path": str(data / "submissions.csv"),
        "bu_mapping_path": str(data / "bu_mapping.csv"),
    }
    load_before = os.getloadavg()[0]
    build = run_timed(
        dbt_command(["build"], target, variables, profiles_dir), dbt_env(db), run_dir / "dbt_build.log"
    )
    if build.returncode != 0:
        raise RuntimeError(
            f"dbt build failed ({size} interactions); {_failed_figures(target, build)}:\n{build.output[-4000:]}"
        )
    publish = run_timed(
        publish_command(db, run_dir / "publish", target / "run_results.json"),
        dbt_env(db),
        run_dir / "publish.log",
    )
    if publish.returncode != 0:
        raise RuntimeError(f"publish failed ({size} interactions):\n{publish.output[-4000:]}")
    load_after = os.getloadavg()[0]

    seconds, peaks, nodes = stage_figures(target, build)
    seconds["publish"] = publish.seconds
    peaks["publish"] = publish.peak_mb
    with duckdb_readonly(db) as con:
        interactions, cookies, pages = con.execute(
            "select count(*), count(distinct cookie), count(distinct page_url) from fct_page_interactions"
        ).fetchone()
        chosen = con.execute("select chosen_model from model_runs").fetchone()[0]
    slowest = sorted(nodes.items(), key=lambda kv: -kv[1])[:8]
    shutil.rmtree(run_dir / "publish", ignore_errors=True)
    if not keep_warehouse:
        db.unlink(missing_ok=True)
    return {
        "distribution": distribution,
        "size": label(size),
        "repeat": repeat,
        "interactions": interactions,
        "cookies": cookies,
        "pages": pages,
        "chosen_model": chosen,
        "build_seconds": round(build.seconds, 2),
        "publish_seconds": round(publish.seconds, 2),
        "total_seconds": round(build.seconds + publish.seconds, 2),
        "build_peak_mb": round(build.peak_mb),
        "publish_peak_mb": round(publish.peak_mb),
        "sampled_peak_mb": round(max((mb for _, mb in build.samples), default=0.0)),
        "stage_seconds": {k: round(v, 2) for k, v in seconds.items()},
        "stage_peak_mb": {k: round(v) for k, v in peaks.items()},
        "slowest_nodes": [(uid, round(t, 2)) for uid, t in slowest],
        "load_before": round(load_before, 2),
        "load_after": round(load_after, 2),
    }


def stage_figures(target: Path, build: Timed) -> tuple[dict, dict, dict]:
    """(seconds per stage, sampled peak MB per stage, seconds per node) of the dbt run that wrote
    `target`'s run_results.json and manifest.json."""
    results = json.loads((target / "run_results.json").read_text())["results"]
    stages = node_stages(json.loads((target / "manifest.json").read_text()))
    seconds = dict.fromkeys(STAGES, 0.0)
    peaks = dict.fromkeys(STAGES, 0.0)
    nodes: dict[str, float] = {}
    for result in results:
        stage = stages.get(result["unique_id"], "aggregates")
        seconds[stage] += result["execution_time"]
        nodes[result["unique_id"]] = result["execution_time"]
        window = _window(result)
        if window:
            in_window = [mb for t, mb in build.samples if window[0] <= t <= window[1]]
            peaks[stage] = max([peaks[stage], *in_window])
    return seconds, peaks, nodes


def _failed_figures(target: Path, build: Timed) -> str:
    """What a failed build still tells: its wall time, peak RSS and the seconds of the stages that ran."""
    figures = f"{build.seconds:.0f} s, peak {build.peak_mb:.0f} MB"
    if not (target / "run_results.json").exists():
        return figures
    seconds, _, _ = stage_figures(target, build)
    return figures + ", stage seconds " + json.dumps({k: round(v, 1) for k, v in seconds.items()})


def _window(result: dict) -> tuple[float, float] | None:
    """(start, end) unix times of a node's execution from run_results' timing entries."""
    times = [
        datetime.fromisoformat(entry[key].replace("Z", "+00:00")).timestamp()
        for entry in result.get("timing", [])
        for key in ("started_at", "completed_at")
        if entry.get(key)
    ]
    return (min(times), max(times)) if times else None


class duckdb_readonly:  # noqa: N801 - a small context manager
    def __init__(self, path: Path):
        self.path = path

    def __enter__(self):
        import duckdb

        self.con = duckdb.connect(str(self.path), read_only=True)
        return self.con

    def __exit__(self, *exc):
        self.con.close()


# -------------------------------------------------------------------------------------------- report
def median_row(runs: list[dict]) -> dict:
    def med(get):
        return statistics.median(get(r) for r in runs)

    return {
        "distribution": runs[0].get("distribution", "generator"),
        "size": runs[0]["size"],
        "interactions": runs[0]["interactions"],
        "cookies": runs[0]["cookies"],
        "pages": runs[0]["pages"],
        "chosen_model": runs[0]["chosen_model"],
        "repeats": len(runs),
        "build_seconds": med(lambda r: r["build_seconds"]),
        "publish_seconds": med(lambda r: r["publish_seconds"]),
        "total_seconds": med(lambda r: r["total_seconds"]),
        "total_range": (min(r["total_seconds"] for r in runs), max(r["total_seconds"] for r in runs)),
        "peak_mb": med(lambda r: r["build_peak_mb"]),
        "peak_range": (min(r["build_peak_mb"] for r in runs), max(r["build_peak_mb"] for r in runs)),
        "stage_seconds": {s: med(lambda r, s=s: r["stage_seconds"][s]) for s in STAGES},
        "stage_peak_mb": {s: med(lambda r, s=s: r["stage_peak_mb"][s]) for s in STAGES},
    }


def markdown(rows: list[dict]) -> str:
    """One table per distribution (stages x sizes), each followed by its growth exponents."""
    distributions = dict.fromkeys(r["distribution"] for r in rows)
    return "\n\n".join(
        f"Distribution `{d}`:\n\n" + _markdown([r for r in rows if r["distribution"] == d])
        for d in distributions
    )


def _markdown(rows: list[dict]) -> str:
    head = "| stage | " + " | ".join(f"{r['size']} s (peak MB)" for r in rows) + " |"
    lines = [head, "|---|" + "---|" * len(rows)]
    for stage in STAGES:
        cells = [f"{r['stage_seconds'][stage]:.1f} ({r['stage_peak_mb'][stage]:.0f})" for r in rows]
        lines.append(f"| {stage} | " + " | ".join(cells) + " |")
    lines.append("| **dbt build wall** | " + " | ".join(f"**{r['build_seconds']:.1f}**" for r in rows) + " |")
    lines.append(
        "| **build + publish wall** (min-max) | "
        + " | ".join(
            f"**{r['total_seconds']:.1f}** ({r['total_range'][0]:.0f}-{r['total_range'][1]:.0f})"
            for r in rows
        )
        + " |"
    )
    lines.append(
        "| **peak RSS MB** (min-max) | "
        + " | ".join(f"**{r['peak_mb']:.0f}** ({r['peak_range'][0]}-{r['peak_range'][1]})" for r in rows)
        + " |"
    )
    lines.append(
        "| interactions / cookies / pages | "
        + " | ".join(f"{r['interactions']:,} / {r['cookies']:,} / {r['pages']:,}" for r in rows)
        + " |"
    )
    lines.append("| chosen model | " + " | ".join(r["chosen_model"] for r in rows) + " |")
    if len(rows) > 1:
        lines.append("")
        lines.append("Growth exponent per stage (log time ratio / log interactions ratio; 1 = linear):")
        lines.append("")
        pairs = list(zip(rows, rows[1:], strict=False))
        lines.append("| stage | " + " | ".join(f"{a['size']} -> {b['size']}" for a, b in pairs) + " |")
        lines.append("|---|" + "---|" * len(pairs))
        for stage in (*STAGES, "total"):
            cells = []
            for a, b in pairs:
                ta = a["total_seconds"] if stage == "total" else a["stage_seconds"][stage]
                tb = b["total_seconds"] if stage == "total" else b["stage_seconds"][stage]
                ratio = math.log(b["interactions"] / a["interactions"])
                cells.append(f"{math.log(tb / ta) / ratio:.2f}" if ta > 0 and tb > 0 else "-")
            lines.append(f"| {stage} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = command("pipeline", __doc__)
    add_build_arguments(parser, Path("/tmp/assetrec-bench-pipeline"), 2, "builds per size")
    parser.add_argument(
        "--distributions",
        default="generator",
        help=f"pages-per-cookie distributions, comma-separated, of {', '.join(DISTRIBUTIONS)} (generator)",
    )
    parser.add_argument(
        "--pages", type=int, default=PAGES, help=f"pages in the synthetic exports ({PAGES:,})"
    )
    parser.add_argument(
        "--keep-warehouse",
        action="store_true",
        help="leave each build's warehouse.duckdb in its run directory",
    )
    parser.add_argument(
        "--profiles-dir", type=Path, default=REPO, help="dbt profiles directory (the repo's profiles.yml)"
    )
    args = parser.parse_args(argv)
    sizes = [parse_size(s) for s in args.sizes.split(",")]
    distributions = args.distributions.split(",")
    unknown = set(distributions) - set(DISTRIBUTIONS)
    if unknown:
        parser.error(f"unknown distribution(s) {', '.join(sorted(unknown))}: use {', '.join(DISTRIBUTIONS)}")
    args.work.mkdir(parents=True, exist_ok=True)
    log = RunLog.start("pipeline", args.json)
    for distribution in distributions:
        for size in sizes:
            data = ensure_data(args.work, size, args.seed, distribution, args.pages)
            for repeat in range(args.repeats):
                log.add(
                    one_build(
                        args.work, data, size, repeat, args.profiles_dir, distribution, args.keep_warehouse
                    )
                )
    rows = [
        median_row([r for r in log.runs if r["distribution"] == d and r["size"] == label(size)])
        for d in distributions
        for size in sizes
    ]
    print()
    print(markdown(rows))
    print(f"\n1-minute load average during the runs: {log.load_range()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
