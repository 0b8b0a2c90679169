"""The column dictionary: what every table in tables/ holds and what each of its columns means,
written once here; which notebook writes each table is read from pipeline.yaml. docs/columns.md
is generated from it and from the tables' own headers:

    python -m microcred.report.column_dictionary        # rewrite docs/columns.md

A description that states how a column follows from others (pct = count / n, a Korn-Graubard
interval on n_eff, diff_pp = pct_group - pct_rest, Holm over the table's family, ...) has a check
here (`CHECKS`) that recomputes the column from the others; tests/test_columns.py runs every check
on every table, and fails when a table has a column described nowhere, or the page is stale."""

from __future__ import annotations

import argparse
import csv
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from microcred.core import manifest, paths
from microcred.survey.codebook import load

DOCUMENT = paths.COLUMN_DICTIONARY

TABLES = {
    "dispositions": "How many records each validity rule removed, rule by rule and survey by "
                    "survey.",
    "estimates": "Every metric for all leaders, by region, by country and by whether the "
                 "institution offers micro-credentials (shares of leaders).",
    "benefit_answers": "Each five-point answer to the agreement items, overall and by region, "
                       "where the disclosure gate shows the group's whole distribution; what "
                       "figures/benefits_likert draws.",
    "focus_region_vs_rest": "The focus region's leaders against all other leaders on the headline "
                            "metrics (a family of planned comparisons, Holm).",
    "countries_vs_rest": "The leaders of each country with at least min_group_size of them against "
                         "all other leaders (a family of planned comparisons, Benjamini-Hochberg).",
    "employers_us_vs_rest": "Employers in the United States against employers elsewhere.",
    "institution_vs_respondent": "Institution facts counted once per institution beside the same "
                                 "metrics counted per leader.",
    "region_balanced": "Headline shares of leaders with every region weighted equally beside the "
                       "sample-weighted shares.",
    "published_vs_reproduced": "Each published figure in scope beside the pipeline's value, and "
                               "whether a ranking or a claim of similarity survives its test.",
    "barriers_by_region": "Share of leaders naming each barrier, for all and by region.",
    "barriers_by_situation": "Share of leaders naming each barrier by their institution's offer, "
                             "credit and type and by their role.",
    "barriers_focus_vs_rest": "The focus country's leaders against all other leaders on each "
                              "barrier (a family of planned comparisons, Holm).",
    "barriers_named_per_respondent": "How many barriers a leader names on average, the focus "
                                     "country against the rest (institutions as clusters).",
    "barrier_lift": "Lift between pairs of barriers: how much more often two are named together "
                    "than if they were independent.",
    "barrier_combinations": "The most common exact combinations of barriers named.",
    "non_offering": "Growth considerations and likelihood of adoption of leaders at institutions "
                    "that do not offer micro-credentials.",
    "barrier_findings": "The barrier claims of the published report, each with its unit, its "
                        "evidence, its test and whether the test supports it.",
    "barrier_lift_intervals": "Lift of each pair of barriers with its interval.",
    "equivalence_tests": "Equivalence tests of published \"within X points\" claims: a group "
                         "against everyone (the group included).",
    "item_nonresponse": "For each question, how many of those asked left it unanswered.",
    "not_sure_sensitivity": "Each metric with \"Not sure\" counted in the base (as published) and "
                            "left out of it.",
    "weighted_estimates": "Headline shares unweighted and weighted to a population frame, when one "
                          "is given.",
    "weighting_diagnostics": "The weights used (none by default), the frame and margins, and what "
                             "they cost in precision.",
}


def written_by(table: str) -> str:
    """The notebook that writes the table, as pipeline.yaml says."""
    return next((nb for nb in manifest.notebooks() if table in manifest.notebook(nb).tables), "")


