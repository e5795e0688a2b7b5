"""Claims of the article's opening paragraph (§0 Opening), and the rate-pair helpers that the
conclusion's claims (``conclusion_claims.py``) share.

§0 is the single paragraph before "Understanding the Dynamics", so every claim here cites
paragraph 1. Its three sentences say: the relation between learning rate and weight magnitude
is not one of direct proportion (I1); a larger rate can give larger weights early in
training, but not consistently (I2, I3); a higher rate reaches unstable training sooner (I4),
and instability can end with larger weights in some settings and smaller ones in others (I5).
The first sentence's list of what the relation depends on (optimizer, loss landscape,
initialisation) is tested for optimizer and loss as the conclusion's K3; initialisation is
varied here through the init seed but not claimed separately.

Scenarios. Every scenario is a *rate pair*: one data set and one starting point (PyTorch's
default initialisation, from the scenario's seeds) trained for 50 full-batch steps at a
smaller rate ``lr`` and at ten times that rate, with the scenario's optimizer (SGD, SGD with
momentum 0.9, Adam, AdamW with its default decoupled decay 0.01) and explicit regularisation
(none, or an L2 penalty of strength 1e-2 on the weights). The smaller rate is 0.001, 0.01 or
0.1, so the larger one is 0.01, 0.1 or 1.0: three decades of the rates met in practice.
50 steps is the length of the article's Example 3; "final" means after step 50 and "early"
means steps 1 to 10 (the first fifth; the same window as claim E2d), in both files.

Populations. The statements are about training in general, so they are tried on all six
regimes of :mod:`claims.catalog.regimes` (toy, linreg-over, linreg-under, logistic, mlp,
normalized). Statistical claims use ``regimes(...)``: a verdict per regime and one on the
equal-weight mixture. Existential claims search the *same* equal-weight mixture as one plain
population whose scenarios draw their regime (factor ``regime``): a witness in any regime
supports an existential claim either way, and one search over the union costs a sixth of six
per-regime searches (the budget for these two files is about 25 s), at the price of losing
the per-regime list of where witnesses were found (the witness names its regime). Searches
try 30 Hypothesis examples of up to 4 scenarios, then 30 sampled scenarios report the rate.

Weight magnitude is the Euclidean norm of the weights, biases excluded (in the normalized
regime only the scale-invariant first layer), as ``Trajectory.weight_norm`` gives it. A run
*diverges* at the first step whose loss or parameters are not finite; from that step on its
weight magnitude counts as +infinity (its weights have overflowed and cannot come back), so a
diverged run is data, never dropped: it is "larger" than any finite run. Only where *both*
runs of a pair are infinite is a comparison undefined (NaN); each claim says what it does then.
"""

from __future__ import annotations

import functools
import math

import torch

from .. import Choice, Claim, Fixed, Kind, Population, SignTest, Source, WilcoxonTest, Witness
from .regimes import ALL, OPTIMIZERS, SEEDS, regime, regimes, train_scenarios

SECTION = "§0 Opening"

STEPS = 50                    # "final" = after step 50 (the length of the article's Example 3)
EARLY = 10                    # "early" = steps 1..10
RATES = (0.001, 0.01, 0.1)    # the smaller rate of a pair
RATIO = 10.0                  # the larger rate is RATIO times the smaller one
UNSTABLE_FACTOR = 2.0         # unstable: the loss exceeds twice its value at the start
CLEARLY_LARGER = 1.1          # at least 10% larger
CLEARLY_SMALLER = 0.9         # at least 10% smaller
PROPORTIONAL_TOLERANCE = 0.1  # |elasticity - 1| <= 0.1 counts as proportional
INFINITE_DEVIATION = 1e3      # stands for an infinite deviation; the signed-rank test uses ranks

ALPHA = 0.01
N_TENDENCY = 200   # per regime: power 0.86 at a share of 0.62 against 0.5 (checked by SignTest)
N_WILCOXON = 100   # per regime; 600 pooled pairs
N_SEARCH = 30      # scenarios of the mixture sampled after the Hypothesis search
EXAMPLES, BATCH = 30, 4

