"""Co-occurrence of multi-select options on a hand-worked case."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from microcred import barriers
from microcred.disclosure import Policy

X = pd.DataFrame({"a": [1, 1, 1, 0], "b": [1, 1, 0, 0], "c": [0, 0, 0, 1]})


def test_cooccurrence_counts_conditional_and_lift():
    out = barriers.cooccurrence(X)
    assert out["counts"].loc["a", "b"] == 2 and out["counts"].loc["a", "a"] == 3
    assert out["conditional"].loc["a", "b"] == pytest.approx(2 / 3)  # P(b | a)
    assert out["conditional"].loc["b", "a"] == pytest.approx(1.0)  # P(a | b)
    # lift(a, b) = P(a and b) / (P(a) P(b)) = (2/4) / (3/4 * 2/4)
    assert out["lift"].loc["a", "b"] == pytest.approx((2 / 4) / ((3 / 4) * (2 / 4)))
    assert out["lift"].loc["a", "c"] == 0


INST = pd.Series(["i1", "i2", "i3", "i4"])
LABELS = {"a": "A", "b": "B", "c": "C"}


def test_combinations_counts_exact_sets_and_hides_rare_ones():
    table = barriers.combinations(X, LABELS, 10, Policy(1, 1, off=True), INST)
    assert dict(zip(table["combination"], table["count"])) == {"A + B": 2, "A": 1, "C": 1}
    assert dict(zip(table["combination"], table["options"])) == {"A + B": 2, "A": 1, "C": 1}
    assert list(barriers.combinations(X, LABELS, 10, Policy(2, 1, off=True), INST)["combination"]) == ["A + B"]
    # two respondents of one institution are one institution: not listed under min_institutions 2
    same = pd.Series(["i1", "i1", "i3", "i4"])
    assert barriers.combinations(X, LABELS, 10, Policy(2, 2, off=True), same).empty


def test_released_lift_has_no_diagonal_and_no_small_pair():
    lift = barriers.shown_lift(X, INST, Policy(2, 1, off=True))
    assert np.isnan(np.diag(lift.to_numpy())).all()
    assert lift.loc["a", "b"] == pytest.approx((2 / 4) / ((3 / 4) * (2 / 4)))
    assert np.isnan(lift.loc["a", "c"]) and np.isnan(lift.loc["c", "a"])  # named together by 0


def test_selections_keep_only_those_who_answered():
    frame = pd.DataFrame({"barriers_answered": [True, False, True],
                          "x": pd.array([True, pd.NA, False], dtype="boolean")})
    assert barriers.selections(frame, ["x"], "barriers")["x"].tolist() == [1, 0]
