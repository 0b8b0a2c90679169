"""Shares: for any metric over any grouping of a survey design, its n, count, percent and a
design-based interval (institutions as clusters; each group a subpopulation; Korn and Graubard's
interval on the group's degrees of freedom), and the answer distribution of a question. Every
function returns a tidy frame; nothing here prints, and nothing here decides what may be shown
(`release` does).

The intervals describe sampling precision only; the sample is opt-in and no interval covers
that selection."""

from __future__ import annotations

import numpy as np
import pandas as pd

from microcred.statistics.design import SurveyDesign, Weights, share_intervals
from microcred.survey.codebook import Metric

ESTIMATE_COLUMNS = ["metric", "base", "group_type", "group", "n", "count", "pct", "ci_low",
                    "ci_high", "suppressed"]


# appended after the ten above, which keep their meaning: the design effect with institutions as
# clusters, the effective sample size the interval uses, the simple-random-sampling interval, and
# the degrees of freedom (the group's institutions - 1)
DESIGN_COLUMNS = ["deff", "n_eff", "srs_ci_low", "srs_ci_high", "df"]


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


def shares(design: SurveyDesign, metrics: list[Metric], by: str | None = None,
           group_type: str = "all", *, groups: list[str] | None = None,
           indicators: dict[str, pd.Series | Weights] | None = None) -> pd.DataFrame:
    """One row per metric x group (each group a subpopulation of the design), with n, count,
    percent and the Korn-Graubard interval on the group's degrees of freedom, then
    `DESIGN_COLUMNS`; `suppressed` is False here (the disclosure gate sets it:
    `release.tables.shares`). `indicators` may carry the metrics' indicator columns (or their
    `Weights`) already computed."""
    codes, labels = design.grouping(by)
    grouped = design.grouped_shares(by)
    wanted = groups if groups is not None else [labels[i] for i in np.unique(codes[codes >= 0])]
    position = {g: i for i, g in enumerate(labels)}
    keys = ("metric", "n", "count", "p", "variance", "df")
    columns: dict[str, list] = {k: [] for k in keys}
    for metric in metrics:
        est = grouped.shares_of(weights(design.data, metric, indicators))
        for group in wanted:
            g = position.get(group)
            n_g = int(est["n"][g]) if g is not None else 0
            columns["metric"].append(metric)
            for key in ("n", "count", "p", "variance", "df"):
                value = est[key][g] if n_g else np.nan
                columns[key].append(n_g if key == "n" else value)
    return _table(columns, group_type, wanted * len(metrics), design.level)


def _table(columns: dict, group_type: str, groups: list, level: float) -> pd.DataFrame:
    """The estimates' rows from their metrics, groups and estimates, intervals for all at once."""
    n = np.asarray(columns["n"], dtype=int)
    p = np.asarray(columns["p"], dtype=float)
    design_values = share_intervals(p, np.asarray(columns["variance"], dtype=float), n,
                                           np.asarray(columns["df"], dtype=float), level)
    table = pd.DataFrame({
        "metric": [m.id for m in columns["metric"]], "base": [m.base for m in columns["metric"]],
        "group_type": group_type, "group": groups, "n": n,
        "count": np.rint(np.asarray(columns["count"], dtype=float)), "pct": 100 * p,
        "ci_low": 100 * design_values["ci_low"], "ci_high": 100 * design_values["ci_high"],
        "suppressed": False, "deff": design_values["deff"], "n_eff": design_values["n_eff"],
        "srs_ci_low": 100 * design_values["srs_ci_low"],
        "srs_ci_high": 100 * design_values["srs_ci_high"],
        "df": np.asarray(columns["df"], dtype=float)})
    return table[ESTIMATE_COLUMNS + DESIGN_COLUMNS]


def weights(frame: pd.DataFrame, metric: Metric, indicators=None) -> Weights:
    """The metric's weights: given (found once for every grouping), from its indicator column
    given, or computed."""
    given = indicators.get(metric.id) if indicators else None
    if isinstance(given, Weights):
        return given
    return Weights.of((given if given is not None else indicator(frame, metric)).to_numpy())


def ordered_groups(keys: pd.Series, labels: list) -> list:
    """Groups present in the data, in the order of `labels`."""
    present = set(keys.dropna().unique())
    return [c for c in labels if c in present]


def metric_weights(frame: pd.DataFrame, metric: Metric) -> Weights:
    """The metric's indicator as weights: 0, 1 or outside the base, exact in float32 at half the
    memory of a million float64."""
    in_base, hit = base_and_hit(frame, metric)
    return Weights((in_base & hit).astype(np.float32), in_base)


def answer_distribution(frame: pd.DataFrame, metric: Metric, labels: list[str],
                        by: str | None = None) -> pd.DataFrame:
    """Counts of every answer label among the metric's base, per group (rows) and label."""
    base = indicator(frame, metric).notna()
    keys = frame.loc[base, by] if by else pd.Series("All", index=frame.index[base])
    table = pd.crosstab(keys, frame.loc[base, metric.column])
    return table.reindex(columns=labels, fill_value=0)
