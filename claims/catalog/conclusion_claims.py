"""Claims of the article's conclusion (§3 Conclusion): the final paragraph, which begins "In
conclusion" and follows the resource list. It is counted as paragraph 1 of §3.

Its sentences say: a larger rate does not make weights larger in a consistent way (K1, which
restates the opening's I3 for weights in general and overlaps I1); it can make the early
weight changes larger (K2); its effect on weight magnitude depends on the loss, the optimizer
and the regularisation (K3). The last sentence (tune the rate with these factors in mind to
reach the optimum) is advice, not a checkable statement, and is not encoded.

Scenarios, windows ("early" = steps 1..10, "final" = after step 50), the rate pairs (lr in
{0.001, 0.01, 0.1} against 10 lr from the same start), the weight magnitude (weight norm,
+inf from a divergence on) and the two population forms (``regimes`` for statistical claims,
the equal-weight mixture of the six regimes as one population for searches) are those of
``opening_claims.py``, shared so that the two ends of the article are tried on the same
problems. K3's claims vary one factor inside a scenario (optimizer, penalty, loss), holding
everything else fixed, and look for the rate's effect changing sign.
"""

from __future__ import annotations

import torch

from .. import Choice, Claim, Kind, SignTest, Source, Witness
from .opening_claims import (
    ALPHA,
    BATCH,
    CLEARLY_LARGER,
    CLEARLY_SMALLER,
    COMMON_DEFINITIONS,
    EXAMPLES,
    N_SEARCH,
    N_TENDENCY,
    magnitude,
    rate_pair_measures,
    rate_pair_mixture,
    rate_pair_regimes,
    train_pairs,
)
from .regimes import OPTIMIZERS

SECTION = "§3 Conclusion"
LOSS_FAMILIES = ("linreg-over", "logistic")  # one linear model, MSE against logistic loss

K1a = Claim(
    id="K1a",
    statement="A larger learning rate does not make the weights larger in a consistent way: "
              "there are settings where it ends with weights no larger than a smaller rate "
              "gives from the same start.",
    source=Source(SECTION, 1),
    kind=Kind.EXISTENTIAL,
    population=rate_pair_mixture(),
    experiment=rate_pair_measures,
    decision=Witness(shrink=False, witness="final not larger", score="-log final ratio", n=N_SEARCH,
                     alpha=ALPHA, examples=EXAMPLES, batch=BATCH),
    definitions={**COMMON_DEFINITIONS,
                 "reading": "literal: 'not consistently' = 'not always'; the same as I3 but "
                            "for the final weights instead of the early ones",
                 "no larger": "final weight norm at 10 lr equal to or below that at lr, both "
                              "runs finite at the end"},
)

K1b = Claim(
    id="K1b",
    statement="Second reading of K1: the cases where a larger learning rate does not end "
              "with larger weights are not rare exceptions; they make up more than a tenth "
              "of the settings.",
    source=Source(SECTION, 1),
    kind=Kind.TENDENCY,
    population=rate_pair_regimes(),
    experiment=rate_pair_measures,
    # both runs of a pair diverged (both norms infinite): neither is larger, the pair says
    # nothing about which rate gives larger weights; omitted and counted
    decision=SignTest(holds="final not larger (share)", proportion=0.1, detect=0.2,
                      n=N_TENDENCY, alpha=ALPHA, nan_policy="omit"),
    definitions={**COMMON_DEFINITIONS,
                 "consistent": "an effect seen in at least 90% of settings; K1 says the "
                               "larger rate's larger weights are not that, i.e. the share of "
                               "pairs where the final norm at 10 lr is <= that at lr exceeds "
                               "0.1 (exact binomial test against 0.1, power >= 0.8 at 0.2)",
                 "why not against 0.5": "a share of exceptions below one half is still "
                                        "inconsistent; testing 'larger weights in fewer than "
                                        "half the settings' would ask more than the article "
                                        "says, and its opposite cannot be a verdict on K1",
                 "diverged": "only the larger-rate run diverged: larger (counts against K1); "
                             "only the smaller-rate one: not larger; both: omitted"},
)

K2 = Claim(
    id="K2",
    statement="In the first steps of training, a larger learning rate tends to move the "
              "weights further than a smaller one from the same start.",
    source=Source(SECTION, 1),
    kind=Kind.TENDENCY,
    population=rate_pair_regimes(),
    experiment=rate_pair_measures,
    # both runs diverged within the early window: both distances infinite, no comparison;
    # omitted and counted
    decision=SignTest(holds="early change larger", n=N_TENDENCY, alpha=ALPHA,
                      nan_policy="omit"),
    definitions={**COMMON_DEFINITIONS,
                 "weight change in the initial stages": "|w_10 - w_0|, the distance the "
                                                        "weights have moved after 10 steps "
                                                        "(+inf if the run diverged by then)",
                 "reading": "the sentence says 'can'; that reading is already settled for a "
                            "single step by D10 (a larger rate never takes a shorter first "
                            "step), so the stronger, informative reading is tested: the "
                            "larger rate's early move is longer in more than half of the "
                            "settings"},
)


