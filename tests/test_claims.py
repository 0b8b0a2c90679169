"""Every claim the report makes, read back and checked against the table and the test it comes
from: the summary's sentences (report.content.summary), the barrier findings
(report.claims.findings, tables/barrier_findings.csv), every figure's title and the published-figure
verdicts. Each names its unit (leaders, institutions or employers); a ranking ("leads", "lowest")
comes with its probability, and is claimed only where the probability reaches the level."""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import pytest

from microcred.core import paths
from microcred.release.policy import NOT_SHOWN
from microcred.report import claims, content
from microcred.report.formatting import p_in_words
from microcred.statistics.ranking import Ranking
from microcred.survey.provenance import read_provenance

UNITS = re.compile(r"\b(leaders?|institutions?|employers?|records|published figures)\b",
                   re.IGNORECASE)
RANKING_WORDS = re.compile(r"\b(leads?|trails?|least|most|highest|lowest|top)\b", re.IGNORECASE)
LEVEL = 0.95


def table(name: str) -> pd.DataFrame:
    return pd.read_csv(paths.TABLES / f"{name}.csv")


def titles() -> dict[str, str]:
    found = {p.stem: json.loads(p.read_text(encoding="utf-8"))["title"]
             for p in sorted(paths.FIGURES.glob("*.json"))}
    assert found, "run `make report`"
    return found


def names_more(named: pd.DataFrame) -> bool:
    """Whether the focus group names significantly more barriers than the rest (row 0 vs 1)."""
    return bool(named["p_value"].iat[0] < 0.05 and named["mean"].iat[0] > named["mean"].iat[1])


@pytest.fixture(scope="module")
def summary() -> list[str]:
    if not paths.CLEAN_LEADERS.exists():
        pytest.skip("the summary reads the provenance of a run: `make report`")
    return [finding.text for finding in content.summary(read_provenance())]


def test_every_figure_title_names_its_unit_and_ranks_only_with_a_probability():
    for name, title in titles().items():
        assert UNITS.search(title), f"{name}: no unit in {title!r}"
        if RANKING_WORDS.search(title) and "nothing can be shown" not in title:
            assert "probability" in title or "interval" in title, \
                f"{name}: a ranking without its uncertainty"
        for p in re.findall(r"probability (\d\.\d\d) of being", title):
            lowered = title.lower()
            assert (float(p) >= LEVEL) or "within sampling noise" in lowered, name


def test_the_titles_numbers_are_those_of_their_tables():
    t = titles()
    focus = table("focus_region_vs_rest").dropna(subset=["p_adjusted"])
    k, n = map(int, re.search(r"on (\d+) of (\d+) headline", t["focus_region_forest"]).groups())
    assert (k, n) == (int((focus["p_adjusted"] < 0.05).sum()), len(focus))
    named = table("barriers_named_per_respondent").set_index("group")
    if named["mean"].isna().all():  # hidden (the sum of the group's barrier counts): no number
        assert "nothing can be shown" in t["barriers_focus_forest"]
    else:
        found = re.findall(r"(\d+\.\d) vs (\d+\.\d)", t["barriers_focus_forest"])[0]
        assert [float(v) for v in found] == pytest.approx(named["mean"].round(1).tolist())
        more = "name more barriers" in t["barriers_focus_forest"]
        assert more == names_more(named)
    estimates = table("estimates").query("metric == 'offers_mc' and group_type == 'region'")
    estimates = estimates.set_index("group")
    highest = re.search(r"highest (.+?)(?: in this sample)? \((\d+)%", t["adoption_by_region"])
    assert highest.group(1) == estimates["pct"].idxmax()
    assert int(highest.group(2)) == round(estimates["pct"].max())
    lowest = re.search(r"lowest (.+?)(?: in this sample)? \((\d+)%", t["adoption_by_region"])
    assert lowest.group(1) == estimates["pct"].idxmin()
    barriers = table("barriers_by_region").query("group_type == 'all'")
    share = int(re.search(r"\((\d+)%", t["barriers_ranked"]).group(1))
    assert share == round(barriers["pct"].max())
    published = table("published_vs_reproduced")
    percent = published[published["unit"].eq("percent") & published["role"].eq("primary")]
    assert t["published_vs_reproduced"].startswith(
        f"{int(percent['within_rounding'].astype(bool).sum())} of {len(percent)} published "
        f"percentages of leaders")
    gap = float(re.search(r"by up to (\d+\.\d) points", t["region_balanced"]).group(1))
    assert gap == pytest.approx(table("region_balanced")["difference"].abs().max(), abs=0.05)


