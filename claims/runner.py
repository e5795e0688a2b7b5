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

from .decisions.search import Found, search
from .errors import ExperimentError
from .lab import Lab
from .model import Claim
from .profiles import Profile
from .verdict import Environment, Verdict

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
    lab: Lab
    seed: int
    profile: Profile
    root: Path

    def sample(self, n: int) -> list[dict[str, Any]]:
        """``n`` independent scenarios from the claim's population (same seed, same sample)."""
        return self.claim.population.sample(n, np.random.default_rng(self.seed))

    def measure(self, scenarios: Sequence[Mapping[str, Any]], *,
                lab: Lab | None = None) -> dict[str, np.ndarray]:
        """Run the experiment on the scenarios, in chunks, and check what it returns."""
        lab = lab or self.lab
        parts = [self._measure_chunk(scenarios[i:i + CHUNK], lab)
                 for i in range(0, len(scenarios), CHUNK)]
        return {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}

    def search(self, flag: str, *, negate: bool, score: str | None, examples: int,
               batch: int) -> Found | None:
        """Hypothesis search for a scenario where ``flag`` is true (false when ``negate``)."""
        hit = f"not {flag}" if negate else flag

        def measure(scenarios):
            measured = self.measure(scenarios)
            if negate:
                measured[hit] = ~measured[flag].astype(bool)
            return measured

        settings = self.profile.search_settings(examples, self.claim.id, self.root)
        found = search(self.claim.population.strategy(), measure, hit=hit, score=score,
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
        if array.shape != (count,):
            raise ExperimentError(
                f"claim {claim.id}: measure {name!r} has shape {array.shape}; it must hold "
                f"one value per scenario, shape ({count},)"
            )
        arrays[name] = array
    return arrays


def run_claim(claim: Claim, *, root_seed: int, profile: Profile, device: str = "cpu",
              nodeid: str | None = None, root: Path | None = None,
              reproduce: str | None = None) -> Verdict:
    """Decide one claim and return its complete verdict record."""
    started = time.perf_counter()
    seed = claim_seed(root_seed, claim.id)
    lab = Lab(device=device, dtype=claim.dtype)
    trial = Trial(claim, lab, seed, profile, Path(root or Path.cwd()))
    evidence = claim.decision.decide(trial)
    nodeid = nodeid or claim.id

    return Verdict(
        claim_id=claim.id, nodeid=nodeid, statement=claim.statement,
        source=claim.source.locator(), kind=claim.kind.value,
        population=claim.population.describe(), definitions=dict(claim.definitions),
        evidence=evidence, decision=claim.describe_decision(), seed=seed,
        root_seed=root_seed, profile=profile.name, device=device, dtype=claim.dtype,
        environment=Environment.current(),
        reproduce=reproduce or f"pytest '{nodeid}' --claims-seed={root_seed} "
                               f"--claims-profile={profile.name}",
        duration_s=time.perf_counter() - started,
    )
