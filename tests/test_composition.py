"""The sample's make-up (statistics.composition): the region-balanced share and its difference
from the raw one, every output against a post-stratification written out here; the "Not sure"
sensitivity at its edges; the headline that moves most."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from microcred.statistics import composition, intervals
from microcred.statistics.design import SurveyDesign

OFFERS = ["Yes", "No", "Not sure"]


def leaders(offers, region, inst) -> pd.DataFrame:
    return pd.DataFrame({"offers_mc": pd.Categorical(offers, categories=OFFERS),
                         "region": region, "inst_id": inst})


def test_region_balanced_share_and_its_difference_from_the_raw_one_by_hand(cb):
    offers = ["Yes", "Yes", "No", "Yes", None, "Yes", "No", "No", "Yes", "No", "Yes", "No"]
    region = ["A"] * 5 + ["B"] * 3 + ["C"] * 4  # C is not among the regions balanced
    inst = [0, 0, 1, 2, 2, 3, 3, 4, 5, 6, 6, 7]
    design = SurveyDesign.of(leaders(offers, region, inst), level=0.9)
    out = composition.region_balanced(design, cb.metric("offers_mc"), ["A", "B", "D"])
    y = np.array([o == "Yes" if o else np.nan for o in offers], dtype=float)
    base = ~np.isnan(y) & np.isin(region, ["A", "B"])
    a, b = base & (np.array(region) == "A"), base & (np.array(region) == "B")
    p_a, p_b, p_raw = y[a].mean(), y[b].mean(), y[base].mean()  # 3/4, 1/3, 4/7
    w = np.where(a, 1 / (2 * a.sum()), 0.0) + np.where(b, 1 / (2 * b.sum()), 0.0)
    y0 = np.nan_to_num(y)
    z = np.where(a, w * (y0 - p_a), 0.0) + np.where(b, w * (y0 - p_b), 0.0)
    z_raw = np.where(base, (y0 - p_raw) / base.sum(), 0.0)
    se = np.sqrt(design.variance(z - z_raw))
    df = len(set(np.array(inst)[base])) - 1
    half = stats.t.ppf(0.95, df) * se
    diff = (p_a + p_b) / 2 - p_raw
    raw_interval = intervals.korn_graubard(p_raw, design.variance(z_raw), 7, df, 0.9)[1:]
    kg = intervals.korn_graubard((p_a + p_b) / 2, design.variance(z), 7, df, 0.9)[1:]
    assert out == pytest.approx({
        "metric": "offers_mc", "n": 7, "regions": 2, "raw_pct": 100 * 4 / 7,
        "raw_low": 100 * raw_interval[0], "raw_high": 100 * raw_interval[1],
        "region_balanced_pct": 100 * (3 / 4 + 1 / 3) / 2, "region_balanced_low": 100 * kg[0],
        "region_balanced_high": 100 * kg[1], "difference": 100 * diff,
        "difference_low": 100 * (diff - half), "difference_high": 100 * (diff + half),
        "kish_deff": 7 * np.sum(w[base] ** 2) / np.sum(w[base]) ** 2})
    assert out["raw_low"] < out["raw_pct"] < out["raw_high"] and out["kish_deff"] > 1.0
    assert out["difference_low"] < 0 < out["difference_high"]


def test_not_sure_sensitivity_skips_multi_select_options_and_counts_a_lone_answer(cb):
    frame = pd.DataFrame({"offers_mc": ["Not sure", None, None], "inst_id": ["a", "b", "c"],
                          "barriers_answered": [True, True, False],
                          cb.metrics_of("barriers")[0].column: [True, False, False]})
    metrics = [cb.metrics_of("barriers")[0], cb.metric("offers_mc")]  # plain strings: no categories
    table = composition.not_sure_sensitivity(SurveyDesign.of(frame), metrics)
    row = table.iloc[0]
    assert list(table["metric"]) == ["offers_mc"] and row["label"] == metrics[1].label
    assert (row["n_answered"], row["not_sure"], row["not_sure_pct"]) == (1, 1, 100.0)
    assert row["pct_not_sure_in"] == 0.0 and np.isnan(row["pct_not_sure_out"])


def test_not_sure_sensitivity_difference_is_out_minus_in(cb):
    frame = leaders(["Yes"] * 3 + ["No"] + ["Not sure"] * 2, ["A"] * 6, list("abcdef"))
    row = composition.not_sure_sensitivity(SurveyDesign.of(frame), [cb.metric("offers_mc")])
    assert row["difference"].iat[0] == pytest.approx(75.0 - 50.0)


def test_biggest_gap_is_the_headline_that_moves_most_either_way():
    balanced = pd.DataFrame({"metric": ["a", "b", "c"], "difference": [2.0, np.nan, -5.0],
                             "difference_low": [1.0, np.nan, np.nan]})  # c's interval unknown
    assert composition.biggest_gap(balanced)["metric"] == "c"
    assert composition.biggest_gap(balanced.assign(difference=np.nan)) is None
    assert composition.biggest_gap(balanced[["metric"]]) is None
