"""The claims of the published coverage about barriers, each with the numbers that test it; a
claim about a hidden group says it is not shown instead of giving a number."""

from __future__ import annotations

import pandas as pd

from microcred.release.policy import NOT_SHOWN


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
