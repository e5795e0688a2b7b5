"""Running one claim: seeds, the trial its decision rule works through, and the verdict record."""

from __future__ import annotations

import dataclasses
import hashlib
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch

from .decisions.rules import as_flags
from .decisions.search import Found, search
from .errors import ExperimentError
from .lab import Lab
from .model import Claim, Kind
from .population import Regimes
from .profiles import Profile
from .verdict import Environment, Evidence, Outcome, Verdict

#: Scenarios trained in one engine call; larger samples are split (results do not change).
CHUNK = 4096


def claim_seed(root_seed: int, claim_id: str) -> int:
    """A claim's own seed: a stable hash of the run's root seed and the claim id.

    Every claim thus gets the same numbers whether it runs alone, in a full run, or on any
    pytest-xdist worker.
    """
    digest = hashlib.blake2b(f"{root_seed}:{claim_id}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") >> 1


@dataclasses.dataclass
class Trial:
    """What a decision rule may do with one claim: sample, measure, search, confirm."""

    claim: Claim
    population: Any  # a Population, one regime of a Regimes, or the pooled regimes
    lab: Lab
    seed: int
    profile: Profile
    root: Path
    label: str = ""
    memo: dict = dataclasses.field(default_factory=dict)

    def sample(self, n: int) -> list[dict[str, Any]]:
        """``n`` independent scenarios from the trial's population (same seed, same sample)."""
        return self.population.sample(n, np.random.default_rng(self.seed))

    def measure(self, scenarios: Sequence[Mapping[str, Any]], *,
                lab: Lab | None = None) -> dict[str, np.ndarray]:
        """Run the experiment on the scenarios, in chunks, and check what it returns."""
        lab = lab or self.lab
        keys = [(lab, _scenario_key(s)) for s in scenarios]
        todo = [s for s, key in zip(scenarios, keys, strict=True) if key not in self.memo]
        for i in range(0, len(todo), CHUNK):
            chunk = todo[i:i + CHUNK]
            measured = self._measure_chunk(chunk, lab)
            for j, scenario in enumerate(chunk):
                self.memo[(lab, _scenario_key(scenario))] = {k: v[j] for k, v in measured.items()}
        rows = [self.memo[key] for key in keys]
        return {name: np.asarray([row[name] for row in rows]) for name in rows[0]}

    def search(self, flag: str, *, negate: bool, score: str | None, examples: int,
               batch: int, shrink: bool = True) -> Found | None:
        """Hypothesis search for a scenario where ``flag`` is true (false when ``negate``)."""
        hit = f"not {flag}" if negate else flag

        def measure(scenarios):
            measured = self.measure(scenarios)
            flags = as_flags(self.claim.id, flag, measured[flag])
            measured[hit] = ~flags if negate else flags
            return measured

        settings = self.profile.search_settings(examples, shrink=shrink)
        found = search(self.population.strategy(), measure, hit=hit, score=score,
                       batch=batch, settings=settings, seed_value=self.seed)
        if found is not None and negate:
            found.measures.pop(hit, None)
        return found

    def found(self, scenario: Mapping[str, Any]) -> Found:
        measured = self.measure([scenario])
        return Found(dict(scenario), {k: v[0].item() for k, v in measured.items()})

    def confirm(self, scenario: Mapping[str, Any]) -> dict[str, Any]:
        """The experiment rerun on one scenario by the plain per-model loop."""
        measured = self.measure([scenario], lab=self.lab.as_reference())
        return {k: v[0] for k, v in measured.items()}

    def examples_tried(self, declared: int) -> int:
        return declared * self.profile.search_factor

    def _measure_chunk(self, scenarios, lab) -> dict[str, np.ndarray]:
        try:
            measured = self.claim.experiment(list(scenarios), lab)
        except ExperimentError:
            raise
        except Exception as error:
            raise ExperimentError(
                f"claim {self.claim.id}: its experiment raised {type(error).__name__}: {error}"
            ) from error
        return _check_measures(self.claim, measured, len(scenarios))


def _scenario_key(scenario: Mapping[str, Any]) -> tuple:
    # repr keeps unhashable factor values (lists) usable as keys; floats repr exactly
    return tuple(sorted((name, repr(value)) for name, value in scenario.items()))


@dataclasses.dataclass
class _Pooled:
    """The stratified sample of an equal-weight mixture: each regime's own sample, pooled."""

    trials: list[Trial]

    def sample(self, n: int, rng=None) -> list[dict[str, Any]]:
        return [s for trial in self.trials for s in trial.sample(n)]

    def strategy(self):
        raise NotImplementedError("searches run per regime, never on the pooled mixture")


