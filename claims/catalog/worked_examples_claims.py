"""Claims the article makes about its three worked examples (§2, "Code Examples and Analysis").

Every example trains ``nn.Linear(1, 1)`` by mean squared error on X = [1, 2, 3], y = 2X, whose
optimum is weight 2, bias 0. Example 1 uses SGD at lr = 1.0 for 10 epochs, Example 2 SGD at
lr = 0.01 for 100 epochs, Example 3 Adam at lr = 0.1 for 50 epochs; one epoch is one
full-batch step. The article leaves only the initialisation free (PyTorch's default for
``nn.Linear(1, 1)``: weight and bias independent and uniform on [-1, 1]), so that is what the
population varies. Paragraphs are counted within §2: 1 is the introduction, 2 to 4 are the
analyses of Examples 1 to 3.
"""

from __future__ import annotations

import math

import torch

from .. import (
    ARTICLE_TOY,
    Claim,
    Counterexample,
    Kind,
    OptimizerSpec,
    Population,
    SignTest,
    Source,
    Uniform,
    Witness,
)
from . import measures

OPTIMUM_WEIGHT = 2.0
SECTION = "§2 Code Examples and Analysis"

EXAMPLE_1 = OptimizerSpec("sgd", lr=1.0)
EXAMPLE_2 = OptimizerSpec("sgd", lr=0.01)
EXAMPLE_3 = OptimizerSpec("adam", lr=0.1)

ARTICLE_INIT = Population(
    "the article's worked-example problem (nn.Linear(1, 1), MSE, X = [1, 2, 3], y = 2X) "
    "started from PyTorch's default initialisation",
    {"w0": Uniform(-1.0, 1.0), "b0": Uniform(-1.0, 1.0)},
)

# Sample sizes: with n = 200 and alpha = 0.01 the exact binomial test against a share of 0.5
# has power 0.86 at a true share of 0.62 (SignTest checks this when the claim is built).
N_TENDENCY = 200
N_SEARCH = 200
ALPHA = 0.01


def _runs(scenarios, lab, optimizers, steps):
    start = lab.start(ARTICLE_TOY, {"weight": [s["w0"] for s in scenarios],
                                    "bias": [s["b0"] for s in scenarios]})
    return lab.train(ARTICLE_TOY, optimizers, start, steps)


def _e1_first_move(scenarios, lab):
    (run,) = _runs(scenarios, lab, [EXAMPLE_1], 10)
    w = measures.weight_column(run)
    move = (w[1] - w[0]).abs()
    distance = (OPTIMUM_WEIGHT - w[0]).abs()
    return {"holds": move >= distance, "first move": move, "distance to optimum": distance}


E1a = Claim(
    id="E1a",
    statement="In Example 1 (SGD, lr = 1.0) the weight changes very quickly: its first "
              "update already moves it at least as far as it initially was from the optimum.",
    source=Source(SECTION, 2),
    kind=Kind.TENDENCY,
    population=ARTICLE_INIT,
    experiment=_e1_first_move,
    decision=SignTest(n=N_TENDENCY, alpha=ALPHA),
    definitions={"very quickly": "|w1 - w0| >= |2 - w0|: one epoch covers the whole initial "
                                 "distance to the optimal weight 2",
                 "tends": "true in more than half of the initialisations"},
)


def _e1_trajectory(scenarios, lab):
    (run,) = _runs(scenarios, lab, [EXAMPLE_1], 10)
    w = measures.weight_column(run)
    loss = run.loss
    return {"overshoots": measures.crosses(w, OPTIMUM_WEIGHT),
            "loss rises": measures.increases_somewhere(loss),
            "loss reversals": measures.direction_reversals(loss),
            "fluctuates": measures.direction_reversals(loss) >= 2,
            "final loss": loss[-1], "final weight": w[-1]}


E1b = Claim(
    id="E1b",
    statement="In Example 1 (SGD, lr = 1.0) the weight can overshoot its optimum.",
    source=Source(SECTION, 2),
    kind=Kind.EXISTENTIAL,
    population=ARTICLE_INIT,
    experiment=_e1_trajectory,
    decision=Witness(witness="overshoots", n=N_SEARCH, alpha=ALPHA, examples=50),
    definitions={"overshoot": "between two consecutive epochs of the 10, the weight passes "
                              "from one side of the optimal value 2 to the other"},
)

