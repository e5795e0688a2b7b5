"""Claims of "Understanding the Dynamics" (§1), paragraph 3: what a larger learning rate does.

Paragraphs are counted within §1 as in ``dynamics_claims.py``: 1 introduces gradient descent,
2 gives the update rule, 3 discusses larger rates, 4 smaller rates, 5 the loss landscape and
regularisation. Paragraph 3 opens with the proportionality of the update to the rate (D2,
encoded in ``dynamics_claims.py``); this file holds the rest of it, claims D3 to D9.

Population choices. Paragraph 3 reasons from the plain update rule ``w - lr * grad`` of
paragraph 2, so every claim here trains with full-batch gradient descent (``torch.optim.SGD``
without momentum; in the ``normalized`` regime with that regime's own weight decay). The
statements are about training in general, so they are tried on the suite's regimes (see
``regimes.py``), each scenario drawing its own data and PyTorch-default initialisation. Rates
come from one grid, ``RATES`` = 0.01 to 1.0 in half-decades: it holds the article's own SGD
rates (0.01 "small", 1.0 "large") and, because the regimes differ in curvature, it spans
stable, oscillating and diverging training in most of them. Comparisons of a larger with a
smaller rate use pairs from that grid; the searches for what "a large rate can do" use the
upper rates 0.1, 0.3 and 1.0 against a tenth of them, from the same start on the same data.
Claims that need the exact minimiser (overshoot along the line to it, hovering around its
norm) are restricted to the three least-squares regimes and say so.

Shared definitions:

- *weights*: the trajectory's weights (biases excluded; in ``normalized`` only the
  scale-invariant first layer), *weight magnitude*: their Euclidean norm;
- *early*: the first ``EARLY`` = 10 steps; runs last ``STEPS`` = 100 steps (D4: 200);
- *diverged*: a non-finite loss or parameter within the run (``Trajectory.diverged_at``);
  each claim says how a diverged run counts;
- *settles* (the run does not diverge, D4, D6-D9): finite throughout, and its final loss is
  below the initial loss and not measurably above (see the next item) the loss halfway
  through; a run that climbs in its
  second half diverges, even when float32 has not yet overflowed (a loss of 1e32 is finite);
- *measurable loss move* (D7b, D8b): a rise or fall by more than 1e-4 of the current loss and
  more than 1e-6 of the initial loss (a loss at rounding level around an exact fit moves at
  random);
- *oscillation* (D8a, D9): at least ``REPEATED`` = 3 reversals of the update direction
  (consecutive updates with a negative inner product), counting only updates longer than
  1e-5 * max(1, |params|), about a hundred float32 roundings, so that rounding noise around
  a reached minimum is not counted as oscillation.
"""

from __future__ import annotations

import math

import torch

from .. import Choice, Claim, Fixed, Kind, SignTest, Source, Witness
from .regimes import problem_of, regimes, train_scenarios

SECTION = "§1 Understanding the Dynamics"
PARAGRAPH = 3

RATES = (0.01, 0.03, 0.1, 0.3, 1.0)
STABLE_RATES = (0.01, 0.03, 0.1)
LARGE_RATES = (0.1, 0.3, 1.0)  # each compared with a tenth of itself
# (smaller, larger) pairs from RATES: one or two half-decades apart
PAIRS = ((0.01, 0.03), (0.03, 0.1), (0.1, 0.3), (0.3, 1.0),
         (0.01, 0.1), (0.03, 0.3), (0.1, 1.0))
LEAST_SQUARES = ("toy", "linreg-over", "linreg-under")

EARLY = 10
STEPS = 100
REPEATED = 3
STEP_FLOOR = 1e-5    # relative length below which an update is rounding noise
GRAD_FLOOR = 1e-4    # relative gradient norm below which its direction is rounding noise
LOSS_FLOOR = 1e-4    # relative loss change below which a rise or fall is rounding noise
ABS_LOSS_FLOOR = 1e-6  # the same, as a share of the initial loss (losses near an exact fit)

