"""Explicit regularisation of the weights (biases are never penalised).

- ``l2``: adds ``strength * sum(w^2)`` to each replicate's loss (the penalty form of L2;
  ``weight_decay`` in :class:`OptimizerSpec` is the optimizer form);
- ``l1``: adds ``strength * sum(|w|)``; its subgradient at 0 is 0, as torch's ``abs`` gives;
- ``l1-prox``: no term in the loss; after every optimizer step each weight is
  soft-thresholded, ``w <- sign(w) * max(|w| - lr * strength, 0)`` (proximal gradient), the
  variant that produces exact zeros.

The trajectory's ``loss`` stays the data loss: claims about "error" mean the fit, not the
regularised objective.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence

import torch
from torch import Tensor

KINDS = ("l2", "l1", "l1-prox")


@dataclasses.dataclass(frozen=True)
class Penalty:
    kind: str
    strength: float

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"penalty kind={self.kind!r} is not one of {KINDS}")
        if not (math.isfinite(self.strength) and self.strength >= 0):
            raise ValueError(f"penalty strength={self.strength!r} must be a finite number "
                             ">= 0; pass e.g. 1e-3")

    def term(self, weights: Sequence[Tensor]) -> Tensor | float:
        """Per-replicate penalty added to the loss, shape ``(R,)`` (or 0.0)."""
        if self.kind == "l2":
            return self.strength * sum(w.square().flatten(1).sum(dim=1) for w in weights)
        if self.kind == "l1":
            return self.strength * sum(w.abs().flatten(1).sum(dim=1) for w in weights)
        return 0.0

    @torch.no_grad()
    def after_step(self, weights: Sequence[Tensor], lr: float) -> None:
        """The proximal step of ``l1-prox``; nothing for the other kinds."""
        if self.kind != "l1-prox":
            return
        for w in weights:
            w.copy_(torch.sign(w) * torch.clamp(w.abs() - lr * self.strength, min=0))

    def label(self) -> str:
        return f"{self.kind}({self.strength:g})"
