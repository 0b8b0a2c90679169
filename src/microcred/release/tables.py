"""The released tables: every estimate the notebooks show, computed by the estimators and
protected by the gate together (primary and secondary suppression across all the families they
show, so both analysis notebooks hide the same cells); the families of comparisons with the rest,
adjusted over every comparison planned and shown where the gate shows the group; the weighted,
"Not sure" and named-per-respondent tables, each hidden where its groups are too small. Each
takes the survey design (`statistics.design.SurveyDesign`), the table it protects and the
policy."""

from __future__ import annotations

from functools import partial

import numpy as np
import pandas as pd

from microcred.core import paths
from microcred.core.parallel import in_parallel
from microcred.release import gate
from microcred.release.policy import CLASS_NOT_SHOWN, Policy
from microcred.statistics import compare, composition, estimate, multiselect, weighting
from microcred.statistics.compare import Family
from microcred.statistics.design import SurveyDesign
from microcred.statistics.estimate import indicator
from microcred.survey.codebook import Codebook, Metric

ESTIMATE_GROUP_TYPES = ("all", "region", "country", "offers_mc")

SITUATIONS = {"offers_mc": "Offers micro-credentials", "offers_credit": "Awards credit",
              "inst_type": "Institution type", "role": "Role"}  # barriers by situation


def shares(design: SurveyDesign, metrics: list[Metric], by: str | None = None,
           group_type: str = "all", *, policy: Policy, groups: list[str] | None = None,
           indicators=None) -> pd.DataFrame:
    """`estimate.shares` with the gate's primary suppression: a group too small under `policy`
    in a metric's base keeps its n and loses every value (the secondary suppression needs every
    table: `release_table`)."""
    table = estimate.shares(design, metrics, by, group_type, groups=groups, indicators=indicators)
    bases = {m.id: estimate.weights(design.data, m, indicators).base for m in metrics}
    return gate.primary(table, design.keys([by] if by else []), by, policy, bases)


def release_table(design: SurveyDesign, cb: Codebook, region_order: list[str],
                  policy: Policy) -> pd.DataFrame:
    """Every estimate any notebook releases, protected together (primary and secondary
    suppression across all the families they show): every metric for all, by region, by country
    (countries with at least `min_group_size` respondents) and by the institution's offer (where
    the base allows); the barriers also by the credit question, institution type and role.
    tables/estimates.csv is its first four group types."""
    metrics, frame = cb.metrics, design.data
    groupings = [c for c in ["region", "country", *SITUATIONS] if c in frame]
    # 0, 1 or missing: exact in float32, at half the memory of a million float64 per metric;
    # as weights, found once for all groupings (with the groupings' keys, on every core)
    *weights, keys = in_parallel([*[partial(estimate.metric_weights, frame, m) for m in metrics],
                                  partial(design.keys, groupings)])
    indicators = {m.id: w for m, w in zip(metrics, weights)}
    kw = dict(policy=policy, indicators=indicators)
    countries = planned_countries(frame, policy)
    open_base = [m for m in metrics if "offers_mc" not in dict(m.among) and m.id != "offers_mc"]
    barrier_metrics = cb.metrics_of("barriers")
    parts = in_parallel([
        partial(shares, design, metrics, **kw),
        partial(shares, design, metrics, "region", "region", groups=region_order, **kw),
        partial(shares, design, metrics, "country", "country", groups=countries, **kw),
        partial(shares, design, open_base, "offers_mc", "offers_mc",
                groups=cb.labels("offers_mc"), **kw),
        *[partial(shares, design, barrier_metrics, column, column, **kw,
                  groups=estimate.ordered_groups(frame[column], cb.labels(column)))
          for column in SITUATIONS if column != "offers_mc"],
    ])
    bases = {k: v.base for k, v in indicators.items()}
    return gate.protect(pd.concat(parts, ignore_index=True), keys, policy, bases,
                        gate.conditional_parents(metrics))


def planned_countries(frame: pd.DataFrame, policy: Policy) -> list[str]:
    """The countries estimated and compared with the rest: those with at least `min_group_size`
    respondents (whether the gate then shows them or not)."""
    large = frame["country"].value_counts()
    return sorted(large[large >= max(policy.min_group_size, 1)].index)


def estimates_table(released: pd.DataFrame) -> pd.DataFrame:
    """tables/estimates.csv: the released estimates of all, regions, countries and offer groups."""
    return released[released["group_type"].isin(ESTIMATE_GROUP_TYPES)].reset_index(drop=True)


def shown_rows(released: pd.DataFrame, metrics=None, group_types=None) -> pd.DataFrame:
    """The released rows of these metrics and group types (None: all) whose values the gate
    shows: `gate.is_shown`, the one answer to "is this cell shown", asked of every row."""
    rows = released
    if metrics is not None:
        rows = rows[rows["metric"].isin(list(metrics))]
    if group_types is not None:
        rows = rows[rows["group_type"].isin(list(group_types))]
    keep = [gate.is_shown(released, m, t, g)
            for m, t, g in zip(rows["metric"], rows["group_type"], rows["group"])]
    return rows[np.array(keep, dtype=bool)]