# Sample sizes: n = 200 per regime; the exact binomial test against 0.5 at alpha = 0.01 then
# has power 0.86 at a true share of 0.62 (checked when each SignTest is built).
# Searches (existential claims): the evidence is the random sample of 200 scenarios per
# regime, trained in one batched run. The Hypothesis search is kept nominal (one example of
# one scenario, ten under the 'thorough' profile): the data and start are drawn from seeds,
# which give a search no structure to exploit beyond random sampling, and every shrinking
# step after a hit costs a separate 100-step training run, which a file budget of about 25 s
# over 13 claims cannot afford (a 10 x 8 search took 6-35 s per claim, mostly shrinking).
N = 200
ALPHA = 0.01
SEARCH = {"examples": 1, "batch": 1}

SGD = {"optimizer": Fixed("sgd")}


# ---------------------------------------------------------------------------------------------
# shared measurement helpers (one trajectory, R = 1, in float64 for the arithmetic)


def _series(run, name: str) -> torch.Tensor:
    """A per-step record of one single-replicate trajectory as float64, replicate dim dropped."""
    return getattr(run, name)[:, 0].double()


def _finite(run) -> bool:
    return int(run.diverged_at[0]) < 0


def _update_reversals(run) -> list[int]:
    """Steps t at which update t+1 points against update t (negative inner product), both
    updates longer than STEP_FLOOR * max(1, |params_t|) and finite."""
    params = _series(run, "params")
    updates = params[1:] - params[:-1]
    size = torch.linalg.vector_norm(updates, dim=-1)
    floor = STEP_FLOOR * torch.linalg.vector_norm(params[:-1], dim=-1).clamp(min=1.0)
    real = torch.isfinite(size) & (size > floor)
    inner = (updates[1:] * updates[:-1]).sum(dim=-1)
    turned = (inner < 0) & real[1:] & real[:-1]
    return torch.nonzero(turned).flatten().tolist()


def _loss_moves(run) -> tuple[torch.Tensor, torch.Tensor]:
    """Per step, whether the loss rises and whether it falls by a measurable amount: more
    than LOSS_FLOOR of the current loss and more than ABS_LOSS_FLOOR of the initial loss (a
    loss at float32 rounding level, e.g. an exact fit reached, moves at random)."""
    loss = _series(run, "loss")
    change = loss[1:] - loss[:-1]
    floor = torch.maximum(LOSS_FLOOR * loss[:-1].abs(), ABS_LOSS_FLOOR * loss[0].abs())
    return change > floor, change < -floor


def _loss_cycles(run) -> int:
    """How often the loss rises at one step and falls at the next (one overshoot and its
    correction), counting measurable moves only."""
    rises, falls = _loss_moves(run)
    return int((rises[:-1] & falls[1:]).sum())


def _loss_rises(run, last: int) -> bool:
    """Whether the loss rises measurably at one of steps 0..last-1."""
    rises, _ = _loss_moves(run)
    return bool(rises[:last].any())


