"""A small, bounded hyperparameter search for ALS (and EASE's l2), on a built warehouse.

    python -m assetrec.tune --db warehouse.duckdb [--trials 40] [--seeds 3] [--out results.md]

Reads `fct_page_interactions` (so the data is cleaned exactly as the build cleans it), evaluates every
candidate on the same leave-one-out splits (one per seed) and ranks them by mean NDCG@10, the measure
`recommendations` selects by. Candidates are named by the dbt vars they set, so a winner can be passed
to `dbt build --vars` as it stands; the table goes to BENCHMARKS.md. Not run on every build: it fits dozens of models.
"""

from __future__ import annotations

import argparse
import dataclasses
import itertools
import sys
import time

import duckdb
import numpy as np
import pandas as pd

from assetrec import registry
from assetrec.evaluate import evaluate_models
from assetrec.interactions import Interactions
from assetrec.settings import Settings

# Grids in the names of the dbt vars, so a winner is a `--vars` override as it stands.
ALS_GRID = {
    "als_factors": (16, 32, 64, 128),
    "als_regularization": (1.0, 10.0, 100.0, 300.0, 1000.0),
    "als_alpha": (1.0, 5.0, 15.0, 40.0),
    "als_iterations": (15, 30),
}
EASE_L2 = (10.0, 50.0, 100.0, 250.0, 500.0)
# The notebook's ALS settings, as vars (assetrec.registry.PROTOTYPE_ALS).
PROTOTYPE_VARS = {f"als_{name}": value for name, value in registry.PROTOTYPE_ALS.items()}


def candidates(trials: int, seed: int) -> list[tuple[str, dict]]:
    """The baselines, the prototype's and the current default ALS settings, and `trials` random grid points:
    (registry model name, var overrides)."""
    defaults = {name: getattr(Settings(), name) for name in ALS_GRID}
    grid = [dict(zip(ALS_GRID, values, strict=True)) for values in itertools.product(*ALS_GRID.values())]
    rng = np.random.default_rng(seed)
    picked = [grid[i] for i in sorted(rng.choice(len(grid), size=min(trials, len(grid)), replace=False))]
    out = [("most_popular", {}), ("als", dict(PROTOTYPE_VARS)), ("als", defaults)]
    out += [("als", params) for params in picked if params not in (PROTOTYPE_VARS, defaults)]
    out += [("ease", {"ease_l2": l2}) for l2 in EASE_L2]
    return out


def tune(data: Interactions, trials: int, seeds: int, progress=print) -> pd.DataFrame:
    """Mean leave-one-out HR@10 and NDCG@10 over `seeds` splits for every candidate, best first."""
    rows = []
    todo = candidates(trials, seed=0)
    for number, (name, overrides) in enumerate(todo, start=1):
        started = time.perf_counter()
        settings = dataclasses.replace(Settings(), **overrides)
        scores = []
        for split_seed in range(seeds):
            result = evaluate_models(
                {"m": lambda name=name, settings=settings: registry.build(name, settings)},
                data.matrix,
                ks=(10,),
                seed=split_seed,
                splits=("leave_one_out",),
            )
            scores.append(result.set_index("metric")["value"])
        mean = pd.concat(scores, axis=1).mean(axis=1)
        rows.append({"model": name, **overrides, "hr@10": mean["hit_rate"], "ndcg@10": mean["ndcg"]})
        progress(
            f"[{number}/{len(todo)}] {name} {overrides}: NDCG@10 {mean['ndcg']:.4f} "
            f"({time.perf_counter() - started:.1f}s)"
        )
    table = pd.DataFrame(rows)
    return table.sort_values(["ndcg@10", "hr@10"], ascending=False, kind="stable").reset_index(drop=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m assetrec.tune", description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--db", default="warehouse.duckdb", help="a built warehouse (default: warehouse.duckdb)"
    )
    parser.add_argument("--trials", type=int, default=40, help="random ALS grid points (default 40)")
    parser.add_argument("--seeds", type=int, default=3, help="leave-one-out splits averaged (default 3)")
    parser.add_argument("--out", help="also write the result table (markdown) to this file")
    args = parser.parse_args(argv)
    try:
        with duckdb.connect(args.db, read_only=True) as con:
            data = Interactions.from_relation(con.table("fct_page_interactions"))
    except duckdb.Error as exc:
        parser.exit(2, f"cannot read fct_page_interactions from {args.db}: {exc}\n")
    print(
        f"{args.db}: {data.matrix.nnz} interactions, {len(data.cookies)} cookies, {len(data.pages)} pages",
        file=sys.stderr,
    )
    table = tune(data, args.trials, args.seeds, progress=lambda line: print(line, file=sys.stderr))
    text = markdown(table)
    print(text)
    if args.out:
        with open(args.out, "w") as handle:
            handle.write(text + "\n")
    return 0


def markdown(table: pd.DataFrame) -> str:
    """A markdown table (pandas' own needs the optional tabulate package)."""

    def cell(value) -> str:
        if isinstance(value, float):
            return "" if np.isnan(value) else f"{value:.4g}"
        return str(value)

    lines = ["| " + " | ".join(table.columns) + " |", "|" + "---|" * len(table.columns)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in table.itertuples(index=False)]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
