"""Design-based precision: leaders are clustered in institutions (the primary sampling unit), so
a variance counts institutions, not leaders. Every estimator here is a ratio of sums, linearised
(Taylor): its influence value per respondent is summed within institutions, and the variance is
C / (C - 1) times the sum of squared institution totals over the C institutions of the sample
(with-replacement approximation, no finite-population correction). This is what R's `survey` and
`svy` compute for a domain mean; tests check the equality.

Cluster totals are bincounts over integer codes, so a million rows cost a few array passes.
Intervals of a share use the effective sample size (Wilson on n / deff, Korn and Graubard's
approach); differences, equivalence tests and lifts use one linearised standard error with a t
distribution on C - 1 degrees of freedom, so a test and its interval always agree."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.stats.proportion import proportion_confint


def clusters(frame: pd.DataFrame) -> np.ndarray:
    """Integer institution codes of each row; without `inst_id` every row is its own cluster
    (employers, or a simple random sample), and so is a row without an institution."""
    if "inst_id" not in frame:
        return np.arange(len(frame))
    inst = frame["inst_id"]
    if isinstance(inst.dtype, pd.CategoricalDtype):
        codes = inst.cat.codes.to_numpy().astype(np.int64)
    else:
        codes = pd.factorize(inst)[0].astype(np.int64)
    missing = codes < 0
    codes[missing] = codes.max(initial=-1) + 1 + np.arange(missing.sum())
    return codes


def cluster_variance(z: np.ndarray, codes: np.ndarray) -> float:
    """Variance of a linearised estimator from its influence values `z` (zero outside the
    estimate) and the rows' cluster codes: C / (C - 1) * sum over clusters of (total - mean)^2."""
    totals = np.bincount(codes, weights=z)
    totals = totals[np.bincount(codes) > 0]
    c = len(totals)
    return float(c / (c - 1) * np.sum((totals - totals.mean()) ** 2)) if c > 1 else np.nan


