"""How sure a ranking is: the probability that a group (or an option) is the highest, the
lowest, or that a set is the top few, under the design-based sampling distribution of the
estimates: their linearised covariance (institutions as clusters, each estimate a subpopulation
mean of one design) and draws from the multivariate normal it defines, from a fixed seed (the
same figures every run). A ranking is claimed only where its probability reaches the confidence
level; otherwise it is described as what the sample shows."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from microcred.statistics.design import SurveyDesign
from microcred.statistics.estimate import indicator
from microcred.survey.codebook import Metric

DRAWS = 20_000
SEED = 2024  # fixed: the probabilities, and so the report, are the same on every run


@dataclass(frozen=True)
class Ranking:
    """Estimates of several candidates (groups, or options of one question) and draws from
    their joint sampling distribution, one row per draw."""
    labels: list[str]
    estimates: np.ndarray
    draws: np.ndarray

    def p_highest(self) -> pd.Series:
        """Each candidate's probability of being the highest."""
        return self._share_of_draws(self.draws.argmax(axis=1))

    def p_lowest(self) -> pd.Series:
        """Each candidate's probability of being the lowest."""
        return self._share_of_draws(self.draws.argmin(axis=1))

    def p_top(self, labels: list[str]) -> float:
        """The probability that `labels` are the highest len(labels) candidates, in any order."""
        wanted = np.sort([self.labels.index(label) for label in labels])
        top = np.sort(np.argsort(-self.draws, axis=1, kind="stable")[:, :len(wanted)], axis=1)
        return float(np.all(top == wanted, axis=1).mean())

    def ordered(self) -> list[str]:
        """The candidates from the highest estimate down."""
        return [self.labels[i] for i in np.argsort(-self.estimates, kind="stable")]

    def _share_of_draws(self, winners: np.ndarray) -> pd.Series:
        counts = np.bincount(winners, minlength=len(self.labels))
        return pd.Series(counts / len(winners), index=self.labels)


def rank(design: SurveyDesign, candidates: dict[str, tuple[np.ndarray, np.ndarray]],
         draws: int = DRAWS, seed: int = SEED) -> Ranking:
    """The ranking of candidates, each the mean of y over its rows (label: (y, rows)): their
    estimates, their linearised covariance C / (C - 1) sum_c (t_c - mean)(t_c - mean)' over the
    design's PSUs (t_c: the PSU totals of each estimate's influence values), and `draws` draws
    from the normal distribution they define."""
    labels = list(candidates)
    means = [design.mean(y, rows) for y, rows in candidates.values()]
    totals = np.column_stack([np.bincount(design.clusters, weights=m.influence,
                                          minlength=design.n_psu) for m in means])
    c = design.n_psu
    if c < 2:
        raise ValueError("a ranking needs respondents of at least two institutions")
    centred = totals - totals.mean(axis=0)
    covariance = c / (c - 1) * centred.T @ centred
    estimates = np.array([m.estimate for m in means])
    rng = np.random.default_rng(seed)
    sampled = rng.multivariate_normal(estimates, covariance, size=draws, method="eigh")
    return Ranking(labels, estimates, sampled)


def groups(design: SurveyDesign, metric: Metric, group_type: str, names: list[str]) -> Ranking:
    """The ranking of groups (e.g. regions) on one metric."""
    y = indicator(design.data, metric).to_numpy()
    keys = design.data[group_type].astype(object).to_numpy()
    return rank(design, {g: (y, ~np.isnan(y) & (keys == g)) for g in names})


def metrics(design: SurveyDesign, options: list[Metric]) -> Ranking:
    """The ranking of metrics (e.g. the options of one question) over everyone in their bases,
    labelled by metric id."""
    candidates = {}
    for m in options:
        y = indicator(design.data, m).to_numpy()
        candidates[m.id] = (y, ~np.isnan(y))
    return rank(design, candidates)
