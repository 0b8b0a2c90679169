"""The column dictionary: what every table in tables/ holds and what each of its columns means,
written once here. docs/columns.md is generated from it and from the tables' own headers:

    python -m microcred.report.column_dictionary        # rewrite docs/columns.md

tests/test_columns.py fails when a table has a column described nowhere, or the page is stale."""

from __future__ import annotations

import argparse
import csv
from pathlib import Path

from microcred.core import paths
from microcred.survey.codebook import load

DOCUMENT = paths.COLUMN_DICTIONARY

TABLES = {
    "dispositions": "How many records each validity rule removed, rule by rule and survey by survey "
                    "(written by 01_clean).",
    "estimates": "Every metric for everyone, by region, by country and by whether the institution "
                 "offers micro-credentials (02_regional_comparison).",
    "benefit_answers": "Each five-point answer to the agreement items, overall and by region, where "
                       "the disclosure gate shows the group's whole distribution; what "
                       "figures/benefits_likert draws (02_regional_comparison).",
    "focus_region_vs_rest": "The focus region against the rest of the sample on the headline metrics "
                            "(02_regional_comparison).",
    "countries_vs_rest": "Each country large enough to show against the rest of the sample "
                         "(02_regional_comparison).",
    "employers_us_vs_rest": "Employers in the United States against employers elsewhere "
                            "(02_regional_comparison).",
    "institution_vs_respondent": "Institution facts counted once per institution beside the same "
                                 "metrics counted per leader (02_regional_comparison).",
    "region_balanced": "Headline shares with every region weighted equally beside the sample-weighted "
                       "shares (02_regional_comparison).",
    "published_vs_reproduced": "Each published figure in scope beside the pipeline's value "
                               "(02_regional_comparison).",
    "barriers_by_region": "Share naming each barrier, for everyone and by region (03_barriers).",
    "barriers_by_situation": "Share naming each barrier by whether the institution offers "
                             "micro-credentials (03_barriers).",
    "barriers_focus_vs_rest": "The focus country against the rest of the sample on each barrier "
                              "(03_barriers).",
    "barriers_named_per_respondent": "How many barriers a respondent names on average, the focus "
                                     "country against the rest (03_barriers).",
    "barrier_lift": "Lift between pairs of barriers: how much more often two are named together "
                    "than if they were independent (03_barriers).",
    "barrier_combinations": "The most common exact combinations of barriers named (03_barriers).",
    "non_offering": "Growth considerations of institutions that do not offer micro-credentials "
                    "(03_barriers).",
    "barrier_findings": "The barrier claims of the published report, each with its evidence and "
                        "whether it holds (03_barriers).",
    "barrier_lift_intervals": "Lift of each pair of barriers with its interval (03_barriers).",
    "equivalence_tests": "Equivalence tests of published \"within X points\" claims: a group against "
                         "everyone (02_regional_comparison).",
    "item_nonresponse": "For each question, how many of those asked left it unanswered (01_clean).",
    "not_sure_sensitivity": "Each metric with \"Not sure\" counted in the base (as published) and "
                            "left out of it (02_regional_comparison).",
    "weighted_estimates": "Headline shares unweighted and weighted to a population frame, when one "
                          "is given (02_regional_comparison).",
    "weighting_diagnostics": "The weights used (none by default), the frame and margins, and what "
                             "they cost in precision (02_regional_comparison).",
}

