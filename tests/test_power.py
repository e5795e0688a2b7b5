"""Power of the exact binomial test: the exact formula against simulation, and its use."""

import numpy as np
import pytest
from scipy import stats

from claims import ClaimDefinitionError, SignTest
from claims.decisions.power import sign_test_power, sign_test_sample_size


def test_power_matches_simulated_rejection_rate():
    rng = np.random.default_rng(20261204)
    n, share, alpha = 200, 0.62, 0.01
    successes = rng.binomial(n, share, size=4000)
    rejected = [stats.binomtest(int(k), n, 0.5, alternative="greater").pvalue < alpha
                for k in successes]
    exact = sign_test_power(n, 0.5, share, alpha)
    # 4000 Bernoulli draws: standard error about 0.0055; allow 4 of them
    assert abs(np.mean(rejected) - exact) < 4 * np.sqrt(exact * (1 - exact) / 4000)


def test_power_at_the_null_is_at_most_alpha():
    for n in (10, 57, 200, 1000):
        assert sign_test_power(n, 0.5, 0.5, 0.01) <= 0.01


def test_catalog_sample_size_reaches_required_power():
    assert sign_test_power(200, 0.5, 0.62, 0.01) == pytest.approx(0.8625, abs=1e-4)


def test_sample_size_is_the_first_n_reaching_power():
    n = sign_test_sample_size(0.5, 0.62, 0.01)
    assert sign_test_power(n, 0.5, 0.62, 0.01) >= 0.8
    assert sign_test_power(n - 1, 0.5, 0.62, 0.01) < 0.8


def test_underpowered_sign_test_is_rejected_with_the_needed_n():
    with pytest.raises(ClaimDefinitionError,
                       match=r"n=50 gives power 0\.24 < 0\.8 .* use n >= 174"):
        SignTest(n=50, alpha=0.01)


def test_detect_must_lie_above_proportion():
    with pytest.raises(ClaimDefinitionError, match=r"need 0 < proportion < detect < 1"):
        SignTest(n=200, alpha=0.01, proportion=0.7, detect=0.6)


def test_unreachable_power_names_the_fix():
    with pytest.raises(ValueError, match="declare a larger minimal effect"):
        sign_test_sample_size(0.5, 0.5001, 0.01, limit=50)


def _claim_with_mostly_undefined_outcomes():
    import numpy as np

    from claims import Claim, Kind, Population, Source, Uniform

    def experiment(scenarios, lab):
        # 90% undefined; the rest split evenly: nothing to decide, and little to decide with
        return {"holds": np.asarray([np.nan if s["x"] < 0.9 else float(s["x"] < 0.95)
                                     for s in scenarios])}

    return Claim(id="UNDER", statement="Mostly undefined outcomes.", source=Source("s", 1),
                 kind=Kind.TENDENCY, population=Population("x", {"x": Uniform(0, 1)}),
                 experiment=experiment,
                 decision=SignTest(n=200, alpha=0.01, nan_policy="omit"))


def test_undecided_sign_test_on_an_underpowered_sample_says_so():
    from claims import run_claim
    from claims.profiles import get_profile

    verdict = run_claim(_claim_with_mostly_undefined_outcomes(), root_seed=0,
                        profile=get_profile("ci"))
    evidence = verdict.evidence
    assert evidence.outcome.value == "inconclusive"
    assert evidence.n < 40
    assert "defined scenarios the test had power only" in evidence.reason
    assert evidence.details["power at share 0.62"] < 0.8


def test_wilcoxon_power_approximation_matches_simulation():
    from claims.decisions.power import wilcoxon_power

    rng = np.random.default_rng(7)
    n, effect, alpha, draws = 40, 0.5, 0.01, 2000
    samples = rng.normal(effect, 1.0, size=(draws, n))
    rejected = stats.wilcoxon(samples, alternative="greater", axis=1).pvalue < alpha
    # normal errors, where the 3/pi efficiency is exact asymptotically; se ~ 0.009 at 2000
    assert abs(rejected.mean() - wilcoxon_power(n, effect, alpha)) < 0.05


def test_spearman_power_approximation_matches_simulation():
    from claims.decisions.power import spearman_power

    rng = np.random.default_rng(8)
    n, rho, alpha, draws = 100, 0.3, 0.01, 1000
    cov = [[1.0, rho], [rho, 1.0]]
    hits = 0
    for _ in range(draws):
        x, y = rng.multivariate_normal([0, 0], cov, size=n).T
        hits += stats.spearmanr(x, y, alternative="greater").pvalue < alpha
    # Pearson rho 0.3 gives Spearman rho about 0.287: the approximation may sit a little high
    assert abs(hits / draws - spearman_power(n, rho, alpha)) < 0.08


def test_underpowered_wilcoxon_and_spearman_rules_are_rejected():
    from claims import SpearmanTest, WilcoxonTest

    with pytest.raises(ClaimDefinitionError, match=r"WilcoxonTest: n=10 gives power 0\.\d+ "
                                                   r"< 0\.8 at a standardised shift of 0\.5"):
        WilcoxonTest(n=10, alpha=0.01)
    with pytest.raises(ClaimDefinitionError, match=r"SpearmanTest: n=20 gives power 0\.\d+ "
                                                   r"< 0\.8 at a rho of 0\.3"):
        SpearmanTest(n=20, alpha=0.01)