E1c = Claim(
    id="E1c",
    statement="In Example 1 (SGD, lr = 1.0) the loss can fail to go down consistently.",
    source=Source(SECTION, 2),
    kind=Kind.EXISTENTIAL,
    population=ARTICLE_INIT,
    experiment=_e1_trajectory,
    decision=Witness(witness="loss rises", n=N_SEARCH, alpha=ALPHA, examples=50),
    definitions={"not a consistent downward slope": "the full-batch loss rises between at "
                                                    "least one pair of consecutive epochs "
                                                    "(loss at epochs 0 to 10)"},
)

E1d = Claim(
    id="E1d",
    statement="In Example 1 (SGD, lr = 1.0) the loss can fluctuate: go up and down rather "
              "than move in one direction.",
    source=Source(SECTION, 2),
    kind=Kind.EXISTENTIAL,
    population=ARTICLE_INIT,
    experiment=_e1_trajectory,
    decision=Witness(witness="fluctuates", score="loss reversals", n=N_SEARCH, alpha=ALPHA,
                     examples=200),
    definitions={"fluctuate": "the direction of the loss (up or down from one epoch to the "
                              "next) reverses at least twice within the 10 epochs, e.g. "
                              "down-up-down; a single turn (down, then up for good) is not a "
                              "fluctuation"},
)


def _e1_rises_every_epoch(scenarios, lab):
    (run,) = _runs(scenarios, lab, [EXAMPLE_1], 10)
    steps = torch.diff(run.loss.double(), dim=0)
    return {"holds": (steps > 0).all(dim=0),
            "smallest rise ratio": (run.loss[1:].double() / run.loss[:-1].double()).min(0).values}


E1e = Claim(
    id="E1e",
    statement="In Example 1 (SGD, lr = 1.0) the loss rises at every one of the 10 epochs: "
              "the run diverges steadily rather than fluctuating.",
    source=Source(SECTION, 2),
    kind=Kind.UNIVERSAL,
    population=ARTICLE_INIT,
    experiment=_e1_rises_every_epoch,
    decision=Counterexample(n=N_SEARCH, alpha=ALPHA, examples=100,
                            score="smallest rise ratio"),
    definitions={"rises": "loss at epoch t+1 strictly above the loss at epoch t, t = 0..9",
                 "why": "for this quadratic the loss is a sum of two exponentials in t, one "
                        "growing about 100-fold per epoch at lr = 1.0, so it is convex in t and "
                        "can turn at most once (see E1d); added after review"},
)


def _e2_vs_e1(scenarios, lab):
    small, large = _runs(scenarios, lab, [EXAMPLE_2, EXAMPLE_1], 10)
    w_small, w_large = measures.weight_column(small), measures.weight_column(large)
    step_small = measures.mean_abs_change(w_small, 0, 10)
    step_large = measures.mean_abs_change(w_large, 0, 10)
    early_small = w_small[1:11].abs().mean(dim=0)
    early_large = w_large[1:11].abs().mean(dim=0)
    return {"much smaller steps": step_small <= 0.1 * step_large,
            "smaller early weights": early_small < early_large,
            "mean step at lr 0.01": step_small, "mean step at lr 1.0": step_large,
            "mean |w| at lr 0.01": early_small, "mean |w| at lr 1.0": early_large}


E2a = Claim(
    id="E2a",
    statement="In Example 2 (SGD, lr = 0.01) the weight changes much less per step than in "
              "Example 1 (lr = 1.0) from the same start.",
    source=Source(SECTION, 3),
    kind=Kind.TENDENCY,
    population=ARTICLE_INIT,
    experiment=_e2_vs_e1,
    decision=SignTest(holds="much smaller steps", n=N_TENDENCY, alpha=ALPHA),
    definitions={"per step": "mean of |w[t+1] - w[t]| over the first 10 epochs (Example 1's "
                             "whole run)",
                 "much smaller": "at most one tenth"},
)


