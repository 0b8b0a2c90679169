"""Claims in words, each from the test that supports it and naming its unit (leaders,
institutions or employers): the claims of the published coverage about barriers with the numbers
that test them, and the wording of rankings. A ranking ("leads", "lowest") is claimed only with
its probability (`statistics.ranking`) and only where that probability reaches the confidence
level; below it, the extreme is described as what the sample shows. A claim about a hidden group
says it is not shown instead of giving a number."""

from __future__ import annotations

import pandas as pd

from microcred.release.policy import NOT_SHOWN
from microcred.report.formatting import p_in_words
from microcred.statistics.ranking import Ranking

COLUMNS = ["claim", "unit", "evidence", "test", "holds"]

RANKING_TEST = ("ranking: probability under the design-based sampling distribution (institutions "
                "as clusters), supported at the confidence level")


def extreme(order: Ranking, which: str, level: float, names: dict[str, str] | None = None) -> str:
    """The highest (or lowest) candidate of a ranking, its estimate and its probability of being
    the highest (lowest): "X (59%; probability 0.97 of being highest)" where the probability
    reaches `level`; "X in this sample (47%; probability 0.33 of being lowest: within sampling
    noise)" otherwise."""
    probabilities = order.p_highest() if which == "highest" else order.p_lowest()
    label = order.ordered()[0 if which == "highest" else -1]
    pct = 100 * order.estimates[order.labels.index(label)]
    name, p = (names or {}).get(label, label), probabilities[label]
    if p >= level:
        return f"{name} ({pct:.0f}%; probability {p:.2f} of being {which})"
    return (f"{name} in this sample ({pct:.0f}%; probability {p:.2f} of being {which}: "
            "within sampling noise)")


def findings(ranked: pd.DataFrame, barrier_order: Ranking | None, named_test: dict,
             focus: pd.DataFrame, growth: pd.DataFrame, growth_order: Ranking | None,
             focus_country: str, labels: dict[str, str], level: float) -> pd.DataFrame:
    """Each barrier claim of the coverage with its unit, the numbers that test it, the test and
    whether the test supports it (`holds`). `ranked` and `growth` are the released shares, the
    orders their rankings (None where a share is hidden: the ranking claim is then not shown)."""
    alpha = 1 - level
    rows = []
    top = ranked.dropna(subset=["pct"]).head(3)
    claimed = ["barrier_awareness", "barrier_curriculum", "barrier_quality"]
    rows.append({"claim": "Lack of awareness, curriculum integration and quality uncertainty lead",
                 "unit": "leaders who answered the barrier question", "test": RANKING_TEST,
                 **_finding(barrier_order is not None and len(top) == 3,
                            lambda: "; ".join(f"{r.label} {r.pct:.1f}% [{r.ci_low:.1f}, "
                                              f"{r.ci_high:.1f}]" for r in top.itertuples())
                            + "; probability these three are the three most named "
                              f"{barrier_order.p_top(claimed):.2f}",
                            lambda: list(top["metric"]) == claimed
                            and barrier_order.p_top(claimed) >= level)})
    t = named_test
    rows.append({"claim": f"{focus_country} leaders name more barriers than other leaders",
                 "unit": "leaders who answered the barrier question",
                 "test": "difference of two means, institutions as clusters, Satterthwaite's df",
                 **_finding(pd.notna(t["mean_group"]) and pd.notna(t["p_value"]),
                            lambda: f"{t['mean_group']:.2f} vs {t['mean_rest']:.2f} per leader, "
                                    f"difference {t['diff']:.2f} [{t['diff_low']:.2f}, "
                                    f"{t['diff_high']:.2f}], p {p_in_words(t['p_value'])}",
                            lambda: t["diff"] > 0 and t["p_value"] < alpha)})
    by_metric = focus.set_index("metric")
    for m in ("barrier_quality", "barrier_faculty"):
        r = by_metric.loc[m] if m in by_metric.index else None
        rows.append({"claim": f"{focus_country} leaders name {labels[m].lower()} more often than "
                              "other leaders",
                     "unit": "leaders who answered the barrier question",
                     "test": "difference of two shares, institutions as clusters, Holm-adjusted "
                             "across the barrier family",
                     **_comparison_finding(r, alpha)})
    g = growth.dropna(subset=["pct"])

    def first() -> float:  # asked only where the shares are shown
        return growth_order.p_highest()["growth_career"]

    rows.append({"claim": "Career prospects lead the growth considerations of leaders at "
                          "non-offering institutions",
                 "unit": "leaders at institutions not offering micro-credentials",
                 "test": RANKING_TEST,
                 **_finding(growth_order is not None and len(g) > 0,
                            lambda: f"{g['label'].iat[0]} {g['pct'].iat[0]:.1f}% "
                                    f"[{g['ci_low'].iat[0]:.1f}, {g['ci_high'].iat[0]:.1f}], "
                                    f"n={int(g['n'].iat[0]):,} leaders; probability career "
                                    f"prospects are the most named {first():.2f}",
                            lambda: g["metric"].iat[0] == "growth_career" and first() >= level)})
    return pd.DataFrame(rows, columns=COLUMNS)


def _comparison_finding(r, alpha: float) -> dict:
    if r is None or pd.isna(r.diff_pp) or pd.isna(r.p_adjusted):
        return {"evidence": NOT_SHOWN, "holds": None}
    return {"evidence": f"{r.pct_group:.1f}% vs {r.pct_rest:.1f}%, difference {r.diff_pp:.1f} pp "
                        f"[{r.diff_low:.1f}, {r.diff_high:.1f}], Holm p {p_in_words(r.p_adjusted)}",
            "holds": bool(r.diff_pp > 0 and r.p_adjusted < alpha)}


def _finding(shown: bool, evidence, holds) -> dict:
    if not shown:
        return {"evidence": NOT_SHOWN, "holds": None}
    return {"evidence": evidence(), "holds": bool(holds())}
