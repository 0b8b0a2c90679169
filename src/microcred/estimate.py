"""Estimators: shares with design-based intervals for any metric over any grouping, a group
compared with the rest of the sample (never with a total that contains it), multiplicity
corrections, "Not sure" sensitivity, and a region-balanced global share. Every function returns a
tidy frame; nothing here prints.

Leaders are clustered in institutions: variances come from `design` (institutions as clusters),
intervals use the effective sample size. They describe sampling precision only; the sample is
opt-in and no interval covers that selection."""

from __future__ import annotations

from functools import partial

import numpy as np
import pandas as pd
from statsmodels.stats.proportion import proportion_confint, proportion_effectsize

from . import design, disclosure
from .codebook import Codebook, Metric
from .disclosure import Policy, hide, protect
from .parallel import in_parallel

ESTIMATE_COLUMNS = ["metric", "base", "group_type", "group", "n", "count", "pct", "ci_low",
                    "ci_high", "suppressed"]
# appended after the ten above, which keep their meaning: the design effect with institutions as
# clusters, the effective sample size n / deff, and the simple-random-sampling interval
DESIGN_COLUMNS = ["deff", "n_eff", "srs_ci_low", "srs_ci_high"]
VALUE_COLUMNS = ["count", "pct", "ci_low", "ci_high", *DESIGN_COLUMNS]  # what suppression hides


def indicator(frame: pd.DataFrame, metric: Metric) -> pd.Series:
    """1.0 where a respondent is in the metric's numerator, 0.0 where only in its base, NaN
    outside the base. "Not sure" is in the base and not in the numerator."""
    in_base, hit = base_and_hit(frame, metric)
    return pd.Series(np.where(in_base, hit, np.nan), index=frame.index)


def base_and_hit(frame: pd.DataFrame, metric: Metric) -> tuple[np.ndarray, np.ndarray]:
    """Who is in the metric's base, and who would count in its numerator (booleans)."""
    in_base = np.ones(len(frame), dtype=bool)
    for column, value in metric.among:
        in_base &= frame[column].eq(value).fillna(False).to_numpy(bool)
    if metric.multi:
        in_base &= frame[f"{metric.multi}_answered"].to_numpy(bool)
        hit = frame[metric.column].fillna(False).to_numpy(bool)
    else:
        in_base &= frame[metric.column].notna().to_numpy()
        hit = frame[metric.column].isin(metric.numerator).to_numpy()
    return in_base, hit


def wilson_interval(count, n, level: float = 0.95):
    """Wilson score interval (as shares); statsmodels' default is Wald, so the method is named."""
    return proportion_confint(count, n, alpha=1 - level, method="wilson")


def shares(frame: pd.DataFrame, metrics: list[Metric], by: str | None = None,
           group_type: str = "all", level: float = 0.95, *, policy: Policy,
           groups: list[str] | None = None,
           indicators: dict[str, pd.Series | design.Weights] | None = None) -> pd.DataFrame:
    """One row per metric x group, with n, count, percent and an interval on the effective
    sample size (institutions as clusters), then `DESIGN_COLUMNS`; groups too small under the
    disclosure policy keep their n and lose every value (primary suppression; the secondary one
    needs every table: `release_table`). `indicators` may carry the metrics' indicator columns
    (or their `design.Weights`) already computed."""
    keys = frame[by] if by else pd.Series("All", index=frame.index)
    keys = keys if isinstance(keys.dtype, pd.CategoricalDtype) else keys.astype("category")
    codes, labels = keys.cat.codes.to_numpy(), list(keys.cat.categories)
    cells = design.Cells(codes, design.clusters(frame), len(labels))
    inst = disclosure.institution_numbers(frame)  # as the gate counts them
    # a group of n respondents spans at least n / (most leaders of one institution) institutions,
    # so institutions need counting only in groups small enough to fall below the threshold
    per_institution = int(np.bincount(inst).max()) if len(inst) else 1
    wanted = groups if groups is not None else _ordered(keys, labels)
    rows, variances = [], []
    for metric in metrics:
        weights = _weights(frame, metric, indicators)
        est = cells.shares_of(weights)
        n, count = est["n"].astype(int), np.rint(est["count"]).astype(int)
        for group in wanted:
            g = labels.index(group) if group in labels else None
            n_g = int(n[g]) if g is not None else 0
            n_inst = policy.min_institutions
            if n_g < policy.min_institutions * per_institution:
                n_inst = len(np.unique(inst[weights.base & (codes == g)])) if n_g else 0
            rows.append(_row(metric, group_type, group, n_g, int(count[g]) if n_g else 0))
            rows[-1]["suppressed"] = policy.too_small(n_g, n_inst)
            variances.append(est["variance"][g] if n_g else np.nan)
    table = with_wilson(pd.DataFrame(rows, columns=ESTIMATE_COLUMNS), level)
    table = with_design(table, np.array(variances), level)
    return hide(table, table["suppressed"])


