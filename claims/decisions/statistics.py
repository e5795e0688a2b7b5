"""Statistical decisions on samples: pure functions from numbers to :class:`Evidence`.

Each function takes a sample whose values the experiment has already measured and applies a
pre-declared test at level ``alpha``. The pattern is the same throughout: a claim is
*supported* when the data reject "the claim is false" at level ``alpha``, *refuted* when they
reject "the claim is true" at that level, and *inconclusive* otherwise, with the reason.
Intervals are reported at level ``1 - 2 * alpha``, the two-sided interval that matches a pair
of one-sided tests at ``alpha`` each. For the sign test and the slope test the verdict can be
read off the interval exactly; for the Wilcoxon test (median interval, pseudo-median test)
and Spearman's rho (Fisher-z interval, t-based test) the interval is descriptive and can
disagree with the verdict near its edges.

Missing values (NaN, typically from a diverged run whose measure is undefined) follow
``nan_policy``: ``"inconclusive"`` refuses to decide, ``"omit"`` drops them and reports how many.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
from scipy import stats

from ..verdict import Evidence, Outcome

NAN_POLICIES = ("inconclusive", "omit")
#: Below this many pairs the t approximation of Spearman's p-value is unreliable (at n = 4 it
#: gives p = 0 for a perfect rank order whose exact permutation p-value is 1/24).
SPEARMAN_MIN_N = 10


def sign_test(successes, *, proportion: float, alpha: float,
              nan_policy: str = "inconclusive") -> Evidence:
    """Exact binomial test that the share of successes exceeds ``proportion``.

    ``successes`` holds one 1/0 (or True/False) per independent scenario, NaN where undefined.
    The effect is the observed share, with its Clopper-Pearson interval.
    """
    test = f"exact binomial test, share > {proportion:g}"
    values, dropped, early = _clean(successes, nan_policy, test, alpha)
    if early:
        return early
    if not np.isin(values, (0.0, 1.0)).all():
        raise ValueError("sign_test needs successes coded 1/0 or True/False; "
                         "got other values: map each scenario to whether the claim held")

    n, k = values.size, int(values.sum())
    above = stats.binomtest(k, n, proportion, alternative="greater")
    below = stats.binomtest(k, n, proportion, alternative="less")
    interval = proportion_interval(k, n, 1 - 2 * alpha)
    share = k / n
    omitted = f", {dropped} more omitted as ties or undefined" if dropped else ""
    numbers = f"{k} of {n} scenarios ({share:.3f}{omitted}); {_pct(alpha)} interval " \
              f"[{interval[0]:.3f}, {interval[1]:.3f}] against {proportion:g}"

    if above.pvalue < alpha:
        outcome, reason, p = Outcome.SUPPORTED, f"holds in {numbers}", above.pvalue
    elif below.pvalue < alpha:
        outcome, reason, p = Outcome.REFUTED, f"holds only in {numbers}", below.pvalue
    else:
        outcome, p = Outcome.INCONCLUSIVE, above.pvalue
        reason = f"holds in {numbers}: the interval contains {proportion:g}, so n={n} " \
                 "cannot tell"
    return Evidence(outcome=outcome, reason=reason, test=test, n=n, alpha=alpha,
                    statistic=float(k), pvalue=float(p), effect_name="share of scenarios",
                    effect=share, interval=interval, interval_level=1 - 2 * alpha,
                    details={"omitted (tie or undefined)": dropped,
                             "p if claim false": above.pvalue,
                             "p if claim true": below.pvalue})


def wilcoxon_test(differences, *, shift: float = 0.0, alpha: float,
                  nan_policy: str = "inconclusive") -> Evidence:
    """Wilcoxon signed-rank test that paired differences tend to exceed ``shift``.

    The effect is the median difference with its distribution-free order-statistic
    interval; ``details`` adds the matched-pairs rank-biserial correlation. The verdict
    follows the signed-rank test, which is about the pseudo-median, so this interval is
    descriptive and need not agree with the verdict at its edges.
    """
    test = f"Wilcoxon signed-rank test, differences > {shift:g}"
    values, dropped, early = _clean(differences, nan_policy, test, alpha)
    if early:
        return early
    centred = values - shift
    if np.all(centred == 0):
        return _undecided(test, values.size, alpha, "every difference equals the shift "
                          f"{shift:g}: ties only, no direction to test")

    above = stats.wilcoxon(centred, alternative="greater", zero_method="wilcox")
    below = stats.wilcoxon(centred, alternative="less", zero_method="wilcox")
    median = float(np.median(values))
    interval, level = median_interval(values, 1 - 2 * alpha)
    ties = int((centred == 0).sum())
    dropped_ties = f" ({ties} differences equal to the shift, dropped by the test)" if ties \
        else ""
    numbers = f"median difference {median:.4g}, {100 * level:.3g}% interval for the " \
              f"median [{interval[0]:.4g}, {interval[1]:.4g}], n={values.size}{dropped_ties}"

    if above.pvalue < alpha:
        outcome, reason, p = Outcome.SUPPORTED, f"{numbers}: above {shift:g}", above.pvalue
    elif below.pvalue < alpha:
        outcome, reason, p = Outcome.REFUTED, f"{numbers}: below {shift:g}", below.pvalue
    else:
        outcome, p = Outcome.INCONCLUSIVE, above.pvalue
        reason = f"{numbers}: neither above nor below {shift:g} at level {alpha:g}"
    return Evidence(outcome=outcome, reason=reason, test=test, n=values.size, alpha=alpha,
                    statistic=float(above.statistic), pvalue=float(p),
                    effect_name="median difference", effect=median, interval=interval,
                    interval_level=level,
                    details={"omitted (undefined)": dropped, "ties at the shift": ties,
                             "rank-biserial correlation": rank_biserial(centred)})


def slope_test(x, y, *, slope: float, margin: float, alpha: float,
               nan_policy: str = "inconclusive") -> Evidence:
    """Equivalence test (two one-sided t-tests) that the least-squares slope of y on x is
    within ``margin`` of ``slope``; refuted when the whole interval lies outside that band."""
    test = f"regression slope, TOST equivalence to {slope:g} +/- {margin:g}"
    check_nan_policy(nan_policy)
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    pairs = np.column_stack([x, y])
    keep = np.isfinite(pairs).all(axis=1)
    dropped = int((~keep).sum())
    if dropped and nan_policy == "inconclusive":
        return _undecided(test, x.size, alpha, f"{dropped} of {x.size} pairs undefined "
                          "(not finite); the claim declares that this cannot be decided")
    x, y = x[keep], y[keep]
    if x.size < 3:
        return _undecided(test, x.size, alpha, f"n={x.size} pairs; a slope test needs >= 3")
    if np.ptp(x) == 0:
        return _undecided(test, x.size, alpha, "x does not vary; no slope can be estimated")

    fit = stats.linregress(x, y)
    df = x.size - 2
    half = stats.t.ppf(1 - alpha, df) * fit.stderr
    interval = (fit.slope - half, fit.slope + half)
    low, high = slope - margin, slope + margin
    p_low = _t_tail(fit.slope - low, fit.stderr, df, upper=True)
    p_high = _t_tail(fit.slope - high, fit.stderr, df, upper=False)
    numbers = f"slope {fit.slope:.6g}, {_pct(alpha)} interval " \
              f"[{interval[0]:.6g}, {interval[1]:.6g}], band [{low:.6g}, {high:.6g}], n={x.size}"

    # against "inside the band": the one-sided tail beyond the nearer edge
    p_outside = _t_tail(fit.slope - high, fit.stderr, df, upper=True) if fit.slope > high \
        else _t_tail(fit.slope - low, fit.stderr, df, upper=False) if fit.slope < low else 1.0

    if low < interval[0] and interval[1] < high:
        outcome, reason, p = Outcome.SUPPORTED, f"{numbers}: inside the band", max(p_low, p_high)
    elif interval[1] < low or interval[0] > high:
        outcome, reason, p = Outcome.REFUTED, f"{numbers}: outside the band", p_outside
    else:
        outcome, reason = Outcome.INCONCLUSIVE, f"{numbers}: overlaps the band's edge"
        p = max(p_low, p_high)
    return Evidence(outcome=outcome, reason=reason, test=test, n=x.size, alpha=alpha,
                    statistic=float(fit.slope), pvalue=float(p),
                    effect_name="slope", effect=float(fit.slope), interval=interval,
                    interval_level=1 - 2 * alpha,
                    details={"omitted (undefined)": dropped, "intercept": float(fit.intercept),
                             "standard error": float(fit.stderr), "r": float(fit.rvalue)})


def spearman_test(x, y, *, alpha: float, nan_policy: str = "inconclusive") -> Evidence:
    """Spearman rank correlation test that y tends to increase with x (rho > 0)."""
    test = "Spearman rank correlation, rho > 0"
    check_nan_policy(nan_policy)
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    keep = np.isfinite(x) & np.isfinite(y)
    dropped = int((~keep).sum())
    if dropped and nan_policy == "inconclusive":
        return _undecided(test, x.size, alpha, f"{dropped} of {x.size} pairs undefined")
    x, y = x[keep], y[keep]
    if x.size < SPEARMAN_MIN_N:
        return _undecided(test, x.size, alpha, f"n={x.size} pairs; the t approximation of "
                          f"Spearman's test needs >= {SPEARMAN_MIN_N}")
    if np.ptp(x) == 0 or np.ptp(y) == 0:
        return _undecided(test, x.size, alpha, "x or y is constant; ranks carry no order")

    above = stats.spearmanr(x, y, alternative="greater")
    below = stats.spearmanr(x, y, alternative="less")
    rho = float(above.statistic)
    interval = _fisher_interval(rho, x.size, 1 - 2 * alpha)
    numbers = f"rho {rho:.4f}, {_pct(alpha)} interval [{interval[0]:.4f}, " \
              f"{interval[1]:.4f}], n={x.size}"
    if above.pvalue < alpha:
        outcome, reason, p = Outcome.SUPPORTED, f"{numbers}: positive", above.pvalue
    elif below.pvalue < alpha:
        outcome, reason, p = Outcome.REFUTED, f"{numbers}: negative", below.pvalue
    else:
        outcome, p = Outcome.INCONCLUSIVE, above.pvalue
        reason = f"{numbers}: not distinguishable from 0"
    return Evidence(outcome=outcome, reason=reason, test=test, n=x.size, alpha=alpha,
                    statistic=rho, pvalue=float(p), effect_name="Spearman rho", effect=rho,
                    interval=interval, interval_level=1 - 2 * alpha,
                    details={"omitted (undefined)": dropped})


def proportion_interval(k: int, n: int, level: float) -> tuple[float, float]:
    """Two-sided Clopper-Pearson interval for a share of ``k`` in ``n``."""
    ci = stats.binomtest(k, n).proportion_ci(confidence_level=level, method="exact")
    return float(ci.low), float(ci.high)


def zero_rate_bound(n: int, alpha: float) -> float:
    """One-sided upper ``1 - alpha`` Clopper-Pearson bound on a rate seen 0 times in n."""
    return 1.0 - alpha ** (1.0 / n) if n > 0 else 1.0


def median_interval(values, level: float) -> tuple[tuple[float, float], float]:
    """Distribution-free interval for the median from order statistics, and its exact level.

    The interval is ``[x_(k), x_(n+1-k)]`` (1-based ranks) with the largest ``k`` whose
    coverage ``1 - 2 P(B <= k - 1)``, ``B ~ Binomial(n, 1/2)``, is at least ``level``. When
    even the whole range covers less (small n), the range is returned with the level it
    really has.
    """
    ordered = np.sort(np.asarray(values, dtype=float))
    n = ordered.size
    k = 1
    while k < n + 1 - k and 1 - 2 * stats.binom.cdf(k, n, 0.5) >= level:
        k += 1
    achieved = 1 - 2 * stats.binom.cdf(k - 1, n, 0.5)
    return (float(ordered[k - 1]), float(ordered[n - k])), float(achieved)


def rank_biserial(centred) -> float:
    """Matched-pairs rank-biserial correlation: (R+ - R-) / (R+ + R-), zeros dropped."""
    nonzero = centred[centred != 0]
    ranks = stats.rankdata(np.abs(nonzero))
    total = ranks.sum()
    return float((ranks[nonzero > 0].sum() - ranks[nonzero < 0].sum()) / total)


def _fisher_interval(rho: float, n: int, level: float) -> tuple[float, float]:
    # Fieller, Hartley and Pearson (1957): var(atanh(rho_s)) ~ 1.06 / (n - 3)
    if abs(rho) >= 1:
        return rho, rho
    z = math.atanh(rho)
    half = stats.norm.ppf(0.5 + level / 2) * math.sqrt(1.06 / (n - 3))
    return math.tanh(z - half), math.tanh(z + half)


def _t_tail(difference: float, stderr: float, df: int, *, upper: bool) -> float:
    if stderr == 0:
        positive = difference > 0 if upper else difference < 0
        return 0.0 if positive else 1.0
    t = difference / stderr
    return float(stats.t.sf(t, df) if upper else stats.t.cdf(t, df))


def check_nan_policy(nan_policy: str) -> None:
    if nan_policy not in NAN_POLICIES:
        raise ValueError(f"nan_policy={nan_policy!r} is not one of {NAN_POLICIES}; "
                         "declare how undefined measurements count")


def _clean(sample, nan_policy, test, alpha):
    check_nan_policy(nan_policy)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        values = np.asarray(sample, dtype=float).ravel()
    undefined = ~np.isfinite(values)
    dropped = int(undefined.sum())
    if dropped and nan_policy == "inconclusive":
        return values, dropped, _undecided(
            test, values.size, alpha, f"{dropped} of {values.size} measurements undefined "
            "(not finite); the claim declares that this cannot be decided")
    values = values[~undefined]
    if values.size == 0:
        return values, dropped, _undecided(test, 0, alpha, "no defined measurement to test")
    return values, dropped, None


def _undecided(test: str, n: int, alpha: float, reason: str) -> Evidence:
    return Evidence(outcome=Outcome.INCONCLUSIVE, reason=reason, test=test, n=n, alpha=alpha)


def _pct(alpha: float) -> str:
    return f"{100 * (1 - 2 * alpha):g}%"
