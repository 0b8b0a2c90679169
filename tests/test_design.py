"""Design-based estimation against independent computations: a Taylor linearisation written out
with loops, statsmodels' cluster-robust variance, svy (the survey library), iterative proportional
fitting by hand, and the Korn-Graubard, Satterthwaite and TOST formulas written out here (R's own
numbers: test_r_survey.py)."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import stats

from microcred.core import paths
from microcred.release import tables
from microcred.release.policy import Policy
from microcred.statistics import (
    compare,
    composition,
    design,
    estimate,
    intervals,
    multiselect,
    weighting,
)
from microcred.statistics.design import SurveyDesign, difference

OFFERS = ["Yes", "No", "Not sure"]  # the answers to offers_mc


def of_codes(codes, **columns) -> SurveyDesign:
    """The design of rows whose institutions are `codes`."""
    return SurveyDesign.of(pd.DataFrame({"inst_id": np.asarray(codes), **columns}))


def clustered(seed: int, n_clusters: int = 80, agreement: float = 0.7):
    """Rows in clusters of 1-4 whose answers agree with the cluster's own answer at `agreement`."""
    rng = np.random.default_rng(seed)
    sizes = rng.integers(1, 5, n_clusters)
    codes = np.repeat(np.arange(n_clusters), sizes)
    own = rng.random(n_clusters) < 0.45
    y = np.where(rng.random(len(codes)) < agreement, own[codes], rng.random(len(codes)) < 0.45)
    groups = rng.integers(0, 3, len(codes))
    return y.astype(float), codes, groups


def linearised_by_hand(y, codes, rows):
    """Variance of the share over `rows`: loop over clusters, sum (y - p) / n, square, scale."""
    p, n = y[rows].mean(), rows.sum()
    clusters = sorted(set(codes))
    totals = [sum((y[i] - p) / n for i in range(len(y)) if rows[i] and codes[i] == c)
              for c in clusters]
    c = len(clusters)
    return c / (c - 1) * sum(t * t for t in totals)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_grouped_variance_matches_a_linearisation_written_out(seed):
    y, codes, groups = clustered(seed)
    est = design.GroupedShares(groups, codes, 3).shares(y, np.ones(len(y), bool))
    for g in range(3):
        rows = groups == g
        assert est["n"][g] == rows.sum() and est["p"][g] == pytest.approx(y[rows].mean())
        assert est["variance"][g] == pytest.approx(linearised_by_hand(y, codes, rows), rel=1e-10)


def test_whole_sample_variance_equals_statsmodels_cluster_robust_variance():
    y, codes, _ = clustered(4)
    fit = sm.OLS(y, np.ones(len(y))).fit(cov_type="cluster", cov_kwds={"groups": codes})
    est = design.GroupedShares(np.zeros(len(y), int), codes, 1).shares(y, np.ones(len(y), bool))
    assert est["variance"][0] == pytest.approx(fit.bse[0] ** 2, rel=1e-10)


def test_design_effect_is_one_without_clusters_and_grows_with_agreement():
    y, _, _ = clustered(5)
    alone = np.arange(len(y))
    est = design.GroupedShares(np.zeros(len(y), int), alone, 1).shares(y, np.ones(len(y), bool))
    p, n = est["p"][0], est["n"][0]
    assert design.design_effect(est["variance"], p, n)[0] == pytest.approx(1.0)
    # pairs that always agree: every pair counts once, so the variance doubles (n - 1 over
    # n - 2 from the two references' degrees of freedom)
    pairs = np.repeat(np.arange(200), 2)
    y2 = np.repeat((np.arange(200) % 5 < 2).astype(float), 2)
    est = design.GroupedShares(np.zeros(400, int), pairs, 1).shares(y2, np.ones(400, bool))
    deff = design.design_effect(est["variance"], est["p"], est["n"])[0]
    assert deff == pytest.approx(2 * 399 / 400 * 200 / 199, rel=1e-10)


def svy_sample(y, codes, groups):
    """The same rows as svy's sample: clusters as PSUs, unit weights, groups by their code."""
    pl = pytest.importorskip("polars")
    svy = pytest.importorskip("svy")
    data = pl.DataFrame({"y": y, "psu": codes.astype(str), "g": groups.astype(str),
                         "w": np.ones(len(y))})
    return svy, svy.Sample(data, svy.Design(psu="psu", wgt="w"))


def test_svy_gives_the_same_domain_variance_and_design_effect():
    y, codes, groups = clustered(6)
    _, sample = svy_sample(y, codes, groups)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = sample.estimation.mean("y", by="g", deff="wr").to_polars().sort("g")
    est = design.GroupedShares(groups, codes, 3).shares(y, np.ones(len(y), bool))
    deff = design.design_effect(est["variance"], est["p"], est["n"])
    assert np.sqrt(est["variance"]) == pytest.approx(result["se"].to_numpy(), rel=1e-8)
    assert deff == pytest.approx(result["deff"].to_numpy(), rel=1e-8)


def test_svy_contrast_gives_the_same_linearised_difference():
    y, codes, groups = clustered(7)
    svy, sample = svy_sample(y, codes, groups)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        by = sample.estimation.mean("y", by="g")
        contrast = by.contrast(svy.estd("0") - svy.estd("1")).to_polars()
    ours = difference(of_codes(codes), y, groups == 0, groups == 1)
    assert ours["diff"] == pytest.approx(contrast["est"][0])
    assert ours["se"] == pytest.approx(contrast["se"][0], rel=1e-8)
    # the groups share institutions here: Satterthwaite's df, at most the clusters of both - 1
    assert ours["df"] == len(set(codes[groups < 2])) - 1


