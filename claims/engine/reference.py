"""The plain loop: one ``nn.Module`` and one optimizer per replicate, as a textbook would write it.

This is the path the batched engine must agree with. The suite uses it to check the engine
(``tests/test_engine_equivalence.py``) and to confirm a counterexample or witness before a
verdict rests on it, so that no verdict depends on the batching trick alone.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import torch
from torch import Tensor

from .optimizers import OptimizerSpec
from .problems import Problem
from .train import _check_start, _trajectory
from .trajectory import Trajectory


def train_reference(problem: Problem, optimizers: Sequence[OptimizerSpec],
                    start: Mapping[str, Tensor], steps: int, data: Mapping[str, Tensor], *,
                    device: str | torch.device = "cpu") -> tuple[Trajectory, ...]:
    """Same contract and result as :func:`claims.engine.train.train`, one model at a time."""
    _check_start(problem, start, steps)
    return tuple(_train_one(problem, spec, start, steps, data, device) for spec in optimizers)


def _train_one(problem, spec, start, steps, data, device) -> Trajectory:
    replicates = next(iter(start.values())).shape[0]
    runs = [_train_single(problem, spec, {k: v[i] for k, v in start.items()},
                          {k: v[i] for k, v in data.items()}, steps, device)
            for i in range(replicates)]
    params, losses, grads = (torch.stack(parts, dim=1) for parts in zip(*runs))
    return _trajectory(problem, spec, params, losses, grads)


def _train_single(problem, spec, start, data, steps, device):
    dtype = next(iter(start.values())).dtype
    model = problem.reference_model().to(device=device, dtype=dtype)
    with torch.no_grad():
        for name, p in model.named_parameters():
            p.copy_(start[name])
    data = {k: v.to(device) for k, v in data.items()}
    optimizer = spec.build(model.parameters())

    params, losses, grads = [_flat(model.parameters())], [], []
    for _ in range(steps):
        optimizer.zero_grad()
        loss = problem.reference_loss(model, data)
        loss.backward()
        losses.append(loss.detach())
        grads.append(_flat(p.grad for p in model.parameters()))
        optimizer.step()
        params.append(_flat(model.parameters()))

    with torch.no_grad():
        losses.append(problem.reference_loss(model, data))
    return torch.stack(params).cpu(), torch.stack(losses).cpu(), torch.stack(grads).cpu()


def _flat(tensors) -> Tensor:
    return torch.cat([t.detach().reshape(-1) for t in tensors]).clone()
