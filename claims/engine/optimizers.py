"""Optimizer specifications: a hashable description that builds a real ``torch.optim`` optimizer."""

from __future__ import annotations

import dataclasses
import math

import torch

_CLASSES = {"sgd": torch.optim.SGD, "adam": torch.optim.Adam, "adamw": torch.optim.AdamW}


@dataclasses.dataclass(frozen=True)
class OptimizerSpec:
    """One optimizer with its hyperparameters, e.g. ``OptimizerSpec("sgd", lr=1.0)``.

    ``momentum`` applies to SGD only; ``betas`` and ``eps`` to Adam and AdamW.
    ``weight_decay`` is passed to the optimizer as it is (coupled L2 for SGD and Adam,
    decoupled for AdamW). ``foreach`` selects torch's multi-tensor implementation; ``None``
    lets torch choose, as ``torch.optim`` does by default.
    """

    name: str
    lr: float
    momentum: float = 0.0
    weight_decay: float = 0.0
    betas: tuple[float, float] = (0.9, 0.999)
    eps: float = 1e-8
    foreach: bool | None = None

    def __post_init__(self):
        _validate(self)

    def build(self, params) -> torch.optim.Optimizer:
        """The optimizer over ``params`` alone, as a training script would create it."""
        return self.build_groups(self.name, [self.param_group(list(params))])

    def param_group(self, params: list) -> dict:
        """A param-group dictionary carrying every hyperparameter of this spec."""
        group = {"params": params, "lr": self.lr, "weight_decay": self.weight_decay,
                 "foreach": self.foreach}
        if self.name == "sgd":
            return {**group, "momentum": self.momentum}
        return {**group, "betas": self.betas, "eps": self.eps}

    @staticmethod
    def build_groups(name: str, groups: list[dict]) -> torch.optim.Optimizer:
        """One optimizer of class ``name`` over param groups made by :meth:`param_group`."""
        return _CLASSES[name](groups)

    def label(self) -> str:
        extras = []
        if self.momentum:
            extras.append(f"momentum={self.momentum:g}")
        if self.weight_decay:
            extras.append(f"weight_decay={self.weight_decay:g}")
        inside = ", ".join([f"lr={self.lr:g}", *extras])
        return f"{_CLASSES[self.name].__name__}({inside})"


def _validate(spec: OptimizerSpec) -> None:
    if spec.name not in _CLASSES:
        raise ValueError(
            f"optimizer name={spec.name!r} is not supported; use one of {sorted(_CLASSES)}"
        )
    if not (math.isfinite(spec.lr) and spec.lr > 0):
        raise ValueError(f"lr={spec.lr!r} must be a finite number > 0; pass e.g. lr=0.01")
    if not 0 <= spec.momentum < 1:
        raise ValueError(f"momentum={spec.momentum!r} must be in [0, 1); pass e.g. 0.9")
    if spec.momentum and spec.name != "sgd":
        raise ValueError(
            f"momentum={spec.momentum!r} applies to SGD only, not {spec.name!r}; "
            "set betas for Adam-style optimizers instead"
        )
    if not (math.isfinite(spec.weight_decay) and spec.weight_decay >= 0):
        raise ValueError(
            f"weight_decay={spec.weight_decay!r} must be a finite number >= 0; pass e.g. 1e-4"
        )