def korn_graubard_by_hand(p, variance, n, df, level=0.95):
    """Korn and Graubard (1998), eqs. as in R's svyciprop(method = "beta") source."""
    alpha = 1 - level
    factor = (stats.t.ppf(alpha / 2, n - 1) / stats.t.ppf(alpha / 2, df)) ** 2
    n_eff = p * (1 - p) / variance * factor
    return (n_eff, stats.beta.ppf(alpha / 2, n_eff * p, n_eff * (1 - p) + 1),
            stats.beta.ppf(1 - alpha / 2, n_eff * p + 1, n_eff * (1 - p)))


def test_korn_graubard_is_clopper_pearson_on_the_df_adjusted_effective_sample_size():
    for p, variance, n, df in [(0.3, 0.002, 200, 60), (0.71, 0.0024, 77, 61),
                               (0.05, 1e-4, 900, 800)]:
        assert intervals.korn_graubard(p, variance, n, df) == pytest.approx(
            korn_graubard_by_hand(p, variance, n, df), rel=1e-12)
    # fewer degrees of freedom than n - 1: a wider interval than on the same n_eff without them
    narrow, wide = intervals.korn_graubard(0.3, 0.002, 200, 199), intervals.korn_graubard(0.3,
                                                                                          0.002,
                                                                                          200, 20)
    assert wide[1] < narrow[1] and wide[2] > narrow[2]
    # a design effect below 1 is credited (as R does): n_eff above n
    assert intervals.korn_graubard(0.5, 0.25 / 300, 200, 199)[0] > 200


def test_a_unanimous_share_gets_clopper_pearson_on_its_df_adjusted_n():
    n_eff, low, high = intervals.korn_graubard(1.0, 0.0, 40, 12)
    factor = (stats.t.ppf(0.025, 39) / stats.t.ppf(0.025, 12)) ** 2
    assert n_eff == pytest.approx(40 * factor)
    assert (low, high) == pytest.approx((stats.beta.ppf(0.025, n_eff, 1), 1.0))
    assert intervals.clopper_pearson(0, 10) == pytest.approx((0.0, stats.beta.ppf(0.975, 1, 10)))


def test_satterthwaite_degrees_of_freedom_follow_the_group_with_the_larger_variance():
    assert intervals.satterthwaite([0.01, 0.01], [24, 24]) == pytest.approx(48)
    assert intervals.satterthwaite([0.01, 0.0001], [24, 800]) == pytest.approx(
        0.0101 ** 2 / (0.01 ** 2 / 24 + 0.0001 ** 2 / 800))
    assert 24 < intervals.satterthwaite([0.01, 0.0001], [24, 800]) < 26
    assert intervals.satterthwaite([0.0, 0.0], [5, 9]) == 5


@pytest.mark.parametrize("variances, dfs", [
    ([np.inf, 0.01], [24, 24]),   # a variance that is not a number
    ([None, 0.01], [24, 24]),     # or is missing
    ([0.01, 0.01], [0, 24]),      # a group with no degrees of freedom
    ([0.01, 0.01], [None, 24]),   # or none known
])
def test_satterthwaite_has_no_answer_without_a_finite_variance_and_a_df_of_at_least_one(
        variances, dfs):
    assert np.isnan(intervals.satterthwaite(variances, dfs))


def test_one_degree_of_freedom_is_enough_for_satterthwaite():
    assert intervals.satterthwaite([0.01], [1]) == pytest.approx(1)
    assert intervals.satterthwaite([0.01, 0.01], [1, 1]) == pytest.approx(2)


def test_a_small_country_s_comparison_gets_its_own_degrees_of_freedom():
    """A group of 25 institutions against 800 others: about 24 degrees of freedom, not 824."""
    rng = np.random.default_rng(1)
    codes = np.repeat(np.arange(825), 2)
    y = (rng.random(len(codes)) < 0.5).astype(float)
    group = codes < 25
    out = difference(of_codes(codes), y, group, ~group)
    assert 24 <= out["df"] < 40
    t = stats.t.ppf(0.975, out["df"])
    assert (out["high"] - out["low"]) / 2 == pytest.approx(t * out["se"])


def test_a_unanimous_group_s_difference_rests_on_the_other_group_s_variance():
    y = np.array([1.0] * 58 + [1.0] * 930 + [0.0] * 63)
    first = np.arange(len(y)) < 58
    out = difference(of_codes(np.arange(len(y))), y, first, ~first)
    rest = y[~first]
    variance = (rest.var(ddof=1) / len(rest) * (len(y) / (len(y) - 1))
                * (len(rest) - 1) / len(rest))
    assert out["se"] == pytest.approx(math.sqrt(variance), rel=1e-9)


def test_test_and_interval_never_disagree_over_many_random_comparisons():
    rng = np.random.default_rng(11)
    disagreements, significant = 0, 0
    for case in range(400):
        y, codes, groups = clustered(int(rng.integers(1e9)), n_clusters=int(rng.integers(10, 120)),
                                     agreement=float(rng.random()))
        y = (rng.random(len(y)) < rng.random()).astype(float) if case % 4 == 0 else y
        level = float(rng.choice([0.9, 0.95, 0.99]))
        first = groups == 0
        out = difference(of_codes(codes), y, first, ~first, level)
        if not np.isfinite(out["p_value"]):
            continue
        rejects = out["p_value"] < 1 - level
        excludes = out["low"] > 0 or out["high"] < 0
        disagreements += rejects != excludes
        significant += rejects
    assert disagreements == 0
    assert 0 < significant < 400  # both outcomes occurred


