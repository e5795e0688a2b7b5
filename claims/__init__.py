"""Claims about training neural networks, checked by experiment and decided by statistics.

The public API for writing claims::

    from claims import Claim, Kind, Source, Population, Uniform, SignTest

A ``Claim`` placed at module level in any file pytest collects becomes one test item; see
the README's section on how the suite works.
"""

from .decisions import Counterexample, SignTest, SlopeTest, SpearmanTest, WilcoxonTest, Witness
from .engine import ARTICLE_TOY, LinearRegression, OptimizerSpec, Problem, Trajectory
from .errors import (
    ClaimDefinitionError,
    ClaimsWarning,
    ConfigurationError,
    ExperimentError,
    ReproducibilityWarning,
)
from .lab import Lab
from .model import Claim, Kind, Source
from .population import Choice, Factor, Fixed, Integers, LogUniform, Population, Uniform
from .runner import claim_seed, run_claim
from .verdict import SCHEMA_VERSION, Environment, Evidence, Outcome, Verdict

__all__ = [
    "ARTICLE_TOY",
    "SCHEMA_VERSION",
    "Choice",
    "Claim",
    "ClaimDefinitionError",
    "ClaimsWarning",
    "ConfigurationError",
    "Counterexample",
    "Environment",
    "Evidence",
    "ExperimentError",
    "Factor",
    "Fixed",
    "Integers",
    "Kind",
    "Lab",
    "LinearRegression",
    "LogUniform",
    "OptimizerSpec",
    "Outcome",
    "Population",
    "Problem",
    "ReproducibilityWarning",
    "SignTest",
    "SlopeTest",
    "Source",
    "SpearmanTest",
    "Trajectory",
    "Uniform",
    "Verdict",
    "WilcoxonTest",
    "Witness",
    "claim_seed",
    "run_claim",
]
