"""What one training run recorded, per step and per replicate."""

from __future__ import annotations

import dataclasses

import torch
from torch import Tensor

from .optimizers import OptimizerSpec


@dataclasses.dataclass(frozen=True)
class Trajectory:
    """The record of R replicates trained with one optimizer for T steps.

    Step ``t`` starts from the parameters ``params[t]`` and ends at ``params[t + 1]``.

    - ``params``: ``(T + 1, R, P)`` flattened parameters, columns named by ``names``;
    - ``loss``: ``(T + 1, R)``, the loss at ``params[t]`` (so ``loss[t]`` is what a training
      loop sees at step ``t`` before it updates, and ``loss[T]`` is the final loss);
    - ``grads``: ``(T, R, P)``, the gradient used by step ``t``;
    - ``diverged_at``: ``(R,)``, the first ``t`` whose loss or parameters are not finite,
      or ``-1`` for a replicate that stayed finite. A diverged replicate keeps its non-finite
      values: it is data, not an error.

    All tensors are on the CPU, in the dtype the run trained in.
    """

    optimizer: OptimizerSpec | None  # None when replicates used different optimizers
    names: tuple[str, ...]
    weight_columns: tuple[int, ...]
    params: Tensor
    loss: Tensor
    grads: Tensor

    @property
    def steps(self) -> int:
        return self.grads.shape[0]

    @property
    def replicates(self) -> int:
        return self.params.shape[1]

    @property
    def updates(self) -> Tensor:
        """``(T, R, P)``: the change each step made, ``params[t + 1] - params[t]``."""
        return self.params[1:] - self.params[:-1]

    @property
    def update_norm(self) -> Tensor:
        return torch.linalg.vector_norm(self.updates, dim=-1)

    @property
    def grad_norm(self) -> Tensor:
        return torch.linalg.vector_norm(self.grads, dim=-1)

    @property
    def weights(self) -> Tensor:
        """``(T + 1, R, W)``: only the columns that count as weights (no biases)."""
        return self.params[..., list(self.weight_columns)]

    @property
    def weight_norm(self) -> Tensor:
        """``(T + 1, R)``: Euclidean norm of the weights (biases excluded)."""
        return torch.linalg.vector_norm(self.weights, dim=-1)

    @property
    def diverged_at(self) -> Tensor:
        bad = ~torch.isfinite(self.loss) | ~torch.isfinite(self.params).all(dim=-1)
        first = torch.argmax(bad.to(torch.int8), dim=0)
        return torch.where(bad.any(dim=0), first, torch.full_like(first, -1))

    def replicate(self, index: int) -> Trajectory:
        """The same record restricted to one replicate (R = 1)."""
        pick = slice(index, index + 1)
        return dataclasses.replace(self, params=self.params[:, pick], loss=self.loss[:, pick],
                                   grads=self.grads[:, pick])

    def column(self, name: str) -> int:
        return self.names.index(name)
