"""More problem families, beyond linear least squares, for claims about training in general.

- :class:`LogisticRegression`: a linear classifier on linearly separable data (the loss has
  no finite minimiser, so weights can grow without bound);
- :class:`TanhMLP`: one hidden tanh layer on a synthetic non-linear regression (non-convex);
- :class:`NormalizedLinear`: a bias-free linear layer followed by batch normalisation without
  affine parameters, then a linear head. The first layer's weights are scale-invariant: the
  loss does not change when they are multiplied by a positive number.

Each builds its data from a ``torch.Generator`` in float64 on the CPU, so a seed gives the
same data in every dtype and on every device, and each has a plain ``torch.nn`` twin for the
reference loop.
"""

from __future__ import annotations

import dataclasses

import torch
from torch import nn

from .problems import Problem, mean_square


def _gaussian(generator, *shape):
    return torch.randn(shape, generator=generator, dtype=torch.float64)


def _linear(params, prefix, x):
    weight, bias = params[f"{prefix}.weight"], params.get(f"{prefix}.bias")
    out = x @ weight.transpose(1, 2)
    return out if bias is None else out + bias.unsqueeze(1)


@dataclasses.dataclass(frozen=True)
class LogisticRegression(Problem):
    """``nn.Linear(d, 1)`` with the logistic loss on separable data.

    Inputs are standard normal; labels are 1 where ``x . w* > 0`` for a standard-normal
    teacher ``w*`` and 0 elsewhere, so a separating hyperplane through the origin exists.
    """

    n_samples: int = 16
    n_features: int = 2
    name: str = "logistic regression (separable)"

    def parameter_shapes(self):
        return {"weight": (1, self.n_features), "bias": (1,)}

    def fan_in(self, name):
        return self.n_features

    def make_data(self, replicates, generator, dtype, device):
        x = _gaussian(generator, replicates, self.n_samples, self.n_features)
        teacher = _gaussian(generator, replicates, self.n_features, 1)
        y = (x @ teacher > 0).to(torch.float64)
        return {"x": x.to(device=device, dtype=dtype), "y": y.to(device=device, dtype=dtype)}

    def losses(self, params, data):
        logits = data["x"] @ params["weight"].transpose(1, 2) + params["bias"].unsqueeze(1)
        loss = nn.functional.binary_cross_entropy_with_logits(logits, data["y"],
                                                              reduction="none")
        return loss.mean(dim=(1, 2))

    def reference_model(self):
        return nn.Linear(self.n_features, 1)

    def reference_loss(self, model, data):
        return nn.functional.binary_cross_entropy_with_logits(model(data["x"]), data["y"])

    def describe(self):
        return (f"logistic regression nn.Linear({self.n_features}, 1), {self.n_samples} "
                "linearly separable Gaussian samples")


@dataclasses.dataclass(frozen=True)
class TanhMLP(Problem):
    """``Linear(d, h) -> tanh -> Linear(h, 1)`` fitted by MSE to ``sin(x . a)`` plus noise."""

    n_samples: int = 32
    n_features: int = 2
    hidden: int = 8
    noise: float = 0.05
    name: str = "tanh MLP regression"

    def parameter_shapes(self):
        return {"0.weight": (self.hidden, self.n_features), "0.bias": (self.hidden,),
                "2.weight": (1, self.hidden), "2.bias": (1,)}

    def fan_in(self, name):
        return self.n_features if name.startswith("0.") else self.hidden

    def make_data(self, replicates, generator, dtype, device):
        x = _gaussian(generator, replicates, self.n_samples, self.n_features)
        direction = _gaussian(generator, replicates, self.n_features, 1)
        y = torch.sin(x @ direction) + self.noise * _gaussian(generator, replicates,
                                                             self.n_samples, 1)
        return {"x": x.to(device=device, dtype=dtype), "y": y.to(device=device, dtype=dtype)}

    def losses(self, params, data):
        hidden = torch.tanh(_linear(params, "0", data["x"]))
        out = _linear(params, "2", hidden)
        return mean_square(out - data["y"])

    def reference_model(self):
        return nn.Sequential(nn.Linear(self.n_features, self.hidden), nn.Tanh(),
                             nn.Linear(self.hidden, 1))

    def reference_loss(self, model, data):
        return nn.functional.mse_loss(model(data["x"]), data["y"])

    def describe(self):
        return (f"MLP Linear({self.n_features}, {self.hidden}) -> tanh -> Linear(.., 1), MSE on "
                f"sin(x . a) + noise, {self.n_samples} samples")


@dataclasses.dataclass(frozen=True)
class NormalizedLinear(Problem):
    """``Linear(d, k, bias=False) -> BatchNorm1d(k, affine=False) -> Linear(k, 1)``, MSE.

    Batch statistics are those of the full batch (training mode, biased variance, eps 1e-5),
    as ``nn.BatchNorm1d(track_running_stats=False)`` computes them. Targets are a linear
    teacher plus noise. Only the first layer (``0.weight``) is scale-invariant.
    """

    n_samples: int = 32
    n_features: int = 4
    width: int = 4
    noise: float = 0.1
    eps: float = 1e-5
    name: str = "normalised linear layer"

    def parameter_shapes(self):
        return {"0.weight": (self.width, self.n_features), "2.weight": (1, self.width),
                "2.bias": (1,)}

    def weight_names(self):
        return ("0.weight",)

    def fan_in(self, name):
        return self.n_features if name.startswith("0.") else self.width

    def make_data(self, replicates, generator, dtype, device):
        x = _gaussian(generator, replicates, self.n_samples, self.n_features)
        teacher = _gaussian(generator, replicates, self.n_features, 1)
        y = x @ teacher + self.noise * _gaussian(generator, replicates, self.n_samples, 1)
        return {"x": x.to(device=device, dtype=dtype), "y": y.to(device=device, dtype=dtype)}

    def losses(self, params, data):
        z = _linear(params, "0", data["x"])
        mean = z.mean(dim=1, keepdim=True)
        var = z.var(dim=1, unbiased=False, keepdim=True)
        normalised = (z - mean) / torch.sqrt(var + self.eps)
        out = _linear(params, "2", normalised)
        return mean_square(out - data["y"])

    def reference_model(self):
        return nn.Sequential(
            nn.Linear(self.n_features, self.width, bias=False),
            nn.BatchNorm1d(self.width, eps=self.eps, affine=False, track_running_stats=False),
            nn.Linear(self.width, 1))

    def reference_loss(self, model, data):
        return nn.functional.mse_loss(model(data["x"]), data["y"])

    def describe(self):
        return (f"Linear({self.n_features}, {self.width}, no bias) -> batch norm -> "
                f"Linear({self.width}, 1), MSE, {self.n_samples} samples")