COLUMNS = {
    # what is estimated, for whom
    "metric": "Metric id (docs/data-contract.md, section 4), or the published figure's measure.",
    "label": "The metric's (or figure's) short description in words.",
    "base": "Who is counted in the denominator, in words.",
    "group_type": "Kind of group: all, region, country or offers_mc (whether the institution "
                  "offers micro-credentials).",
    "group": "The group the row describes (All, a region, a country or an answer).",
    "situation": "The institution's situation the row describes, in words.",
    "level": "Counting unit: leaders (each leader once) or institutions (each institution once, "
             "its facts resolved from its leaders' answers).",
    "survey": "leaders or employers.",
    # shares and their intervals
    "n": "Leaders (institutions where the level says so, employers in the employer tables) in the "
         "base of the estimate; empty where a hidden cell's base is an answer to another question.",
    "count": "Of them, those in the numerator; empty where suppressed.",
    "pct": "count / n in percent; empty where suppressed.",
    "mean": "Mean of the counted quantity.",
    "ci_low": "Lower bound of the confidence interval of the row's estimate (pct, mean or "
              "reproduced), at the run's confidence level: for shares Korn and Graubard's "
              "interval, qbeta((1 - level) / 2, n_eff p, n_eff (1 - p) + 1) (as R's svyciprop, "
              "method beta; institutions as clusters); for means a t interval on df.",
    "ci_high": "Upper bound of the same interval.",
    "suppressed": "True where the group is below the disclosure thresholds (or hidden so that a "
                  "small group cannot be worked back); the values are then empty.",
    "deff": "Design effect: the share's variance with leaders clustered in institutions (each "
            "group a subpopulation of the design) over the simple-random-sampling variance "
            "p(1 - p) / (n - 1) (R's deff = \"replace\"); empty where every answer is alike.",
    "n_eff": "Effective sample size the interval uses: p(1 - p) / variance = (n - 1) / deff, times "
             "(t_{n-1} / t_df)^2 at (1 - level) / 2 (Korn and Graubard's degrees-of-freedom "
             "adjustment); above n where deff is below 1 (leaders of one institution disagreeing "
             "more than chance); n times that adjustment where every answer is alike.",
    "srs_ci_low": "Lower bound of the Clopper-Pearson interval of count in n, as if the leaders "
                  "were a simple random sample (no clustering), for comparison with ci_low.",
    "srs_ci_high": "Upper bound of the same simple-random-sampling interval.",
    # one group against the rest
    "n_group": "Leaders (employers) of the group in the metric's base; empty where a hidden cell's "
               "base is an answer to another question.",
    "pct_group": "The group's share, in percent.",
    "n_rest": "Leaders (employers) of everyone else in the metric's base.",
    "pct_rest": "Everyone else's share, in percent.",
    "diff_pp": "pct_group - pct_rest, in percentage points.",
    "diff_low": "Lower bound of the interval of diff_pp, from the same standard error as the test "
                "(so it excludes 0 exactly when p_value is below 1 - level).",
    "diff_high": "Upper bound of the same interval.",
    "diff_se": "Standard error of diff_pp: the linearised variance of the difference of the two "
               "groups' shares, each a subpopulation of one design, institutions as clusters (R's "
               "svycontrast).",
    "df": "Degrees of freedom. Of a share (estimate tables): the group's institutions - 1. Of a "
          "comparison: Satterthwaite's, from the two groups' variances and their degrees of "
          "freedom (each group's institutions - 1).",
    "p_value": "Two-sided p-value of the comparison, 2 P(T_df > |diff_pp / diff_se|), "
               "unadjusted; written with three significant digits.",
    "p_adjusted": "p_value adjusted over every comparison the table's family plans (declared in "
                  "the codebook), shown or not (see correction); empty where the comparison "
                  "setting it is hidden; three significant digits.",
    "adjusted_low": "Lower bound of diff_pp's interval at the level its adjustment implies, "
                    "1 - (1 - level) p_value / p_adjusted: it excludes 0 exactly where p_adjusted "
                    "is below 1 - level (the interval the forest plots draw; not simultaneous).",
    "adjusted_high": "Upper bound of the same adjusted interval.",
    "correction": "The adjustment: holm (family-wise error) or fdr_bh (Benjamini-Hochberg, false "
                  "discovery rate).",
    "cohens_h": "Effect size of the difference of two shares (Cohen's h).",
    # composition
    "raw_pct": "Share over the whole sample, in percent (weighted by the sample's composition).",
    "region_balanced_pct": "Mean of the regions' shares: every region weighted equally, in "
                           "percent.",
    "regions": "Regions with data behind region_balanced_pct.",
    "raw_low": "Lower bound of raw_pct's interval (effective sample size, institutions as "
               "clusters).",
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
    "holds": "Whether the claim's test (the test column) supports it; empty where the claim is "
             "about a hidden group.",
    "unit": "Who the claim counts: leaders (and which), institutions or employers.",
    "test": "The test that decides the claim.",
    # pairs of barriers
    "first": "One barrier of the pair.",
    "second": "The other barrier of the pair.",
    "lift": "P(both) / (P(first) P(second)): above 1 when the two are named together more often "
            "than by chance.",
    # equivalence
    "n_all": "Employers (or leaders) in the metric's base overall (the group included, as in the "
             "claim).",
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
    "margins": "The frame's variables whose margins the weights match, each separately (raking), "
               "never their cross-classification.",
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

    "published": "The value as published.",
    "reproduced": "The pipeline's value for the same figure.",
    "within_rounding": "Whether the reproduced value (or ranking, on point estimates) matches "
                       "the published one: within 0.5 points for a percentage.",
    "supported_by_test": "Whether the test a claim of its kind needs supports it: for \"within X "
                         "points\", two one-sided tests at margin X; for a ranking (\"least "
                         "likely\"), a probability of being the extreme group of at least the "
                         "confidence level. Empty for other figures and hidden groups.",
}

