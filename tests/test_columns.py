"""Every table is documented (docs/columns.md, generated from microcred.columns) and p-values
keep their significant digits in the CSV and Markdown tables."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from microcred.core import files
from microcred.report import column_dictionary


def test_every_table_in_tables_is_described():
    tables = column_dictionary.table_columns()
    assert tables, "no tables to check: run `make report`"
    assert not set(tables) - set(column_dictionary.TABLES), "tables without a description in column_dictionary.TABLES"


def test_every_column_of_every_table_is_described():
    labels = column_dictionary.metric_labels()
    missing = {(t, c) for t, cs in column_dictionary.table_columns().items() for c in cs
               if column_dictionary.describe(c, labels, t) is None}
    assert not missing, f"add these to microcred.columns.COLUMNS: {sorted(missing)}"


def test_the_column_dictionary_page_describes_every_column_as_the_code_does():
    """Each table's section and each column's current description are on the page (it may list a
    column a table gained after the committed outputs were last regenerated)."""
    page = column_dictionary.DOCUMENT.read_text(encoding="utf-8")
    labels = column_dictionary.metric_labels()
    stale = [f"{name}.{c}" for name, cs in column_dictionary.table_columns().items() for c in cs
             if f"## `tables/{name}.csv`" not in page
             or f"| `{c}` | {column_dictionary.describe(c, labels, name)} |" not in page]
    assert not stale, f"docs/columns.md is stale for {stale}: run `.venv/bin/python -m microcred.columns`"


def test_an_undescribed_column_shows_up(tmp_path):
    pd.DataFrame({"metric": ["x"], "mystery": [1]}).to_csv(tmp_path / "new.csv", index=False)
    page = column_dictionary.markdown(column_dictionary.table_columns(tmp_path))
    assert "| `mystery` | (not described) |" in page and "## `tables/new.csv`" in page


@pytest.mark.parametrize("p, written", [(2.4e-09, "2.4e-09"), (0.0456789, "0.0457"), (0.5, "0.5"),
                                        (1.0, "1"), (np.nan, "")])
def test_p_values_keep_significant_digits_in_csv_and_markdown(p, written):
    frame = pd.DataFrame({"group": ["a"], "p_value": [p], "p_adjusted": [p], "pct": [12.34567]})
    csv = files.csv_bytes(frame).decode().splitlines()[1]
    assert csv == f"a,{written},{written},12.346"
    assert f"| a | {written} | {written} | 12.3 |" in files.markdown(frame)


def test_small_p_values_survive_a_round_trip_through_the_csv():
    frame = pd.DataFrame({"p_value": [2.4e-09, 3.1e-05, 0.012]})
    back = pd.read_csv(pd.io.common.BytesIO(files.csv_bytes(frame)))
    assert np.allclose(back["p_value"], frame["p_value"], rtol=1e-2) and (back["p_value"] > 0).all()

