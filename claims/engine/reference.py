"""The plain loop: one ``nn.Module`` and one optimizer per replicate, as a textbook would write it.

This is the path the batched engine must agree with. The suite uses it to check the engine
(``tests/test_engine.py``) and to confirm a counterexample or witness before a
verdict rests on it, so that no verdict depends on the batching trick alone.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import torch
from torch import Tensor

from .optimizers import OptimizerSpec
from .penalties import Penalty
from .problems import Problem
from .train import _check_count, _check_start, _trajectory
from .trajectory import Trajectory


def train_reference(problem: Problem, optimizers: Sequence[OptimizerSpec],
                    start: Mapping[str, Tensor], steps: int, data: Mapping[str, Tensor], *,
                    device: str | torch.device = "cpu",
                    penalty: Penalty | None = None) -> tuple[Trajectory, ...]:
    """Same contract and result as :func:`claims.engine.train.train`, one model at a time."""
    _check_start(problem, start, steps)
    replicates = next(iter(start.values())).shape[0]
    return tuple(_trajectory(problem, spec, *_train_all(problem, [spec] * replicates, start,
                                                        steps, data, device, penalty))
                 for spec in optimizers)


def train_reference_each(problem: Problem, optimizers: Sequence[OptimizerSpec],
                         start: Mapping[str, Tensor], steps: int, data: Mapping[str, Tensor],
                         *, device: str | torch.device = "cpu",
                         penalty: Penalty | None = None) -> Trajectory:
    """Same contract and result as :func:`claims.engine.train.train_each`."""
    _check_start(problem, start, steps)
    _check_count(optimizers, start)
    return _trajectory(problem, None, *_train_all(problem, optimizers, start, steps, data,
                                                  device, penalty))


def _train_all(problem, specs, start, steps, data, device, penalty):
    runs = [_train_single(problem, spec, {k: v[i] for k, v in start.items()},
                          {k: v[i] for k, v in data.items()}, steps, device, penalty)
            for i, spec in enumerate(specs)]
    return tuple(torch.stack(parts, dim=1) for parts in zip(*runs, strict=True))


def _train_single(problem, spec, start, data, steps, device, penalty):
    dtype = next(iter(start.values())).dtype
    model = problem.reference_model().to(device=device, dtype=dtype)
    with torch.no_grad():
        for name, p in model.named_parameters():
            p.copy_(start[name])
    data = {k: v.to(device) for k, v in data.items()}
    optimizer = spec.build(model.parameters())
    named = dict(model.named_parameters())
    # the penalty works on (R, ...) tensors: give each weight a replicate dimension of 1
    weights = [named[n].unsqueeze(0) for n in problem.weight_names()]

    params, losses, grads = [_flat(model.parameters())], [], []
    for _ in range(steps):
        optimizer.zero_grad()
        loss = problem.reference_loss(model, data)
        objective = loss if penalty is None else loss + penalty.term(weights)
        torch.as_tensor(objective).sum().backward()
        losses.append(loss.detach())
        grads.append(_flat(p.grad for p in model.parameters()))
        optimizer.step()
        if penalty is not None:
            penalty.after_step(weights, spec.lr)
        params.append(_flat(model.parameters()))

    with torch.no_grad():
        losses.append(problem.reference_loss(model, data))
    return torch.stack(params).cpu(), torch.stack(losses).cpu(), torch.stack(grads).cpu()


def _flat(tensors) -> Tensor:
    return torch.cat([t.detach().reshape(-1) for t in tensors]).clone()