def test_compare_with_rest_uses_institutions_as_clusters(cb):
    offers = ["Yes"] * 12 + ["No"] * 8 + ["Yes"] * 10 + ["No"] * 20
    frame = pd.DataFrame({"offers_mc": pd.Categorical(offers, categories=OFFERS),
                          "region": ["N"] * 20 + ["S"] * 30})
    alone = SurveyDesign.of(frame.assign(inst_id=[f"i{i}" for i in range(50)]))
    apart = compare.compare_with_rest(alone, cb.metric("offers_mc"), frame["region"].eq("N"))
    # each leader alone: the two shares' variances p(1 - p) / (n - 1), times C / (C - 1) n/n
    v1, v2 = (p * (1 - p) / n * n / (n - 1) * (n - 1) / n * 50 / 49
              for p, n in ((0.6, 20), (1 / 3, 30)))
    assert apart["diff_se"] == pytest.approx(100 * math.sqrt(v1 + v2))
    assert apart["df"] == pytest.approx((v1 + v2) ** 2 / (v1 ** 2 / 19 + v2 ** 2 / 29))
    pairs = SurveyDesign.of(frame.assign(inst_id=[f"i{i // 2}" for i in range(50)]))
    together = compare.compare_with_rest(pairs, cb.metric("offers_mc"), frame["region"].eq("N"))
    assert together["diff_high"] - together["diff_low"] > apart["diff_high"] - apart["diff_low"]


def test_equivalence_is_two_one_sided_tests_by_hand():
    est, se, df, margin = 0.007, 0.012, 300, 0.02
    out = intervals.equivalence(est, se, df, margin)
    lower = 1 - stats.t.cdf((est + margin) / se, df)
    upper = stats.t.cdf((est - margin) / se, df)
    assert (out["p_lower"], out["p_upper"]) == pytest.approx((lower, upper))
    assert out["p_tost"] == pytest.approx(max(lower, upper)) and not out["equivalent"]
    t = stats.t.ppf(0.95, df)
    assert (out["low"], out["high"]) == pytest.approx((est - t * se, est + t * se))
    assert intervals.equivalence(0.001, 0.005, df, margin)["equivalent"]


def test_equivalence_holds_exactly_when_the_90_percent_interval_is_inside_the_margins():
    rng = np.random.default_rng(3)
    for _ in range(500):
        est, se, margin = rng.normal(0, 0.02), rng.uniform(0.001, 0.02), rng.uniform(0.005, 0.05)
        out = intervals.equivalence(est, se, 100, margin)
        assert out["equivalent"] == (-margin < out["low"] and out["high"] < margin)


def test_difference_of_a_group_and_a_total_containing_it_counts_the_overlap():
    rng = np.random.default_rng(5)
    y = (rng.random(600) < 0.7).astype(float)
    group = np.arange(600) < 150
    alone = of_codes(np.arange(600))
    out = difference(alone, y, group, np.ones(600, bool))
    # group minus total = (1 - f)(group minus rest), f = 150 / 600 (the standard errors agree to
    # first order); treating the two as independent samples would overstate it
    rest = difference(alone, y, group, ~group)
    assert out["df"] == pytest.approx(rest["df"])  # the group against the others
    assert out["diff"] == pytest.approx(0.75 * rest["diff"])
    assert out["se"] == pytest.approx(0.75 * rest["se"], rel=0.01)
    p1, p = y[group].mean(), y.mean()
    naive = math.sqrt(p1 * (1 - p1) / 150 + p * (1 - p) / 600)
    assert out["se"] < 0.9 * naive


def ipf_by_hand(levels: dict[str, np.ndarray], targets: dict[str, dict], rounds: int = 500):
    w = np.ones(len(next(iter(levels.values()))))
    for _ in range(rounds):
        for name, values in levels.items():
            for level, total in targets[name].items():
                rows = values == level
                w[rows] *= total / w[rows].sum()
    return w


def test_raking_matches_iterative_proportional_fitting_by_hand(raking_example):
    sample, targets = raking_example
    w = weighting.rake(sample, targets)
    assert w == pytest.approx(ipf_by_hand({k: sample[k].to_numpy() for k in targets}, targets)
                              * 300 / 600, rel=1e-6)  # scaled to average 1
    for name, totals in targets.items():
        shares = {k: v / 600 * 300 for k, v in totals.items()}
        weighted = pd.Series(w).groupby(sample[name].to_numpy()).sum()
        assert weighted.to_dict() == pytest.approx(shares)


def test_raking_names_what_the_frame_lacks(tmp_path):
    sample = pd.DataFrame({"region": ["A", "B", "Z"]})
    with pytest.raises(ValueError, match="'region' has no count for \\['Z'\\]"):
        weighting.rake(sample, {"region": {"A": 1.0, "B": 2.0}})
    bad = tmp_path / "frame.csv"
    bad.write_text("region,count\nA,3\nB,lots\n")
    with pytest.raises(ValueError, match="row 3, column count"):
        weighting.read_frame(bad)


