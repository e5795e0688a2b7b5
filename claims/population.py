"""Populations of scenarios: what a verdict speaks about, usable both for sampling and for search.

A :class:`Population` names its factors (initial weights, learning rate, data seed, ...) and
gives each a distribution. The same declaration serves two purposes:

- :meth:`Population.sample` draws independent scenarios from the stated distributions with a
  seeded NumPy generator. Statistical decisions use these samples, because their p-values and
  intervals need a sample whose distribution is known.
- :meth:`Population.strategy` is a Hypothesis strategy over the same ranges. Searches for a
  counterexample or a witness use it: Hypothesis leans on edges and simple values on purpose
  and shrinks what it finds, which helps a search but would bias an estimate.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from hypothesis import strategies as st

Scenario = Mapping[str, Any]


class Factor:
    """One varied quantity: a distribution to sample and a range to search."""

    def sample(self, rng: np.random.Generator, n: int) -> list:
        raise NotImplementedError

    def strategy(self) -> st.SearchStrategy:
        raise NotImplementedError

    def describe(self) -> str:
        raise NotImplementedError


@dataclasses.dataclass(frozen=True)
class Uniform(Factor):
    """A real number uniform on ``[low, high]``."""

    low: float
    high: float

    def __post_init__(self):
        _check_range(self, self.low, self.high)

    def sample(self, rng, n):
        return rng.uniform(self.low, self.high, size=n).tolist()

    def strategy(self):
        return st.floats(self.low, self.high, allow_nan=False, allow_infinity=False)

    def describe(self):
        return f"uniform on [{self.low:g}, {self.high:g}]"


@dataclasses.dataclass(frozen=True)
class LogUniform(Factor):
    """A positive real number whose logarithm is uniform: the usual prior for a learning rate."""

    low: float
    high: float

    def __post_init__(self):
        _check_range(self, self.low, self.high)
        if self.low <= 0:
            raise ValueError(f"LogUniform low={self.low!r} must be > 0; "
                             "a log scale has no zero: pass e.g. low=1e-4")

    def sample(self, rng, n):
        draws = np.exp(rng.uniform(math.log(self.low), math.log(self.high), size=n))
        return np.clip(draws, self.low, self.high).tolist()  # exp(log(x)) can miss x by an ulp

    def strategy(self):
        low, high = math.log(self.low), math.log(self.high)
        exponent = st.floats(low, high, allow_nan=False, allow_infinity=False)
        return exponent.map(lambda e: min(max(math.exp(e), self.low), self.high))

    def describe(self):
        return f"log-uniform on [{self.low:g}, {self.high:g}]"


@dataclasses.dataclass(frozen=True)
class Integers(Factor):
    """An integer uniform on ``[low, high]`` (both included); seeds are drawn this way."""

    low: int
    high: int

    def __post_init__(self):
        _check_range(self, self.low, self.high)

    def sample(self, rng, n):
        return rng.integers(self.low, self.high, size=n, endpoint=True).tolist()

    def strategy(self):
        return st.integers(self.low, self.high)

    def describe(self):
        return f"integer uniform on [{self.low}, {self.high}]"


@dataclasses.dataclass(frozen=True)
class Choice(Factor):
    """One of a few values, equally likely."""

    values: tuple

    def __post_init__(self):
        if not self.values:
            raise ValueError("Choice(values=()) has nothing to choose; pass at least one value")

    def sample(self, rng, n):
        return [self.values[i] for i in rng.integers(0, len(self.values), size=n)]

    def strategy(self):
        return st.sampled_from(self.values)

    def describe(self):
        return "one of " + ", ".join(map(repr, self.values))


@dataclasses.dataclass(frozen=True)
class Fixed(Factor):
    """A value the population does not vary."""

    value: Any

    def sample(self, rng, n):
        return [self.value] * n

    def strategy(self):
        return st.just(self.value)

    def describe(self):
        return f"fixed at {self.value!r}"


@dataclasses.dataclass(frozen=True)
class Population:
    """The problems a claim's verdict is about: a sentence for people and a factor per quantity."""

    description: str
    factors: Mapping[str, Factor]

    def __post_init__(self):
        if not self.description.strip():
            raise ValueError("Population description is empty; say in a sentence which "
                             "problems the verdict speaks about")
        for name, factor in self.factors.items():
            if not isinstance(factor, Factor):
                raise TypeError(
                    f"factor {name!r}={factor!r} is not a Factor; wrap constants in Fixed(...) "
                    "and ranges in Uniform, LogUniform, Integers or Choice"
                )

    def sample(self, n: int, rng: np.random.Generator) -> list[dict[str, Any]]:
        """``n`` independent scenarios; factors are drawn in name order for stable seeds."""
        columns = {name: self.factors[name].sample(rng, n) for name in sorted(self.factors)}
        return [{name: columns[name][i] for name in self.factors} for i in range(n)]

    def strategy(self) -> st.SearchStrategy:
        return st.fixed_dictionaries({k: f.strategy() for k, f in self.factors.items()})

    def describe(self) -> str:
        parts = [f"{name}: {factor.describe()}" for name, factor in self.factors.items()]
        return f"{self.description} ({'; '.join(parts)})"


@dataclasses.dataclass(frozen=True)
class Regimes:
    """Several populations ("regimes") that a general claim is tried on.

    A claim over regimes gets a verdict per regime and an overall one (see
    :func:`claims.runner.run_claim`). Tendencies and quantitative claims are judged overall on
    the equal-weight mixture of the regimes, sampled by strata: the same number of scenarios
    from each regime. Every scenario carries its regime name under the key ``"regime"``.
    """

    description: str
    members: Mapping[str, Population]

    def __post_init__(self):
        if not self.members:
            raise ValueError("Regimes(members={}) is empty; give at least one named Population")
        for name, member in self.members.items():
            if not isinstance(member, Population):
                raise TypeError(f"regime {name!r} is {type(member).__name__}, not a Population")

    def member(self, name: str) -> Population:
        """One regime as a population whose scenarios also carry their regime name."""
        population = self.members[name]
        return Population(population.description,
                          {"regime": Fixed(name), **population.factors})

    def describe(self) -> str:
        parts = [f"[{name}] {self.members[name].describe()}" for name in self.members]
        return f"{self.description}; equal-weight mixture of: " + " | ".join(parts)


def scenario_columns(scenarios: Sequence[Scenario]) -> dict[str, list]:
    """Turn a list of scenarios into one list per factor, for batched experiments."""
    if not scenarios:
        return {}
    return {name: [s[name] for s in scenarios] for name in scenarios[0]}


def _check_range(factor, low, high):
    if not (math.isfinite(low) and math.isfinite(high) and low <= high):
        raise ValueError(
            f"{type(factor).__name__}(low={low!r}, high={high!r}) needs finite bounds with "
            "low <= high; swap or correct them"
        )