def compare_family(design: SurveyDesign, family: Family, groups: list[str],
                   released: pd.DataFrame, policy: Policy) -> pd.DataFrame:
    """Each group against the rest on every metric of the family (declared in the codebook),
    adjusted over every comparison planned (`compare.compare_planned`), then released: a
    comparison is shown where the group's estimate is released and the rest is large enough,
    and an adjusted p-value (with its adjusted interval) only where the p-value that sets it is
    shown too: the step-down gives a hidden comparison's p-value back otherwise."""
    table = compare.compare_planned(design, family, groups)
    source = table.pop("adjusted_by").to_numpy()
    if table.empty:
        return table
    frame = design.data
    institutions = gate.number_institutions(design.institutions)
    base = {m.id: indicator(frame, m).notna().to_numpy() for m in family.metrics}

    def rest_too_small(metric_id, group):
        rest = base[metric_id] & ~frame[family.group_type].astype(object).eq(group).to_numpy()
        return policy.too_small(int(rest.sum()), len(np.unique(institutions[rest])))

    table = gate.comparisons(table, released, family.group_type, rest_too_small)
    hidden = table["hidden_by"].ne("").to_numpy()
    set_by_hidden = (source >= 0) & hidden[np.clip(source, 0, None)]
    table.loc[set_by_hidden, ["p_adjusted", "adjusted_low", "adjusted_high"]] = np.nan
    return table


def release_groups(design: SurveyDesign, metrics: list[Metric], by: str, groups: list[str],
                   policy: Policy) -> pd.DataFrame:
    """Protected estimates of all and a few groups of one type (e.g. the employer survey)."""
    parts = [shares(design, metrics, policy=policy),
             shares(design, metrics, by, by, groups=groups, policy=policy)]
    bases = {m.id: indicator(design.data, m).notna() for m in metrics}
    return gate.protect(pd.concat(parts, ignore_index=True), design.keys([by]), policy, bases,
                        gate.conditional_parents(metrics))


def shown_regions(released: pd.DataFrame, metric: Metric, regions: list[str]) -> list[str]:
    """The regions whose estimate of the metric the disclosure gate releases."""
    return [r for r in regions if gate.is_shown(released, metric.id, "region", r)]


def region_balanced_shown(design: SurveyDesign, released: pd.DataFrame, metric: Metric,
                          regions: list[str]) -> dict:
    """`region_balanced` over the regions the gate shows only: a hidden region is never averaged
    in (`regions` says how many are); nothing where no region is shown."""
    shown = shown_regions(released, metric, regions)
    if not shown:
        return {"metric": metric.id, "n": 0, "regions": 0, "raw_pct": np.nan,
                "region_balanced_pct": np.nan, "difference": np.nan}
    return composition.region_balanced(design, metric, shown)


def weighted_estimates(design: SurveyDesign, population_frame: str, metrics: list[Metric],
                       policy: Policy) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The weighting step of a run: without a frame (`population_frame` empty) the diagnostics say
    "unweighted" and there are no weighted shares; with one, the respondents are raked to its
    margins and the headline shares are given weighted beside unweighted, where the disclosure
    policy lets every weighting class be shown."""
    if not population_frame:
        return weighting.diagnostics(None), pd.DataFrame(columns=weighting.WEIGHTED_COLUMNS)
    respondents = design.data
    path = paths.resolve(population_frame)
    targets = weighting.margins(weighting.read_frame(path))
    weights = weighting.rake(respondents, targets)
    table = weighting.weighted_shares(design, metrics, weights)
    # a weighted share is a known mix of its weighting classes' counts: see small_weighting_class
    small = [gate.small_weighting_class(respondents, list(targets),
                                        indicator(respondents, m).notna(), policy)
             for m in metrics]
    table = gate.hide(table, small)
    table.loc[table["suppressed"], "note"] = CLASS_NOT_SHOWN
    return weighting.diagnostics(weights, paths.relative(path), list(targets)), table


def named_per_respondent(design: SurveyDesign, in_group, group: str,
                         comparisons: pd.DataFrame) -> tuple[pd.DataFrame, dict]:
    """`multiselect.named_per_respondent` of the barriers as released: the group's mean times
    its n is the sum of its counts over the options, so it is shown only where the comparison
    of every option is."""
    named, test = multiselect.named_per_respondent(design, "barriers_count", in_group, group)
    if comparisons.empty or comparisons["pct_group"].isna().any():
        named = gate.hide(named, [True, True])
        test = {k: (v if k.startswith("n_") else np.nan) for k, v in test.items()}
    return named, test


def not_sure_sensitivity(design: SurveyDesign, metrics: list[Metric], policy: Policy,
                         label: str = "Not sure") -> pd.DataFrame:
    """`composition.not_sure_sensitivity` as released: each reading's share (with "Not sure" in
    the base, and without) is shown only where that base is large enough under `policy`."""
    table = composition.not_sure_sensitivity(design, metrics, label)
    if table.empty:
        return table
    frame = design.data
    inst = gate.number_institutions(design.institutions)
    by_id = {m.id: m for m in metrics}
    for i, metric_id in enumerate(table["metric"]):
        metric = by_id[metric_id]
        base = indicator(frame, metric).notna().to_numpy()
        sure = frame[metric.column].astype(object).ne(label).to_numpy()
        readings = {"in": base, "out": base & sure}
        for reading, rows in readings.items():
            if policy.too_small(int(rows.sum()), len(np.unique(inst[rows]))):
                columns = [f"{k}_not_sure_{reading}" for k in ("pct", "ci_low", "ci_high")]
                table.loc[table.index[i], columns] = np.nan
    table["difference"] = table["pct_not_sure_out"] - table["pct_not_sure_in"]
    return table
