"""Claims of "Understanding the Dynamics" (§1) about the update rule and the step size.

Paragraphs are counted within §1: 1 introduces gradient descent, 2 gives the update rule,
3 discusses larger rates, 4 smaller rates, 5 the loss landscape and regularisation. The claims
here are about one step taken from a given point, so the population spans several problem
sizes, scales of the starting point and learning rates, not only the article's toy problem.
"""

from __future__ import annotations

import torch

from .. import (
    ARTICLE_TOY,
    Choice,
    Claim,
    Counterexample,
    Integers,
    Kind,
    LinearRegression,
    LogUniform,
    OptimizerSpec,
    Population,
    SlopeTest,
    Source,
)

SECTION = "§1 Understanding the Dynamics"
SEEDS = Integers(0, 2**31 - 1)


def _population(lr: LogUniform, **extra) -> Population:
    return Population(
        "one step of linear least squares from a random point: the article's toy problem or "
        "a Gaussian regression with 1-16 samples and 1-8 features",
        {"problem": Choice(("article toy", "gaussian")), "n_samples": Integers(1, 16),
         "n_features": Integers(1, 8), "data_seed": SEEDS, "init_seed": SEEDS,
         "init_scale": LogUniform(1e-2, 1e2), "lr": lr, **extra},
    )


def _problem(scenario) -> LinearRegression:
    if scenario["problem"] == "article toy":
        return ARTICLE_TOY
    return LinearRegression(n_samples=scenario["n_samples"],
                            n_features=scenario["n_features"], noise=0.1)


def _one_step(scenarios, lab, optimizer_of):
    """Per scenario: (start, first update, gradient at start) as float64 ``(P,)`` tensors.

    Scenarios are trained in groups of equal problem size, each replicate with its own
    optimizer; the lists come back in scenario order.
    """
    groups: dict[LinearRegression, list[int]] = {}
    for index, scenario in enumerate(scenarios):
        groups.setdefault(_problem(scenario), []).append(index)

    out = [None] * len(scenarios)
    for problem, members in groups.items():
        chosen = [scenarios[i] for i in members]
        start = lab.initial(problem, [s["init_seed"] for s in chosen], scheme="normal")
        scale = torch.tensor([s["init_scale"] for s in chosen], dtype=torch.float64)
        start = {k: (v.double() * scale.view(-1, *[1] * (v.dim() - 1))).to(v.dtype)
                 for k, v in start.items()}
        data = lab.data(problem, [s["data_seed"] for s in chosen])
        run = lab.train_each(problem, [optimizer_of(s) for s in chosen], start, 1, data)
        for j, i in enumerate(members):
            out[i] = (run.params[0, j].double(), run.updates[0, j].double(),
                      run.grads[0, j].double())
    return out


def _sgd(scenario) -> OptimizerSpec:
    return OptimizerSpec("sgd", lr=scenario["lr"])


def _update_rule(scenarios, lab):
    unit = torch.finfo(lab.torch_dtype).eps / 2
    tiny = torch.finfo(lab.torch_dtype).smallest_normal
    holds, worst = [], []
    for scenario, (w0, step, grad) in zip(scenarios, _one_step(scenarios, lab, _sgd), strict=True):
        prescribed = -scenario["lr"] * grad
        error = (w0 + step - (w0 + prescribed)).abs()
        # one rounding of lr to the dtype, one of the product, one of the sum (fused or not)
        bound = 2 * unit * ((w0 + step).abs() + 2 * prescribed.abs()) + tiny
        ratio = (error / bound).max().item()
        holds.append(ratio <= 1.0)
        worst.append(ratio)
    return {"holds": holds, "error / rounding bound": worst}


