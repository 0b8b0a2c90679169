"""Published figures against the pipeline's own estimates. The published values are read from
data/external/published_figures.csv and only ever compared; nothing computed reads them."""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import estimate, paths
from .codebook import Codebook

ROUNDING = 0.5  # published percentages are whole numbers
COLUMNS = ["figure_id", "label", "metric", "group_type", "group", "role", "trust_tier", "unit",
           "published", "reproduced", "ci_low", "ci_high", "n", "difference", "within_rounding",
           "claim"]


def load(path=paths.PUBLISHED_FIGURES) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def in_scope(published: pd.DataFrame) -> pd.DataFrame:
    """Figures the pipeline can compute: a metric of the codebook or a count it defines."""
    return published[published["role"].isin(["primary", "alternative", "qualitative"])
                     & published["metric"].ne("")]


def compare(published: pd.DataFrame, leaders: pd.DataFrame, employers: pd.DataFrame,
            cb: Codebook, cb_employers: Codebook, region_order: list[str],
            level: float = 0.95, min_n: int = 0, min_institutions: int = 0) -> pd.DataFrame:
    """Each figure in scope against the pipeline's estimate; a group below the disclosure
    thresholds shows no reproduced value."""
    disclosure = {"level": level, "min_n": min_n, "min_institutions": min_institutions}
    rows = [_compare_one(r, leaders, employers, cb, cb_employers, region_order, disclosure)
            for r in in_scope(published).itertuples()]
    table = pd.DataFrame(rows, columns=COLUMNS)
    return table.astype({c: float for c in ("reproduced", "ci_low", "ci_high", "n", "difference")})


def _compare_one(r, leaders, employers, cb, cb_employers, regions, disclosure) -> dict:
    row = {c: getattr(r, c, "") for c in ("figure_id", "label", "metric", "group_type", "group",
                                          "role", "trust_tier", "unit")}
    row.update(published=r.value, reproduced=np.nan, ci_low=np.nan, ci_high=np.nan, n=np.nan,
               difference=np.nan, within_rounding=None, claim="")
    if r.unit == "percent":
        frame, book = (employers, cb_employers) if r.survey.startswith("employers") else (leaders, cb)
        est = _share(frame, book, r, disclosure)
        if est is not None and not est["suppressed"]:
            diff = est["pct"] - float(r.value)
            row.update(reproduced=est["pct"], ci_low=est["ci_low"], ci_high=est["ci_high"],
                       n=est["n"], difference=diff, within_rounding=abs(diff) <= ROUNDING)
    elif r.unit in ("count", "count_lower_bound"):
        value = _count(r, leaders, employers)
        ok = value >= int(r.value) if r.unit == "count_lower_bound" else value == int(r.value)
        row.update(reproduced=value, difference=value - int(r.value), within_rounding=ok)
    else:
        claim, holds = _qualitative(r, leaders, employers, cb, cb_employers, regions)
        row.update(claim=claim, within_rounding=holds)
    return row


def _share(frame, cb, r, disclosure):
    known = {m.id for m in cb.metrics}
    if r.metric not in known:
        return None
    metric = [cb.metric(r.metric)]
    if r.group_type == "country_offers_mc":
        country, offers = r.group.split("|")
        frame, by, group = frame[frame["offers_mc"].eq(offers)], "country", country
    else:
        by = None if r.group_type == "all" else r.group_type
        group = r.group
    table = estimate.shares(frame, metric, by, **disclosure)
    hit = table[table["group"] == group]
    return None if hit.empty else hit.iloc[0].to_dict()


def _count(r, leaders, employers) -> int:
    frame = leaders if r.group_type == "all" else leaders[leaders["country"] == r.group]
    return {"n_respondents": len(frame), "n_institutions": frame["inst_id"].nunique(),
            "n_countries": frame["iso3"].nunique(), "n_employers": len(employers)}[r.metric]


def _qualitative(r, leaders, employers, cb, cb_employers, regions) -> tuple[str, bool]:
    if r.metric == "country_ranking":
        top = leaders["country"].value_counts().sort_index().sort_values(ascending=False, kind="stable")
        named = [c.strip() for c in r.value.split(";") if c.strip()]
        ranked = list(top.index[: len(named)])
        return "; ".join(ranked), ranked == named
    if r.metric == "offers_mc_lowest_region":
        table = estimate.shares(leaders, [cb.metric("offers_mc")], "region", min_n=0,
                                min_institutions=0, groups=regions)
        lowest = table.sort_values("pct").iloc[0]
        return f"lowest: {lowest['group']} ({lowest['pct']:.1f}%)", lowest["group"] == r.group
    if r.metric == "employer_us_within_2pp":
        in_group = employers["country"].eq(r.group)
        gaps = []
        for metric in cb_employers.metrics:
            overall = estimate.indicator(employers, metric).mean()
            group = estimate.indicator(employers[in_group], metric).mean()
            gaps.append(abs(group - overall) * 100)
        return f"largest gap {max(gaps):.1f} pp", max(gaps) <= 2
    raise ValueError(f"no check defined for qualitative figure {r.figure_id} ({r.metric})")