def srs_variance(p, n):
    """Variance of a share under simple random sampling of n, unbiased form p(1 - p) / (n - 1):
    the reference of the design effect (as in `survey` and `svy`)."""
    n = np.asarray(n, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(n > 1, np.asarray(p) * (1 - np.asarray(p)) / (n - 1), np.nan)


def design_effect(variance, p, n):
    """deff = design variance / SRS variance; undefined (NaN) where every answer is alike."""
    reference = srs_variance(p, n)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(reference > 0, np.asarray(variance) / reference, np.nan)


def effective_interval(p, n, deff, level: float = 0.95):
    """Wilson interval on the effective sample size n / deff. A design effect below 1 (clusters
    that disagree more than chance) is not credited: n_eff is capped at n, as Korn and Graubard
    (1998) do, so the interval is never narrower than the simple-random-sampling one; an
    undefined deff (unanimous group) uses n."""
    n = np.asarray(n, dtype=float)
    d = np.where(np.isfinite(deff), np.maximum(deff, 1.0), 1.0)
    n_eff = n / d
    with np.errstate(divide="ignore", invalid="ignore"):
        return proportion_confint(np.asarray(p) * n_eff, n_eff, alpha=1 - level, method="wilson")


class Cells:
    """The (group, cluster) cells of one grouping, found once and reused for every metric.
    `groups` are codes 0..n_groups-1 (negative: no group), `codes` the rows' clusters."""

    def __init__(self, groups: np.ndarray, codes: np.ndarray, n_groups: int):
        width = int(codes.max()) + 1 if len(codes) else 1
        valid = groups >= 0
        key = np.where(valid, groups.astype(np.int64) * width + codes, -1)
        self.cell, found = pd.factorize(key)  # hashing, not sorting: linear in the rows
        self.outside = np.flatnonzero(found < 0)  # the rows in no group: one cell, counted nowhere
        self.group = np.where(found >= 0, found // width, 0)
        self.n_groups = n_groups
        self.n_clusters = int(np.count_nonzero(np.bincount(codes))) if len(codes) else 0
        self._last_base = None  # (base, its rows per cell, per group): see _base_counts

    def shares(self, y: np.ndarray, base: np.ndarray) -> dict[str, np.ndarray]:
        """n, count, share and linearised variance of a 0/1 indicator in every group. The
        influence of a group's share is (y - p_g) / n_g on its rows, so its cluster total is
        (S - p_g M) / n_g, with S and M the sum and count of the group's rows in the cluster."""
        return self.shares_of(Weights(np.where(base, y, 0.0), base))

    def shares_of(self, weights: Weights) -> dict[str, np.ndarray]:
        """`shares` of an indicator's weights, computed once for every grouping. Its base may
        include rows in no group: they fall in the cell counted nowhere."""
        k, g = len(self.group), self.group
        s = np.bincount(self.cell, weights=weights.hits, minlength=k)
        s[self.outside] = 0.0
        m, n = self._base_counts(weights.base)
        count = np.bincount(g, weights=s, minlength=self.n_groups)
        c = self.n_clusters
        with np.errstate(divide="ignore", invalid="ignore"):
            p = count / n
            squares = np.bincount(g, weights=_squared_residuals(s, p[g], m), minlength=self.n_groups)
            variance = (c / (c - 1) if c > 1 else np.nan) * squares / n ** 2
        return {"n": n.copy(), "count": count, "p": p, "variance": variance}

    def _base_counts(self, base: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The base's rows per cell (M) and per group (n). The options of one multi-select
        question share their base: it is counted once for all of them."""
        if self._last_base is None or not np.array_equal(base, self._last_base[0]):
            m = np.bincount(self.cell, weights=base.astype(float), minlength=len(self.group))
            m[self.outside] = 0.0
            n = np.bincount(self.group, weights=m, minlength=self.n_groups)
            self._last_base = (base.copy(), m, n)
        return self._last_base[1:]


class Weights(NamedTuple):
    """A 0/1 indicator as the weights its cells sum: `hits` (the indicator, 0 outside the base)
    and `base` (boolean). Found once per metric: `np.where` over a million rows per grouping
    was a fifth of each pass."""
    hits: np.ndarray
    base: np.ndarray

    @classmethod
    def of(cls, y: np.ndarray) -> Weights:
        """The weights of an indicator that is NaN outside its base."""
        base = ~np.isnan(y)
        return cls(np.where(base, y, 0).astype(y.dtype), base)


def _squared_residuals(s: np.ndarray, p: np.ndarray, m: np.ndarray) -> np.ndarray:
    """(s - p * m) ** 2 per cell, in place in one buffer (the same values: a million cells'
    temporaries cost more than the arithmetic)."""
    out = np.multiply(p, m, out=p)
    np.subtract(s, out, out=out)
    return np.square(out, out=out)


def mean_influence(y: np.ndarray, rows: np.ndarray, weights: np.ndarray | None = None):
    """A (weighted) share over `rows` and its influence values (zero elsewhere)."""
    w = np.where(rows, 1.0 if weights is None else weights, 0.0)
    total = w.sum()
    p = float(np.sum(w * np.nan_to_num(y)) / total) if total > 0 else np.nan
    return p, np.where(rows, w * (np.nan_to_num(y) - p) / total, 0.0)


def stratified_influence(y: np.ndarray, rows: np.ndarray, strata: np.ndarray,
                         weights: np.ndarray):
    """A post-stratified share sum_h W_h p_h (weights fixed within each stratum h, summing to
    W_h) and its influence values w_i (y_i - p_h), the residual from the stratum's own share:
    the linearisation credits the post-stratification (Särndal, Swensson and Wretman, 7.6)."""
    w = np.where(rows, weights, 0.0)
    y0 = np.nan_to_num(y)
    keys, inverse = np.unique(strata.astype(str), return_inverse=True)
    total = np.bincount(inverse, weights=w, minlength=len(keys))
    with np.errstate(divide="ignore", invalid="ignore"):
        p_h = np.bincount(inverse, weights=w * y0, minlength=len(keys)) / total
    p_h = np.nan_to_num(p_h)
    p = float(np.sum(w * y0) / w.sum())
    return p, np.where(rows, w * (y0 - p_h[inverse]) / w.sum(), 0.0)


def kish_deff(weights: np.ndarray) -> float:
    """Kish's design effect of unequal weights, n sum(w^2) / (sum w)^2 = 1 + CV(w)^2."""
    w = np.asarray(weights, dtype=float)
    return float(len(w) * np.sum(w ** 2) / np.sum(w) ** 2) if len(w) else np.nan


def difference(y: np.ndarray, first: np.ndarray, second: np.ndarray, codes: np.ndarray,
               level: float = 0.95) -> dict:
    """Share in `first` minus share in `second` (rows may overlap: a group against a total
    containing it is handled too), with one linearised standard error that both the Wald t-test
    and the interval use: p < 1 - level exactly when the interval excludes 0."""
    p1, z1 = mean_influence(y, first)
    p2, z2 = mean_influence(y, second)
    diff, se, df = p1 - p2, np.sqrt(cluster_variance(z1 - z2, codes)), cluster_df(codes)
    out = {"p1": p1, "p2": p2, "diff": diff, "se": se, "df": df}
    return out | wald(diff, se, df, level)


def group_difference(y: np.ndarray, first: np.ndarray, second: np.ndarray, codes: np.ndarray,
                     level: float = 0.95) -> dict:
    """Two disjoint groups' shares and their difference, tested and bounded from ONE standard
    error: Agresti and Caffo's adjusted Wald (one success and one failure added to each group,
    which keeps a unanimous group from having no variance) with each group's variance inflated by
    its own design effect (institutions as clusters; below 1 or undefined counts as 1, as for the
    shares). Groups that share institutions are treated as independent. The t-test and the
    interval use the same centre and standard error on C - 1 degrees of freedom, so p < 1 - level
    exactly when the interval excludes 0."""
    parts = []
    for rows in (first, second):
        n = rows.sum()
        p, z = mean_influence(y, rows)
        deff = design_effect(cluster_variance(z, codes), p, n)
        adjusted = (p * n + 1) / (n + 2)
        inflation = float(deff) if np.isfinite(deff) and deff > 1 else 1.0
        parts.append((p, adjusted, inflation * adjusted * (1 - adjusted) / (n + 2), float(deff)))
    (p1, a1, v1, deff1), (p2, a2, v2, deff2) = parts
    se, df = np.sqrt(v1 + v2), cluster_df(codes)
    test = wald(a1 - a2, se, df, level)
    return {"p1": p1, "p2": p2, "diff": p1 - p2, "adjusted_diff": a1 - a2, "se": se, "df": df,
            "deff1": deff1, "deff2": deff2} | test


def wald(estimate: float, se: float, df: float, level: float = 0.95) -> dict:
    """t-test of estimate = 0 and its interval, from one standard error."""
    t = stats.t.ppf(0.5 + level / 2, df)
    if not np.isfinite(se):
        return {"low": np.nan, "high": np.nan, "p_value": np.nan}
    if se == 0:  # no variation in either group: the difference is known exactly
        return {"low": estimate, "high": estimate, "p_value": 1.0 if estimate == 0 else 0.0}
    return {"low": estimate - t * se, "high": estimate + t * se,
            "p_value": float(2 * stats.t.sf(abs(estimate / se), df))}


def equivalence(estimate: float, se: float, df: float, margin: float, alpha: float = 0.05) -> dict:
    """Two one-sided tests (TOST) of |estimate| < margin: equivalence is supported when both
    H0: estimate <= -margin and H0: estimate >= margin are rejected at `alpha`, i.e. when the
    1 - 2 alpha interval lies inside (-margin, margin)."""
    t = stats.t.ppf(1 - alpha, df)
    if not (np.isfinite(se) and se > 0):
        inside = bool(np.isfinite(estimate) and abs(estimate) < margin and se == 0)
        return {"low": estimate, "high": estimate, "p_lower": np.nan, "p_upper": np.nan,
                "p_tost": 0.0 if inside else np.nan, "equivalent": inside}
    p_lower = float(stats.t.sf((estimate + margin) / se, df))   # H0: estimate <= -margin
    p_upper = float(stats.t.cdf((estimate - margin) / se, df))  # H0: estimate >= margin
    p_tost = max(p_lower, p_upper)
    return {"low": estimate - t * se, "high": estimate + t * se, "p_lower": p_lower,
            "p_upper": p_upper, "p_tost": p_tost, "equivalent": bool(p_tost < alpha)}


def lift(a: np.ndarray, b: np.ndarray, codes: np.ndarray, level: float = 0.95) -> dict:
    """Lift P(A and B) / (P(A) P(B)) among the rows given, with an interval from the linearised
    variance of its logarithm (delta method), institutions as clusters."""
    a, b = a.astype(float), b.astype(float)
    n, ab = len(a), a * b
    pa, pb, pab = a.mean(), b.mean(), ab.mean()
    out = {"count": int(ab.sum()), "lift": np.nan, "ci_low": np.nan, "ci_high": np.nan}
    if min(pa, pb, pab) == 0:
        return out
    z = (ab - pab) / (n * pab) - (a - pa) / (n * pa) - (b - pb) / (n * pb)
    se = np.sqrt(cluster_variance(z, codes))
    log_lift = np.log(pab / (pa * pb))
    t = stats.t.ppf(0.5 + level / 2, cluster_df(codes))
    return out | {"lift": float(np.exp(log_lift)), "ci_low": float(np.exp(log_lift - t * se)),
                  "ci_high": float(np.exp(log_lift + t * se))}


def cluster_df(codes: np.ndarray) -> int:
    """Degrees of freedom of a one-stage cluster design: clusters minus one."""
    return max(len(np.unique(codes)) - 1, 1)
