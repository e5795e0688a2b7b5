"""Decision rules: one per kind of claim, declared in the claim before anything runs.

A rule names the measures it reads, its level ``alpha`` and its sample size ``n``. At run time
it receives a *trial* (:class:`claims.runner.Trial`), which draws scenarios, runs the claim's
experiment and searches; the rule turns what comes back into :class:`Evidence`.

- universal claims: :class:`Counterexample` searches with Hypothesis, then samples ``n``
  scenarios; a counterexample confirmed by the plain per-model loop refutes, none supports
  with a bound on how often one could occur.
- existential claims: :class:`Witness` searches likewise; a confirmed witness supports, no
  witness leaves the claim inconclusive (absence is never proof).
- tendencies: :class:`SignTest` (share of scenarios where the claim holds) or
  :class:`WilcoxonTest` (paired differences).
- quantitative claims: :class:`SlopeTest` (equivalence of a regression slope) or
  :class:`SpearmanTest` (monotone association).
"""

from __future__ import annotations

import dataclasses
import math
from typing import ClassVar

import numpy as np

from ..errors import ClaimDefinitionError, ExperimentError
from ..model import Kind
from ..verdict import Evidence, Outcome
from . import power, statistics


@dataclasses.dataclass(frozen=True)
class _Rule:
    n: int
    alpha: float

    kinds: ClassVar[tuple[Kind, ...]] = ()

    def __post_init__(self):
        if not (isinstance(self.n, int) and self.n >= 1):
            raise ClaimDefinitionError(f"{type(self).__name__}: n={self.n!r} must be an "
                                       "integer >= 1; declare the sample size from a power "
                                       "calculation")
        if not (0 < self.alpha < 0.5):
            raise ClaimDefinitionError(f"{type(self).__name__}: alpha={self.alpha!r} must be "
                                       "in (0, 0.5); the usual choice is 0.01 or 0.05")
        policy = getattr(self, "nan_policy", None)
        if policy is not None and policy not in statistics.NAN_POLICIES:
            raise ClaimDefinitionError(
                f"{type(self).__name__}: nan_policy={policy!r} is not one of "
                f"{statistics.NAN_POLICIES}; declare how undefined measurements count")

    def measures(self) -> tuple[str, ...]:
        """Names of the experiment's measures this rule reads."""
        raise NotImplementedError

    def describe(self) -> str:
        raise NotImplementedError

    def decide(self, trial) -> Evidence:
        raise NotImplementedError


@dataclasses.dataclass(frozen=True)
class SignTest(_Rule):
    """The claim holds in more than ``proportion`` of scenarios (exact binomial test).

    ``detect`` is the smallest true share the claim must be able to establish: the declared
    ``n`` must give the test power >= 0.8 there, or the claim is rejected before it runs.
    """

    holds: str = "holds"
    proportion: float = 0.5
    detect: float = 0.62
    nan_policy: str = "inconclusive"

    kinds: ClassVar = (Kind.TENDENCY,)

    def __post_init__(self):
        super().__post_init__()
        if not 0 < self.proportion < self.detect < 1:
            raise ClaimDefinitionError(
                f"SignTest: need 0 < proportion < detect < 1, got proportion="
                f"{self.proportion!r}, detect={self.detect!r}; detect is the smallest share "
                "above proportion that the test must find")
        achieved = power.sign_test_power(self.n, self.proportion, self.detect, self.alpha)
        if achieved < power.REQUIRED_POWER:
            needed = power.sign_test_sample_size(self.proportion, self.detect, self.alpha)
            raise ClaimDefinitionError(
                f"SignTest: n={self.n} gives power {achieved:.2f} < {power.REQUIRED_POWER} to "
                f"detect a share of {self.detect:g} at alpha={self.alpha:g}; use n >= {needed}")

    def measures(self):
        return (self.holds,)

    def describe(self):
        achieved = power.sign_test_power(self.n, self.proportion, self.detect, self.alpha)
        return (f"exact binomial test that '{self.holds}' is true in more than "
                f"{self.proportion:g} of {self.n} sampled scenarios, alpha={self.alpha:g} "
                f"(power {achieved:.2f} at a true share of {self.detect:g})")

    def decide(self, trial):
        values = trial.measure(trial.sample(self.n))[self.holds]
        try:
            evidence = statistics.sign_test(values, proportion=self.proportion,
                                            alpha=self.alpha, nan_policy=self.nan_policy)
        except ValueError as error:
            raise ExperimentError(f"claim {trial.claim.id}: measure {self.holds!r}: {error}") \
                from None
        achieved = power.sign_test_power(evidence.n, self.proportion, self.detect, self.alpha) \
            if evidence.n else 0.0
        return _with_power(evidence, achieved, f"share {self.detect:g}")


