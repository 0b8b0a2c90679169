"""What the report says, for every format alike: its title, the key findings read from the tables
(each naming the figures and tables that show its numbers), the methods and limitations
(templates/report_text.j2), the transparency statement and how many cells each table hides.
How it is laid out is `report.document`'s concern; how a table's numbers read,
`report.formatting`'s."""

from __future__ import annotations

import json
import re
from typing import NamedTuple

import pandas as pd
from jinja2 import Environment, FileSystemLoader

from microcred.core import manifest, paths
from microcred.release.gate import HIDDEN_BY
from microcred.release.policy import NOT_SHOWN, Policy
from microcred.report import transparency
from microcred.report.formatting import p_in_words
from microcred.statistics.composition import biggest_gap

SECTIONS = manifest.report_sections()

TITLE = ("For-credit micro-credentials: a re-analysis of the 2024 global survey of "
         "higher-education leaders")


class Finding(NamedTuple):
    """A key finding, and the figures and tables (by name) that show its numbers: the report
    links each to them by number."""

    text: str
    figures: tuple[str, ...] = ()
    tables: tuple[str, ...] = ()


def summary(provenance: dict) -> list[Finding]:
    """Headline findings, each with its numbers and its unit (leaders, institutions or
    employers), read from the tables; every claim in words comes from its test."""
    est = pd.read_csv(paths.TABLES / "estimates.csv")
    overall = est[est["group_type"].eq("all")].set_index("metric")
    levels = pd.read_csv(paths.TABLES / "institution_vs_respondent.csv")
    institutions = levels[levels["level"].eq("institutions")].set_index("metric")
    focus = pd.read_csv(paths.TABLES / "focus_region_vs_rest.csv").set_index("metric")
    findings = pd.read_csv(paths.TABLES / "barrier_findings.csv")
    comparison = pd.read_csv(paths.TABLES / "published_vs_reproduced.csv")
    balanced = pd.read_csv(paths.TABLES / "region_balanced.csv")

    f = focus.loc["offers_mc"]
    primary = comparison[comparison["role"].isin(["primary", "qualitative"])]
    gap = biggest_gap(balanced)
    left_out = provenance["employers"].get("left_out")
    items = [
        Finding(f"{provenance['valid_leaders']:,} valid leader responses from "
                f"{provenance['leaders']['records']:,} records; "
                + (f"{left_out}." if left_out else f"{provenance['valid_employers']:,} employers."),
                ("dispositions",), ("dispositions",)),
        Finding("Leaders whose institution offers micro-credentials: "
                f"{_share(overall, 'offers_mc', 'leaders')}; counted once per institution: "
                f"{_share(institutions, 'offers_mc', 'institutions')}.",
                ("adoption_by_region",), ("estimates", "institution_vs_respondent")),
        Finding("Of leaders at offering institutions, those saying it awards credit for them: "
                f"{_share(overall, 'offers_credit', 'leaders')}; counted once per offering "
                f"institution: {_share(institutions, 'offers_credit', 'institutions')}.",
                ("adoption_by_region",), ("estimates", "institution_vs_respondent")),
        Finding("Leaders planning for-credit micro-credentials within five years: "
                f"{_share(overall, 'plan_credit_5y', 'leaders')}; of leaders at non-offering "
                f"institutions, likely to adopt: {_share(overall, 'adopt_5y', 'leaders')}.",
                ("adoption_by_region",), ("estimates",)),
        Finding(f"{f.group}'s leaders against all other leaders (not against a total that contains "
                f"them): their institution offers micro-credentials {f.pct_group:.1f}% vs "
                f"{f.pct_rest:.1f}%, a gap of {f.diff_pp:.1f} points [{f.diff_low:.1f}, "
                f"{f.diff_high:.1f}], Holm-adjusted p {p_in_words(f.p_adjusted)} "
                f"({_after_adjustment(f)} after adjustment for the headline family)."
                if pd.notna(f.diff_pp) and pd.notna(f.p_adjusted)
                else f"{f.group}'s leaders against all other leaders: {NOT_SHOWN}.",
                ("focus_region_forest",), ("focus_region_vs_rest",)),
        *[Finding(f"{r.claim} ({r.unit}): {_verdict(r.holds)}{r.evidence}.",
                  tables=("barrier_findings",)) for r in findings.itertuples()],
        *[Finding(text, ("adoption_by_region",), ("published_vs_reproduced",))
          for text in _rankings(comparison)],
        Finding(_balanced(gap), ("region_balanced",), ("region_balanced",)),
        *[Finding(text, tables=("not_sure_sensitivity",)) for text in _not_sure()],
        *[Finding(text, tables=("equivalence_tests",)) for text in _equivalence()],
        Finding(transparency.design_effect_note(est, provenance["synthetic"]),
                tables=("estimates",)),
        Finding(transparency.reproduction_note(primary, provenance["synthetic"]),
                ("published_vs_reproduced",), ("published_vs_reproduced",)),
    ]
    return items