def _check_measures(claim: Claim, measured, count: int) -> dict[str, np.ndarray]:
    if not isinstance(measured, Mapping):
        raise ExperimentError(f"claim {claim.id}: the experiment returned "
                              f"{type(measured).__name__}; return a dict of measure -> values")
    missing = [m for m in claim.decision.measures() if m not in measured]
    if missing:
        raise ExperimentError(
            f"claim {claim.id}: the experiment returned measures {sorted(measured)} but its "
            f"decision reads {missing}; return an entry for each"
        )
    arrays = {}
    for name, values in measured.items():
        array = values.detach().cpu().numpy() if torch.is_tensor(values) else np.asarray(values)
        if array.dtype.kind not in "biuf":
            raise ExperimentError(
                f"claim {claim.id}: measure {name!r} holds {array.dtype} values such as "
                f"{array.ravel()[:3].tolist()}; measures must be numbers or booleans, one per "
                "scenario (NaN where undefined)")
        if array.shape != (count,):
            raise ExperimentError(
                f"claim {claim.id}: measure {name!r} has shape {array.shape}; it must hold "
                f"one value per scenario, shape ({count},)"
            )
        arrays[name] = array
    return arrays


def run_claim(claim: Claim, *, root_seed: int, profile: Profile, device: str = "cpu",
              nodeid: str | None = None, root: Path | None = None,
              reproduce: str | None = None, reference: bool = False,
              foreach: bool | None = None) -> Verdict:
    """Decide one claim and return its complete verdict record.

    ``reference=True`` runs every experiment with the plain per-model loop instead of the
    batched engine, and ``foreach`` forces torch.optim's multi-tensor (True) or per-tensor
    (False) kernels: both exist to show that verdicts do not depend on the code path.
    """
    started = time.perf_counter()
    seed = claim_seed(root_seed, claim.id)
    lab = Lab(device=device, dtype=claim.dtype, reference=reference, foreach=foreach)
    root = Path(root or Path.cwd())
    if isinstance(claim.population, Regimes):
        evidence = _decide_regimes(claim, lab, root_seed, seed, profile, root)
    else:
        evidence = claim.decision.decide(Trial(claim, claim.population, lab, seed, profile, root))
    nodeid = nodeid or claim.id

    return Verdict(
        claim_id=claim.id, nodeid=nodeid, statement=claim.statement,
        source=claim.source.locator(), kind=claim.kind.value,
        population=claim.population.describe(), definitions=dict(claim.definitions),
        evidence=evidence, decision=_decision_text(claim), seed=seed,
        root_seed=root_seed, profile=profile.name, device=device, dtype=claim.dtype,
        environment=Environment.current(),
        reproduce=reproduce or f"pytest '{nodeid}' --claims-seed={root_seed} "
                               f"--claims-profile={profile.name} --claims-no-report "
                               "--claims-no-cache",
        duration_s=time.perf_counter() - started,
    )


def _decision_text(claim: Claim) -> str:
    text = claim.describe_decision()
    if isinstance(claim.population, Regimes):
        text += (f"; n is per regime ({len(claim.population.members)} regimes), and the "
                 "overall test pools the regimes' samples")
    return text


def _decide_regimes(claim, lab, root_seed, seed, profile, root) -> Evidence:
    """Per-regime evidence, then the overall verdict by the rule of the claim's kind."""
    regimes = claim.population
    memo: dict = {}
    trials = [Trial(claim, regimes.member(name), lab, claim_seed(root_seed, f"{claim.id}/{name}"),
                    profile, root, label=name, memo=memo) for name in regimes.members]
    per_regime = {t.label: claim.decision.decide(t) for t in trials}

    if claim.kind in (Kind.TENDENCY, Kind.QUANTITATIVE):
        # the pooled per-regime samples are a stratified sample of the equal-weight mixture;
        # their measurements are already in the memo
        pooled = Trial(claim, _Pooled(trials), lab, seed, profile, root, label="mixture",
                       memo=memo)
        overall = claim.decision.decide(pooled)
        reason = f"over the declared mixture: {overall.reason}. {_regime_summary(per_regime)}"
    else:
        overall, reason = _combine_searches(claim.kind, per_regime)
    return dataclasses.replace(overall, reason=reason, regimes=per_regime)


def _combine_searches(kind: Kind, per_regime: dict[str, Evidence]) -> tuple[Evidence, str]:
    """Universal: one refuted regime refutes. Existential: one supported regime supports."""
    decisive = Outcome.REFUTED if kind is Kind.UNIVERSAL else Outcome.SUPPORTED
    summary = _regime_summary(per_regime)
    for name, evidence in per_regime.items():
        if evidence.outcome is decisive:
            return evidence, f"decided by regime '{name}': {evidence.reason}. {summary}"
    first = next(iter(per_regime.values()))
    if kind is Kind.UNIVERSAL and all(e.outcome is Outcome.SUPPORTED
                                      for e in per_regime.values()):
        return first, f"no counterexample in any regime. {summary}"
    undecided = next((e for e in per_regime.values() if e.outcome is Outcome.INCONCLUSIVE), first)
    overall = dataclasses.replace(undecided, outcome=Outcome.INCONCLUSIVE)
    return overall, f"no regime is decisive. {summary}"


def _regime_summary(per_regime: dict[str, Evidence]) -> str:
    groups = {outcome: [n for n, e in per_regime.items() if e.outcome is outcome]
              for outcome in Outcome}
    parts = [f"{outcome.value} in {', '.join(names)}" for outcome, names in groups.items()
             if names]
    return "Per regime: " + "; ".join(parts) + "."
