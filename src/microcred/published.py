"""Published figures against the pipeline's own estimates. The published values are read from
data/external/published_figures.csv and only ever compared; nothing computed reads them."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from . import design, estimate, paths
from .codebook import Codebook, Metric

ROUNDING = 0.5  # published percentages are whole numbers
# `within_rounding` says whether the published figure or claim is reproduced as published (on
# point estimates); `supported_by_equivalence_test` whether a "within X points" claim survives two
# one-sided tests at +-X points (empty where the claim is of another kind)
COLUMNS = ["figure_id", "label", "metric", "group_type", "group", "role", "trust_tier", "unit",
           "published", "reproduced", "ci_low", "ci_high", "n", "difference", "within_rounding",
           "claim", "supported_by_equivalence_test"]
WITHIN = re.compile(r"_within_(\d+(?:\.\d+)?)pp$")  # a claim "within X points" in a metric id
EQUIVALENCE_COLUMNS = ["figure_id", "metric", "label", "group", "n_group", "pct_group", "n_all",
                       "pct_all", "diff_pp", "ci90_low", "ci90_high", "margin_pp", "p_lower",
                       "p_upper", "p_tost", "equivalent"]


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
               difference=np.nan, within_rounding=None, claim="",
               supported_by_equivalence_test=None)
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
        if WITHIN.search(r.metric):
            tests = equivalence_tests(pd.DataFrame([r._asdict()]), leaders, employers, cb,
                                      cb_employers)
            row["supported_by_equivalence_test"] = bool(tests["equivalent"].all())
    return row


# Published readings the codebook has no metric for, read over a wider base: the metric, with
# its routing condition moved from the base into the numerator.
WIDER_BASE = {"offers_credit_all": "offers_credit"}  # L24-003-alt: credit as a share of all leaders


def _wider_base(frame: pd.DataFrame, metric: Metric) -> pd.Series:
    """1.0 where the routing holds and the metric counts; 0.0 where the routing question was
    answered otherwise; NaN where it was not answered, or held but the metric was skipped."""
    y = estimate.indicator(frame, metric)
    for column, value in metric.among:
        y = y.mask(frame[column].notna() & frame[column].ne(value), 0.0)
    return y


def _share(frame, cb, r, disclosure):
    known = {m.id for m in cb.metrics}
    if r.metric not in known | set(WIDER_BASE):
        return None
    if r.group_type == "country_offers_mc":
        country, offers = r.group.split("|")
        frame, by, group = frame[frame["offers_mc"].eq(offers)], "country", country
    else:
        by = None if r.group_type == "all" else r.group_type
        group = r.group
    indicators = None
    if r.metric in WIDER_BASE:
        inner = cb.metric(WIDER_BASE[r.metric])
        metric = [Metric(r.metric, inner.column, (), inner.numerator, r.label)]
        indicators = {r.metric: _wider_base(frame, inner)}
    else:
        metric = [cb.metric(r.metric)]
    table = estimate.shares(frame, metric, by, indicators=indicators, **disclosure)
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


def equivalence_tests(published: pd.DataFrame, leaders: pd.DataFrame, employers: pd.DataFrame,
                      cb: Codebook, cb_employers: Codebook, alpha: float = 0.05) -> pd.DataFrame:
    """For every claim "group within X points of the global averages": each item's difference,
    group minus everyone (the total the claim names, which contains the group: the linearised
    variance counts the overlap), its 1 - 2 alpha interval and two one-sided tests at +-X points.
    The claim is supported only if every item of its survey is equivalent. With institutions
    (leaders) the variance counts them as clusters. The interval columns are named for the usual
    alpha = 0.05 (a 90% interval)."""
    rows = []
    for r in published.itertuples():
        found = WITHIN.search(r.metric or "")
        if not found:
            continue
        margin = float(found.group(1)) / 100
        frame, book = (employers, cb_employers) if r.survey.startswith("employers") else (leaders, cb)
        codes = design.clusters(frame)
        in_group = frame["country"].eq(r.group).to_numpy()
        for metric in book.metrics:
            y = estimate.indicator(frame, metric).to_numpy()
            answered = ~np.isnan(y)
            d = design.difference(y, answered & in_group, answered, codes, 1 - 2 * alpha)
            test = design.equivalence(d["diff"], d["se"], d["df"], margin, alpha)
            rows.append({"figure_id": r.figure_id, "metric": metric.id, "label": metric.label,
                         "group": r.group, "n_group": int((answered & in_group).sum()),
                         "pct_group": 100 * d["p1"], "n_all": int(answered.sum()),
                         "pct_all": 100 * d["p2"], "diff_pp": 100 * d["diff"],
                         "ci90_low": 100 * test["low"], "ci90_high": 100 * test["high"],
                         "margin_pp": 100 * margin, "p_lower": test["p_lower"],
                         "p_upper": test["p_upper"], "p_tost": test["p_tost"],
                         "equivalent": test["equivalent"]})
    return pd.DataFrame(rows, columns=EQUIVALENCE_COLUMNS)
