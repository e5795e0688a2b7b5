"""Calibration: how often the decision rules give a confident wrong verdict, and their power.

Synthetic claims whose truth is known by construction are decided many times with
independent root seeds, through the same :func:`claims.runner.run_claim` path as real claims.
Each case states which verdict would be wrong; the rate of wrong verdicts must stay at or
below the rule's alpha (its 95% Clopper-Pearson interval must reach a value <= alpha), and
where a true effect exists the rate of correct decisive verdicts (power) must reach 0.8.

The experiments are cheap functions of one uniform factor ``u``, so a calibration run costs
seconds for the statistical cases and about a minute for the searches at 200 repetitions.

Run ``python -m claims.calibration --repetitions 200 --out reports/latest`` to write
``calibration.json`` and ``calibration.md`` there.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from collections.abc import Callable
from pathlib import Path

from .decisions import Counterexample, SignTest, WilcoxonTest, Witness
from .decisions.statistics import proportion_interval
from .model import Claim, Kind, Source
from .population import Population, Uniform
from .profiles import get_profile
from .reporting.io import atomic_write_text
from .runner import run_claim

ALPHA = 0.01
REQUIRED_POWER = 0.8
UNIT = Population("one uniform number u", {"u": Uniform(0.0, 1.0)})
SYMMETRIC = Population("one number u, symmetric around 0", {"u": Uniform(-1.0, 1.0)})


def _flag(test: Callable[[float], bool], name: str):
    def experiment(scenarios, lab):
        return {name: [test(s["u"]) for s in scenarios]}
    return experiment


def _difference(scenarios, lab):
    return {"difference": [s["u"] for s in scenarios]}


# thresholds are computed, not written as literals: Hypothesis mines literals from source
# files, which would make a search for "u above the threshold" unrealistically easy
_RARE = 1 - 1 / 250
_COMMON = 1 - 3 / 100
_EFFECT = 0.5 + 0.12


@dataclasses.dataclass(frozen=True)
class Case:
    """A synthetic claim, the verdict that would be wrong, and the one that shows power."""

    name: str
    truth: str
    claim: Claim
    wrong: str | None
    powered: str | None = None


def _claim(case_id, kind, population, experiment, decision, statement) -> Claim:
    return Claim(id=case_id, statement=statement, source=Source("calibration", 1,
                 text="synthetic"), kind=kind, population=population, experiment=experiment,
                 decision=decision)


CASES = (
    Case("no effect (sign test)", "share exactly 0.5",
         _claim("CAL-null", Kind.TENDENCY, UNIT, _flag(lambda u: u < 0.5, "holds"),
                SignTest(n=200, alpha=ALPHA), "u < 1/2 in more than half of the draws"),
         wrong="supported"),
    Case("small true effect (sign test)", f"share {_EFFECT:g}, the declared detectable share",
         _claim("CAL-effect", Kind.TENDENCY, UNIT, _flag(lambda u: u < _EFFECT, "holds"),
                SignTest(n=200, alpha=ALPHA), "u < 0.62 in more than half of the draws"),
         wrong="refuted", powered="supported"),
    Case("no effect (Wilcoxon)", "differences symmetric around 0",
         _claim("CAL-wilcoxon", Kind.TENDENCY, SYMMETRIC, _difference,
                WilcoxonTest(n=200, alpha=ALPHA), "u tends to be above 0"),
         wrong="supported"),
    Case("true universal", "holds for every u",
         _claim("CAL-universal", Kind.UNIVERSAL, UNIT, _flag(lambda u: u <= 1.0, "holds"),
                Counterexample(n=200, alpha=ALPHA, examples=30, batch=8), "u <= 1 always"),
         wrong="refuted"),
    Case("false universal, counterexample rate 3%", f"fails for u > {_COMMON:g}, a rate "
         "above the 0.023 bound that 'supported' states",
         _claim("CAL-counter", Kind.UNIVERSAL, UNIT, _flag(lambda u: u <= _COMMON, "holds"),
                Counterexample(n=200, alpha=ALPHA, examples=30, batch=8), "u is never large"),
         wrong="supported", powered="refuted"),
    Case("false universal, rare counterexample", f"fails for u > {_RARE:g} (rate 0.4%), "
         "below the bound: 'supported' is then consistent with its stated rate bound",
         _claim("CAL-rare-counter", Kind.UNIVERSAL, UNIT, _flag(lambda u: u <= _RARE, "holds"),
                Counterexample(n=200, alpha=ALPHA, examples=30, batch=8), "u is never large"),
         wrong=None, powered="refuted"),
    Case("existential, rare witness", f"witness u > {_RARE:g} (rate 0.4%); no verdict can "
         "be wrong here (an existential is never refuted), so only power is measured",
         _claim("CAL-rare-witness", Kind.EXISTENTIAL, UNIT, _flag(lambda u: u > _RARE,
                "witness"), Witness(n=200, alpha=ALPHA, examples=30, batch=8),
                "u can be large"),
         wrong=None, powered="supported"),
    Case("existential, no witness", "no u exceeds 1",
         _claim("CAL-no-witness", Kind.EXISTENTIAL, UNIT, _flag(lambda u: u > 1.0, "witness"),
                Witness(n=200, alpha=ALPHA, examples=30, batch=8), "u can exceed 1"),
         wrong="supported"),
)


@dataclasses.dataclass(frozen=True)
class CaseResult:
    name: str
    truth: str
    repetitions: int
    counts: dict[str, int]
    wrong: str | None
    wrong_rate: float | None
    wrong_interval: tuple[float, float] | None
    alpha: float
    calibrated: bool | None
    powered: str | None
    power: float | None
    power_interval: tuple[float, float] | None
    powerful: bool | None


def calibrate(case: Case, repetitions: int, first_seed: int = 0) -> CaseResult:
    """Decide ``case`` once per root seed ``first_seed .. first_seed + repetitions - 1``."""
    profile = get_profile("ci")
    outcomes = [run_claim(case.claim, root_seed=seed, profile=profile).outcome.value
                for seed in range(first_seed, first_seed + repetitions)]
    counts = {o: outcomes.count(o) for o in ("supported", "refuted", "inconclusive")}
    wrong_rate = wrong_interval = calibrated = None
    if case.wrong:
        wrong_rate = counts[case.wrong] / repetitions
        wrong_interval = proportion_interval(counts[case.wrong], repetitions, 0.95)
        calibrated = wrong_interval[0] <= ALPHA
    power = power_interval = powerful = None
    if case.powered:
        power = counts[case.powered] / repetitions
        power_interval = proportion_interval(counts[case.powered], repetitions, 0.95)
        powerful = power >= REQUIRED_POWER
    return CaseResult(case.name, case.truth, repetitions, counts, case.wrong, wrong_rate,
                      wrong_interval, ALPHA, calibrated, case.powered, power, power_interval,
                      powerful)


def calibrate_all(repetitions: int, first_seed: int = 0) -> list[CaseResult]:
    return [calibrate(case, repetitions, first_seed) for case in CASES]


def render(results: list[CaseResult]) -> str:
    """A Markdown calibration section."""
    lines = ["# Calibration of the decision rules", "",
             "Synthetic claims with known truth, each decided once per independent root seed "
             f"(profile ci, alpha {ALPHA:g}). A rule is calibrated when the 95% interval of its "
             "wrong-verdict rate reaches a value at or below alpha; where an effect exists, "
             f"its power must be at least {REQUIRED_POWER:g}.", "",
             "| case | truth | runs | supported / refuted / inconclusive | wrong verdict | "
             "wrong rate (95% CI) | calibrated | power (95% CI) |",
             "|---|---|---|---|---|---|---|---|"]
    for r in results:
        counts = " / ".join(str(r.counts[k]) for k in ("supported", "refuted", "inconclusive"))
        power = _rate(r.power, r.power_interval)
        calibrated = "—" if r.calibrated is None else ("yes" if r.calibrated else "NO")
        lines.append(f"| {r.name} | {r.truth} | {r.repetitions} | {counts} | "
                     f"{r.wrong or '—'} | {_rate(r.wrong_rate, r.wrong_interval)} | "
                     f"{calibrated} | {power} |")
    return "\n".join(lines) + "\n"


def _rate(rate: float | None, interval: tuple[float, float] | None) -> str:
    return "—" if rate is None else f"{rate:.3f} [{interval[0]:.3f}, {interval[1]:.3f}]"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m claims.calibration",
                                     description="Calibrate the decision rules.")
    parser.add_argument("--repetitions", type=int, default=200)
    parser.add_argument("--first-seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=Path("reports/latest"))
    args = parser.parse_args(argv)
    if args.repetitions < 1:
        parser.error(f"--repetitions={args.repetitions} must be >= 1; use 200 for the "
                     "documented calibration")

    results = calibrate_all(args.repetitions, args.first_seed)
    args.out.mkdir(parents=True, exist_ok=True)
    payload = json.dumps([dataclasses.asdict(r) for r in results], indent=2)
    _atomic_write(args.out / "calibration.json", payload + "\n")
    _atomic_write(args.out / "calibration.md", render(results))
    sys.stdout.write(render(results))
    return 0 if all(r.calibrated is not False and r.powerful is not False
                    for r in results) else 1


def _atomic_write(path: Path, text: str) -> None:
    atomic_write_text(path, text)


if __name__ == "__main__":
    sys.exit(main())
