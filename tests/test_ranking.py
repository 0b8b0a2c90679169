"""Rankings with their uncertainty: each candidate's probability of being the highest or the
lowest under the design-based (linearised) sampling distribution, from a fixed seed."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from microcred.statistics import ranking
from microcred.statistics.design import SurveyDesign, difference


def clustered_groups(seed: int, shares, per_group: int = 400):
    rng = np.random.default_rng(seed)
    k = len(shares)
    group = np.repeat(np.arange(k), per_group)
    inst = np.repeat(np.arange(k * per_group // 2), 2)  # pairs of leaders, within a group
    y = (rng.random(k * per_group) < np.repeat(shares, per_group)).astype(float)
    return SurveyDesign.of(pd.DataFrame({"inst_id": inst, "g": group})), y, group


def test_probabilities_are_a_distribution_and_follow_the_gaps():
    design, y, group = clustered_groups(1, [0.2, 0.5, 0.8])
    order = ranking.rank(design, {str(g): (y, group == g) for g in range(3)})
    for p in (order.p_highest(), order.p_lowest()):
        assert p.sum() == pytest.approx(1.0)
    assert order.p_highest()["2"] > 0.99 and order.p_lowest()["0"] > 0.99
    assert order.ordered() == ["2", "1", "0"]
    assert order.p_top(["2", "1"]) > 0.99


def test_two_groups_probability_is_the_normal_probability_of_their_difference():
    design, y, group = clustered_groups(2, [0.5, 0.53])
    order = ranking.rank(design, {"a": (y, group == 0), "b": (y, group == 1)})
    d = difference(design, y, group == 1, group == 0)
    assert order.p_highest()["b"] == pytest.approx(stats.norm.cdf(d["diff"] / d["se"]), abs=0.01)


def test_equal_groups_are_each_lowest_about_equally_often_and_the_draws_are_the_same_every_run():
    design, y, group = clustered_groups(3, [0.5, 0.5, 0.5, 0.5], per_group=2000)
    y = np.tile((np.random.default_rng(4).random(2000) < 0.5).astype(float), 4)  # identical groups
    candidates = {str(g): (y, group == g) for g in range(4)}
    first = ranking.rank(design, candidates)
    assert first.p_lowest().to_numpy() == pytest.approx([0.25] * 4, abs=0.02)
    again = ranking.rank(design, candidates)
    np.testing.assert_array_equal(first.draws, again.draws)


def test_a_ranking_needs_two_institutions():
    design = SurveyDesign.of(pd.DataFrame({"inst_id": ["a", "a"]}))
    with pytest.raises(ValueError, match="two institutions"):
        ranking.rank(design, {"x": (np.array([1.0, 0.0]), np.array([True, True]))})
