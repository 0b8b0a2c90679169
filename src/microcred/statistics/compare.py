"""Comparisons: a group against the rest of the sample (never against a total that contains it),
with one design-adjusted standard error for the test and the interval; multiplicity
adjustments; means with intervals and Welch's test of two means."""

from __future__ import annotations

import numpy as np
import pandas as pd
from statsmodels.stats.proportion import proportion_effectsize

from microcred.statistics import design
from microcred.statistics.estimate import indicator
from microcred.survey.codebook import Metric


def compare_with_rest(frame: pd.DataFrame, metric: Metric, in_group: pd.Series,
                      level: float = 0.95) -> dict:
    """A group against everyone else in the metric's base: difference in percentage points, and
    a design-adjusted Wald t-test with the interval from the same standard error (Agresti-Caffo
    adjusted shares, each group's variance times its design effect with institutions as
    clusters; see `design.group_difference`), so p < 1 - level exactly when the interval excludes
    0; and Cohen's h."""
    y = indicator(frame, metric).to_numpy()
    answered, group = ~np.isnan(y), in_group.fillna(False).to_numpy(bool)
    first, second = answered & group, answered & ~group
    out = {"metric": metric.id, "n_group": int(first.sum()), "pct_group": np.nan,
           "n_rest": int(second.sum()), "pct_rest": np.nan, "diff_pp": np.nan, "diff_low": np.nan,
           "diff_high": np.nan, "diff_se": np.nan, "df": np.nan, "p_value": np.nan,
           "cohens_h": np.nan}
    if not (first.any() and second.any()):
        return out
    d = design.group_difference(y, first, second, design.clusters(frame), level)
    out.update(pct_group=100 * d["p1"], pct_rest=100 * d["p2"], diff_pp=100 * d["diff"],
               diff_low=100 * d["low"], diff_high=100 * d["high"], diff_se=100 * d["se"],
               df=d["df"], p_value=d["p_value"],
               cohens_h=float(proportion_effectsize(d["p1"], d["p2"])))
    return out


def compare_family(frame: pd.DataFrame, metrics: list[Metric], in_group: pd.Series,
                   group_label: str, level: float = 0.95, correction: str | None = "holm") -> pd.DataFrame:
    """One group against the rest on a family of metrics, with corrected p-values (unprotected:
    released only through `release.tables.compare_group`). No correction when `correction` is
    None."""
    table = pd.DataFrame([compare_with_rest(frame, m, in_group, level) for m in metrics])
    table.insert(0, "group", group_label)
    table.insert(2, "label", [m.label for m in metrics])
    table["p_adjusted"] = adjust(table["p_value"], correction) if correction else np.nan
    table["correction"] = correction or ""
    return table


COMPARISON_COLUMNS = ["group", "metric", "label", "n_group", "pct_group", "n_rest", "pct_rest",
                      "diff_pp", "diff_low", "diff_high", "p_value", "cohens_h", "p_adjusted",
                      "correction"]


def adjust(p_values: pd.Series, method: str = "holm") -> pd.Series:
    """Holm (family-wise) or Benjamini-Hochberg ('fdr_bh', false discovery rate) adjustment."""
    from statsmodels.stats.multitest import multipletests  # slow to import; tests only

    p = pd.Series(p_values, dtype=float)
    out = pd.Series(np.nan, index=p.index)
    ok = p.notna()
    if ok.any():
        out[ok] = multipletests(p[ok], method=method)[1]
    return out


def mean_with_interval(values: pd.Series, level: float = 0.95) -> dict:
    """Mean with a t interval (for counts such as barriers named per respondent)."""
    from scipy import stats

    v = values.dropna().astype(float)
    n, mean = len(v), v.mean()
    half = stats.t.ppf(0.5 + level / 2, n - 1) * v.std(ddof=1) / np.sqrt(n) if n > 1 else np.nan
    return {"n": n, "mean": mean, "ci_low": mean - half, "ci_high": mean + half}


def compare_means(values: pd.Series, in_group: pd.Series) -> dict:
    """Welch's t-test of a group's mean against the rest's."""
    from scipy import stats

    g, r = values[in_group].dropna().astype(float), values[~in_group].dropna().astype(float)
    test = stats.ttest_ind(g, r, equal_var=False)
    return {"n_group": len(g), "mean_group": g.mean(), "n_rest": len(r), "mean_rest": r.mean(),
            "diff": g.mean() - r.mean(), "p_value": float(test.pvalue)}