def test_kish_design_effect_and_diagnostics():
    w = np.array([1.0, 1.0, 2.0, 4.0])
    assert design.kish_deff(w) == pytest.approx(4 * 22 / 64)
    d = weighting.diagnostics(w, "f.csv", ["region"]).iloc[0]
    assert d["n_eff"] == pytest.approx(64 / 22) and d["weight_ratio"] == 4
    assert weighting.diagnostics(None).iloc[0]["weighting"] == "unweighted"
    # raking matches each margin separately: never written as their cross-classification
    assert weighting.diagnostics(w, "f.csv",
                                 ["region", "inst_type"]).iloc[0]["margins"] == "region, inst_type"


def test_example_frame_margins_and_equal_regions_reproduce_the_balanced_share(cb):
    frame = weighting.read_frame(paths.EXTERNAL / "population_frame_example.csv")
    assert set(weighting.margins(frame)) == {"region", "inst_type"}
    offers = ["Yes"] * 8 + ["No"] * 2 + ["Yes"] * 1 + ["No"] * 1
    sample = pd.DataFrame({"offers_mc": pd.Categorical(offers, categories=OFFERS),
                           "region": ["big"] * 10 + ["small"] * 2,
                           "inst_id": [f"i{i}" for i in range(12)]})
    w = weighting.rake(sample, {"region": {"big": 1.0, "small": 1.0}})
    weighted = weighting.weighted_shares(SurveyDesign.of(sample), [cb.metric("offers_mc")], w)
    balanced = composition.region_balanced(SurveyDesign.of(sample), cb.metric("offers_mc"),
                                           ["big", "small"])
    assert weighted["weighted_pct"].iat[0] == pytest.approx(balanced["region_balanced_pct"])


def test_region_balanced_variance_is_the_mean_of_the_regions_variances(cb):
    y, codes, groups = clustered(8)
    frame = pd.DataFrame({"offers_mc": pd.Categorical(np.where(y == 1, "Yes", "No"),
                                                      categories=["Yes", "No", "Not sure"]),
                          "region": np.array(["a", "b", "c"])[groups], "inst_id": codes})
    out = composition.region_balanced(SurveyDesign.of(frame), cb.metric("offers_mc"),
                                      ["a", "b", "c"])
    regions = [y[groups == g].mean() for g in range(3)]
    assert out["region_balanced_pct"] == pytest.approx(100 * np.mean(regions))
    # each region's share linearised alone; the balanced share's variance is their sum over 9
    # (the regions share clusters here, so this holds only where they do not: use clusters by
    # region)
    nested = codes * 3 + groups
    out = composition.region_balanced(SurveyDesign.of(frame.assign(inst_id=nested)),
                                      cb.metric("offers_mc"),
                                      ["a", "b", "c"])
    variance = sum(linearised_by_hand(y, nested, groups == g) for g in range(3)) / 9
    p = np.mean([y[groups == g].mean() for g in range(3)])
    _, low, high = korn_graubard_by_hand(p, variance, len(y), len(set(nested)) - 1)
    assert (out["region_balanced_low"],
            out["region_balanced_high"]) == pytest.approx((100 * low, 100 * high))


def test_lift_interval_agrees_with_a_jackknife_over_clusters():
    rng = np.random.default_rng(2)
    codes = np.repeat(np.arange(300), 2)
    a = (rng.random(600) < 0.3).astype(float)
    b = np.where(rng.random(600) < 0.5, a, rng.random(600) < 0.3).astype(float)
    out = multiselect.lift(a, b, of_codes(codes))
    values = []
    for c in range(300):
        keep = codes != c
        aa, bb = a[keep], b[keep]
        values.append(np.log((aa * bb).mean() / (aa.mean() * bb.mean())))
    values = np.array(values)
    jackknife = math.sqrt(299 / 300 * np.sum((values - values.mean()) ** 2))
    se = (math.log(out["ci_high"]) - math.log(out["lift"])) / stats.t.ppf(0.975, 299)
    assert out["lift"] == pytest.approx((a * b).mean() / (a.mean() * b.mean()))
    assert se == pytest.approx(jackknife, rel=0.03)


def test_pair_lifts_give_the_pairs_shown_ranked_by_lower_bound():
    rng = np.random.default_rng(4)
    x = pd.DataFrame(rng.random((500, 3)) < [0.5, 0.4, 0.3], columns=["a", "b", "c"]).astype(int)
    table = multiselect.pair_lifts(x, of_codes(np.arange(500)), lambda i, j: (i, j) != (0, 2))
    assert set(map(tuple, table[["first", "second"]].to_numpy())) == {("a", "b"), ("b", "c")}
    assert table["ci_low"].is_monotonic_decreasing
    assert multiselect.pair_lifts(x, of_codes(np.arange(500)), lambda i, j: False).empty


def test_a_run_without_a_frame_is_unweighted_and_with_the_example_frame_is_raked(cb):
    frame = pd.DataFrame({"offers_mc": pd.Categorical(["Yes", "No"] * 30, categories=OFFERS),
                          "region": ["Europe", "Asia Pacific", "North America"] * 20,
                          "inst_type": ["Public university", "Other"] * 30,
                          "inst_id": [f"i{i}" for i in range(60)]})
    policy = Policy(10, 3)  # every class (region x type) has 10 respondents: all shown
    diagnostics, weighted = tables.weighted_estimates(SurveyDesign.of(frame), "",
                                                      [cb.metric("offers_mc")],
                                                      policy)
    assert diagnostics["weighting"].iat[0] == "unweighted" and weighted.empty
    diagnostics, weighted = tables.weighted_estimates(SurveyDesign.of(frame),
                                                      "data/external/population_frame_example.csv",
                                                      [cb.metric("offers_mc")], policy)
    assert diagnostics["frame"].iat[0] == "data/external/population_frame_example.csv"
    assert diagnostics["kish_deff"].iat[0] > 1 and len(weighted) == 1
    assert weighted["weighted_pct"].notna().all() and not weighted["suppressed"].any()


