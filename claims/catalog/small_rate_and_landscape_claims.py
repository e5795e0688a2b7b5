"""Claims of "Understanding the Dynamics" (§1), paragraphs 4 and 5: smaller learning rates,
the shape of the loss landscape, and L1/L2 regularisation.

Paragraphs are counted within §1 as in ``dynamics_claims.py``: 1 introduces gradient descent,
2 gives the update rule, 3 discusses larger rates, 4 smaller rates, 5 the loss landscape and
regularisation. Paragraph 4 gives D10 (one step from the same point, in ``dynamics_claims.py``),
its whole-run readings D10b and D10c, and D11 to D14; paragraph 5 gives D15 to D19.

Population choices. The statements are about training in general, so they are tried on the
suite's regimes (``regimes.py``: toy, linreg-over, linreg-under, logistic, mlp, normalized),
each scenario drawing its own data and PyTorch-default initialisation, with the optimizer one
of SGD, SGD with momentum 0.9, Adam and AdamW. A "smaller rate" is always a tenth of a
"larger rate" (``RATIO`` = 10), both started from the same point on the same data; the larger
rate is 0.01 or 0.1 (``RATES``), ordinary rates for all four optimizers, so that most runs are
stable and divergence, where it happens, is data. Claims restrict the regimes where a notion
does not apply and say why (sparsity of a single weight; input scaling behind batch
normalisation). Claims about regularisation compare runs *with* and *without* it, and
"without" means nothing at all: no penalty and weight decay 0 (AdamW's default decay and the
``normalized`` regime's own decay are switched off in both arms, the regularised arm adding
only the regularisation under test).

Shared definitions:

- *weights*: the trajectory's weights (biases excluded; in ``normalized`` only the
  scale-invariant first layer); *weight magnitude*: their Euclidean norm;
- *diverged*: a non-finite loss or parameter within the run (``Trajectory.diverged_at``); each
  claim says how a diverged run counts (most: a comparison where both runs diverged is
  undefined and omitted, a lone diverged run loses the comparison);
- *a loss rise*: a step whose loss exceeds the previous one by more than ``RISE_FLOOR`` = 1e-6
  of the initial loss, or becomes non-finite (smaller rises are rounding noise; the
  trajectory claims run in float64);
- *steep* / *smooth* landscape: the regime's inputs multiplied by 3 or 10 (curvature of the
  loss in the input weights times 9 or 100) / by 0.1 or 0.3 (curvature in the input weights
  times 0.01 or 0.09). Input scaling does not touch the curvature along biases (2 for a bias
  under MSE) or, in the MLP, along the output layer: a steep version is steep, but a smooth
  version is smooth only in the input-weight directions. (An earlier wording of D16 said the
  toy problem's largest Hessian eigenvalue drops to about 1; with the bias it stays near 2.8
  at scale 0.3. The experiment is unchanged; the wording was corrected.)

Sample sizes: n = 200 per regime for every statistical test (the exact binomial test against
0.5 at alpha = 0.01 has power 0.86 at a true share of 0.62); tendencies are judged on the
pooled equal-weight mixture of the regimes. Searches are short Hypothesis searches per regime
plus a random sample.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import torch

from .. import Choice, Claim, Kind, SignTest, Source, WilcoxonTest, Witness
from .regimes import OPTIMIZERS, optimizer_of, penalty_of, problem_of, regimes

SECTION = "§1 Understanding the Dynamics"
ALPHA = 0.01
N = 200
N_WITNESS = 50

RATES = (0.01, 0.1)        # the larger rate of a pair; the smaller one is RATE / RATIO
RATIO = 10.0
STRENGTHS = (1e-2, 1e-1)   # regularisation strengths (penalty coefficient or weight decay)
STEPS = 100                # training budget of the whole-run claims
SHORT = 50                 # budget of the cheaper per-step claims and searches
EARLY = 10                 # "initial progress": the loss after this many steps
RISE_FLOOR = 1e-6          # relative loss rise below which a rise is rounding noise
TARGET = 0.5               # D13: the error level is half the initial loss
BLOW_UP = 100.0            # D15: final loss this many times the initial one = diverged
NEAR_ZERO = 0.01           # D18a: |w| at or below this counts as (near) zero
SIMILAR = 1.5              # D14: final losses within this factor are "similar"
FAR = 0.5                  # D14: relative distance of final weights for "very different"
MEANINGFUL = math.log(1.01)  # D12, D19a: a change of at least 1 % in the weight norm

SEARCH = {"examples": 10, "batch": 2}

Arm = Callable[[Mapping[str, Any]], Mapping[str, Any]]


# ---------------------------------------------------------------------------------------------
# training: several "arms" (overrides of a scenario) from the same start on the same data


def _train(jobs: Sequence[Mapping[str, Any]], lab, steps: int) -> list:
    """Train each job (a scenario with overrides) from its own seeds; one batched run per
    problem and penalty. ``x_scale`` multiplies the inputs (steep or smooth landscape)."""
    groups: dict[tuple, list[int]] = {}
    for index, job in enumerate(jobs):
        groups.setdefault((problem_of(job), penalty_of(job)), []).append(index)
    out: list = [None] * len(jobs)
    for (problem, penalty), members in groups.items():
        chosen = [jobs[i] for i in members]
        start = lab.initial(problem, [j["init_seed"] for j in chosen])
        data = dict(lab.data(problem, [j["data_seed"] for j in chosen]))
        scale = torch.tensor([float(j.get("x_scale", 1.0)) for j in chosen],
                             dtype=data["x"].dtype)
        data["x"] = data["x"] * scale.view(-1, 1, 1)
        specs = [optimizer_of(j) for j in chosen]
        run = lab.train_each(problem, specs, start, steps, data, penalty=penalty)
        for j, i in enumerate(members):
            out[i] = run.replicate(j)
    return out


def _arms(scenarios, lab, steps: int, **arms: Arm) -> dict[str, list]:
    """Every scenario trained once per arm, all in one call; trajectories by arm name."""
    jobs = [{**s, **arm(s)} for arm in arms.values() for s in scenarios]
    runs = _train(jobs, lab, steps)
    count = len(scenarios)
    return {name: runs[k * count:(k + 1) * count] for k, name in enumerate(arms)}


def _larger(s):
    return {"lr": s["lr"]}


def _smaller(s):
    return {"lr": s["lr"] / RATIO}


def _bare(s):
    """No regularisation of any form."""
    return {"penalty": "none", "weight_decay": 0.0}


# ---------------------------------------------------------------------------------------------
# per-run series, float64, one column per scenario


def _loss(runs) -> torch.Tensor:
    return torch.stack([r.loss[:, 0] for r in runs], dim=1).double()


def _norm(runs) -> torch.Tensor:
    return torch.stack([r.weight_norm[:, 0] for r in runs], dim=1).double()


def _diverged(runs) -> torch.Tensor:
    return torch.stack([r.diverged_at[0] >= 0 for r in runs])


def _final_norm(runs) -> torch.Tensor:
    """Final weight norm; +inf for a diverged run."""
    norm = _norm(runs)[-1]
    return torch.where(_diverged(runs), torch.full_like(norm, math.inf), norm)


def _rises(runs) -> torch.Tensor:
    """Number of loss rises along each run (see the module docstring)."""
    loss = _loss(runs)
    floor = RISE_FLOOR * loss[0].abs()
    ok = loss[1:] <= loss[:-1] + floor
    return (~ok).sum(dim=0).double()


def _nan_where(values: torch.Tensor, undefined: torch.Tensor) -> torch.Tensor:
    values = values.double()
    return torch.where(undefined, torch.full_like(values, math.nan), values)


def _both_diverged(a, b) -> torch.Tensor:
    return _diverged(a) & _diverged(b)


# ---------------------------------------------------------------------------------------------
# paragraph 4: smaller learning rates

PAIR_POPULATION = regimes(
    "all six regimes; four optimizers; the larger rate 0.01 or 0.1, the smaller a tenth of it, "
    "from the same start on the same data",
    optimizer=Choice(OPTIMIZERS), lr=Choice(RATES))


def _per_step_change(scenarios, lab):
    runs = _arms(scenarios, lab, SHORT, small=_smaller, large=_larger)
    out = {}
    for name, rs in runs.items():
        moves, changes = [], []
        for r in rs:
            w = r.weights[:, 0].double()
            moves.append(torch.linalg.vector_norm(w[1:] - w[:-1], dim=-1).mean())
            changes.append(torch.diff(torch.linalg.vector_norm(w, dim=-1)).abs().mean())
        bad = _diverged(rs)
        inf = torch.tensor(math.inf, dtype=torch.float64)
        out[name] = (torch.where(bad, inf, torch.stack(moves)),
                     torch.where(bad, inf, torch.stack(changes)))
    both = _both_diverged(runs["small"], runs["large"])
    (move_s, change_s), (move_l, change_l) = out["small"], out["large"]
    return {"smaller moves": _nan_where(move_s < move_l, both),
            "smaller norm changes": _nan_where(change_s < change_l, both),
            "mean step, smaller rate": move_s, "mean step, larger rate": move_l}


_PER_STEP_DEFS = {
    "smaller rate": "the larger rate / 10, same optimizer, start and data",
    "whole run": f"{SHORT} full-batch steps",
    "diverged": "a diverged run's mean change is +inf (a lone diverged run counts as moving "
                "more); pairs where both diverged are undefined and omitted (nan_policy omit)",
    "tends to": "true in more than half of the scenarios of the mixture",
}

D10b = Claim(
    id="D10b",
    statement="Over a whole run, a smaller learning rate moves the weights less per step, on "
              "average, than a larger one started from the same point.",
    source=Source(SECTION, 4),
    kind=Kind.TENDENCY,
    population=PAIR_POPULATION,
    experiment=_per_step_change,
    decision=SignTest(holds="smaller moves", n=N, alpha=ALPHA, nan_policy="omit"),
    definitions={**_PER_STEP_DEFS,
                 "per-step change": "Euclidean norm of the weight change ||w[t+1] - w[t]||, "
                                    "averaged over the run's own steps"},
    dtype="float64",
)

D10c = Claim(
    id="D10c",
    statement="Over a whole run, the size of the weights changes less per step, on average, "
              "with a smaller learning rate than with a larger one from the same point.",
    source=Source(SECTION, 4),
    kind=Kind.TENDENCY,
    population=PAIR_POPULATION,
    experiment=_per_step_change,
    decision=SignTest(holds="smaller norm changes", n=N, alpha=ALPHA, nan_policy="omit"),
    definitions={**_PER_STEP_DEFS,
                 "per-step change": "| ||w[t+1]|| - ||w[t]|| |, the change of the weight "
                                    "magnitude, averaged over the run's own steps (the "
                                    "article's wording: changes in the weight magnitude)"},
    dtype="float64",
)


def _pair_dynamics(scenarios, lab):
    runs = _arms(scenarios, lab, STEPS, small=_smaller, large=_larger)
    small, large = runs["small"], runs["large"]
    both = _both_diverged(small, large)
    ls, ll = _loss(small), _loss(large)
    floor = RISE_FLOOR * ls[0].abs()
    final_s = torch.where(_diverged(small), math.inf, ls[-1])
    final_l = torch.where(_diverged(large), math.inf, ll[-1])
    rises_s, rises_l = _rises(small), _rises(large)

    # steps to reach TARGET x initial loss; STEPS + 1 when never reached (censored)
    def first(loss):
        reached = loss <= TARGET * loss[0]
        step = torch.argmax(reached.to(torch.int8), dim=0).double()
        return torch.where(reached.any(dim=0), step, torch.full_like(step, STEPS + 1))

    steps_s, steps_l = first(ls), first(ll)
    censored_s, censored_l = steps_s > STEPS, steps_l > STEPS
    return {"slower": _nan_where(final_s > final_l + floor, both),
            "strictly smoother": _nan_where(rises_s < rises_l, both),
            "rises larger - rises smaller": _nan_where(rises_l - rises_s, both),
            "needs more steps": _nan_where(steps_s > steps_l, censored_s & censored_l),
            "final loss, smaller rate": final_s, "final loss, larger rate": final_l,
            "steps to target, smaller rate": steps_s, "steps to target, larger rate": steps_l}


_PAIR_DEFS = {
    "smaller rate": "the larger rate (0.01 or 0.1) / 10, same optimizer, start and data",
    "both rates stable?": "not required: all pairs count; with these ordinary rates most "
                          "runs are stable. A diverged larger rate counts against D11a (its "
                          "loss is +inf, so the smaller rate is not slower) and for D11b and "
                          "D11c (its non-finite steps count as loss rises); pairs where both "
                          "diverged are omitted (nan_policy omit)",
    "tends to": "true in more than half of the scenarios of the mixture",
}

D11a = Claim(
    id="D11a",
    statement="A smaller learning rate tends to learn more slowly: after the same number of "
              "steps its loss is still higher.",
    source=Source(SECTION, 4),
    kind=Kind.TENDENCY,
    population=PAIR_POPULATION,
    experiment=_pair_dynamics,
    decision=SignTest(holds="slower", n=N, alpha=ALPHA, nan_policy="omit"),
    definitions={**_PAIR_DEFS,
                 "slower": f"data loss after the same budget of {STEPS} full-batch steps "
                           "higher with the smaller rate by more than 1e-6 of the initial "
                           "loss (equal losses: not slower); a diverged run's loss is +inf",
                 "other reading": "'more steps to reach a given error' is D13"},
    dtype="float64",
)

D11b = Claim(
    id="D11b",
    statement="A smaller learning rate tends to converge more smoothly: its loss goes up on "
              "fewer steps than with a larger rate (strict reading: ties count against).",
    source=Source(SECTION, 4),
    kind=Kind.TENDENCY,
    population=PAIR_POPULATION,
    experiment=_pair_dynamics,
    decision=SignTest(holds="strictly smoother", n=N, alpha=ALPHA, nan_policy="omit"),
    definitions={**_PAIR_DEFS,
                 "smoother": f"strictly fewer loss rises over {STEPS} steps than the larger "
                             "rate; a pair with equally many rises (e.g. both monotone) "
                             "counts as not smoother",
                 "loss rise": "loss[t+1] > loss[t] + 1e-6 * loss[0], or non-finite"},
    dtype="float64",
)

D11c = Claim(
    id="D11c",
    statement="A smaller learning rate tends to converge more smoothly: where the two rates "
              "differ in how often the loss goes up, the smaller rate has fewer rises "
              "(paired reading).",
    source=Source(SECTION, 4),
    kind=Kind.TENDENCY,
    population=PAIR_POPULATION,
    experiment=_pair_dynamics,
    decision=WilcoxonTest(difference="rises larger - rises smaller", n=N, alpha=ALPHA,
                          nan_policy="omit"),
    definitions={**_PAIR_DEFS,
                 "smoother": f"the number of loss rises over {STEPS} steps of the larger rate "
                             "minus that of the smaller rate tends to be positive (Wilcoxon "
                             "signed-rank; equally smooth pairs, difference 0, carry no "
                             "direction and are dropped)",
                 "tends to": "among the pairs whose smoothness differs (ties are dropped by "
                             "the test, and the reason counts them): this verdict does not "
                             "say that most pairs differ; D11b is the reading where ties count "
                             "against",
                 "loss rise": "loss[t+1] > loss[t] + 1e-6 * loss[0], or non-finite"},
    dtype="float64",
)


def _final_norms(scenarios, lab):
    runs = _arms(scenarios, lab, SHORT, small=_smaller, large=_larger)
    norm_s, norm_l = _final_norm(runs["small"]), _final_norm(runs["large"])
    ratio = torch.log(norm_s / norm_l)
    finite = torch.isfinite(ratio)
    return {"smaller rate, larger weights": finite & (ratio >= MEANINGFUL),
            "log norm ratio": torch.where(finite, ratio, torch.full_like(ratio, -math.inf)),
            "final norm, smaller rate": norm_s, "final norm, larger rate": norm_l}


D12 = Claim(
    id="D12",
    statement="A smaller learning rate does not guarantee smaller weights: from the same "
              "start, it can end with a larger weight norm than a larger rate.",
    source=Source(SECTION, 4),
    kind=Kind.EXISTENTIAL,
    population=PAIR_POPULATION,
    experiment=_final_norms,
    decision=Witness(shrink=False, witness="smaller rate, larger weights", score="log norm ratio",
                     n=N_WITNESS, alpha=ALPHA, **SEARCH),
    definitions={"smaller rate": "the larger rate / 10, same optimizer, start and data",
                 "weight magnitude": "Euclidean norm of the weights after "
                                     f"{SHORT} full-batch steps",
                 "larger": "at least 1 % larger; both runs finite"},
    dtype="float64",
)

D13 = Claim(
    id="D13",
    statement="A smaller learning rate tends to need more steps to bring the loss down to "
              "the same level.",
    source=Source(SECTION, 4),
    kind=Kind.TENDENCY,
    population=PAIR_POPULATION,
    experiment=_pair_dynamics,
    decision=SignTest(holds="needs more steps", n=N, alpha=ALPHA, nan_policy="omit"),
    definitions={"same level of error": "data loss at most half the initial loss (the same "
                                        "start, hence the same target, for both rates)",
                 "steps": f"first step t with loss[t] <= 0.5 * loss[0], within a budget of "
                          f"{STEPS} steps",
                 "censored": "a run that never reaches the target within the budget (or "
                             "diverges first) gets steps = budget + 1: a censored smaller "
                             "rate against an uncensored larger one counts as 'more steps', "
                             "the reverse as 'not more'; pairs where both are censored are "
                             "undefined and omitted (their number is reported as omitted)",
                 "more": "strictly more steps (the same step: not more)",
                 "smaller rate": "the larger rate (0.01 or 0.1) / 10"},
    dtype="float64",
)


def _far_weights(scenarios, lab):
    runs = _arms(scenarios, lab, STEPS, small=_smaller, large=_larger)
    small, large = runs["small"], runs["large"]
    ls, ll = _loss(small), _loss(large)
    finite = ~_diverged(small) & ~_diverged(large)
    progress = (ls[-1] <= 0.5 * ls[0]) & (ll[-1] <= 0.5 * ll[0])
    similar = finite & progress & (torch.log(ls[-1] / ll[-1]).abs() <= math.log(SIMILAR))
    distance = []
    for s, g in zip(small, large, strict=True):
        ws, wl = s.weights[-1, 0].double(), g.weights[-1, 0].double()
        scale = torch.maximum(ws.norm(), wl.norm())
        distance.append((ws - wl).norm() / scale)
    distance = torch.nan_to_num(torch.stack(distance), nan=-1.0, posinf=-1.0)
    return {"similar loss, very different weights": similar & (distance >= FAR),
            "distance if similar": torch.where(similar, distance, torch.full_like(distance,
                                                                                  -1.0))}


D14 = Claim(
    id="D14",
    statement="A smaller learning rate can end at very different weights from a larger one, "
              "even when both runs reach a similar loss.",
    source=Source(SECTION, 4),
    kind=Kind.EXISTENTIAL,
    population=regimes(
        "regimes with many weight settings of (nearly) equal loss: under-determined linear "
        "regression and the tanh MLP; four optimizers; larger rate 0.01 or 0.1, smaller a "
        "tenth, same start and data",
        names=("linreg-under", "mlp"), optimizer=Choice(OPTIMIZERS), lr=Choice(RATES)),
    experiment=_far_weights,
    decision=Witness(witness="similar loss, very different weights",
                     score="distance if similar", n=N_WITNESS, alpha=ALPHA, **SEARCH),
    definitions={"final": f"after {STEPS} full-batch steps",
                 "similar loss": "both runs finite, both final losses at most half the "
                                 "initial loss, and within a factor 1.5 of each other",
                 "very different": "||w_small - w_large|| >= 0.5 * max(||w_small||, "
                                   "||w_large||) for the final weight vectors"},
    dtype="float64",
)


# ---------------------------------------------------------------------------------------------
# paragraph 5: the landscape

def _blown_up(runs) -> torch.Tensor:
    loss = _loss(runs)
    return _diverged(runs) | ~(loss[-1] < BLOW_UP * loss[0])


def _steep_divergence(scenarios, lab):
    runs = _arms(scenarios, lab, SHORT, steep=lambda s: {"x_scale": s["x_scale"]},
                 original=lambda s: {"x_scale": 1.0})
    steep, original = runs["steep"], runs["original"]
    loss = _loss(original)
    fine = ~_blown_up(original) & (loss[-1] < loss[0])
    steep_loss = _loss(steep)
    growth = torch.nan_to_num(torch.log(steep_loss[-1] / steep_loss[0]), nan=1e3, posinf=1e3)
    return {"diverges only when steep": _blown_up(steep) & fine,
            "log loss growth, steep": growth}


D15 = Claim(
    id="D15",
    statement="On a steep, sharply curved loss landscape, a learning rate that trains fine "
              "on a gentler version of the same problem can make training diverge.",
    source=Source(SECTION, 5),
    kind=Kind.EXISTENTIAL,
    population=regimes(
        "the toy, over-determined regression, logistic and MLP regimes made steep by "
        "multiplying the inputs by 3 or 10; four optimizers; rate 0.01 or 0.1 (the "
        "normalized regime is left out: batch normalisation removes the input scale)",
        names=("toy", "linreg-over", "logistic", "mlp"), optimizer=Choice(OPTIMIZERS),
        lr=Choice(RATES), x_scale=Choice((3.0, 10.0))),
    experiment=_steep_divergence,
    decision=Witness(witness="diverges only when steep", score="log loss growth, steep",
                     n=N_WITNESS, alpha=ALPHA, **SEARCH),
    definitions={"steep": "inputs multiplied by 3 or 10: the curvature of the loss in the "
                          "first-layer weights grows 9 or 100 times (exactly so for the "
                          "least-squares regimes)",
                 "diverge": f"a non-finite loss or parameter within {SHORT} steps, or a final "
                            "loss at least 100 times the initial one",
                 "trains fine": "on the original inputs, same rate, start and data: not "
                                "diverged and final loss below the initial loss"},
    dtype="float64",
)

SMOOTH_POPULATION = regimes(
    "five regimes made smooth by multiplying the inputs by 0.1 or 0.3; four optimizers; the "
    "smaller rate 0.01 or 0.1 against ten times it, same start and data (the normalized "
    "regime is left out: batch normalisation removes the input scale)",
    names=("toy", "linreg-over", "linreg-under", "logistic", "mlp"),
    optimizer=Choice(OPTIMIZERS), lr=Choice(RATES), x_scale=Choice((0.1, 0.3)))


def _early_progress(scenarios, lab):
    runs = _arms(scenarios, lab, EARLY,
                 small=lambda s: {"lr": s["lr"]},
                 large=lambda s: {"lr": s["lr"] * RATIO})
    small, large = runs["small"], runs["large"]
    ls = torch.where(_diverged(small), math.inf, _loss(small)[-1])
    ll = torch.where(_diverged(large), math.inf, _loss(large)[-1])
    gain = torch.nan_to_num(torch.log(ls / ll), nan=-1e3, posinf=1e3, neginf=-1e3)
    return {"larger rate ahead early": ll < ls, "log loss ratio small/large": gain}


_SMOOTH_DEFS = {
    "smooth": "inputs multiplied by 0.1 or 0.3: curvature of the loss in the input "
              "(first-layer) weights 100 or about 11 times lower; the curvature along biases "
              "(2 under MSE) and, in the MLP, along the output layer is not lowered, so "
              "against the largest rate 1.0 those directions stay at the edge of stability "
              "for SGD (corrected wording, see the module docstring)",
    "large rate": "ten times the smaller rate (0.1 or 1.0 against 0.01 or 0.1)",
    "faster initial progress": f"strictly lower data loss after the first {EARLY} full-batch "
                               "steps; a diverged run's loss is +inf",
}

D16a = Claim(
    id="D16a",
    statement="On a smooth, gently curved loss landscape, a larger learning rate can make "
              "faster initial progress.",
    source=Source(SECTION, 5),
    kind=Kind.EXISTENTIAL,
    population=SMOOTH_POPULATION,
    experiment=_early_progress,
    decision=Witness(witness="larger rate ahead early", score="log loss ratio small/large",
                     n=N_WITNESS, alpha=ALPHA, **SEARCH),
    definitions=_SMOOTH_DEFS,
    dtype="float64",
)

D16b = Claim(
    id="D16b",
    statement="On smooth, gently curved loss landscapes, a larger learning rate generally "
              "makes faster initial progress (tendency reading).",
    source=Source(SECTION, 5),
    kind=Kind.TENDENCY,
    population=SMOOTH_POPULATION,
    experiment=_early_progress,
    decision=SignTest(holds="larger rate ahead early", n=N, alpha=ALPHA),
    definitions={**_SMOOTH_DEFS,
                 "generally": "true in more than half of the scenarios of the mixture"},
    dtype="float64",
)


# ---------------------------------------------------------------------------------------------
# paragraph 5: regularisation

REG_POPULATION = regimes(
    "all six regimes; four optimizers; rate 0.01 or 0.1; regularisation strength 0.01 or "
    "0.1; the unregularised arm has no penalty and weight decay 0 (also for AdamW and the "
    "normalized regime), same start, rate and data in both arms",
    optimizer=Choice(OPTIMIZERS), lr=Choice(RATES), strength=Choice(STRENGTHS))


def _regularised_norms(arm: Arm):
    def experiment(scenarios, lab):
        runs = _arms(scenarios, lab, STEPS, none=_bare, reg=arm)
        none, reg = runs["none"], runs["reg"]
        n_none, n_reg = _final_norm(none), _final_norm(reg)
        return {"smaller with regularisation": _nan_where(n_reg < n_none,
                                                          _both_diverged(none, reg)),
                "final norm, regularised": n_reg, "final norm, none": n_none}
    return experiment


def _l2_penalty(s):
    return {"penalty": "l2", "penalty_strength": s["strength"], "weight_decay": 0.0}


def _l2_decay(s):
    return {"penalty": "none", "weight_decay": s["strength"]}


_L2_DEFS = {
    "toward zero": f"Euclidean weight norm after {STEPS} full-batch steps strictly smaller "
                   "with the regularisation than without, same start, rate and data",
    "diverged": "a diverged run's final norm is +inf; pairs where both diverged are omitted",
    "tends to": "true in more than half of the scenarios of the mixture",
}

D17a = Claim(
    id="D17a",
    statement="An L2 penalty on the weights added to the loss tends to leave the weights "
              "closer to zero at the end of training.",
    source=Source(SECTION, 5),
    kind=Kind.TENDENCY,
    population=REG_POPULATION,
    experiment=_regularised_norms(_l2_penalty),
    decision=SignTest(holds="smaller with regularisation", n=N, alpha=ALPHA,
                      nan_policy="omit"),
    definitions={**_L2_DEFS,
                 "L2 regularisation": "explicit penalty strength * sum(w^2) added to the "
                                      "loss (biases not penalised), strength 0.01 or 0.1"},
)

D17b = Claim(
    id="D17b",
    statement="L2 regularisation in its weight-decay form tends to leave the weights closer "
              "to zero at the end of training.",
    source=Source(SECTION, 5),
    kind=Kind.TENDENCY,
    population=REG_POPULATION,
    experiment=_regularised_norms(_l2_decay),
    decision=SignTest(holds="smaller with regularisation", n=N, alpha=ALPHA,
                      nan_policy="omit"),
    definitions={**_L2_DEFS,
                 "L2 regularisation": "the optimizer's weight_decay = 0.01 or 0.1 (coupled "
                                      "L2 gradient for SGD and Adam, decoupled for AdamW); it "
                                      "acts on biases too, the norm is of the weights"},
)


def _sparsity(arm: Arm, exact: bool):
    def experiment(scenarios, lab):
        runs = _arms(scenarios, lab, STEPS, none=_bare, reg=arm)
        none, reg = runs["none"], runs["reg"]

        def share(rs):
            out = []
            for r in rs:
                w = r.weights[-1, 0].double()
                zero = (w == 0) if exact else (w.abs() <= NEAR_ZERO)
                out.append(zero.double().mean())
            return torch.stack(out)

        s_none, s_reg = share(none), share(reg)
        # a tie (same share with and without L1, e.g. no zeros in either) is no evidence
        # either way: it is dropped, as the classical sign test drops ties
        undefined = _diverged(none) | _diverged(reg) | (s_reg == s_none)
        return {"sparser with L1": _nan_where(s_reg > s_none, undefined),
                "strictly sparser with L1": (s_reg > s_none) & ~(_diverged(none)
                                                                 | _diverged(reg)),
                "tie": (s_reg == s_none).double(),
                "zero share, L1": s_reg, "zero share, none": s_none}
    return experiment


SPARSE_POPULATION = regimes(
    "the five regimes with more than one weight (the toy problem's single weight, optimum 2, "
    "has no sparsity to speak of); four optimizers; rate 0.01 or 0.1; L1 strength 0.01 or "
    "0.1; the unregularised arm has no penalty and weight decay 0",
    names=("linreg-over", "linreg-under", "logistic", "mlp", "normalized"),
    optimizer=Choice(OPTIMIZERS), lr=Choice(RATES), strength=Choice(STRENGTHS))

_L1_DEFS = {
    "diverged": "sparsity of a diverged run is undefined; such pairs are omitted",
    "ties": "pairs with the same share of (near-)zero weights in both arms say nothing about "
            "which is sparser and are omitted, as in the classical sign test; the 'tie' "
            "measure shows how often L1 changed nothing at this strength",
    "tends to": "true in more than half of the scenarios of the mixture",
    "final": f"after {STEPS} full-batch steps, same start, rate and data in both arms",
}

D18a = Claim(
    id="D18a",
    statement="An L1 penalty on the weights added to the loss tends to leave more weights "
              "at or near zero (promotes sparsity).",
    source=Source(SECTION, 5),
    kind=Kind.TENDENCY,
    population=SPARSE_POPULATION,
    experiment=_sparsity(lambda s: {"penalty": "l1", "penalty_strength": s["strength"],
                                    "weight_decay": 0.0}, exact=False),
    decision=SignTest(holds="sparser with L1", n=N, alpha=ALPHA, nan_policy="omit"),
    definitions={**_L1_DEFS,
                 "L1 regularisation": "explicit penalty strength * sum(|w|) added to the "
                                      "loss, subgradient 0 at 0 (biases not penalised)",
                 "sparser": "a strictly larger share of weights with |w| <= 0.01 than "
                            "without the penalty (0.01 is 2 to 6 % of the initial weight "
                            "scale 1/sqrt(fan_in), and as large as the biggest subgradient "
                            "jitter lr * strength of this grid)"},
)

D18b = Claim(
    id="D18b",
    statement="L1 regularisation applied as a proximal (soft-thresholding) step can set "
              "weights exactly to zero where training without it leaves none (promotes "
              "sparsity).",
    source=Source(SECTION, 5),
    kind=Kind.EXISTENTIAL,
    population=SPARSE_POPULATION,
    experiment=_sparsity(lambda s: {"penalty": "l1-prox", "penalty_strength": s["strength"],
                                    "weight_decay": 0.0}, exact=True),
    decision=Witness(witness="strictly sparser with L1", n=N, alpha=ALPHA, examples=10,
                     batch=2, shrink=False),
    definitions={**_L1_DEFS,
                 "L1 regularisation": "after every optimizer step each weight is "
                                      "soft-thresholded by lr * strength (l1-prox)",
                 "sparser": "a strictly larger share of weights exactly 0 than without "
                            "the penalty",
                 "why existential": "plain training never produces an exact zero here, so "
                                    "a tendency test with ties dropped could only come out "
                                    "supported (review); the sampled rate of witnesses per "
                                    "regime says how often the proximal step bites at the "
                                    "declared strengths"},
)


def _rate_effect(scenarios, lab):
    runs = _arms(scenarios, lab, SHORT,
                 none_small=lambda s: {**_bare(s), **_smaller(s)},
                 none_large=lambda s: {**_bare(s), **_larger(s)},
                 l2_small=lambda s: {**_l2_penalty(s), **_smaller(s)},
                 l2_large=lambda s: {**_l2_penalty(s), **_larger(s)})
    norms = {k: _final_norm(v) for k, v in runs.items()}
    effect_none = torch.log(norms["none_large"] / norms["none_small"])
    effect_l2 = torch.log(norms["l2_large"] / norms["l2_small"])
    defined = torch.isfinite(effect_none) & torch.isfinite(effect_l2)
    flip = defined & (effect_none * effect_l2 < 0) & (effect_none.abs() >= MEANINGFUL) & \
        (effect_l2.abs() >= MEANINGFUL)
    size = torch.minimum(effect_none.abs(), effect_l2.abs())
    return {"L2 reverses the rate effect": flip,
            "smaller of the two effects if reversed": torch.where(
                flip, size, torch.where(defined, -size, torch.full_like(size, -1e3))),
            "L2 damps the rate effect": _nan_where(effect_l2.abs() < effect_none.abs(),
                                                   ~defined),
            "rate effect, none": effect_none, "rate effect, L2": effect_l2}


_RATE_EFFECT_DEFS = {
    "rate effect on weight magnitude": "log(final weight norm at the larger rate / final "
                                       f"weight norm at a tenth of it), after {SHORT} steps "
                                       "from the same start on the same data",
    "with / without regularisation": "explicit L2 penalty of strength 0.01 or 0.1 / no "
                                     "penalty and weight decay 0",
    "undefined": "if any of the four runs diverged",
}

D19a = Claim(
    id="D19a",
    statement="Regularisation can change how the final weight size depends on the learning "
              "rate: with an L2 penalty a larger rate can give smaller final weights where "
              "without it a larger rate gives larger ones, or the reverse.",
    source=Source(SECTION, 5),
    kind=Kind.EXISTENTIAL,
    population=regimes(
        "regimes where the weight norm keeps responding to the rate: logistic regression on "
        "separable data (no finite minimiser) and the batch-normalised layer (scale-invariant "
        "weights); four optimizers; larger rate 0.01 or 0.1, smaller a tenth; L2 strength "
        "0.01 or 0.1",
        names=("logistic", "normalized"), optimizer=Choice(OPTIMIZERS), lr=Choice(RATES),
        strength=Choice(STRENGTHS)),
    experiment=_rate_effect,
    decision=Witness(witness="L2 reverses the rate effect",
                     score="smaller of the two effects if reversed", n=N_WITNESS,
                     alpha=ALPHA, **SEARCH),
    definitions={**_RATE_EFFECT_DEFS,
                 "changes the relationship": "the rate effect has opposite signs with and "
                                             "without L2, each at least log(1.01) in size "
                                             "(a 1 % change of the norm)"},
    dtype="float64",
)

D19b = Claim(
    id="D19b",
    statement="An L2 penalty tends to weaken the effect of the learning rate on the final "
              "weight size (tendency reading of 'modulates').",
    source=Source(SECTION, 5),
    kind=Kind.TENDENCY,
    population=REG_POPULATION,
    experiment=_rate_effect,
    decision=SignTest(holds="L2 damps the rate effect", n=N, alpha=ALPHA, nan_policy="omit"),
    definitions={**_RATE_EFFECT_DEFS,
                 "weaken": "|rate effect with L2| < |rate effect without|",
                 "tends to": "true in more than half of the scenarios of the mixture; "
                             "undefined pairs are omitted"},
    dtype="float64",
)
