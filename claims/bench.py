"""Benchmark: the batched engine against the naive per-model loop, in one process.

``python -m claims.bench`` trains the same models from the same seeds two ways, on one CPU
thread: the naive way (one ``nn.Module`` and one optimizer per model, a plain Python loop
with ``zero_grad``, forward, ``backward``, ``step`` and nothing recorded, as the article does)
and the engine (:func:`claims.engine.train`, which also records parameters, gradients and
losses at every step). It prints model-steps per second for each and their ratio, and ends
with one line of JSON holding every figure.

The naive loop's rate barely depends on how many models it trains, so at large replicate
counts it times a subset of the models (``--naive-cap``) and reports the rate; the ratio is
engine rate over naive rate measured in the same process, never against a stored number.
"""

from __future__ import annotations

import argparse
import json
import sys
import time

import torch

from .engine import ARTICLE_TOY, OptimizerSpec, TanhMLP, initial_parameters, train

PROBLEMS = {"toy": ARTICLE_TOY, "mlp": TanhMLP()}
OPTIMIZERS = {"sgd": OptimizerSpec("sgd", lr=0.01), "adam": OptimizerSpec("adam", lr=0.01)}


def naive_rate(problem, spec, start, data, steps: int, models: int) -> float:
    """Model-steps per second of the plain per-model loop over the first ``models``."""
    started = time.perf_counter()
    for i in range(models):
        model = problem.reference_model()
        with torch.no_grad():
            for name, p in model.named_parameters():
                p.copy_(start[name][i])
        optimizer = spec.build(model.parameters())
        sample = {k: v[i] for k, v in data.items()}
        for _ in range(steps):
            optimizer.zero_grad()
            problem.reference_loss(model, sample).backward()
            optimizer.step()
    return models * steps / (time.perf_counter() - started)


def engine_rate(problem, spec, start, data, steps: int) -> float:
    replicates = next(iter(start.values())).shape[0]
    started = time.perf_counter()
    train(problem, [spec], start, steps, data)
    return replicates * steps / (time.perf_counter() - started)


def measure(problem_name: str, optimizer_name: str, replicates: int, steps: int,
            naive_cap: int) -> dict:
    problem, spec = PROBLEMS[problem_name], OPTIMIZERS[optimizer_name]
    generator = torch.Generator().manual_seed(0)
    start = initial_parameters(problem, replicates, generator)
    data = problem.make_data(replicates, generator, torch.float32, "cpu")
    engine_rate(problem, spec, start, data, 2)  # warm-up: lazy imports, allocator

    engine = engine_rate(problem, spec, start, data, steps)
    naive = naive_rate(problem, spec, start, data, steps, min(replicates, naive_cap))
    return {"problem": problem_name, "optimizer": optimizer_name, "replicates": replicates,
            "steps": steps, "naive_models_timed": min(replicates, naive_cap),
            "naive_model_steps_per_s": naive, "engine_model_steps_per_s": engine,
            "ratio": engine / naive}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m claims.bench", description=__doc__.split(
        "\n\n")[0])
    parser.add_argument("--replicates", type=int, nargs="+", default=[1, 100, 1000, 10000])
    parser.add_argument("--steps", type=int, default=100)
    parser.add_argument("--naive-cap", type=int, default=200,
                        help="most models the naive loop trains per measurement (default 200)")
    parser.add_argument("--problems", nargs="+", default=list(PROBLEMS), choices=list(PROBLEMS))
    parser.add_argument("--optimizers", nargs="+", default=list(OPTIMIZERS),
                        choices=list(OPTIMIZERS))
    args = parser.parse_args(argv)
    for name in ("steps", "naive_cap"):
        if getattr(args, name) < 1:
            parser.error(f"--{name.replace('_', '-')}={getattr(args, name)} must be >= 1")
    if min(args.replicates) < 1:
        parser.error(f"--replicates {args.replicates} must all be >= 1")

    torch.set_num_threads(1)
    rows = []
    for problem in args.problems:
        for optimizer in args.optimizers:
            for replicates in args.replicates:
                row = measure(problem, optimizer, replicates, args.steps, args.naive_cap)
                rows.append(row)
                sys.stdout.write(
                    f"{problem:4} {optimizer:5} R={replicates:>6}  naive "
                    f"{row['naive_model_steps_per_s']:>12,.0f}  engine "
                    f"{row['engine_model_steps_per_s']:>14,.0f} model-steps/s  "
                    f"ratio {row['ratio']:>8.1f}\n")
                sys.stdout.flush()
    sys.stdout.write(json.dumps({"threads": 1, "torch": str(torch.__version__),
                                 "results": rows}) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
