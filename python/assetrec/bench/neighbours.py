"""Co-occurrence bounds: `python -m assetrec.bench neighbours --db WAREHOUSE [--db ...] [--caps 50,100]`.

How much quality and time the co-occurrence recommender's bounds cost: the neighbours per page (var
cooccurrence_neighbours) and the pages per cookie that form pairs (var max_pages_per_cookie). For each built
warehouse (its fct_page_interactions; at most `--max-cookies` cookies, sampled as the build's evaluation does),
each split (leave_one_out, random_80_20; seed 7) and each similarity (jaccard, cosine), it fits the model on the
training part with every neighbour count of `--neighbours` (`all` = no bound; no cap), then with the default
500 neighbours and every cap of `--caps`, and reports held-out NDCG@10 and the seconds to score the test users
(one BLAS thread, one process).
"""

from __future__ import annotations

import time
from pathlib import Path

import duckdb
from threadpoolctl import threadpool_limits

from assetrec.bench import command
from assetrec.evaluate import evaluate_fitted
from assetrec.interactions import Interactions
from assetrec.models import CooccurrenceRecommender
from assetrec.splits import sample_user_rows, split

SPLITS = ("leave_one_out", "random_80_20")
SIMILARITIES = ("jaccard", "cosine")
SEED = 7


def variants(neighbours: list[int | None], caps: list[int]) -> dict[str, dict]:
    """Column label -> CooccurrenceRecommender keyword arguments."""
    out = {f"{k or 'all'}": {"neighbours": k} for k in neighbours}
    out.update({f"500, cap {c}": {"neighbours": 500, "max_items_per_user": c} for c in caps})
    return out


def measure(matrix, models: dict[str, dict]) -> list[dict]:
    rows = []
    for split_name in SPLITS:
        train, test = split(split_name, matrix, SEED)
        for similarity in SIMILARITIES:
            for kwargs in models.values():
                model = CooccurrenceRecommender(similarity=similarity, **kwargs).fit(train)
                started = time.perf_counter()
                result = evaluate_fitted(model, train, test, (10,))
                seconds = time.perf_counter() - started
                ndcg = float(result.loc[result.metric == "ndcg", "value"].iloc[0])
                rows.append({"split": split_name, "similarity": similarity, "ndcg": ndcg, "s": seconds})
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = command("neighbours", __doc__)
    parser.add_argument(
        "--db", type=Path, action="append", required=True, help="a built warehouse (repeatable)"
    )
    parser.add_argument(
        "--neighbours", default="all,20,50,100,200,500", help="counts to try (all = no bound)"
    )
    parser.add_argument("--caps", default="", help="max_pages_per_cookie values to try with 500 neighbours")
    parser.add_argument("--max-cookies", type=int, default=25_000, help="cookie sample, as eval_max_cookies")
    args = parser.parse_args(argv)
    counts = [None if k == "all" else int(k) for k in args.neighbours.split(",")]
    models = variants(counts, [int(c) for c in args.caps.split(",") if c])
    print("| data | cookies x pages | split | similarity | " + " | ".join(models) + " |")
    print("|---|---|---|---|" + "---|" * len(models))
    for db in args.db:
        with duckdb.connect(str(db), read_only=True) as con:
            matrix = Interactions.load(con.table("fct_page_interactions")).matrix
        if matrix.shape[0] > args.max_cookies:
            matrix = matrix[sample_user_rows(matrix.shape[0], args.max_cookies, SEED)]
        with threadpool_limits(limits=1, user_api="blas"):
            rows = measure(matrix, models)
        for split_name in SPLITS:
            for similarity in SIMILARITIES:
                cells = [r for r in rows if r["split"] == split_name and r["similarity"] == similarity]
                shape = f"{matrix.shape[0]:,} x {matrix.shape[1]:,}"
                print(
                    f"| {db} | {shape} | {split_name} | {similarity} | "
                    + " | ".join(f"{r['ndcg']:.4f} ({r['s']:.1f} s)" for r in cells)
                    + " |",
                    flush=True,
                )
    return 0
