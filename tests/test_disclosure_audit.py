"""The disclosure audit, run as an attacker would: tests/disclosure_attack.py reads what a run
releases (tables, figures, captions, the report's text) and public knowledge (the codebook, the
region schemes), nothing of the gate, and bounds every hidden count by a linear programme over
whole-number unknowns (bounds rounded inward: the integer programme never tightened them
further). Every hidden count must stay uncertain over the protection width (params.yaml), or as
wide as the whole sample's answers leave it; a pin at 0 or at n that a shown group's own 0 or n
implies is a fact about that group. Each failure names the cells.

Run on the committed outputs (figures included), on held-out-style exports made by the
project's generator with seeds it never uses (120, 300 and 1,500 responses, one with a Middle
East and North Africa of 24) at several thresholds, and on releases users make together (the two
region schemes; two thresholds): `make test` attacks the smaller exports, `make audit`
(MICROCRED_AUDIT=full) every export and pair. The exports' tables are made by the notebooks'
package calls (tests/disclosure_audit.py), checked once against the committed tables; the
figures are checked to draw nothing their tables do not show. And the attack must find leaks
where they are: in the release the gate made before protection intervals, and in a second region
scheme not protected together with the first."""

from __future__ import annotations

import disclosure_attack as attack
import disclosure_audit as audit
import numpy as np
import pandas as pd
import pytest
import yaml

from microcred.core import files, paths
from microcred.release import intervals, variants
from microcred.release.policy import Policy
from microcred.survey import analysis_data, codebook, region_schemes

WIDTH = yaml.safe_load(paths.PARAMS.read_text())["common"]["protection_width"]
DEFAULT = Policy(30, 5)


def protected(result: attack.Result) -> None:
    """No hidden count narrower than the rule asks; the attack itself sound."""
    assert not result.violated, result.violated[:5]  # the truth satisfies every equation read
    assert not result.wrong, [attack.describe(t) for t in result.wrong[:5]]
    assert not result.findings, result.findings
    failures = sorted(result.failures(WIDTH), key=lambda t: t.name)
    assert not failures, "\n".join(f"{attack.describe(t)}: needs {attack.required(t, WIDTH)}"
                                   for t in failures)


def run(name, leaders, employers, policy, scheme="m49", **kw) -> attack.Run:
    return attack.Run.of(name, audit.release(leaders, employers, policy, scheme, **kw), scheme,
                         (policy.min_group_size, policy.min_institutions), len(leaders))


def attacked(runs, leaders) -> attack.Result:
    return attack.attack(runs, audit.truth(leaders), audit.EXTERNAL, milp_budget=0, wide=WIDTH,
                         by_rule=True)


@pytest.fixture(scope="module")
def default(clean_default):
    leaders, employers, _, _ = clean_default
    return leaders, employers


@pytest.fixture(scope="module")
def exports(tmp_path_factory):
    """Each held-out export's clean leaders, made the first time a test asks for it."""
    folder, made = tmp_path_factory.mktemp("exports"), {}

    def export(name: str) -> pd.DataFrame:
        if name not in made:
            path = audit.write(folder / f"{len(made)}.csv", audit.EXPORTS[name]())
            made[name] = audit.clean(path)
        return made[name]

    return export


@pytest.fixture(scope="module")
def committed() -> attack.Run:
    """The committed outputs as a reader has them (tables, figures, captions, the report)."""
    release = attack.Run.read(paths.ROOT)
    assert (release.scheme, release.thresholds) == ("m49", (30, 5))
    return release


@pytest.mark.slow  # reads the committed outputs: with the end-to-end tests, after `make report`
def test_the_committed_outputs_give_no_hidden_count_back(committed, default):
    protected(attacked([committed], default[0]))