def _settles(run) -> bool:
    """Not diverging: finite throughout, the final loss below the initial loss and not
    measurably above the loss halfway through (a run that keeps climbing in its second half is
    diverging, however slowly, even if float32 has not overflowed yet)."""
    loss = _series(run, "loss")
    half = loss[(loss.shape[0] - 1) // 2]
    floor = max(LOSS_FLOOR * half.abs().item(), ABS_LOSS_FLOOR * loss[0].abs().item())
    return (_finite(run) and bool(loss[-1] < loss[0])
            and bool(loss[-1] - half <= floor))


def _minimiser(scenario, lab, start: torch.Tensor) -> torch.Tensor:
    """The least-squares minimiser gradient descent converges to from ``start``: the point of
    the solution set closest to it (the unique minimiser when there is one), in float64 on the
    data as trained. Columns follow the flat parameters: weights, then the bias."""
    problem = problem_of(scenario)
    data = lab.data(problem, [scenario["data_seed"]])
    x = data["x"][0].double()
    design = torch.cat([x, torch.ones(x.shape[0], 1, dtype=torch.float64)], dim=1)
    target = data["y"][0, :, 0].double()
    return start + torch.linalg.pinv(design) @ (target - design @ start)


def _pair(scenarios, lab, steps: int, small_steps: int | None = None):
    """Each scenario trained at its larger rate and at a tenth of it, from the same start on
    the same data; the smaller rate for ``small_steps`` steps (default: as many). With equal
    lengths both rates train in one batched run."""
    scenarios = list(scenarios)
    tenth = [{**s, "lr": s["lr"] / 10} for s in scenarios]
    if small_steps is None or small_steps == steps:
        runs = train_scenarios(scenarios + tenth, lab, steps)
        return runs[:len(scenarios)], runs[len(scenarios):]
    return (train_scenarios(scenarios, lab, steps),
            train_scenarios(tenth, lab, small_steps))


# ---------------------------------------------------------------------------------------------
# D3: early gradients are larger, so a larger rate moves the weights more early on


def _gradient_early_vs_late(scenarios, lab):
    holds, ratio = [], []
    for run in train_scenarios(scenarios, lab, STEPS):
        norms = _series(run, "grad_norm")
        early, late = norms[:EARLY].mean(), norms[-EARLY:].mean()
        ok = bool(torch.isfinite(early) & torch.isfinite(late))
        holds.append(ok and bool(early > late))
        ratio.append((late / early).item() if ok else math.inf)
    return {"holds": holds, "late / early gradient norm": ratio}


D3a = Claim(
    id="D3a",
    statement="Gradients are larger in the early steps of training than later on.",
    source=Source(SECTION, PARAGRAPH),
    kind=Kind.TENDENCY,
    population=regimes("full-batch gradient descent at a rate from the grid, every regime",
                       lr=Choice(RATES), **SGD),
    experiment=_gradient_early_vs_late,
    decision=SignTest(n=N, alpha=ALPHA),
    definitions={"gradient size": "Euclidean norm of the full gradient (all parameters)",
                 "early": "mean gradient norm over steps 0-9 of a 100-step run",
                 "later": "mean gradient norm over steps 90-99",
                 "diverged run": "counts against the claim (its gradients did not shrink): "
                                 "this is the unconditional reading; D4 is the reading "
                                 "restricted to runs that approach a minimum",
                 "generally": "true in more than half of the scenarios of the equal-weight "
                              "mixture of regimes"},
)


def _early_weight_change(scenarios, lab):
    small = train_scenarios(scenarios, lab, EARLY, lr=lambda s: s["rates"][0])
    large = train_scenarios(scenarios, lab, EARLY, lr=lambda s: s["rates"][1])
    out = {"per-step larger": [], "net larger": [], "per-step ratio": [], "net ratio": []}
    for run_small, run_large in zip(small, large, strict=True):
        for name, measure in (("per-step", _mean_step), ("net", _net_move)):
            a, b = measure(run_small), measure(run_large)
            if math.isinf(a) and math.isinf(b):
                # both runs left the float range within the early window: no order to compare
                out[f"{name} larger"].append(math.nan)
                out[f"{name} ratio"].append(math.nan)
            else:
                out[f"{name} larger"].append(float(b > a))
                out[f"{name} ratio"].append(b / a if a > 0 else math.inf)
    return out


def _mean_step(run) -> float:
    """Mean Euclidean length of the weight updates over the early window (inf if diverged)."""
    weights = _series(run, "weights")
    value = torch.linalg.vector_norm(weights[1:] - weights[:-1], dim=-1).mean().item()
    return value if math.isfinite(value) else math.inf


def _net_move(run) -> float:
    """Distance between the weights after the early window and at the start (inf if diverged)."""
    weights = _series(run, "weights")
    value = torch.linalg.vector_norm(weights[-1] - weights[0]).item()
    return value if math.isfinite(value) else math.inf


_PAIR_POPULATION = regimes(
    "full-batch gradient descent from one start at two rates of the grid, one or two "
    "half-decades apart, every regime", rates=Choice(PAIRS), **SGD)

_EARLY_CHANGE_DEFINITIONS = {
    "larger rate": "the larger of a pair (0.01, 0.03), (0.03, 0.1), (0.1, 0.3), (0.3, 1.0), "
                   "(0.01, 0.1), (0.03, 0.3) or (0.1, 1.0), same start and data",
    "early": "the first 10 steps",
    "diverged run": "a run that leaves the float range has made an infinite change; when both "
                    "rates do so within 10 steps the pair is undefined and omitted "
                    "(nan_policy='omit': there is no order between two infinities)",
    "tends": "true in more than half of the scenarios of the equal-weight mixture"}

D3b = Claim(
    id="D3b",
    statement="From the same start, a larger learning rate makes larger weight updates in the "
              "early steps than a smaller one.",
    source=Source(SECTION, PARAGRAPH),
    kind=Kind.TENDENCY,
    population=_PAIR_POPULATION,
    experiment=_early_weight_change,
    decision=SignTest(holds="per-step larger", n=N, alpha=ALPHA, nan_policy="omit"),
    definitions={**_EARLY_CHANGE_DEFINITIONS,
                 "weight change": "per-step reading: mean Euclidean length of the weight "
                                  "updates over the early steps"},
)

D3c = Claim(
    id="D3c",
    statement="From the same start, a larger learning rate moves the weights further during "
              "the early steps than a smaller one.",
    source=Source(SECTION, PARAGRAPH),
    kind=Kind.TENDENCY,
    population=_PAIR_POPULATION,
    experiment=_early_weight_change,
    decision=SignTest(holds="net larger", n=N, alpha=ALPHA, nan_policy="omit"),
    definitions={**_EARLY_CHANGE_DEFINITIONS,
                 "weight change": "net reading: Euclidean distance between the weights after "
                                  "10 steps and the starting weights"},
)


# ---------------------------------------------------------------------------------------------
# D4: the gradient shrinks as training approaches a minimum


def _gradient_near_minimum(scenarios, lab):
    holds, ratio = [], []
    for run in train_scenarios(scenarios, lab, 2 * STEPS):
        norms = _series(run, "grad_norm")
        if not _settles(run):
            # not approaching a minimum: outside the claim's premise (omitted, counted)
            holds.append(math.nan)
            ratio.append(math.nan)
            continue
        holds.append(float(norms[-1] < norms[0]))
        ratio.append((norms[-1] / norms[0]).item())
    return {"holds": holds, "final / initial gradient norm": ratio}


D4 = Claim(
    id="D4",
    statement="As training approaches a minimum, the gradient generally gets smaller.",
    source=Source(SECTION, PARAGRAPH),
    kind=Kind.TENDENCY,
    population=regimes("full-batch gradient descent at a stable rate (0.01, 0.03 or 0.1) for "
                       "200 steps, every regime", lr=Choice(STABLE_RATES), **SGD),
    experiment=_gradient_near_minimum,
    decision=SignTest(n=N, alpha=ALPHA, nan_policy="omit"),
    definitions={"approaching a minimum": "the run settles (module docstring): finite, final "
                                          "loss (step 200) below the initial loss and not "
                                          "measurably above the loss at step 100; runs that "
                                          "do not are outside the premise and omitted (their "
                                          "number is reported); in the logistic regime the "
                                          "infimum is at infinity and 'minimum' means it",
                 "gets smaller": "the gradient norm (all parameters) at the last step (199) "
                                 "is below the one at step 0",
                 "generally": "true in more than half of the runs that approach a minimum, "
                              "equal-weight mixture of regimes"},
)


# ---------------------------------------------------------------------------------------------
# D5: the gradient direction changes from one iteration to the next

TURN = 0.9  # cosine of about 26 degrees


def _gradient_turns(scenarios, lab):
    out = {"consecutive turn": [], "cumulative turn": [], "lowest consecutive cosine": [],
           "lowest cosine to first gradient": []}
    for run in train_scenarios(scenarios, lab, STEPS):
        grads = _series(run, "grads")
        norms = torch.linalg.vector_norm(grads, dim=-1)
        real = torch.isfinite(norms) & (norms > GRAD_FLOOR * norms[0])
        unit = grads / norms[:, None]
        consecutive = (unit[1:] * unit[:-1]).sum(dim=-1)[real[1:] & real[:-1]]
        to_first = (unit[1:] @ unit[0])[real[1:]]
        for name, low, cosine in (("consecutive turn", "lowest consecutive cosine",
                                   consecutive),
                                  ("cumulative turn", "lowest cosine to first gradient",
                                   to_first)):
            if cosine.numel() == 0:
                # no pair of measurable gradients: omitted, and counted in the report
                out[name].append(math.nan)
                out[low].append(math.nan)
            else:
                out[name].append(float(cosine.min() < TURN))
                out[low].append(cosine.min().item())
    return out


_TURN_POPULATION = regimes("full-batch gradient descent at a rate from the grid, every regime",
                           lr=Choice(RATES), **SGD)

_TURN_COMMON = {
    "measurable gradient": "finite and longer than 1e-4 of the first gradient; shorter ones "
                           "are at float32 rounding level around a reached minimum and their "
                           "direction is noise; a run without a measurable pair is omitted",
    "diverged run": "its gradients before divergence count like any other",
    "tendency": "true in more than half of the scenarios of the equal-weight mixture of "
                "regimes"}

D5a = Claim(
    id="D5a",
    statement="In most runs the gradient turns sharply (by more than about 26 degrees) from "
              "one iteration to the next at least once: a strict reading of the article's "
              "'the direction of the gradient varies across iterations'.",
    source=Source(SECTION, PARAGRAPH),
    kind=Kind.TENDENCY,
    population=_TURN_POPULATION,
    experiment=_gradient_turns,
    decision=SignTest(holds="consecutive turn", n=N, alpha=ALPHA, nan_policy="omit"),
    definitions={**_TURN_COMMON,
                 "direction varies": "the cosine between two consecutive full gradients falls "
                                     "below 0.9 (a turn of more than about 26 degrees from "
                                     "one step to the next) at least once in 100 steps",
                 "sensitivity": "the article names no size of turn, and this reading is "
                                "stronger than its text: an independent review measured the "
                                "share at 0.70 for cos < 0.999, 0.53 for cos < 0.99 and 0.41 "
                                "for cos < 0.9, and from 0.00 at lr 0.01 to 0.84 at lr 1.0; "
                                "a refutation here is of this strict reading only (D5b is the "
                                "cumulative reading)"},
)

D5b = Claim(
    id="D5b",
    statement="The direction of the gradient changes over the iterations of training "
              "(reading: over the run, relative to the first gradient).",
    source=Source(SECTION, PARAGRAPH),
    kind=Kind.TENDENCY,
    population=_TURN_POPULATION,
    experiment=_gradient_turns,
    decision=SignTest(holds="cumulative turn", n=N, alpha=ALPHA, nan_policy="omit"),
    definitions={**_TURN_COMMON,
                 "direction varies": "the cosine between the gradient at some step 1-99 and "
                                     "the gradient at step 0 falls below 0.9 (the direction "
                                     "has turned by more than about 26 degrees)",
                 "history": "this second reading was added after D5a (the one asked for: "
                            "consecutive steps) had been run and refuted; the threshold is "
                            "D5a's, unchanged"},
)


# ---------------------------------------------------------------------------------------------
# D6: an early swing to large weights need not continue

SWING = 1.5    # early peak vs the smaller rate's early peak
RETURN = 1.25  # early peak vs the run's own final weight norm


def _early_swing(scenarios, lab):
    large, small = _pair(scenarios, lab, STEPS, small_steps=EARLY)
    witness, score = [], []
    for run_large, run_small in zip(large, small, strict=True):
        norm_large = _series(run_large, "weight_norm")
        norm_small = _series(run_small, "weight_norm")
        peak = norm_large[1:EARLY + 1].max()
        peak_small = norm_small[1:EARLY + 1].max()
        after = norm_large[EARLY + 1:].max()
        swing = (peak / peak_small).item()
        found = (_settles(run_large) and swing >= SWING and bool(after <= peak)
                 and bool(peak >= RETURN * norm_large[-1]))
        witness.append(found)
        score.append(swing if _settles(run_large) and math.isfinite(swing) else 0.0)
    return {"witness": witness, "early peak / smaller-rate early peak": score}


D6 = Claim(
    id="D6",
    statement="A large learning rate can drive the weights to unusually large magnitudes in the "
              "first steps without their magnitude growing any further afterwards.",
    source=Source(SECTION, PARAGRAPH),
    kind=Kind.EXISTENTIAL,
    population=regimes("full-batch gradient descent from one start at a large rate (0.1, 0.3 "
                       "or 1.0) and at a tenth of it, every regime",
                       lr=Choice(LARGE_RATES), **SGD),
    experiment=_early_swing,
    decision=Witness(n=N, alpha=ALPHA, score="early peak / smaller-rate early peak", **SEARCH),
    definitions={"extreme early values": "the largest weight norm over steps 1-10 at the large "
                                         "rate is at least 1.5 times the largest over the same "
                                         "steps at a tenth of the rate, and at least 1.25 times "
                                         "the run's own final (step 100) weight norm, so it "
                                         "was an excursion, not where the run settles",
                 "no further growth": "the weight norm over steps 11-100 never exceeds that "
                                      "early peak, and the run settles (module docstring; a "
                                      "diverging run grows further and is no witness)"},
)


# ---------------------------------------------------------------------------------------------
# D7: fast early movement can overshoot the minimum

PAST = 0.01  # how far past the minimiser, as a share of the initial distance to it


def _overshoot_along_line(run, target: torch.Tensor, last: int) -> bool:
    params = _series(run, "params")[:last + 1]
    start = params[0]
    distance = torch.linalg.vector_norm(target - start)
    if not distance > 0:
        return False
    direction = (target - start) / distance
    beyond = (params[1:] - target) @ direction
    return bool((beyond > PAST * distance).any())


def _overshoot_minimiser(scenarios, lab):
    large, small = _pair(scenarios, lab, STEPS, small_steps=EARLY)
    witness = []
    for scenario, run_large, run_small in zip(scenarios, large, small, strict=True):
        target = _minimiser(scenario, lab, _series(run_large, "params")[0])
        witness.append(_settles(run_large)
                       and _overshoot_along_line(run_large, target, EARLY)
                       and not _overshoot_along_line(run_small, target, EARLY))
    return {"witness": witness}


_OVERSHOOT_COMMON = {
    "fast early movement": "the first 10 steps at a large rate (0.1, 0.3 or 1.0), against "
                           "the same 10 steps at a tenth of that rate from the same start, "
                           "which must not overshoot (so the overshoot is due to the speed)",
    "not divergence": "the large-rate run settles over 100 steps (module docstring: finite, "
                      "final loss below the initial one and not measurably above the one at "
                      "step 50); overshooting that ends in divergence is paragraph 5's claim"}

D7a = Claim(
    id="D7a",
    statement="The fast early movement caused by a large learning rate can carry the "
              "parameters past the minimum (reading: past the minimiser along the line from "
              "the start to it).",
    source=Source(SECTION, PARAGRAPH),
    kind=Kind.EXISTENTIAL,
    population=regimes("full-batch gradient descent from one start at a large rate (0.1, 0.3 "
                       "or 1.0) and at a tenth of it, least-squares regimes only (toy, "
                       "linreg-over, linreg-under), where the minimiser is known exactly",
                       names=LEAST_SQUARES, lr=Choice(LARGE_RATES), **SGD),
    experiment=_overshoot_minimiser,
    decision=Witness(n=N, alpha=ALPHA, **SEARCH),
    definitions={**_OVERSHOOT_COMMON,
                 "minimum": "the least-squares minimiser gradient descent converges to from "
                            "the start (the closest point of the solution set; unique when "
                            "the problem is over-determined), all parameters incl. the bias",
                 "overshoot": "at some step 1-10 the parameters lie beyond the minimiser along "
                              "the line from the start through it, by more than 1% of the "
                              "initial distance to it"},
)


def _overshoot_loss(scenarios, lab):
    large, small = _pair(scenarios, lab, STEPS, small_steps=EARLY)
    witness = [_settles(run_large) and _loss_rises(run_large, EARLY)
               and not _loss_rises(run_small, EARLY)
               for run_large, run_small in zip(large, small, strict=True)]
    return {"witness": witness}


D7b = Claim(
    id="D7b",
    statement="The fast early movement caused by a large learning rate can overshoot the "
              "minimum (reading: a step goes past the bottom of the valley so that the loss "
              "rises).",
    source=Source(SECTION, PARAGRAPH),
    kind=Kind.EXISTENTIAL,
    population=regimes("full-batch gradient descent from one start at a large rate (0.1, 0.3 "
                       "or 1.0) and at a tenth of it, every regime",
                       lr=Choice(LARGE_RATES), **SGD),
    experiment=_overshoot_loss,
    decision=Witness(n=N, alpha=ALPHA, **SEARCH),
    definitions={**_OVERSHOOT_COMMON,
                 "overshoot": "the full-batch loss rises measurably (module docstring: by more "
                              "than 1e-4 of its value and 1e-6 of the initial loss) from one of "
                              "steps 0-9 to the next (a step landed higher on the opposite side "
                              "of the valley)"},
)


# ---------------------------------------------------------------------------------------------
# D8: larger rates can oscillate: overshoot and correct, repeatedly


def _oscillation(scenarios, lab):
    large, small = _pair(scenarios, lab, STEPS)
    out = {"update witness": [], "loss witness": [], "update reversals": [],
           "loss cycles": []}
    for run_large, run_small in zip(large, small, strict=True):
        reversals = len(_update_reversals(run_large))
        cycles = _loss_cycles(run_large)
        settles = _settles(run_large)
        out["update witness"].append(settles and reversals >= REPEATED
                                     and len(_update_reversals(run_small)) < REPEATED)
        out["loss witness"].append(settles and cycles >= REPEATED
                                   and _loss_cycles(run_small) < REPEATED)
        out["update reversals"].append(reversals if settles else 0)
        out["loss cycles"].append(cycles if settles else 0)
    return out


_OSCILLATION_POPULATION = regimes(
    "full-batch gradient descent from one start at a large rate (0.1, 0.3 or 1.0) and at a "
    "tenth of it, every regime", lr=Choice(LARGE_RATES), **SGD)

_OSCILLATION_COMMON = {
    "higher rate": "0.1, 0.3 or 1.0, against a tenth of it from the same start, which must "
                   "not oscillate by the same definition",
    "corrects itself": "the oscillating run settles over 100 steps (module docstring: "
                       "finite, final loss below the initial one and not measurably above the "
                       "one at step 50); a run that blows up does not correct",
    "repeatedly": "at least 3 times in 100 steps"}

D8a = Claim(
    id="D8a",
    statement="A higher learning rate can make training oscillate, repeatedly overshooting "
              "and correcting (reading: the update direction keeps reversing).",
    source=Source(SECTION, PARAGRAPH),
    kind=Kind.EXISTENTIAL,
    population=_OSCILLATION_POPULATION,
    experiment=_oscillation,
    decision=Witness(witness="update witness", score="update reversals", n=N, alpha=ALPHA,
                     **SEARCH),
    definitions={**_OSCILLATION_COMMON,
                 "overshoot and correction": "two consecutive updates (all parameters) with a "
                                             "negative inner product, each longer than 1e-5 * "
                                             "max(1, |params|) (shorter ones are float32 "
                                             "rounding noise)"},
)

D8b = Claim(
    id="D8b",
    statement="A higher learning rate can make training oscillate, repeatedly overshooting "
              "and correcting (reading: the loss goes up and then down again, repeatedly).",
    source=Source(SECTION, PARAGRAPH),
    kind=Kind.EXISTENTIAL,
    population=_OSCILLATION_POPULATION,
    experiment=_oscillation,
    decision=Witness(witness="loss witness", score="loss cycles", n=N, alpha=ALPHA, **SEARCH),
    definitions={**_OSCILLATION_COMMON,
                 "overshoot and correction": "the full-batch loss rises at one step and falls "
                                             "at the next, both measurably (module docstring: "
                                             "by more than 1e-4 of the current loss and 1e-6 "
                                             "of the initial loss)"},
)


# ---------------------------------------------------------------------------------------------
# D9: oscillation need not enlarge the weights; they can hover around moderate magnitudes

BAND = 0.25  # relative half-width of the band of moderate magnitudes
SIDE = 0.01  # a visible excursion above or below the optimum's norm (not rounding)


def _oscillation_window(run) -> tuple[int, int] | None:
    """First and last parameter index of the oscillation, or None when the run does not
    oscillate (fewer than REPEATED reversals). A reversal at step t overshoots at t + 1 and
    corrects at t + 2, so the window runs from one step after the first counted reversal to two
    steps after the last; the point before the first overshoot (often the initialisation) is
    not part of the oscillation."""
    turns = _update_reversals(run)
    if len(turns) < REPEATED:
        return None
    return turns[0] + 1, turns[-1] + 2


def _hover_around_optimum(scenarios, lab):
    out = {"witness": [], "largest relative gap to optimum norm": []}
    for scenario, run in zip(scenarios, train_scenarios(scenarios, lab, STEPS), strict=True):
        window = _oscillation_window(run)
        if window is None or not _settles(run):
            out["witness"].append(False)
            out["largest relative gap to optimum norm"].append(math.inf)
            continue
        params = _series(run, "params")
        optimum = _minimiser(scenario, lab, params[0])[list(run.weight_columns)]
        reference = torch.linalg.vector_norm(optimum)
        norms = _series(run, "weight_norm")[window[0]:window[1] + 1]
        gap = ((norms - reference) / reference)
        within = bool((gap.abs() <= BAND).all())
        both_sides = bool((gap > SIDE).any() and (gap < -SIDE).any())
        out["witness"].append(within and both_sides)
        out["largest relative gap to optimum norm"].append(gap.abs().max().item())
    return out


D9a = Claim(
    id="D9a",
    statement="An oscillating run need not push the weights to large magnitudes: their "
              "magnitude can move above and below a moderate level (reading: the magnitude "
              "of the optimal weights).",
    source=Source(SECTION, PARAGRAPH),
    kind=Kind.EXISTENTIAL,
    population=regimes("full-batch gradient descent at a large rate (0.1, 0.3 or 1.0), "
                       "least-squares regimes only (toy, linreg-over, linreg-under), where "
                       "the optimal weights are known exactly", names=LEAST_SQUARES,
                       lr=Choice(LARGE_RATES), **SGD),
    experiment=_hover_around_optimum,
    decision=Witness(n=N, alpha=ALPHA, **SEARCH),
    definitions={"oscillating run": "at least 3 update reversals in 100 steps (see the module "
                                    "docstring) in a run that settles",
                 "during the oscillation": "from one step after the first counted reversal (its "
                                           "overshoot) to two steps after the last (its "
                                           "correction)",
                 "moderate level": "the weight norm of the least-squares minimiser gradient "
                                   "descent converges to from the start",
                 "hover above and below": "throughout the oscillation the weight norm stays "
                                          "within 25% of that level, and it is more than 1% "
                                          "above it at some step and more than 1% below it "
                                          "at another"},
)


def _hover_like_stable_run(scenarios, lab):
    large, small = _pair(scenarios, lab, STEPS)
    out = {"witness": [], "oscillation norm / stable range": []}
    for run_large, run_small in zip(large, small, strict=True):
        window = _oscillation_window(run_large)
        if (window is None or not _settles(run_large)
                or _oscillation_window(run_small) is not None or not _settles(run_small)):
            out["witness"].append(False)
            out["oscillation norm / stable range"].append(math.inf)
            continue
        stable = _series(run_small, "weight_norm")
        norms = _series(run_large, "weight_norm")[window[0]:window[1] + 1]
        low, high = (1 - BAND) * stable.min(), (1 + BAND) * stable.max()
        out["witness"].append(bool(((norms >= low) & (norms <= high)).all()))
        out["oscillation norm / stable range"].append((norms.max() / stable.max()).item())
    return out


D9b = Claim(
    id="D9b",
    statement="An oscillating run need not push the weights to larger magnitudes than a "
              "stable run from the same start (reading: the oscillating weights stay within "
              "the magnitudes a non-oscillating smaller-rate run goes through).",
    source=Source(SECTION, PARAGRAPH),
    kind=Kind.EXISTENTIAL,
    population=_OSCILLATION_POPULATION,
    experiment=_hover_like_stable_run,
    decision=Witness(n=N, alpha=ALPHA, **SEARCH),
    definitions={"oscillating run": "at least 3 update reversals in 100 steps (see the module "
                                    "docstring) in a run that settles",
                 "stable run": "the same start trained at a tenth of the rate, settling and not "
                               "oscillating by the same definition",
                 "during the oscillation": "from one step after the first counted reversal (its "
                                           "overshoot) to two steps after the last (its "
                                           "correction)",
                 "moderate magnitudes": "every weight norm of the oscillating run during its "
                                        "oscillation lies between 0.75 times the smallest and "
                                        "1.25 times the largest weight norm of the stable run "
                                        "over its 100 steps"},
)


__all__ = ["D3a", "D3b", "D3c", "D4", "D5a", "D5b", "D6", "D7a", "D7b", "D8a", "D8b", "D9a",
           "D9b"]
