"""Verdict records: what one claim's decision concluded, with everything needed to trust it.

A :class:`Verdict` is made once, by the decision rule that judged a claim, and never changed
afterwards. It is complete on its own: the numbers behind the decision, the declared test and
level, the population it speaks about, the environment it ran in and a command that reruns it.
Records travel as plain dictionaries (JSON), so that pytest-xdist workers can hand them to the
controller and reports can be rebuilt without training anything.
"""

from __future__ import annotations

import dataclasses
import enum
import math
import platform
import sys
from typing import Any

SCHEMA_VERSION = 1


class Outcome(str, enum.Enum):
    """The three answers a decision can give."""

    SUPPORTED = "supported"
    REFUTED = "refuted"
    INCONCLUSIVE = "inconclusive"


@dataclasses.dataclass(frozen=True)
class Environment:
    """Versions and machine facts that a result may depend on."""

    python: str
    torch: str
    numpy: str
    scipy: str
    hypothesis: str
    platform: str

    @classmethod
    def current(cls) -> Environment:
        import hypothesis
        import numpy
        import scipy
        import torch

        return cls(
            python=platform.python_version(),
            torch=str(torch.__version__),  # TorchVersion is a str subclass
            numpy=numpy.__version__,
            scipy=scipy.__version__,
            hypothesis=hypothesis.__version__,
            platform=f"{sys.platform}-{platform.machine()}",
        )


@dataclasses.dataclass(frozen=True)
class Evidence:
    """The numbers a decision rule produced, before the claim's identity is attached.

    ``statistic`` and ``pvalue`` belong to the declared test; ``effect`` is the declared effect
    measure, with ``interval`` its confidence interval at ``interval_level``. For searches
    (universal and existential claims) ``example`` holds the shrunk counterexample or witness
    in plain numbers. ``details`` holds anything else worth showing (counts, thresholds).
    ``regimes`` holds the evidence of each regime when the claim was tried on several; the
    fields above are then the overall decision.
    """

    outcome: Outcome
    reason: str
    test: str
    n: int
    alpha: float
    statistic: float | None = None
    pvalue: float | None = None
    effect_name: str | None = None
    effect: float | None = None
    interval: tuple[float, float] | None = None
    interval_level: float | None = None
    example: dict[str, Any] | None = None
    details: dict[str, Any] = dataclasses.field(default_factory=dict)
    regimes: dict[str, Evidence] = dataclasses.field(default_factory=dict)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Evidence:
        fields = dict(data)
        fields["outcome"] = Outcome(fields["outcome"])
        for key in ("statistic", "pvalue", "effect"):
            fields[key] = _float_or_none(fields.get(key))
        if fields.get("interval") is not None:
            fields["interval"] = tuple(_float_or_none(v) for v in fields["interval"])
        fields["regimes"] = {name: cls.from_dict(sub)
                             for name, sub in (fields.get("regimes") or {}).items()}
        return cls(**fields)


@dataclasses.dataclass(frozen=True)
class Verdict:
    """A claim's verdict, as recorded in reports and handed between processes."""

    claim_id: str
    nodeid: str
    statement: str
    source: str
    kind: str
    population: str
    definitions: dict[str, str]
    decision: str
    evidence: Evidence
    seed: int
    root_seed: int
    profile: str
    device: str
    dtype: str
    environment: Environment
    reproduce: str
    duration_s: float

    @property
    def outcome(self) -> Outcome:
        return self.evidence.outcome

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dictionary; non-finite floats become strings ("nan", "inf")."""
        return _jsonable(dataclasses.asdict(self))

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Verdict:
        fields = dict(data)
        fields["evidence"] = Evidence.from_dict(fields["evidence"])
        fields["environment"] = Environment(**fields["environment"])
        return cls(**fields)


def _jsonable(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, str):
        return str(value)  # plain str: subclasses do not cross process boundaries
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if hasattr(value, "item") and callable(value.item):  # numpy and torch scalars
        return _jsonable(value.item())
    if value is None or isinstance(value, (bool, int, float)):
        return value
    return repr(value)  # anything else a scenario may hold (a class, an object) as text


def _float_or_none(value: Any) -> float | None:
    return None if value is None else float(value)
