"""Weighted shares and disclosure control: with a region-only population frame the weights are
N_r / n_r, known from the released region sizes, so a weighted share of the whole sample is a
known mix of the regions' counts. Together with the total minus the shown regions it solves two
hidden regions' counts (the reviewer's attack); the gate shows a weighted share only when every
weighting class of the metric's base passes the thresholds."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from microcred.release import tables
from microcred.release.gate import small_weighting_class
from microcred.release.policy import CLASS_NOT_SHOWN, Policy
from microcred.statistics import estimate
from microcred.statistics.design import SurveyDesign
from microcred.survey import region_schemes

POLICY = Policy(30, 5)  # the default parameters


@pytest.fixture(scope="module")
def small(clean_default):
    """The default sample with Europe cut to 22 respondents (as in the reviewer's small export)."""
    leaders = clean_default[0]
    europe = leaders.index[leaders["region"].eq("Europe")]
    drop = europe[22:]
    return leaders.drop(index=drop).reset_index(drop=True)


def attack(leaders, released, weighted, regions):
    """Each metric with exactly two hidden regions: their counts solved from the weighted share,
    the released counts and n, and the region sizes (None where the weighted share is blank)."""
    sizes = leaders["region"].value_counts()
    weight = {r: 1000 / sizes[r] for r in regions}  # the frame gives every region 1000
    found = {}
    for row in weighted.itertuples():
        cells = released[released["metric"].eq(row.metric)]
        by_region = cells[cells["group_type"].eq("region")].set_index("group")
        total = cells[cells["group_type"].eq("all")].iloc[0]
        hidden = [r for r in regions if by_region.loc[r, "suppressed"]]
        if len(hidden) != 2 or by_region.loc[hidden, "n"].isna().any():
            continue  # (a hidden cell of a conditional base withholds its n: no equation)
        if pd.isna(row.weighted_pct):
            found[row.metric] = None
            continue
        shown = [r for r in regions if r not in hidden]
        base = sum(weight[r] * by_region.loc[r, "n"] for r in regions)
        mix = (row.weighted_pct / 100 * base
               - sum(weight[r] * by_region.loc[r, "count"] for r in shown))
        rest = total["count"] - sum(by_region.loc[r, "count"] for r in shown)
        a, b = hidden
        solved = np.linalg.solve([[weight[a], weight[b]], [1.0, 1.0]], [mix, rest])
        found[row.metric] = dict(zip(hidden, solved))
    return found


def truth(leaders, cb, metric, region):
    y = estimate.indicator(leaders, cb.metric(metric))
    return float(y[leaders["region"].eq(region)].sum())


def test_the_weighted_shares_no_longer_give_hidden_regions_back(small, cb, tmp_path):
    frame = tmp_path / "frame.csv"
    present = sorted(set(small["region"]))
    frame.write_text("region,count\n" + "".join(f"{r},1000\n" for r in present))
    regions = [r for r in region_schemes.regions("m49") if r in set(small["region"])]
    released = tables.release_table(SurveyDesign.of(small), cb, regions, POLICY)
    metrics = [cb.metric(m) for m in cb.headline_metrics]
    # before: the weighted shares as they were released, every class shown
    _, before = tables.weighted_estimates(SurveyDesign.of(small), str(frame), metrics,
                                          Policy(1, 1, off=True))
    recovered = attack(small, released, before, regions)
    assert recovered, "no metric with two hidden regions: the test would not test anything"
    for metric, counts in recovered.items():
        for region, count in counts.items():
            assert count == pytest.approx(truth(small, cb, metric, region), abs=1e-6)
    # after: the same run under the default policy blanks those rows and says why
    _, after = tables.weighted_estimates(SurveyDesign.of(small), str(frame), metrics, POLICY)
    assert set(attack(small, released, after, regions).values()) == {None}
    blank = after[after["metric"].isin(list(recovered))]
    assert blank["suppressed"].all() and blank["note"].eq(CLASS_NOT_SHOWN).all()
    values = ["unweighted_pct", "weighted_pct", "ci_low", "ci_high", "deff", "n_eff", "difference"]
    assert blank[values].isna().all().all() and blank["n"].notna().all()


def test_a_weighting_class_is_too_small_by_respondents_or_by_institutions():
    frame = pd.DataFrame({"region": ["A"] * 40 + ["B"] * 30,
                          "inst_type": ["x"] * 20 + ["y"] * 20 + ["x"] * 30,
                          "inst_id": ([f"a{i % 10}" for i in range(40)]
                                      + [f"b{i % 2}" for i in range(30)])})
    everyone = np.ones(len(frame), dtype=bool)
    assert not small_weighting_class(frame, ["region"], everyone, Policy(30, 2))
    assert small_weighting_class(frame, ["region"], everyone, Policy(31, 2))  # B: 30 respondents
    assert small_weighting_class(frame, ["region"], everyone, Policy(10, 3))  # B: 2 institutions
    # a class is a combination of the frame's levels: A splits into two classes of 20
    assert small_weighting_class(frame, ["region", "inst_type"], everyone, Policy(30, 2))
    assert not small_weighting_class(frame, ["region", "inst_type"], everyone, Policy(20, 2))
    # the classes are counted within the metric's base, not the whole sample
    base = np.arange(len(frame)) >= 5
    assert small_weighting_class(frame, ["region", "inst_type"], base, Policy(16, 2))
    assert not small_weighting_class(frame, ["region", "inst_type"], base, Policy(15, 2))
    assert small_weighting_class(frame, ["region"], np.zeros(len(frame), dtype=bool), Policy(10, 2))
