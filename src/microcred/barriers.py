"""Multi-select analysis: which options come together. Shares are of respondents who answered
the question (they do not sum to 100%)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import design
from .disclosure import NOT_SHOWN, Released, hide


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


def lift_intervals(x: pd.DataFrame, clusters: np.ndarray, released: Released,
                   level: float = 0.95) -> pd.DataFrame:
    """`design.pair_lifts` of the pairs `released` shows."""
    table = design.pair_lifts(x, clusters, released.shows_pair, level)
    table.attrs["hidden"] = released.hidden["pairs"]
    return table


def shown_lift(x: pd.DataFrame, released: Released) -> pd.DataFrame:
    """Lift of each pair of options, where `released` shows the pair (lift times the counts
    shown elsewhere would give a hidden pair's count back); never the diagonal (an option with
    itself says nothing)."""
    lift = cooccurrence(x)["lift"].copy()
    for i in range(x.shape[1]):
        for j in range(x.shape[1]):
            if not (i != j and released.shows_pair(i, j)):
                lift.iat[i, j] = np.nan
    lift.attrs["hidden"] = released.hidden["pairs"]  # for the methods section
    return lift


def combinations(x: pd.DataFrame, labels: dict[str, str], released: Released) -> pd.DataFrame:
    """The most common exact combinations chosen, as many as `released` lists."""
    codes = [code for code, _ in released.combinations]
    out = pd.DataFrame({
        "combination": [" + ".join(labels[c] for i, c in enumerate(x.columns) if code >> i & 1)
                        or "(none)" for code in codes],
        "count": [count for _, count in released.combinations]})
    out["pct"] = 100 * out["count"] / len(x)
    out["options"] = [bin(code).count("1") for code in codes]
    out.attrs["hidden"] = released.hidden["combinations"]
    return out


def named_per_respondent(frame: pd.DataFrame, in_group: pd.Series, group: str,
                         comparisons: pd.DataFrame, level: float = 0.95) -> tuple[pd.DataFrame, dict]:
    """Options named per respondent, a group against the rest (Welch's t-test). The group's mean
    times its n is the sum of its counts over the options, so it is shown only where the
    comparison of every option is shown."""
    from . import estimate

    count = frame["barriers_count"].astype(float)
    named = pd.DataFrame([{"group": group, **estimate.mean_with_interval(count[in_group], level)},
                          {"group": "rest", **estimate.mean_with_interval(count[~in_group], level)}])
    test = estimate.compare_means(count, in_group) if in_group.any() and (~in_group).any() \
        else {"n_group": int(in_group.sum()), "mean_group": np.nan, "n_rest": int((~in_group).sum()),
              "mean_rest": np.nan, "diff": np.nan, "p_value": np.nan}
    named["p_value"] = test["p_value"]
    if comparisons.empty or comparisons["pct_group"].isna().any():
        named = hide(named, [True, True])
        test = {k: (v if k.startswith("n_") else np.nan) for k, v in test.items()}
    return named, test


def findings(ranked: pd.DataFrame, named_test: dict, focus: pd.DataFrame, growth: pd.DataFrame,
             focus_country: str, labels: dict[str, str]) -> pd.DataFrame:
    """Each claim of the coverage with the numbers that test it; a claim about a hidden group
    says it is not shown instead of giving a number."""
    rows = []
    top = ranked.dropna(subset=["pct"]).head(3)
    rows.append({"claim": "Lack of awareness, curriculum integration and quality uncertainty lead",
                 **_finding(len(top) == 3 and len(ranked.dropna(subset=["pct"])) == len(ranked),
                            lambda: "; ".join(f"{r.label} {r.pct:.1f}% [{r.ci_low:.1f}, {r.ci_high:.1f}]"
                                              for r in top.itertuples()),
                            lambda: list(top["metric"]) == ["barrier_awareness", "barrier_curriculum",
                                                            "barrier_quality"])})
    t = named_test
    rows.append({"claim": f"{focus_country} leaders name more barriers than the rest",
                 **_finding(pd.notna(t["mean_group"]) and pd.notna(t["p_value"]),
                            lambda: f"{t['mean_group']:.2f} vs {t['mean_rest']:.2f} per respondent, "
                                    f"Welch p = {t['p_value']:.2g}",
                            lambda: t["diff"] > 0 and t["p_value"] < 0.05)})
    by_metric = focus.set_index("metric")
    for m in ("barrier_quality", "barrier_faculty"):
        r = by_metric.loc[m] if m in by_metric.index else None
        rows.append({"claim": f"{focus_country} leaders name {labels[m].lower()} more often",
                     **_comparison_finding(r)})
    g = growth.dropna(subset=["pct"])
    rows.append({"claim": "Career prospects lead the growth considerations of non-offering institutions",
                 **_finding(len(g) == len(growth) and len(g) > 0,
                            lambda: f"{g['pct'].iat[0]:.1f}% [{g['ci_low'].iat[0]:.1f}, "
                                    f"{g['ci_high'].iat[0]:.1f}], n={int(g['n'].iat[0]):,}",
                            lambda: g["metric"].iat[0] == "growth_career")})
    return pd.DataFrame(rows, columns=["claim", "evidence", "holds"])


def _comparison_finding(r) -> dict:
    if r is None or pd.isna(r.diff_pp):
        return {"evidence": NOT_SHOWN, "holds": None}
    return {"evidence": f"{r.pct_group:.1f}% vs {r.pct_rest:.1f}%, difference {r.diff_pp:.1f} pp "
                        f"[{r.diff_low:.1f}, {r.diff_high:.1f}], Holm p = {r.p_adjusted:.2g}",
            "holds": bool(r.diff_pp > 0 and r.p_adjusted < 0.05)}


def _finding(shown: bool, evidence, holds) -> dict:
    if not shown:
        return {"evidence": NOT_SHOWN, "holds": None}
    return {"evidence": evidence(), "holds": bool(holds())}
