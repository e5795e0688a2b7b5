"""The claim model: one checkable statement, its experiment and its pre-declared decision.

A claim is data. Writing ``MY_CLAIM = Claim(...)`` at module level in any file pytest
collects makes it a test item named by its id; nothing trains at import time.
"""

from __future__ import annotations

import dataclasses
import enum
import inspect
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from .errors import ClaimDefinitionError
from .lab import DTYPES
from .population import Population, Regimes

_ID = re.compile(r"^[A-Za-z][A-Za-z0-9_.-]{0,39}$")


class Kind(str, enum.Enum):
    """The logical form of a claim, which fixes how it can be decided."""

    UNIVERSAL = "universal"        # "always", "exactly": one confirmed counterexample refutes
    EXISTENTIAL = "existential"    # "can", "may", "not necessarily": one confirmed witness supports
    TENDENCY = "tendency"          # "generally", "tends to": a test over a sampled population
    QUANTITATIVE = "quantitative"  # "proportional", "scales as": an estimated relation


@dataclasses.dataclass(frozen=True)
class Source:
    """Where a claim stands in its source text: a section and a paragraph within it."""

    section: str
    paragraph: int
    text: str = "source"

    def __post_init__(self):
        if not self.section.strip() or self.paragraph < 1:
            raise ClaimDefinitionError(
                f"Source(section={self.section!r}, paragraph={self.paragraph!r}) is not a "
                "locator; give the section heading and a paragraph number counted from 1"
            )

    def locator(self) -> str:
        return f"{self.text}, {self.section}, paragraph {self.paragraph}"


Experiment = Callable[[Sequence[Mapping[str, Any]], Any], Mapping[str, Any]]


@dataclasses.dataclass(frozen=True)
class Claim:
    """A statement in our own words, where it stands, and how it will be put to the test.

    ``experiment(scenarios, lab)`` returns, for each measure it names, one value per
    scenario. ``decision`` (from :mod:`claims.decisions`) is declared here, before anything
    runs: its test, level, sample size and thresholds are part of the claim.
    ``definitions`` says how each vague word of the statement is measured.
    """

    id: str
    statement: str
    source: Source
    kind: Kind
    population: Population | Regimes
    experiment: Experiment
    decision: Any
    definitions: Mapping[str, str] = dataclasses.field(default_factory=dict)
    dtype: str = "float32"
    module: str = dataclasses.field(default="", compare=False)

    def __post_init__(self):
        _validate(self)
        if not self.module:
            object.__setattr__(self, "module", _defining_module())

    def describe_decision(self) -> str:
        return self.decision.describe()


def _defining_module() -> str:
    """The module whose top-level code created the claim (directly or through a helper); the
    pytest plugin collects a claim only there, so importing a claim elsewhere (a test,
    another catalog file) does not run it twice."""
    frame = inspect.currentframe()
    while frame is not None and frame.f_code.co_name != "<module>":
        frame = frame.f_back  # past helpers that build claims, to the module being executed
    return frame.f_globals.get("__name__", "") if frame is not None else ""


def _validate(claim: Claim) -> None:
    if not isinstance(claim.id, str) or not _ID.match(claim.id):
        raise ClaimDefinitionError(
            f"claim id {claim.id!r} must start with a letter and use at most 40 letters, "
            "digits, '_', '.' or '-'; e.g. 'E1a'"
        )
    if not isinstance(claim.statement, str) or not claim.statement.strip():
        raise ClaimDefinitionError(f"claim {claim.id}: statement is empty; "
                                   "state the claim in a sentence of your own words")
    if not isinstance(claim.kind, Kind):
        raise ClaimDefinitionError(f"claim {claim.id}: kind={claim.kind!r} is not a Kind; "
                                   f"use one of {[k.name for k in Kind]}")
    if not isinstance(claim.population, (Population, Regimes)):
        raise ClaimDefinitionError(f"claim {claim.id}: population must be a Population or "
                                   f"Regimes, not {type(claim.population).__name__}")
    if not callable(claim.experiment):
        raise ClaimDefinitionError(f"claim {claim.id}: experiment={claim.experiment!r} is not "
                                   "callable; pass a function (scenarios, lab) -> measures")
    kinds = getattr(claim.decision, "kinds", ())
    if claim.kind not in kinds:
        allowed = ", ".join(k.value for k in kinds) or "none"
        raise ClaimDefinitionError(
            f"claim {claim.id}: a {type(claim.decision).__name__} decides {allowed} claims, "
            f"not {claim.kind.value} ones; pick a decision rule made for that kind"
        )
    if claim.dtype not in DTYPES:
        raise ClaimDefinitionError(f"claim {claim.id}: dtype={claim.dtype!r} is not supported; "
                                   f"use one of {sorted(DTYPES)}")