COLUMNS = {
    # what is estimated, for whom
    "metric": "Metric id (docs/data-contract.md, section 4), or the published figure's measure.",
    "label": "The metric's (or figure's) short description in words.",
    "base": "Who is counted in the denominator, in words.",
    "group_type": "Kind of group: all, region, country or offers_mc (whether the institution offers "
                  "micro-credentials).",
    "group": "The group the row describes (All, a region, a country or an answer).",
    "situation": "The institution's situation the row describes, in words.",
    "level": "Counting unit: respondents (each leader) or institutions (each institution once).",
    "survey": "leaders or employers.",
    # shares and their intervals
    "n": "Respondents (or institutions) in the base of the estimate; empty where a hidden cell's base is an answer to another question.",
    "count": "Of them, those in the numerator; empty where suppressed.",
    "pct": "count / n in percent; empty where suppressed.",
    "mean": "Mean of the counted quantity.",
    "ci_low": "Lower bound of the confidence interval of the row's estimate (pct, mean or "
              "reproduced), at the run's confidence level: for shares a Wilson interval on the "
              "effective sample size n_eff (institutions as clusters), for means a t interval.",
    "ci_high": "Upper bound of the same interval.",
    "suppressed": "True where the group is below the disclosure thresholds (or hidden so that a "
                  "small group cannot be worked back); the values are then empty.",
    "deff": "Design effect: the share's variance with leaders clustered in institutions over its "
            "variance under simple random sampling.",
    "n_eff": "Effective sample size, n / deff (never above n); the interval uses it.",
    "srs_ci_low": "Lower bound of the Wilson interval as if the respondents were a simple random "
                  "sample (no clustering), for comparison with ci_low.",
    "srs_ci_high": "Upper bound of the same simple-random-sampling interval.",
    # one group against the rest
    "n_group": "Respondents of the group in the metric's base; empty where a hidden cell's base is an answer to another question.",
    "pct_group": "The group's share, in percent.",
    "n_rest": "Respondents of everyone else in the metric's base.",
    "pct_rest": "Everyone else's share, in percent.",
    "diff_pp": "pct_group - pct_rest, in percentage points.",
    "diff_low": "Lower bound of the interval of diff_pp, from the same standard error as the test "
                "(so it excludes 0 exactly when p_value is below 1 - level).",
    "diff_high": "Upper bound of the same interval.",
    "diff_se": "Standard error of diff_pp: Agresti-Caffo adjusted shares, each group's variance "
               "times its design effect (institutions as clusters).",
    "df": "Degrees of freedom of the t distribution the test and interval use (institutions - 1).",
    "p_value": "Two-sided p-value of the comparison (design-adjusted t-test for shares, Welch's "
               "t-test for means), unadjusted; written with three significant digits.",
    "p_adjusted": "p_value adjusted for multiple comparisons within the table's family (see "
                  "correction); three significant digits.",
    "correction": "The adjustment: holm (family-wise error) or fdr_bh (Benjamini-Hochberg, false "
                  "discovery rate).",
    "cohens_h": "Effect size of the difference of two shares (Cohen's h).",
    # composition
    "raw_pct": "Share over the whole sample, in percent (weighted by the sample's composition).",
    "region_balanced_pct": "Mean of the regions' shares: every region weighted equally, in percent.",
    "regions": "Regions with data behind region_balanced_pct.",
    "raw_low": "Lower bound of raw_pct's interval (effective sample size, institutions as clusters).",
    "raw_high": "Upper bound of raw_pct's interval.",
    "region_balanced_low": "Lower bound of region_balanced_pct's interval.",
    "region_balanced_high": "Upper bound of region_balanced_pct's interval.",
    "difference_low": "Lower bound of the interval of difference.",
    "difference_high": "Upper bound of the interval of difference.",
    "kish_deff": "Kish's design effect of the equal-region weights, 1 + CV(w)^2: the precision the "
                 "reweighting costs.",
    "difference": "The second value minus the first, as the table's own entry below says.",
    # barriers
    "combination": "An exact set of barriers named together ((none): no barrier).",
    "options": "Number of barriers in the combination.",
    "claim": "A claim of the published report, in words.",
    "evidence": "The estimates that bear on the claim, with their intervals.",
    "holds": "Whether the estimates support the claim.",
    # pairs of barriers
    "first": "One barrier of the pair.",
    "second": "The other barrier of the pair.",
    "lift": "P(both) / (P(first) P(second)): above 1 when the two are named together more often "
            "than by chance.",
    # equivalence
    "n_all": "Respondents in the metric's base overall (the group included, as in the claim).",
    "pct_all": "The overall share, in percent.",
    "ci90_low": "Lower bound of the 90% interval of diff_pp that the two one-sided tests use.",
    "ci90_high": "Upper bound of that 90% interval.",
    "margin_pp": "Equivalence margin in percentage points (the claim's \"within X points\").",
    "p_lower": "p-value of the one-sided test against diff_pp <= -margin_pp.",
    "p_upper": "p-value of the one-sided test against diff_pp >= margin_pp.",
    "p_tost": "The larger of p_lower and p_upper: equivalence is supported when it is below alpha.",
    "equivalent": "Whether the two one-sided tests support equivalence within the margin.",
    # item non-response
    "question": "Question id (docs/data-contract.md, section 1).",
    "asked": "Valid respondents the question was shown to (routing).",
    "answered": "Of them, those who answered.",
    "missing": "asked - answered.",
    "missing_pct": "missing / asked, in percent.",
    # "Not sure" sensitivity
    "n_answered": "Respondents who answered the question (\"Not sure\" included).",
    "not_sure": "Of them, those who answered \"Not sure\".",
    "not_sure_pct": "not_sure / n_answered, in percent.",
    "pct_not_sure_in": "The share with \"Not sure\" in the base (the published reading), percent.",
    "ci_low_not_sure_in": "Lower bound of that share's interval.",
    "ci_high_not_sure_in": "Upper bound of that share's interval.",
    "n_not_sure_in": "Base with \"Not sure\" included.",
    "pct_not_sure_out": "The share with \"Not sure\" left out of the base, in percent.",
    "ci_low_not_sure_out": "Lower bound of that share's interval.",
    "ci_high_not_sure_out": "Upper bound of that share's interval.",
    "n_not_sure_out": "Base without \"Not sure\".",
    # weighting
    "unweighted_pct": "The share without weights, in percent.",
    "weighted_pct": "The share with the weights of weighting_diagnostics, in percent.",
    "weighting": "Which weights: unweighted (the default) or raked to the given frame.",
    "frame": "The population frame file the weights were raked to (empty when unweighted).",
    "margins": "The frame's variables the weights match.",
    "weight_min": "Smallest weight.",
    "weight_max": "Largest weight.",
    "weight_ratio": "weight_max / weight_min.",
    # cleaning
    "step": "Order in which the rule is applied.",
    "rule": "The validity rule (docs/data-contract.md, section 2).",
    "rows_in": "Records before the rule.",
    "removed": "Records the rule removed (each in data/interim/rejected.csv with its reason).",
    "rows_out": "Records kept after the rule.",
    # published figures
    "figure_id": "Id of the published figure in data/external/published_figures.csv.",
    "role": "How the figure is used: primary, qualitative, or a comparison reading.",
    "trust_tier": "How directly the figure's source reports it (A is the most direct).",
    "unit": "Unit of the published value (percent, count, ...).",
    "published": "The value as published.",
    "reproduced": "The pipeline's value for the same figure.",
    "within_rounding": "Whether the reproduced value rounds to the published one.",
    "supported_by_equivalence_test": "For a published \"within X points\" claim, whether an "
                                     "equivalence test (two one-sided tests, margin X) supports "
                                     "it; empty for other figures.",
}

