"""Training engine: problem families, optimizer specs, the batched trainer and its reference."""

from .families import LogisticRegression, NormalizedLinear, TanhMLP
from .optimizers import OptimizerSpec
from .penalties import Penalty
from .problems import (
    ARTICLE_TOY,
    LinearRegression,
    Problem,
    flat_names,
    initial_parameters,
    parameters_from_flat,
)
from .reference import train_reference, train_reference_each
from .train import train, train_each
from .trajectory import Trajectory

__all__ = [
    "ARTICLE_TOY",
    "LinearRegression",
    "LogisticRegression",
    "NormalizedLinear",
    "OptimizerSpec",
    "Penalty",
    "Problem",
    "TanhMLP",
    "Trajectory",
    "flat_names",
    "initial_parameters",
    "parameters_from_flat",
    "train",
    "train_each",
    "train_reference",
    "train_reference_each",
]
