"""Tuning cost model benchmark: `python -m assetrec.bench tuning_cost [--points N] [--fit]`.

The per-build tuning spends its budget in planned seconds (assetrec.tuning_cost). This measures what its
points really take, one BLAS thread as in model_evaluation, on random matrices of very different shapes
(and on the real export when ASSETREC_REAL_DATA is set), and prints per family the ratio of measured to
planned seconds. With ``--fit`` it also fits the constants (non-negative least squares on relative error)
and prints them, to paste into ``assetrec.tuning_cost.SECONDS_PER_UNIT``.
"""

from __future__ import annotations

import dataclasses
import itertools
import json
import os
import time
from pathlib import Path

import numpy as np
import scipy.optimize
import scipy.sparse as sp
from threadpoolctl import threadpool_limits

from assetrec import registry, tuning, tuning_cost
from assetrec.bench import command, markdown_table
from assetrec.dbt_runner import REPO
from assetrec.settings import Settings
from assetrec.splits import leave_one_out, sample_user_rows

# name: (cookies, pages, mean pages per cookie); the last is an evaluation sample at scale (eval_max_cookies
# cookies of a catalogue larger than ease_max_pages).
SHAPES = {
    "dense, few pages": (3_000, 60, 12.0),
    "sparse, many pages": (20_000, 3_000, 2.5),
    "evaluation sample at scale": (25_000, 20_000, 12.0),
}


def random_matrix(users: int, items: int, mean: float, seed: int = 0) -> sp.csr_matrix:
    """Lognormal pages per cookie, Zipf page popularity, strengths 1-4 (duplicate draws merge)."""
    rng = np.random.default_rng(seed)
    lengths = np.clip(rng.lognormal(np.log(mean), 0.8, users).astype(np.int64), 1, items)
    popularity = 1.0 / np.arange(1, items + 1) ** 0.9
    cols = rng.choice(items, size=int(lengths.sum()), p=popularity / popularity.sum())
    rows = np.repeat(np.arange(users), lengths)
    matrix = sp.csr_matrix((rng.integers(1, 5, len(cols)).astype(np.float64), (rows, cols)), (users, items))
    matrix.sum_duplicates()
    return matrix


def _real_matrix(settings: Settings, work: Path) -> sp.csr_matrix:
    from assetrec.bench.tuning import _interactions

    real = Path(os.environ["ASSETREC_REAL_DATA"])
    variables = {
        "submissions_path": str(real / "submissions.csv"),
        "bu_mapping_path": str(real / "bu_mapping.csv"),
    }
    work.mkdir(parents=True, exist_ok=True)
    return _interactions(work, variables).matrix


def measure(matrix: sp.csr_matrix, settings: Settings, points: int) -> list[dict]:
    """The first ``points`` search points of every family on leave-one-out of ``matrix``: seconds measured
    and the cost model's terms."""
    if settings.eval_max_cookies and matrix.shape[0] > settings.eval_max_cookies:
        matrix = matrix[sample_user_rows(matrix.shape[0], settings.eval_max_cookies, settings.eval_seed)]
    train = leave_one_out(matrix, seed=settings.eval_seed)[0]
    folds = tuning.validation_folds(train, settings.eval_seed)
    shapes = [tuning_cost.Shape.of(t, v, settings.max_eval_users, settings.ease_max_pages) for t, v in folds]
    rows = []
    for name in tuning_cost.COSTS:
        measured: list[tuple[dict, float]] = []

        def score(params, name=name, measured=measured):
            started = time.perf_counter()
            value = tuning._score(
                lambda: registry.make(name, settings, params),
                folds,
                settings.max_eval_users,
                settings.eval_seed,
            )
            measured.append((params, time.perf_counter() - started))
            return value

        for _ in itertools.islice(
            tuning.search_points(name, registry.defaults(name, settings), score), points
        ):
            pass
        for params, seconds in measured:
            terms: dict[str, float] = {}
            for shape in shapes:
                for term, units in tuning_cost.COSTS[name](shape, params).items():
                    terms[term] = terms.get(term, 0.0) + units
            rows.append(
                {
                    "model": name,
                    "params": params,
                    "shapes": [dataclasses.asdict(s) for s in shapes],
                    "seconds": seconds,
                    "terms": terms,
                }
            )
    return rows


def fit(rows: list[dict]) -> dict[str, float]:
    """Constants minimising the squared relative error of planned against measured seconds."""
    terms = list(tuning_cost.SECONDS_PER_UNIT)
    design = np.array([[row["terms"].get(t, 0.0) / row["seconds"] for t in terms] for row in rows])
    scale = np.maximum(design.max(axis=0), 1e-300)
    solution, _ = scipy.optimize.nnls(design / scale, np.ones(len(rows)))
    return {t: float(c / s) for t, c, s in zip(terms, solution, scale, strict=True)}


def _table(rows: list[dict], constants: dict[str, float]) -> str:
    """Per dataset and family: measured over planned seconds with ``constants``, and the measured seconds."""
    cells = []
    for (data_name, name), group in itertools.groupby(rows, key=lambda r: (r["data"], r["model"])):
        group = list(group)
        planned = [sum(constants[t] * u for t, u in r["terms"].items()) for r in group]
        ratios = np.array([r["seconds"] / p for r, p in zip(group, planned, strict=True)])
        seconds = np.median([r["seconds"] for r in group])
        ratio_range = f"{np.median(ratios):.2f} ({ratios.min():.2f}-{ratios.max():.2f})"
        cells.append([data_name, name, len(group), ratio_range, f"{seconds:.3f}"])
    header = [
        "data",
        "model",
        "points",
        "measured / planned: median (min-max)",
        "measured s per point (median)",
    ]
    return "\n".join(markdown_table(header, cells))


def main(argv: list[str] | None = None) -> int:
    parser = command("tuning_cost", __doc__)
    parser.add_argument("--points", type=int, default=5, help="search points per family and dataset")
    parser.add_argument("--fit", action="store_true", help="fit and print SECONDS_PER_UNIT")
    parser.add_argument("--work", default=str(REPO / "target" / "bench_tuning_cost"))
    args = parser.parse_args(argv)
    settings = Settings()
    datasets = {name: (lambda shape=shape: random_matrix(*shape)) for name, shape in SHAPES.items()}
    if os.environ.get("ASSETREC_REAL_DATA"):
        datasets["real export"] = lambda: _real_matrix(settings, Path(args.work) / "real")
    rows = []
    with threadpool_limits(limits=1, user_api="blas"):
        for data_name, load in datasets.items():
            matrix = load()
            print(
                f"{data_name}: {matrix.shape[0]:,} cookies, {matrix.shape[1]:,} pages, {matrix.nnz:,} cells",
                flush=True,
            )
            for row in measure(matrix, settings, args.points):
                rows.append({**row, "data": data_name})
    Path(args.work).mkdir(parents=True, exist_ok=True)
    (Path(args.work) / "points.json").write_text(json.dumps(rows, indent=1))
    print(_table(rows, tuning_cost.SECONDS_PER_UNIT))
    if args.fit:
        constants = fit(rows)
        print("\nFitted:\n" + _table(rows, constants) + "\nSECONDS_PER_UNIT = {")
        for term, value in constants.items():
            print(f'    "{term}": {value:.3g},')
        print("}")
    return 0


__all__ = ["fit", "main", "measure", "random_matrix"]
