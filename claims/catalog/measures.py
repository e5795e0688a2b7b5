"""Measurements on trajectories that several claims share, each with its operational definition.

Every function takes :class:`~claims.engine.Trajectory` records (``(T + 1, R)`` per-step
tensors inside) and returns one value per replicate, so experiments stay one line per measure.
"""

from __future__ import annotations

import torch
from torch import Tensor

from ..engine import Trajectory


def first_step_reaching(values: Tensor, threshold: float, *, never: int) -> Tensor:
    """First index ``t`` with ``values[t] <= threshold`` per replicate; ``never`` if none."""
    reached = values <= threshold
    first = torch.argmax(reached.to(torch.int8), dim=0)
    return torch.where(reached.any(dim=0), first, torch.full_like(first, never))


def crosses(series: Tensor, level: float) -> Tensor:
    """Whether a ``(T + 1, R)`` series passes strictly from one side of ``level`` to the other
    between two consecutive steps (overshoot of that level)."""
    side = torch.sign(series - level)
    return ((side[1:] * side[:-1]) < 0).any(dim=0)


def increases_somewhere(series: Tensor) -> Tensor:
    """Whether a series rises between some pair of consecutive steps."""
    return (torch.diff(series, dim=0) > 0).any(dim=0)


def strictly_decreasing(series: Tensor) -> Tensor:
    """Whether a series falls between every pair of consecutive steps."""
    return (torch.diff(series, dim=0) < 0).all(dim=0)


def direction_reversals(series: Tensor) -> Tensor:
    """How often a series turns around: sign changes of its consecutive differences."""
    steps = torch.sign(torch.diff(series, dim=0))
    return ((steps[1:] * steps[:-1]) < 0).sum(dim=0)


def weight_column(run: Trajectory, name: str = "weight[0,0]") -> Tensor:
    """``(T + 1, R)``: one named parameter along the run."""
    return run.params[..., run.column(name)]


def mean_abs_change(series: Tensor, first: int, last: int) -> Tensor:
    """Mean of ``|series[t + 1] - series[t]|`` over steps ``first`` to ``last - 1``."""
    return torch.diff(series[first:last + 1], dim=0).abs().mean(dim=0)
