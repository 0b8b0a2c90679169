"""The released tables: every estimate the notebooks show, computed by the estimators and
protected by the gate together (primary and secondary suppression across all the families they
show, so both analysis notebooks hide the same cells); a group against the rest, shown where the
gate shows the group; the weighted, "Not sure" and named-per-respondent tables, each hidden where
its groups are too small."""

from __future__ import annotations

from functools import partial

import numpy as np
import pandas as pd

from microcred.core import paths
from microcred.core.parallel import in_parallel
from microcred.release import gate, intervals, variants
from microcred.release.policy import CLASS_NOT_SHOWN, Policy
from microcred.statistics import composition, estimate, multiselect, weighting
from microcred.statistics.compare import COMPARISON_COLUMNS, adjust, compare_family
from microcred.statistics.estimate import indicator
from microcred.survey.codebook import Codebook, Metric

ESTIMATE_GROUP_TYPES = ("all", "region", "country", "offers_mc")

SITUATIONS = {"offers_mc": "Offers micro-credentials", "offers_credit": "Awards credit",
              "inst_type": "Institution type", "role": "Role"}  # barriers by situation


def shares(frame: pd.DataFrame, metrics: list[Metric], by: str | None = None,
           group_type: str = "all", level: float = 0.95, *, policy: Policy,
           groups: list[str] | None = None, indicators=None) -> pd.DataFrame:
    """`estimate.shares` with the gate's primary suppression: a group too small under `policy`
    in a metric's base keeps its n and loses every value (the secondary suppression needs every
    table: `release_table`)."""
    table = estimate.shares(frame, metrics, by, group_type, level, groups=groups,
                            indicators=indicators)
    bases = {m.id: estimate.weights(frame, m, indicators).base for m in metrics}
    return gate.primary(table, frame, by, policy, bases)


def release_table(frame: pd.DataFrame, cb: Codebook, region_order: list[str],
                  level: float, policy: Policy, scheme: str = "m49",
                  named: tuple[str, ...] | list[str] = ()) -> pd.DataFrame:
    """Every estimate any notebook releases, protected together (primary and secondary
    suppression across all the families they show, then the protection intervals): every metric
    for all, by region, by country (countries with at least `min_group_size` respondents, and
    those of `named`, which other outputs name) and by the institution's offer (where the base
    allows); the barriers also by the credit question, institution type and role; the groups
    "country|offer" of `named` (`CROSSED`). tables/estimates.csv is its first four group types.
    Column `answers_shown`: the cells whose whole answer distribution may be shown
    (`distributions`). `frame`'s regions are those of `scheme`; the release is protected together
    with those the same respondents give under the schemes before it (`release.variants`)."""
    metrics = cb.metrics
    others = variants.others(scheme)
    crossed = [g for g in named if "|" in g]
    # 0, 1 or missing: exact in float32, at half the memory of a million float64 per metric;
    # as weights, found once for all groupings (with the groupings' keys and every metric's
    # answers, on every core)
    *weights, keys, answers = in_parallel(
        [*[partial(estimate.metric_weights, frame, m) for m in metrics],
         partial(_groupings, _with_crossed(variants.with_regions(frame, scheme, others), crossed),
                 ["region", "country", *SITUATIONS, *variants.columns(others), CROSSED]),
         partial(intervals.answers, frame, cb)])
    indicators = {m.id: w for m, w in zip(metrics, weights)}
    kw = dict(level=level, policy=policy, indicators=indicators)
    large = keys["country"].value_counts()
    countries = sorted(set(large[large >= max(policy.min_group_size, 1)].index)
                       | (set(named) & set(large[large > 0].index)))
    open_base = [m for m in metrics if "offers_mc" not in dict(m.among) and m.id != "offers_mc"]
    barrier_metrics = cb.metrics_of("barriers")
    likert = distributions(cb)

    def estimates(frame: pd.DataFrame, regions: list[str]) -> pd.DataFrame:
        parts = in_parallel([
            partial(shares, frame, metrics, **kw),
            partial(shares, frame, metrics, "region", "region", groups=regions, **kw),
            partial(shares, frame, metrics, "country", "country", groups=countries, **kw),
            partial(shares, frame, open_base, "offers_mc", "offers_mc",
                    groups=cb.labels("offers_mc"), **kw),
            *[partial(shares, frame, barrier_metrics, column, column, **kw,
                      groups=estimate.ordered_groups(frame[column], cb.labels(column)))
              for column in SITUATIONS if column != "offers_mc"],
            *([partial(shares, frame, open_base, CROSSED, CROSSED, groups=crossed, **kw)]
              if crossed else []),
        ])
        return pd.concat(parts, ignore_index=True)

    def protected(frame: pd.DataFrame, table: pd.DataFrame, before, other_regions) -> pd.DataFrame:
        shown = table["metric"].isin(likert) & table["group_type"].isin(["all", "region"])
        return gate.protect(table, frame, policy, answers, gate.conditions(metrics), before, shown,
                            other_regions)

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
    return frame.assign(**{CROSSED: frame["country"].astype(object) + "|" + frame["offers_mc"].astype(object)})


