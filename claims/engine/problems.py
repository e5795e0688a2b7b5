"""Problem families: a model, its data and its loss, written once for R replicates at a time.

Every parameter carries a leading replicate dimension, and :meth:`Problem.losses` returns one
loss per replicate. Summing those losses before ``backward`` gives each replicate exactly the
gradient of its own loss, because replicate ``i``'s loss depends on replicate ``i``'s
parameters alone. Each family also builds the plain single model (``torch.nn``) that the
batched form must agree with; the reference loop in :mod:`claims.engine.reference` trains it.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
from collections.abc import Mapping

import torch
from torch import Tensor, nn

Params = dict[str, Tensor]


class Problem:
    """A family member: fixed shapes, data made from a generator, a per-replicate loss."""

    name: str = "problem"

    def parameter_shapes(self) -> dict[str, tuple[int, ...]]:
        """Shapes of one replicate's parameters, in the order ``nn.Module.parameters`` uses."""
        raise NotImplementedError

    def weight_names(self) -> tuple[str, ...]:
        """Parameters that count as *weights* when a claim speaks of weight magnitude."""
        return tuple(n for n in self.parameter_shapes() if n.endswith("weight"))

    def make_data(self, replicates: int, generator: torch.Generator | None, dtype,
                  device) -> Params:
        raise NotImplementedError

    def shares_data(self) -> bool:
        """Whether every replicate trains on the same fixed data (no generator needed)."""
        return False

    def losses(self, params: Mapping[str, Tensor], data: Mapping[str, Tensor]) -> Tensor:
        """One loss per replicate, shape ``(R,)``."""
        raise NotImplementedError

    def reference_model(self) -> nn.Module:
        """The plain model for one replicate; its named parameters match ``parameter_shapes``."""
        raise NotImplementedError

    def reference_loss(self, model: nn.Module, data: Mapping[str, Tensor]) -> Tensor:
        """The scalar loss of one replicate's plain model on that replicate's data."""
        raise NotImplementedError

    def fan_in(self, name: str) -> int:
        """Fan-in used by the ``torch_default`` initialisation of parameter ``name``."""
        raise NotImplementedError

    def describe(self) -> str:
        return self.name


@dataclasses.dataclass(frozen=True)
class LinearRegression(Problem):
    """``nn.Linear(d, 1)`` fitted by mean squared error.

    With ``inputs`` and ``targets`` given, every replicate shares that data set (the article's
    toy problem is ``X = [1, 2, 3]``, ``y = 2X``). Otherwise each replicate draws its own data:
    ``X`` standard normal of shape ``(n_samples, n_features)``, a true weight vector standard
    normal, and targets ``X w* + noise * N(0, 1)``.
    """

    n_samples: int = 3
    n_features: int = 1
    noise: float = 0.0
    inputs: tuple[tuple[float, ...], ...] | None = None
    targets: tuple[float, ...] | None = None
    name: str = "linear regression (MSE)"

    def __post_init__(self):
        if self.inputs is not None:
            rows = len(self.inputs)
            width = len(self.inputs[0])
            if self.targets is None or len(self.targets) != rows:
                raise ValueError(
                    f"targets={self.targets!r} must have one value per input row ({rows}); "
                    "pass as many targets as inputs"
                )
            object.__setattr__(self, "n_samples", rows)
            object.__setattr__(self, "n_features", width)

    def parameter_shapes(self):
        return {"weight": (1, self.n_features), "bias": (1,)}

    def shares_data(self):
        return self.inputs is not None

    def fan_in(self, name):
        return self.n_features

    def make_data(self, replicates, generator, dtype, device):
        if self.inputs is not None:
            x = torch.tensor(self.inputs, dtype=dtype).expand(replicates, -1, -1)
            y = torch.tensor(self.targets, dtype=dtype).reshape(1, -1, 1)
            y = y.expand(replicates, -1, -1)
            return {"x": x.to(device), "y": y.to(device)}

        shape = (replicates, self.n_samples, self.n_features)
        x = torch.randn(shape, generator=generator, dtype=torch.float64)
        w_true = torch.randn((replicates, self.n_features, 1), generator=generator,
                             dtype=torch.float64)
        noise = torch.randn((replicates, self.n_samples, 1), generator=generator,
                            dtype=torch.float64)
        y = x @ w_true + self.noise * noise
        return {"x": x.to(device=device, dtype=dtype), "y": y.to(device=device, dtype=dtype)}

    def losses(self, params, data):
        x, y = data["x"], data["y"]
        out = torch.baddbmm(params["bias"].unsqueeze(1), x, params["weight"].transpose(1, 2))
        return mean_square(out - y)

    def reference_model(self):
        return nn.Linear(self.n_features, 1)

    def reference_loss(self, model, data):
        return nn.functional.mse_loss(model(data["x"]), data["y"])

    def describe(self):
        if self.inputs is not None:
            xs = ", ".join(f"{row[0]:g}" if len(row) == 1 else str(row) for row in self.inputs)
            ys = ", ".join(f"{v:g}" for v in self.targets)
            return f"nn.Linear({self.n_features}, 1), MSE, X = [{xs}], y = [{ys}]"
        return (f"nn.Linear({self.n_features}, 1), MSE, {self.n_samples} Gaussian samples, "
                f"noise {self.noise:g}")


