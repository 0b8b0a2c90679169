"""Published figures against the pipeline's own estimates. The published values are read from
data/external/published_figures.csv and only ever compared; nothing computed reads them."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from microcred.core import paths
from microcred.release import tables
from microcred.release.gate import is_shown
from microcred.release.policy import NOT_SHOWN, Policy
from microcred.statistics import estimate, intervals, ranking
from microcred.statistics.design import SurveyDesign, difference
from microcred.survey.codebook import Codebook, Metric

ROUNDING = 0.5  # published percentages are whole numbers
# `within_rounding` says whether the published figure or claim is reproduced as published (on
# point estimates); `supported_by_test` whether a claim survives the test a claim of its kind
# needs: a "within X points" claim two one-sided tests at +-X points, a ranking ("least likely")
# a probability of at least the confidence level of being the extreme one (empty for other kinds)
COLUMNS = ["figure_id", "label", "metric", "group_type", "group", "role", "trust_tier", "unit",
           "published", "reproduced", "ci_low", "ci_high", "n", "difference", "within_rounding",
           "claim", "supported_by_test"]
WITHIN = re.compile(r"_within_(\d+(?:\.\d+)?)pp$")  # a claim "within X points" in a metric id
EQUIVALENCE_COLUMNS = ["figure_id", "metric", "label", "group", "n_group", "pct_group", "n_all",
                       "pct_all", "diff_pp", "ci90_low", "ci90_high", "margin_pp", "p_lower",
                       "p_upper", "p_tost", "equivalent"]


def load(path=paths.PUBLISHED_FIGURES) -> pd.DataFrame:
    """The published figures (data/external/published_figures.csv), every value as text."""
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def in_scope(published: pd.DataFrame) -> pd.DataFrame:
    """Figures the pipeline can compute: a metric of the codebook or a count it defines."""
    return published[published["role"].isin(["primary", "alternative", "qualitative"])
                     & published["metric"].ne("")]


def compare(published: pd.DataFrame, leaders: SurveyDesign, employers: SurveyDesign,
            cb: Codebook, cb_employers: Codebook, region_order: list[str],
            released: pd.DataFrame, released_employers: pd.DataFrame,
            policy: Policy) -> pd.DataFrame:
    """Each figure in scope against the pipeline's released estimate (`released` and
    `released_employers`, protected by the disclosure gate): a hidden group shows no reproduced
    value, and a claim about one says it is not shown."""
    context = {"leaders": leaders, "employers": employers, "cb": cb, "cb_employers": cb_employers,
               "regions": region_order, "released": released,
               "released_employers": released_employers, "policy": policy}
    rows = [_compare_one(r, context) for r in in_scope(published).itertuples()]
    table = pd.DataFrame(rows, columns=COLUMNS)
    return table.astype({c: float for c in ("reproduced", "ci_low", "ci_high", "n", "difference")})


def _compare_one(r, context) -> dict:
    row = {c: getattr(r, c, "") for c in ("figure_id", "label", "metric", "group_type", "group",
                                          "role", "trust_tier", "unit")}
    row.update(published=r.value, reproduced=np.nan, ci_low=np.nan, ci_high=np.nan, n=np.nan,
               difference=np.nan, within_rounding=None, claim="", supported_by_test=None)
    if r.unit == "percent":
        est = _share(r, context)
        if est is not None and not est["suppressed"]:
            diff = est["pct"] - float(r.value)
            row.update(reproduced=est["pct"], ci_low=est["ci_low"], ci_high=est["ci_high"],
                       n=est["n"], difference=diff, within_rounding=abs(diff) <= ROUNDING)
    elif r.unit in ("count", "count_lower_bound"):
        value = _count(r, context["leaders"], context["employers"])
        ok = value >= int(r.value) if r.unit == "count_lower_bound" else value == int(r.value)
        row.update(reproduced=value, difference=value - int(r.value), within_rounding=ok)
    else:
        claim, holds, supported = _qualitative(r, context)
        row.update(claim=claim, within_rounding=holds, supported_by_test=supported)
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


def _share(r, context):
    """The released estimate of the figure's group, or None where the pipeline has none."""
    employers = r.survey.startswith("employers")
    cb = context["cb_employers"] if employers else context["cb"]
    released = context["released_employers"] if employers else context["released"]
    if r.metric in WIDER_BASE and not employers:
        return _wider_share(r, context)
    if r.metric not in {m.id for m in cb.metrics}:
        return None
    hit = released[released["metric"].eq(r.metric) & released["group_type"].eq(r.group_type)
                   & released["group"].astype(str).eq(r.group)]
    if len(hit):
        return {**hit.iloc[0].to_dict(), "suppressed": not is_shown(released, r.metric,
                                                                     r.group_type, r.group)}
    design = context["employers"] if employers else context["leaders"]
    by = None if r.group_type == "all" else r.group_type
    table = tables.shares(design, [cb.metric(r.metric)], by, by or "all",
                          policy=context["policy"], groups=[r.group])
    # a group the released estimates do not list is shown only when small groups cannot be
    # worked back from it: below the size at which its group type is listed, it stays hidden
    return {**table.iloc[0].to_dict(), "suppressed": True}


def _wider_share(r, context):
    """A published reading over a wider base (all leaders): the whole sample only, under the
    primary rule (its count is the released count of the metric it widens)."""
    if r.group_type != "all":
        return None
    leaders, inner = context["leaders"], context["cb"].metric(WIDER_BASE[r.metric])
    metric = Metric(r.metric, inner.column, (), inner.numerator, r.label)
    table = tables.shares(leaders, [metric], None, "all", policy=context["policy"],
                          indicators={r.metric: _wider_base(leaders.data, inner)})
    return table.iloc[0].to_dict()