def test_the_release_attacked_is_what_the_notebooks_write(default):
    leaders, employers = default
    institutions = analysis_data.institution_facts(leaders, codebook.load("leaders"))
    made = audit.release(leaders, employers, DEFAULT, institutions=institutions)
    differ = [name for name in audit.ATTACKED
              if files.csv_bytes(made[name]) != (paths.TABLES / f"{name}.csv").read_bytes()]
    assert not differ


# `make test` attacks the smaller exports; `make audit` every one (a minute more on two cores)
FULL = pytest.mark.audit_full
HELD_OUT = [("120 responses", 30, 5), ("300 responses", 20, 3),
            pytest.param("1,500 responses", 30, 5, marks=FULL),
            pytest.param("1,500 responses", 20, 3, marks=FULL),
            ("Middle East and North Africa of 24", 30, 5)]


@pytest.mark.parametrize("export,min_group_size,min_institutions", HELD_OUT)
def test_no_hidden_count_comes_back_from_a_held_out_export(exports, default, export,
                                                          min_group_size, min_institutions):
    leaders = exports(export)
    policy = Policy(min_group_size, min_institutions)
    release = run(export, leaders, default[1], policy)
    assert release.tables["estimates"]["suppressed"].any()  # it does hide something
    protected(attacked([release], leaders))


def under(leaders: pd.DataFrame, scheme: str) -> pd.DataFrame:
    """The same respondents with the regions of another scheme (as 01_clean would place them)."""
    return leaders.assign(region=region_schemes.attach_regions(leaders["iso3"], scheme)["region"])


@pytest.mark.slow  # the committed outputs, and the same respondents under the other scheme
def test_the_two_region_schemes_published_together_give_nothing_back(committed, default):
    leaders, employers = default
    continent = run("continent", under(leaders, "continent"), employers, DEFAULT, "continent")
    protected(attacked([committed, continent], leaders))
    protected(attacked([continent], leaders))  # published alone, it holds too


@FULL
def test_two_thresholds_published_together_give_nothing_back(exports, default):
    leaders = exports("120 responses")
    pair = [run(f"{g} / 3", leaders, default[1], Policy(g, 3)) for g in (20, 21)]
    protected(attacked(pair, leaders))


# --------------------------------------------------------------------------- the figures

def test_figures_draw_only_what_their_tables_show():
    """Read back from the committed SVG files: each bar of benefits_likert is a shown answer
    distribution (counts within 1e-4 of the table's: the geometry gives whole counts back, so it
    must give exactly the shown ones), each dot of the dot charts a shown cell's
    percent, each heatmap annotation a shown cell's rounded value."""
    answers = pd.read_csv(paths.TABLES / "benefit_answers.csv")
    estimates = pd.read_csv(paths.TABLES / "estimates.csv")
    cb = codebook.load("leaders")
    by_label = {m.label: m.id for m in cb.metrics}
    drawn = 0
    for title, bars in attack.read_likert(paths.FIGURES / "benefits_likert.svg"):
        metric = by_label[title.split(":")[0]]
        for group, n, shares in bars:
            shown = answers[answers["metric"].eq(metric) & answers["group"].eq(group)
                            & ~answers["suppressed"]].set_index("answer")
            assert len(shown) == 5 and shown["n"].iat[0] == n, (metric, group)
            np.testing.assert_allclose(np.array(shares) * n,
                                       shown.loc[cb.scales["agreement"], "count"], atol=1e-4)
            drawn += 1
    assert drawn == int((~answers["suppressed"]).sum() / 5)  # and every shown group is drawn
    for figure, table, question in (("adoption_by_region", "estimates", None),
                                    ("barriers_ranked", "barriers_by_region", "barriers"),
                                    ("growth_considerations", "non_offering", "growth_priorities")):
        shown = pd.read_csv(paths.TABLES / f"{table}.csv").query("not suppressed")
        labels = {m.label: m.id for m in (cb.metrics_of(question) if question else cb.metrics)}
        dots = attack.read_interval_plot(paths.FIGURES / f"{figure}.svg")
        for row, series, value in dots:
            metric = labels[series or row]
            group = "All" if series is None or row in ("All respondents", "All leaders") else row
            hit = shown[shown["metric"].eq(metric) & shown["group"].eq(group)]
            assert len(hit) == 1 and abs(hit["pct"].iat[0] - value) < 1e-3, (figure, metric, group)
        assert dots, figure  # (the SVG was read)
    regions = estimates.query("group_type == 'region'")
    barriers = {m.label: m.id for m in cb.metrics_of("barriers")}
    drawn = 0
    for row, column, text in attack.read_heatmap(paths.FIGURES / "barriers_heatmap.svg"):
        region, metric = row.rsplit(" (n=", 1)[0], barriers[column]
        hit = regions[regions["metric"].eq(metric) & regions["group"].eq(region)]
        assert len(hit) == 1, (region, metric)
        if text == "not shown":  # a hatched cell says so, and is hidden in the table
            assert hit["suppressed"].iat[0], (region, metric)
            continue
        assert not hit["suppressed"].iat[0] and abs(hit["pct"].iat[0] - float(text)) <= 0.5
        drawn += 1
    shown = regions[~regions["suppressed"] & regions["metric"].isin(set(barriers.values()))]
    assert drawn == len(shown)  # every shown cell drawn


