"""Estimators against values worked out independently (formulas written out here, or another
library), on small hand-made samples."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from microcred.core import parallel
from microcred.release import tables
from microcred.release.policy import Policy
from microcred.statistics import compare, composition, design, estimate, intervals
from microcred.statistics.compare import Family
from microcred.statistics.design import SurveyDesign
from microcred.survey import codebook, region_schemes


def beta_by_hand(x, n, level=0.95):
    """Clopper-Pearson's bounds of x successes in n (n may be fractional)."""
    alpha = 1 - level
    return stats.beta.ppf(alpha / 2, x, n - x + 1), stats.beta.ppf(1 - alpha / 2, x + 1, n - x)


def sample(offers, career, inst=None, region=None):
    n = len(offers)
    return pd.DataFrame({
        "offers_mc": pd.Categorical(offers, categories=["Yes", "No", "Not sure"]),
        "career_outcomes": pd.Categorical(career, categories=[
            "Strongly disagree", "Somewhat disagree", "Neither agree nor disagree",
            "Somewhat agree", "Strongly agree"], ordered=True),
        "inst_id": inst or [f"i{i}" for i in range(n)],
        "region": region or ["A"] * n,
    })


def test_clopper_pearson_matches_the_formula_and_a_published_value():
    assert intervals.clopper_pearson(8, 10) == pytest.approx(beta_by_hand(8, 10), abs=1e-12)
    assert intervals.clopper_pearson(8, 10) == pytest.approx((0.4439, 0.9748), abs=1e-4)


def test_indicator_counts_not_sure_in_the_base_only(cb):
    frame = sample(["Yes", "No", "Not sure", None], ["Strongly agree"] * 4)
    y = estimate.indicator(frame, cb.metric("offers_mc"))
    assert y.tolist()[:3] == [1.0, 0.0, 0.0] and np.isnan(y.iat[3])


def test_indicator_applies_the_metric_base(cb):
    frame = sample(["Yes", "No", "Yes"],
                   ["Strongly agree", "Strongly agree", "Neither agree nor disagree"])
    frame["offers_credit"] = pd.Categorical(["Yes", None, "No"], categories=["Yes", "No"])
    y = estimate.indicator(frame, cb.metric("offers_credit"))
    assert y.iat[0] == 1.0 and np.isnan(y.iat[1]) and y.iat[2] == 0.0


def test_shares_give_n_count_percent_and_interval(cb):
    frame = sample(["Yes"] * 7 + ["No"] * 3, ["Strongly agree"] * 10)
    row = estimate.shares(SurveyDesign.of(frame), [cb.metric("offers_mc")]).iloc[0]
    assert (row["n"], row["count"], row["pct"]) == (10, 7, 70.0)
    # the ten columns keep their place; the design columns come after them
    assert list(row.index) == estimate.ESTIMATE_COLUMNS + estimate.DESIGN_COLUMNS
    # every leader in an institution of their own: no design effect; the variance's n - 1 makes
    # the effective sample size n - 1 (as R's svyciprop), Clopper-Pearson on it
    assert row["deff"] == pytest.approx(1.0) and row["n_eff"] == pytest.approx(9.0)
    assert row["df"] == 9
    assert (row["ci_low"],
            row["ci_high"]) == pytest.approx(tuple(100 * v for v in beta_by_hand(6.3, 9)))
    assert (row["srs_ci_low"], row["srs_ci_high"]) == pytest.approx(
        tuple(100 * v for v in beta_by_hand(7, 10)))


def test_clustered_shares_widen_the_interval_by_the_design_effect(cb):
    offers = ["Yes"] * 40 + ["No"] * 60
    frame = sample(offers, ["Strongly agree"] * 100, inst=[f"i{i // 2}" for i in range(100)])
    row = estimate.shares(SurveyDesign.of(frame), [cb.metric("offers_mc")]).iloc[0]
    # pairs that agree: 50 independent answers, deff = 2 (n - 1) / n * C / (C - 1)
    assert row["deff"] == pytest.approx(2 * 99 / 100 * 50 / 49)
    assert row["df"] == 49  # 50 institutions
    factor = (stats.t.ppf(0.025, 99) / stats.t.ppf(0.025, 49)) ** 2
    assert row["n_eff"] == pytest.approx(99 / row["deff"] * factor)
    low, high = beta_by_hand(0.4 * row["n_eff"], row["n_eff"])
    assert (row["ci_low"], row["ci_high"]) == pytest.approx((100 * low, 100 * high))
    assert (row["srs_ci_low"], row["srs_ci_high"]) == pytest.approx(
        tuple(100 * v for v in beta_by_hand(40, 100)))


