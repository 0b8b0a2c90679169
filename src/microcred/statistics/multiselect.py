"""Multi-select questions: which options come together. Shares are of respondents who answered
the question (they do not sum to 100%): the 0/1 matrix of choices, co-occurrence and lift, each
pair's lift with a design-based interval, and the options named per respondent."""

from __future__ import annotations

import numpy as np
import pandas as pd

from microcred.statistics import compare
from microcred.statistics.design import lift


def pair_lifts(x: pd.DataFrame, codes: np.ndarray, shown, level: float = 0.95) -> pd.DataFrame:
    """Every pair of 0/1 columns that `shown(i, j)` allows (the disclosure rules decide: see
    `release.selections.release_selections`), with its lift and interval, ranked by the interval's lower
    bound (a pair ranks high only if it comes together more than chance with confidence)."""
    columns, values = list(x.columns), x.to_numpy(dtype=float)
    rows = []
    for i, a in enumerate(columns):
        for j in range(i + 1, len(columns)):
            if shown(i, j):
                rows.append({"first": a, "second": columns[j], "n": len(x),
                             **lift(values[:, i], values[:, j], codes, level)})
    table = pd.DataFrame(rows, columns=["first", "second", "n", "count", "lift", "ci_low", "ci_high"])
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


def named_per_respondent(frame: pd.DataFrame, in_group: pd.Series, group: str,
                         level: float = 0.95) -> tuple[pd.DataFrame, dict]:
    """Options named per respondent, a group against the rest: each mean with its interval, and
    Welch's t-test of the difference."""
    count = frame["barriers_count"].astype(float)
    named = pd.DataFrame([{"group": group, **compare.mean_with_interval(count[in_group], level)},
                          {"group": "rest", **compare.mean_with_interval(count[~in_group], level)}])
    test = compare.compare_means(count, in_group) if in_group.any() and (~in_group).any() \
        else {"n_group": int(in_group.sum()), "mean_group": np.nan, "n_rest": int((~in_group).sum()),
              "mean_rest": np.nan, "diff": np.nan, "p_value": np.nan}
    named["p_value"] = test["p_value"]
    return named, test
