"""ALS benchmark: `python -m assetrec.bench als [--users N --items N --nnz N --iterations N --repeats N]`.

Fits assetrec's ALS and the reference `implicit` (C++/OpenMP) on the same seeded synthetic data
with skewed popularity, alternating which goes first in each repeat because the machine is
shared. Every fit runs in a fresh subprocess so that its peak RSS (VmHWM) is its own; the peak is
reported as is and minus the child's baseline (interpreter, libraries and input matrix loaded:
VmRSS just before fitting). Both models minimise the same loss: ours with confidence 1 + alpha r on
the strengths r, implicit on the matrix 1 + alpha r with its alpha = 1 (implicit's confidence is
the stored value). The final loss of both is computed by the same function.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import scipy.sparse

from assetrec.bench import command


def synthetic_strengths(users: int, items: int, nnz: int, seed: int) -> scipy.sparse.csr_matrix:
    """users x items matrix with exactly `nnz` distinct cells: item popularity ~ rank^-0.9 (Zipf-like),
    user activity log-normal, strength = number of times the (user, item) pair was drawn."""
    if nnz > users * items:
        raise ValueError(f"nnz={nnz} exceeds users x items = {users * items}")
    rng = np.random.default_rng(seed)
    item_weight = 1.0 / np.arange(1, items + 1) ** 0.9
    item_weight = item_weight[rng.permutation(items)]
    item_weight /= item_weight.sum()
    user_weight = rng.lognormal(0.0, 1.0, users)
    user_weight /= user_weight.sum()
    keys = np.empty(0, dtype=np.int64)
    counts = np.empty(0, dtype=np.int64)
    while keys.size < nnz:
        draws = int((nnz - keys.size) * 1.3) + 1000
        new = rng.choice(users, draws, p=user_weight).astype(np.int64) * items + rng.choice(
            items, draws, p=item_weight
        )
        keys, counts = np.unique(np.concatenate([np.repeat(keys, counts), new]), return_counts=True)
    keep = np.sort(rng.choice(keys.size, nnz, replace=False))
    keys, counts = keys[keep], counts[keep]
    return scipy.sparse.csr_matrix(
        (counts.astype(np.float32), (keys // items, keys % items)), shape=(users, items)
    )


def _status_mb(field: str) -> float:
    """VmHWM (peak) or VmRSS (current) of this process from /proc/self/status, in MB. Unlike
    ru_maxrss, VmHWM restarts at exec, so a child does not inherit the parent's peak."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024.0  # kB
    raise RuntimeError(f"{field} not found in /proc/self/status")


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _child(args) -> int:
    """Fit one model on the saved matrix and write its figures as JSON."""
    from threadpoolctl import threadpool_limits

    from assetrec.models.als_solver import weighted_loss

    saved = np.load(args.data)
    strengths = scipy.sparse.csr_matrix(
        (saved["data"], saved["indices"], saved["indptr"]), shape=tuple(saved["shape"])
    )
    settings = dict(factors=args.factors, regularization=args.regularization, iterations=args.iterations)
    seconds: list[float] = []

    def record(iteration, elapsed, loss):
        seconds.append(elapsed)
        print(f"    {args.child} iteration {iteration + 1}/{args.iterations}: {elapsed:.2f}s", flush=True)

    if args.child == "ours":
        from assetrec.models import AlternatingLeastSquares

        model = AlternatingLeastSquares(
            alpha=args.alpha, random_state=args.seed, num_threads=args.threads, **settings
        )
        baseline = _status_mb("VmRSS")
        began, cpu = time.perf_counter(), _cpu_seconds()
        model.fit(strengths, callback=record)
        fit_seconds, cpu_seconds = time.perf_counter() - began, _cpu_seconds() - cpu
    else:
        import warnings

        from implicit.cpu.als import AlternatingLeastSquares

        confidences = strengths.copy()
        confidences.data = (1.0 + args.alpha * confidences.data).astype(np.float32)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # BLAS-thread warning: fit runs under threadpool_limits(1)
            model = AlternatingLeastSquares(
                alpha=1.0, random_state=args.seed, num_threads=args.threads, **settings
            )
        baseline = _status_mb("VmRSS")
        began, cpu = time.perf_counter(), _cpu_seconds()
        with threadpool_limits(limits=1, user_api="blas"):
            model.fit(confidences, show_progress=False, callback=record)
        fit_seconds, cpu_seconds = time.perf_counter() - began, _cpu_seconds() - cpu
    peak = _status_mb("VmHWM")
    with threadpool_limits(limits=1, user_api="blas"):
        loss = weighted_loss(
            strengths, model.user_factors, model.item_factors, args.regularization, args.alpha
        )
    result = dict(
        model=args.child,
        seconds_per_iteration=seconds,
        fit_seconds=fit_seconds,
        cpu_seconds=cpu_seconds,
        loss=loss,
        peak_rss_mb=peak,
        baseline_rss_mb=baseline,
    )
    Path(args.out).write_text(json.dumps(result))
    return 0