D1 = Claim(
    id="D1",
    statement="Plain SGD moves the weights by exactly minus the learning rate times the "
              "gradient at the current weights.",
    source=Source(SECTION, 2),
    kind=Kind.UNIVERSAL,
    population=_population(LogUniform(1e-4, 10.0)),
    experiment=_update_rule,
    decision=Counterexample(n=400, alpha=0.01, examples=100, batch=16,
                            score="error / rounding bound"),
    definitions={"exactly": "torch.optim.SGD's new weights equal w - lr * g to within the "
                            "rounding of float32 arithmetic: 2u(|w_new| + 2|lr g|) per "
                            "coordinate, u = 2^-24, derived from one rounding each of lr, "
                            "the product and the sum",
                 "gradient": "the .grad that backward() left on the parameter"},
)


def _proportionality(scenarios, lab):
    x, y = [], []
    for scenario, (_, step, grad) in zip(scenarios, _one_step(scenarios, lab, _sgd), strict=True):
        along = -(step @ grad) / (grad @ grad)
        x.append(torch.log(torch.tensor(scenario["lr"], dtype=torch.float64)).item())
        y.append(torch.log(along).item())
    return {"log lr": x, "log step along -g per unit gradient": y}


D2 = Claim(
    id="D2",
    statement="From the same weights, the SGD update is proportional to the learning rate "
              "and points along the negative gradient.",
    source=Source(SECTION, 3),
    kind=Kind.QUANTITATIVE,
    population=_population(LogUniform(1e-3, 1.0)),
    experiment=_proportionality,
    decision=SlopeTest(x="log lr", y="log step along -g per unit gradient", slope=1.0,
                       margin=0.01, n=200, alpha=0.01),
    definitions={"proportional": "the least-squares slope of log(step length along -g / |g|^2) "
                                 "on log(lr) is 1 within +/- 0.01",
                 "along the negative gradient": "the step's component along -g is what is "
                                                "measured; D1 shows there is no other component"},
    dtype="float64",
)

OPTIMIZERS = ("sgd", "sgd-momentum", "adam", "adamw")


def _optimizer(name: str, lr: float) -> OptimizerSpec:
    if name == "sgd-momentum":
        return OptimizerSpec("sgd", lr=lr, momentum=0.9)
    if name == "adamw":
        return OptimizerSpec("adamw", lr=lr, weight_decay=0.01)
    return OptimizerSpec(name, lr=lr)


def _smaller_rate_smaller_step(scenarios, lab):
    unit = torch.finfo(lab.torch_dtype).eps / 2
    small = _one_step(scenarios, lab, lambda s: _optimizer(s["optimizer"], s["lr"]))
    large = _one_step(scenarios, lab,
                      lambda s: _optimizer(s["optimizer"], s["lr"] * s["rate ratio"]))
    holds, margin = [], []
    for (_, step_small, _), (_, step_large, _) in zip(small, large, strict=True):
        a, b = step_small.norm().item(), step_large.norm().item()
        holds.append(a <= b * (1 + 8 * unit))
        margin.append(a / b if b > 0 else float("inf"))
    return {"holds": holds, "small step / large step": margin}


D10 = Claim(
    id="D10",
    statement="From the same weights, a smaller learning rate takes a smaller step.",
    source=Source(SECTION, 4),
    kind=Kind.UNIVERSAL,
    population=_population(LogUniform(1e-4, 1.0), optimizer=Choice(OPTIMIZERS),
                           **{"rate ratio": LogUniform(1.0, 100.0)}),
    experiment=_smaller_rate_smaller_step,
    decision=Counterexample(n=400, alpha=0.01, examples=100, batch=16,
                            score="small step / large step"),
    definitions={"step": "Euclidean norm of the first update from a given point",
                 "smaller rate": "lr against lr * ratio, ratio log-uniform in [1, 100]",
                 "smaller": "not longer, up to 8 float32 roundings of the norm",
                 "optimizers": "SGD, SGD with momentum 0.9, Adam, AdamW (weight decay 0.01); "
                               "the step-by-step reading over a whole run is a separate claim"},
)