def test_not_sure_sensitivity_shows_the_share_with_and_without_it(cb):
    frame = sample(["Yes"] * 6 + ["No"] * 2 + ["Not sure"] * 2, ["Strongly agree"] * 10)
    table = composition.not_sure_sensitivity(SurveyDesign.of(frame), [cb.metric("offers_mc"),
                                                                     cb.metric("career_outcomes")])
    row = table.set_index("metric").loc["offers_mc"]
    assert list(table["metric"]) == ["offers_mc"]  # career outcomes has no "Not sure"
    assert (row["not_sure"], row["not_sure_pct"]) == (2, 20.0)
    assert (row["pct_not_sure_in"], row["pct_not_sure_out"]) == pytest.approx((60.0, 75.0))
    assert (row["n_not_sure_in"], row["n_not_sure_out"]) == (10, 8)


def test_small_groups_keep_n_and_lose_every_value(cb):
    frame = sample(["Yes"] * 10, ["Strongly agree"] * 10, inst=["i1"] * 5 + ["i2"] * 5)
    row = tables.shares(SurveyDesign.of(frame), [cb.metric("offers_mc")],
                        policy=Policy(5, 5)).iloc[0]
    assert row["suppressed"] and row["n"] == 10
    assert row[["count", "pct", "ci_low", "ci_high"]].isna().all()


def test_compare_with_rest_excludes_the_group_from_the_rest(cb):
    offers = ["Yes"] * 6 + ["No"] * 4 + ["Yes"] * 3 + ["No"] * 7
    frame = sample(offers, ["Strongly agree"] * 20, region=["N"] * 10 + ["S"] * 10)
    out = compare.compare_with_rest(SurveyDesign.of(frame), cb.metric("offers_mc"),
                                    frame["region"].eq("N"))
    assert (out["n_group"], out["n_rest"]) == (10, 10)
    assert (out["pct_group"], out["pct_rest"], out["diff_pp"]) == pytest.approx((60.0, 30.0, 30.0))
    # one standard error for the test and the interval (formula checked in test_design)
    t = (out["diff_high"] - out["diff_low"]) / 2 / out["diff_se"]
    assert t == pytest.approx(stats.t.ppf(0.975, out["df"]))
    h = 2 * math.asin(math.sqrt(0.6)) - 2 * math.asin(math.sqrt(0.3))
    assert out["cohens_h"] == pytest.approx(h)


def test_unanimous_groups_compare_without_error(cb):
    frame = sample(["Yes"] * 30, ["Strongly agree"] * 30, region=["N"] * 10 + ["S"] * 20)
    out = compare.compare_with_rest(SurveyDesign.of(frame), cb.metric("offers_mc"),
                                    frame["region"].eq("N"))
    # no variation anywhere: the difference is known exactly (as R's svycontrast gives se 0)
    assert out["diff_pp"] == 0 and out["p_value"] == 1 and out["diff_low"] == 0 == out["diff_high"]


def test_holm_and_benjamini_hochberg_by_hand():
    p = pd.Series([0.01, 0.04, 0.03])
    assert compare.adjust(p, "holm").tolist() == pytest.approx([0.03, 0.06, 0.06])
    assert compare.adjust(p, "fdr_bh").tolist() == pytest.approx([0.03, 0.04, 0.04])


def test_adjust_leaves_missing_p_values_missing():
    out = compare.adjust(pd.Series([0.01, np.nan, 0.02]), "holm")
    assert np.isnan(out.iat[1]) and out.iat[0] == pytest.approx(0.02)