# Where a column means something more specific in one table.
IN_TABLE = {
    ("benefit_answers", "answer"): "One answer of the five-point scale.",
    ("benefit_answers", "count"): "Leaders of the group in the metric's base who gave this "
                                  "answer.",
    ("benefit_answers", "pct"): "count as a percentage of n.",
    ("barrier_combinations", "count"): "Respondents who named exactly this combination.",
    ("barrier_combinations", "pct"): "count as a percentage of respondents who answered the "
                                     "barrier question.",
    ("barrier_lift", "metric"): "The barrier of the row; each other column is the lift with the "
                                "barrier it names (P(both) / (P(row) P(column)); above 1: named "
                                "together more often than by chance).",
    ("barriers_named_per_respondent", "group"): "The focus country, or the rest of the sample.",
    ("barriers_named_per_respondent", "n"): "Leaders who answered the barrier question.",
    ("barriers_named_per_respondent", "mean"): "Mean number of barriers a leader named "
                                               "(institutions as clusters; the interval a t "
                                               "interval on the group's institutions - 1).",
    ("barriers_named_per_respondent", "p_value"): "p-value of the difference of the two means "
                                                  "(institutions as clusters, Satterthwaite's df).",
    ("equivalence_tests", "diff_pp"): "pct_group - pct_all: the group against everyone, the group "
                                      "included (as the claim reads), in percentage points.",
    ("published_vs_reproduced", "unit"): "Unit of the published value (percent, count, ranking).",
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


def _holds(expected, actual, tolerance: float = 2e-3) -> np.ndarray:
    """Rows where the column equals what its description says, to the CSV's three decimals
    (missing values on either side hold: a hidden or undefined cell)."""
    e, a = (pd.to_numeric(pd.Series(v), errors="coerce").to_numpy(float)
            for v in (expected, actual))
    return np.isnan(e) | np.isnan(a) | (np.abs(e - a) <= tolerance * np.maximum(1, np.abs(e)))


def _korn_graubard(t: pd.DataFrame, level: float, end: str) -> np.ndarray:
    p, n_eff = t["pct"].to_numpy(float) / 100, t["n_eff"].to_numpy(float)
    x, alpha = p * n_eff, 1 - level
    with np.errstate(invalid="ignore", divide="ignore"):
        if end == "low":
            value = np.where(p > 0, stats.beta.ppf(alpha / 2, x, n_eff - x + 1), 0.0)
        else:
            value = np.where(p < 1, stats.beta.ppf(1 - alpha / 2, x + 1, n_eff - x), 1.0)
    return 100 * value


def _clopper_pearson(t: pd.DataFrame, level: float, end: str) -> np.ndarray:
    count, n = t["count"].to_numpy(float), t["n"].to_numpy(float)
    alpha = 1 - level
    with np.errstate(invalid="ignore", divide="ignore"):
        if end == "low":
            value = np.where(count > 0, stats.beta.ppf(alpha / 2, count, n - count + 1), 0.0)
        else:
            value = np.where(count < n, stats.beta.ppf(1 - alpha / 2, count + 1, n - count), 1.0)
    return 100 * value


def _df_adjusted(t: pd.DataFrame, level: float) -> np.ndarray:
    n, deff, df = (t[c].to_numpy(float) for c in ("n", "deff", "df"))
    alpha = 1 - level
    with np.errstate(invalid="ignore", divide="ignore"):
        factor = (stats.t.ppf(alpha / 2, n - 1) / stats.t.ppf(alpha / 2, df)) ** 2
        return np.where(np.isfinite(deff), (n - 1) / deff, n) * factor


def _t_half(t: pd.DataFrame, level) -> np.ndarray:
    t_quantile = stats.t.ppf(0.5 + np.asarray(level) / 2, t["df"].to_numpy(float))
    return t_quantile * t["diff_se"].to_numpy(float)


def _adjusted_level(t: pd.DataFrame, level: float) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        return 1 - (1 - level) * t["p_value"].to_numpy(float) / t["p_adjusted"].to_numpy(float)


def _family_adjusted(t: pd.DataFrame) -> np.ndarray:
    """p_adjusted recomputed over the table's rows (its family's planned comparisons, where none
    is hidden: a hidden one's p-value is not in the table)."""
    from microcred.statistics.compare import adjust  # the report layer may read statistics

    if t["p_value"].isna().any() or t["p_adjusted"].isna().any() or t.empty:
        return t["p_adjusted"].to_numpy(float)
    return adjust(t["p_value"].astype(float), t["correction"].iat[0]).to_numpy()


Check = Callable[[pd.DataFrame, float], np.ndarray]

# How a column follows from the others, as its description says: the rows where it holds. Keyed
# by column, or by (table, column) where a table's column means something of its own.
CHECKS: dict[str | tuple[str, str], Check] = {
    "pct": lambda t, level: _holds(100 * t["count"] / t["n"], t["pct"]),
    "ci_low": lambda t, level: _holds(_korn_graubard(t, level, "low"), t["ci_low"]),
    "ci_high": lambda t, level: _holds(_korn_graubard(t, level, "high"), t["ci_high"]),
    "srs_ci_low": lambda t, level: _holds(_clopper_pearson(t, level, "low"), t["srs_ci_low"]),
    "srs_ci_high": lambda t, level: _holds(_clopper_pearson(t, level, "high"), t["srs_ci_high"]),
    "n_eff": lambda t, level: _holds(_df_adjusted(t, level), t["n_eff"]),
    "diff_pp": lambda t, level: _holds(t["pct_group"] - t["pct_rest"], t["diff_pp"]),
    "diff_low": lambda t, level: _holds(t["diff_pp"] - _t_half(t, level), t["diff_low"]),
    "diff_high": lambda t, level: _holds(t["diff_pp"] + _t_half(t, level), t["diff_high"]),
    "p_value": lambda t, level: _holds(2 * stats.t.sf(np.abs(t["diff_pp"] / t["diff_se"]), t["df"]),
                                       t["p_value"], 2e-2),
    "p_adjusted": lambda t, level: _holds(_family_adjusted(t), t["p_adjusted"], 2e-2),
    "adjusted_low": lambda t, level: _holds(t["diff_pp"] - _t_half(t, _adjusted_level(t, level)),
                                            t["adjusted_low"], 2e-2),
    "adjusted_high": lambda t, level: _holds(t["diff_pp"] + _t_half(t, _adjusted_level(t, level)),
                                             t["adjusted_high"], 2e-2),
    "cohens_h": lambda t, level: _holds(2 * np.arcsin(np.sqrt(t["pct_group"] / 100))
                                        - 2 * np.arcsin(np.sqrt(t["pct_rest"] / 100)),
                                        t["cohens_h"]),
    "not_sure_pct": lambda t, level: _holds(100 * t["not_sure"] / t["n_answered"],
                                            t["not_sure_pct"]),
    "missing": lambda t, level: _holds(t["asked"] - t["answered"], t["missing"]),
    "missing_pct": lambda t, level: _holds(100 * t["missing"] / t["asked"], t["missing_pct"]),
    "rows_out": lambda t, level: _holds(t["rows_in"] - t["removed"], t["rows_out"]),
    "weight_ratio": lambda t, level: _holds(t["weight_max"] / t["weight_min"], t["weight_ratio"]),
    "p_tost": lambda t, level: _holds(np.maximum(t["p_lower"], t["p_upper"]), t["p_tost"], 2e-2),
    "equivalent": lambda t, level: ((t["p_tost"] < 0.05).to_numpy()
                                    == t["equivalent"].astype(bool).to_numpy()),
    ("equivalence_tests", "diff_pp"): lambda t, level: _holds(t["pct_group"] - t["pct_all"],
                                                              t["diff_pp"]),
    ("region_balanced", "difference"): lambda t, level: _holds(
        t["region_balanced_pct"] - t["raw_pct"], t["difference"]),
    ("not_sure_sensitivity", "difference"): lambda t, level: _holds(
        t["pct_not_sure_out"] - t["pct_not_sure_in"], t["difference"]),
    ("weighted_estimates", "difference"): lambda t, level: _holds(
        t["weighted_pct"] - t["unweighted_pct"], t["difference"]),
    ("published_vs_reproduced", "difference"): lambda t, level: _holds(
        t["reproduced"] - pd.to_numeric(t["published"], errors="coerce"), t["difference"]),
    ("weighting_diagnostics", "n_eff"): lambda t, level: _holds(t["n"] / t["kish_deff"],
                                                                t["n_eff"]),
}

# columns whose own-table meaning has no general check to run
NO_GENERAL_CHECK = {("barrier_combinations", "pct"), ("weighted_estimates", "ci_low"),
                    ("weighted_estimates", "ci_high"), ("weighted_estimates", "n_eff"),
                    ("barrier_lift_intervals", "ci_low"), ("barrier_lift_intervals", "ci_high"),
                    ("barriers_named_per_respondent", "ci_low"),
                    ("barriers_named_per_respondent", "ci_high"),
                    ("published_vs_reproduced", "ci_low"), ("published_vs_reproduced", "ci_high"),
                    ("barriers_named_per_respondent", "p_value")}


def check_of(table: str, column: str) -> Check | None:
    """The check of a column of a table: the table's own, else the column's (unless the table's
    column means something else)."""
    if (table, column) in CHECKS:
        return CHECKS[(table, column)]
    return None if (table, column) in NO_GENERAL_CHECK else CHECKS.get(column)


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
    """Each metric's label by its id, from the leaders' codebook."""
    return {m.id: m.label for m in load("leaders").metrics}


def table_columns(folder: Path = paths.TABLES) -> dict[str, list[str]]:
    """Each table's columns, read from its header."""
    out = {}
    for path in sorted(folder.glob("*.csv")):
        with path.open(encoding="utf-8", newline="") as f:
            out[path.stem] = next(csv.reader(f))
    return out


def markdown(tables: dict[str, list[str]]) -> str:
    """docs/columns.md: every table's columns with their descriptions."""
    labels = metric_labels()
    lines = ["# Column dictionary", "",
             "Generated by `python -m microcred.report.column_dictionary` from "
             "`src/microcred/report/column_dictionary.py` and the "
             "tables' headers: do not edit by hand. Every table in `tables/` is tidy CSV (one row "
             "per observation, UTF-8, `.` as decimal separator; percentages are 0-100; empty cells "
             "are missing or suppressed values). The same rows are in `report/tables/*.md`.", ""]
    for name, columns in tables.items():
        writer = written_by(name)
        lines += [f"## `tables/{name}.csv`", "", TABLES.get(name, "(not described)")
                  + (f" Written by `{writer}`." if writer else ""), "",
                  "| column | meaning |", "|---|---|"]
        lines += [f"| `{c}` | {describe(c, labels, name) or '(not described)'} |" for c in columns]
        lines.append("")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    """Write docs/columns.md from the tables' headers
    (`python -m microcred.report.column_dictionary`)."""
    parser = argparse.ArgumentParser(description="write docs/columns.md from the column dictionary")
    parser.parse_args(argv)
    DOCUMENT.write_text(markdown(table_columns()), encoding="utf-8")


if __name__ == "__main__":
    main()
