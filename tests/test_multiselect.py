"""Multi-select questions (statistics.multiselect) and answer counts (statistics.estimate): the
choice matrix, co-occurrence and lift with its delta-method interval written out here over
unequal institutions, the pairs' table, and counts per answer."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from microcred.statistics import estimate, multiselect
from microcred.statistics.design import SurveyDesign

A = np.array([1, 1, 0, 1, 0, 1, 1, 0, 1, 0], dtype=float)
B = np.array([1, 0, 0, 1, 1, 1, 0, 0, 1, 1], dtype=float)
INST = [0, 1, 1, 2, 2, 2, 3, 4, 4, 4]  # institutions of 1 to 3 leaders


def lift_by_hand(a, b, inst, level=0.95):
    """log lift's influence per leader, its totals per institution, C/(C-1) their spread."""
    n, pa, pb, pab = len(a), a.mean(), b.mean(), (a * b).mean()
    z = [(x * y - pab) / (n * pab) - (x - pa) / (n * pa) - (y - pb) / (n * pb)
         for x, y in zip(a, b, strict=True)]
    totals = pd.Series(z).groupby(inst).sum()
    c = len(totals)
    se = np.sqrt(c / (c - 1) * ((totals - totals.mean()) ** 2).sum())
    t = stats.t.ppf(0.5 + level / 2, c - 1)
    lift = pab / (pa * pb)
    return {"count": int((a * b).sum()), "lift": lift, "ci_low": lift * np.exp(-t * se),
            "ci_high": lift * np.exp(t * se)}


def test_lift_and_its_interval_by_the_delta_method_over_unequal_institutions():
    design = SurveyDesign.of(pd.DataFrame({"inst_id": INST}))
    out = multiselect.lift(A, B, design)
    assert out == pytest.approx(lift_by_hand(A, B, INST))
    assert out["ci_low"] < out["lift"] < out["ci_high"]


def test_lift_of_options_never_chosen_or_never_together_is_empty():
    design = SurveyDesign.of(pd.DataFrame({"inst_id": INST}))
    empty = {"count": 0, "lift": np.nan, "ci_low": np.nan, "ci_high": np.nan}
    for a, b in ((np.zeros(10), B), (A, np.zeros(10)), (A, 1 - A)):
        out = multiselect.lift(a, b, design)
        assert list(out) == list(empty) and out["count"] == 0
        assert np.isnan([out["lift"], out["ci_low"], out["ci_high"]]).all()


def test_pair_lifts_table_has_every_shown_pair_with_its_n_and_interval():
    x = pd.DataFrame({"a": A.astype(int), "b": B.astype(int), "c": (1 - A).astype(int)})
    design = SurveyDesign.of(pd.DataFrame({"inst_id": INST}))
    table = multiselect.pair_lifts(x, design, lambda i, j: True)
    assert list(table.columns) == ["first", "second", "n", "count", "lift", "ci_low", "ci_high"]
    assert table.index.tolist() == [0, 1, 2] and (table["n"] == 10).all()
    ab = table[(table["first"] == "a") & (table["second"] == "b")].iloc[0]
    assert ab[["count", "lift", "ci_low", "ci_high"]].tolist() == pytest.approx(
        list(lift_by_hand(A, B, INST).values()))
    assert table["first"].tolist()[-1] == "a" and table["second"].tolist()[-1] == "c"


def test_selections_are_the_answering_leaders_0_1_choices():
    frame = pd.DataFrame({"q_answered": [True, True, False],
                          "o1": pd.array([True, None, True], dtype="boolean"),
                          "o2": pd.array([False, True, None], dtype="boolean")})
    expected = pd.DataFrame({"o1": [1, 0], "o2": [0, 1]})
    pd.testing.assert_frame_equal(multiselect.selections(frame, ["o1", "o2"], "q"), expected)


def test_cooccurrence_of_an_option_chosen_once_and_one_never_chosen():
    x = pd.DataFrame({"a": [1, 1, 0, 0], "b": [1, 0, 0, 0], "c": [0, 0, 0, 0]})
    out = multiselect.cooccurrence(x)
    assert out["counts"].to_numpy().tolist() == [[2, 1, 0], [1, 1, 0], [0, 0, 0]]
    assert out["conditional"].loc["b"].tolist()[:2] == [1.0, 1.0]  # b, chosen once, with a
    assert out["conditional"].loc["a"].tolist()[:2] == [1.0, 0.5]
    assert out["lift"].loc["a", "b"] == pytest.approx((1 / 4) / (2 / 4 * 1 / 4))
    assert out["lift"]["c"].isna().all() and out["conditional"].loc["c"].isna().all()


def test_ordered_groups_are_the_labels_present_in_their_order():
    keys = pd.Series(["b", None, "c", "b"])
    assert estimate.ordered_groups(keys, ["a", "b", "c", "d"]) == ["b", "c"]


def test_answer_distribution_counts_every_label_in_the_base_per_group(cb):
    frame = pd.DataFrame({"offers_mc": pd.Categorical(["Yes", "No", "Yes", None, "Yes"],
                                                      categories=["Yes", "No", "Not sure"]),
                          "region": ["A", "A", "B", "B", "B"]})
    labels = ["Yes", "No", "Not sure"]
    overall = estimate.answer_distribution(frame, cb.metric("offers_mc"), labels)
    assert overall.index.tolist() == ["All"] and overall.loc["All"].tolist() == [3, 1, 0]
    assert list(overall.columns) == labels
    by_region = estimate.answer_distribution(frame, cb.metric("offers_mc"), labels, "region")
    assert by_region.to_numpy().tolist() == [[1, 1, 0], [2, 0, 0]]
    assert by_region.index.tolist() == ["A", "B"]