def test_rows_in_no_group_change_no_cell():
    rng = np.random.default_rng(3)
    groups, codes = rng.integers(-1, 3, 500), rng.integers(0, 40, 500)
    y, base = rng.integers(0, 2, 500).astype(float), rng.random(500) < 0.8
    some = groups >= 0
    every = design.GroupedShares(groups, codes, 3).shares(y, base)
    only = design.GroupedShares(groups[some], codes[some], 3).shares(y[some], base[some])
    for key in ("n", "count", "p", "variance"):  # the same sums in the same order: equal
        np.testing.assert_array_equal(every[key], only[key])


def test_a_base_shared_by_several_metrics_is_counted_once_and_gives_the_same_shares():
    rng = np.random.default_rng(5)
    groups, codes = rng.integers(0, 3, 300), rng.integers(0, 30, 300)
    base = rng.random(300) < 0.7
    cells = design.GroupedShares(groups, codes, 3)
    first = cells.shares(rng.integers(0, 2, 300).astype(float), base)
    y = rng.integers(0, 2, 300).astype(float)
    again = cells.shares(y, base.copy())  # the same base: its counts reused
    fresh = design.GroupedShares(groups, codes, 3).shares(y, base)
    for key in fresh:
        np.testing.assert_array_equal(again[key], fresh[key])
    first["n"][:] = -1  # a caller's change to a result does not reach the next metric
    assert (cells.shares(y, base)["n"] >= 0).all()


def test_weights_found_once_give_the_shares_of_each_grouping_exactly():
    """The weights of `release_table` (one per metric, rows in no group included) against the
    plain computation per grouping (the base restricted to the grouped rows), on random designs."""
    rng = np.random.default_rng(11)
    for _ in range(20):
        rows = int(rng.integers(50, 2000))
        groups, codes = rng.integers(-1, 5, rows), rng.integers(0, int(rng.integers(2, 300)), rows)
        y = np.where(rng.random(rows) < 0.8, rng.integers(0, 2, rows), np.nan).astype(np.float32)
        cells = design.GroupedShares(groups, codes, 5)
        fast = cells.shares_of(design.Weights.of(y))
        plain = design.GroupedShares(groups, codes, 5).shares(y, ~np.isnan(y) & (groups >= 0))
        for key in plain:
            np.testing.assert_array_equal(fast[key], plain[key])


def test_squared_residuals_in_place_equal_the_expression():
    rng = np.random.default_rng(12)
    s, m, p = rng.random(1000) * 9, rng.integers(0, 9, 1000).astype(float), rng.random(1000)
    np.testing.assert_array_equal(design._squared_residuals(s, p.copy(), m), (s - p * m) ** 2)


def test_a_domain_is_a_subpopulation_of_the_whole_design():
    """Its variance counts every PSU of the design (R's `subset`); a design built on the domain's
    rows alone counts only its own, C_d / (C_d - 1) instead of C / (C - 1)."""
    y, codes, groups = clustered(13)
    whole = of_codes(codes)
    rows = groups == 1
    in_domain = whole.mean(y, rows)
    subset = whole.subset(rows)
    assert subset.n_psu == whole.n_psu and len(subset) == rows.sum()
    assert subset.mean(y[rows],
                       np.ones(rows.sum(), bool)).variance == pytest.approx(in_domain.variance)
    assert in_domain.df == subset.degrees_of_freedom() == len(set(codes[rows])) - 1
    alone = of_codes(codes[rows]).mean(y[rows], np.ones(rows.sum(), bool))
    c, c_d = whole.n_psu, len(set(codes[rows]))
    assert alone.variance == pytest.approx(in_domain.variance * (c_d / (c_d - 1)) / (c / (c - 1)))


def test_leaders_without_an_institution_are_psus_of_their_own_and_one_institution_for_the_gate():
    from microcred.release import gate

    design_ = SurveyDesign.of(pd.DataFrame({"inst_id": ["a", None, "a", None, "b"]}))
    assert list(design_.institutions) == [0, -1, 0, -1, 1]
    assert design_.n_psu == 4 and len(set(design_.clusters)) == 4
    counted = gate.institution_numbers(design_.keys([]))
    assert len(set(counted)) == 3 and counted[1] == counted[3]
    assert len(set(gate.number_institutions(design_.institutions))) == 3


def test_institutions_of_a_filtered_categorical_are_numbered_once_and_densely():
    ids = pd.Series(pd.Categorical(["x", "z", "x", None], categories=["w", "x", "y", "z"]))
    design_ = SurveyDesign.of(pd.DataFrame({"inst_id": ids}))
    assert list(design_.institutions) == [0, 1, 0, -1] and design_.n_psu == 3


