"""Multiplicity: families of planned comparisons declared once in the codebook, adjusted over
every comparison planned (so hiding a cell never changes another's adjusted p), Holm for the
confirmatory families and Benjamini-Hochberg for the country grid, an adjusted p-value hidden
where a hidden comparison's p-value sets it, and the interval each adjusted p-value implies."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from statsmodels.stats.multitest import multipletests

from microcred.release import tables
from microcred.release.policy import Policy
from microcred.statistics import compare
from microcred.statistics.design import SurveyDesign
from microcred.survey import codebook, region_schemes


def holm_by_hand(p: np.ndarray) -> np.ndarray:
    order, m = np.argsort(p), len(p)
    out, running = np.empty(m), 0.0
    for rank, i in enumerate(order):
        running = max(running, (m - rank) * p[i])
        out[i] = min(running, 1.0)
    return out


def bh_by_hand(p: np.ndarray) -> np.ndarray:
    order, m = np.argsort(p), len(p)
    out, running = np.empty(m), 1.0
    for rank in range(m - 1, -1, -1):
        running = min(running, m * p[order[rank]] / (rank + 1))
        out[order[rank]] = running
    return out


@pytest.fixture(scope="module")
def run(clean_default):
    leaders = clean_default[0]
    cb = codebook.load("leaders")
    design = SurveyDesign.of(leaders)
    regions = [r for r in region_schemes.regions("m49") if r in set(leaders["region"])]
    return leaders, cb, design, regions


def test_the_families_are_declared_once_in_the_codebook():
    cb, cbe = codebook.load("leaders"), codebook.load("employers")
    focus = compare.family(cb, "focus_region_vs_rest")
    assert focus.name == "focus_region_vs_rest"
    assert [m.id for m in focus.metrics] == cb.headline_metrics
    assert (focus.group_type, focus.correction) == ("region", "holm")
    assert compare.family(cb, "countries_vs_rest").correction == "fdr_bh"
    barriers = compare.family(cb, "barriers_focus_vs_rest")
    assert [m.id for m in barriers.metrics] == [m.id for m in cb.metrics_of("barriers")]
    assert len(compare.family(cbe, "employers_us_vs_rest").metrics) == len(cbe.metrics)


@pytest.mark.parametrize("p", [[0.01, 0.04, 0.03, 0.2, 0.5], [0.3, 0.001, 0.04, 0.04, np.nan, 0.9]])
def test_holm_and_benjamini_hochberg_are_those_of_statsmodels_and_by_hand(p):
    p = np.array(p)
    ok = ~np.isnan(p)
    for method, by_hand in (("holm", holm_by_hand), ("fdr_bh", bh_by_hand)):
        adjusted, source = compare.adjust_with_sources(p, method)
        assert adjusted[ok] == pytest.approx(multipletests(p[ok], method=method)[1])
        assert adjusted[ok] == pytest.approx(by_hand(p[ok]))
        assert np.isnan(adjusted[~ok]).all() and (source[~ok] == -1).all()


def test_each_adjusted_p_value_names_the_p_value_that_sets_it():
    p = np.array([0.03, 0.04, 0.5])  # Holm: 0.09, max(0.09, 0.08) = 0.09 (set by the first), 0.5
    adjusted, source = compare.adjust_with_sources(p, "holm")
    assert adjusted == pytest.approx([0.09, 0.09, 0.5]) and list(source) == [0, 0, 2]
    p = np.array([0.01, 0.04, 0.045])  # BH: 3 * 0.01 = 0.03 and min(0.06, 0.045) from the third
    adjusted, source = compare.adjust_with_sources(p, "fdr_bh")
    assert adjusted == pytest.approx([0.03, 0.045, 0.045]) and list(source) == [0, 2, 2]


def test_hiding_a_cell_never_changes_another_s_adjusted_p(run):
    """The same planned grid released under two policies: the stricter one hides more cells;
    every adjusted p-value shown under both is the same."""
    leaders, cb, design, regions = run
    grid = compare.family(cb, "countries_vs_rest")
    countries = tables.planned_countries(leaders, Policy(30, 5))
    shown = {}
    for policy in (Policy(30, 5), Policy(45, 5)):
        released = tables.release_table(design, cb, regions, policy)
        shown[policy.min_group_size] = tables.compare_family(design, grid, countries, released,
                                                             policy)
    lenient, strict = (shown[k].set_index(["group", "metric"]) for k in (30, 45))
    newly_hidden = lenient["p_value"].notna() & strict["p_value"].isna()
    both = lenient["p_adjusted"].notna() & strict["p_adjusted"].notna()
    assert newly_hidden.any() and both.sum() >= 10  # the test tests something
    pd.testing.assert_series_equal(lenient.loc[both, "p_adjusted"], strict.loc[both, "p_adjusted"])


def test_the_grid_is_adjusted_by_benjamini_hochberg_over_every_planned_comparison(run):
    leaders, cb, design, regions = run
    policy = Policy(30, 5)
    grid = compare.family(cb, "countries_vs_rest")
    countries = tables.planned_countries(leaders, policy)
    planned = compare.compare_planned(design, grid, countries)
    released = tables.compare_family(design, grid, countries,
                                     tables.release_table(design, cb, regions, policy),
                                     policy)
    expected = bh_by_hand(planned["p_value"].to_numpy())
    shown = released["p_adjusted"].notna().to_numpy()
    # some hidden, adjusted all the same
    assert shown.sum() > 20 and released["p_value"].isna().any()
    assert released["p_adjusted"].to_numpy()[shown] == pytest.approx(expected[shown])
    assert released["correction"].eq("fdr_bh").all()


@pytest.mark.parametrize("name, group_type, group",
                         [("focus_region_vs_rest", "region", "North America"),
                                                     ("barriers_focus_vs_rest", "country",
                                                      "United States")])
def test_the_confirmatory_families_are_adjusted_by_holm(run, name, group_type, group):
    leaders, cb, design, regions = run
    policy = Policy(30, 5)
    family = compare.family(cb, name)
    released = tables.compare_family(design, family, [group],
                                     tables.release_table(design, cb, regions, policy),
                                     policy)
    assert released["p_adjusted"].notna().all()
    expected = holm_by_hand(released["p_value"].to_numpy())
    assert released["p_adjusted"].to_numpy() == pytest.approx(expected)
    assert (released["p_adjusted"] > released["p_value"]).any()


def test_an_adjusted_p_value_set_by_a_hidden_comparison_is_hidden_too(run, monkeypatch):
    """Benjamini-Hochberg's step-up would give the hidden comparison's p-value back: m p_(j) / j."""
    leaders, cb, design, regions = run
    policy = Policy(30, 5)
    released = tables.release_table(design, cb, regions, policy)
    family = compare.family(cb, "countries_vs_rest")
    countries = tables.planned_countries(leaders, policy)
    real = compare.compare_planned(design, family, countries)
    hidden = tables.compare_family(design, family, countries, released,
                                   policy)["p_value"].isna().to_numpy()
    assert hidden.any() and (~hidden).any()
    # one shown p-value just below the hidden ones: the step-up takes its adjusted value from theirs
    p = np.where(hidden, 1.1e-4, 0.5)
    p[np.flatnonzero(~hidden)[0]] = 1e-4

    def planned(*args):
        table = real.assign(p_value=p)
        table["p_adjusted"], table["adjusted_by"] = compare.adjust_with_sources(p,
                                                                                family.correction)
        return table

    monkeypatch.setattr(compare, "compare_planned", planned)
    out = tables.compare_family(design, family, countries, released, policy)
    _, source = compare.adjust_with_sources(p, family.correction)
    set_by_hidden = ~hidden & hidden[source]
    assert set_by_hidden.any() and out["p_adjusted"][set_by_hidden].isna().all()
    assert out["p_adjusted"][~hidden & ~hidden[source]].notna().all()


def test_the_adjusted_interval_excludes_zero_exactly_where_the_adjusted_p_is_below_alpha(run):
    leaders, cb, design, regions = run
    planned = compare.compare_planned(design, compare.family(cb, "countries_vs_rest"),
                                      tables.planned_countries(leaders, Policy(30, 5)))
    excludes = (planned["adjusted_low"] > 0) | (planned["adjusted_high"] < 0)
    assert ((planned["p_adjusted"] < 0.05) == excludes).all()
    assert excludes.any() and (~excludes).any()
    adjusted = planned["adjusted_high"] - planned["adjusted_low"]
    wider = adjusted >= planned["diff_high"] - planned["diff_low"] - 1e-9
    assert wider.all()


def test_adjust_is_holm_by_default_and_keeps_the_p_values_index():
    p = pd.Series([0.01, 0.04, np.nan, 0.03], index=["a", "b", "c", "d"])
    expected = pd.Series([0.03, 0.06, np.nan, 0.06], index=p.index)
    pd.testing.assert_series_equal(compare.adjust(p), expected)
    assert compare.adjust([0.01, 0.04]).tolist() == pytest.approx([0.02, 0.04])  # a plain list


def test_the_planned_table_labels_every_comparison_with_its_metric(run):
    _, cb, design, _ = run
    family = compare.family(cb, "focus_region_vs_rest")
    planned = compare.compare_planned(design, family, ["North America", "Europe"])
    assert planned["label"].tolist() == [m.label for m in family.metrics] * 2
    assert list(planned.columns) == [*compare.COMPARISON_COLUMNS, "adjusted_by"]


def test_adjusted_intervals_of_a_certain_difference_and_of_one_degree_of_freedom():
    """p = 0 (a difference known exactly) keeps its point; one degree of freedom is enough."""
    table = pd.DataFrame({"p_value": [0.0, 0.02], "p_adjusted": [0.0, 0.04],
                          "diff_pp": [5.0, 3.0], "diff_se": [0.0, 1.0], "df": [4, 1]})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        low, high = compare.adjusted_intervals(table, 0.05)
    half = stats.t.ppf(0.5 + (1 - 0.05 * 0.02 / 0.04) / 2, 1)
    assert low == pytest.approx([5.0, 3.0 - half]) and high == pytest.approx([5.0, 3.0 + half])


def test_a_capped_adjusted_p_value_names_itself_where_its_own_term_reaches_the_cap():
    """Holm of 0.5, 0.55, 0.6: terms 1.5, 1.1, 0.6, all adjusted to 1; the second's own term
    reaches 1, the third's does not (the first's sets it)."""
    adjusted, source = compare.adjust_with_sources([0.5, 0.55, 0.6], "holm")
    assert adjusted.tolist() == [1.0, 1.0, 1.0] and source.tolist() == [0, 1, 0]


def test_tied_p_values_are_set_by_the_first_of_them_and_missing_ones_stay_out():
    adjusted, source = compare.adjust_with_sources([0.01] * 20 + [None], "holm")
    assert adjusted[:20] == pytest.approx([0.2] * 20) and np.isnan(adjusted[20])
    assert source.tolist() == [0] * 20 + [-1]
    with pytest.raises(ValueError, match="^unknown correction 'bonferroni': holm or fdr_bh$"):
        compare.adjust_with_sources([0.01], "bonferroni")


def test_interleaved_ties_are_set_by_the_first_of_their_value_in_the_family_s_order():
    adjusted, source = compare.adjust_with_sources([0.02, 0.01] * 10, "holm")
    assert adjusted == pytest.approx([0.2] * 20)  # 20 x 0.01, then 10 x 0.02
    assert source.tolist() == [0, 1] * 10
