"""The batched engine: R replicates trained at once by one real ``torch.optim`` optimizer.

Each parameter tensor has a leading replicate dimension. The optimizer sees those tensors as
it would see ``model.parameters()``, and ``backward`` runs on the sum of the per-replicate
losses, so every replicate receives exactly its own gradient. SGD (with or without momentum),
Adam and AdamW act element by element, hence each replicate follows the trajectory a lone
model would follow; ``tests/test_engine_equivalence.py`` checks that against the plain loop.

Records stay on the training device until the loop ends: the hot loop makes no ``.item()``
call and no host copy.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import torch
from torch import Tensor

from .optimizers import OptimizerSpec
from .problems import Problem, flat_names
from .trajectory import Trajectory


def train(problem: Problem, optimizers: Sequence[OptimizerSpec], start: Mapping[str, Tensor],
          steps: int, data: Mapping[str, Tensor], *, device: str | torch.device = "cpu",
          ) -> tuple[Trajectory, ...]:
    """Train every replicate of ``start`` with each optimizer in turn, for ``steps`` steps.

    ``start`` maps parameter names to ``(R, *shape)`` tensors (see
    :func:`claims.engine.problems.initial_parameters`); every optimizer starts from the same
    values, which makes comparisons between optimizers paired. ``data`` comes from
    ``problem.make_data`` with the same ``R``. The dtype of ``start`` is the training dtype.
    """
    _check_start(problem, start, steps)
    data = {k: v.to(device) for k, v in data.items()}
    return tuple(_train_one(problem, spec, start, steps, data, device) for spec in optimizers)


def _train_one(problem, spec, start, steps, data, device) -> Trajectory:
    params = {k: v.detach().to(device).clone().requires_grad_(True) for k, v in start.items()}
    ordered = list(params.values())
    optimizer = spec.build(ordered)
    replicates = ordered[0].shape[0]
    width = sum(p[0].numel() for p in ordered)
    dtype = ordered[0].dtype

    param_rec = torch.empty((steps + 1, replicates, width), dtype=dtype, device=device)
    grad_rec = torch.empty((steps, replicates, width), dtype=dtype, device=device)
    loss_rec = torch.empty((steps + 1, replicates), dtype=dtype, device=device)
    _flatten_into(ordered, param_rec[0])

    for t in range(steps):
        optimizer.zero_grad(set_to_none=True)
        losses = problem.losses(params, data)
        losses.sum().backward()
        loss_rec[t] = losses.detach()
        _flatten_into([p.grad for p in ordered], grad_rec[t])
        optimizer.step()
        _flatten_into(ordered, param_rec[t + 1])

    with torch.no_grad():
        loss_rec[steps] = problem.losses(params, data)

    return _trajectory(problem, spec, param_rec, loss_rec, grad_rec)


def _flatten_into(tensors: list[Tensor], out: Tensor) -> None:
    replicates = out.shape[0]
    torch.cat([t.detach().reshape(replicates, -1) for t in tensors], dim=1, out=out)


def _trajectory(problem, spec, param_rec, loss_rec, grad_rec) -> Trajectory:
    names = flat_names(problem)
    weights = problem.weight_names()
    weight_columns = tuple(i for i, n in enumerate(names) if n.split("[")[0] in weights)
    return Trajectory(optimizer=spec, names=names, weight_columns=weight_columns,
                      params=param_rec.cpu(), loss=loss_rec.cpu(), grads=grad_rec.cpu())


def _check_start(problem: Problem, start: Mapping[str, Tensor], steps: int) -> None:
    shapes = problem.parameter_shapes()
    if list(start) != list(shapes):
        raise ValueError(
            f"start has parameters {list(start)} but {problem.describe()} has {list(shapes)}; "
            "build it with initial_parameters(problem, ...)"
        )
    replicates = {v.shape[0] for v in start.values()}
    if len(replicates) != 1:
        raise ValueError(f"start tensors disagree on the replicate count {sorted(replicates)}; "
                         "give every parameter the same leading dimension R")
    for name, shape in shapes.items():
        if tuple(start[name].shape[1:]) != tuple(shape):
            raise ValueError(f"start[{name!r}] has shape {tuple(start[name].shape)}; "
                             f"expected (R, {', '.join(map(str, shape))})")
    if not (isinstance(steps, int) and steps >= 1):
        raise ValueError(f"steps={steps!r} must be an integer >= 1")