def test_every_barrier_finding_names_its_unit_and_test_and_holds_as_its_test_says():
    findings = table("barrier_findings")
    assert findings["unit"].str.contains("leaders").all() and findings["test"].notna().all()
    focus = table("barriers_focus_vs_rest").set_index("metric")
    named = table("barriers_named_per_respondent")
    for r in findings.itertuples():
        if r.evidence == NOT_SHOWN:  # its numbers hidden: no verdict
            assert pd.isna(r.holds), r.claim
        elif "probability" in r.evidence:  # a ranking: supported only at the level
            p = float(re.search(r"probability [a-z ]+ (\d\.\d\d)", r.evidence).group(1))
            assert not r.holds or p >= LEVEL, r.claim
        elif "per leader" in r.evidence:
            assert r.holds == names_more(named), r.claim
        else:
            metric = next(m for m in focus.index if focus.at[m, "label"].lower() in r.claim)
            expected = focus.at[metric, "diff_pp"] > 0 and focus.at[metric, "p_adjusted"] < 0.05
            holm = f"Holm p {p_in_words(focus.at[metric, 'p_adjusted'])}"
            assert r.holds == expected and holm in r.evidence


def test_every_summary_sentence_names_its_unit_and_its_shares_are_the_tables(summary):
    for sentence in summary:
        assert UNITS.search(sentence) or sentence.startswith("Design effects"), sentence
        if RANKING_WORDS.search(sentence) and "probability" not in sentence:
            assert "Holm" in sentence or "lead" not in sentence.lower(), sentence
    levels = table("institution_vs_respondent").set_index(["level", "metric"])
    text = " ".join(summary)
    for (level, _), r in levels.iterrows():
        unit = "leaders" if level == "leaders" else "institutions"
        assert f"{r.pct:.1f}% [{r.ci_low:.1f}, {r.ci_high:.1f}] of {int(r.n):,} {unit}" in text
    # the example: award credit is 53.1% of 518 LEADERS, 51.3% of 421 INSTITUTIONS
    credit = next(s for s in summary if "awards credit" in s)
    assert re.search(r"of [\d,]+ leaders; counted once per offering institution: .* of [\d,]+ "
                     r"institutions", credit)


def test_the_summary_verdicts_are_the_tests(summary):
    findings = table("barrier_findings")
    for r in findings.itertuples():
        sentence = next(s for s in summary if s.startswith(r.claim))
        verdict = (f"{NOT_SHOWN}." if pd.isna(r.holds) else
                   "supported by its test; " if r.holds else "not supported by its test; ")
        assert sentence.startswith(f"{r.claim} ({r.unit}): {verdict}")
        assert sentence.count("not shown") <= 1, "said once"
    focus = table("focus_region_vs_rest").set_index("metric").loc["offers_mc"]
    sentence = next(s for s in summary if "against all other leaders" in s)
    assert ("no clear difference" in sentence) == bool(focus["p_adjusted"] >= 0.05)
    assert f"Holm-adjusted p {p_in_words(focus['p_adjusted'])}" in sentence


def test_a_published_ranking_within_noise_is_not_supported():
    """EU-004, "Europe the region least likely to offer": Europe is lowest in the point estimates
    (reproduced as published) but its probability of being lowest is far below the level."""
    published = table("published_vs_reproduced").set_index("figure_id")
    row = published.loc["EU-004"]
    assert row["within_rounding"] in (True, "True")
    assert row["supported_by_test"] in (False, "False") and "not supported" in row["claim"]
    p = float(re.search(r"lowest (\d\.\d\d)", row["claim"]).group(1))
    assert p < LEVEL


def test_an_extreme_is_claimed_only_at_the_level_and_described_otherwise():
    sure = Ranking(["a", "b"], np.array([0.6, 0.4]), np.tile([0.6, 0.4], (100, 1)))
    assert claims.extreme(sure, "highest", LEVEL) == "a (60%; probability 1.00 of being highest)"
    draws = np.array([[0.5, 0.49]] * 60 + [[0.49, 0.5]] * 40)
    unsure = Ranking(["a", "b"], np.array([0.5, 0.49]), draws)
    text = claims.extreme(unsure, "highest", LEVEL)
    assert "in this sample" in text and "within sampling noise" in text and "0.60" in text


def figure_texts() -> list[str]:
    """Every figure's title, caption and alt text, as the report prints them."""
    return [text for path in sorted(paths.FIGURES.glob("*.json"))
            for text in json.loads(path.read_text(encoding="utf-8")).values()]


def test_sentences_read_p_values_as_readers_do_and_carry_no_tags(summary):
    """"< 0.001" or two significant digits, never 7.3e-10; no "(holds)" after a finding."""
    texts = [*summary, *table("barrier_findings")["evidence"], *figure_texts()]
    assert not [t for t in texts if re.search(r"\de-\d", t) or "(holds)" in t]