def _weights(frame: pd.DataFrame, metric: Metric, indicators) -> design.Weights:
    """The metric's weights: given (found once for every grouping), from its indicator column
    given, or computed."""
    given = indicators.get(metric.id) if indicators else None
    if isinstance(given, design.Weights):
        return given
    return design.Weights.of((given if given is not None else indicator(frame, metric)).to_numpy())


def with_wilson(table: pd.DataFrame, level: float) -> pd.DataFrame:
    """The Wilson interval of every row with respondents, computed for all rows at once."""
    n, count = table["n"].to_numpy(), table["count"].to_numpy()
    some = n > 0
    if some.any():
        low, high = wilson_interval(count[some], n[some], level)
        table.loc[some, "ci_low"], table.loc[some, "ci_high"] = 100 * low, 100 * high
    return table


def with_design(table: pd.DataFrame, variances: np.ndarray, level: float) -> pd.DataFrame:
    """Append the design effect, n_eff and the SRS interval (the Wilson interval `with_wilson` gave),
    and replace the reported interval by Wilson on the effective sample size."""
    shown = ~table["suppressed"].to_numpy(bool)
    n, p = table["n"].to_numpy(float), table["pct"].to_numpy(float) / 100
    deff = design.design_effect(variances, p, n)
    low, high = design.effective_interval(p, n, deff, level)
    with np.errstate(divide="ignore", invalid="ignore"):
        n_eff = n / deff
    out = table.assign(deff=np.where(shown, deff, np.nan), n_eff=np.where(shown, n_eff, np.nan),
                       srs_ci_low=table["ci_low"], srs_ci_high=table["ci_high"])
    out["ci_low"] = np.where(shown, 100 * low, np.nan)
    out["ci_high"] = np.where(shown, 100 * high, np.nan)
    return out


def _ordered(keys: pd.Series, labels: list) -> list:
    """Groups present in the data, in the order of `labels`."""
    present = set(keys.dropna().unique())
    return [c for c in labels if c in present]


def _row(metric, group_type, group, n, count) -> dict:
    row = {"metric": metric.id, "base": metric.base, "group_type": group_type, "group": group,
           "n": n, "count": np.nan, "pct": np.nan, "ci_low": np.nan, "ci_high": np.nan,
           "suppressed": False}
    if n:  # the interval follows for all rows at once (with_wilson)
        row.update(count=count, pct=100 * count / n)
    return row


ESTIMATE_GROUP_TYPES = ("all", "region", "country", "offers_mc")
SITUATIONS = {"offers_mc": "Offers micro-credentials", "offers_credit": "Awards credit",
              "inst_type": "Institution type", "role": "Role"}  # barriers by situation


