"""Run-wide corrections: Holm against a hand computation, BH against scipy, and the family."""

import math

import numpy as np
import pytest
from scipy import stats

from claims.decisions.multiplicity import adjust, family


def test_holm_matches_the_step_down_by_hand():
    # sorted 0.005, 0.01, 0.03, 0.04 times 4, 3, 2, 1 = 0.02, 0.03, 0.06, 0.04; running max
    adjusted = adjust([0.01, 0.04, 0.03, 0.005], "holm")
    np.testing.assert_allclose(adjusted, [0.03, 0.06, 0.06, 0.02], rtol=0, atol=1e-15)


def test_holm_caps_at_one_and_keeps_ties_together():
    np.testing.assert_allclose(adjust([0.5, 0.5, 0.9], "holm"), [1.0, 1.0, 1.0])


def test_bh_is_scipys_false_discovery_control():
    p = np.random.default_rng(3).uniform(size=25) ** 3
    np.testing.assert_allclose(adjust(p, "bh"), stats.false_discovery_control(p, method="bh"))


def test_missing_and_non_finite_pvalues_count_as_one():
    np.testing.assert_allclose(adjust([None, float("nan"), 0.001], "holm"), [1.0, 1.0, 0.003])


def test_empty_family_is_empty():
    assert adjust([], "holm").size == 0


def test_bad_method_and_out_of_range_pvalues_are_errors():
    with pytest.raises(ValueError, match=r"method='bonf' is not one of \('holm', 'bh'\)"):
        adjust([0.1], "bonf")
    with pytest.raises(ValueError, match=r"p-values must lie in \[0, 1\]"):
        adjust([1.5], "holm")


def _record(outcome, pvalue, test="exact binomial test"):
    return {"evidence": {"outcome": outcome, "pvalue": pvalue, "test": test}}


def test_family_takes_tests_with_pvalues_and_leaves_searches_out():
    records = {"a::A": _record("supported", 0.001), "b::B": _record("supported", 0.02),
               "c::C": _record("inconclusive", 0.4),
               "d::D": _record("refuted", None, test="counterexample search")}
    members = {m.nodeid: m for m in family(records, 0.05)}
    assert set(members) == {"a::A", "b::B", "c::C"}
    assert members["a::A"].holm == pytest.approx(0.003) and members["a::A"].survives_holm
    assert members["b::B"].holm == pytest.approx(0.04) and members["b::B"].survives_holm
    assert not members["c::C"].survives_holm and not members["c::C"].survives_bh


def test_a_decisive_verdict_can_fail_the_correction():
    records = {f"x::{i}": _record("supported", 0.009) for i in range(10)}
    members = family(records, 0.05)
    assert not any(m.survives_holm for m in members)
    assert all(m.survives_bh for m in members)  # BH: 0.009 * 10 / 10 = 0.009 <= 0.05
    assert all(isinstance(m.survives_holm, bool) for m in members)


def test_string_nan_from_json_counts_as_one():
    (member,) = family({"n::N": _record("inconclusive", "nan")}, 0.05)
    assert member.pvalue == 1.0 and not math.isnan(member.holm)
