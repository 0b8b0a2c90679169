"""The gate's small accessors, pinned whole (mutation testing found them reached by no unit test):
"is this cell shown", the cells each rule hid, the table as written, and the refusal of a table
that shows a value in a row it marks hidden."""

from __future__ import annotations

import pandas as pd
import pytest

from microcred.release import gate
from microcred.release.policy import DisclosureError


def released() -> pd.DataFrame:
    return pd.DataFrame({"metric": ["offers_mc", "offers_mc", "offers_mc", "plan"],
                         "group_type": ["all", "region", "country", "region"],
                         "group": ["All", "Europe", 840, "Europe"],
                         "n": [100, 40, 8, 40], "count": [50.0, 20.0, None, 10.0],
                         "pct": [50.0, 50.0, None, 25.0],
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
    assert whole["count"].dtype == "int64" and whole["count"].tolist() == [50, 20, 10]
    halves = table[~table["suppressed"]].assign(count=[50.5, 20.0, 10.0])
    assert gate.drop_internal(halves)["count"].tolist() == [50.5, 20.0, 10.0]
    assert list(gate.drop_internal(released()).columns) == list(released().columns)


def test_a_table_showing_a_value_in_a_suppressed_row_is_refused():
    gate.check_released(released())  # hidden row blank: accepted
    gate.check_released(released().drop(columns="suppressed"))  # nothing marked: nothing to check
    leaking = released()
    leaking.loc[2, "pct"] = 12.5
    with pytest.raises(DisclosureError, match="shows values in rows marked suppressed"):
        gate.check_released(leaking)
    leaking_n_only = released()
    leaking_n_only.loc[2, "n"] = 9  # a hidden group keeps its n: not a value
    gate.check_released(leaking_n_only)