def _require_power(rule, achieved: float, effect: str) -> None:
    if achieved < power.REQUIRED_POWER:
        raise ClaimDefinitionError(
            f"{type(rule).__name__}: n={rule.n} gives power {achieved:.2f} < "
            f"{power.REQUIRED_POWER} at {effect} of {rule.detect:g} (alpha={rule.alpha:g}); "
            "declare a larger n, or a larger detect if smaller effects do not matter")


def _with_power(evidence: Evidence, achieved: float, effect: str) -> Evidence:
    """Record the power at the declared effect for the sample actually tested (after
    omissions); an undecided verdict on an underpowered sample says so."""
    if evidence.n == 0:
        return evidence
    details = {**evidence.details, f"power at {effect}": achieved}
    reason = evidence.reason
    if evidence.outcome is Outcome.INCONCLUSIVE and achieved < power.REQUIRED_POWER:
        reason += (f"; with {evidence.n} defined scenarios the test had power only "
                   f"{achieved:.2f} (< {power.REQUIRED_POWER}) at {effect}")
    return dataclasses.replace(evidence, reason=reason, details=details)


@dataclasses.dataclass(frozen=True)
class WilcoxonTest(_Rule):
    """Paired differences tend to exceed ``shift`` (Wilcoxon signed-rank test)."""

    difference: str = "difference"
    shift: float = 0.0
    detect: float = 0.5
    nan_policy: str = "inconclusive"

    kinds: ClassVar = (Kind.TENDENCY, Kind.QUANTITATIVE)

    def __post_init__(self):
        super().__post_init__()
        _require_power(self, power.wilcoxon_power(self.n, self.detect, self.alpha),
                       "a standardised shift")

    def measures(self):
        return (self.difference,)

    def describe(self):
        achieved = power.wilcoxon_power(self.n, self.detect, self.alpha)
        return (f"Wilcoxon signed-rank test that '{self.difference}' exceeds {self.shift:g}, "
                f"{self.n} sampled scenarios, alpha={self.alpha:g} (power about "
                f"{achieved:.2f} at a standardised shift of {self.detect:g})")

    def decide(self, trial):
        values = trial.measure(trial.sample(self.n))[self.difference]
        evidence = statistics.wilcoxon_test(values, shift=self.shift, alpha=self.alpha,
                                            nan_policy=self.nan_policy)
        return _with_power(evidence, power.wilcoxon_power(evidence.n, self.detect, self.alpha),
                           f"a standardised shift of {self.detect:g}")


@dataclasses.dataclass(frozen=True)
class SlopeTest(_Rule):
    """The slope of ``y`` on ``x`` equals ``slope`` within ``margin`` (TOST on the slope)."""

    x: str = "x"
    y: str = "y"
    slope: float = 1.0
    margin: float = 0.01
    nan_policy: str = "inconclusive"

    kinds: ClassVar = (Kind.QUANTITATIVE,)

    def __post_init__(self):
        super().__post_init__()
        if not self.margin > 0:
            raise ClaimDefinitionError(f"SlopeTest: margin={self.margin!r} must be > 0; an "
                                       "equivalence test needs a band wider than rounding noise")

    def measures(self):
        return (self.x, self.y)

    def describe(self):
        return (f"least-squares slope of '{self.y}' on '{self.x}' within {self.slope:g} +/- "
                f"{self.margin:g} (two one-sided t-tests), {self.n} sampled scenarios, "
                f"alpha={self.alpha:g}")

    def decide(self, trial):
        measured = trial.measure(trial.sample(self.n))
        return statistics.slope_test(measured[self.x], measured[self.y], slope=self.slope,
                                     margin=self.margin, alpha=self.alpha,
                                     nan_policy=self.nan_policy)


