"""Training engine: problem families, optimizer specs, the batched trainer and its reference."""

from .optimizers import OptimizerSpec
from .problems import (
    ARTICLE_TOY,
    LinearRegression,
    Problem,
    flat_names,
    initial_parameters,
    parameters_from_flat,
)
from .reference import train_reference
from .train import train
from .trajectory import Trajectory

__all__ = [
    "ARTICLE_TOY",
    "LinearRegression",
    "OptimizerSpec",
    "Problem",
    "Trajectory",
    "flat_names",
    "initial_parameters",
    "parameters_from_flat",
    "train",
    "train_reference",
]
