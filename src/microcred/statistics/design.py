"""The survey design: built once per dataset, taken by every estimator, in the spirit of R
survey's `svydesign(ids = ~inst_id, weights = ~w)` and svy's `Design`. Leaders are clustered in
institutions, the primary sampling units (PSUs): a one-stage design with replacement, no strata,
no finite-population correction, optional weights.

Every estimator is a ratio of sums, linearised (Taylor): its influence value per respondent is
summed within PSUs, and the variance is C / (C - 1) times the sum of squared deviations of the
PSU totals over the C PSUs of the WHOLE design. A domain (a region, a country, the leaders who
answered a question) is a subpopulation (`SurveyDesign.subset`): it keeps all C PSUs for the
variance (those without a domain row count with a total of zero), and its degrees of freedom
are its own PSUs minus one. This is what R's `survey` computes (`subset` of a design, `degf`);
tests/test_r_survey.py checks the equality on R's own numbers.

Cluster totals are bincounts over integer codes (`GroupedShares`), so a million rows cost a few
array passes."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import NamedTuple

import numpy as np
import pandas as pd

from microcred.statistics import intervals


@dataclass(frozen=True, eq=False)
class SurveyDesign:
    """The respondents and their design. `institutions` numbers the institution each respondent
    named (-1: none named); `clusters` numbers the PSUs, where a respondent who named no
    institution is a PSU of his or her own (nothing says such respondents share one). Counting
    institutions against the disclosure thresholds is another notion, the gate's own
    (`release.gate.institution_numbers`: those who named none count together, as one, which can
    only hide more): it numbers the same `institutions`, never the PSUs. `n_psu` is the number
    of PSUs of the whole design, kept by `subset`."""

    data: pd.DataFrame
    institutions: np.ndarray
    clusters: np.ndarray
    n_psu: int
    level: float = 0.95
    weights: np.ndarray | None = None
    _groupings: dict = field(default_factory=dict, repr=False)

    @classmethod
    def of(cls, data: pd.DataFrame, level: float = 0.95,
           weights: np.ndarray | None = None) -> SurveyDesign:
        """The design of the respondents in `data`: institutions (`inst_id`) as PSUs; without an
        `inst_id` column (employers, a simple random sample) every respondent is a PSU."""
        institutions = institution_codes(data)
        clusters = psu_codes(institutions)
        return cls(data, institutions, clusters, int(clusters.max(initial=-1)) + 1, level,
                   None if weights is None else np.asarray(weights, dtype=float))

    def subset(self, rows) -> SurveyDesign:
        """A subpopulation: the rows given, with the whole design's PSUs (R's `subset`)."""
        rows = np.asarray(rows, dtype=bool)
        return replace(self, data=self.data[rows], institutions=self.institutions[rows],
                       clusters=self.clusters[rows], _groupings={},
                       weights=None if self.weights is None else self.weights[rows])

    def weighted(self, weights: np.ndarray | None) -> SurveyDesign:
        """The same design with these weights (None: unweighted)."""
        return replace(self, weights=None if weights is None else np.asarray(weights, dtype=float),
                       _groupings=self._groupings)

    def over(self, data: pd.DataFrame) -> SurveyDesign:
        """The same respondents and design with other columns: `data` row for row (e.g. their
        group keys only, or with groupings added); its groupings are found anew."""
        if len(data) != len(self.data):
            raise ValueError(f"{len(data)} rows for a design of {len(self.data)} respondents")
        return replace(self, data=data, _groupings={})

    def __len__(self) -> int:
        return len(self.data)

    def variance(self, influence: np.ndarray) -> float:
        """Variance of a linearised estimator from its influence values (zero outside its
        domain): C / (C - 1) times the sum over the design's C PSUs of (total - mean)^2."""
        totals = np.bincount(self.clusters, weights=influence, minlength=self.n_psu)
        c = self.n_psu
        return float(c / (c - 1) * np.sum((totals - totals.mean()) ** 2)) if c > 1 else np.nan

    def degrees_of_freedom(self, rows=None) -> int:
        """A domain's degrees of freedom: its PSUs minus one (R's `degf` of the subset)."""
        codes = self.clusters if rows is None else self.clusters[np.asarray(rows, dtype=bool)]
        return int(np.count_nonzero(np.bincount(codes, minlength=1))) - 1

    def mean(self, y: np.ndarray, rows: np.ndarray) -> DomainMean:
        """The (weighted) mean of `y` over a domain `rows`, with its influence values, variance
        and degrees of freedom."""
        rows = np.asarray(rows, dtype=bool)
        w = np.where(rows, 1.0 if self.weights is None else self.weights, 0.0)
        total, y0 = w.sum(), np.nan_to_num(np.asarray(y, dtype=float))
        estimate = float(np.sum(w * y0) / total) if total > 0 else np.nan
        influence = np.where(rows, w * (y0 - estimate) / total, 0.0) if total > 0 else w
        return DomainMean(estimate, influence, int(rows.sum()), self.variance(influence),
                          self.degrees_of_freedom(rows))

    def grouping(self, column: str | None) -> tuple[np.ndarray, list]:
        """A grouping's codes per respondent (-1: no group) and its labels in their order (a
        categorical's, else sorted); found once per column. None: everyone, one group "All"."""
        if column is None:
            return np.zeros(len(self.data), dtype=np.int64), ["All"]
        if column not in self._groupings:
            keys = self.data[column]
            keys = keys if isinstance(keys.dtype, pd.CategoricalDtype) else keys.astype("category")
            self._groupings[column] = (keys.cat.codes.to_numpy(), list(keys.cat.categories))
        return self._groupings[column]

    def grouped_shares(self, column: str | None) -> GroupedShares:
        """Every group's shares of a grouping, from its (group, PSU) cells found once for every
        metric (`GroupedShares`)."""
        codes, labels = self.grouping(column)
        return GroupedShares(codes, self.clusters, len(labels), self.n_psu, self.weights)

    def keys(self, columns) -> pd.DataFrame:
        """The groupings named as categoricals and the institutions as numbers (`inst_id`: a
        categorical of `institutions`, missing where none was named): what the disclosure gate
        counts groups and institutions on, without the answers and without hashing names again."""
        out = {}
        for column in columns:
            codes, labels = self.grouping(column)
            out[column] = pd.Categorical.from_codes(codes, categories=labels)
        if "inst_id" in self.data:
            named = pd.RangeIndex(int(self.institutions.max(initial=-1)) + 1)
            out["inst_id"] = pd.Categorical.from_codes(self.institutions, categories=named)
        return pd.DataFrame(out, index=self.data.index)


