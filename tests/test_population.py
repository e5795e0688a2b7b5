"""Tests for populations: each factor's sampling and search ranges, and a population's sampling.

Samples come from ``np.random.default_rng`` at fixed seeds chosen before looking at any result
(0, 1 and 2), never searched for a passing one.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.stats
from hypothesis import given, settings
from hypothesis import strategies as st

from claims.population import (
    Choice,
    Factor,
    Fixed,
    Integers,
    LogUniform,
    Population,
    Uniform,
    scenario_columns,
)

FACTORS = {
    "uniform": (Uniform(-2.0, 3.0), lambda v: -2.0 <= v <= 3.0),
    "uniform-point": (Uniform(0.5, 0.5), lambda v: v == 0.5),
    "log-uniform": (LogUniform(1e-4, 1.0), lambda v: 1e-4 <= v <= 1.0),
    # exp(log(10)) rounds above 10 and exp(log(1e-5)) below 1e-5: the edges need care.
    "log-uniform-awkward": (LogUniform(1e-5, 10.0), lambda v: 1e-5 <= v <= 10.0),
    "integers": (Integers(0, 10), lambda v: isinstance(v, int) and 0 <= v <= 10),
    "choice": (Choice(("sgd", "adam", 3)), lambda v: v in ("sgd", "adam", 3)),
    "fixed": (Fixed(0.25), lambda v: v == 0.25),
}


@pytest.mark.parametrize("name", sorted(FACTORS))
def test_sample_stays_in_range_and_is_deterministic_for_a_seed(name):
    factor, in_range = FACTORS[name]
    values = factor.sample(np.random.default_rng(0), 2000)
    assert len(values) == 2000 and all(in_range(v) for v in values)
    assert factor.sample(np.random.default_rng(0), 2000) == values
    assert factor.sample(np.random.default_rng(0), 0) == []


def test_integers_include_both_ends_and_choice_every_value():
    assert set(Integers(0, 10).sample(np.random.default_rng(1), 2000)) == set(range(11))
    assert set(Choice(("sgd", "adam", 3)).sample(np.random.default_rng(1), 300)) == {
        "sgd", "adam", 3}


def test_log_uniform_samples_have_uniform_logarithms():
    low, high = 1e-4, 1.0
    logs = np.log(LogUniform(low, high).sample(np.random.default_rng(2), 2000))
    # Kolmogorov-Smirnov against U(log low, log high). The seed is fixed, so the outcome is
    # deterministic; p > 0.001 means a correct sampler would fail this at only 1 seed in 1000,
    # while a wrong shape at n = 2000 gives p far below it, as the check below shows.
    uniform_logs = scipy.stats.uniform(loc=math.log(low), scale=math.log(high) - math.log(low))
    assert scipy.stats.kstest(logs, uniform_logs.cdf).pvalue > 1e-3
    linear = np.log(Uniform(low, high).sample(np.random.default_rng(2), 2000))
    assert scipy.stats.kstest(linear, uniform_logs.cdf).pvalue < 1e-6  # the test has power


class EdgeRng:
    """Returns the ends of each requested interval, as ``Generator.uniform`` does when its
    underlying double is 0 (``low + (high - low) * 0``) or rounds up to ``high`` (numpy's
    documentation says the high limit may be included because of floating-point rounding)."""

    def uniform(self, low, high, size):
        return np.resize([low, high], size)


def test_log_uniform_sample_stays_in_range_at_the_ends_of_the_draw():
    values = LogUniform(1e-5, 10.0).sample(EdgeRng(), 2)
    assert 1e-5 <= min(values) and max(values) <= 10.0


@pytest.mark.parametrize("name", sorted(FACTORS))
@settings(max_examples=50, deadline=None, database=None)
@given(data=st.data())
def test_strategy_draws_stay_in_range(name, data):
    factor, in_range = FACTORS[name]
    assert in_range(data.draw(factor.strategy()))


def make_population(order):
    factors = {"lr": LogUniform(1e-3, 1.0), "seed": Integers(0, 2**31 - 1),
               "init": Uniform(-1.0, 1.0), "optimizer": Choice(("sgd", "adam")),
               "steps": Fixed(20)}
    return Population("toy problems trained briefly", {k: factors[k] for k in order})


def test_population_sample_is_deterministic_and_ignores_factor_order():
    forward = make_population(["lr", "seed", "init", "optimizer", "steps"])
    backward = make_population(["steps", "optimizer", "init", "seed", "lr"])
    drawn = forward.sample(50, np.random.default_rng(0))
    assert forward.sample(50, np.random.default_rng(0)) == drawn
    assert backward.sample(50, np.random.default_rng(0)) == drawn
    assert list(drawn[0]) == ["lr", "seed", "init", "optimizer", "steps"]  # declared order


def test_population_sample_draws_from_each_factor():
    population = make_population(["lr", "seed", "init", "optimizer", "steps"])
    columns = scenario_columns(population.sample(200, np.random.default_rng(1)))
    assert all(1e-3 <= v <= 1.0 for v in columns["lr"])
    assert all(-1.0 <= v <= 1.0 for v in columns["init"])
    assert set(columns["optimizer"]) == {"sgd", "adam"} and set(columns["steps"]) == {20}
    assert len(set(columns["seed"])) == 200  # 200 draws from 2^31 values: no repeat expected
    assert scenario_columns([]) == {}


@settings(max_examples=50, deadline=None, database=None)
@given(scenario=make_population(["lr", "seed", "init", "optimizer", "steps"]).strategy())
def test_population_strategy_draws_scenarios_in_range(scenario):
    assert set(scenario) == {"lr", "seed", "init", "optimizer", "steps"}
    assert 1e-3 <= scenario["lr"] <= 1.0 and 0 <= scenario["seed"] <= 2**31 - 1
    assert -1.0 <= scenario["init"] <= 1.0 and scenario["optimizer"] in ("sgd", "adam")
    assert scenario["steps"] == 20


def test_describe_mentions_every_factor():
    text = make_population(["lr", "seed", "init", "optimizer", "steps"]).describe()
    assert text.startswith("toy problems trained briefly (")
    for part in ("lr: log-uniform on [0.001, 1]", "seed: integer uniform on [0, 2147483647]",
                 "init: uniform on [-1, 1]", "optimizer: one of 'sgd', 'adam'",
                 "steps: fixed at 20"):
        assert part in text


@pytest.mark.parametrize("build, message", [
    (lambda: Uniform(2.0, 1.0), r"Uniform\(low=2\.0, high=1\.0\) needs finite bounds with "
                                r"low <= high"),
    (lambda: Uniform(0.0, math.inf), r"Uniform\(low=0\.0, high=inf\) needs finite bounds"),
    (lambda: Uniform(math.nan, 1.0), r"Uniform\(low=nan, high=1\.0\) needs finite bounds"),
    (lambda: LogUniform(1.0, math.inf), r"LogUniform\(low=1\.0, high=inf\) needs finite bounds"),
    (lambda: Integers(5, 1), r"Integers\(low=5, high=1\) needs finite bounds with low <= high"),
    (lambda: LogUniform(0, 1), r"LogUniform low=0 must be > 0; a log scale has no zero"),
    (lambda: LogUniform(-1.0, 1.0), r"LogUniform low=-1\.0 must be > 0"),
    (lambda: Choice(()), r"Choice\(values=\(\)\) has nothing to choose"),
    (lambda: Population("  ", {}), r"Population description is empty"),
])
def test_invalid_factors_and_populations_are_rejected(build, message):
    with pytest.raises(ValueError, match=message):
        build()


def test_population_rejects_a_factor_that_is_not_a_factor():
    with pytest.raises(TypeError, match=r"factor 'lr'=0\.1 is not a Factor; wrap constants in "
                                        r"Fixed\(\.\.\.\)"):
        Population("toy problems", {"lr": 0.1})
    assert isinstance(Fixed(0.1), Factor)