def release_table(frame: pd.DataFrame, cb: Codebook, region_order: list[str],
                  level: float, policy: Policy) -> pd.DataFrame:
    """Every estimate any notebook releases, protected together (primary and secondary
    suppression across all the families they show): every metric for all, by region, by country
    (countries with at least `min_group_size` respondents) and by the institution's offer (where
    the base allows); the barriers also by the credit question, institution type and role.
    tables/estimates.csv is its first four group types."""
    metrics = cb.metrics
    # 0, 1 or missing: exact in float32, at half the memory of a million float64 per metric;
    # as weights, found once for all groupings (with the groupings' keys, on every core)
    *weights, frame = in_parallel([*[partial(_float32_weights, frame, m) for m in metrics],
                                    partial(_groupings, frame, ["region", "country", *SITUATIONS])])
    indicators = {m.id: w for m, w in zip(metrics, weights)}
    kw = dict(level=level, policy=policy, indicators=indicators)
    large = frame["country"].value_counts()
    countries = sorted(large[large >= max(policy.min_group_size, 1)].index)
    open_base = [m for m in metrics if "offers_mc" not in dict(m.among) and m.id != "offers_mc"]
    barrier_metrics = cb.metrics_of("barriers")
    parts = in_parallel([
        partial(shares, frame, metrics, **kw),
        partial(shares, frame, metrics, "region", "region", groups=region_order, **kw),
        partial(shares, frame, metrics, "country", "country", groups=countries, **kw),
        partial(shares, frame, open_base, "offers_mc", "offers_mc",
                groups=cb.labels("offers_mc"), **kw),
        *[partial(shares, frame, barrier_metrics, column, column, **kw,
                  groups=_ordered(frame[column], cb.labels(column)))
          for column in SITUATIONS if column != "offers_mc"],
    ])
    bases = {k: v.base for k, v in indicators.items()}
    return protect(pd.concat(parts, ignore_index=True), frame, policy, bases,
                   disclosure.conditional_parents(metrics))


def _float32_weights(frame: pd.DataFrame, metric: Metric) -> design.Weights:
    in_base, hit = base_and_hit(frame, metric)
    return design.Weights((in_base & hit).astype(np.float32), in_base)


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


# --------------------------------------------------------------------------- comparisons

def compare_with_rest(frame: pd.DataFrame, metric: Metric, in_group: pd.Series,
                      level: float = 0.95) -> dict:
    """A group against everyone else in the metric's base: difference in percentage points, and
    a design-adjusted Wald t-test with the interval from the same standard error (Agresti-Caffo
    adjusted shares, each group's variance times its design effect with institutions as
    clusters; see `design.group_difference`), so p < 1 - level exactly when the interval excludes
    0; and Cohen's h."""
    y = indicator(frame, metric).to_numpy()
    answered, group = ~np.isnan(y), in_group.fillna(False).to_numpy(bool)
    first, second = answered & group, answered & ~group
    out = {"metric": metric.id, "n_group": int(first.sum()), "pct_group": np.nan,
           "n_rest": int(second.sum()), "pct_rest": np.nan, "diff_pp": np.nan, "diff_low": np.nan,
           "diff_high": np.nan, "diff_se": np.nan, "df": np.nan, "p_value": np.nan,
           "cohens_h": np.nan}
    if not (first.any() and second.any()):
        return out
    d = design.group_difference(y, first, second, design.clusters(frame), level)
    out.update(pct_group=100 * d["p1"], pct_rest=100 * d["p2"], diff_pp=100 * d["diff"],
               diff_low=100 * d["low"], diff_high=100 * d["high"], diff_se=100 * d["se"],
               df=d["df"], p_value=d["p_value"],
               cohens_h=float(proportion_effectsize(d["p1"], d["p2"])))
    return out


def compare_family(frame: pd.DataFrame, metrics: list[Metric], in_group: pd.Series,
                   group_label: str, level: float = 0.95, correction: str | None = "holm") -> pd.DataFrame:
    """One group against the rest on a family of metrics, with corrected p-values (unprotected:
    released only through `compare_group`). No correction when `correction` is None."""
    table = pd.DataFrame([compare_with_rest(frame, m, in_group, level) for m in metrics])
    table.insert(0, "group", group_label)
    table.insert(2, "label", [m.label for m in metrics])
    table["p_adjusted"] = adjust(table["p_value"], correction) if correction else np.nan
    table["correction"] = correction or ""
    return table


def compare_group(frame: pd.DataFrame, metrics: list[Metric], group_type: str, group: str,
                  released: pd.DataFrame, policy: Policy, level: float = 0.95,
                  correction: str | None = "holm") -> pd.DataFrame:
    """A region or country against the rest, shown where the group's estimate is released and
    the rest is large enough; p-values adjusted across the comparisons shown."""
    in_group = frame[group_type].astype(object).eq(group)
    table = compare_family(frame, metrics, in_group, group, level, None)

    institutions = disclosure.institution_numbers(frame)

    def rest_too_small(metric_id, _group):
        rest = (indicator(frame, next(m for m in metrics if m.id == metric_id)).notna()
                & ~in_group).to_numpy()
        return policy.too_small(int(rest.sum()), len(np.unique(institutions[rest])))

    table = disclosure.comparisons(table, released, group_type, rest_too_small)
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


