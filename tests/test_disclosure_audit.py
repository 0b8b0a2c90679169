"""The audit (tests/disclosure_audit.py) run on what a run releases: the committed outputs, a grid
of thresholds and focus regions, and an export where one region falls under the threshold. It
must find nothing; and it must find a leak where one is planted."""

from __future__ import annotations

import disclosure_audit as audit
import pandas as pd
import pytest

from microcred.core import paths
from microcred.release import selections, tables
from microcred.release.policy import Policy
from microcred.release.selections import release_selections
from microcred.statistics import multiselect, weighting
from microcred.statistics.design import SurveyDesign
from microcred.survey import codebook

REGIONS = ["North America", "Latin America and the Caribbean", "Europe",
           "Middle East and North Africa", "Sub-Saharan Africa", "Asia Pacific"]
# each region once as focus region, each with another threshold between 20 and 50
GRID = list(zip([20, 25, 32, 38, 44, 50], REGIONS))


@pytest.fixture(scope="module")
def data(clean_default):
    leaders, employers, _, _ = clean_default
    return leaders, employers, codebook.load("leaders"), codebook.load("employers")


@pytest.mark.slow  # reads the committed outputs: run with the end-to-end tests, after `make report`
def test_the_committed_outputs_give_no_hidden_group_back(data):
    leaders, _, cb, _ = data
    shown_tables = audit.read_released(paths.TABLES)
    assert {"estimates", "barriers_by_situation", "barrier_lift"} <= set(shown_tables)
    assert audit.audit(leaders, cb, shown_tables, Policy(30, 5)) == []


@pytest.mark.parametrize("threshold,focus_region", GRID)
def test_no_hidden_group_comes_back_under_other_thresholds_and_focus_regions(data, threshold, focus_region):
    leaders, employers, cb, cbe = data
    policy = Policy(threshold, 5)
    shown_tables = audit.release(leaders, employers, cb, cbe, policy, focus_region)
    assert shown_tables["estimates"]["suppressed"].any()  # the grid does hide something
    assert audit.audit(leaders, cb, shown_tables, policy) == []


def small_region(leaders: pd.DataFrame, region: str = "Europe", keep: int = 21) -> pd.DataFrame:
    """The default data with one region cut down to `keep` respondents."""
    inside = leaders.index[leaders["region"].eq(region)]
    return leaders.drop(inside[keep:]).reset_index(drop=True)


@pytest.mark.parametrize("focus_region", ["Europe"])
def test_no_hidden_group_comes_back_when_one_region_is_small(data, focus_region):
    leaders, employers, cb, cbe = data
    leaders = small_region(leaders)
    policy = Policy(30, 5)
    shown_tables = audit.release(leaders, employers, cb, cbe, policy, focus_region)
    est = shown_tables["estimates"]
    europe = est[est["group_type"].eq("region") & est["group"].eq("Europe")]
    assert europe["suppressed"].all() and europe["pct"].isna().all()
    assert audit.audit(leaders, cb, shown_tables, policy) == []
    shown = est[est["group_type"].eq("region") & ~est["suppressed"]].groupby("metric").size()
    balanced = shown_tables["region_balanced"].set_index("metric")
    # hidden regions are left out of the region-balanced share, not averaged in silently
    assert (balanced["regions"] == shown.reindex(balanced.index)).all()
    assert (balanced["regions"] < 6).all()


def test_the_audit_finds_a_planted_leak(data):
    """Showing the credit groups again (as before the gate) gives back the offering leaders who
    skipped the credit question: the audit must say so."""
    leaders, employers, cb, cbe = data
    policy = Policy(30, 5)
    shown_tables = audit.release(leaders, employers, cb, cbe, policy, "North America")
    credit = tables.shares(SurveyDesign.of(leaders), cb.metrics_of("barriers"), "offers_credit", "offers_credit",
                             policy=Policy(1, 1, off=True), groups=["Yes", "No"])
    situation = pd.concat([shown_tables["barriers_by_situation"].query("group_type != 'offers_credit'"),
                           credit])
    leaks = audit.audit(leaders, cb, {**shown_tables, "barriers_by_situation": situation}, policy)
    assert ("barrier_awareness", "offering, credit question skipped") in leaks