def test_compare_family_leaves_small_groups_empty(cb):
    frame = sample(["Yes"] * 5 + ["No"] * 15, ["Strongly agree"] * 20,
                   region=["N"] * 5 + ["S"] * 15)
    policy = Policy(10, 1)
    design = SurveyDesign.of(frame)
    released = tables.release_groups(design, [cb.metric("offers_mc")], "region", ["N", "S"], policy)
    family = Family("f", (cb.metric("offers_mc"),), "region", "holm")
    table = tables.compare_family(design, family, ["N"], released, policy)
    assert table["n_group"].iat[0] == 5 and np.isnan(table["diff_pp"].iat[0])
    assert np.isnan(table["pct_rest"].iat[0])  # the rest and the total would give N back


def test_region_balanced_weights_regions_equally(cb):
    offers = ["Yes"] * 8 + ["No"] * 2 + ["Yes"] * 1 + ["No"] * 1
    frame = sample(offers, ["Strongly agree"] * 12, region=["big"] * 10 + ["small"] * 2)
    out = composition.region_balanced(SurveyDesign.of(frame), cb.metric("offers_mc"),
                                      ["big", "small"])
    assert out["raw_pct"] == pytest.approx(100 * 9 / 12)
    assert out["region_balanced_pct"] == pytest.approx(100 * (0.8 + 0.5) / 2)


def test_mean_with_interval_matches_t_formula_without_clusters_and_widens_with_them():
    values = np.array([1, 2, 3, 4, 5], dtype=float)
    out = compare.mean_with_interval(SurveyDesign.of(pd.DataFrame({"x": values})), values,
                                     np.ones(5, bool))
    half = stats.t.ppf(0.975, 4) * values.std(ddof=1) / math.sqrt(5)
    assert (out["ci_low"], out["ci_high"]) == pytest.approx((3 - half, 3 + half))
    values = np.repeat([1.0, 2, 3, 4, 5], 2)  # pairs that agree: five institutions, four df
    five = SurveyDesign.of(pd.DataFrame({"inst_id": np.repeat(range(5), 2)}))
    paired = compare.mean_with_interval(five, values, np.ones(10, bool))
    assert (paired["ci_low"], paired["ci_high"]) == pytest.approx((out["ci_low"], out["ci_high"]))


def test_share_intervals_of_all_rows_at_once_are_those_of_each_row():
    p, variance, n, df = [0.8, np.nan, 0.124, 1.0], [0.02, np.nan, 0.0005, 0.0], [10, 0, 250,
                                                                                  7], [6, -1, 200,
                                                                                       3]
    together = intervals.korn_graubard(p, variance, n, df, 0.9)
    for i in (0, 2, 3):
        alone = intervals.korn_graubard(p[i], variance[i], n[i], df[i], 0.9)
        assert tuple(v[i] for v in together) == pytest.approx(alone, rel=1e-12)
    assert np.isnan([v[1] for v in together]).all()


def test_release_table_computed_on_several_cores_is_the_one_of_a_single_core(clean_default,
                                                                             monkeypatch):
    """The groupings and indicators are computed in threads: the table must not depend on it."""

    leaders = clean_default[0]
    args = (SurveyDesign.of(leaders, 0.95), codebook.load(), region_schemes.regions(),
            Policy(30, 5))
    monkeypatch.setattr(parallel, "cores", lambda: 1)
    alone = tables.release_table(*args)
    monkeypatch.setattr(parallel, "cores", lambda: 3)
    pd.testing.assert_frame_equal(tables.release_table(*args), alone)
    assert alone["suppressed"].any() and not alone["suppressed"].all()


def test_a_multi_select_option_s_base_is_those_among_who_answered_it(cb):
    option = cb.metrics_of("growth_priorities")[0]  # among leaders whose offers_mc is "No"
    frame = pd.DataFrame({
        "offers_mc": ["No", "No", "Yes", None, "No"],
        "growth_priorities_answered": [True, True, True, True, False],
        option.column: pd.array([True, None, True, True, True], dtype="boolean")},
        index=[10, 11, 12, 13, 14])
    in_base, hit = estimate.base_and_hit(frame, option)
    assert in_base.tolist() == [True, True, False, False, False]
    assert hit.tolist() == [True, False, True, True, True]  # an option left empty: not chosen
    y = estimate.indicator(frame, option)
    assert y.index.tolist() == [10, 11, 12, 13, 14] and y.tolist()[:2] == [1.0, 0.0]
    assert estimate.metric_weights(frame, option).hits.dtype == np.float32


