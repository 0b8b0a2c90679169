"""The gate's small accessors, pinned whole (mutation testing found them reached by no unit test):
"is this cell shown", the cells each rule hid, the table as written, and the refusal of a table
that shows a value in a row it marks hidden."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from microcred.release import gate
from microcred.release.policy import DisclosureError, Policy


def released() -> pd.DataFrame:
    return pd.DataFrame({"metric": ["offers_mc", "offers_mc", "offers_mc", "plan"],
                         "group_type": ["all", "region", "country", "region"],
                         "group": ["All", "Europe", 840, "Europe"],
                         "n": [100, 40, 8, 40], "count": [51.0, 21.0, None, 11.0],
                         "pct": [51.0, 52.5, None, 27.5],
                         "suppressed": [False, False, True, False]})


@pytest.mark.parametrize("metric, group_type, group, shown", [
    ("offers_mc", "all", "All", True),
    ("offers_mc", "region", "Europe", True),
    ("offers_mc", "country", 840, False),        # hidden
    ("offers_mc", "country", "840", False),      # the group compared as text
    ("offers_mc", "region", "Asia", False),      # not released at all
    ("plan", "all", "All", False),               # another metric's group type
    ("plan", "region", "Europe", True),
])
def test_a_cell_is_shown_only_when_released_once_and_not_suppressed(metric, group_type, group,
                                                                    shown):
    assert gate.is_shown(released(), metric, group_type, group) is shown


def test_a_cell_released_twice_is_not_taken_as_shown():
    twice = pd.concat([released().head(1)] * 2, ignore_index=True)
    assert gate.is_shown(twice, "offers_mc", "all", "All") is False


def test_the_cells_each_rule_hid_are_counted_by_their_reason():
    table = released().assign(hidden_by=["", "interval", "primary", "secondary"])
    assert gate.hidden_counts(table) == {"primary": 1, "secondary": 1, "interval": 1}
    assert gate.hidden_counts(released()) == {"primary": 1, "secondary": 0, "interval": 0}
    pairs = pd.DataFrame({"pair": ["a+b"]})
    pairs.attrs["hidden"] = {"primary": 3, "secondary": 2.0}
    assert gate.hidden_counts(pairs) == {"primary": 3, "secondary": 2, "interval": 0}
    assert gate.hidden_counts(pd.DataFrame({"pair": []})) == \
        {"primary": 0, "secondary": 0, "interval": 0}


def test_the_table_as_written_drops_the_bookkeeping_and_keeps_counts_whole_where_it_can():
    table = released().assign(hidden_by="", answers_shown=True)
    written = gate.drop_internal(table)
    assert "hidden_by" not in written and "answers_shown" not in written
    assert written["count"].dtype == "float64"  # a hidden count is blank: floats stay
    whole = gate.drop_internal(table[~table["suppressed"]])
    assert whole["count"].dtype == "int64" and whole["count"].tolist() == [51, 21, 11]
    halves = table[~table["suppressed"]].assign(count=[50.5, 21.0, 11.0])
    assert gate.drop_internal(halves)["count"].dtype == "float64"
    assert list(gate.drop_internal(released()).columns) == list(released().columns)


def test_a_table_showing_a_value_in_a_suppressed_row_is_refused():
    gate.check_released(released())  # hidden row blank: accepted
    gate.check_released(released().drop(columns="suppressed"))  # nothing marked: nothing to check
    leaking = released()
    leaking.loc[2, "pct"] = 12.5
    with pytest.raises(DisclosureError, match="^a table shows values in rows marked suppressed$"):
        gate.check_released(leaking)
    leaking_n_only = released()
    leaking_n_only.loc[2, "n"] = 9  # a hidden group keeps its n: not a value
    gate.check_released(leaking_n_only)


def test_a_comparison_names_only_groups_the_estimates_list_or_empty_ones():
    table = pd.DataFrame({"metric": ["offers_mc"] * 4, "group": ["Europe", 840, "Peru", "Chad"],
                          "n_group": [40, 8, 0, 1]})
    listed = gate.listed(table, released(), "region")
    assert listed.dtype == bool and listed.tolist() == [True, False, True, False]
    assert gate.listed(table, released(), "country").tolist() == [False, True, True, False]


def test_a_count_follows_from_others_exactly_when_it_is_a_combination_of_them():
    total, part = np.array([1, 1, 1]), np.array([1, 0, 0])
    assert gate.determined([total, part], np.array([0, 1, 1]))  # the total minus the part
    assert not gate.determined([total, part], np.array([0, 1, 0]))
    assert gate.determined([], np.zeros(3))  # nothing known: only the empty count follows
    assert not gate.determined([], np.array([0, 0, 1]))


def comparison() -> pd.DataFrame:
    """Each region against the rest, before the gate: Europe (shown), Asia (hidden), Peru (a
    group without respondents that the estimates do not list), Africa (shown)."""
    return pd.DataFrame({"metric": ["offers_mc"] * 4, "group": ["Europe", "Asia", "Peru", "Africa"],
                         "n_group": [40, 12, 0, 48], "n_rest": [60, 88, 100, 52],
                         "diff_pp": [1.5, -2.5, 0.0, 3.5]}, index=[6, 7, 8, 9])


def regions(hidden_by: bool) -> pd.DataFrame:
    out = pd.DataFrame({"metric": ["offers_mc"] * 3, "group_type": ["region"] * 3,
                        "group": ["Europe", "Asia", "Africa"], "n": [40, 12, 48],
                        "count": [21.0, np.nan, 30.0], "suppressed": [False, True, False]})
    return out.assign(hidden_by=["", "secondary", ""]) if hidden_by else out


@pytest.mark.parametrize("hidden_by, asia", [(True, "secondary"), (False, "primary")])
def test_a_comparison_is_hidden_as_its_groups_cell_and_says_why(hidden_by, asia):
    out = gate.comparisons(comparison(), regions(hidden_by), "region")
    assert list(out.index) == [0, 1, 2, 3] and "index" not in out
    assert out["hidden_by"].tolist() == ["", asia, "primary", ""]  # Peru: in no released cell
    assert out["diff_pp"].isna().tolist() == [False, True, True, False]
    assert out["n_group"].tolist() == [40, 12, 0, 48]  # a hidden group keeps its n


def test_an_empty_comparison_stays_a_table_of_its_columns():
    empty = comparison().head(0)
    assert gate.listed(empty, released(), "region").dtype == bool
    assert list(gate.comparisons(empty, regions(True), "region").columns) == \
        [*empty.columns, "hidden_by"]


def test_a_weighting_class_is_small_by_its_respondents_or_its_institutions():
    frame = pd.DataFrame({"region": ["A"] * 40 + ["B"] * 40 + [None] * 3,
                          "inst_id": [f"i{i}" for i in range(83)]}, index=range(100, 183))
    base = np.ones(len(frame), dtype=int)  # a 0/1 base, as an indicator column gives it
    policy = Policy(30, 5)
    assert gate.small_weighting_class(frame, ["region"], base, policy)  # the 3 without a region
    assert not gate.small_weighting_class(frame.iloc[:80], ["region"], base[:80], policy)
    few = frame.iloc[:80].assign(inst_id=["x", "y", "z", "w"] * 10 + [f"i{i}" for i in range(40)])
    assert gate.small_weighting_class(few, ["region"], base[:80], policy)  # A: 4 institutions
    unused = frame.iloc[:80].assign(region=pd.Categorical(frame["region"].iloc[:80],
                                                          categories=["A", "B", "C"]))
    assert not gate.small_weighting_class(unused, ["region"], base[:80], policy)  # no C at all
    assert gate.small_weighting_class(frame, ["region"], np.zeros(len(frame), dtype=int), policy)


def test_a_comparison_whose_rest_is_too_small_is_hidden_by_the_families_rule():
    asked = []

    def rest_too_small(metric, group):
        asked.append((metric, group))
        return group == "Europe"

    out = gate.comparisons(comparison(), regions(False), "region", rest_too_small)
    assert asked == [("offers_mc", g) for g in ("Europe", "Asia", "Peru", "Africa")]
    assert out["hidden_by"].tolist() == ["secondary", "primary", "primary", ""]
    assert out["diff_pp"].isna().tolist() == [True, True, True, False]


def test_a_hidden_conditional_cell_hides_its_n_and_the_rests():
    released = regions(True).assign(n=[40, np.nan, 48])  # Asia's n hidden with its cell
    out = gate.comparisons(comparison(), released, "region")
    assert str(out["n_group"].dtype) == "Int64" and str(out["n_rest"].dtype) == "Int64"
    assert out["n_group"].isna().tolist() == [False, True, False, False]
    assert out["n_rest"].isna().tolist() == [False, True, False, False]
    assert out["n_rest"].iloc[0] == 60