# --------------------------------------------------------------------------- the attack finds leaks

def test_the_attack_finds_the_leaks_of_the_release_before_protection_intervals(default,
                                                                               monkeypatch):
    """Without the interval rule (the families' rule alone, every shown group's answers drawn),
    the default data gives back what the issue reported: growth "Other" of hidden countries
    within 2, and every benefit's "Strongly disagree" of hidden countries."""
    monkeypatch.setattr(intervals, "widen", lambda table, hidden, why, groups, answers, conditions,
                        policy, earlier=None, distributions=None, other_regions=(): (
                            np.zeros(len(table), bool) if distributions is None
                            else np.asarray(distributions, bool) & ~hidden))
    leaders, employers = default
    failures = {t.name for t in attacked([run("before", leaders, employers, DEFAULT)], leaders)
                .failures(WIDTH)}
    assert {"before: growth_other country Colombia",
            "before: growth_other country Canada"} <= failures
    assert any(name.endswith("= Strongly disagree") for name in failures)


@FULL
def test_the_attack_finds_a_second_scheme_not_protected_with_the_first(exports, default,
                                                                       monkeypatch):
    """A continent release made alone (as before), published beside the m49 one of the same
    respondents, gives back cells of the m49 one: the groups only the two together form."""
    monkeypatch.setattr(variants, "earlier", lambda scheme: [])
    leaders = exports("120 responses")
    pair = [run(s, under(leaders, s), default[1], Policy(20, 3), s)
            for s in region_schemes.REGION_SCHEMES]
    failures = [t.name for t in attacked(pair, leaders).failures(WIDTH)]
    assert "m49: offers_mc region Middle East and North Africa" in failures


def test_a_pair_or_combination_needs_no_wider_interval_than_its_options_counts_leave():
    """Two leaders of 41 chose "Other": a pair or combination with it holds 0, 1 or 2 whatever
    is released, which is all the rule asks (a 41-response export flagged such pairs)."""
    counts = {0: 30.0, 1: 2.0, 2: 25.0}
    assert attack._within(counts, (0, 1), 41.0) == 2  # at most 2, at least 30 + 2 - 41 < 0
    assert attack._within(counts, (0, 2), 41.0) == 25 - 14  # 30 + 25 overlap in 14 of 41
    assert attack._within(counts, (0, 1, 2), None) == 2
    assert attack._within(counts, (0, 3), 41.0) == float("inf")  # an option's count not shown
    pair = attack.Target("pair", {}, {}, "pair", ("r",), (30, 5), options_width=2)
    assert attack.required(pair, 3) == 2
