"""How the sample's make-up shapes the headline numbers: a region-balanced global share beside the
raw one, and each share with "Not sure" in and out of its base."""

from __future__ import annotations

import numpy as np
import pandas as pd

from microcred.statistics import intervals
from microcred.statistics.design import SurveyDesign, kish_deff, stratified_influence
from microcred.statistics.estimate import indicator, shares
from microcred.survey.codebook import Metric


def region_balanced(design: SurveyDesign, metric: Metric, regions: list[str]) -> dict:
    """The global share with every region weighted equally (post-stratification to a frame of
    equal regions: the mean of the regional shares), beside the raw (sample-weighted) share, each
    with its Korn-Graubard interval, and their difference with its interval (institutions as
    clusters, one linearised standard error), all on the degrees of freedom of the base's
    institutions: how much the U.S./India-heavy sample shapes a headline number."""
    frame = design.data
    y = indicator(frame, metric).to_numpy()
    region = frame["region"].astype(object).to_numpy()
    base = ~np.isnan(y) & pd.Series(region).isin(regions).to_numpy()
    present = [r for r in regions if (base & (region == r)).any()]
    weights = np.zeros(len(y))
    for r in present:
        rows = base & (region == r)
        weights[rows] = 1 / (len(present) * rows.sum())
    raw = design.mean(y, base)
    balanced = stratified_influence(y, base, region, weights)
    n, df = raw.n, raw.df
    out = {"metric": metric.id, "n": n, "regions": len(present)}
    for name, (p, z) in {"raw": (raw.estimate, raw.influence), "region_balanced": balanced}.items():
        _, low, high = intervals.korn_graubard(p, design.variance(z), n, df, design.level)
        out |= {f"{name}_pct": 100 * p, f"{name}_low": 100 * low, f"{name}_high": 100 * high}
    diff = balanced[0] - raw.estimate
    test = intervals.wald(diff, np.sqrt(design.variance(balanced[1] - raw.influence)), df,
                          design.level)
    out |= {"difference": 100 * diff, "difference_low": 100 * test["low"],
            "difference_high": 100 * test["high"], "kish_deff": kish_deff(weights[base])}
    return out


def not_sure_sensitivity(design: SurveyDesign, metrics: list[Metric],
                         label: str = "Not sure") -> pd.DataFrame:
    """For every metric whose answers include "Not sure": how many answered it, and the share
    with "Not sure" in the base (as published) and out of it, each with its interval."""
    frame, rows = design.data, []
    for m in metrics:
        if m.multi or label not in _labels(frame, m):
            continue
        with_unsure = indicator(frame, m)
        without = with_unsure.where(frame[m.column].astype(object).ne(label))
        both = {"in": with_unsure, "out": without}
        est = {k: shares(design, [m], indicators={m.id: v}).iloc[0] for k, v in both.items()}
        unsure = int((frame[m.column].astype(object).eq(label) & with_unsure.notna()).sum())
        row = {"metric": m.id, "label": m.label, "n_answered": int(est["in"]["n"]),
               "not_sure": unsure, "not_sure_pct": 100 * unsure / max(int(est["in"]["n"]), 1)}
        for k, e in est.items():
            row |= {f"pct_not_sure_{k}": e["pct"], f"ci_low_not_sure_{k}": e["ci_low"],
                    f"ci_high_not_sure_{k}": e["ci_high"], f"n_not_sure_{k}": int(e["n"])}
        row["difference"] = est["out"]["pct"] - est["in"]["pct"]
        rows.append(row)
    return pd.DataFrame(rows)


def _labels(frame: pd.DataFrame, metric: Metric) -> set[str]:
    column = frame[metric.column]
    if isinstance(column.dtype, pd.CategoricalDtype):
        return set(column.cat.categories)
    return set(column.dropna().astype(str))


def biggest_gap(balanced: pd.DataFrame) -> pd.Series | None:
    """The headline metric whose region-balanced share moves most from the raw one."""
    if "difference" not in balanced:
        return None
    shown = balanced.dropna(subset=["difference"])
    return None if shown.empty else shown.loc[shown["difference"].abs().idxmax()]
