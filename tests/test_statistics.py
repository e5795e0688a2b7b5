"""Tests for the pure statistical decisions in ``claims.decisions.statistics``.

Every test feeds a synthetic sample whose right answer is known in advance (all successes,
an obvious shift, an exact line, independent noise ...) and checks the outcome, the numbers
against scipy computed independently, and the handling of undefined values. The
"calibration-light" tests at the end draw many samples under a true null at a fixed seed and
check that confident verdicts are no more frequent than the declared level allows.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from scipy import stats

from claims.decisions import statistics as S
from claims.verdict import Outcome

SUPPORTED, REFUTED, INCONCLUSIVE = Outcome.SUPPORTED, Outcome.REFUTED, Outcome.INCONCLUSIVE

# Property tests: reproducible, and no example database written into the working tree.
PROPERTY = settings(max_examples=150, deadline=None, derandomize=True, database=None)


def clopper_pearson(k: int, n: int, level: float) -> tuple[float, float]:
    """The exact interval from its beta-quantile definition, independent of the library."""
    tail = (1 - level) / 2
    low = 0.0 if k == 0 else stats.beta.ppf(tail, k, n - k + 1)
    high = 1.0 if k == n else stats.beta.ppf(1 - tail, k + 1, n - k)
    return float(low), float(high)


# --------------------------------------------------------------------------------------------
# sign_test
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("n", [5, 10, 20])
def test_sign_test_all_successes_is_supported_with_the_exact_p(n):
    evidence = S.sign_test([1] * n, proportion=0.5, alpha=0.05)
    assert evidence.outcome is SUPPORTED
    # P(X >= n | n, 1/2) = 2**-n: the exact binomial tail, no approximation.
    assert evidence.pvalue == pytest.approx(0.5 ** n, rel=1e-12)
    assert evidence.statistic == n
    assert evidence.effect == 1.0
    assert evidence.n == n
    assert evidence.interval[1] == 1.0
    assert evidence.interval_level == pytest.approx(0.9)
    assert evidence.details["p if claim true"] == pytest.approx(1.0)


def test_sign_test_exact_p_for_another_proportion():
    # 20 of 20 against a share of 0.9: p = 0.9**20 = 0.1216 > 0.05, so not enough.
    evidence = S.sign_test([True] * 20, proportion=0.9, alpha=0.05)
    assert evidence.pvalue == pytest.approx(0.9 ** 20, rel=1e-12)
    assert evidence.outcome is INCONCLUSIVE
    assert "contains 0.9" in evidence.reason


def test_sign_test_all_failures_is_refuted():
    evidence = S.sign_test([0] * 10, proportion=0.5, alpha=0.05)
    assert evidence.outcome is REFUTED
    assert evidence.pvalue == pytest.approx(0.5 ** 10, rel=1e-12)
    assert evidence.effect == 0.0
    assert evidence.interval[0] == 0.0
    assert evidence.interval[1] < 0.5
    assert "holds only in 0 of 10" in evidence.reason


def test_sign_test_half_and_half_is_inconclusive_with_the_interval_around_one_half():
    evidence = S.sign_test([1, 0] * 15, proportion=0.5, alpha=0.05)
    assert evidence.outcome is INCONCLUSIVE
    low, high = evidence.interval
    assert low < 0.5 < high
    assert evidence.effect == 0.5
    assert "cannot tell" in evidence.reason


def test_sign_test_boolean_and_integer_coding_agree():
    pattern = [True, True, False, True, True, True, False, True, True, True, True, True]
    as_bool = S.sign_test(np.array(pattern), proportion=0.5, alpha=0.05)
    as_int = S.sign_test([int(v) for v in pattern], proportion=0.5, alpha=0.05)
    as_float = S.sign_test(np.array(pattern, dtype=float), proportion=0.5, alpha=0.05)
    assert as_bool == as_int == as_float
    assert as_bool.statistic == 10


def test_sign_test_nan_with_policy_inconclusive_refuses_to_decide():
    evidence = S.sign_test([1, 1, np.nan, 1, 1, 1, 1, 1, np.nan, 1], proportion=0.5,
                           alpha=0.05)
    assert evidence.outcome is INCONCLUSIVE
    assert "2 of 10 measurements undefined" in evidence.reason
    assert evidence.pvalue is None and evidence.interval is None


def test_sign_test_nan_with_policy_omit_drops_and_counts():
    values = [1.0] * 10 + [np.nan, np.nan, np.inf]
    evidence = S.sign_test(values, proportion=0.5, alpha=0.05, nan_policy="omit")
    assert evidence.outcome is SUPPORTED
    assert evidence.n == 10
    assert evidence.details["omitted (tie or undefined)"] == 3
    assert evidence.pvalue == pytest.approx(0.5 ** 10)


@pytest.mark.parametrize("bad", [[1, 0, 2], [0.5, 1], [-1, 1]])
def test_sign_test_rejects_values_other_than_zero_and_one(bad):
    with pytest.raises(ValueError, match="coded 1/0 or True/False"):
        S.sign_test(bad, proportion=0.5, alpha=0.05)


def test_sign_test_rejects_an_unknown_nan_policy():
    with pytest.raises(ValueError, match=r"nan_policy='drop' is not one of"):
        S.sign_test([1, 0, 1], proportion=0.5, alpha=0.05, nan_policy="drop")


@pytest.mark.parametrize("policy", ["inconclusive", "omit"])
def test_sign_test_empty_sample_is_inconclusive(policy):
    evidence = S.sign_test([], proportion=0.5, alpha=0.05, nan_policy=policy)
    assert evidence.outcome is INCONCLUSIVE
    assert evidence.n == 0
    assert "no defined measurement" in evidence.reason


def test_sign_test_all_undefined_with_omit_is_inconclusive():
    evidence = S.sign_test([np.nan] * 4, proportion=0.5, alpha=0.05, nan_policy="omit")
    assert evidence.outcome is INCONCLUSIVE
    assert "no defined measurement" in evidence.reason


@pytest.mark.parametrize("k, n, alpha", [(0, 7, 0.05), (3, 7, 0.05), (7, 7, 0.01),
                                         (62, 100, 0.01), (130, 200, 0.025)])
def test_sign_test_interval_is_clopper_pearson_at_one_minus_two_alpha(k, n, alpha):
    evidence = S.sign_test([1] * k + [0] * (n - k), proportion=0.5, alpha=alpha)
    expected = clopper_pearson(k, n, 1 - 2 * alpha)
    assert evidence.interval == pytest.approx(expected, abs=1e-10)
    scipy_ci = stats.binomtest(k, n).proportion_ci(1 - 2 * alpha, method="exact")
    assert evidence.interval == pytest.approx((scipy_ci.low, scipy_ci.high), abs=1e-12)
    assert evidence.interval_level == pytest.approx(1 - 2 * alpha)


@PROPERTY
@given(n=st.integers(1, 120), data=st.data(),
       proportion=st.floats(0.05, 0.95), alpha=st.sampled_from([0.01, 0.025, 0.05, 0.1]))
def test_sign_test_verdict_can_be_read_off_its_interval(n, data, proportion, alpha):
    """The exact one-sided tests and the Clopper-Pearson bounds are dual: supported exactly
    when the lower bound exceeds the proportion, refuted exactly when the upper one is below."""
    k = data.draw(st.integers(0, n))
    evidence = S.sign_test([1] * k + [0] * (n - k), proportion=proportion, alpha=alpha)
    low, high = evidence.interval
    assert (evidence.outcome is SUPPORTED) == (low > proportion)
    assert (evidence.outcome is REFUTED) == (high < proportion)


# --------------------------------------------------------------------------------------------
# wilcoxon_test
# --------------------------------------------------------------------------------------------

def test_wilcoxon_clear_positive_shift_is_supported():
    rng = np.random.default_rng(1)
    differences = rng.normal(1.0, 0.5, size=30)
    evidence = S.wilcoxon_test(differences, alpha=0.01)
    assert evidence.outcome is SUPPORTED
    assert evidence.pvalue < 0.01
    assert evidence.effect == pytest.approx(np.median(differences))
    assert evidence.interval[0] > 0
    assert evidence.details["rank-biserial correlation"] > 0.9


def test_wilcoxon_clear_negative_shift_is_refuted():
    rng = np.random.default_rng(2)
    evidence = S.wilcoxon_test(rng.normal(-1.0, 0.5, size=30), alpha=0.01)
    assert evidence.outcome is REFUTED
    assert evidence.pvalue < 0.01
    assert "below 0" in evidence.reason
    assert evidence.details["rank-biserial correlation"] < -0.9


def test_wilcoxon_shift_moves_the_null():
    # Differences around 1 exceed 0 clearly, but not a shift of 3.
    rng = np.random.default_rng(3)
    differences = rng.normal(1.0, 0.5, size=30)
    assert S.wilcoxon_test(differences, shift=0.0, alpha=0.01).outcome is SUPPORTED
    assert S.wilcoxon_test(differences, shift=3.0, alpha=0.01).outcome is REFUTED


def test_wilcoxon_symmetric_around_the_shift_is_inconclusive():
    offsets = np.array([0.1, 0.4, 0.7, 1.3, 2.2, 3.5, 5.0, 8.0])
    differences = 2.0 + np.concatenate([offsets, -offsets])
    evidence = S.wilcoxon_test(differences, shift=2.0, alpha=0.05)
    assert evidence.outcome is INCONCLUSIVE
    assert evidence.pvalue == pytest.approx(0.5, abs=0.05)
    assert evidence.details["rank-biserial correlation"] == pytest.approx(0.0)
    assert "neither above nor below 2" in evidence.reason


def test_wilcoxon_all_differences_equal_to_the_shift_is_inconclusive_ties_only():
    evidence = S.wilcoxon_test([0.25] * 12, shift=0.25, alpha=0.05)
    assert evidence.outcome is INCONCLUSIVE
    assert "ties only" in evidence.reason
    assert evidence.n == 12
    assert evidence.pvalue is None


@pytest.mark.parametrize("n", [6, 14])
def test_wilcoxon_constant_sample_away_from_the_shift(n):
    # n identical positive differences: all ranks tie, every sign is +. (With ties scipy
    # uses a permutation test up to n = 13 and the normal approximation beyond; n = 6 has
    # p = 2**-6 and n = 14 a normal-approximation p; both are far below alpha.)
    evidence = S.wilcoxon_test([0.5] * n, shift=0.0, alpha=0.05)
    assert evidence.outcome is SUPPORTED
    assert evidence.effect == 0.5
    assert evidence.interval == (0.5, 0.5)
    assert evidence.details["rank-biserial correlation"] == 1.0
    if n == 6:
        assert evidence.pvalue == pytest.approx(2 ** -6)
    below = S.wilcoxon_test([0.5] * n, shift=1.0, alpha=0.05)
    assert below.outcome is REFUTED
    assert below.details["rank-biserial correlation"] == -1.0


def test_wilcoxon_nan_policies():
    rng = np.random.default_rng(4)
    values = np.append(rng.normal(2.0, 0.5, size=20), [np.nan, np.nan])
    refused = S.wilcoxon_test(values, alpha=0.05)
    assert refused.outcome is INCONCLUSIVE
    assert "2 of 22 measurements undefined" in refused.reason
    omitted = S.wilcoxon_test(values, alpha=0.05, nan_policy="omit")
    assert omitted.outcome is SUPPORTED
    assert omitted.n == 20
    assert omitted.details["omitted (undefined)"] == 2
    with pytest.raises(ValueError, match="is not one of"):
        S.wilcoxon_test(values, alpha=0.05, nan_policy="ignore")


@pytest.mark.parametrize("seed, mean, shift", [(5, 0.3, 0.0), (6, -0.2, 0.0), (7, 1.0, 0.8),
                                               (8, 0.0, 0.0)])
def test_wilcoxon_pvalue_is_scipys(seed, mean, shift):
    differences = np.random.default_rng(seed).normal(mean, 1.0, size=25)
    evidence = S.wilcoxon_test(differences, shift=shift, alpha=0.05)
    greater = stats.wilcoxon(differences - shift, alternative="greater").pvalue
    less = stats.wilcoxon(differences - shift, alternative="less").pvalue
    expected = less if evidence.outcome is REFUTED else greater
    assert evidence.pvalue == pytest.approx(expected, rel=1e-12)
    assert evidence.statistic == stats.wilcoxon(differences - shift,
                                                alternative="greater").statistic


def test_median_interval_order_statistics_by_hand():
    # n = 10, level 0.9: P(B <= 1) = 11/1024 <= 0.05 < P(B <= 2) = 56/1024 for B ~ Bin(10, 1/2),
    # so the interval runs from the 2nd to the 9th order statistic.
    values = np.array([9, 3, 7, 1, 5, 0, 8, 2, 6, 4], dtype=float)
    interval, achieved = S.median_interval(values, 0.9)
    assert interval == (1.0, 8.0)
    assert achieved == pytest.approx(1 - 2 * 11 / 1024)


def test_median_interval_reports_the_level_it_really_has_for_small_n():
    # n = 4: the whole range covers 1 - 2 / 16 = 0.875 < 0.9, and says so
    interval, achieved = S.median_interval(np.array([4.0, 1.0, 3.0, 2.0]), 0.9)
    assert interval == (1.0, 4.0)
    assert achieved == pytest.approx(0.875)


def test_median_interval_covers_the_true_median_at_its_level():
    """Coverage by simulation: 2000 samples of n = 25 from an exponential (median ln 2).

    The order-statistic interval is distribution-free; its exact coverage is
    1 - 2 P(B <= k - 1), B ~ Bin(25, 1/2), with k its lower rank, which is >= the level by
    construction. A simulated coverage has standard error sqrt(level (1 - level) / 2000),
    about 0.007; demanding coverage >= level - 3 se fails a correct implementation with
    probability about 0.1 % (and never at this fixed seed), while an interval one rank too
    narrow on each side would lose about 0.05 and be caught.
    """
    level, n, draws = 0.9, 25, 2000
    rng = np.random.default_rng(11)
    samples = rng.exponential(1.0, size=(draws, n))
    true_median = math.log(2)
    covered = 0
    for sample in samples:
        (low, high), _ = S.median_interval(sample, level)
        covered += low <= true_median <= high
    coverage = covered / draws
    se = math.sqrt(level * (1 - level) / draws)
    assert coverage >= level - 3 * se
    # And it is the coverage its ranks promise, not something far more conservative.
    k = int(stats.binom.ppf((1 - level) / 2, n, 0.5))  # 1-based lower rank (k >= 1 here)
    exact = 1 - 2 * stats.binom.cdf(k - 1, n, 0.5)
    assert exact >= level
    exact_se = math.sqrt(exact * (1 - exact) / draws)
    assert abs(coverage - exact) <= 4 * exact_se


def test_rank_biserial_by_hand():
    # |d| ranks 1..4; positive ranks 1 + 3 + 4 = 8, negative 2: (8 - 2) / 10 = 0.6.
    assert S.rank_biserial(np.array([1.0, -2.0, 3.0, 4.0])) == pytest.approx(0.6)
    # Zeros are dropped before ranking.
    assert S.rank_biserial(np.array([0.0, 1.0, -2.0, 0.0, 3.0, 4.0])) == pytest.approx(0.6)
    # Tied magnitudes share ranks: |1|, |-1| -> 1.5 each, |2| -> 3; (4.5 - 1.5) / 6 = 0.5.
    assert S.rank_biserial(np.array([1.0, -1.0, 2.0])) == pytest.approx(0.5)
    assert S.rank_biserial(np.array([-1.0, -2.0])) == pytest.approx(-1.0)


# --------------------------------------------------------------------------------------------
# slope_test
# --------------------------------------------------------------------------------------------

def test_slope_exact_line_with_tiny_noise_is_supported():
    rng = np.random.default_rng(12)
    x = np.linspace(0, 10, 40)
    y = x + rng.normal(0, 1e-4, size=x.size)
    evidence = S.slope_test(x, y, slope=1.0, margin=0.01, alpha=0.01)
    assert evidence.outcome is SUPPORTED
    assert evidence.pvalue < 0.01
    assert 0.99 < evidence.interval[0] < evidence.interval[1] < 1.01
    assert "inside the band" in evidence.reason


def test_slope_exact_line_without_noise_is_supported_with_p_zero():
    x = np.arange(5.0)
    evidence = S.slope_test(x, 3 * x + 1, slope=3.0, margin=0.01, alpha=0.05)
    assert evidence.outcome is SUPPORTED
    assert evidence.pvalue == 0.0
    assert evidence.details["intercept"] == pytest.approx(1.0)


def test_slope_two_is_refuted_for_a_claimed_slope_of_one():
    rng = np.random.default_rng(13)
    x = np.linspace(0, 10, 40)
    y = 2 * x + rng.normal(0, 1e-3, size=x.size)
    evidence = S.slope_test(x, y, slope=1.0, margin=0.01, alpha=0.01)
    assert evidence.outcome is REFUTED
    assert evidence.interval[0] > 1.01
    assert "outside the band" in evidence.reason
    below = S.slope_test(x, -y, slope=1.0, margin=0.01, alpha=0.01)
    assert below.outcome is REFUTED


def test_slope_noisy_data_at_the_band_edge_is_inconclusive():
    rng = np.random.default_rng(14)
    x = np.linspace(0, 1, 30)
    y = 1.01 * x + rng.normal(0, 0.05, size=x.size)  # true slope on the band's upper edge
    evidence = S.slope_test(x, y, slope=1.0, margin=0.01, alpha=0.05)
    assert evidence.outcome is INCONCLUSIVE
    low, high = evidence.interval
    assert low < 1.01 < high or low < 0.99 < high
    assert "overlaps the band's edge" in evidence.reason
    assert evidence.pvalue >= 0.05


def test_slope_constant_x_is_inconclusive():
    evidence = S.slope_test([2.0] * 6, [1, 2, 3, 4, 5, 6], slope=1.0, margin=0.1, alpha=0.05)
    assert evidence.outcome is INCONCLUSIVE
    assert "x does not vary" in evidence.reason


@pytest.mark.parametrize("n", [0, 1, 2])
def test_slope_needs_three_points(n):
    x = np.arange(float(n))
    evidence = S.slope_test(x, x, slope=1.0, margin=0.1, alpha=0.05)
    assert evidence.outcome is INCONCLUSIVE
    assert f"n={n} pairs; a slope test needs >= 3" in evidence.reason


def test_slope_nan_policies():
    x = np.arange(10.0)
    y = x.copy()
    y[3] = np.nan
    x[7] = np.inf
    refused = S.slope_test(x, y, slope=1.0, margin=0.1, alpha=0.05)
    assert refused.outcome is INCONCLUSIVE
    assert "2 of 10 pairs undefined" in refused.reason
    omitted = S.slope_test(x, y, slope=1.0, margin=0.1, alpha=0.05, nan_policy="omit")
    assert omitted.outcome is SUPPORTED
    assert omitted.n == 8
    assert omitted.details["omitted (undefined)"] == 2


def test_slope_rejects_an_unknown_nan_policy():
    x = np.arange(10.0)
    y = x.copy()
    y[3] = np.nan
    with pytest.raises(ValueError, match="nan_policy"):
        S.slope_test(x, y, slope=1.0, margin=0.1, alpha=0.05, nan_policy="inconclusve")


def test_slope_numbers_match_linregress():
    rng = np.random.default_rng(15)
    x = rng.uniform(-3, 3, size=25)
    y = 0.7 * x + 0.2 + rng.normal(0, 0.3, size=25)
    alpha = 0.025
    evidence = S.slope_test(x, y, slope=0.7, margin=0.2, alpha=alpha)
    fit = stats.linregress(x, y)
    assert evidence.effect == pytest.approx(fit.slope, rel=1e-12)
    assert evidence.statistic == pytest.approx(fit.slope, rel=1e-12)
    assert evidence.details["standard error"] == pytest.approx(fit.stderr, rel=1e-12)
    assert evidence.details["intercept"] == pytest.approx(fit.intercept, rel=1e-12)
    assert evidence.details["r"] == pytest.approx(fit.rvalue, rel=1e-12)
    half = stats.t.ppf(1 - alpha, 23) * fit.stderr
    assert evidence.interval == pytest.approx((fit.slope - half, fit.slope + half), rel=1e-12)
    # TOST p: the larger of the two one-sided t-test p-values.
    p_low = stats.t.sf((fit.slope - 0.5) / fit.stderr, 23)
    p_high = stats.t.cdf((fit.slope - 0.9) / fit.stderr, 23)
    assert evidence.pvalue == pytest.approx(max(p_low, p_high), rel=1e-9)


@PROPERTY
@given(points=st.lists(st.tuples(st.floats(-100, 100, allow_subnormal=False),
                                 st.floats(-100, 100, allow_subnormal=False)),
                       min_size=3, max_size=30),
       slope=st.floats(-5, 5), margin=st.floats(0.01, 5),
       alpha=st.sampled_from([0.01, 0.05, 0.1]))
def test_slope_tost_p_below_alpha_exactly_when_the_interval_is_inside_the_band(
        points, slope, margin, alpha):
    # the recorded p-value is the decisive test's: TOST when supported or undecided, the
    # one-sided test against the band when refuted; either way p < alpha iff decisive
    x, y = np.array(points).T
    assume(np.ptp(x) > 1e-3)
    evidence = S.slope_test(x, y, slope=slope, margin=margin, alpha=alpha)
    low, high = evidence.interval
    inside = slope - margin < low and high < slope + margin
    outside = high < slope - margin or low > slope + margin
    assert inside == (evidence.outcome is SUPPORTED)
    assert outside == (evidence.outcome is REFUTED)
    assert (evidence.pvalue < alpha) == (inside or outside)


# --------------------------------------------------------------------------------------------
# spearman_test
# --------------------------------------------------------------------------------------------

def test_spearman_monotone_increasing_is_supported():
    x = np.linspace(0.1, 3, 20)
    evidence = S.spearman_test(x, np.exp(x) + np.log(x), alpha=0.01)
    assert evidence.outcome is SUPPORTED
    assert evidence.effect == pytest.approx(1.0)
    assert evidence.pvalue < 1e-6


def test_spearman_decreasing_is_refuted():
    rng = np.random.default_rng(16)
    x = rng.uniform(0, 1, size=30)
    y = -x ** 3 + rng.normal(0, 0.01, size=30)
    evidence = S.spearman_test(x, y, alpha=0.01)
    assert evidence.outcome is REFUTED
    assert evidence.effect < -0.9
    assert evidence.pvalue == pytest.approx(stats.spearmanr(x, y, alternative="less").pvalue)
    assert "negative" in evidence.reason


def test_spearman_independent_is_inconclusive():
    rng = np.random.default_rng(17)
    x, y = rng.normal(size=(2, 40))
    evidence = S.spearman_test(x, y, alpha=0.05)
    assert evidence.outcome is INCONCLUSIVE
    assert evidence.effect == pytest.approx(stats.spearmanr(x, y).statistic)
    assert evidence.interval[0] < 0 < evidence.interval[1]


@pytest.mark.parametrize("x, y", [([1.0] * 12, list(range(12))),
                                  (list(range(12)), [3.0] * 12)])
def test_spearman_constant_input_is_inconclusive_without_warnings(x, y):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # also a pytest setting; explicit here on purpose
        evidence = S.spearman_test(x, y, alpha=0.05)
    assert evidence.outcome is INCONCLUSIVE
    assert "constant" in evidence.reason


def test_spearman_needs_ten_pairs_and_follows_nan_policy():
    # below 10 pairs the t approximation is unreliable: at n = 4 a perfect order gets p = 0,
    # while its exact permutation p-value is 1/24
    small = S.spearman_test([1, 2, 3, 4], [1, 2, 3, 4], alpha=0.01)
    assert small.outcome is INCONCLUSIVE and "needs >= 10" in small.reason
    x = np.arange(12.0)
    y = x ** 2
    y[0] = np.nan
    refused = S.spearman_test(x, y, alpha=0.05)
    assert refused.outcome is INCONCLUSIVE
    assert "1 of 12 pairs undefined" in refused.reason
    omitted = S.spearman_test(x, y, alpha=0.05, nan_policy="omit")
    assert omitted.outcome is SUPPORTED
    assert omitted.n == 11
    assert omitted.details["omitted (undefined)"] == 1


def test_spearman_rejects_an_unknown_nan_policy():
    with pytest.raises(ValueError, match="nan_policy"):
        S.spearman_test(np.arange(6.0), np.arange(6.0), alpha=0.05, nan_policy="bogus")


@pytest.mark.parametrize("rho", [-0.95, -0.5, 0.0, 0.3, 0.8, 0.99])
@pytest.mark.parametrize("n", [4, 10, 200])
@pytest.mark.parametrize("level", [0.9, 0.98])
def test_fisher_interval_contains_rho_with_the_stated_width(rho, n, level):
    low, high = S._fisher_interval(rho, n, level)
    assert -1 <= low < rho < high <= 1
    half = stats.norm.ppf(0.5 + level / 2) * math.sqrt(1.06 / (n - 3))
    assert math.atanh(high) - math.atanh(rho) == pytest.approx(half)
    assert math.atanh(rho) - math.atanh(low) == pytest.approx(half)


@pytest.mark.parametrize("rho", [-1.0, 1.0])
def test_fisher_interval_at_perfect_correlation_is_degenerate(rho):
    assert S._fisher_interval(rho, 10, 0.9) == (rho, rho)


# --------------------------------------------------------------------------------------------
# zero_rate_bound and proportion_interval
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("n", [1, 5, 50, 200, 3000])
@pytest.mark.parametrize("alpha", [0.01, 0.05])
def test_zero_rate_bound_is_the_one_sided_clopper_pearson_bound(n, alpha):
    bound = S.zero_rate_bound(n, alpha)
    assert bound == pytest.approx(1 - alpha ** (1 / n), rel=1e-12)
    # A rate of `bound` yields zero events in n with probability exactly alpha ...
    assert (1 - bound) ** n == pytest.approx(alpha, rel=1e-9)
    # ... which is the upper end of the two-sided interval at level 1 - 2 alpha.
    assert S.proportion_interval(0, n, 1 - 2 * alpha)[1] == pytest.approx(bound, rel=1e-9)


def test_zero_rate_bound_known_values():
    assert S.zero_rate_bound(200, 0.01) == pytest.approx(0.022763, abs=1e-6)
    assert S.zero_rate_bound(100, 0.05) == pytest.approx(0.029513, abs=1e-6)
    assert S.zero_rate_bound(0, 0.05) == 1.0


@pytest.mark.parametrize("k, n", [(0, 10), (1, 10), (5, 10), (10, 10), (37, 120)])
@pytest.mark.parametrize("level", [0.9, 0.95, 0.98])
def test_proportion_interval_is_clopper_pearson(k, n, level):
    low, high = S.proportion_interval(k, n, level)
    assert (low, high) == pytest.approx(clopper_pearson(k, n, level), abs=1e-10)
    assert 0 <= low <= k / n <= high <= 1
    assert isinstance(low, float) and isinstance(high, float)


def test_proportion_interval_narrows_with_level_and_with_n():
    wide = S.proportion_interval(30, 60, 0.98)
    narrow = S.proportion_interval(30, 60, 0.9)
    assert wide[0] < narrow[0] and narrow[1] < wide[1]
    more = S.proportion_interval(300, 600, 0.9)
    assert narrow[0] < more[0] and more[1] < narrow[1]


# --------------------------------------------------------------------------------------------
# calibration-light: confident verdicts under a true null
# --------------------------------------------------------------------------------------------

REPETITIONS = 300


def assert_rate_at_most(count: int, repetitions: int, level: float) -> None:
    """The observed rate's two-sided 95% Clopper-Pearson interval must reach down to
    ``level``: a rate truly at or below it fails this check at most 2.5 % of the time."""
    low, _ = clopper_pearson(count, repetitions, 0.95)
    assert low <= level, f"{count} of {repetitions} confident verdicts; lower bound {low:.3f}"


def test_sign_test_is_calibrated_under_the_null():
    # Bernoulli(1/2) successes against proportion 1/2: supported and refuted each have
    # probability <= alpha, so confident verdicts <= 2 alpha (the exact test is conservative).
    alpha = 0.05
    rng = np.random.default_rng(21)
    samples = rng.integers(0, 2, size=(REPETITIONS, 200))
    confident = sum(S.sign_test(s, proportion=0.5, alpha=alpha).outcome is not INCONCLUSIVE
                    for s in samples)
    assert_rate_at_most(confident, REPETITIONS, 2 * alpha)


def test_wilcoxon_test_is_calibrated_under_the_null():
    # Differences symmetric about the shift (Laplace: heavy tails, no normality needed).
    alpha, shift = 0.05, 0.3
    rng = np.random.default_rng(22)
    samples = shift + rng.laplace(0.0, 1.0, size=(REPETITIONS, 30))
    confident = sum(S.wilcoxon_test(s, shift=shift, alpha=alpha).outcome is not INCONCLUSIVE
                    for s in samples)
    assert_rate_at_most(confident, REPETITIONS, 2 * alpha)


def test_slope_test_is_calibrated_at_the_band_edge():
    # The true slope sits on the band's upper edge: "supported" is then a false equivalence
    # and TOST keeps it at <= alpha.
    alpha, slope, margin = 0.05, 1.0, 0.1
    rng = np.random.default_rng(23)
    x = np.linspace(0, 1, 20)
    supported = 0
    for _ in range(REPETITIONS):
        y = (slope + margin) * x + rng.normal(0, 0.05, size=x.size)
        supported += S.slope_test(x, y, slope=slope, margin=margin,
                                  alpha=alpha).outcome is SUPPORTED
    assert_rate_at_most(supported, REPETITIONS, alpha)


def test_spearman_test_is_calibrated_under_independence():
    alpha = 0.05
    rng = np.random.default_rng(24)
    samples = rng.normal(size=(REPETITIONS, 2, 25))
    confident = sum(S.spearman_test(x, y, alpha=alpha).outcome is not INCONCLUSIVE
                    for x, y in samples)
    assert_rate_at_most(confident, REPETITIONS, 2 * alpha)


def test_refuted_slope_reports_the_p_value_against_the_band():
    x = np.linspace(0.0, 1.0, 50)
    y = 2.0 * x + np.random.default_rng(0).normal(0.0, 0.01, size=50)
    evidence = S.slope_test(x, y, slope=1.0, margin=0.1, alpha=0.01)
    assert evidence.outcome is REFUTED
    assert evidence.pvalue < 1e-10  # the slope is far above the band's upper edge 1.1
