"""How the sample's make-up shapes the headline numbers: a region-balanced global share beside the
raw one, and each share with "Not sure" in and out of its base."""

from __future__ import annotations

import numpy as np
import pandas as pd

from microcred.statistics import design
from microcred.statistics.estimate import indicator, shares
from microcred.survey.codebook import Metric


def region_balanced(frame: pd.DataFrame, metric: Metric, regions: list[str],
                    level: float = 0.95) -> dict:
    """The global share with every region weighted equally (post-stratification to a frame of
    equal regions: the mean of the regional shares), beside the raw (sample-weighted) share, each
    with its interval, and their difference with its interval (institutions as clusters, one
    linearised standard error): how much the U.S./India-heavy sample shapes a headline number."""
    y = indicator(frame, metric).to_numpy()
    region = frame["region"].astype(object).to_numpy()
    base = ~np.isnan(y) & pd.Series(region).isin(regions).to_numpy()
    present = [r for r in regions if (base & (region == r)).any()]
    weights = np.zeros(len(y))
    for r in present:
        rows = base & (region == r)
        weights[rows] = 1 / (len(present) * rows.sum())
    codes = design.clusters(frame)
    raw = design.mean_influence(y, base)
    balanced = design.stratified_influence(y, base, region, weights)
    out = {"metric": metric.id, "n": int(base.sum()), "regions": len(present)}
    for name, (p, z) in {"raw": raw, "region_balanced": balanced}.items():
        deff = design.design_effect(design.cluster_variance(z, codes), p, base.sum())
        low, high = design.effective_interval(p, base.sum(), deff, level)
        out |= {f"{name}_pct": 100 * p, f"{name}_low": 100 * low, f"{name}_high": 100 * high}
    diff = balanced[0] - raw[0]
    se = np.sqrt(design.cluster_variance(balanced[1] - raw[1], codes))
    test = design.wald(diff, se, design.cluster_df(codes), level)
    out |= {"difference": 100 * diff, "difference_low": 100 * test["low"],
            "difference_high": 100 * test["high"], "kish_deff": design.kish_deff(weights[base])}
    return out


def not_sure_sensitivity(frame: pd.DataFrame, metrics: list[Metric], label: str = "Not sure",
                         level: float = 0.95) -> pd.DataFrame:
    """For every metric whose answers include "Not sure": how many answered it, and the share
    with "Not sure" in the base (as published) and out of it, each with its interval."""
    rows = []
    for m in metrics:
        if m.multi or label not in _labels(frame, m):
            continue
        with_unsure = indicator(frame, m)
        without = with_unsure.where(frame[m.column].astype(object).ne(label))
        both = {"in": with_unsure, "out": without}
        est = {k: shares(frame, [m], level=level, indicators={m.id: v}).iloc[0] for k, v in both.items()}
        unsure = int((frame[m.column].astype(object).eq(label) & with_unsure.notna()).sum())
        row = {"metric": m.id, "label": m.label, "n_answered": int(est["in"]["n"]),
               "not_sure": unsure, "not_sure_pct": 100 * unsure / max(int(est["in"]["n"]), 1)}
        for k, e in est.items():
            row |= {f"pct_not_sure_{k}": e["pct"], f"ci_low_not_sure_{k}": e["ci_low"],
                    f"ci_high_not_sure_{k}": e["ci_high"], f"n_not_sure_{k}": int(e["n"])}
        row["difference"] = row["pct_not_sure_out"] - row["pct_not_sure_in"]
        rows.append(row)
    return pd.DataFrame(rows)


def _labels(frame: pd.DataFrame, metric: Metric) -> set[str]:
    column = frame[metric.column]
    if isinstance(column.dtype, pd.CategoricalDtype):
        return set(column.cat.categories)
    return set(column.dropna().astype(str))


def biggest_gap(balanced: pd.DataFrame) -> pd.Series | None:
    """The headline metric whose region-balanced share moves most from the raw one."""
    shown = balanced.dropna(subset=["difference"]) if "difference" in balanced else balanced.iloc[:0]
    return None if shown.empty else shown.loc[shown["difference"].abs().idxmax()]
