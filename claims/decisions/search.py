"""Hypothesis searches for a scenario with a property: a counterexample or a witness.

Hypothesis draws a *batch* of scenarios per example and the engine trains them together; the
example fails when any scenario in it has the property. Shrinking then removes scenarios and
simplifies values until a minimal batch remains, whose first hit is the reported scenario.
Because a scenario's numbers do not depend on its batch neighbours (see :mod:`claims.lab`),
what shrinking keeps is a scenario that has the property on its own.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
from hypothesis import given, seed, target
from hypothesis import settings as Settings
from hypothesis import strategies as st

from ..errors import ExperimentError


@dataclasses.dataclass(frozen=True)
class Found:
    """The minimal scenario the search kept, with everything measured on it."""

    scenario: dict[str, Any]
    measures: dict[str, Any]


class _Hit(Exception):
    """Raised inside the Hypothesis test to mark an example that has the property."""


def search(strategy: st.SearchStrategy, measure: Callable[[list], Mapping[str, np.ndarray]],
           *, hit: str, score: str | None, batch: int, settings: Settings,
           seed_value: int) -> Found | None:
    """Search for a scenario whose measure ``hit`` is true; ``None`` if the budget runs out.

    ``score`` names a measure Hypothesis should maximise on the way (``hypothesis.target``):
    larger means closer to a hit. An exception raised by ``measure`` is shrunk like a hit and
    then re-raised as :class:`ExperimentError`, naming the minimal scenario that causes it.
    """
    kept: list[Found] = []
    crashed: list[list] = []

    @settings
    @given(st.lists(strategy, min_size=1, max_size=batch))
    def probe(scenarios):
        try:
            measures = measure(scenarios)
        except Exception:
            crashed[:] = [list(scenarios)]
            raise
        hits = np.asarray(measures[hit], dtype=bool)
        if score is not None:
            _aim(np.asarray(measures[score], dtype=float), score)
        if hits.any():
            index = int(np.argmax(hits))
            kept[:] = [Found(dict(scenarios[index]),
                             {k: _plain(v[index]) for k, v in measures.items()})]
            raise _Hit

    try:
        seed(seed_value)(probe)()
    except _Hit:
        return kept[-1]
    except Exception as error:  # shrunk by Hypothesis to a minimal failing batch
        scenarios = crashed[-1] if crashed else "unknown"
        raise ExperimentError(f"the experiment raised {type(error).__name__}: {error} "
                              f"(minimal scenarios: {scenarios})") from error
    return None


def _aim(scores: np.ndarray, name: str) -> None:
    finite = scores[np.isfinite(scores)]
    if finite.size:
        target(float(finite.max()), label=name)


def _plain(value: Any) -> Any:
    value = value.item() if hasattr(value, "item") else value
    if isinstance(value, float) and math.isnan(value):
        return "nan"
    return value