def test_weighted_and_unweighted_shares_come_from_one_estimator(cb):
    rng = np.random.default_rng(21)
    n = 300
    frame = pd.DataFrame({"offers_mc": pd.Categorical(rng.choice(["Yes", "No", "Not sure"], n),
                                                      categories=["Yes", "No", "Not sure"]),
                          "region": rng.choice(["a", "b"], n), "inst_id": rng.integers(0, 120, n)})
    metric = cb.metric("offers_mc")
    plain = estimate.shares(SurveyDesign.of(frame), [metric], "region", "region")
    ones = estimate.shares(SurveyDesign.of(frame, weights=np.ones(n)), [metric], "region", "region")
    pd.testing.assert_frame_equal(plain, ones, rtol=1e-12)
    w = rng.uniform(0.5, 2.0, n)
    weighted = estimate.shares(SurveyDesign.of(frame, weights=w), [metric], "region", "region")
    y = (frame["offers_mc"] == "Yes").to_numpy(float)
    codes = frame["inst_id"].to_numpy()
    for row in weighted.itertuples():
        rows = frame["region"].eq(row.group).to_numpy()
        p = np.sum(w[rows] * y[rows]) / w[rows].sum()
        z = np.where(rows, w * (y - p) / w[rows].sum(), 0.0)
        totals = pd.Series(z).groupby(codes).sum().to_numpy()
        c = len(totals)
        variance = c / (c - 1) * np.sum((totals - totals.mean()) ** 2)
        assert row.pct == pytest.approx(100 * p)
        assert row.n == rows.sum() and row.count == y[rows].sum()
        assert row.deff == pytest.approx(variance / (p * (1 - p) / (rows.sum() - 1)))
    table = weighting.weighted_shares(SurveyDesign.of(frame), [metric], w)
    overall = estimate.shares(SurveyDesign.of(frame, weights=w), [metric]).iloc[0]
    assert table["weighted_pct"].iat[0] == overall["pct"]
    assert table["ci_low"].iat[0] == overall["ci_low"]


def test_a_subset_keeps_its_rows_institutions_weights_and_groupings_of_its_own():
    frame = pd.DataFrame({"inst_id": ["a", "b", "a", "c", "b"], "g": ["x", "y", "y", "x", "y"]})
    whole = SurveyDesign.of(frame, weights=[1.0, 2.0, 3.0, 4.0, 5.0])
    whole.grouping("g")  # found once for the whole design: not for the subset
    part = whole.subset([0, 1, 1, 0, 1])  # the rows as a 0/1 indicator
    assert part.data.index.tolist() == [1, 2, 4] and part.weights.tolist() == [2.0, 3.0, 5.0]
    assert part.institutions.tolist() == [1, 0, 1] and part.clusters.tolist() == [1, 0, 1]
    assert part.grouping("g")[0].tolist() == [0, 0, 0] and part.grouping("g")[1] == ["y"]
    assert part.keys(["g"])["inst_id"].tolist() == [1, 0, 1]
    assert whole.weighted(None).subset([True] * 5).weights is None


def test_a_design_reweighted_keeps_its_groupings_and_drops_its_weights_with_none():
    frame = pd.DataFrame({"inst_id": ["a", "b", "a", "c"], "g": ["x", "y", "y", "x"]})
    whole = SurveyDesign.of(frame)
    grouping = whole.grouping("g")
    weighted = whole.weighted([1, 2, 3, 4])
    assert weighted.grouping("g") is grouping and weighted.weights.tolist() == [1, 2, 3, 4]
    assert weighted.weighted(None).weights is None
    assert weighted.weighted(None).mean(np.array([1.0, 0, 0, 1]), np.ones(4, bool)).estimate == 0.5


def test_weighted_counts_have_one_entry_per_group_even_an_empty_last_one():
    groups, codes = np.array([0, 1, 0, 1]), np.array([0, 1, 2, 3])
    shares = design.GroupedShares(groups, codes, 3, weights=np.array([1.0, 2.0, 1.0, 2.0]))
    est = shares.shares(np.array([1.0, 1.0, 0.0, 0.0]), np.ones(4, bool))
    assert est["count"].tolist() == [1.0, 1.0, 0.0] and est["n"].tolist() == [2, 2, 0]


def test_a_post_stratified_share_weighs_each_stratum_s_share_by_its_weight_in_any_unit():
    y = np.array([1.0, 0.0, 1.0, 1.0, np.nan, 0.0, 1.0])
    rows = np.array([True, True, True, True, False, True, False])
    strata = np.array(["a", "a", "b", "b", "b", "c", "d"])  # d: no row in the domain
    weights = np.array([10.0, 10.0, 30.0, 30.0, 99.0, 20.0, 99.0])  # population counts
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a stratum without rows is no error
        p, z = design.stratified_influence(y, rows, strata, weights)
    assert p == pytest.approx((20 * 0.5 + 60 * 1.0 + 20 * 0.0) / 100)
    p_h = np.array([0.5, 0.5, 1.0, 1.0, 1.0, 0.0, 0.0])
    np.testing.assert_allclose(z, np.where(rows, weights * (y - p_h) / 100, 0.0))
    assert z[~rows].tolist() == [0.0, 0.0]


def test_kish_design_effect_of_large_integer_weights_and_of_no_weights():
    expansion = [3_000_000_000, 1_000_000_000]  # integers whose sum squared passes 2 ** 63
    assert design.kish_deff(expansion) == pytest.approx(2 * (9 + 1) / 16)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert np.isnan(design.kish_deff([]))


