"""Multi-select questions: which options come together. Shares are of respondents who answered
the question (they do not sum to 100%): the 0/1 matrix of choices, co-occurrence and lift, each
pair's lift with a design-based interval, and the options named per respondent (a mean, with
institutions as clusters)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from microcred.statistics import compare
from microcred.statistics.design import SurveyDesign


def pair_lifts(x: pd.DataFrame, design: SurveyDesign, shown) -> pd.DataFrame:
    """Every pair of 0/1 columns that `shown(i, j)` allows (the disclosure rules decide: see
    `release.selections.release_selections`), with its lift and interval, ranked by the interval's
    lower bound (a pair ranks high only if it comes together more than chance with confidence).
    `design` is the subpopulation of the rows of `x`, in their order."""
    columns, values = list(x.columns), x.to_numpy(dtype=float)
    rows = []
    for i, a in enumerate(columns):
        for j in range(i + 1, len(columns)):
            if shown(i, j):
                rows.append({"first": a, "second": columns[j], "n": len(x),
                             **lift(values[:, i], values[:, j], design)})
    columns = ["first", "second", "n", "count", "lift", "ci_low", "ci_high"]
    table = pd.DataFrame(rows, columns=columns)
    table = table.sort_values(["ci_low", "lift"], ascending=False, kind="stable")
    return table.reset_index(drop=True)


def selections(frame: pd.DataFrame, metric_ids: list[str], question: str) -> pd.DataFrame:
    """0/1 matrix of the options, for respondents who answered the question."""
    answered = frame[f"{question}_answered"].astype(bool)
    return frame.loc[answered, metric_ids].fillna(False).astype(int)


def cooccurrence(x: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Pairwise counts C = XᵀX; conditional share P(column | row) = C / diag(C); and lift =
    P(A and B) / (P(A) P(B)), above 1 when two options come together more than by chance."""
    counts = x.T @ x
    diag = pd.Series(counts.values.diagonal(), index=counts.index)
    conditional = counts.div(diag.where(diag > 0), axis=0)
    p = diag / len(x)
    lift = (counts / len(x)).div(p.where(p > 0), axis=0).div(p.where(p > 0), axis=1)
    return {"counts": counts, "conditional": conditional, "lift": lift}


def lift(a: np.ndarray, b: np.ndarray, design: SurveyDesign) -> dict:
    """Lift P(A and B) / (P(A) P(B)) among the design's rows, with an interval from the
    linearised variance of its logarithm (delta method), institutions as clusters, on the rows'
    degrees of freedom (their institutions - 1)."""
    a, b = a.astype(float), b.astype(float)
    n, ab = len(a), a * b
    pa, pb, pab = a.mean(), b.mean(), ab.mean()
    out = {"count": int(ab.sum()), "lift": np.nan, "ci_low": np.nan, "ci_high": np.nan}
    if min(pa, pb, pab) == 0:
        return out
    z = (ab - pab) / (n * pab) - (a - pa) / (n * pa) - (b - pb) / (n * pb)
    se = np.sqrt(design.variance(z))
    log_lift = np.log(pab / (pa * pb))
    t = stats.t.ppf(0.5 + design.level / 2, design.degrees_of_freedom())
    return out | {"lift": float(np.exp(log_lift)), "ci_low": float(np.exp(log_lift - t * se)),
                  "ci_high": float(np.exp(log_lift + t * se))}


def named_per_respondent(design: SurveyDesign, column: str, in_group, group: str
                         ) -> tuple[pd.DataFrame, dict]:
    """Options named per respondent (`column`, e.g. barriers_count), a group against the rest,
    institutions as clusters like every share: each mean with its interval, and the test of
    the difference (`compare.compare_means`)."""
    count = design.data[column].astype(float).to_numpy()
    in_group = np.asarray(in_group, dtype=bool)
    named = pd.DataFrame([{"group": name, **compare.mean_with_interval(design, count, rows)}
                          for name, rows in ((group, in_group), ("rest", ~in_group))])
    test = compare.compare_means(design, count, in_group)
    named["p_value"] = test["p_value"]
    return named, test