class DomainMean(NamedTuple):
    """A domain's mean, its influence values (zero outside the domain), the number of rows,
    the design-based variance and the degrees of freedom (the domain's PSUs - 1)."""
    estimate: float
    influence: np.ndarray
    n: int
    variance: float
    df: int


def institution_codes(data: pd.DataFrame) -> np.ndarray:
    """Each respondent's institution as a number 0..k-1 in order of appearance, -1 where none was
    named; without `inst_id` every respondent is an institution of his or her own."""
    if "inst_id" not in data:
        return np.arange(len(data), dtype=np.int64)
    inst = data["inst_id"]
    if isinstance(inst.dtype, pd.CategoricalDtype):  # only the categories in use, renumbered
        codes = inst.cat.codes.to_numpy().astype(np.int64)
        used = np.bincount(codes + 1, minlength=len(inst.cat.categories) + 1)[1:] > 0
        renumber = np.append(np.cumsum(used) - 1, -1)  # index -1: no institution stays -1
        return renumber[codes]
    return pd.factorize(inst)[0].astype(np.int64)


def psu_codes(institutions: np.ndarray) -> np.ndarray:
    """PSUs from institution numbers: each institution one PSU, and each respondent without one
    a PSU of his or her own."""
    codes = institutions.astype(np.int64, copy=True)
    missing = codes < 0
    codes[missing] = codes.max(initial=-1) + 1 + np.arange(missing.sum())
    return codes


