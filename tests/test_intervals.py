"""Intervals and tests at their boundaries (statistics.intervals): the degenerate cases (no
variation, no degrees of freedom), the defaults, and the strict inequalities, each against the
formula written out here (the formulas on real data: test_design.py, test_r_survey.py)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from microcred.statistics import intervals

NOTHING = {"low": np.nan, "high": np.nan, "p_lower": np.nan, "p_upper": np.nan}


def same(out: dict, expected: dict) -> bool:
    """Equal dicts, keys in order, NaN equal to NaN."""
    return list(out) == list(expected) and all(
        (isinstance(v, float) and math.isnan(v) and math.isnan(out[k])) or out[k] == v
        for k, v in expected.items())


def test_t_interval_is_the_estimate_plus_minus_t_se_at_95_percent_by_default():
    half = stats.t.ppf(0.975, 7) * 0.2
    assert intervals.t_interval(1.0, 0.2, 7) == pytest.approx((1 - half, 1 + half), rel=1e-12)
    half = stats.t.ppf(0.975, 1) * 0.2  # one degree of freedom is enough
    assert intervals.t_interval(1.0, 0.2, 1) == pytest.approx((1 - half, 1 + half), rel=1e-12)


@pytest.mark.parametrize("se, df", [(np.nan, 5), (np.inf, 5), (0.2, np.inf), (0.2, np.nan),
                                    (0.2, 0), (0.2, -1)])
def test_t_interval_without_a_finite_se_and_positive_finite_df_is_empty(se, df):
    assert np.isnan(intervals.t_interval(1.0, se, df)).all()


def test_wald_is_the_t_test_and_its_interval_at_95_percent_by_default():
    t = stats.t.ppf(0.975, 3)
    out = intervals.wald(-0.5, 0.25, 3)
    assert out == pytest.approx({"low": -0.5 - t * 0.25, "high": -0.5 + t * 0.25,
                                 "p_value": 2 * stats.t.sf(2.0, 3)}, rel=1e-12)
    assert intervals.wald(0.5, 0.25, 1)["p_value"] == pytest.approx(2 * stats.t.sf(2.0, 1))


@pytest.mark.parametrize("se, df", [(np.nan, 5), (np.inf, 5), (0.2, np.inf), (0.2, np.nan),
                                    (0.2, 0), (0.0, 0)])
def test_wald_without_a_finite_se_and_positive_finite_df_is_empty(se, df):
    assert same(intervals.wald(0.3, se, df), {"low": np.nan, "high": np.nan, "p_value": np.nan})


def test_wald_of_a_difference_known_exactly_is_a_point_and_certain():
    assert intervals.wald(0.3, 0.0, 4) == {"low": 0.3, "high": 0.3, "p_value": 0.0}
    assert intervals.wald(0.0, 0.0, 4) == {"low": 0.0, "high": 0.0, "p_value": 1.0}


def test_equivalence_is_two_one_sided_t_tests():
    t = stats.t.ppf(0.95, 1)
    out = intervals.equivalence(0.01, 0.02, 1, 0.1)  # one degree of freedom is enough
    p_upper = stats.t.cdf(-0.09 / 0.02, 1)  # the larger: it sets the TOST p-value
    assert out == pytest.approx({"low": 0.01 - t * 0.02, "high": 0.01 + t * 0.02,
                                 "p_lower": stats.t.sf(0.11 / 0.02, 1), "p_upper": p_upper,
                                 "p_tost": p_upper, "equivalent": False}, rel=1e-12)
    assert intervals.equivalence(0.01, 0.02, 60, 0.1)["equivalent"] is True


def test_an_estimate_whose_tost_p_value_is_alpha_exactly_is_not_equivalent():
    # at alpha = 0.5 the t quantile is 0: an estimate on the margin has p_upper 0.5 exactly
    out = intervals.equivalence(0.1, 0.02, 10, 0.1, alpha=0.5)
    assert out["p_tost"] == 0.5 and out["equivalent"] is False


def test_a_difference_known_exactly_is_equivalent_only_strictly_inside_the_margin():
    inside = intervals.equivalence(0.05, 0.0, 10, 0.1)
    assert same(inside, {**NOTHING, "low": 0.05, "high": 0.05, "p_tost": 0.0,
                         "equivalent": True})
    for estimate in (0.1, -0.1, 0.2, np.nan):
        out = intervals.equivalence(estimate, 0.0, 10, 0.1)
        assert same(out, {**NOTHING, "low": estimate, "high": estimate, "p_tost": np.nan,
                          "equivalent": False}), estimate


@pytest.mark.parametrize("se, df", [(np.nan, 5), (np.inf, 5), (0.02, np.inf), (0.02, np.nan),
                                    (0.02, 0), (-0.02, 5)])
def test_equivalence_without_a_usable_se_and_df_is_not_supported(se, df):
    out = intervals.equivalence(0.0, se, df, 0.1)
    assert same(out, {**NOTHING, "low": 0.0, "high": 0.0, "p_tost": np.nan,
                      "equivalent": False})
