"""Power of the exact binomial test, used to check a declared sample size before a run."""

from __future__ import annotations

import math

from scipy import stats

#: Power every statistical claim must reach for its declared minimal effect.
REQUIRED_POWER = 0.8


def sign_test_power(n: int, proportion: float, share: float, alpha: float) -> float:
    """Probability that the one-sided exact binomial test at level ``alpha`` rejects
    "share <= proportion" when the true share of successes is ``share``."""
    critical = _critical_count(n, proportion, alpha)
    return float(stats.binom.sf(critical - 1, n, share))


def sign_test_sample_size(proportion: float, share: float, alpha: float,
                          power: float = REQUIRED_POWER, limit: int = 100_000) -> int:
    """Smallest n whose exact binomial test reaches ``power`` at the true ``share``.

    Exact binomial power is not monotone in n (the saw-tooth of a discrete test), so this
    returns the first n that reaches it; :func:`sign_test_power` checks any other choice.
    """
    for n in range(1, limit + 1):
        if sign_test_power(n, proportion, share, alpha) >= power:
            return n
    raise ValueError(f"no n <= {limit} reaches power {power:g} for share {share:g} against "
                     f"{proportion:g}; declare a larger minimal effect")


def _critical_count(n: int, proportion: float, alpha: float) -> int:
    """Smallest k with P(X >= k) < alpha under the share ``proportion``."""
    k = int(stats.binom.isf(alpha, n, proportion))
    while stats.binom.sf(k - 1, n, proportion) >= alpha:
        k += 1
    while k > 0 and stats.binom.sf(k - 2, n, proportion) < alpha:
        k -= 1
    return k


#: Asymptotic relative efficiency of the signed-rank test to the t-test under normal errors.
WILCOXON_ARE = 3 / math.pi


def wilcoxon_power(n: int, effect: float, alpha: float) -> float:
    """Approximate power of the one-sided signed-rank test for a standardised shift.

    ``effect`` is the mean difference in standard deviations (Cohen's d). The test is
    approximated by a one-sided z-test on ``n * 3/pi`` observations (its asymptotic relative
    efficiency under normal errors, Lehmann 1975); for other error distributions the
    signed-rank test is at least as efficient times 0.864.
    """
    n_equivalent = n * WILCOXON_ARE
    return float(stats.norm.sf(stats.norm.isf(alpha) - effect * math.sqrt(n_equivalent)))


def spearman_power(n: int, rho: float, alpha: float) -> float:
    """Approximate power of the one-sided test of Spearman's rho > 0 at a true ``rho``,
    from Fisher's z with the variance 1.06 / (n - 3) of Fieller, Hartley and Pearson (1957)."""
    if n <= 3:
        return 0.0
    shift = math.atanh(rho) / math.sqrt(1.06 / (n - 3))
    return float(stats.norm.sf(stats.norm.isf(alpha) - shift))