def _e2_descent(scenarios, lab):
    small, medium = _runs(scenarios, lab, [EXAMPLE_2, OptimizerSpec("sgd", lr=0.1)], 100)
    remaining_small = small.loss[-1] / small.loss[0]
    remaining_medium = medium.loss[-1] / medium.loss[0]
    w = measures.weight_column(small)
    return {"monotone": measures.strictly_decreasing(small.loss),
            "slower": remaining_small > remaining_medium,
            "early below final": w[1:11].abs().mean(dim=0) < w[-1].abs(),
            "loss left at lr 0.01": remaining_small, "loss left at lr 0.1": remaining_medium}


E2b = Claim(
    id="E2b",
    statement="In Example 2 (SGD, lr = 0.01) the loss typically goes down consistently.",
    source=Source(SECTION, 3),
    kind=Kind.TENDENCY,
    population=ARTICLE_INIT,
    experiment=_e2_descent,
    decision=SignTest(holds="monotone", n=N_TENDENCY, alpha=ALPHA),
    definitions={"consistent descent": "the loss falls at every one of the 100 epochs",
                 "typically": "in more than half of the initialisations"},
)

E2c = Claim(
    id="E2c",
    statement="In Example 2 (SGD, lr = 0.01) the descent is slower than with a larger rate "
              "that still converges.",
    source=Source(SECTION, 3),
    kind=Kind.TENDENCY,
    population=ARTICLE_INIT,
    experiment=_e2_descent,
    decision=SignTest(holds="slower", n=N_TENDENCY, alpha=ALPHA),
    definitions={"slower": "after the same 100 epochs a larger share of the initial loss is "
                           "left than with SGD at lr = 0.1 (Example 3's rate, below this "
                           "problem's stability limit of about 0.18)"},
)

E2d = Claim(
    id="E2d",
    statement="In Example 2 (SGD, lr = 0.01) the weight's magnitude early in training tends "
              "to be smaller than in Example 1 (lr = 1.0) from the same start.",
    source=Source(SECTION, 3),
    kind=Kind.TENDENCY,
    population=ARTICLE_INIT,
    experiment=_e2_vs_e1,
    decision=SignTest(holds="smaller early weights", n=N_TENDENCY, alpha=ALPHA),
    definitions={"early": "epochs 1 to 10 (Example 1's whole run)",
                 "magnitude": "mean of |w| over those epochs"},
)

E2e = Claim(
    id="E2e",
    statement="In Example 2 (SGD, lr = 0.01) the weight's magnitude early in training tends "
              "to be smaller than at the end of the same run.",
    source=Source(SECTION, 3),
    kind=Kind.TENDENCY,
    population=ARTICLE_INIT,
    experiment=_e2_descent,
    decision=SignTest(holds="early below final", n=N_TENDENCY, alpha=ALPHA),
    definitions={"early": "epochs 1 to 10 of 100", "magnitude": "mean of |w| over those "
                 "epochs, against |w| after epoch 100"},
)


def _momentum_average(grads: torch.Tensor, beta: float) -> torch.Tensor:
    """Bias-corrected running average of the gradients, as Adam forms its first moment."""
    average, out = torch.zeros_like(grads[0]), torch.empty_like(grads)
    for t in range(grads.shape[0]):
        average = beta * average + (1 - beta) * grads[t]
        out[t] = average / (1 - beta ** (t + 1))
    return out


def _e3_effective_rates(scenarios, lab):
    (run,) = _runs(scenarios, lab, [EXAMPLE_3], 50)
    grads = run.grads.double()
    # |update| / |first moment| is lr / (sqrt(v_hat) + eps) for Adam: its per-parameter rate.
    # Dividing by the raw gradient instead would also count momentum, which SGD has too.
    rates = run.updates.double().abs() / _momentum_average(grads, EXAMPLE_3.betas[0]).abs()
    log_ratio = torch.log(rates[..., run.column("weight[0,0]")] / rates[..., run.column("bias[0]")])
    median_gap = log_ratio.abs().nanmedian(dim=0).values
    return {"per-parameter": median_gap > math.log(1.1),
            "median |log rate ratio|": median_gap}