def _after_adjustment(comparison) -> str:
    """The verdict of an adjusted comparison: its adjusted interval excludes 0 or not."""
    excludes = comparison.adjusted_low > 0 or comparison.adjusted_high < 0
    return "a difference" if excludes else "no clear difference"


def _share(table: pd.DataFrame, metric: str, unit: str) -> str:
    """A share with its interval and its n in `unit`, or why it is not shown."""
    r = table.loc[metric]
    if pd.isna(r.pct):
        return f"{NOT_SHOWN} (n={int(r.n):,} {unit})" if pd.notna(r.n) else NOT_SHOWN
    return f"{r.pct:.1f}% [{r.ci_low:.1f}, {r.ci_high:.1f}] of {int(r.n):,} {unit}"


def _rankings(comparison: pd.DataFrame) -> list[str]:
    """Each published ranking claim with the verdict of its test (the probability that the
    group named is the extreme one)."""
    rankings = comparison[comparison["unit"].eq("ranking") & comparison["supported_by_test"].notna()
                          & ~comparison["metric"].str.contains("_within_")]  # those: _equivalence
    return [f"Published claim {r.figure_id} ({r.label}): {r.claim}." for r in rankings.itertuples()]


def _balanced(gap) -> str:
    if gap is None:
        return f"Region-balanced shares: {NOT_SHOWN}."
    return (f"Weighting each region equally moves headline shares of leaders by up to "
            f"{abs(gap.difference):.1f} points ({gap.label}: {gap.raw_pct:.1f}% raw, "
            f"{gap.region_balanced_pct:.1f}% balanced; difference {gap.difference:.1f} "
            f"[{gap.difference_low:.1f}, {gap.difference_high:.1f}]); equal regions cost a Kish "
            f"weighting design effect of {gap.kish_deff:.2f}.")


def _not_sure() -> list[str]:
    table = pd.read_csv(paths.TABLES / "not_sure_sensitivity.csv")
    return [f'"Not sure" in the base of {r.label.lower()}: {r.pct_not_sure_in:.1f}% with it '
            f"({r.not_sure_pct:.1f}% of {int(r.n_answered):,} {_unit(r.metric)} answered Not "
            "sure), "
            f"{r.pct_not_sure_out:.1f}% without."
            for r in table.dropna(subset=["pct_not_sure_in", "pct_not_sure_out"]).itertuples()]


def _unit(metric: str) -> str:
    return "employers" if metric.startswith("employer_") else "leaders"


def _equivalence() -> list[str]:
    table = pd.read_csv(paths.TABLES / "equivalence_tests.csv").dropna(subset=["diff_pp"])
    out = []
    for figure, rows in table.groupby("figure_id", sort=False):
        margin, unit = rows["margin_pp"].iat[0], _unit(rows["metric"].iat[0])
        items = "; ".join(f"{r.label.lower()} {r.diff_pp:+.1f} points, 90% interval "
                          f"[{r.ci90_low:.1f}, {r.ci90_high:.1f}]" for r in rows.itertuples())
        verdict = "supported" if rows["equivalent"].astype(bool).all() else "not supported"
        out.append(f"Published claim {figure} ({unit} in {rows['group'].iat[0]} within {margin:g} "
                   f"points of all {unit}' averages) is {verdict} by an equivalence test at "
                   f"±{margin:g} points ({items}), whatever the point estimates say.")
    return out


