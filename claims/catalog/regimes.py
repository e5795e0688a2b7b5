"""The problem families ("regimes") that general claims about learning rates are tried on.

A scenario of a regime names its family and sizes, a data seed and an initialisation seed;
claims add the factors they vary (optimizer, learning rate, penalty, ...). From a scenario,
:func:`problem_of`, :func:`optimizer_of` and :func:`penalty_of` build the engine's objects,
and :func:`train_scenarios` trains a list of mixed scenarios in as few batched runs as their
shapes allow, returning one single-replicate trajectory per scenario, in order.

Regimes (the data and the starting point vary with the scenario's seeds; sizes are fixed per
regime, because every distinct shape, optimizer and rate costs a separate batched run):

- ``toy``: the article's problem, nn.Linear(1, 1) on X = [1, 2, 3], y = 2X, MSE;
- ``linreg-over``: Gaussian linear regression, 32 samples, 4 features (over-determined);
- ``linreg-under``: 4 samples, 12 features (under-determined: many weights fit exactly);
- ``logistic``: logistic regression on linearly separable Gaussian data, 16 samples, 3
  features: no finite minimiser exists;
- ``mlp``: a tanh MLP (2 inputs, 8 hidden units, 32 samples) on a noisy sine, MSE;
- ``normalized``: a bias-free layer of 4 units followed by batch normalisation
  (scale-invariant weights), weight decay 1e-3 or 1e-2 (the optimizer's own form).

Claims should vary the learning rate over a short grid (``Choice``) rather than a continuous
range for the same reason.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import torch

from ..engine import (
    ARTICLE_TOY,
    LinearRegression,
    LogisticRegression,
    NormalizedLinear,
    OptimizerSpec,
    Penalty,
    Problem,
    TanhMLP,
    Trajectory,
)
from ..population import Choice, Factor, Fixed, Integers, Population, Regimes

SEEDS = Integers(0, 2**31 - 1)

_FACTORS: dict[str, tuple[str, dict[str, Factor]]] = {
    "toy": ("the article's toy problem", {"family": Fixed("toy")}),
    "linreg-over": ("over-determined Gaussian linear regression",
                    {"family": Fixed("linreg"), "n_samples": Fixed(32), "n_features": Fixed(4)}),
    "linreg-under": ("under-determined Gaussian linear regression",
                     {"family": Fixed("linreg"), "n_samples": Fixed(4),
                      "n_features": Fixed(12)}),
    "logistic": ("logistic regression on separable data",
                 {"family": Fixed("logistic"), "n_samples": Fixed(16), "n_features": Fixed(3)}),
    "mlp": ("tanh MLP regression", {"family": Fixed("mlp"), "n_features": Fixed(2),
                                    "hidden": Fixed(8)}),
    "normalized": ("batch-normalised layer with weight decay",
                   {"family": Fixed("normalized"), "n_features": Fixed(4), "width": Fixed(4),
                    "weight_decay": Choice((1e-3, 1e-2))}),
}

ALL = tuple(_FACTORS)
OPTIMIZERS = ("sgd", "sgd-momentum", "adam", "adamw")


def regime(name: str, **extra: Factor) -> Population:
    """One regime as a population, with the claim's own factors added."""
    description, factors = _FACTORS[name]
    return Population(description, {**factors, "data_seed": SEEDS, "init_seed": SEEDS, **extra})


def regimes(description: str, names: Sequence[str] = ALL, **extra: Factor) -> Regimes:
    """Several regimes sharing the claim's extra factors; tendencies are judged on their
    equal-weight mixture."""
    return Regimes(description, {n: regime(n, **extra) for n in names})


def problem_of(scenario: Mapping[str, Any]) -> Problem:
    family = scenario["family"]
    if family == "toy":
        return ARTICLE_TOY
    if family == "linreg":
        return LinearRegression(n_samples=scenario["n_samples"],
                                n_features=scenario["n_features"], noise=0.1)
    if family == "logistic":
        return LogisticRegression(n_samples=scenario["n_samples"],
                                  n_features=scenario["n_features"])
    if family == "mlp":
        return TanhMLP(n_features=scenario["n_features"], hidden=scenario["hidden"])
    if family == "normalized":
        return NormalizedLinear(n_features=scenario["n_features"], width=scenario["width"])
    raise ValueError(f"family={family!r} is not a known regime family; use one of "
                     "toy, linreg, logistic, mlp, normalized")


def optimizer_of(scenario: Mapping[str, Any], lr: float | None = None) -> OptimizerSpec:
    """The scenario's optimizer at rate ``lr`` (default: the scenario's ``lr``).

    Weight decay comes from the scenario's ``weight_decay`` (the ``normalized`` regime draws
    one), else AdamW uses 0.01 and the others none.
    """
    name = scenario.get("optimizer", "sgd")
    lr = scenario["lr"] if lr is None else lr
    decay = scenario.get("weight_decay", 0.01 if name == "adamw" else 0.0)
    if name == "sgd-momentum":
        return OptimizerSpec("sgd", lr=lr, momentum=0.9, weight_decay=decay)
    if name in ("sgd", "adam", "adamw"):
        return OptimizerSpec(name, lr=lr, weight_decay=decay)
    raise ValueError(f"optimizer={name!r} is not one of {OPTIMIZERS}")


def penalty_of(scenario: Mapping[str, Any]) -> Penalty | None:
    kind = scenario.get("penalty", "none")
    return None if kind == "none" else Penalty(kind, scenario["penalty_strength"])


def train_scenarios(scenarios: Sequence[Mapping[str, Any]], lab, steps: int, *,
                    lr: Callable[[Mapping[str, Any]], float] | None = None,
                    ) -> list[Trajectory]:
    """Train each scenario from its own seeds; ``lr(scenario)`` overrides its rate.

    Scenarios with the same problem and penalty train together; each replicate has its own
    optimizer. Two calls with different ``lr`` start every scenario from the same point.
    """
    groups: dict[tuple, list[int]] = {}
    for index, scenario in enumerate(scenarios):
        groups.setdefault((problem_of(scenario), penalty_of(scenario)), []).append(index)

    out: list[Trajectory | None] = [None] * len(scenarios)
    for (problem, penalty), members in groups.items():
        chosen = [scenarios[i] for i in members]
        start = lab.initial(problem, [s["init_seed"] for s in chosen])
        data = lab.data(problem, [s["data_seed"] for s in chosen])
        specs = [optimizer_of(s, None if lr is None else lr(s)) for s in chosen]
        run = lab.train_each(problem, specs, start, steps, data, penalty=penalty)
        for j, i in enumerate(members):
            out[i] = run.replicate(j)
    return out


def stack(values: Sequence[torch.Tensor | float]) -> torch.Tensor:
    """Per-scenario scalars (0-d or 1-element tensors, or floats) as one 1-D tensor."""
    return torch.stack([torch.as_tensor(v, dtype=torch.float64).reshape(()) for v in values])