E3a = Claim(
    id="E3a",
    statement="In Example 3 (Adam, lr = 0.1) the optimizer gives each parameter its own "
              "effective step size instead of one shared rate.",
    source=Source(SECTION, 4),
    kind=Kind.TENDENCY,
    population=ARTICLE_INIT,
    experiment=_e3_effective_rates,
    decision=SignTest(holds="per-parameter", n=N_TENDENCY, alpha=ALPHA),
    definitions={"effective step size": "|update| / |bias-corrected running mean of the "
                                        "gradient (beta 0.9)| of one parameter at one epoch: "
                                        "Adam's lr / (sqrt(v_hat) + eps); for SGD with or "
                                        "without momentum it is the same for every parameter "
                                        "(an earlier |update| / |gradient| measure also "
                                        "credited momentum and was replaced after review)",
                 "its own": "the weight's and the bias's effective step sizes differ by more "
                            "than 10% (median over the 50 epochs of |log ratio| > log 1.1)"},
)

ADAM_RATES = (0.01, 0.03, 0.1, 0.3, 1.0)


def _e3_rate_vs_magnitude(scenarios, lab):
    runs = _runs(scenarios, lab, [OptimizerSpec("adam", lr=lr) for lr in ADAM_RATES], 50)
    signed = torch.stack([measures.weight_column(r)[-1] for r in runs])
    final = signed.abs()
    # drop[i, j] > 0 when the larger rate j ends with a smaller |w| than rate i < j
    drop = (final[:, None, :] - final[None, :, :]) / final[:, None, :]
    upper = torch.triu(torch.ones(len(ADAM_RATES), len(ADAM_RATES), dtype=torch.bool), 1)
    largest_drop = drop[upper].max(dim=0).values
    # the same, counting only pairs whose final weights are both on the optimum's side (> 0)
    same_side = (signed[:, None, :] > 0) & (signed[None, :, :] > 0)
    drop_same_side = torch.where(same_side, drop, torch.full_like(drop, -math.inf))
    largest_same_side = drop_same_side[upper].max(dim=0).values
    return {"larger rate, smaller weight": largest_drop >= 0.1, "largest drop": largest_drop,
            "same side, smaller weight": largest_same_side >= 0.1,
            "largest same-side drop": largest_same_side}


E3b = Claim(
    id="E3b",
    statement="With Adam on the article's problem a larger learning rate does not necessarily "
              "end with a larger weight.",
    source=Source(SECTION, 4),
    kind=Kind.EXISTENTIAL,
    population=ARTICLE_INIT,
    experiment=_e3_rate_vs_magnitude,
    decision=Witness(witness="larger rate, smaller weight", score="largest drop",
                     n=N_SEARCH, alpha=ALPHA, examples=100),
    definitions={"larger rate": "one of the Adam rates 0.01, 0.03, 0.1, 0.3, 1.0 against a "
                                "smaller one of them, same start, 50 epochs",
                 "smaller weight": "final |w| at least 10% smaller than at the smaller rate",
                 "caveat": "a review found every such witness to be a start whose smaller-rate "
                           "weight is still negative (it has not crossed zero on its way to "
                           "the optimum 2); E3b2 excludes that mechanism"},
)

E3b2 = Claim(
    id="E3b2",
    statement="With Adam on the article's problem a larger learning rate does not necessarily "
              "end with a larger weight, even among runs whose weights have reached the "
              "optimum's side (positive).",
    source=Source(SECTION, 4),
    kind=Kind.EXISTENTIAL,
    population=ARTICLE_INIT,
    experiment=_e3_rate_vs_magnitude,
    decision=Witness(witness="same side, smaller weight", score="largest same-side drop",
                     n=N_SEARCH, alpha=ALPHA, examples=100),
    definitions={"larger rate": "one of the Adam rates 0.01, 0.03, 0.1, 0.3, 1.0 against a "
                                "smaller one of them, same start, 50 epochs",
                 "smaller weight": "final |w| at least 10% smaller than at the smaller rate, "
                                   "both final weights positive (the optimum is w = 2), so "
                                   "that a weight still on its way up from a negative start "
                                   "cannot be the reason (second reading of E3b, added after "
                                   "review)"},
)