def _count(r, leaders: SurveyDesign, employers: SurveyDesign) -> int:
    frame = leaders.data
    rows = (np.ones(len(frame), bool) if r.group_type == "all"
            else frame["country"].eq(r.group).to_numpy())
    named = leaders.institutions[rows]
    return {"n_respondents": int(rows.sum()), "n_institutions": len(np.unique(named[named >= 0])),
            "n_countries": frame.loc[rows, "iso3"].nunique(),
            "n_employers": len(employers)}[r.metric]


def _qualitative(r, context) -> tuple[str, bool | None, bool | None]:
    """A qualitative claim: what the pipeline finds, whether the point estimates reproduce the
    claim, and whether the test a claim of its kind needs supports it (None: no such test)."""
    leaders = context["leaders"]
    if r.metric == "country_ranking":  # the sample's own make-up: a count, not an estimate
        top = leaders.data["country"].value_counts().sort_index()
        top = top.sort_values(ascending=False, kind="stable")
        named = [c.strip() for c in r.value.split(";") if c.strip()]
        ranked = list(top.index[: len(named)])
        return "; ".join(ranked), ranked == named, None
    if r.metric == "offers_mc_lowest_region":
        return _lowest_region(r, context)
    if r.metric == "employer_us_within_2pp":
        released = context["released_employers"]
        gaps = []
        for metric in context["cb_employers"].metrics:
            if not (is_shown(released, metric.id, "all", "All")
                    and is_shown(released, metric.id, "country", r.group)):
                return NOT_SHOWN, None, None
            rows = released[released["metric"].eq(metric.id)].set_index("group_type")
            gaps.append(abs(rows.at["country", "pct"] - rows.at["all", "pct"]))
        tests = equivalence_tests(pd.DataFrame([r._asdict()]), context["leaders"],
                                  context["employers"], context["cb"], context["cb_employers"])
        return f"largest gap {max(gaps):.1f} pp", max(gaps) <= 2, bool(tests["equivalent"].all())
    raise ValueError(f"no check defined for qualitative figure {r.figure_id} ({r.metric})")


def _lowest_region(r, context) -> tuple[str, bool | None, bool | None]:
    """"<region> is the region least likely to offer": the lowest share of leaders whose
    institution offers micro-credentials, and that region's probability of being the lowest
    (`statistics.ranking`); supported only where the probability reaches the confidence level."""
    released, regions = context["released"], context["regions"]
    if not all(is_shown(released, "offers_mc", "region", g) for g in regions):
        return NOT_SHOWN, None, None  # a ranking would place a hidden region
    leaders = context["leaders"]
    order = ranking.groups(leaders, context["cb"].metric("offers_mc"), "region", regions)
    lowest = order.ordered()[-1]
    probability = order.p_lowest()[r.group]
    supported = bool(probability >= leaders.level)
    share = 100 * order.estimates[order.labels.index(lowest)]
    claim = (f"lowest share of leaders: {lowest} ({share:.1f}%); "
             f"probability that {r.group} is lowest {probability:.2f}: "
             + ("supported" if supported else "not supported (within sampling noise)"))
    return claim, lowest == r.group, supported


def equivalence_tests(published: pd.DataFrame, leaders: SurveyDesign, employers: SurveyDesign,
                      cb: Codebook, cb_employers: Codebook, alpha: float = 0.05) -> pd.DataFrame:
    """For every claim "group within X points of the global averages": each item's difference,
    group minus everyone (the total the claim names, which contains the group: the linearised
    variance counts the overlap), its 1 - 2 alpha interval and two one-sided tests at +-X points,
    on the degrees of freedom of the group against the others (`design.difference`). The claim
    is supported only if every item of its survey is equivalent. With institutions (leaders) the
    variance counts them as clusters. The interval columns are named for the usual alpha = 0.05
    (a 90% interval)."""
    rows = []
    for r in published.itertuples():
        found = WITHIN.search(r.metric or "")
        if not found:
            continue
        margin = float(found.group(1)) / 100
        employer = r.survey.startswith("employers")
        design, book = (employers, cb_employers) if employer else (leaders, cb)
        in_group = design.data["country"].eq(r.group).to_numpy()
        for metric in book.metrics:
            y = estimate.indicator(design.data, metric).to_numpy()
            answered = ~np.isnan(y)
            d = difference(design, y, answered & in_group, answered, 1 - 2 * alpha)
            test = intervals.equivalence(d["diff"], d["se"], d["df"], margin, alpha)
            rows.append({"figure_id": r.figure_id, "metric": metric.id, "label": metric.label,
                         "group": r.group, "n_group": int((answered & in_group).sum()),
                         "pct_group": 100 * d["p1"], "n_all": int(answered.sum()),
                         "pct_all": 100 * d["p2"], "diff_pp": 100 * d["diff"],
                         "ci90_low": 100 * test["low"], "ci90_high": 100 * test["high"],
                         "margin_pp": 100 * margin, "p_lower": test["p_lower"],
                         "p_upper": test["p_upper"], "p_tost": test["p_tost"],
                         "equivalent": test["equivalent"]})
    return pd.DataFrame(rows, columns=EQUIVALENCE_COLUMNS)
