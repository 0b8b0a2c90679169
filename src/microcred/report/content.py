"""What the report says, for every format alike: its title and sections, the headline findings
read from the tables, the methods and limitations (templates/report_text.j2), the transparency
statement, how many cells each table hides, and tables made readable (an interval beside its
estimate, p-values as a reader reads them)."""

from __future__ import annotations

import json
import re

import pandas as pd
from jinja2 import Environment, FileSystemLoader

from microcred.core import manifest, paths
from microcred.release.policy import NOT_SHOWN, Policy
from microcred.report import transparency
from microcred.statistics.composition import biggest_gap

SECTIONS = manifest.report_sections()

TITLE = ("For-credit micro-credentials: a re-analysis of the 2024 global survey of "
         "higher-education leaders")

INTERVALS = [("pct", "ci_low", "ci_high"), ("diff_pp", "diff_low", "diff_high"),
             ("mean", "ci_low", "ci_high"), ("reproduced", "ci_low", "ci_high")]


def readable(table: pd.DataFrame) -> pd.DataFrame:
    """Percent with one decimal and its interval in one cell; p-values to three digits."""
    out = table.copy()
    for center, low, high in INTERVALS:
        if {center, low, high} <= set(out.columns):
            c, lo, hi = (pd.to_numeric(out[k], errors="coerce") for k in (center, low, high))
            out[center] = [("" if pd.isna(a) else f"{a:.1f} [{b:.1f}, {d:.1f}]")
                           for a, b, d in zip(c, lo, hi)]
            out = out.drop(columns=[low, high])
    for column in out.columns:
        if column.startswith("p_"):
            p = pd.to_numeric(out[column], errors="coerce")
            out[column] = ["" if pd.isna(v) else ("<0.001" if v < 0.001 else f"{v:.3f}") for v in p]
        elif pd.api.types.is_float_dtype(out[column]):
            out[column] = out[column].map(lambda v: "" if pd.isna(v) else f"{v:.1f}")
    return out


def summary(provenance: dict) -> list[str]:
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
    items = [
        f"{provenance['valid_leaders']:,} valid leader responses from "
        f"{provenance['leaders']['records']:,} records; {provenance['valid_employers']:,} employers.",
        "Leaders whose institution offers micro-credentials: "
        f"{_share(overall, 'offers_mc', 'leaders')}; counted once per institution: "
        f"{_share(institutions, 'offers_mc', 'institutions')}.",
        f"Of leaders at offering institutions, those saying it awards credit for them: "
        f"{_share(overall, 'offers_credit', 'leaders')}; counted once per offering institution: "
        f"{_share(institutions, 'offers_credit', 'institutions')}.",
        f"Leaders planning for-credit micro-credentials within five years: "
        f"{_share(overall, 'plan_credit_5y', 'leaders')}; of leaders at non-offering institutions, "
        f"likely to adopt: {_share(overall, 'adopt_5y', 'leaders')}.",
        f"{f.group}'s leaders against all other leaders (not against a total that contains them): "
        f"their institution offers micro-credentials {f.pct_group:.1f}% vs {f.pct_rest:.1f}%, "
        f"a gap of {f.diff_pp:.1f} points [{f.diff_low:.1f}, {f.diff_high:.1f}], Holm-adjusted p = "
        f"{f.p_adjusted:.3f} ({_after_adjustment(f)} after adjustment for the headline family)."
        if pd.notna(f.diff_pp) and pd.notna(f.p_adjusted)
        else f"{f.group}'s leaders against all other leaders: {NOT_SHOWN}.",
        *[f"{r.claim} ({r.unit}): {r.evidence} ({_verdict(r.holds)})."
          for r in findings.itertuples()],
        *_rankings(comparison),
        _balanced(gap),
        *_not_sure(),
        *_equivalence(),
        transparency.design_effect_note(est, provenance["synthetic"]),
        transparency.reproduction_note(primary, provenance["synthetic"]),
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
    if pd.isna(holds) or holds == "":
        return "not shown"
    return "supported by its test" if holds in (True, "True") else "not supported by its test"


def subtitle(provenance: dict, params: dict) -> str:
    return (f"Leaders export {provenance['leaders']['file']} (sha256 "
            f"{provenance['leaders']['sha256'][:12]}); region scheme "
            f"{provenance['region_scheme']}; {params['confidence_level']:.0%} intervals.")


def methods(provenance: dict, params: dict) -> list[str]:
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
    return prose("limitations")


def prose(block: str, **values) -> list[str]:
    """The paragraphs of one block of templates/report_text.j2 with these values, as plain text
    (not autoescaped: the page escapes it once, the PDF gets it as data)."""
    env = Environment(loader=FileSystemLoader(paths.TEMPLATES), autoescape=False)
    text = getattr(env.get_template("report_text.j2").module, block)(**values)
    return [" ".join(line.strip() for line in paragraph.splitlines())
            for paragraph in re.split(r"\n\s*\n", text.strip())]


def statement_table(provenance: dict, params: dict) -> pd.DataFrame:
    return transparency.statement(
        transparency.load_metadata(), provenance, pd.read_csv(paths.TABLES / "dispositions.csv"),
        pd.read_csv(paths.TABLES / "weighting_diagnostics.csv", keep_default_na=False),
        pd.read_csv(paths.TABLES / "item_nonresponse.csv"), params["confidence_level"])


def hidden_counts() -> pd.DataFrame:
    """How many cells each table hides, as primary and as secondary suppression."""
    rows = []
    for path in sorted(paths.REPORT_TABLES.glob("*.hidden.json")):
        name = path.name.removesuffix(".hidden.json")
        if (paths.TABLES / f"{name}.csv").exists():
            counts = json.loads(path.read_text(encoding="utf-8"))
            if counts["primary"] or counts["secondary"]:
                rows.append({"output": f"tables/{name}.csv", "primary": counts["primary"],
                             "secondary": counts["secondary"]})
    return pd.DataFrame(rows, columns=["output", "primary", "secondary"])