@dataclasses.dataclass(frozen=True)
class SpearmanTest(_Rule):
    """``y`` tends to increase with ``x`` (Spearman rank correlation > 0)."""

    x: str = "x"
    y: str = "y"
    detect: float = 0.3
    nan_policy: str = "inconclusive"

    kinds: ClassVar = (Kind.TENDENCY, Kind.QUANTITATIVE)

    def __post_init__(self):
        super().__post_init__()
        _require_power(self, power.spearman_power(self.n, self.detect, self.alpha), "a rho")

    def measures(self):
        return (self.x, self.y)

    def describe(self):
        achieved = power.spearman_power(self.n, self.detect, self.alpha)
        return (f"Spearman rank correlation of '{self.y}' with '{self.x}' > 0, {self.n} "
                f"sampled scenarios, alpha={self.alpha:g} (power about {achieved:.2f} at "
                f"rho = {self.detect:g})")

    def decide(self, trial):
        measured = trial.measure(trial.sample(self.n))
        evidence = statistics.spearman_test(measured[self.x], measured[self.y],
                                            alpha=self.alpha, nan_policy=self.nan_policy)
        return _with_power(evidence, power.spearman_power(evidence.n, self.detect, self.alpha),
                           f"rho = {self.detect:g}")


@dataclasses.dataclass(frozen=True)
class _Search(_Rule):
    examples: int = 100
    batch: int = 16
    score: str | None = None
    shrink: bool = True

    def __post_init__(self):
        super().__post_init__()
        for name in ("examples", "batch"):
            value = getattr(self, name)
            if not (isinstance(value, int) and value >= 1):
                raise ClaimDefinitionError(f"{type(self).__name__}: {name}={value!r} must be "
                                           "an integer >= 1")

    def _search_and_sample(self, trial, flag: str, *, negate: bool):
        found = trial.search(flag, negate=negate, score=self.score,
                             examples=self.examples, batch=self.batch, shrink=self.shrink)
        scenarios = trial.sample(self.n)
        sampled = as_flags(trial.claim.id, flag, trial.measure(scenarios)[flag])
        hits = ~sampled if negate else sampled
        if found is None and hits.any():
            found = trial.found(scenarios[int(np.argmax(hits))])
        return found, int(hits.sum())

    def _nothing_found(self, trial, test, outcome, what, effect_name, note) -> Evidence:
        """Neither the search nor the sample found one: a bound on how rare it must be."""
        bound = statistics.zero_rate_bound(self.n, self.alpha)
        return Evidence(
            outcome=outcome, test=test, n=self.n, alpha=self.alpha,
            reason=f"no {what} in up to {trial.examples_tried(self.examples)} searched "
                   f"examples nor in {self.n} sampled scenarios; {effect_name} < {bound:.3g} "
                   f"at confidence {1 - self.alpha:g}{note}",
            statistic=0.0, effect_name=effect_name, effect=0.0,
            interval=(0.0, bound), interval_level=1 - self.alpha)