def test_weights_of_a_float32_indicator_stay_float32():
    y = np.array([1.0, np.nan, 0.0], dtype=np.float32)
    weights = design.Weights.of(y)
    assert weights.hits.dtype == np.float32 and weights.hits.tolist() == [1.0, 0.0, 0.0]


def test_institutions_of_a_categorical_without_missing_values_skip_unused_categories():
    ids = pd.Series(pd.Categorical(["y", "x"], categories=["w", "x", "y", "z"]))
    assert SurveyDesign.of(pd.DataFrame({"inst_id": ids})).institutions.tolist() == [1, 0]


def test_leaders_without_any_institution_are_psus_numbered_from_zero():
    assert design.psu_codes(np.array([-1, -1])).tolist() == [0, 1]
    assert design.psu_codes(np.array([0, -1, 1])).tolist() == [0, 2, 1]
    alone = SurveyDesign.of(pd.DataFrame({"inst_id": [None, None]}))
    assert alone.n_psu == 2 and alone.keys([])["inst_id"].cat.categories.tolist() == []


def test_an_empty_design_has_no_psu_and_no_institution():
    empty = SurveyDesign.of(pd.DataFrame({"inst_id": pd.Series([], dtype=object)}))
    assert empty.n_psu == 0 and empty.keys([])["inst_id"].cat.categories.tolist() == []


def test_the_gate_s_keys_carry_the_data_s_index_and_one_category_per_institution():
    frame = pd.DataFrame({"inst_id": ["a", "a"], "g": ["x", "y"]}, index=[5, 9])
    keys = SurveyDesign.of(frame).keys(["g"])
    assert keys.index.tolist() == [5, 9] and keys["inst_id"].cat.categories.tolist() == [0]


def test_a_difference_takes_its_domains_as_0_1_indicators():
    y, codes, groups = clustered(17)
    whole = of_codes(codes)
    as_bool = difference(whole, y, groups == 0, groups == 1)
    as_float = difference(whole, y, (groups == 0).astype(float), (groups == 1).astype(float))
    assert as_float == as_bool


# ----------------------------------------------- the design's own estimators, pinned piece by piece

def test_a_design_over_other_columns_reads_them_and_finds_its_groupings_anew():
    whole = of_codes(["a", "b", "a", "c"], g=["x", "y", "y", "x"])
    whole.grouping("g")
    other = pd.DataFrame({"g": ["z", "z", "w", "w"]}, index=whole.data.index)
    over = whole.over(other)
    assert over.data is other and over.clusters is whole.clusters
    assert over.grouping("g") == (pytest.approx([1, 1, 0, 0]), ["w", "z"])
    with pytest.raises(ValueError, match="^3 rows for a design of 4 respondents$"):
        whole.over(other.head(3))


def test_the_variance_is_the_spread_of_the_psu_totals_around_their_mean():
    two = of_codes([0, 1])
    assert two.variance(np.array([0.25, -0.25])) == pytest.approx(2 * (0.25 ** 2 + 0.25 ** 2))
    assert two.variance(np.array([1.0, 1.0])) == 0  # equal totals: nothing varies
    assert np.isnan(of_codes([0, 0]).variance(np.array([0.5, -0.5])))  # one PSU: no variance


def test_a_subset_without_the_last_psus_still_divides_by_every_psu_of_the_design():
    y, codes = np.array([1.0, 0, 1, 0, 1, 1]), np.array([0, 0, 1, 1, 2, 3])
    whole, rows = of_codes(codes), codes < 2  # the domain lacks PSUs 2 and 3
    expected = whole.mean(y, rows).variance
    part = whole.subset(rows)
    assert part.n_psu == 4
    assert part.mean(y[rows], np.ones(rows.sum(), bool)).variance == pytest.approx(expected)
    # the PSUs it lacks count as totals of 0, as in the whole design
    assert part.variance(np.ones(4)) == pytest.approx(whole.variance(rows.astype(float)))


def test_a_domain_may_be_given_as_a_list_or_a_0_1_indicator():
    y, codes = np.array([1.0, 0, 1, 0, 1]), np.array([0, 0, 1, 2, 3])
    whole = of_codes(codes)
    as_bool = whole.mean(y, codes < 2)
    as_list = whole.mean(y, [True, True, True, False, False])
    assert (as_list.estimate, as_list.n, as_list.variance, as_list.df) == \
        (as_bool.estimate, as_bool.n, as_bool.variance, as_bool.df)
    assert whole.degrees_of_freedom(np.array([1, 1, 1, 0, 0])) == as_bool.df == 1
    assert whole.degrees_of_freedom([0, 0, 0, 0, 1]) == 0


def test_an_indicator_may_be_a_nullable_boolean_column_missing_outside_its_domain():
    y = pd.Series([True, None, False, True], dtype="boolean")
    got = of_codes([0, 1, 2, 3]).mean(y, [True, False, True, True])
    assert (got.estimate, got.n) == (pytest.approx(2 / 3), 3)


def test_a_weighted_mean_weighs_each_respondent():
    y, weights = np.array([1.0, 0, 0]), np.array([3.0, 1.0, 2.0])
    got = of_codes([0, 1, 2]).weighted(weights).mean(y, [True, True, False])
    assert got.estimate == pytest.approx(0.75) and got.n == 2
    assert got.influence == pytest.approx([3 * 0.25 / 4, 1 * -0.75 / 4, 0])


