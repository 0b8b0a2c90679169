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
    with pytest.raises(ValueError, match="^a ranking needs respondents of at least two "
                       "institutions$"):
        ranking.rank(design, {"x": (np.array([1.0, 0.0]), np.array([True, True]))})


def test_each_candidate_s_draws_have_its_design_variance_and_covariance_on_few_institutions():
    """Four institutions: C / (C - 1) = 4/3 counts (a wrong scale would be off by half)."""
    inst = np.repeat(np.arange(4), 5)
    design = SurveyDesign.of(pd.DataFrame({"inst_id": inst}))
    y = (np.arange(20) % 3 == 0).astype(float)
    first, second = inst < 3, inst > 0
    order = ranking.rank(design, {"a": (y, first), "b": (y, second)})
    a, b = design.mean(y, first), design.mean(y, second)
    assert order.estimates.tolist() == [a.estimate, b.estimate]
    assert order.draws.var(axis=0) == pytest.approx([a.variance, b.variance], rel=0.05)
    spread = np.var(order.draws[:, 0] - order.draws[:, 1])
    assert spread == pytest.approx(design.variance(a.influence - b.influence), rel=0.05)


def test_two_institutions_are_enough_for_a_ranking():
    design = SurveyDesign.of(pd.DataFrame({"inst_id": ["a", "a", "b", "b"]}))
    y = np.array([1.0, 0.0, 1.0, 1.0])
    order = ranking.rank(design, {"x": (y, np.ones(4, bool)), "y": (y, np.arange(4) > 1)})
    assert order.ordered() == ["y", "x"]


def test_the_probability_of_a_top_one_is_the_probability_of_being_highest():
    design, y, group = clustered_groups(5, [0.5, 0.53])
    order = ranking.rank(design, {"a": (y, group == 0), "b": (y, group == 1)})
    assert 0.05 < order.p_highest()["a"] < 0.95
    assert order.p_top(["a"]) == order.p_highest()["a"]
    assert order.p_top(["b", "a"]) == 1.0


def test_ties_go_to_the_candidate_listed_first_however_many_candidates():
    labels = [f"c{i}" for i in range(60)]
    estimates = np.random.default_rng(7).permutation(np.repeat([1.0, 2.0, 3.0], 20))
    tied = ranking.Ranking(labels, estimates, np.tile(estimates, (5, 1)))
    by_hand = sorted(range(60), key=lambda i: -estimates[i])  # Python's sort is stable
    assert tied.ordered() == [labels[i] for i in by_hand]
    assert tied.p_top([labels[i] for i in by_hand[:3]]) == 1.0


def test_the_draws_of_the_fixed_seed_give_the_same_probabilities_in_every_release():
    """The report states these probabilities: a change of generator, seed or sampling method
    changes the figures, and must be a decision."""
    design, y, group = clustered_groups(6, [0.45, 0.5, 0.52])
    order = ranking.rank(design, {str(g): (y, group == g) for g in range(3)}, draws=2000)
    assert order.p_highest().tolist() == [0.0165, 0.5715, 0.412]


def test_groups_and_metrics_rank_the_shares_over_each_metric_s_base(cb):
    frame = pd.DataFrame({
        "offers_mc": pd.Categorical(["Yes", "No", None, "Yes", "Yes", "No", "Not sure", None],
                                    categories=["Yes", "No", "Not sure"]),
        "region": ["A", "A", "A", "A", "B", "B", "B", "B"], "inst_id": list("abcdefgh")})
    design = SurveyDesign.of(frame)
    offers = cb.metric("offers_mc")
    by_region = ranking.groups(design, offers, "region", ["B", "A"])
    assert by_region.labels == ["B", "A"] and by_region.estimates.tolist() == [1 / 3, 2 / 3]
    over_all = ranking.metrics(design, [offers])
    assert over_all.labels == ["offers_mc"] and over_all.estimates.tolist() == [3 / 6]
