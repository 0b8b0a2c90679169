"""Comparisons: a group against the rest of the sample (never against a total that contains it),
as the difference of two subpopulation means of one design, with one linearised standard error
for the test and the interval on Satterthwaite's degrees of freedom (`design.difference`);
multiplicity adjustment over a family of planned comparisons, with the interval each adjusted
p-value implies; means per respondent with their intervals."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.stats.proportion import proportion_effectsize

from microcred.statistics import intervals
from microcred.statistics.design import SurveyDesign, difference
from microcred.statistics.estimate import indicator
from microcred.survey.codebook import Codebook, Metric

COMPARISON_COLUMNS = ["group", "metric", "label", "n_group", "pct_group", "n_rest", "pct_rest",
                      "diff_pp", "diff_low", "diff_high", "diff_se", "df", "p_value", "cohens_h",
                      "p_adjusted", "correction", "adjusted_low", "adjusted_high"]


def compare_with_rest(design: SurveyDesign, metric: Metric, in_group) -> dict:
    """A group against everyone else in the metric's base: the difference in percentage points,
    a design-based t-test and its interval from one linearised standard error (each group a
    subpopulation of the design, institutions as clusters; R's `svycontrast`), so p < 1 - level
    exactly when the interval excludes 0, on Satterthwaite's degrees of freedom from the two
    groups' own institutions; and Cohen's h."""
    y = indicator(design.data, metric).to_numpy()
    answered, group = ~np.isnan(y), np.asarray(pd.Series(in_group).fillna(False), dtype=bool)
    first, second = answered & group, answered & ~group
    out = {"metric": metric.id, "n_group": int(first.sum()), "pct_group": np.nan,
           "n_rest": int(second.sum()), "pct_rest": np.nan, "diff_pp": np.nan, "diff_low": np.nan,
           "diff_high": np.nan, "diff_se": np.nan, "df": np.nan, "p_value": np.nan,
           "cohens_h": np.nan}
    if not (first.any() and second.any()):
        return out
    d = difference(design, y, first, second)
    out.update(pct_group=100 * d["p1"], pct_rest=100 * d["p2"], diff_pp=100 * d["diff"],
               diff_low=100 * d["low"], diff_high=100 * d["high"], diff_se=100 * d["se"],
               df=d["df"], p_value=d["p_value"],
               cohens_h=float(proportion_effectsize(d["p1"], d["p2"])))
    return out


@dataclass(frozen=True)
class Family:
    """A family of planned comparisons, declared once in the codebook (`comparison_families`):
    its metrics (a battery), the kind of group compared with the rest, and the correction
    applied over every comparison planned (holm: confirmatory; fdr_bh: exploratory)."""
    name: str
    metrics: tuple[Metric, ...]
    group_type: str
    correction: str


def family(cb: Codebook, name: str) -> Family:
    """The family of comparisons the codebook declares under `name`."""
    metrics, group_type, correction = cb.comparison_family(name)
    return Family(name, tuple(metrics), group_type, correction)


def compare_planned(design: SurveyDesign, family: Family, groups: list[str]) -> pd.DataFrame:
    """Every planned comparison of the family (each group against the rest, on each metric),
    with p-values adjusted over all of them, whatever is later shown: hiding a cell never
    changes another's adjusted p. Unprotected: released only through
    `release.tables.compare_family`, which also hides an adjusted p-value set by a hidden
    comparison's (`adjusted_by`, the row whose p-value sets each adjusted one)."""
    rows = []
    for group in groups:
        in_group = design.data[family.group_type].astype(object).eq(group).to_numpy()
        rows += [{"group": group, **compare_with_rest(design, m, in_group), "label": m.label}
                 for m in family.metrics]
    adjustment = ("p_adjusted", "correction", "adjusted_low", "adjusted_high")
    table = pd.DataFrame(rows, columns=[c for c in COMPARISON_COLUMNS if c not in adjustment])
    adjusted, by = adjust_with_sources(table["p_value"], family.correction)
    table["p_adjusted"], table["correction"] = adjusted, family.correction
    low, high = adjusted_intervals(table, 1 - design.level)
    table["adjusted_low"], table["adjusted_high"] = low, high
    table["adjusted_by"] = by
    return table


def adjust(p_values, method: str = "holm") -> pd.Series:
    """Holm (family-wise) or Benjamini-Hochberg ('fdr_bh', false discovery rate) adjusted
    p-values; missing ones stay missing and do not count in the family."""
    index = p_values.index if isinstance(p_values, pd.Series) else None  # a list has .index too
    return pd.Series(adjust_with_sources(p_values, method)[0], index=index)


def adjust_with_sources(p_values, method: str) -> tuple[np.ndarray, np.ndarray]:
    """Adjusted p-values (as statsmodels' `multipletests`) and, for each, the position of the
    p-value whose term sets it (itself wherever its own term gives the same value): Holm's
    adjusted p is the running maximum of (m - j + 1) p_(j) up to its rank, Benjamini-Hochberg's
    the running minimum of m p_(j) / j from the largest down to its rank, both capped at 1."""
    p = np.asarray(p_values, dtype=float)
    adjusted, source = np.full(len(p), np.nan), np.full(len(p), -1)
    tested = np.flatnonzero(~np.isnan(p))
    order = tested[np.argsort(p[tested], kind="stable")]
    m = len(order)
    better: np.ufunc  # which of two terms the running extreme keeps
    if method == "holm":
        terms, steps = (m - np.arange(m)) * p[order], range(m)
        better = np.greater
    elif method == "fdr_bh":
        terms, steps = p[order] / (np.arange(1, m + 1) / m), range(m - 1, -1, -1)
        better = np.less
    else:
        raise ValueError(f"unknown correction {method!r}: holm or fdr_bh")
    best = None
    for k in steps:  # the running maximum (Holm) or minimum (BH), remembering where it was set
        best = k if best is None or not better(terms[best], terms[k]) else best
        value = min(terms[best], 1.0)
        setter = k if min(terms[k], 1.0) == value else best
        adjusted[order[k]], source[order[k]] = value, order[setter]
    return adjusted, source


def adjusted_intervals(table: pd.DataFrame, alpha: float) -> tuple[np.ndarray, np.ndarray]:
    """Each difference's interval at the level its adjustment implies, 1 - alpha p / p_adjusted
    (the level of the same t-test with its p-value multiplied as the adjustment multiplies it):
    it excludes 0 exactly when p_adjusted < alpha, so a figure marking adjusted p-values draws
    the interval its marking uses. Not simultaneous intervals: each is one comparison's."""
    p, p_adj = table["p_value"].to_numpy(float), table["p_adjusted"].to_numpy(float)
    diff, se, df = (table[c].to_numpy(float) for c in ("diff_pp", "diff_se", "df"))
    with np.errstate(divide="ignore", invalid="ignore"):
        level = np.where(p_adj > 0, 1 - alpha * p / p_adj, 1 - alpha)
        half = stats.t.ppf(0.5 + level / 2, np.where(df > 0, df, np.nan)) * se
    return diff - half, diff + half


def mean_with_interval(design: SurveyDesign, y: np.ndarray, rows) -> dict:
    """A domain's mean (e.g. barriers named per respondent) with the t interval on its degrees
    of freedom (its institutions - 1), institutions as clusters (R's `svymean` and `confint`)."""
    rows = np.asarray(rows, dtype=bool) & ~np.isnan(np.asarray(y, dtype=float))
    if not rows.any():
        return {"n": 0, "mean": np.nan, "ci_low": np.nan, "ci_high": np.nan}
    mean = design.mean(y, rows)
    low, high = intervals.t_interval(mean.estimate, np.sqrt(mean.variance), mean.df, design.level)
    return {"n": mean.n, "mean": mean.estimate, "ci_low": low, "ci_high": high}


def compare_means(design: SurveyDesign, y: np.ndarray, in_group) -> dict:
    """A group's mean against the rest's: the difference of the two subpopulation means with
    one linearised standard error, as every other comparison (`design.difference`)."""
    y = np.asarray(y, dtype=float)
    answered, group = ~np.isnan(y), np.asarray(in_group, dtype=bool)
    first, second = answered & group, answered & ~group
    out = {"n_group": int(first.sum()), "mean_group": np.nan, "n_rest": int(second.sum()),
           "mean_rest": np.nan, "diff": np.nan, "diff_low": np.nan, "diff_high": np.nan,
           "se": np.nan, "df": np.nan, "p_value": np.nan}
    if first.any() and second.any():
        d = difference(design, y, first, second)
        out.update(mean_group=d["p1"], mean_rest=d["p2"], diff=d["diff"], diff_low=d["low"],
                   diff_high=d["high"], se=d["se"], df=d["df"], p_value=d["p_value"])
    return out