COMPARISON_COLUMNS = ["group", "metric", "label", "n_group", "pct_group", "n_rest", "pct_rest",
                      "diff_pp", "diff_low", "diff_high", "p_value", "cohens_h", "p_adjusted",
                      "correction"]


def release_groups(frame: pd.DataFrame, metrics: list[Metric], by: str, groups: list[str],
                   policy: Policy, level: float = 0.95) -> pd.DataFrame:
    """Protected estimates of all and a few groups of one type (e.g. the employer survey)."""
    parts = [shares(frame, metrics, level=level, policy=policy),
             shares(frame, metrics, by, by, groups=groups, level=level, policy=policy)]
    bases = {m.id: indicator(frame, m).notna() for m in metrics}
    return protect(pd.concat(parts, ignore_index=True), frame, policy, bases,
                   disclosure.conditional_parents(metrics))


def adjust(p_values: pd.Series, method: str = "holm") -> pd.Series:
    """Holm (family-wise) or Benjamini-Hochberg ('fdr_bh', false discovery rate) adjustment."""
    from statsmodels.stats.multitest import multipletests  # slow to import; tests only

    p = pd.Series(p_values, dtype=float)
    out = pd.Series(np.nan, index=p.index)
    ok = p.notna()
    if ok.any():
        out[ok] = multipletests(p[ok], method=method)[1]
    return out


def mean_with_interval(values: pd.Series, level: float = 0.95) -> dict:
    """Mean with a t interval (for counts such as barriers named per respondent)."""
    from scipy import stats

    v = values.dropna().astype(float)
    n, mean = len(v), v.mean()
    half = stats.t.ppf(0.5 + level / 2, n - 1) * v.std(ddof=1) / np.sqrt(n) if n > 1 else np.nan
    return {"n": n, "mean": mean, "ci_low": mean - half, "ci_high": mean + half}


def compare_means(values: pd.Series, in_group: pd.Series) -> dict:
    """Welch's t-test of a group's mean against the rest's."""
    from scipy import stats

    g, r = values[in_group].dropna().astype(float), values[~in_group].dropna().astype(float)
    test = stats.ttest_ind(g, r, equal_var=False)
    return {"n_group": len(g), "mean_group": g.mean(), "n_rest": len(r), "mean_rest": r.mean(),
            "diff": g.mean() - r.mean(), "p_value": float(test.pvalue)}


def answer_distribution(frame: pd.DataFrame, metric: Metric, labels: list[str],
                        by: str | None = None) -> pd.DataFrame:
    """Counts of every answer label among the metric's base, per group (rows) and label."""
    base = indicator(frame, metric).notna()
    keys = frame.loc[base, by] if by else pd.Series("All", index=frame.index[base])
    table = pd.crosstab(keys, frame.loc[base, metric.column])
    return table.reindex(columns=labels, fill_value=0)


# --------------------------------------------------------------------------- composition

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
    test = design.wald(diff, se, design._df(codes), level)
    out |= {"difference": 100 * diff, "difference_low": 100 * test["low"],
            "difference_high": 100 * test["high"], "kish_deff": design.kish_deff(weights[base])}
    return out


# --------------------------------------------------------------------------- "Not sure"

def not_sure_sensitivity(frame: pd.DataFrame, metrics: list[Metric], label: str = "Not sure",
                         **kw) -> pd.DataFrame:
    """For every metric whose answers include "Not sure": how many answered it, and the share
    with "Not sure" in the base (as published) and out of it, each with its interval."""
    rows = []
    for m in metrics:
        if m.multi or label not in _labels(frame, m):
            continue
        with_unsure = indicator(frame, m)
        without = with_unsure.where(frame[m.column].astype(object).ne(label))
        both = {"in": with_unsure, "out": without}
        est = {k: shares(frame, [m], indicators={m.id: v}, **kw).iloc[0] for k, v in both.items()}
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
    return region_balanced(frame, metric, shown, level)


def biggest_gap(balanced: pd.DataFrame) -> pd.Series | None:
    """The headline metric whose region-balanced share moves most from the raw one."""
    shown = balanced.dropna(subset=["difference"]) if "difference" in balanced else balanced.iloc[:0]
    return None if shown.empty else shown.loc[shown["difference"].abs().idxmax()]