def _run_child(name: str, args, data: Path, workdir: Path, repeat: int) -> dict:
    out = workdir / f"{name}-{repeat}.json"
    command = [
        sys.executable, "-m", "assetrec.bench", "als", "--child", name, "--data", str(data),
        "--out", str(out), "--factors", str(args.factors), "--iterations", str(args.iterations),
        "--alpha", str(args.alpha), "--regularization", str(args.regularization),
        "--threads", str(args.threads), "--seed", str(args.seed),
    ]  # fmt: skip
    subprocess.run(command, check=True)
    return json.loads(out.read_text())


def main(argv: list[str]) -> int:
    parser = command("als", __doc__)
    parser.add_argument("--users", type=int, default=200_000)
    parser.add_argument("--items", type=int, default=20_000)
    parser.add_argument("--nnz", type=int, default=5_000_000)
    parser.add_argument("--factors", type=int, default=64)
    parser.add_argument("--iterations", type=int, default=15)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2, help="threads for both models")
    parser.add_argument("--alpha", type=float, default=1.0)
    parser.add_argument("--regularization", type=float, default=0.01)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--child", choices=["ours", "implicit"], help=argparse.SUPPRESS)
    parser.add_argument("--data", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        return _child(args)

    try:
        import implicit  # noqa: F401
    except ImportError:
        print("the reference library `implicit` is not installed: pip install 'implicit>=0.7,<0.8'")
        return 2

    print(
        f"generating {args.users} users x {args.items} items, {args.nnz} nnz (seed {args.seed})", flush=True
    )
    began = time.perf_counter()
    strengths = synthetic_strengths(args.users, args.items, args.nnz, args.seed)
    print(
        f"  done in {time.perf_counter() - began:.1f}s; max strength {strengths.data.max():.0f}", flush=True
    )
    results: dict[str, list[dict]] = {"ours": [], "implicit": []}
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="als-bench-") as tmp:
        workdir = Path(tmp)
        data = workdir / "strengths.npz"
        np.savez(data, data=strengths.data, indices=strengths.indices, indptr=strengths.indptr,
                 shape=np.array(strengths.shape))  # fmt: skip
        del strengths
        for repeat in range(args.repeats):
            # Alternate the order: a noisy neighbour then penalises both models alike.
            order = ("ours", "implicit") if repeat % 2 == 0 else ("implicit", "ours")
            for name in order:
                print(f"repeat {repeat + 1}/{args.repeats}: fitting {name}", flush=True)
                result = _run_child(name, args, data, workdir, repeat)
                results[name].append(result)
                per_iter = np.median(result["seconds_per_iteration"])
                print(
                    f"  {name}: fit {result['fit_seconds']:.1f}s, median {per_iter:.2f}s/iter, "
                    f"CPU {result['cpu_seconds']:.1f}s, loss {result['loss']:.6g}, "
                    f"peak RSS {result['peak_rss_mb']:.0f} MB "
                    f"(before fit {result['baseline_rss_mb']:.0f} MB)",
                    flush=True,
                )
    _report(args, results, (load_before, os.getloadavg()[0]))
    return 0


def _report(args, results: dict[str, list[dict]], load: tuple[float, float]) -> None:
    def summary(runs):
        return dict(
            per_iter=float(np.median([np.median(r["seconds_per_iteration"]) for r in runs])),
            fit=float(np.median([r["fit_seconds"] for r in runs])),
            cpu=float(np.median([r["cpu_seconds"] for r in runs])),
            loss=float(np.median([r["loss"] for r in runs])),
            peak=float(max(r["peak_rss_mb"] for r in runs)),
            over_baseline=float(max(r["peak_rss_mb"] - r["baseline_rss_mb"] for r in runs)),
        )

    ours, theirs = summary(results["ours"]), summary(results["implicit"])
    # Ratios paired within each repeat (same machine conditions), then the median over repeats.
    iter_ratio = np.median(
        [
            np.median(a["seconds_per_iteration"]) / np.median(b["seconds_per_iteration"])
            for a, b in zip(results["ours"], results["implicit"], strict=True)
        ]
    )
    fit_ratio = np.median(
        [
            a["fit_seconds"] / b["fit_seconds"]
            for a, b in zip(results["ours"], results["implicit"], strict=True)
        ]
    )
    loss_gap = (ours["loss"] - theirs["loss"]) / theirs["loss"]
    print()
    print(
        f"{args.users} users x {args.items} items, {args.nnz} nnz, factors {args.factors}, "
        f"{args.iterations} iterations, float32, {args.threads} threads, {args.repeats} repeats, "
        f"{time.strftime('%Y-%m-%d')}"
    )
    print(
        "| model | median s/iter | median fit s | median fit CPU s | final loss | peak RSS MB (fit only) "
        "| s/iter ratio | fit ratio |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for name, s in (("assetrec", ours), ("implicit 0.7.3", theirs)):
        ratio = (f"{iter_ratio:.2f}", f"{fit_ratio:.2f}") if name == "assetrec" else ("1", "1")
        print(
            f"| {name} | {s['per_iter']:.2f} | {s['fit']:.1f} | {s['cpu']:.1f} | {s['loss']:.6g} | "
            f"{s['peak']:.0f} ({s['over_baseline']:.0f}) | {ratio[0]} | {ratio[1]} |"
        )
    print(f"loss ours vs implicit: {loss_gap:+.3%}")
    print(
        "1-minute load average at start and end (other processes share the 2 cores): "
        f"{load[0]:.1f}, {load[1]:.1f}"
    )


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