# The reviewer's two scenarios: a hidden offers_mc cell whose Yes and No counts came back from the
# n of the metrics asked among offering (or non-offering) institutions.
SCENARIOS = {"one small region": (30, "Europe", 22), "threshold 32, focus Europe": (32, "Europe", None)}


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_no_hidden_offer_share_comes_back_from_the_n_of_conditional_metrics(data, scenario):
    leaders, employers, cb, cbe = data
    threshold, focus_region, keep = SCENARIOS[scenario]
    if keep:
        leaders = small_region(leaders, keep=keep)
    policy = Policy(threshold, 5)
    shown_tables = audit.release(leaders, employers, cb, cbe, policy, focus_region)
    est = shown_tables["estimates"]
    hidden_offer = est[est["metric"].eq("offers_mc") & est["suppressed"]
                       & est["group_type"].isin(["region", "country"])]
    assert not hidden_offer.empty  # the scenario does hide an offer share
    for r in hidden_offer.itertuples():  # the rule: children hidden with their parent, n too
        children = est[est["group"].eq(r.group) & est["base"].str.contains("offers_mc")]
        assert children["suppressed"].all() and children["n"].isna().all()
    assert audit.bounds_leaks(leaders, cb, shown_tables) == []


def test_the_bounds_audit_finds_the_n_leak(data):
    """Giving the hidden children their n back (as before the rule) pins Europe's offer count."""
    leaders, employers, cb, cbe = data
    leaders = small_region(leaders, keep=22)
    policy = Policy(30, 5)
    shown_tables = audit.release(leaders, employers, cb, cbe, policy, "Europe")
    est = shown_tables["estimates"].copy()
    truth = tables.release_table(SurveyDesign.of(leaders), cb, sorted(set(leaders["region"])),
                                 Policy(1, 1, off=True))
    n = truth.set_index(["metric", "group_type", "group"])["n"]
    est["n"] = [n.get((m, t, g), v) for m, t, g, v in zip(est["metric"], est["group_type"], est["group"], est["n"])]
    leaks = audit.bounds_leaks(leaders, cb, {**shown_tables, "estimates": est})
    assert ("offers_mc", next(w for _, w in leaks if w.startswith("region Europe"))) in leaks


@pytest.mark.parametrize("gated", [True, False])
def test_weighted_shares_give_no_hidden_region_back(data, tmp_path, gated):
    """A region-only frame with one small region: the weighted shares, gated, add no equation
    that works a hidden region back; ungated (as before the gate) they do, and the audit says so."""

    leaders, employers, cb, cbe = data
    leaders = small_region(leaders)
    policy = Policy(30, 5)
    frame = tmp_path / "frame.csv"
    frame.write_text("region,count\n" + "".join(f"{r},1000\n" for r in sorted(set(leaders["region"]))))
    shown_tables = audit.release(leaders, employers, cb, cbe, policy, "North America")
    headline = [cb.metric(m) for m in cb.headline_metrics]
    _, weighted = tables.weighted_estimates(SurveyDesign.of(leaders), str(frame), headline,
                                           policy if gated else Policy(1, 1, off=True))
    weights = weighting.rake(leaders, weighting.margins(weighting.read_frame(frame)))
    leaks = audit.audit(leaders, cb, {**shown_tables, "weighted_estimates": weighted}, policy, weights)
    assert (leaks == []) == gated


@pytest.mark.parametrize("size,threshold", [(100, 20), (300, 25)])
def test_no_pair_or_combination_comes_back_in_a_small_survey(data, size, threshold):
    """Few leaders and a low threshold: many pairs and combinations fall under it, and the ones
    shown must not add up to them (the case that found the gap: 100 leaders, threshold 20)."""
    leaders, employers, cb, cbe = data
    small = leaders.sample(size, random_state=size).reset_index(drop=True)
    policy = Policy(threshold, 3)
    shown_tables = audit.release(small, employers, cb, cbe, policy, "Europe", "India")
    assert audit.audit(small, cb, shown_tables, policy) == []


def test_the_audit_finds_a_planted_combination_leak(data):
    """Listing every combination (as with the gate off) gives small ones back."""

    leaders, employers, cb, cbe = data
    policy = Policy(30, 5)
    shown_tables = audit.release(leaders, employers, cb, cbe, policy, "North America")
    substantive = [m.id for m in cb.metrics_of("barriers") if m.id != "barrier_none"]
    x = multiselect.selections(leaders, substantive, "barriers")
    everything = release_selections(x, leaders.loc[x.index, "inst_id"],
                                             Policy(1, 1, off=True), 1000)
    labels = {m.id: m.label for m in cb.metrics_of("barriers")}
    listed = selections.combinations(x, labels, everything)
    leaks = audit.audit(leaders, cb, {**shown_tables, "barrier_combinations": listed}, policy)
    assert any(what.startswith("combination") for _, what in leaks)
