"""Co-occurrence of multi-select options on a hand-worked case."""

from __future__ import annotations

import pandas as pd
import pytest

from microcred import barriers

X = pd.DataFrame({"a": [1, 1, 1, 0], "b": [1, 1, 0, 0], "c": [0, 0, 0, 1]})


def test_cooccurrence_counts_conditional_and_lift():
    out = barriers.cooccurrence(X)
    assert out["counts"].loc["a", "b"] == 2 and out["counts"].loc["a", "a"] == 3
    assert out["conditional"].loc["a", "b"] == pytest.approx(2 / 3)  # P(b | a)
    assert out["conditional"].loc["b", "a"] == pytest.approx(1.0)  # P(a | b)
    # lift(a, b) = P(a and b) / (P(a) P(b)) = (2/4) / (3/4 * 2/4)
    assert out["lift"].loc["a", "b"] == pytest.approx((2 / 4) / ((3 / 4) * (2 / 4)))
    assert out["lift"].loc["a", "c"] == 0


def test_combinations_counts_exact_sets_and_hides_rare_ones():
    table = barriers.combinations(X, {"a": "A", "b": "B", "c": "C"}, top=10, min_count=1)
    assert dict(zip(table["combination"], table["count"])) == {"A + B": 2, "A": 1, "C": 1}
    assert dict(zip(table["combination"], table["options"])) == {"A + B": 2, "A": 1, "C": 1}
    assert list(barriers.combinations(X, {"a": "A", "b": "B", "c": "C"}, 10, 2)["combination"]) == ["A + B"]


def test_selections_keep_only_those_who_answered():
    frame = pd.DataFrame({"barriers_answered": [True, False, True],
                          "x": pd.array([True, pd.NA, False], dtype="boolean")})
    assert barriers.selections(frame, ["x"], "barriers")["x"].tolist() == [1, 0]