def _sign_flip(final: torch.Tensor, variants: int):
    """Per scenario, from final-norm ratios of its ``variants`` (scenario-major): whether one
    variant's ratio is >= 1.1 and another's <= 0.9, and a score (the smaller of the two
    log-distances from 1 of the largest and smallest ratio) for the search."""
    ratios = final.reshape(-1, variants)
    largest = torch.where(torch.isnan(ratios), -torch.inf, ratios).max(dim=1).values
    smallest = torch.where(torch.isnan(ratios), torch.inf, ratios).min(dim=1).values
    flips = (largest >= CLEARLY_LARGER) & (smallest <= CLEARLY_SMALLER)
    score = torch.minimum(torch.log(largest), -torch.log(smallest))
    return flips, torch.where(torch.isfinite(score), score, torch.nan)


def _effect_by_variant(variants_of, count):
    def experiment(scenarios, lab):
        small, large = train_pairs(scenarios, lab, variants_of)
        final = magnitude(large)[-1] / magnitude(small)[-1]
        flips, score = _sign_flip(final, count)
        return {"sign of the effect differs": flips, "flip score": score,
                **{f"final norm ratio, variant {i}": final.reshape(-1, count)[:, i]
                   for i in range(count)}}
    return experiment


def _optimizers(scenario):
    return [{**scenario, "optimizer": name} for name in OPTIMIZERS]


def _penalties(scenario):
    return [{**scenario, "penalty": "none"}, scenario]


def _losses(scenario):
    return [{**scenario, "regime": name} for name in LOSS_FAMILIES]


_FLIP = {"the rate's effect": "final weight norm at 10 lr over that at lr, same start and "
                              "data (a diverged larger-rate run: infinitely large)",
         "changes sign": "the effect is >= 1.1 (at least 10% larger) in one variant and <= "
                         "0.9 (at least 10% smaller) in another"}

K3a = Claim(
    id="K3a",
    statement="Whether a larger learning rate gives larger or smaller weights depends on the "
              "optimizer: with the same problem, start and rates, one optimizer can end with "
              "larger weights at the larger rate and another with smaller ones.",
    source=Source(SECTION, 1),
    kind=Kind.EXISTENTIAL,
    population=rate_pair_mixture(
        "the rate-pair mixture of all six regimes ('normalized weight decay' applies to the "
        "normalized regime only), each scenario trained with every optimizer", optimizer=None),
    experiment=_effect_by_variant(_optimizers, len(OPTIMIZERS)),
    decision=Witness(witness="sign of the effect differs", score="flip score", n=N_SEARCH,
                     alpha=ALPHA, examples=EXAMPLES, batch=BATCH, shrink=False),
    definitions={**COMMON_DEFINITIONS, **_FLIP,
                 "variants": "SGD, SGD with momentum 0.9, Adam, AdamW (variants 0 to 3), "
                             "everything else fixed",
                 "depends": "shown by a sign change; a difference in size alone would be a "
                            "weaker dependence"},
)

K3b = Claim(
    id="K3b",
    statement="Whether a larger learning rate gives larger or smaller weights depends on "
              "regularisation: with the same problem, optimizer, start and rates, adding a "
              "penalty can turn larger weights at the larger rate into smaller ones, or the "
              "reverse.",
    source=Source(SECTION, 1),
    kind=Kind.EXISTENTIAL,
    population=rate_pair_mixture(
        "the rate-pair mixture of all six regimes ('normalized weight decay' applies to the "
        "normalized regime only), each scenario trained without and with an explicit L2 or "
        "L1 penalty on the weights",
        penalty=Choice(("l2", "l1")), penalty_strength=Choice((1e-2, 1e-1))),
    experiment=_effect_by_variant(_penalties, 2),
    decision=Witness(witness="sign of the effect differs", score="flip score", n=N_SEARCH,
                     alpha=ALPHA, examples=EXAMPLES, batch=BATCH, shrink=False),
    definitions={**COMMON_DEFINITIONS, **_FLIP,
                 "variants": "no penalty (variant 0) and the scenario's penalty, L2 "
                             "(strength * sum w^2) or L1 (strength * sum |w|), strength 1e-2 "
                             "or 1e-1 (variant 1); the regime's own weight decay (AdamW, "
                             "normalized) stays in both"},
)

K3c = Claim(
    id="K3c",
    statement="Whether a larger learning rate gives larger or smaller weights depends on the "
              "loss function: with the same optimizer, penalty and rates, a linear model "
              "fitted by squared error and one fitted by logistic loss can respond in "
              "opposite ways.",
    source=Source(SECTION, 1),
    kind=Kind.EXISTENTIAL,
    population=rate_pair_mixture(
        "rate pairs trained on both linear-model regimes, linreg-over (MSE, 32 samples, 4 "
        "features) and logistic (logistic loss on separable data, 16 samples, 3 features), "
        "from the same seeds", regime=None, **{"normalized weight decay": None}),
    experiment=_effect_by_variant(_losses, len(LOSS_FAMILIES)),
    decision=Witness(witness="sign of the effect differs", score="flip score", n=N_SEARCH,
                     alpha=ALPHA, examples=EXAMPLES, batch=BATCH, shrink=False),
    definitions={**COMMON_DEFINITIONS, **_FLIP,
                 "variants": "linreg-over (variant 0) and logistic (variant 1): a linear model "
                             "with squared error against one with logistic loss; the data "
                             "differ with the loss (regression targets against separable "
                             "labels, made from the same seeds), the optimizer, rates and "
                             "penalty do not",
                 "limitation": "no family pairs the two losses on identical inputs, so this "
                               "is a dependence on the problem's loss and data together"},
)

__all__ = ["K1a", "K1b", "K2", "K3a", "K3b", "K3c"]
