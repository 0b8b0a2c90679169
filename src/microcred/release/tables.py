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
from microcred.release import gate, intervals, variants
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


def release_table(design: SurveyDesign, cb: Codebook, region_order: list[str], policy: Policy,
                  scheme: str = "m49", named: tuple[str, ...] | list[str] = ()) -> pd.DataFrame:
    """Every estimate any notebook releases, protected together (primary and secondary
    suppression across all the families they show, then the protection intervals): every metric
    for all, by region, by country (countries with at least `min_group_size` respondents, and
    those of `named`, which other outputs name) and by the institution's offer (where the base
    allows); the barriers also by the credit question, institution type and role; the groups
    "country|offer" of `named` (`CROSSED`). tables/estimates.csv is its first four group types.
    Column `answers_shown`: the cells whose whole answer distribution may be shown
    (`distributions`). The design's regions are those of `scheme`; the release is protected
    together with those the same respondents give under the schemes before it
    (`release.variants`)."""
    metrics, frame = cb.metrics, design.data
    others = variants.others(scheme)
    crossed = [g for g in named if "|" in g]
    grouped = design.over(_with_crossed(variants.with_regions(frame, scheme, others), crossed))
    groupings = [c for c in ["region", "country", *SITUATIONS, *variants.columns(others), CROSSED]
                 if c in grouped.data]
    # 0, 1 or missing: exact in float32, at half the memory of a million float64 per metric;
    # as weights, found once for all groupings (with the groupings' keys and every metric's
    # answers, on every core)
    *weights, keys, answers = in_parallel(
        [*[partial(estimate.metric_weights, frame, m) for m in metrics],
         partial(grouped.keys, groupings), partial(intervals.answers, frame, cb)])
    indicators = {m.id: w for m, w in zip(metrics, weights)}
    share = partial(shares, policy=policy, indicators=indicators)
    present = set(keys["country"].dropna())
    countries = sorted(set(planned_countries(frame, policy)) | (set(named) & present))
    open_base = [m for m in metrics if "offers_mc" not in dict(m.among) and m.id != "offers_mc"]
    barrier_metrics = cb.metrics_of("barriers")
    likert = distributions(cb)

    def estimates(keys: pd.DataFrame, regions: list[str]) -> pd.DataFrame:
        view = design.over(keys)  # the same respondents, grouped by these keys
        parts = in_parallel([
            partial(share, view, metrics),
            partial(share, view, metrics, "region", "region", groups=regions),
            partial(share, view, metrics, "country", "country", groups=countries),
            partial(share, view, open_base, "offers_mc", "offers_mc",
                    groups=cb.labels("offers_mc")),
            *[partial(share, view, barrier_metrics, column, column,
                      groups=estimate.ordered_groups(keys[column], cb.labels(column)))
              for column in SITUATIONS if column != "offers_mc"],
            *([partial(share, view, open_base, CROSSED, CROSSED, groups=crossed)]
              if crossed else []),
        ])
        return pd.concat(parts, ignore_index=True)

    def protected(keys: pd.DataFrame, table: pd.DataFrame, before,
                  other_regions) -> pd.DataFrame:
        shown = table["metric"].isin(likert) & table["group_type"].isin(["all", "region"])
        return gate.protect(table, keys, policy, answers, gate.conditions(metrics), before,
                            shown, other_regions)

    return variants.protect_in_turn(estimates, protected, keys, scheme, region_order)


DISTRIBUTIONS = ("agreement",)  # scales whose answer distributions are shown, overall and by region


def distributions(cb: Codebook) -> list[str]:
    """The metrics whose whole answer distribution is shown (benefits_likert)."""
    return [m.id for m in cb.metrics if not m.multi
            and cb.question(m.column).get("scale") in DISTRIBUTIONS]


CROSSED = "country_offers_mc"  # a country's leaders with one answer on offering micro-credentials


def _with_crossed(frame: pd.DataFrame, groups: list[str]) -> pd.DataFrame:
    """`frame` with each respondent's country|offer group, where such groups are released."""
    if not groups:
        return frame
    crossed = frame["country"].astype(object) + "|" + frame["offers_mc"].astype(object)
    return frame.assign(**{CROSSED: crossed})


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

    listed_rows = gate.listed(table, released, family.group_type)
    table = gate.comparisons(table, released, family.group_type, rest_too_small)
    hidden = np.ones(len(listed_rows), dtype=bool)  # an unlisted group's rows are left out
    hidden[listed_rows] = table["hidden_by"].ne("").to_numpy()
    set_by_hidden = ((source >= 0) & hidden[np.clip(source, 0, None)])[listed_rows]
    table.loc[set_by_hidden, ["p_adjusted", "adjusted_low", "adjusted_high"]] = np.nan
    return table


def release_groups(design: SurveyDesign, metrics: list[Metric], by: str, groups: list[str],
                   policy: Policy) -> pd.DataFrame:
    """Protected estimates of all and a few groups of one type (e.g. the employer survey)."""
    parts = [shares(design, metrics, policy=policy),
             shares(design, metrics, by, by, groups=groups, policy=policy)]
    answers = {m.id: intervals.answers_of(design.data, m) for m in metrics}
    return gate.protect(pd.concat(parts, ignore_index=True), design.keys([by]), policy, answers,
                        gate.conditions(metrics))


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
    if comparisons.empty:  # a group the estimates do not list is not named (gate.comparisons)
        return named.iloc[:0], {k: np.nan for k in test}
    if comparisons["pct_group"].isna().any():
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


def answer_distributions(frame: pd.DataFrame, metrics: list[Metric], labels: list[str],
                         released: pd.DataFrame, regions: list[str]) -> pd.DataFrame:
    """Each answer's count among the metrics' base, overall and by region, where the gate shows
    the group's whole distribution (`release_table`'s `answers_shown`): one row per metric, group
    and answer, with the group's n as released; blank (suppressed) where not shown."""
    rows = []
    for metric in metrics:
        counts = pd.concat([estimate.answer_distribution(frame, metric, labels),
                            estimate.answer_distribution(frame, metric, labels, "region")])
        cells = released[released["metric"].eq(metric.id) & released["group_type"]
                         .isin(["all", "region"])]
        for cell in cells.itertuples():
            if cell.group_type == "region" and cell.group not in regions:
                continue
            why = cell.hidden_by or ("" if cell.answers_shown else "interval")
            for answer in labels:
                count = int(counts.at[cell.group, answer]) if cell.group in counts.index else 0
                rows.append({"metric": metric.id, "group_type": cell.group_type,
                             "group": cell.group,
                             "answer": answer, "n": cell.n, "count": count,
                             "pct": 100 * count / cell.n if pd.notna(cell.n) and cell.n else np.nan,
                             "suppressed": bool(why), "hidden_by": why})
    table = pd.DataFrame(rows, columns=["metric", "group_type", "group", "answer", "n", "count",
                                        "pct", "suppressed", "hidden_by"])
    return gate.hide(table, table["suppressed"])