FACTORS = {"optimizer": Choice(OPTIMIZERS), "lr": Choice(RATES),
           "penalty": Choice(("none", "l2")), "penalty_strength": Fixed(1e-2),
           "rate ratio": Fixed(RATIO)}
NORMALIZED_DECAY = Choice((1e-3, 1e-2))  # the normalized regime's own weight decay

REGIMES_TEXT = ("rate pairs on every regime: one start and data set trained 50 full-batch "
                "steps at lr and at 10 lr, with the scenario's optimizer and penalty")
MIXTURE_TEXT = ("rate pairs on the equal-weight mixture of all six regimes (the regime is "
                "drawn; 'normalized weight decay' applies to the normalized regime only): one "
                "start and data set trained 50 full-batch steps at lr and at 10 lr, with the "
                "scenario's optimizer and penalty")


def rate_pair_regimes(description: str = REGIMES_TEXT, **overrides):
    """The shared population over every regime (verdict per regime and on the mixture);
    an override of ``None`` removes a factor."""
    factors = {**FACTORS, **overrides}
    return regimes(description, **{k: v for k, v in factors.items() if v is not None})


def rate_pair_mixture(description: str = MIXTURE_TEXT, names=ALL, **overrides) -> Population:
    """The same scenarios as one population whose regime is drawn (for searches)."""
    factors = {"regime": Choice(tuple(names)), "data_seed": SEEDS, "init_seed": SEEDS,
               "normalized weight decay": NORMALIZED_DECAY, **FACTORS, **overrides}
    return Population(description, {k: v for k, v in factors.items() if v is not None})


@functools.cache
def _regime_constants(name: str) -> tuple:
    return tuple((k, f.value) for k, f in regime(name).factors.items() if isinstance(f, Fixed))


def in_regime(scenario) -> dict:
    """A mixture scenario as its regime's own scenario (family, sizes, decay); a scenario of
    a ``regimes`` population is returned as it is."""
    if "family" in scenario:
        return dict(scenario)
    out = {**dict(_regime_constants(scenario["regime"])), **scenario}
    decay = out.pop("normalized weight decay", None)
    if scenario["regime"] == "normalized":
        out["weight_decay"] = decay
    return out


def larger_rate(scenario) -> float:
    return float(f"{scenario['lr'] * scenario.get('rate ratio', RATIO):.12g}")


def train_pairs(scenarios, lab, variants=None):
    """Train every scenario (or each of its ``variants``) at lr and at the larger rate.

    ``variants(scenario)`` returns a list of modified scenarios (e.g. one per optimizer);
    by default the scenario itself. Everything trains in one call, so each variant's two runs
    start from the same point on the same data. Returns ``(small, large)``, two lists of
    single-replicate trajectories, scenario-major.
    """
    expanded = [in_regime(v) for s in scenarios for v in (variants(s) if variants else [s])]
    doubled = expanded + [{**s, "lr": larger_rate(s)} for s in expanded]
    runs = train_scenarios(doubled, lab, STEPS)
    return runs[:len(expanded)], runs[len(expanded):]


def _cat(runs, attribute):
    return torch.cat([getattr(r, attribute).double() for r in runs], dim=1)


def _dead(runs, length: int) -> torch.Tensor:
    at = torch.cat([r.diverged_at for r in runs])
    t = torch.arange(length).unsqueeze(1)
    return (at >= 0) & (t >= at)


def magnitude(runs) -> torch.Tensor:
    """``(T + 1, R)`` weight norm, +inf from a run's divergence step on."""
    norm = _cat(runs, "weight_norm")
    dead = _dead(runs, norm.shape[0])
    return torch.where(dead | ~torch.isfinite(norm), torch.inf, norm)


