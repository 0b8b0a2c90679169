"""Co-occurrence of multi-select options on a hand-worked case."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from microcred.release import gate, selections
from microcred.release.policy import Policy
from microcred.statistics import multiselect

X = pd.DataFrame({"a": [1, 1, 1, 0], "b": [1, 1, 0, 0], "c": [0, 0, 0, 1]})


def test_cooccurrence_counts_conditional_and_lift():
    out = multiselect.cooccurrence(X)
    assert out["counts"].loc["a", "b"] == 2 and out["counts"].loc["a", "a"] == 3
    assert out["conditional"].loc["a", "b"] == pytest.approx(2 / 3)  # P(b | a)
    assert out["conditional"].loc["b", "a"] == pytest.approx(1.0)  # P(a | b)
    # lift(a, b) = P(a and b) / (P(a) P(b)) = (2/4) / (3/4 * 2/4)
    assert out["lift"].loc["a", "b"] == pytest.approx((2 / 4) / ((3 / 4) * (2 / 4)))
    assert out["lift"].loc["a", "c"] == 0


INST = pd.Series(["i1", "i2", "i3", "i4"])
LABELS = {"a": "A", "b": "B", "c": "C"}


def combinations(policy, institutions=INST, top=10):
    return selections.combinations(X, LABELS,
                                   selections.release_selections(X, institutions, policy, top))


def test_combinations_counts_exact_sets_and_hides_rare_ones():
    table = combinations(Policy(1, 1, off=True))
    assert dict(zip(table["combination"], table["count"])) == {"A + B": 2, "A": 1, "C": 1}
    assert dict(zip(table["combination"], table["options"])) == {"A + B": 2, "A": 1, "C": 1}
    assert list(combinations(Policy(1, 1, off=True), top=1)["combination"]) == ["A + B"]
    table = combinations(Policy(2, 1, off=True))
    assert list(table["combination"]) == ["A + B"]
    assert table.attrs["hidden"] == {"primary": 2, "secondary": 0}
    # two respondents of one institution are one institution: not listed under min_institutions 2
    assert combinations(Policy(1, 2, off=True), pd.Series(["i1", "i1", "i3", "i4"])).empty


def test_released_lift_has_no_diagonal_and_no_small_pair():
    lift = selections.shown_lift(X,
                                 selections.release_selections(X, INST, Policy(1, 1, off=True), 0))
    assert np.isnan(np.diag(lift.to_numpy())).all()
    assert lift.loc["a", "b"] == pytest.approx((2 / 4) / ((3 / 4) * (2 / 4)))
    assert np.isnan(lift.loc["a", "c"]) and np.isnan(lift.loc["c", "a"])  # named together by 0


def test_what_the_counts_shown_would_give_back_is_hidden_as_well():
    """(a, b) is named together by 2 leaders: hidden. Listing "a" alone (5) beside a's count
    (7) would give it back, and so would "b" alone (4) beside b's count (6): both go."""
    x = pd.DataFrame([[1, 0]] * 5 + [[1, 1]] * 2 + [[0, 1]] * 4, columns=["a", "b"])
    institutions = pd.Series([f"i{k}" for k in range(len(x))])
    released = selections.release_selections(x, institutions, Policy(3, 1, off=True), 10)
    assert released.pairs == frozenset() and released.combinations == ()
    assert released.hidden == {"pairs": {"primary": 1, "secondary": 0},
                               "combinations": {"primary": 1, "secondary": 2}}
    # over every combination a reader cannot rule out ({}, {a}, {b}, {a, b})
    atoms = np.arange(4)
    a, b = (atoms & 1).astype(float), (atoms >> 1 & 1).astype(float)
    pair, only = a * b, (atoms == 1).astype(float)
    assert gate.determined([np.ones(4), a, b, only], pair)
    assert not gate.determined([np.ones(4), a, b], pair)


def test_with_a_third_option_one_combination_alone_stays_listed():
    """Three options: "a", "b" and "c" alone listed, with every option's count and those who
    chose none, pin (a, b, c) and then (a, b) down; with "a" alone only, (a, b) stays mixed with
    (a, b, c), which nobody chose but the tables do not say so. The two least common go."""
    x = pd.DataFrame([[1, 0, 0]] * 5 + [[1, 1, 0]] * 2 + [[0, 1, 0]] * 4 + [[0, 0, 1]] * 3,
                     columns=["a", "b", "c"])
    released = selections.release_selections(x, pd.Series(range(len(x))), Policy(3, 1, off=True),
                                             10)
    assert released.combinations == ((1, 5),)  # "a" alone, chosen by 5
    assert released.hidden["combinations"] == {"primary": 1, "secondary": 2}


def test_selections_keep_only_those_who_answered():
    frame = pd.DataFrame({"barriers_answered": [True, False, True],
                          "x": pd.array([True, pd.NA, False], dtype="boolean")})
    assert multiselect.selections(frame, ["x"], "barriers")["x"].tolist() == [1, 0]