# Where a column means something more specific in one table.
IN_TABLE = {
    ("benefit_answers", "answer"): "One answer of the five-point scale.",
    ("benefit_answers", "count"): "Respondents of the group in the metric's base who gave this answer.",
    ("benefit_answers", "pct"): "count as a percentage of n.",
    ("barrier_combinations", "count"): "Respondents who named exactly this combination.",
    ("barrier_combinations", "pct"): "count as a percentage of respondents who answered the "
                                     "barrier question.",
    ("barrier_lift", "metric"): "The barrier of the row; each other column is the lift with the "
                                "barrier it names (P(both) / (P(row) P(column)); above 1: named "
                                "together more often than by chance).",
    ("barriers_named_per_respondent", "group"): "The focus country, or the rest of the sample.",
    ("barriers_named_per_respondent", "n"): "Respondents who answered the barrier question.",
    ("barriers_named_per_respondent", "mean"): "Mean number of barriers a respondent named.",
    ("region_balanced", "difference"): "region_balanced_pct - raw_pct, in percentage points.",
    ("published_vs_reproduced", "difference"): "reproduced - published.",
    ("published_vs_reproduced", "claim"): "For a qualitative figure, the published claim in words.",
    ("not_sure_sensitivity", "difference"): "pct_not_sure_out - pct_not_sure_in, in points.",
    ("weighted_estimates", "difference"): "weighted_pct - unweighted_pct, in percentage points.",
    ("weighted_estimates", "ci_low"): "Lower bound of weighted_pct's interval (effective sample "
                                      "size, institutions as clusters).",
    ("weighted_estimates", "ci_high"): "Upper bound of weighted_pct's interval.",
    ("weighted_estimates", "deff"): "Design effect of weighted_pct (clusters and weights).",
    ("weighted_estimates", "suppressed"): "True where a weighting class of the metric's base (its "
                                          "respondents sharing one weight) is under the disclosure "
                                          "thresholds: the row keeps its n and shows no values.",
    ("weighted_estimates", "note"): "Why a row shows no values (empty where it does).",
    ("weighting_diagnostics", "kish_deff"): "Kish's design effect of the weights, 1 + CV(w)^2.",
    ("weighting_diagnostics", "n_eff"): "n / kish_deff.",
    ("equivalence_tests", "figure_id"): "Id of the published claim in "
                                        "data/external/published_figures.csv.",
}

def describe(column: str, metric_labels: dict[str, str], table: str = "") -> str | None:
    """A column's description (the table's own first); a column named after a metric (the
    barrier_lift grid) is that metric's option."""
    if (table, column) in IN_TABLE:
        return IN_TABLE[(table, column)]
    if column in COLUMNS:
        return COLUMNS[column]
    if column in metric_labels:
        return f"Value for the option {metric_labels[column]!r} ({column})."
    return None


def metric_labels() -> dict[str, str]:
    return {m.id: m.label for m in load("leaders").metrics}


def table_columns(folder: Path = paths.TABLES) -> dict[str, list[str]]:
    """Each table's columns, read from its header."""
    out = {}
    for path in sorted(folder.glob("*.csv")):
        with path.open(encoding="utf-8", newline="") as f:
            out[path.stem] = next(csv.reader(f))
    return out


def markdown(tables: dict[str, list[str]]) -> str:
    labels = metric_labels()
    lines = ["# Column dictionary", "",
             "Generated by `python -m microcred.report.column_dictionary` from `src/microcred/report/column_dictionary.py` and the "
             "tables' headers: do not edit by hand. Every table in `tables/` is tidy CSV (one row "
             "per observation, UTF-8, `.` as decimal separator; percentages are 0-100; empty cells "
             "are missing or suppressed values). The same rows are in `report/tables/*.md`.", ""]
    for name, columns in tables.items():
        lines += [f"## `tables/{name}.csv`", "", TABLES.get(name, "(not described)"), "",
                  "| column | meaning |", "|---|---|"]
        lines += [f"| `{c}` | {describe(c, labels, name) or '(not described)'} |" for c in columns]
        lines.append("")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="write docs/columns.md from the column dictionary")
    parser.parse_args(argv)
    DOCUMENT.write_text(markdown(table_columns()), encoding="utf-8")


if __name__ == "__main__":
    main()