def test_a_domain_of_one_respondent_has_that_answer_and_no_spread_of_its_own():
    got = of_codes([0, 1, 2]).mean(np.array([1.0, 0, 0]), [True, False, False])
    assert (got.estimate, got.n, got.df) == (1.0, 1, 0)
    assert got.influence.tolist() == [0.0, 0.0, 0.0]


def test_an_empty_domain_has_no_mean_and_warns_of_nothing():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = of_codes([0, 1, 2]).mean(np.array([1.0, 0, 0]), [False, False, False])
    assert np.isnan(got.estimate) and (got.n, got.df) == (0, -1)
    assert got.influence.tolist() == [0.0, 0.0, 0.0]


def test_korn_graubard_takes_plain_lists_with_a_missing_group():
    # an empty group has no share, variance, n or degrees of freedom: None is read as NaN
    n_eff, low, high = intervals.korn_graubard([0.4, None], [0.004, None], [60, None], [30, None])
    alone = intervals.korn_graubard(0.4, 0.004, 60, 30)
    assert (n_eff[0], low[0], high[0]) == pytest.approx(alone)
    assert np.isnan([n_eff[1], low[1], high[1]]).all()


def test_korn_graubard_of_unanimous_groups_warns_of_nothing():
    # a variance of 0 (p(1 - p) / 0 and 0 / 0 computed, then not used) is no numpy warning
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        n_eff, low, high = intervals.korn_graubard([1.0, 0.5], [0.0, 0.0], [12, 12], [11, 11])
    assert n_eff.tolist() == [12.0, 12.0] and high[0] == 1.0


def test_two_respondents_in_two_institutions_are_enough_for_korn_graubard():
    n_eff, low, high = intervals.korn_graubard(0.5, 0.125, 2, 1)  # n - 1 = df = 1
    assert n_eff == pytest.approx(2.0)  # (t_1 / t_1)^2 = 1: Clopper-Pearson on 1 of 2
    assert (low, high) == pytest.approx(intervals.clopper_pearson(1, 2))


def test_the_srs_variance_takes_a_plain_list_with_a_missing_n():
    variance = design.srs_variance([0.5, 0.5, 0.5], [11, None, 1])
    assert variance[0] == pytest.approx(0.025) and np.isnan(variance[1:]).all()
    assert design.srs_variance(0.5, 2) == pytest.approx(0.25)  # two respondents are enough


def test_the_srs_variance_of_one_respondent_is_undefined_without_a_warning():
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # 0.25 / 0 and 0 / 0 are computed, then not used
        assert np.isnan(design.srs_variance([0.5, 1.0], [1, 1])).all()


def test_the_design_effect_of_a_unanimous_group_is_undefined_without_a_warning():
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # 0 / 0 and 0.01 / 0 are computed, then not used
        assert np.isnan(design.design_effect([0.0, 0.01], [1.0, 0.0], [10, 10])).all()


def test_shares_of_nobody_are_empty_groups_without_a_warning():
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # 0 / 0 is computed for each empty group, then kept as NaN
        grouped = design.GroupedShares(np.array([], np.int64), np.array([], np.int64), 2)
        est = grouped.shares(np.array([]), np.array([], bool))
    assert est["n"].tolist() == [0, 0] and np.isnan(est["p"]).all()


@pytest.mark.parametrize("psus, finite", [(1, False), (2, True)])
def test_grouped_shares_need_two_psus_for_a_variance(psus, finite):
    grouped = design.GroupedShares(np.zeros(4, np.int64), np.arange(4) % psus, 1)
    variance = grouped.shares(np.array([1.0, 0, 0, 0]), np.ones(4, bool))["variance"][0]
    assert np.isfinite(variance) == finite


def test_a_new_base_is_counted_anew():
    groups, codes = np.array([0, 0, 1, 1]), np.arange(4)
    y, first, second = np.array([1.0, 0, 1, 1]), np.ones(4, bool), np.array([1, 0, 1, 0], bool)
    grouped = design.GroupedShares(groups, codes, 2)
    grouped.shares(y, first)
    again = grouped.shares(y, second)
    fresh = design.GroupedShares(groups, codes, 2).shares(y, second)
    assert again["n"].tolist() == fresh["n"].tolist() == [1, 1]
    assert again["p"].tolist() == fresh["p"].tolist() == [1.0, 1.0]


def test_grouped_shares_of_a_subset_divide_by_every_psu_of_the_design():
    y, codes = np.array([1.0, 1, 1, 0, 1, 1]), np.array([0, 0, 1, 1, 2, 3])
    whole, rows = of_codes(codes), codes < 2
    part = whole.subset(rows).grouped_shares(None).shares(y[rows], np.ones(rows.sum(), bool))
    expected = whole.mean(y, rows).variance
    assert expected > 0 and part["variance"][0] == pytest.approx(expected)


def test_rows_in_no_group_add_no_group_of_their_own():
    grouped = design.GroupedShares(np.array([0, 0, -1]), np.array([0, 1, 2]), 1)
    est = grouped.shares(np.array([1.0, 0.0, 1.0]), np.ones(3, bool))
    assert est["n"].tolist() == [2] and est["p"].tolist() == [0.5] and est["df"].tolist() == [1]


def test_an_empty_last_group_has_degrees_of_freedom_too():
    grouped = design.GroupedShares(np.array([0, 1, 0, 1]), np.arange(4), 3)
    assert grouped.shares(np.array([1.0, 0, 1, 1]), np.ones(4, bool))["df"].tolist() == [1, 1, -1]
