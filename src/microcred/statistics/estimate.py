"""Shares: for any metric over any grouping, its n, count, percent and a design-based interval
(institutions as clusters: the interval uses the effective sample size), and the answer
distribution of a question. Every function returns a tidy frame; nothing here prints, and
nothing here decides what may be shown (`release` does).

The intervals describe sampling precision only; the sample is opt-in and no interval covers
that selection."""

from __future__ import annotations

import numpy as np
import pandas as pd
from statsmodels.stats.proportion import proportion_confint

from microcred.statistics import design
from microcred.survey.codebook import Metric

ESTIMATE_COLUMNS = ["metric", "base", "group_type", "group", "n", "count", "pct", "ci_low",
                    "ci_high", "suppressed"]


# appended after the ten above, which keep their meaning: the design effect with institutions as
# clusters, the effective sample size n / deff, and the simple-random-sampling interval
DESIGN_COLUMNS = ["deff", "n_eff", "srs_ci_low", "srs_ci_high"]


def indicator(frame: pd.DataFrame, metric: Metric) -> pd.Series:
    """1.0 where a respondent is in the metric's numerator, 0.0 where only in its base, NaN
    outside the base. "Not sure" is in the base and not in the numerator."""
    in_base, hit = base_and_hit(frame, metric)
    return pd.Series(np.where(in_base, hit, np.nan), index=frame.index)


def base_and_hit(frame: pd.DataFrame, metric: Metric) -> tuple[np.ndarray, np.ndarray]:
    """Who is in the metric's base, and who would count in its numerator (booleans)."""
    in_base = np.ones(len(frame), dtype=bool)
    for column, value in metric.among:
        in_base &= frame[column].eq(value).fillna(False).to_numpy(bool)
    if metric.multi:
        in_base &= frame[f"{metric.multi}_answered"].to_numpy(bool)
        hit = frame[metric.column].fillna(False).to_numpy(bool)
    else:
        in_base &= frame[metric.column].notna().to_numpy()
        hit = frame[metric.column].isin(metric.numerator).to_numpy()
    return in_base, hit


def wilson_interval(count, n, level: float = 0.95):
    """Wilson score interval (as shares); statsmodels' default is Wald, so the method is named."""
    return proportion_confint(count, n, alpha=1 - level, method="wilson")


def shares(frame: pd.DataFrame, metrics: list[Metric], by: str | None = None,
           group_type: str = "all", level: float = 0.95, *, groups: list[str] | None = None,
           indicators: dict[str, pd.Series | design.Weights] | None = None) -> pd.DataFrame:
    """One row per metric x group, with n, count, percent and an interval on the effective
    sample size (institutions as clusters), then `DESIGN_COLUMNS`; `suppressed` is False here
    (the disclosure gate sets it: `release.tables.shares`). `indicators` may carry the metrics'
    indicator columns (or their `design.Weights`) already computed."""
    keys = frame[by] if by else pd.Series("All", index=frame.index)
    keys = keys if isinstance(keys.dtype, pd.CategoricalDtype) else keys.astype("category")
    codes, labels = keys.cat.codes.to_numpy(), list(keys.cat.categories)
    cells = design.Cells(codes, design.clusters(frame), len(labels))
    wanted = groups if groups is not None else ordered_groups(keys, labels)
    rows, variances = [], []
    for metric in metrics:
        est = cells.shares_of(weights(frame, metric, indicators))
        n, count = est["n"].astype(int), np.rint(est["count"]).astype(int)
        for group in wanted:
            g = labels.index(group) if group in labels else None
            n_g = int(n[g]) if g is not None else 0
            rows.append(_row(metric, group_type, group, n_g, int(count[g]) if n_g else 0))
            variances.append(est["variance"][g] if n_g else np.nan)
    table = with_wilson(pd.DataFrame(rows, columns=ESTIMATE_COLUMNS), level)
    return with_design(table, np.array(variances), level)


def weights(frame: pd.DataFrame, metric: Metric, indicators=None) -> design.Weights:
    """The metric's weights: given (found once for every grouping), from its indicator column
    given, or computed."""
    given = indicators.get(metric.id) if indicators else None
    if isinstance(given, design.Weights):
        return given
    return design.Weights.of((given if given is not None else indicator(frame, metric)).to_numpy())


def with_wilson(table: pd.DataFrame, level: float) -> pd.DataFrame:
    """The Wilson interval of every row with respondents, computed for all rows at once."""
    n, count = table["n"].to_numpy(), table["count"].to_numpy()
    some = n > 0
    if some.any():
        low, high = wilson_interval(count[some], n[some], level)
        table.loc[some, "ci_low"], table.loc[some, "ci_high"] = 100 * low, 100 * high
    return table


def with_design(table: pd.DataFrame, variances: np.ndarray, level: float) -> pd.DataFrame:
    """Append the design effect, n_eff and the SRS interval (the Wilson interval `with_wilson` gave),
    and replace the reported interval by Wilson on the effective sample size."""
    n, p = table["n"].to_numpy(float), table["pct"].to_numpy(float) / 100
    deff = design.design_effect(variances, p, n)
    low, high = design.effective_interval(p, n, deff, level)
    with np.errstate(divide="ignore", invalid="ignore"):
        n_eff = n / deff
    out = table.assign(deff=deff, n_eff=n_eff, srs_ci_low=table["ci_low"],
                       srs_ci_high=table["ci_high"])
    out["ci_low"], out["ci_high"] = 100 * low, 100 * high
    return out


def ordered_groups(keys: pd.Series, labels: list) -> list:
    """Groups present in the data, in the order of `labels`."""
    present = set(keys.dropna().unique())
    return [c for c in labels if c in present]


def _row(metric, group_type, group, n, count) -> dict:
    row = {"metric": metric.id, "base": metric.base, "group_type": group_type, "group": group,
           "n": n, "count": np.nan, "pct": np.nan, "ci_low": np.nan, "ci_high": np.nan,
           "suppressed": False}
    if n:  # the interval follows for all rows at once (with_wilson)
        row.update(count=count, pct=100 * count / n)
    return row


def metric_weights(frame: pd.DataFrame, metric: Metric) -> design.Weights:
    """The metric's indicator as weights: 0, 1 or outside the base, exact in float32 at half the
    memory of a million float64."""
    in_base, hit = base_and_hit(frame, metric)
    return design.Weights((in_base & hit).astype(np.float32), in_base)


def answer_distribution(frame: pd.DataFrame, metric: Metric, labels: list[str],
                        by: str | None = None) -> pd.DataFrame:
    """Counts of every answer label among the metric's base, per group (rows) and label."""
    base = indicator(frame, metric).notna()
    keys = frame.loc[base, by] if by else pd.Series("All", index=frame.index[base])
    table = pd.crosstab(keys, frame.loc[base, metric.column])
    return table.reindex(columns=labels, fill_value=0)
