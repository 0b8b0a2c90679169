"""The design-based estimators against R's `survey` package (fixtures in tests/fixtures/r_survey,
made by reference.R there; R does not run here): every share, design effect, degrees of freedom,
effective sample size and Korn-Graubard interval in every domain, every comparison's difference
and standard error, and every mean, on the default data and on an export with leaders who named
no institution. Agreement to 1e-8."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from microcred.statistics import compare, estimate, intervals
from microcred.statistics.design import SurveyDesign, difference
from microcred.survey import codebook

FIXTURES = Path(__file__).parent / "fixtures" / "r_survey"
DATASETS = ["default", "seed2025_n1500"]
TOLERANCE = 1e-8


def read(name: str) -> pd.DataFrame:
    return pd.read_csv(FIXTURES / name, keep_default_na=False, na_values=["NA"],
                       dtype={"cluster": str, "response_id": str, "group": str})


@pytest.fixture(scope="module", params=DATASETS)
def dataset(request):
    """(name, the indicators as respondents with `inst_id`, their design)."""
    data = read(f"indicators_{request.param}.csv")
    # a leader who named no institution: no inst_id, a PSU of their own (R: `solo_<id>`)
    data["inst_id"] = data["cluster"].where(~data["cluster"].str.startswith("solo_"))
    return request.param, data, SurveyDesign.of(data)


def test_the_fixtures_exercise_leaders_without_an_institution(dataset):
    name, data, design = dataset
    alone = int(data["inst_id"].isna().sum())
    assert design.n_psu == data["cluster"].nunique()
    assert (alone > 0) == (name != "default")


def test_shares_design_effects_degrees_of_freedom_and_korn_graubard_intervals_are_r_s(dataset):
    name, data, design = dataset
    reference = read(f"shares_{name}.csv")
    cb = codebook.load("leaders")
    rows = []
    for (metric, group_type), expected in reference.groupby(["metric", "group_type"], sort=False):
        ours = estimate.shares(design, [cb.metric(metric)],
                               None if group_type == "all" else group_type,
                               group_type, groups=list(expected["group"]),
                               indicators={metric: data[f"ind_{metric}"]})
        rows.append(ours.set_index(expected.index))
    ours = pd.concat(rows).loc[reference.index]
    unanimous = reference["unanimous"].astype(str).str.upper().eq("TRUE").to_numpy()
    assert len(reference) > 500 and unanimous.any()
    np.testing.assert_array_equal(ours["n"], reference["n"])
    np.testing.assert_array_equal(ours["count"], reference["count"])
    np.testing.assert_array_equal(ours["df"], reference["degf"])
    assert np.abs(ours["pct"] / 100 - reference["estimate"]).max() < TOLERANCE
    some = ~unanimous  # R's deff, n_eff and interval are NaN or noise where all answers agree
    for ours_column, r_column, scale in [("deff", "deff", 1), ("n_eff", "n_eff", 1),
                                         ("ci_low", "ci_low", 100), ("ci_high", "ci_high", 100)]:
        mine = ours[ours_column].to_numpy()[some] / scale
        theirs = reference[r_column].to_numpy()[some]
        relative = np.abs(mine - theirs).max() / max(1.0, np.abs(theirs).max() / 1e3)
        assert relative < TOLERANCE, ours_column
    # n_eff is credited beyond n where leaders of one institution disagree more than chance
    assert (ours["n_eff"].to_numpy()[some] > ours["n"].to_numpy()[some]).any()


def test_a_unanimous_domain_gets_clopper_pearson_on_its_degrees_of_freedom(dataset):
    name, data, design = dataset
    reference = read(f"shares_{name}.csv")
    row = reference[reference["unanimous"].astype(str).str.upper().eq("TRUE")].iloc[0]
    cb = codebook.load("leaders")
    ours = estimate.shares(design, [cb.metric(row["metric"])], row["group_type"], row["group_type"],
                           groups=[row["group"]],
                           indicators={row["metric"]: data[f"ind_{row['metric']}"]}).iloc[0]
    n, df, p = row["n"], row["degf"], row["estimate"]
    n_eff = n * (intervals.stats.t.ppf(0.025, n - 1) / intervals.stats.t.ppf(0.025, df)) ** 2
    low, high = intervals.clopper_pearson(round(p) * n_eff, n_eff)
    assert (ours["ci_low"], ours["ci_high"]) == pytest.approx((100 * low, 100 * high), abs=1e-9)
    assert ours["n_eff"] == pytest.approx(n_eff)


def test_differences_and_their_standard_errors_are_svycontrast_s(dataset):
    name, data, design = dataset
    reference = read(f"comparisons_{name}.csv")
    for r in reference.itertuples():
        y = data[f"ind_{r.metric}" if r.statistic == "share" else r.metric].to_numpy(float)
        answered = ~np.isnan(y)
        group = data[r.group_type].eq(r.group).to_numpy()
        d = difference(design, y, answered & group, answered & ~group)
        assert (d["n1"], d["n2"]) == (r.n_group, r.n_rest)
        assert abs(d["diff"] - r.diff) < TOLERANCE and abs(d["se"] - r.se) < TOLERANCE
        # the project's degrees of freedom: Satterthwaite's from R's two domains
        satterthwaite = (r.se_group ** 2 + r.se_rest ** 2) ** 2 / (
            r.se_group ** 4 / r.df_group + r.se_rest ** 4 / r.df_rest)
        assert d["df"] == pytest.approx(satterthwaite, rel=TOLERANCE)
        assert min(r.df_group, r.df_rest) - 1e-9 <= d["df"] <= r.df_group + r.df_rest + 1e-9
        # and on R's own df (svyttest's), the same t-test gives R's p-value
        assert abs(intervals.wald(d["diff"], d["se"], r.ttest_df)["p_value"] - r.p) < TOLERANCE


def test_a_small_group_s_comparison_gets_the_degrees_of_freedom_of_its_institutions(dataset):
    """R's svyttest would give a country of a few dozen institutions the whole design's df."""
    name, _, _ = dataset
    reference = read(f"comparisons_{name}.csv")
    small = reference.loc[reference["df_group"].idxmin()]
    assert small["ttest_df"] > 10 * small["df_group"]
    _, data, design = dataset
    y = data[f"ind_{small['metric']}"].to_numpy(float)
    group = data[small["group_type"]].eq(small["group"]).to_numpy() & ~np.isnan(y)
    assert difference(design, y, group, ~group & ~np.isnan(y))["df"] < 2 * small["df_group"]


def test_means_per_respondent_and_their_comparison_are_r_s(dataset):
    name, data, design = dataset
    reference = read(f"means_{name}.csv")
    y = data["barriers_count"].to_numpy(float)
    for r in reference.itertuples():
        if r.group_type == "all":
            rows = np.ones(len(data), bool)
        elif r.group_type == "country_rest":
            rows = ~data["country"].eq(r.group).to_numpy()
        else:
            rows = data[r.group_type].eq(r.group).to_numpy()
        ours = compare.mean_with_interval(design, y, rows)
        assert ours["n"] == r.n and abs(ours["mean"] - r.estimate) < TOLERANCE
        assert abs(ours["ci_low"] - r.t_ci_low) < TOLERANCE
        assert abs(ours["ci_high"] - r.t_ci_high) < TOLERANCE
    r = read(f"comparisons_{name}.csv").query("statistic == 'mean'").iloc[0]
    test = compare.compare_means(design, y, data[r["group_type"]].eq(r["group"]).to_numpy())
    assert abs(test["diff"] - r["diff"]) < TOLERANCE
    assert abs(test["se"] - r["se"]) < TOLERANCE
