"""The batched engine: many replicates trained at once by real ``torch.optim`` optimizers.

Each parameter has a leading replicate dimension. Replicates that share an optimizer setting
(class, learning rate, momentum, weight decay, ...) form one *param group* holding their own
leaf tensors; the groups of one optimizer class share one ``torch.optim`` instance, which
keeps per-group hyperparameters exactly as ``model.parameters()`` groups do. Every step
concatenates the groups' leaves, computes all per-replicate losses in one forward pass and
back-propagates their sum, so every replicate receives exactly its own gradient (replicate
``i``'s loss depends on its own parameters alone). SGD (with or without momentum), Adam and
AdamW act element by element within a group, hence each replicate follows the trajectory a
lone model would follow; ``tests/test_engine.py`` checks that against the plain loop.

Records stay on the training device until the loop ends: the hot loop makes no ``.item()``
call and no host copy.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import torch
from torch import Tensor

from .optimizers import OptimizerSpec
from .penalties import Penalty
from .problems import Problem, flat_names
from .trajectory import Trajectory


def train(problem: Problem, optimizers: Sequence[OptimizerSpec], start: Mapping[str, Tensor],
          steps: int, data: Mapping[str, Tensor], *, device: str | torch.device = "cpu",
          penalty: Penalty | None = None) -> tuple[Trajectory, ...]:
    """Train every replicate of ``start`` with each optimizer, for ``steps`` steps.

    ``start`` maps parameter names to ``(R, *shape)`` tensors (see
    :func:`claims.engine.problems.initial_parameters`); every optimizer starts from the same
    values, which makes comparisons between optimizers paired. ``data`` comes from
    ``problem.make_data`` with the same ``R``. The dtype of ``start`` is the training dtype.
    ``penalty`` regularises the problem's weights explicitly (see :mod:`.penalties`).
    Returns one trajectory per optimizer, all trained in one run.
    """
    _check_start(problem, start, steps)
    arms = len(optimizers)
    replicates = _replicates(start)
    repeated = {k: v.repeat(arms, *[1] * (v.dim() - 1)) for k, v in start.items()}
    data = {k: v.repeat(arms, *[1] * (v.dim() - 1)) for k, v in data.items()}
    specs = [spec for spec in optimizers for _ in range(replicates)]
    params, loss, grads = _run(problem, specs, repeated, steps, data, device, penalty)

    def arm(a):
        pick = slice(a * replicates, (a + 1) * replicates)
        return _trajectory(problem, optimizers[a], params[:, pick], loss[:, pick],
                           grads[:, pick])

    return tuple(arm(a) for a in range(arms))


def train_each(problem: Problem, optimizers: Sequence[OptimizerSpec],
               start: Mapping[str, Tensor], steps: int, data: Mapping[str, Tensor], *,
               device: str | torch.device = "cpu", penalty: Penalty | None = None,
               ) -> Trajectory:
    """Train replicate ``i`` with ``optimizers[i]``, all in one run; replicates keep their order."""
    _check_start(problem, start, steps)
    _check_count(optimizers, start)
    params, loss, grads = _run(problem, list(optimizers), start, steps, data, device, penalty)
    return _trajectory(problem, None, params, loss, grads)


def _run(problem, specs, start, steps, data, device, penalty):
    """Train replicate ``i`` with ``specs[i]``; records in the replicates' original order."""
    groups: dict[OptimizerSpec, list[int]] = {}
    for index, spec in enumerate(specs):
        groups.setdefault(spec, []).append(index)
    order = torch.tensor([i for members in groups.values() for i in members])
    names = list(start)

    leaves = [{n: start[n][members].detach().to(device).clone().requires_grad_(True)
               for n in names} for members in groups.values()]
    optimizers = _optimizers(list(groups), leaves)
    data = {k: v[order].to(device) for k, v in data.items()}
    weight_names = problem.weight_names()
    joined = _joiner(leaves, names)

    replicates, width = len(specs), sum(start[n][0].numel() for n in names)
    dtype = start[names[0]].dtype
    param_rec = torch.empty((steps + 1, replicates, width), dtype=dtype, device=device)
    grad_rec = torch.empty((steps, replicates, width), dtype=dtype, device=device)
    loss_rec = torch.empty((steps + 1, replicates), dtype=dtype, device=device)

    for t in range(steps):
        params = joined()
        _flatten_into([params[n] for n in names], param_rec[t])
        losses = problem.losses(params, data)
        objective = losses
        if penalty is not None:
            objective = losses + penalty.term([params[n] for n in weight_names])

        for optimizer in optimizers:
            optimizer.zero_grad(set_to_none=True)
        objective.sum().backward()
        loss_rec[t] = losses.detach()
        _flatten_into([torch.cat([g[n].grad for g in leaves]) for n in names], grad_rec[t])

        for optimizer in optimizers:
            optimizer.step()
        if penalty is not None:
            for spec, group in zip(groups, leaves, strict=True):
                penalty.after_step([group[n] for n in weight_names], spec.lr)

    with torch.no_grad():
        params = joined()
        _flatten_into([params[n] for n in names], param_rec[steps])
        loss_rec[steps] = problem.losses(params, data)

    restore = torch.argsort(order)
    return (param_rec[:, restore].cpu(), loss_rec[:, restore].cpu(),
            grad_rec[:, restore].cpu())


def _optimizers(specs: list[OptimizerSpec], leaves: list[dict[str, Tensor]]):
    """One ``torch.optim`` instance per optimizer class, one param group per spec."""
    by_class: dict[str, list[dict]] = {}
    for spec, group in zip(specs, leaves, strict=True):
        by_class.setdefault(spec.name, []).append(spec.param_group(list(group.values())))
    return [OptimizerSpec.build_groups(name, groups) for name, groups in by_class.items()]


def _joiner(leaves: list[dict[str, Tensor]], names: list[str]):
    """A function giving the full ``(R, ...)`` parameters, differentiable w.r.t. the leaves."""
    if len(leaves) == 1:
        return lambda: dict(leaves[0])
    return lambda: {n: torch.cat([group[n] for group in leaves]) for n in names}


def _flatten_into(tensors: list[Tensor], out: Tensor) -> None:
    replicates = out.shape[0]
    torch.cat([t.detach().reshape(replicates, -1) for t in tensors], dim=1, out=out)


def _check_count(optimizers: Sequence[OptimizerSpec], start: Mapping[str, Tensor]) -> None:
    if len(optimizers) != _replicates(start):
        raise ValueError(f"{len(optimizers)} optimizers for {_replicates(start)} replicates; "
                         "pass one OptimizerSpec per replicate")


def _replicates(start: Mapping[str, Tensor]) -> int:
    return next(iter(start.values())).shape[0]


def _trajectory(problem, spec, param_rec, loss_rec, grad_rec) -> Trajectory:
    names = flat_names(problem)
    weights = problem.weight_names()
    weight_columns = tuple(i for i, n in enumerate(names) if n.split("[")[0] in weights)
    return Trajectory(optimizer=spec, names=names, weight_columns=weight_columns,
                      params=param_rec, loss=loss_rec, grads=grad_rec)


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
    if isinstance(steps, bool) or not (isinstance(steps, int) and steps >= 1):
        raise ValueError(f"steps={steps!r} must be an integer >= 1")