def _verdict(holds) -> str:
    """What the test says of a finding, before its evidence; nothing where it is not shown (the
    evidence then says so)."""
    if pd.isna(holds) or holds == "":
        return ""
    verdict = "supported" if holds in (True, "True") else "not supported"
    return f"{verdict} by its test; "


def subtitle(provenance: dict, params: dict) -> str:
    """The line under the title: which export, its hash, the region scheme, the interval level."""
    return (f"Leaders export {provenance['leaders']['file']} (sha256 "
            f"{provenance['leaders']['sha256'][:12]}); region scheme "
            f"{provenance['region_scheme']}; {params['confidence_level']:.0%} intervals.")


def methods(provenance: dict, params: dict) -> list[str]:
    """The methods section's paragraphs (and how the reconstruction was made, on synthetic
    data)."""
    text = []
    if provenance["synthetic"]:  # the reconstruction's own targets describe how it was made
        targets = pd.read_csv(paths.RECONSTRUCTION_TARGETS, keep_default_na=False)
        counts = targets["flag"].value_counts()
        text += prose("reconstruction", published=counts.get("published", 0),
                      assumed=counts.get("assumed", 0))
    return (text + prose("cleaning", speeder_fraction=provenance["speeder_fraction"])
            + prose("inference") + _weighting_method()
            + prose("disclosure", rule=Policy.from_params(params).rule))


def _weighting_method() -> list[str]:
    w = pd.read_csv(paths.TABLES / "weighting_diagnostics.csv", keep_default_na=False).iloc[0]
    if w["weighting"] == "unweighted":
        return prose("unweighted")
    return prose("weighted", margins=w["margins"], frame=w["frame"],
                 **{k: float(w[k]) for k in ("kish_deff", "n_eff", "weight_min", "weight_max")})


def limitations() -> list[str]:
    """The limitations section's paragraphs."""
    return prose("limitations")


def prose(block: str, **values) -> list[str]:
    """The paragraphs of one block of templates/report_text.j2 with these values, as plain text
    (not autoescaped: the page escapes it once, the PDF gets it as data)."""
    env = Environment(loader=FileSystemLoader(paths.TEMPLATES), autoescape=False)
    text = getattr(env.get_template("report_text.j2").module, block)(**values)
    return [" ".join(line.strip() for line in paragraph.splitlines())
            for paragraph in re.split(r"\n\s*\n", text.strip())]


def statement_table(provenance: dict, params: dict) -> pd.DataFrame:
    """The transparency statement from the run's dispositions, weighting and item non-response."""
    return transparency.statement(
        transparency.load_metadata(), provenance, pd.read_csv(paths.TABLES / "dispositions.csv"),
        pd.read_csv(paths.TABLES / "weighting_diagnostics.csv", keep_default_na=False),
        pd.read_csv(paths.TABLES / "item_nonresponse.csv"), params["confidence_level"])


def hidden_counts() -> pd.DataFrame:
    """How many cells each table hides, by the rule that hid them: primary suppression, the
    families' secondary suppression, and the protection intervals (cells hidden beyond the
    other two)."""
    rules = list(HIDDEN_BY)
    rows = []
    for path in sorted(paths.REPORT_TABLES.glob("*.hidden.json")):
        name = path.name.removesuffix(".hidden.json")
        if (paths.TABLES / f"{name}.csv").exists():
            counts = json.loads(path.read_text(encoding="utf-8"))
            if any(counts.get(rule, 0) for rule in rules):
                rows.append({"output": f"tables/{name}.csv",
                             **{rule: counts.get(rule, 0) for rule in rules}})
    return pd.DataFrame(rows, columns=["output", *rules])
