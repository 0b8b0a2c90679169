"""Comparisons of means and their wiring (statistics.compare, multiselect.named_per_respondent):
every output against the design's own difference of two subpopulation means and against plain
means worked out here, on small hand-made samples."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from microcred.statistics import compare, multiselect
from microcred.statistics.design import SurveyDesign, difference

NAMED = [0, 1, 2, 3, None, 5, 1, 2, 4, 0]  # options named; None: the question not answered
INST = [0, 0, 1, 1, 2, 2, 3, 3, 4, 4]
GROUP = [1.0, 0.0, 1.0, 0.0, 1.0, 0.0, 1.0, 0.0, 1.0, 1.0]  # membership as a 0/1 indicator
MEANS = ("n_group", "mean_group", "n_rest", "mean_rest", "diff", "diff_low", "diff_high", "se",
         "df", "p_value")


def design_of(**columns) -> SurveyDesign:
    return SurveyDesign.of(pd.DataFrame({"inst_id": INST, **columns}))


def test_compare_means_is_the_difference_of_the_answered_group_and_rest():
    y, group = np.array(NAMED, dtype=float), np.array(GROUP, dtype=bool)
    out = compare.compare_means(design_of(), NAMED, GROUP)
    d = difference(design_of(), y, group & ~np.isnan(y), ~group & ~np.isnan(y))
    assert tuple(out) == MEANS
    assert out == pytest.approx({
        "n_group": 5, "mean_group": (0 + 2 + 1 + 4 + 0) / 5, "n_rest": 4,
        "mean_rest": (1 + 3 + 5 + 2) / 4, "diff": 1.4 - 2.75, "diff_low": d["low"],
        "diff_high": d["high"], "se": d["se"], "df": d["df"], "p_value": d["p_value"]})
    assert d["low"] < d["diff"] < d["high"] and 0 < d["p_value"] < 1 and d["df"] == 4


def test_compare_means_of_a_group_without_answers_keeps_its_n_and_gives_nothing_else():
    out = compare.compare_means(design_of(), NAMED, [0.0, 0, 0, 0, 1, 0, 0, 0, 0, 0])
    assert tuple(out) == MEANS
    assert (out["n_group"], out["n_rest"]) == (0, 9)
    assert all(np.isnan(out[k]) for k in MEANS[1:] if k != "n_rest")


def test_mean_with_interval_of_no_answered_row_is_empty():
    out = compare.mean_with_interval(design_of(), NAMED, np.arange(10) == 4)
    assert out["n"] == 0 and np.isnan([out["mean"], out["ci_low"], out["ci_high"]]).all()


def test_named_per_respondent_gives_each_mean_and_the_test_of_their_difference():
    counts = pd.Series(NAMED, dtype=float)
    design = design_of(barriers_count=counts)
    named, test = multiselect.named_per_respondent(design, "barriers_count", GROUP, "Focus")
    assert test == compare.compare_means(design, counts.to_numpy(), np.array(GROUP, dtype=bool))
    group = np.array(GROUP, dtype=bool)
    expected = pd.DataFrame([
        {"group": "Focus", **compare.mean_with_interval(design, counts.to_numpy(), group)},
        {"group": "rest", **compare.mean_with_interval(design, counts.to_numpy(), ~group)}])
    expected["p_value"] = test["p_value"]
    pd.testing.assert_frame_equal(named, expected)
    assert named["mean"].tolist() == pytest.approx([1.4, 2.75])


def test_mean_with_interval_is_at_the_design_s_level_over_the_answered_rows_given():
    design = SurveyDesign.of(pd.DataFrame({"inst_id": INST}), level=0.9)
    y = np.array(NAMED, dtype=float)
    out = compare.mean_with_interval(design, y, GROUP)  # rows as a 0/1 indicator
    mean = design.mean(y, np.array(GROUP, dtype=bool) & ~np.isnan(y))
    half = stats.t.ppf(0.95, mean.df) * np.sqrt(mean.variance)
    assert out == pytest.approx({"n": 5, "mean": 1.4, "ci_low": 1.4 - half,
                                 "ci_high": 1.4 + half})


OFFERS = ["Yes", "No", "Yes", "Yes", None, "No", "Yes", "No", "No", "Yes"]
REST_KEYS = ("metric", "n_group", "pct_group", "n_rest", "pct_rest", "diff_pp", "diff_low",
             "diff_high", "diff_se", "df", "p_value", "cohens_h")


def offers_design() -> SurveyDesign:
    offers = pd.Categorical(OFFERS, categories=["Yes", "No", "Not sure"])
    return design_of(offers_mc=offers)


def test_a_group_against_the_rest_with_membership_as_a_0_1_column_missing_as_outside(cb):
    membership = pd.Series([1.0, 1.0, 0.0, 1.0, 1.0, 0.0, np.nan, 0.0, 1.0, 0.0])
    out = compare.compare_with_rest(offers_design(), cb.metric("offers_mc"), membership)
    assert tuple(out) == REST_KEYS
    assert (out["n_group"], out["n_rest"]) == (4, 5)  # the leader of unknown membership: rest
    assert (out["pct_group"], out["pct_rest"]) == pytest.approx((50.0, 60.0))


def test_a_group_without_answers_against_the_rest_gives_only_the_ns(cb):
    alone = np.arange(10) == 4  # the one leader who did not answer
    out = compare.compare_with_rest(offers_design(), cb.metric("offers_mc"), alone)
    assert tuple(out) == REST_KEYS and out["metric"] == "offers_mc"
    assert (out["n_group"], out["n_rest"]) == (0, 9)
    assert np.isnan([out[k] for k in REST_KEYS[4:] if k != "n_rest"]).all()
