"""Per-build tuning benchmark: `python -m assetrec.bench tuning [--work DIR] [--timing-sizes 100k,1M,5M]`.

Quality. On each dataset (the real export when ASSETREC_REAL_DATA is set, and synthetic exports of very
different shapes: sparse with many pages, dense with few), cleaned by the warehouse itself (`dbt build
--select +fct_page_interactions`), on the build's own leave-one-out and random 80/20 splits (seed 7):

* fixed: today's defaults (the dbt vars, no search), the best of the five original models *on the test
  part* (what the build used to deploy; this peeks, so it flatters the fixed defaults);
* tuned: what the build now deploys (every family searched on validation carved from training, within the
  default budget, the choice by validation NDCG@10), scored on the test part;
* oracle: per family, the same coarse-to-fine search steered by the test part itself; the best family.

Reported: NDCG@10 on the test part of each, the deployed model and settings, and the gap to the oracle.

Timing: the tuning's wall time (both splits, as in model_evaluation) on the synthetic benchmark data of
`python -m assetrec.bench pipeline` at each size, on its evaluation sample (eval_max_cookies).
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import duckdb
import numpy as np

from assetrec import registry, tuning
from assetrec.bench import command
from assetrec.bench.pipeline import ensure_data, label, parse_size
from assetrec.dbt_runner import REPO, run_dbt
from assetrec.evaluate import evaluate_fitted
from assetrec.interactions import Interactions
from assetrec.settings import Settings
from assetrec.splits import SPLITS, sample_user_rows
from assetrec.splits import split as make_split
from assetrec.synth import cli as synth_cli

ORIGINAL_MODELS = ("most_popular", "cooccurrence", "als_prototype", "als", "ease")
# name: synth options (cookies, pages, mean pages per cookie)
SHAPES = {
    "synthetic sparse, many pages": (20_000, 3_000, 2.5),
    "synthetic dense, few pages": (3_000, 60, 12.0),
}


def _identity(model):
    return model


def _test_ndcg(name: str, params: dict, train, test, settings) -> float:
    model = registry.make(name, settings, params).fit(train)
    result = evaluate_fitted(model, train, test, (10,), None, settings.max_eval_users, settings.eval_seed)
    return float(result.loc[result["metric"] == "ndcg", "value"].iloc[0])


def _interactions(work: Path, variables: dict) -> Interactions:
    db = work / "warehouse.duckdb"
    run_dbt(
        ["build", "--select", "+fct_page_interactions", "--indirect-selection", "cautious"],
        db,
        work / "target",
        variables,
    )
    with duckdb.connect(str(db), read_only=True) as con:
        return Interactions.from_relation(con.table("fct_page_interactions"))


def quality(data: Interactions, settings: Settings) -> list[dict]:
    rows = []
    matrix = data.matrix
    if settings.eval_max_cookies and matrix.shape[0] > settings.eval_max_cookies:
        matrix = matrix[sample_user_rows(matrix.shape[0], settings.eval_max_cookies, settings.eval_seed)]
    for split in SPLITS:
        train, test = make_split(split, matrix, settings.eval_seed)
        fixed = max(
            _test_ndcg(n, registry.defaults(n, settings), train, test, settings) for n in ORIGINAL_MODELS
        )
        started = time.perf_counter()
        tuned = tuning.tune(
            train, settings, _identity, settings.tuning_budget_seconds / len(SPLITS), settings.eval_seed
        )
        seconds = time.perf_counter() - started
        names = registry.names()
        chosen = tuning.ranked({n: t.validation_ndcg for n, t in tuned.items()})[0]
        deployed = _test_ndcg(chosen, tuned[chosen].params, train, test, settings)
        oracle, oracle_name = -np.inf, None
        for name in names:
            if registry.spec(name).kind == "blend":
                continue
            start = registry.defaults(name, settings)
            for _, value in tuning.search_points(
                name, start, lambda p, n=name, tr=train, te=test: _test_ndcg(n, p, tr, te, settings)
            ):
                if value > oracle:
                    oracle, oracle_name = value, name
        rows.append(
            {
                "split": split,
                "fixed": fixed,
                "tuned": deployed,
                "oracle": oracle,
                "oracle_model": oracle_name,
                "chosen": chosen,
                "params": tuned[chosen].params_json(),
                "tuning_seconds": seconds,
            }
        )
        print(rows[-1], flush=True)
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = command("tuning", __doc__)
    parser.add_argument("--work", default=str(REPO / "target" / "bench_tuning"))
    parser.add_argument("--timing-sizes", default="100k,1M,5M")
    parser.add_argument("--skip-quality", action="store_true")
    args = parser.parse_args(argv)
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    settings = Settings()
    lines = [
        "| data | split | fixed defaults (best on test) | tuned build | oracle (model) | gap to oracle | deployed: settings |",
        "|---|---|---|---|---|---|---|",
    ]
    datasets = {}
    if not args.skip_quality:
        real = os.environ.get("ASSETREC_REAL_DATA")
        if real:
            datasets["real export"] = {
                "submissions_path": str(Path(real) / "submissions.csv"),
                "bu_mapping_path": str(Path(real) / "bu_mapping.csv"),
            }
        for name, (cookies, pages, density) in SHAPES.items():
            out = work / name.replace(" ", "_").replace(",", "")
            if not (out / "submissions.csv").exists():
                synth_cli.main(
                    [
                        "--out",
                        str(out),
                        "--cookies",
                        str(cookies),
                        "--pages",
                        str(pages),
                        "--density",
                        str(density),
                        "--quiet",
                    ]
                )
            datasets[name] = {
                "submissions_path": str(out / "submissions.csv"),
                "bu_mapping_path": str(out / "bu_mapping.csv"),
            }
    for name, variables in datasets.items():
        folder = work / ("db_" + name.replace(" ", "_").replace(",", ""))
        folder.mkdir(exist_ok=True)
        data = _interactions(folder, variables)
        print(f"{name}: {data.matrix.nnz} interactions, {data.matrix.shape}", flush=True)
        for row in quality(data, settings):
            gap = row["tuned"] / row["oracle"] - 1
            lines.append(
                f"| {name} | {row['split']} | {row['fixed']:.4f} | {row['tuned']:.4f} | {row['oracle']:.4f} "
                f"({row['oracle_model']}) | {gap:+.1%} | {row['chosen']}: `{row['params']}` |"
            )
    timing = [
        "| interactions | cookies in the evaluation sample | pages | tuning, both splits (s) |",
        "|---|---|---|---|",
    ]
    for size in [parse_size(s) for s in args.timing_sizes.split(",") if s]:
        folder = work / f"timing_{label(size)}"
        folder.mkdir(exist_ok=True)
        data_dir = ensure_data(work, size, seed=1)
        data = _interactions(
            folder,
            {
                "submissions_path": str(data_dir / "submissions.csv"),
                "bu_mapping_path": str(data_dir / "bu_mapping.csv"),
            },
        )
        matrix = data.matrix
        if matrix.shape[0] > settings.eval_max_cookies:
            matrix = matrix[sample_user_rows(matrix.shape[0], settings.eval_max_cookies, settings.eval_seed)]
        started = time.perf_counter()
        for split in SPLITS:
            train, _ = make_split(split, matrix, settings.eval_seed)
            tuning.tune(
                train, settings, _identity, settings.tuning_budget_seconds / len(SPLITS), settings.eval_seed
            )
        timing.append(
            f"| {label(size)} | {matrix.shape[0]:,} | {matrix.shape[1]:,} | {time.perf_counter() - started:.1f} |"
        )
        print(timing[-1], flush=True)
    print("\n".join(lines))
    print()
    print("\n".join(timing))
    return 0


__all__ = ["main", "quality"]
