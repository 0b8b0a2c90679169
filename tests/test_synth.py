"""The synthetic reconstruction: byte-identical when regenerated, the published counts after
cleaning, every published figure in scope reproduced by the project's own estimators, and the
qualitative U.S. findings holding clearly."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from microcred.core import paths
from microcred.release import tables
from microcred.release.policy import Policy
from microcred.report import context, published
from microcred.statistics import compare, estimate
from microcred.statistics.design import SurveyDesign
from microcred.survey import analysis_data, codebook, region_schemes, synthetic_design
from microcred.synthetic import generator as synth


def test_regenerating_the_raw_exports_gives_identical_bytes():
    cb = codebook.load()
    leaders = synth.to_csv_bytes(synth.leaders_export(), list(synth.header_rows(cb)))
    employers = synth.to_csv_bytes(synth.employers_export())
    assert leaders == paths.LEADERS_EXPORT.read_bytes()
    assert employers == paths.EMPLOYERS_EXPORT.read_bytes()


def test_another_seed_gives_another_export():
    assert not synth.leaders_export(seed=7).equals(synth.leaders_export())


def test_published_counts_after_cleaning(clean_default):
    """The counts and the country ranking, read from published_figures.csv, hold exactly."""
    leaders, employers, cleaned, export = clean_default
    figures = published.load().set_index("figure_id")["value"]
    assert len(leaders) == int(figures["L24-S01"])
    assert leaders["inst_id"].nunique() == int(figures["L24-S02"])
    assert leaders["iso3"].nunique() == int(figures["L24-S03"])
    assert len(employers) == int(figures["E23-S02"])
    assert len(cleaned.kept) + len(cleaned.rejected) == len(export.data)
    named = [c.strip() for c in figures["L24-S04"].split(";")]
    assert leaders["country"].value_counts().index[: len(named)].tolist() == named
    assert (leaders["country"] == "India").sum() > int(figures["L24-S05"])


def test_every_noise_kind_is_removed_by_its_own_rule(clean_default):
    _, _, cleaned, _ = clean_default
    noise = synthetic_design.load()["noise"]
    removed = cleaned.dispositions.set_index("rule")["removed"]
    assert removed["previews and spam"] == noise["previews"] + noise["spam"]
    assert removed["unfinished or partial"] == noise["partial"]
    repeats = noise["repeat_by_email"] + noise["repeat_by_ip"]
    assert removed["repeat submissions of one person"] == repeats
    assert removed["speeders"] == noise["speeders"]
    assert removed["country not identified"] == len(noise["unknown_country"])


def compare_on_every_group(figures, leaders, employers, regions):
    """published.compare with disclosure control off: the reconstruction is checked on every
    group, however small."""
    cb, cb_employers = codebook.load("leaders"), codebook.load("employers")
    everything = Policy(0, 0, off=True)
    design, employers_design = SurveyDesign.of(leaders), SurveyDesign.of(employers)
    released = tables.release_table(design, cb, regions, everything, "m49",
                                    context.named_countries())
    released_employers = tables.release_groups(employers_design, cb_employers.metrics, "country",
                                               ["United States"], everything)
    return published.compare(figures, design, employers_design, cb, cb_employers, regions, released,
                             released_employers, everything)


def test_every_published_figure_in_scope_is_reproduced(clean_default):
    leaders, employers, _, _ = clean_default
    table = compare_on_every_group(published.load(), leaders, employers, region_schemes.regions())
    primary = table[table["role"].isin(["primary", "qualitative"])]
    assert len(primary) >= 50
    missed = primary.loc[~primary["within_rounding"].astype(bool),
                         ["figure_id", "published", "reproduced", "claim"]]
    assert missed.empty, missed.to_string()
    percent = primary[primary["unit"].eq("percent")]
    assert (percent["difference"].abs() <= 0.5).all()


def test_us_barrier_findings_hold_clearly(clean_default):
    leaders, _, _, _ = clean_default
    cb = codebook.load()
    us = leaders["country"].eq("United States")
    design = SurveyDesign.of(leaders)
    family = compare.compare_planned(design, compare.family(cb, "barriers_focus_vs_rest"),
                                     ["United States"]).set_index("metric")
    for metric in ("barrier_quality", "barrier_faculty"):
        assert family.at[metric, "diff_pp"] > 10 and family.at[metric, "p_adjusted"] < 0.001
    named = compare.compare_means(design, leaders["barriers_count"].astype(float).to_numpy(), us)
    assert named["diff"] > 0.5 and named["p_value"] < 0.001


def test_assumed_targets_are_met_roughly(clean_default):
    """Assumed shares move so that published ones hold; they stay within a few points. A region's
    row covers its respondents outside the countries that have rows of their own."""
    leaders, _, _, _ = clean_default
    cb = codebook.load()
    targets = synth.load_targets()
    assumed = targets[targets["flag"].eq("assumed") & ~targets["metric"].str.startswith("employer")]
    far = []
    for r in assumed.itertuples():
        own = targets.loc[targets["metric"].eq(r.metric) & targets["group_type"].eq("country"),
                          "group"]
        if r.group_type == "region":
            rows = leaders[leaders["region"].eq(r.group) & ~leaders["country"].isin(own)]
        elif r.group_type == "country":
            rows = leaders[leaders["country"].eq(r.group)]
        else:
            rows = leaders
        got = 100 * estimate.indicator(rows, cb.metric(r.metric)).mean()
        tolerance = 6 if r.metric.startswith("growth_") else 4
        if abs(got - 100 * r.share) > tolerance:
            far.append((r.metric, r.group, round(100 * r.share, 1), round(got, 1)))
    assert not far, far


@pytest.mark.parametrize("size", [3000])
def test_generator_scales(size):
    frame = synth.leaders_export(size=size)
    assert len(frame) > size
    assert frame["ResponseId"].is_unique


def test_the_example_export_regenerates_identically(tmp_path):
    folder = tmp_path / "example"
    folder.mkdir()
    (folder / "params.yaml").write_bytes((synth.EXAMPLE / "params.yaml").read_bytes())
    path = synth.write_example_export(folder)
    assert path.read_bytes() == (synth.EXAMPLE / "leaders_export.csv").read_bytes()


# --------------------------------------------------------------------------- institutions

def _agreeing_institutions(leaders, column, answers):
    """(institutions with two or more leaders giving one of `answers`, share of them unanimous)."""
    given = leaders[leaders[column].isin(answers)]
    distinct = given.groupby("inst_id", observed=True)[column].agg(["size", "nunique"])
    several = distinct[distinct["size"] >= 2]
    return several, several["nunique"].eq(1).mean()


def test_leaders_of_one_institution_agree_at_the_documented_rate(clean_default):
    """Two leaders answering Yes or No on offering agree unless one of them answers against the
    fact; a dissenting leader says "Not sure" (left out here) or the other answer, so a Yes/No
    answer is against the fact with f = d(1 - s) / (1 - d s). Expected unanimity of an
    institution with k such leaders: (1 - f)^k + f^k."""
    leaders, _, _, _ = clean_default
    c = synthetic_design.load()["institution_clustering"]
    d, s = c["leader_dissent"], c["dissent_not_sure"]
    f = d * (1 - s) / (1 - d * s)
    several, agreeing = _agreeing_institutions(leaders, "offers_mc", ["Yes", "No"])
    expected = ((1 - f) ** several["size"] + f ** several["size"]).mean()
    assert len(several) >= 100
    assert abs(agreeing - expected) < 0.06, (agreeing, expected)


def test_each_leader_answers_against_the_institution_at_the_documented_rate():
    """In the generator, where the institutions' facts are known: the share of leaders answering
    a fact differently is the documented rate; with a rate of zero leaders of one institution
    are unanimous on every fact, and the published figures still hold."""
    cb = codebook.load()
    design = synthetic_design.load()
    rate = design["institution_clustering"]["leader_dissent"]

    def generate(design):
        rng = np.random.default_rng(design["seed"])
        people = synth.build_people(design, rng)
        return people, synth.answer_leaders(people, cb, synth.load_targets(), design, rng)

    people, answers = generate(design)
    for fact in ("offers_mc", "offers_credit", "expanded"):
        has_fact = answers[fact].ne("") & (people["offers_mc_fact"] | (fact == "offers_mc"))
        truth = np.where(people[f"{fact}_fact"], "Yes", "No")
        against = (answers[fact] != truth)[has_fact].mean()
        assert abs(against - rate) < 0.035, (fact, against)

    unanimous = {**design, "institution_clustering": {**design["institution_clustering"],
                                                      "leader_dissent": 0.0}}
    people, answers = generate(unanimous)
    for column in ("offers_mc", "offers_credit", "expanded"):
        given = answers[column].ne("")
        assert people.assign(a=answers[column])[given].groupby("inst")["a"].nunique().max() == 1
    assert people.groupby("inst")["inst_type"].nunique().max() == 1
    assert not answers["offers_mc"].eq("Not sure").any()


def test_opinions_cluster_within_institutions(clean_default):
    """The number of barriers a leader names shares an institution component: net of country
    differences, its intra-institution correlation (one-way ANOVA estimator) is above zero.
    Without a shared trait it comes out below zero (-0.2 to 0; 0.09 with the default)."""
    leaders, _, _, _ = clean_default
    named = leaders["barriers_count"].astype(float)
    y = pd.DataFrame({"inst": leaders["inst_id"],
                      "y": named - named.groupby(leaders["country"],
                                                 observed=True).transform("mean")})
    y = y.dropna()
    y = y[y.groupby("inst", observed=True)["y"].transform("size") >= 2]
    groups = y.groupby("inst", observed=True)["y"]
    k, n, a = groups.size(), len(y), groups.ngroups
    between = (k * (groups.mean() - y["y"].mean()) ** 2).sum() / (a - 1)
    within = ((y["y"] - groups.transform("mean")) ** 2).sum() / (n - a)
    k0 = (n - (k ** 2).sum() / n) / (a - 1)
    icc = (between - within) / (between + (k0 - 1) * within)
    assert icc > 0.05, icc


def test_institution_facts_on_the_default_data(clean_default):
    """No institution resolved as not offering keeps a credit fact; the credit answers its
    leaders gave are all counted as set aside."""
    leaders, _, _, _ = clean_default
    facts = analysis_data.institution_facts(leaders, codebook.load()).set_index("inst_id")
    not_offering = facts["offers_mc"].ne("Yes")
    assert facts.loc[not_offering, "offers_credit"].isna().all()
    assert not facts.loc[not_offering, "offers_credit_disagree"].any()
    resolved = leaders["inst_id"].map(facts["offers_mc"])
    set_aside = leaders["offers_credit"].notna() & resolved.ne("Yes")
    assert facts["offers_credit_set_aside"].sum() == set_aside.sum() > 0


def test_the_assumptions_table_shows_the_design_values():
    text = (paths.ROOT / "data" / "raw" / "README.md").read_text(encoding="utf-8")
    for key, value in synthetic_design.load()["institution_clustering"].items():
        shown = re.search(rf"\| `{key}` \| ([0-9.]+) \|", text)
        assert shown and float(shown.group(1)) == value, key


# --------------------------------------------------------------------------- comparison rows

def test_every_computable_comparison_row_is_computed(clean_default):
    leaders, employers, _, _ = clean_default
    table = compare_on_every_group(published.load(), leaders, employers, region_schemes.regions())
    shares = table[table["unit"].eq("percent")]
    assert shares["reproduced"].notna().all(), shares.loc[shares["reproduced"].isna(), "figure_id"]


def test_credit_as_a_share_of_all_leaders():
    """L24-003-alt: credit counted over everyone who answered whether the institution offers;
    an offering leader who skipped the credit question is outside the base."""
    cb = codebook.load()
    frame = pd.DataFrame({
        "inst_id": list("abcdefg"),
        "offers_mc": pd.Categorical(["Yes", "Yes", "Yes", "No", "Not sure", None, "Yes"],
                                    categories=cb.labels("offers_mc")),
        "offers_credit": pd.Categorical(["Yes", "No", None, None, None, None, "Yes"],
                                        categories=cb.labels("offers_credit")),
    })
    figure = published.load().set_index("figure_id").loc[["L24-003-alt"]].reset_index()
    nothing = pd.DataFrame(columns=estimate.ESTIMATE_COLUMNS)  # the figure needs no released cell
    design = SurveyDesign.of(frame)
    row = published.compare(figure, design, design, cb, codebook.load("employers"), [], nothing,
                            nothing, Policy(0, 0, off=True)).iloc[0]
    assert (row["n"], row["reproduced"]) == (5, 40.0)