def srs_variance(p, n):
    """Variance of a share under simple random sampling with replacement, p(1 - p) / (n - 1):
    s^2 / n with s^2 on n - 1, the reference of the design effect (R's `deff = "replace"`)."""
    n = np.asarray(n, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(n > 1, np.asarray(p) * (1 - np.asarray(p)) / (n - 1), np.nan)


def design_effect(variance, p, n):
    """deff = design variance / SRS variance; undefined (NaN) where every answer is alike."""
    reference = srs_variance(p, n)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(reference > 0, np.asarray(variance) / reference, np.nan)


class GroupedShares:
    """Shares of every group of one grouping, from its (group, PSU) cells, found once and
    reused for every metric (the gate counts its own cells: `release.gate`).
    `groups` are codes 0..n_groups-1 (negative: no group), `codes` the rows' PSUs, `n_psu` the
    PSUs of the whole design (the variance of a domain counts them all), `weights` the design's
    (None: unweighted)."""

    def __init__(self, groups: np.ndarray, codes: np.ndarray, n_groups: int,
                 n_psu: int | None = None, weights: np.ndarray | None = None):
        width = int(codes.max()) + 1 if len(codes) else 1
        valid = groups >= 0
        key = np.where(valid, groups.astype(np.int64) * width + codes, -1)
        self.cell, found = pd.factorize(key)  # hashing, not sorting: linear in the rows
        self.outside = np.flatnonzero(found < 0)  # the rows in no group: one cell, counted nowhere
        self.group = np.where(found >= 0, found // width, 0)
        self.n_groups = n_groups
        self.n_psu = n_psu if n_psu is not None else (
            int(np.count_nonzero(np.bincount(codes))) if len(codes) else 0)
        self.weights = weights
        # (base, its rows per group, per cell, its total per group, its PSUs per group)
        self._last_base: tuple[np.ndarray, ...] | None = None  # see _base_counts

    def shares(self, y: np.ndarray, base: np.ndarray) -> dict[str, np.ndarray]:
        """n, count, share, linearised variance and degrees of freedom of a 0/1 indicator in
        every group. The influence of a group's share is w (y - p_g) / W_g on its rows, so its
        PSU total is (S - p_g M) / W_g, with S and M the (weighted) sums of y and of the rows."""
        return self.shares_of(Weights(np.where(base, y, 0.0), base))

    def shares_of(self, weights: Weights) -> dict[str, np.ndarray]:
        """`shares` of an indicator's weights, computed once for every grouping. Its base may
        include rows in no group: they fall in the cell counted nowhere."""
        k, g = len(self.group), self.group
        hits = weights.hits if self.weights is None else weights.hits * self.weights
        s = np.bincount(self.cell, weights=hits, minlength=k)
        s[self.outside] = 0.0
        n, m, total, psus = self._base_counts(weights.base)
        count = np.bincount(g, weights=s, minlength=self.n_groups)
        c = self.n_psu
        with np.errstate(divide="ignore", invalid="ignore"):
            p = count / total
            residuals = _squared_residuals(s, p[g], m)
            squares = np.bincount(g, weights=residuals, minlength=self.n_groups)
            variance = (c / (c - 1) if c > 1 else np.nan) * squares / total ** 2
        hit_rows = count if self.weights is None else self._hit_rows(weights)
        return {"n": n.copy(), "count": hit_rows, "p": p, "variance": variance, "df": psus - 1}

    def _base_counts(self, base: np.ndarray):
        """The base's rows per group, its (weighted) sum per cell and per group, and its PSUs
        per group. The options of one multi-select question share their base: it is counted
        once for all of them."""
        if self._last_base is None or not np.array_equal(base, self._last_base[0]):
            rows = self._per_cell(base.astype(float))
            n = np.bincount(self.group, weights=rows, minlength=self.n_groups)
            m = rows if self.weights is None else self._per_cell(np.where(base, self.weights, 0.0))
            total = n if self.weights is None else np.bincount(self.group, weights=m,
                                                               minlength=self.n_groups)
            psus = np.bincount(self.group, weights=rows > 0, minlength=self.n_groups)
            self._last_base = (base.copy(), n, m, total, psus)
        return self._last_base[1:]

    def _per_cell(self, values: np.ndarray) -> np.ndarray:
        out = np.bincount(self.cell, weights=values, minlength=len(self.group))
        out[self.outside] = 0.0
        return out

    def _hit_rows(self, weights: Weights) -> np.ndarray:
        """Unweighted respondents in the numerator per group (a weighted share's count)."""
        return np.bincount(self.group, weights=self._per_cell(weights.hits.astype(float)),
                           minlength=self.n_groups)


class Weights(NamedTuple):
    """A 0/1 indicator as the weights its cells sum: `hits` (the indicator, 0 outside the base)
    and `base` (boolean). Found once per metric, not once per grouping (benchmarks/NOTES.md)."""
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


def share_intervals(p, variance, n, df, level: float) -> dict[str, np.ndarray]:
    """For shares with their design variance, n and degrees of freedom: the design effect, the
    Korn-Graubard effective sample size and interval (`intervals.korn_graubard`), and the
    simple-random-sampling interval beside it (Clopper-Pearson on n)."""
    p, n = np.asarray(p, dtype=float), np.asarray(n, dtype=float)
    n_eff, low, high = intervals.korn_graubard(p, variance, n, df, level)
    srs_low, srs_high = intervals.clopper_pearson(p * n, n, level)
    return {"deff": design_effect(variance, p, n), "n_eff": n_eff, "ci_low": low, "ci_high": high,
            "srs_ci_low": srs_low, "srs_ci_high": srs_high}


def stratified_influence(y: np.ndarray, rows: np.ndarray, strata: np.ndarray,
                         weights: np.ndarray) -> tuple[float, np.ndarray]:
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


def difference(design: SurveyDesign, y: np.ndarray, first: np.ndarray, second: np.ndarray,
               level: float | None = None) -> dict:
    """Mean of `y` in `first` minus its mean in `second` (rows may overlap: a group against a
    total containing it counts the overlap), with one linearised standard error for the t-test
    and the interval (R's `svycontrast` of two domain means), so p < 1 - level exactly when the
    interval excludes 0. Degrees of freedom: Satterthwaite's, from the two disjoint parts
    (`first`, and `second` without it) and their own PSUs (`intervals.satterthwaite`), never
    more than the two together have (their PSUs - 1, where they share institutions): a group of
    25 institutions gets about 24, not the whole design's. `level`: the interval's (default: the
    design's)."""
    first, second = np.asarray(first, dtype=bool), np.asarray(second, dtype=bool)
    one, two = design.mean(y, first), design.mean(y, second)
    diff = one.estimate - two.estimate
    se = np.sqrt(design.variance(one.influence - two.influence))
    other = two if not (first & second).any() else design.mean(y, second & ~first)
    df = min(intervals.satterthwaite([one.variance, other.variance], [one.df, other.df]),
             design.degrees_of_freedom(first | second))
    return {"p1": one.estimate, "p2": two.estimate, "n1": one.n, "n2": two.n, "diff": diff,
            "se": se, "df": df} | intervals.wald(diff, se, df, level or design.level)