def _groupings(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """The group keys as categories and the institutions as codes (in order of appearance: their
    names need no sorting), factorised once for the 100-odd groupings of `release_table`; the
    answers stay behind (their indicators are computed)."""
    out = pd.DataFrame({c: frame[c].astype("category") for c in columns if c in frame},
                       index=frame.index)
    if "inst_id" in frame:  # numbered, not named: 800,000 names need no uniqueness check
        codes, names = pd.factorize(frame["inst_id"])
        out["inst_id"] = pd.Categorical.from_codes(codes, categories=pd.RangeIndex(len(names)))
    return out


def estimates_table(released: pd.DataFrame) -> pd.DataFrame:
    """tables/estimates.csv: the released estimates of all, regions, countries and offer groups."""
    return released[released["group_type"].isin(ESTIMATE_GROUP_TYPES)].reset_index(drop=True)


def compare_group(frame: pd.DataFrame, metrics: list[Metric], group_type: str, group: str,
                  released: pd.DataFrame, policy: Policy, level: float = 0.95,
                  correction: str | None = "holm") -> pd.DataFrame:
    """A region or country against the rest, shown where the group's estimate is released and
    the rest is large enough; p-values adjusted across the comparisons shown."""
    in_group = frame[group_type].astype(object).eq(group)
    table = compare_family(frame, metrics, in_group, group, level, None)

    institutions = gate.institution_numbers(frame)

    def rest_too_small(metric_id, _group):
        rest = (indicator(frame, next(m for m in metrics if m.id == metric_id)).notna()
                & ~in_group).to_numpy()
        return policy.too_small(int(rest.sum()), len(np.unique(institutions[rest])))

    table = gate.comparisons(table, released, group_type, rest_too_small)
    if correction:
        table["p_adjusted"], table["correction"] = adjust(table["p_value"], correction), correction
    return table


def compare_grid(frame: pd.DataFrame, metrics: list[Metric], group_type: str, groups: list[str],
                 released: pd.DataFrame, policy: Policy, level: float = 0.95) -> pd.DataFrame:
    """Several groups each against the rest: an exploratory grid, so p-values are adjusted by
    Benjamini-Hochberg across all of it."""
    parts = [compare_group(frame, metrics, group_type, g, released, policy, level, None)
             for g in groups]
    if not parts:
        return pd.DataFrame(columns=COMPARISON_COLUMNS)
    grid = pd.concat(parts, ignore_index=True)
    grid["p_adjusted"], grid["correction"] = adjust(grid["p_value"], "fdr_bh"), "fdr_bh"
    return grid


def release_groups(frame: pd.DataFrame, metrics: list[Metric], by: str, groups: list[str],
                   policy: Policy, level: float = 0.95) -> pd.DataFrame:
    """Protected estimates of all and a few groups of one type (e.g. the employer survey)."""
    parts = [shares(frame, metrics, level=level, policy=policy),
             shares(frame, metrics, by, by, groups=groups, level=level, policy=policy)]
    answers = {m.id: intervals.answers_of(frame, m) for m in metrics}
    return gate.protect(pd.concat(parts, ignore_index=True), frame, policy, answers,
                        gate.conditions(metrics))


def shown_regions(released: pd.DataFrame, metric: Metric, regions: list[str]) -> list[str]:
    """The regions whose estimate of the metric the disclosure gate releases."""
    rows = released[released["metric"].eq(metric.id) & released["group_type"].eq("region")
                    & ~released["suppressed"]]
    return [r for r in regions if r in set(rows["group"])]


def region_balanced_shown(frame: pd.DataFrame, released: pd.DataFrame, metric: Metric,
                          regions: list[str], level: float = 0.95) -> dict:
    """`region_balanced` over the regions the gate shows only: a hidden region is never averaged
    in (`regions` says how many are); nothing where no region is shown."""
    shown = shown_regions(released, metric, regions)
    if not shown:
        return {"metric": metric.id, "n": 0, "regions": 0, "raw_pct": np.nan,
                "region_balanced_pct": np.nan, "difference": np.nan}
    return composition.region_balanced(frame, metric, shown, level)


def weighted_estimates(respondents: pd.DataFrame, population_frame: str, metrics: list[Metric],
                       policy: Policy, level: float = 0.95) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The weighting step of a run: without a frame (`population_frame` empty) the diagnostics say
    "unweighted" and there are no weighted shares; with one, the respondents are raked to its
    margins and the headline shares are given weighted beside unweighted, where the disclosure
    policy lets every weighting class be shown."""
    if not population_frame:
        return weighting.diagnostics(None), pd.DataFrame(columns=weighting.WEIGHTED_COLUMNS)
    path = paths.resolve(population_frame)
    targets = weighting.margins(weighting.read_frame(path))
    weights = weighting.rake(respondents, targets)
    table = weighting.weighted_shares(respondents, metrics, weights, level)
    # a weighted share is a known mix of its weighting classes' counts: see small_weighting_class
    small = [gate.small_weighting_class(respondents, list(targets), indicator(respondents, m).notna(),
                                        policy) for m in metrics]
    table = gate.hide(table, small)
    table.loc[table["suppressed"], "note"] = CLASS_NOT_SHOWN
    return weighting.diagnostics(weights, paths.relative(path), list(targets)), table


def named_per_respondent(frame: pd.DataFrame, in_group: pd.Series, group: str,
                         comparisons: pd.DataFrame, level: float = 0.95) -> tuple[pd.DataFrame, dict]:
    """`multiselect.named_per_respondent` as released: the group's mean times its n is the sum of
    its counts over the options, so it is shown only where the comparison of every option is."""
    named, test = multiselect.named_per_respondent(frame, in_group, group, level)
    if comparisons.empty:  # a group the estimates do not list is not named (gate.comparisons)
        return named.iloc[:0], {k: np.nan for k in test}
    if comparisons["pct_group"].isna().any():
        named = gate.hide(named, [True, True])
        test = {k: (v if k.startswith("n_") else np.nan) for k, v in test.items()}
    return named, test


def not_sure_sensitivity(frame: pd.DataFrame, metrics: list[Metric], level: float,
                         policy: Policy, label: str = "Not sure") -> pd.DataFrame:
    """`composition.not_sure_sensitivity` as released: each reading's share (with "Not sure" in
    the base, and without) is shown only where that base is large enough under `policy`."""
    table = composition.not_sure_sensitivity(frame, metrics, label, level)
    if table.empty:
        return table
    inst = gate.institution_numbers(frame)
    by_id = {m.id: m for m in metrics}
    for i, metric_id in enumerate(table["metric"]):
        metric = by_id[metric_id]
        base = indicator(frame, metric).notna().to_numpy()
        readings = {"in": base, "out": base & frame[metric.column].astype(object).ne(label).to_numpy()}
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
        cells = released[released["metric"].eq(metric.id) & released["group_type"].isin(["all", "region"])]
        for cell in cells.itertuples():
            if cell.group_type == "region" and cell.group not in regions:
                continue
            why = cell.hidden_by or ("" if cell.answers_shown else "interval")
            for answer in labels:
                count = int(counts.at[cell.group, answer]) if cell.group in counts.index else 0
                rows.append({"metric": metric.id, "group_type": cell.group_type, "group": cell.group,
                             "answer": answer, "n": cell.n, "count": count,
                             "pct": 100 * count / cell.n if pd.notna(cell.n) and cell.n else np.nan,
                             "suppressed": bool(why), "hidden_by": why})
    table = pd.DataFrame(rows, columns=["metric", "group_type", "group", "answer", "n", "count",
                                        "pct", "suppressed", "hidden_by"])
    return gate.hide(table, table["suppressed"])