def _e3_vs_sgd(scenarios, lab):
    adam, sgd_small, sgd_same, sgd_large = _runs(
        scenarios, lab, [EXAMPLE_3, EXAMPLE_2, OptimizerSpec("sgd", lr=0.1), EXAMPLE_1], 100)
    never = 10**6
    converged = [measures.first_step_reaching(r.loss, 1e-3, never=never)
                 for r in (adam, sgd_small)]
    return {"faster than example 2": adam.loss[10] < sgd_small.loss[10],
            "faster than example 1": adam.loss[10] < sgd_large.loss[10],
            "faster than sgd 0.1": adam.loss[10] < sgd_same.loss[10],
            "converges sooner": (converged[0] < never) & (converged[0] < converged[1]),
            "adam loss at 10": adam.loss[10], "sgd 0.01 loss at 10": sgd_small.loss[10],
            "sgd 0.1 loss at 10": sgd_same.loss[10],
            "adam epochs to converge": converged[0], "sgd epochs to converge": converged[1]}


E3c = Claim(
    id="E3c",
    statement="In Example 3, Adam (lr = 0.1) learns faster at first than the basic gradient "
              "descent of Example 2 (SGD, lr = 0.01).",
    source=Source(SECTION, 4),
    kind=Kind.TENDENCY,
    population=ARTICLE_INIT,
    experiment=_e3_vs_sgd,
    decision=SignTest(holds="faster than example 2", n=N_TENDENCY, alpha=ALPHA),
    definitions={"at first": "after 10 epochs", "faster": "lower full-batch loss, same start"},
)

E3d = Claim(
    id="E3d",
    statement="In Example 3, Adam (lr = 0.1) learns faster at first than basic gradient "
              "descent at the same learning rate (SGD, lr = 0.1).",
    source=Source(SECTION, 4),
    kind=Kind.TENDENCY,
    population=ARTICLE_INIT,
    experiment=_e3_vs_sgd,
    decision=SignTest(holds="faster than sgd 0.1", n=N_TENDENCY, alpha=ALPHA),
    definitions={"at first": "after 10 epochs", "faster": "lower full-batch loss, same start",
                 "basic gradient descent": "a counterfactual reading of ours: the article "
                                           "never runs SGD at 0.1; this asks whether Adam's "
                                           "advantage survives at an equal, stable rate"},
)

E3f = Claim(
    id="E3f",
    statement="In Example 3, Adam (lr = 0.1) learns faster at first than the basic gradient "
              "descent of Example 1 (SGD, lr = 1.0), the other example with a large rate.",
    source=Source(SECTION, 4),
    kind=Kind.TENDENCY,
    population=ARTICLE_INIT,
    experiment=_e3_vs_sgd,
    decision=SignTest(holds="faster than example 1", n=N_TENDENCY, alpha=ALPHA),
    definitions={"at first": "after 10 epochs", "faster": "lower full-batch loss, same start "
                 "(SGD at lr = 1.0 diverges on this problem, so this reading is easy to meet; "
                 "added after review as the reading most favourable to the article)"},
)

E3e = Claim(
    id="E3e",
    statement="In Example 3, Adam (lr = 0.1) can converge sooner than the basic gradient "
              "descent of Example 2 (SGD, lr = 0.01).",
    source=Source(SECTION, 4),
    kind=Kind.EXISTENTIAL,
    population=ARTICLE_INIT,
    experiment=_e3_vs_sgd,
    decision=Witness(witness="converges sooner", n=N_SEARCH, alpha=ALPHA, examples=100),
    definitions={"converged": "full-batch loss <= 1e-3 (targets are 2, 4 and 6)",
                 "sooner": "Adam reaches it within 100 epochs and at an earlier epoch than "
                           "SGD at lr = 0.01 from the same start (or SGD never does)"},
)


__all__ = ["E1a", "E1b", "E1c", "E1d", "E1e", "E2a", "E2b", "E2c", "E2d", "E2e",
           "E3a", "E3b", "E3b2", "E3c", "E3d", "E3e", "E3f"]
