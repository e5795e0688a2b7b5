"""The lab: what an experiment may use to train, so that it never handles devices or seeds itself.

An experiment is a function ``experiment(scenarios, lab) -> {measure: values}`` returning one
value per scenario for each named measure. It trains through ``lab.train``, which is the
batched engine normally and the plain per-model loop when a verdict is being confirmed
(``lab.reference``). Every random quantity comes from a ``torch.Generator`` seeded by a
scenario's own seed, so a scenario gives the same numbers whatever batch it is trained in:
that is what lets Hypothesis replay and shrink a scenario on its own.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence

import torch
from torch import Tensor

from .engine import (
    OptimizerSpec,
    Penalty,
    Problem,
    Trajectory,
    initial_parameters,
    train,
    train_each,
    train_reference,
    train_reference_each,
)

DTYPES = {"float32": torch.float32, "float64": torch.float64}


@dataclasses.dataclass(frozen=True)
class Lab:
    """Device, dtype and engine choice for one claim's experiments."""

    device: str = "cpu"
    dtype: str = "float32"
    reference: bool = False
    foreach: bool | None = None  # force torch.optim's multi-tensor (True) or loop (False) kernels

    def __post_init__(self):
        if self.dtype not in DTYPES:
            raise ValueError(f"dtype={self.dtype!r} is not supported; use one of {sorted(DTYPES)}")

    @property
    def torch_dtype(self) -> torch.dtype:
        return DTYPES[self.dtype]

    def as_reference(self) -> Lab:
        return dataclasses.replace(self, reference=True)

    def start(self, problem: Problem, values: Mapping[str, Sequence]) -> dict[str, Tensor]:
        """Starting parameters given explicitly, one entry per scenario and parameter.

        ``values[name]`` is a sequence of length R whose items are numbers (for a parameter
        with one element) or nested sequences of the parameter's shape.
        """
        start = {}
        for name, shape in problem.parameter_shapes().items():
            if name not in values:
                raise KeyError(f"no starting values for parameter {name!r} of "
                               f"{problem.describe()}; pass values[{name!r}]")
            tensor = torch.tensor(values[name], dtype=torch.float64)
            start[name] = tensor.reshape(tensor.shape[0], *shape).to(self.torch_dtype)
        return start

    def initial(self, problem: Problem, seeds: Sequence[int], *, scheme: str = "torch_default",
                scale: float = 1.0) -> dict[str, Tensor]:
        """One starting point per seed, drawn as ``initial_parameters`` does for one model."""
        draws = [initial_parameters(problem, 1, _generator(s), scheme=scheme, scale=scale,
                                    dtype=self.torch_dtype) for s in seeds]
        return {name: torch.cat([d[name] for d in draws]) for name in draws[0]}

    def data(self, problem: Problem, seeds: Sequence[int]) -> dict[str, Tensor]:
        """One data set per seed (shared data, as in the article's toy problem, ignores it)."""
        if problem.shares_data():
            return problem.make_data(len(seeds), None, self.torch_dtype, "cpu")
        draws = [problem.make_data(1, _generator(s), self.torch_dtype, "cpu") for s in seeds]
        return {name: torch.cat([d[name] for d in draws]) for name in draws[0]}

    def train(self, problem: Problem, optimizers: Sequence[OptimizerSpec],
              start: Mapping[str, Tensor], steps: int,
              data: Mapping[str, Tensor] | None = None, *,
              penalty: Penalty | None = None) -> tuple[Trajectory, ...]:
        """Train every start with every optimizer; data defaults to the problem's, seed 0."""
        if data is None:
            replicates = next(iter(start.values())).shape[0]
            data = self.data(problem, [0] * replicates)
        trainer = train_reference if self.reference else train
        return trainer(problem, self._kernels(optimizers), start, steps, data,
                       device=self.device, penalty=penalty)


    def train_each(self, problem: Problem, optimizers: Sequence[OptimizerSpec],
                   start: Mapping[str, Tensor], steps: int,
                   data: Mapping[str, Tensor] | None = None, *,
                   penalty: Penalty | None = None) -> Trajectory:
        """Train replicate ``i`` with ``optimizers[i]`` (for scenarios that each draw their
        own rate); one batched run, replicates in their original order."""
        if data is None:
            data = self.data(problem, [0] * next(iter(start.values())).shape[0])
        trainer = train_reference_each if self.reference else train_each
        return trainer(problem, self._kernels(optimizers), start, steps, data,
                       device=self.device, penalty=penalty)

    def _kernels(self, optimizers: Sequence[OptimizerSpec]) -> list[OptimizerSpec]:
        if self.foreach is None:
            return list(optimizers)
        return [dataclasses.replace(spec, foreach=self.foreach) for spec in optimizers]


def _generator(seed: int) -> torch.Generator:
    return torch.Generator(device="cpu").manual_seed(int(seed))
