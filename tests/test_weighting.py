"""Weighting (statistics.weighting): the population frame read and summed, raking's weights, and
the one-row diagnostics of how the analysis is weighted, every column pinned."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from microcred.statistics import estimate, weighting
from microcred.statistics.design import SurveyDesign


def test_diagnostics_of_an_unweighted_run_say_so_in_every_column():
    expected = pd.DataFrame([{"weighting": "unweighted", "frame": "", "margins": "",
                              "n": np.nan, "kish_deff": 1.0, "n_eff": np.nan,
                              "weight_min": np.nan, "weight_max": np.nan,
                              "weight_ratio": np.nan}])
    pd.testing.assert_frame_equal(weighting.diagnostics(None), expected)
    assert list(weighting.diagnostics(None).columns) == weighting.DIAGNOSTIC_COLUMNS


def test_diagnostics_of_raked_weights_give_kish_s_deff_and_the_weights_range():
    w = [2.0, 2.0, 4.0, 12.0]  # mean 5
    out = weighting.diagnostics(w, "frame.csv", ["region", "inst_type"])
    deff = 4 * (4 + 4 + 16 + 144) / 20 ** 2
    expected = pd.DataFrame([{"weighting": "raked to the frame's margins", "frame": "frame.csv",
                              "margins": "region, inst_type", "n": 4, "kish_deff": deff,
                              "n_eff": 4 / deff, "weight_min": 0.4, "weight_max": 2.4,
                              "weight_ratio": 6.0}])
    pd.testing.assert_frame_equal(out, expected)
    assert weighting.diagnostics(np.ones(3))[["frame", "margins"]].iloc[0].tolist() == ["", ""]


def test_margins_are_the_frame_s_totals_per_level_in_sorted_order():
    frame = pd.DataFrame({"region": ["b", "a", "b"], "count": [1.0, 2.0, 3.0]})
    assert list(weighting.margins(frame)["region"].items()) == [("a", 2.0), ("b", 4.0)]


def test_a_frame_keeps_levels_named_like_missing_values_and_zero_counts(tmp_path):
    path = tmp_path / "frame.csv"
    path.write_text("# a comment\nregion,band,count\nNA,01,3\nNone,02,0\n007,10,1.5\n")
    frame = weighting.read_frame(path)
    assert frame["region"].tolist() == ["NA", "None", "007"]
    assert frame["band"].tolist() == ["01", "02", "10"]  # labels, not numbers
    assert frame["count"].tolist() == [3.0, 0.0, 1.5] and frame["count"].dtype == float


@pytest.mark.parametrize("text", ["count\n3\n", "region,n\nA,3\n"])
def test_a_frame_without_a_count_or_a_classification_is_refused_with_its_columns(tmp_path, text):
    path = tmp_path / "frame.csv"
    path.write_text(text)
    columns = text.split("\n")[0].split(",")
    with pytest.raises(ValueError, match=f"a population frame needs a 'count' column and at "
                       f"least one classification column; it has {columns}".replace("[", "\\[")
                       .replace("]", "\\]")):
        weighting.read_frame(path)


def test_raking_names_the_column_missing_or_unanswered():
    sample = pd.DataFrame({"region": ["A", None, None]})
    with pytest.raises(ValueError, match="^population frame: column 'inst_type' is not in the "
                       "clean data$"):
        weighting.rake(sample, {"inst_type": {"x": 1.0}})
    with pytest.raises(ValueError, match="^population frame: 2 respondents have no 'region'; "
                       "they cannot be weighted to the frame$"):
        weighting.rake(sample, {"region": {"A": 1.0}})


def test_raked_weights_match_the_margins_to_the_default_tolerance(raking_example):
    sample, targets = raking_example
    w = weighting.rake(sample, targets)
    for name, totals in targets.items():
        got = pd.Series(w).groupby(sample[name].to_numpy()).sum().to_numpy()
        np.testing.assert_allclose(got, np.array(list(totals.values())) / 2, rtol=1e-9)


def test_weighted_shares_give_both_shares_and_the_weighted_interval_per_metric(cb):
    offers = pd.Categorical(["Yes", "No", "Yes", "No", "Yes"], categories=["Yes", "No",
                                                                            "Not sure"])
    design = SurveyDesign.of(pd.DataFrame({"offers_mc": offers, "inst_id": list("aabcd")}))
    metric, w = cb.metric("offers_mc"), np.array([1.0, 2.0, 1.0, 2.0, 1.0])
    table = weighting.weighted_shares(design, [metric], w)
    shares = estimate.shares(design.weighted(w), [metric]).iloc[0]
    expected = pd.DataFrame({
        "metric": ["offers_mc"], "label": [metric.label], "n": [5], "unweighted_pct": [60.0],
        "weighted_pct": [300 / 7], "ci_low": [shares["ci_low"]], "ci_high": [shares["ci_high"]],
        "deff": [shares["deff"]], "n_eff": [shares["n_eff"]], "difference": [300 / 7 - 60.0],
        "suppressed": [False], "note": [""]})
    pd.testing.assert_frame_equal(table, expected)