def displacement(runs, step: int) -> torch.Tensor:
    """``(R,)`` Euclidean distance of the weights at ``step`` from their start (+inf if the
    run diverged by then)."""
    moved = torch.stack([torch.linalg.vector_norm(r.weights[step, 0].double()
                                                  - r.weights[0, 0].double())
                         for r in runs])
    dead = _dead(runs, step + 1)[step]
    return torch.where(dead | ~torch.isfinite(moved), torch.inf, moved)


def first_unstable(runs) -> torch.Tensor:
    """``(R,)`` first step t in 1..50 whose data loss is not finite or exceeds twice the loss
    at step 0; +inf when the run never becomes unstable."""
    loss = _cat(runs, "loss")
    bad = ~torch.isfinite(loss) | (loss > UNSTABLE_FACTOR * loss[0]) | _dead(runs, len(loss))
    bad[0] = False
    first = torch.argmax(bad.to(torch.int8), dim=0).double()
    return torch.where(bad.any(dim=0), first, torch.inf)


def log_score(values: torch.Tensor, keep: torch.Tensor | None = None) -> torch.Tensor:
    """A finite search score (log of a ratio), NaN where it carries no information."""
    score = torch.log(values)
    if keep is not None:
        score = torch.where(keep, score, torch.nan)
    return torch.where(torch.isfinite(score), score, torch.nan)


def share_flag(condition: torch.Tensor, defined: torch.Tensor) -> torch.Tensor:
    """1.0 / 0.0 for a sign test, NaN where the comparison is undefined."""
    return torch.where(defined, condition.double(), torch.nan)


def rate_pair_measures(scenarios, lab):
    """Everything the rate-pair claims of both files read, one value per scenario.

    Ratios are (value at 10 lr) / (value at lr): inf when only the larger-rate run diverged,
    0 when only the smaller-rate one did, NaN when both did.
    """
    small, large = train_pairs(scenarios, lab)
    mag_s, mag_l = magnitude(small), magnitude(large)
    final = mag_l[-1] / mag_s[-1]
    early = mag_l[1:EARLY + 1].mean(dim=0) / mag_s[1:EARLY + 1].mean(dim=0)
    early_move = displacement(large, EARLY) / displacement(small, EARLY)
    final_move = displacement(large, STEPS) / displacement(small, STEPS)
    unstable_s, unstable_l = first_unstable(small), first_unstable(large)
    early_finite = torch.isfinite(early) & (early > 0)
    final_finite = torch.isfinite(final) & (final > 0)
    only_large_unstable = torch.isfinite(unstable_l) & ~torch.isfinite(unstable_s)
    some_unstable = torch.isfinite(unstable_s) | torch.isfinite(unstable_l)
    return {
        "final norm ratio": final,
        "early norm ratio": early,
        "early displacement ratio": early_move,
        "|elasticity - 1| of final norm": _deviation(final),
        "|elasticity - 1| of final displacement": _deviation(final_move),
        # I2, I3
        "early clearly larger": early >= CLEARLY_LARGER,
        "early not larger": early_finite & (early <= 1.0),
        "log early ratio": log_score(early),
        "-log early ratio": log_score(1.0 / early, early_finite),
        # I4
        "unstable sooner": share_flag(unstable_l < unstable_s, some_unstable),
        "first unstable step at lr": unstable_s,
        "first unstable step at 10 lr": unstable_l,
        # I5
        "unstable, larger": only_large_unstable & (final >= CLEARLY_LARGER),
        "unstable, smaller": only_large_unstable & (final <= CLEARLY_SMALLER),
        "log final ratio if unstable": log_score(final, only_large_unstable),
        "-log final ratio if unstable": log_score(1.0 / final, only_large_unstable),
        # K1
        "final not larger": final_finite & (final <= 1.0),
        "final not larger (share)": share_flag(final <= 1.0, ~torch.isnan(final)),
        "-log final ratio": log_score(1.0 / final, final_finite),
        # K2
        "early change larger": share_flag(early_move > 1.0, ~torch.isnan(early_move)),
    }