def mean_square(residual: Tensor) -> Tensor:
    """Per-replicate mean of squared residuals over all but the replicate dimension.

    Written ``r * r`` rather than ``r.square()``: the backward of ``square`` forms ``2 * r``
    before scaling, which overflows to inf (then NaN) for residuals above half the largest
    float, where ``mse_loss`` in the plain loop stays finite. With ``r * r`` the two paths
    agree bit for bit even after a float32 run has blown up.
    """
    return (residual * residual).mean(dim=tuple(range(1, residual.dim())))


#: The article's worked-example problem (§2): one input, three points on the line y = 2x.
ARTICLE_TOY = LinearRegression(inputs=((1.0,), (2.0,), (3.0,)), targets=(2.0, 4.0, 6.0),
                               name="article toy problem")


def initial_parameters(problem: Problem, replicates: int, generator: torch.Generator, *,
                       scheme: str = "torch_default", scale: float = 1.0,
                       dtype=torch.float32) -> Params:
    """Draw one starting point per replicate.

    ``torch_default`` is what ``nn.Linear`` does on construction: every parameter uniform on
    ``[-1/sqrt(fan_in), 1/sqrt(fan_in)]`` (the weight's Kaiming bound with ``a = sqrt(5)``
    reduces to that), multiplied here by ``scale``. ``uniform`` is ``U(-scale, scale)`` and
    ``normal`` is ``N(0, scale^2)``. Values are drawn in float64 on the CPU and then cast, so
    the same seed gives the same start on every device and dtype.
    """
    params = {}
    for name, shape in problem.parameter_shapes().items():
        full = (replicates, *shape)
        if scheme == "torch_default":
            bound = scale / math.sqrt(problem.fan_in(name))
            value = (torch.rand(full, generator=generator, dtype=torch.float64) * 2 - 1) * bound
        elif scheme == "uniform":
            value = (torch.rand(full, generator=generator, dtype=torch.float64) * 2 - 1) * scale
        elif scheme == "normal":
            value = torch.randn(full, generator=generator, dtype=torch.float64) * scale
        else:
            raise ValueError(
                f"scheme={scheme!r} is not an initialisation scheme; "
                "use 'torch_default', 'uniform' or 'normal'"
            )
        params[name] = value.to(dtype)
    return params


def parameters_from_flat(problem: Problem, flat: Tensor) -> Params:
    """Split an ``(R, P)`` matrix of flattened parameters into named ``(R, *shape)`` tensors."""
    shapes = problem.parameter_shapes()
    width = sum(math.prod(shape) for shape in shapes.values())
    if width != flat.shape[1]:
        raise ValueError(
            f"flat parameters have {flat.shape[1]} columns but {problem.describe()} has {width}; "
            "pass one column per scalar parameter"
        )
    params, start = {}, 0
    for name, shape in shapes.items():
        size = math.prod(shape)
        params[name] = flat[:, start:start + size].reshape(flat.shape[0], *shape)
        start += size
    return params


def flat_names(problem: Problem) -> tuple[str, ...]:
    """Column names of the flattened parameter vector, e.g. ``weight[0,0]``, ``bias[0]``."""
    names = []
    for name, shape in problem.parameter_shapes().items():
        for index in itertools.product(*(range(s) for s in shape)):
            names.append(f"{name}[{','.join(map(str, index))}]")
    return tuple(names)