def test_a_single_choice_base_is_those_among_who_answered(cb):
    metric = cb.metric("offers_credit")  # among leaders whose offers_mc is "Yes"
    frame = pd.DataFrame({"offers_mc": ["Yes", "No", "Yes", None],
                          "offers_credit": ["Yes", "Yes", None, "No"]})
    in_base, hit = estimate.base_and_hit(frame, metric)
    assert in_base.tolist() == [True, False, False, False] and hit.tolist()[0]


def test_every_among_condition_narrows_the_base_and_a_missing_answer_is_outside(cb):
    from microcred.survey.codebook import Metric

    metric = Metric("credit_in_a", "offers_credit", (("offers_mc", "Yes"), ("region", "A")),
                    ("Yes",), "Awards credit, region A")
    frame = pd.DataFrame({"offers_mc": pd.array(["Yes", "Yes", None, "No"], dtype="string"),
                          "region": ["A", "B", "A", "A"], "offers_credit": ["Yes"] * 4})
    assert estimate.base_and_hit(frame, metric)[0].tolist() == [True, False, False, False]


def test_shares_of_everyone_are_one_group_all_by_default(cb):
    frame = sample(["Yes"] * 7 + ["No"] * 3, ["Strongly agree"] * 10)
    table = estimate.shares(SurveyDesign.of(frame), [cb.metric("offers_mc")])
    assert table[["group_type", "group"]].values.tolist() == [["all", "All"]]


def test_share_intervals_are_at_the_level_asked_for():
    p, variance, n, df = np.array([0.4]), np.array([0.004]), np.array([60.0]), np.array([30])
    at_90 = design.share_intervals(p, variance, n, df, 0.9)
    n_eff, low, high = intervals.korn_graubard(p, variance, n, df, 0.9)
    assert (at_90["ci_low"], at_90["ci_high"]) == (pytest.approx(low), pytest.approx(high))
    assert (at_90["srs_ci_low"], at_90["srs_ci_high"]) == pytest.approx(
        intervals.clopper_pearson(24.0, 60.0, 0.9))
    at_95 = design.share_intervals(p, variance, n, df, 0.95)
    assert at_95["ci_low"] < at_90["ci_low"] and at_95["srs_ci_high"] > at_90["srs_ci_high"]


def test_share_intervals_take_plain_lists_with_a_missing_group():
    # a group nobody answered in has no share and no n: None in a list is read as NaN
    listed = design.share_intervals([0.4, None], [0.004, np.nan], [60, None], [30, np.nan], 0.95)
    arrays = design.share_intervals(np.array([0.4]), np.array([0.004]), np.array([60.0]),
                                    np.array([30]), 0.95)
    for key, values in listed.items():
        assert values[0] == pytest.approx(arrays[key][0]) and np.isnan(values[1])


def test_a_group_asked_for_that_nobody_is_in_gets_a_row_without_estimates(cb):
    frame = sample(["Yes"] * 7 + ["No"] * 3, ["Strongly agree"] * 10, region=["A"] * 5 + ["B"] * 5)
    table = estimate.shares(SurveyDesign.of(frame), [cb.metric("offers_mc")], "region", "region",
                            groups=["B", "Z"])
    assert table["group"].tolist() == ["B", "Z"] and table["n"].tolist() == [5, 0]
    assert table["count"].tolist()[0] == 2
    assert table.iloc[1][["count", "pct", "ci_low"]].isna().all()


@pytest.mark.parametrize("count, n", [(0, 0), (np.inf, 10), (3, np.nan), (1, -2)])
def test_clopper_pearson_has_no_interval_without_a_positive_n_and_a_count(count, n):
    assert np.isnan(intervals.clopper_pearson(count, n)).all()


def test_clopper_pearson_of_one_respondent():
    assert intervals.clopper_pearson(1, 1) == pytest.approx((0.025, 1.0))
    assert intervals.clopper_pearson(0, 1) == pytest.approx((0.0, 0.975))
    assert all(type(bound) is float for bound in intervals.clopper_pearson(1, 1))  # a scalar in