def _deviation(values: torch.Tensor) -> torch.Tensor:
    """|log_10(ratio) / log_10(RATIO) - 1|: 0 when a tenfold rate gives a tenfold value.
    An infinite or zero ratio (one run of the pair diverged) is infinitely far from
    proportional and is recorded as INFINITE_DEVIATION; both diverged gives NaN."""
    deviation = (torch.log(values) / math.log(RATIO) - 1.0).abs()
    return torch.where(torch.isinf(deviation), INFINITE_DEVIATION, deviation)


COMMON_DEFINITIONS = {
    "weight magnitude": "Euclidean norm of the weights, biases excluded (normalized regime: "
                        "the scale-invariant first layer only); +inf from the step a run "
                        "diverges (non-finite loss or parameters)",
    "larger / smaller rate": "lr in {0.001, 0.01, 0.1} against 10 lr, same start, data, "
                             "optimizer and penalty",
    "final": "after step 50 of 50 full-batch steps",
    "early": "steps 1 to 10 (for magnitudes: the mean of the weight norm over them)",
}

I1a = Claim(
    id="I1a",
    statement="How large the weights end up is not directly proportional to the learning "
              "rate: a tenfold rate does not typically give a tenfold final weight norm.",
    source=Source(SECTION, 1),
    kind=Kind.QUANTITATIVE,
    population=rate_pair_regimes(),
    experiment=rate_pair_measures,
    # both runs of a pair diverged: the ratio inf/inf says nothing about proportion; omitted
    decision=WilcoxonTest(difference="|elasticity - 1| of final norm",
                          shift=PROPORTIONAL_TOLERANCE, n=N_WILCOXON, alpha=ALPHA,
                          nan_policy="omit"),
    definitions={
        **COMMON_DEFINITIONS,
        "elasticity": "log(final norm at 10 lr / final norm at lr) / log 10: 1 when the norm "
                      "scales like the rate",
        "directly proportional": "elasticity within 1 +/- 0.1 (a tenfold rate gives 7.9 to "
                                 "12.6 times the final norm)",
        "not directly proportional (the test)": "Wilcoxon signed-rank test that |elasticity "
                                                "- 1| exceeds 0.1 across scenarios: supported "
                                                "if it does, refuted if it is significantly "
                                                "within 0.1 (the norm then scales like the "
                                                "rate). A SlopeTest on slope 1 can only "
                                                "support proportionality, so it is not used",
        "diverged pair": "one run diverged: deviation infinite (recorded as 1e3; only ranks "
                         "matter); both diverged: undefined, omitted and counted",
    },
)

I1b = Claim(
    id="I1b",
    statement="Second reading of I1: even the distance the weights travel from their start "
              "is not directly proportional to the learning rate.",
    source=Source(SECTION, 1),
    kind=Kind.QUANTITATIVE,
    population=rate_pair_regimes(),
    experiment=rate_pair_measures,
    # both runs of a pair diverged: no ratio, omitted as in I1a
    decision=WilcoxonTest(difference="|elasticity - 1| of final displacement",
                          shift=PROPORTIONAL_TOLERANCE, n=N_WILCOXON, alpha=ALPHA,
                          nan_policy="omit"),
    definitions={
        **COMMON_DEFINITIONS,
        "reading": "weight magnitude read as the learned part of the weights, |w_50 - w_0|, "
                   "so that the starting point's share of the norm cannot decide the claim",
        "elasticity": "log(|w_50 - w_0| at 10 lr / |w_50 - w_0| at lr) / log 10",
        "directly proportional": "elasticity within 1 +/- 0.1; test as in I1a",
        "diverged pair": "as in I1a",
    },
)

