"""Multi-select analysis: which options come together. Shares are of respondents who answered
the question (they do not sum to 100%)."""

from __future__ import annotations

import pandas as pd


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


def combinations(x: pd.DataFrame, labels: dict[str, str], top: int, min_count: int) -> pd.DataFrame:
    """The most common exact combinations chosen; combinations chosen by fewer than `min_count`
    respondents are not listed (disclosure control)."""
    codes = sum(x[c].to_numpy().astype("int64") << i for i, c in enumerate(x.columns))
    counts = pd.Series(codes).value_counts(sort=False).sort_index()
    counts = counts.sort_values(ascending=False, kind="stable")  # ties in a fixed order
    names = [" + ".join(labels[c] for i, c in enumerate(x.columns) if code >> i & 1) or "(none)"
             for code in counts.index]
    table = pd.DataFrame({"combination": names, "count": counts.to_numpy()})
    table["pct"] = 100 * table["count"] / len(x)
    table["options"] = [bin(code).count("1") for code in counts.index]
    return table[table["count"] >= min_count].head(top).reset_index(drop=True)