@dataclasses.dataclass(frozen=True)
class Counterexample(_Search):
    """A universal claim: every scenario satisfies ``holds``.

    "Supported" states that violations are rarer than ``bound`` (at confidence 1 - alpha);
    ``n`` must be large enough for the sample to say that, or the claim is rejected.
    """

    holds: str = "holds"
    bound: float = 0.05

    kinds: ClassVar = (Kind.UNIVERSAL,)

    def __post_init__(self):
        super().__post_init__()
        if not 0 < self.bound < 1:
            raise ClaimDefinitionError(f"Counterexample: bound={self.bound!r} must be in (0, 1)")
        reached = statistics.zero_rate_bound(self.n, self.alpha)
        if reached > self.bound:
            needed = math.ceil(math.log(self.alpha) / math.log(1 - self.bound))
            raise ClaimDefinitionError(
                f"Counterexample: n={self.n} can only bound the violation rate by "
                f"{reached:.3g} > bound={self.bound:g} at alpha={self.alpha:g}; use n >= "
                f"{needed} or declare a larger bound")

    def measures(self):
        return (self.holds,) + ((self.score,) if self.score else ())

    def describe(self):
        return (f"Hypothesis search for a scenario where '{self.holds}' fails "
                f"({self.examples} examples of up to {self.batch} scenarios), then {self.n} "
                f"sampled scenarios; a counterexample must be confirmed by the plain loop")

    def decide(self, trial):
        test = "counterexample search (Hypothesis) and random sample"
        found, violations = self._search_and_sample(trial, self.holds, negate=True)
        if found is None:
            return self._nothing_found(trial, test, Outcome.SUPPORTED, "counterexample",
                                       "violation rate", "")
        return _judge_example(trial, found, self.holds, expect=False, test=test, rule=self,
                              count=violations, outcome=Outcome.REFUTED, what="counterexample")


@dataclasses.dataclass(frozen=True)
class Witness(_Search):
    """An existential claim: some scenario satisfies ``witness``."""

    witness: str = "witness"

    kinds: ClassVar = (Kind.EXISTENTIAL,)

    def measures(self):
        return (self.witness,) + ((self.score,) if self.score else ())

    def describe(self):
        return (f"Hypothesis search for a scenario where '{self.witness}' holds "
                f"({self.examples} examples of up to {self.batch} scenarios), and {self.n} "
                f"sampled scenarios; a witness must be confirmed by the plain loop")

    def decide(self, trial):
        test = "witness search (Hypothesis) and random sample"
        found, witnesses = self._search_and_sample(trial, self.witness, negate=False)
        if found is None:
            return self._nothing_found(trial, test, Outcome.INCONCLUSIVE, "witness",
                                       "witness rate",
                                       "; absence of a witness does not refute a 'can'")
        return _judge_example(trial, found, self.witness, expect=True, test=test, rule=self,
                              count=witnesses, outcome=Outcome.SUPPORTED, what="witness")


def as_flags(claim_id: str, name: str, values) -> np.ndarray:
    """A search measure as booleans; NaN or other numbers are an error, not a silent True."""
    array = np.asarray(values)
    if array.dtype != bool and not np.isin(array, (0, 1)).all():
        raise ExperimentError(
            f"claim {claim_id}: measure {name!r} must be true/false for every scenario, got "
            f"{array[~np.isin(array, (0, 1))][:3].tolist()}; decide what an undefined or "
            "diverged run means for it")
    return array.astype(bool)


def _judge_example(trial, found, flag, *, expect, test, rule, count, outcome, what):
    """Confirm a found scenario with the plain per-model loop before a verdict rests on it."""
    confirmed = trial.confirm(found.scenario)
    rate = count / rule.n
    interval = statistics.proportion_interval(count, rule.n, 1 - 2 * rule.alpha)
    example = {**found.scenario, **{f"measured: {k}": v for k, v in found.measures.items()}}
    if bool(confirmed[flag]) != expect:
        return Evidence(
            outcome=Outcome.INCONCLUSIVE, test=test, n=rule.n, alpha=rule.alpha,
            reason=f"the batched engine found a {what} that the plain per-model loop does not "
                   "reproduce; this is an engine bug to report, not a verdict",
            example=example)
    return Evidence(
        outcome=outcome, test=test, n=rule.n, alpha=rule.alpha,
        reason=f"{what} found and confirmed by the plain per-model loop; it occurs in "
               f"{count} of {rule.n} sampled scenarios",
        statistic=float(count), effect_name=f"{what} rate", effect=rate, interval=interval,
        interval_level=1 - 2 * rule.alpha, example=example)