I2 = Claim(
    id="I2",
    statement="Early in training, a larger learning rate can give larger weights than a "
              "smaller one from the same start.",
    source=Source(SECTION, 1),
    kind=Kind.EXISTENTIAL,
    population=rate_pair_mixture(),
    experiment=rate_pair_measures,
    decision=Witness(witness="early clearly larger", score="log early ratio", n=N_SEARCH,
                     alpha=ALPHA, examples=EXAMPLES, batch=BATCH),
    definitions={**COMMON_DEFINITIONS,
                 "larger weights": "early weight norm at 10 lr at least 10% above that at lr "
                                   "(a run that diverged within the first 10 steps counts as "
                                   "infinitely large)"},
)

I3 = Claim(
    id="I3",
    statement="Larger early weights at a larger learning rate are not a consistent outcome: "
              "in some settings the larger rate gives early weights no larger than the "
              "smaller rate does.",
    source=Source(SECTION, 1),
    kind=Kind.EXISTENTIAL,
    population=rate_pair_mixture(),
    experiment=rate_pair_measures,
    decision=Witness(witness="early not larger", score="-log early ratio", n=N_SEARCH,
                     alpha=ALPHA, examples=EXAMPLES, batch=BATCH),
    definitions={**COMMON_DEFINITIONS,
                 "not consistent": "there is a scenario where the larger rate's early weight "
                                   "norm is equal to or below the smaller rate's, both runs "
                                   "finite over the early window"},
)

I4 = Claim(
    id="I4",
    statement="A higher learning rate tends to make training unstable sooner than a lower "
              "one from the same start.",
    source=Source(SECTION, 1),
    kind=Kind.TENDENCY,
    population=rate_pair_regimes(),
    experiment=rate_pair_measures,
    # neither run of the pair becomes unstable within 50 steps: "sooner" has nothing to
    # compare, the scenario is outside what the sentence speaks about; omitted and counted
    decision=SignTest(holds="unstable sooner", n=N_TENDENCY, alpha=ALPHA, nan_policy="omit"),
    definitions={**COMMON_DEFINITIONS,
                 "unstable": "the data loss (penalty excluded) is not finite, or exceeds "
                             "twice its value at step 0, at some step 1..50",
                 "sooner": "the run at 10 lr becomes unstable at an earlier step than the run "
                           "at lr, or only it becomes unstable; a tie or the smaller rate "
                           "first counts against the claim",
                 "tends to": "in more than half of the scenarios where at least one run of "
                             "the pair becomes unstable (the others are omitted)"},
)

I5a = Claim(
    id="I5a",
    statement="Instability caused by a higher learning rate can end with larger weights than "
              "a stable lower rate gives from the same start.",
    source=Source(SECTION, 1),
    kind=Kind.EXISTENTIAL,
    population=rate_pair_mixture(),
    experiment=rate_pair_measures,
    decision=Witness(witness="unstable, larger", score="log final ratio if unstable",
                     n=N_SEARCH, alpha=ALPHA, examples=EXAMPLES, batch=BATCH),
    definitions={**COMMON_DEFINITIONS,
                 "instability caused by the higher rate": "the run at 10 lr becomes unstable "
                                                          "(as in I4) and the run at lr never "
                                                          "does",
                 "larger weights": "final weight norm at 10 lr at least 10% above that at "
                                   "lr; a diverged run counts as infinitely large"},
)

I5b = Claim(
    id="I5b",
    statement="Instability caused by a higher learning rate can also end with smaller "
              "weights than a stable lower rate gives from the same start.",
    source=Source(SECTION, 1),
    kind=Kind.EXISTENTIAL,
    population=rate_pair_mixture(),
    experiment=rate_pair_measures,
    decision=Witness(witness="unstable, smaller", score="-log final ratio if unstable",
                     n=N_SEARCH, alpha=ALPHA, examples=EXAMPLES, batch=BATCH),
    definitions={**COMMON_DEFINITIONS,
                 "instability caused by the higher rate": "as in I5a",
                 "smaller weights": "final weight norm at 10 lr at most 0.9 times that at lr "
                                    "(so the unstable run's weights are finite at the end)"},
)

__all__ = ["I1a", "I1b", "I2", "I3", "I4", "I5a", "I5b"]
