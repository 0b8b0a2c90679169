"""Every table is documented (docs/columns.md, generated from report.column_dictionary), every
description that states how a column follows from others holds on every table, which notebook
writes each table comes from pipeline.yaml, and p-values keep their significant digits in the CSV
and Markdown tables."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import yaml

from microcred.core import files, manifest, paths
from microcred.report import column_dictionary


def test_every_table_in_tables_is_described():
    tables = column_dictionary.table_columns()
    assert tables, "no tables to check: run `make report`"
    assert not set(tables) - set(column_dictionary.TABLES), \
        "tables without a description in column_dictionary.TABLES"


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
    assert not stale, (f"docs/columns.md is stale for {stale}: run "
                       "`.venv/bin/python -m microcred.report.column_dictionary`")


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



def run_level() -> float:
    return yaml.safe_load(paths.PARAMS.read_text(encoding="utf-8"))["common"]["confidence_level"]


def test_every_relation_a_description_states_holds_on_every_table():
    level, checked, broken = run_level(), 0, []
    for name, columns in column_dictionary.table_columns().items():
        table = pd.read_csv(paths.TABLES / f"{name}.csv")
        for column in columns:
            check = column_dictionary.check_of(name, column)
            if check is not None and len(table):
                checked += 1
                if not np.all(check(table, level)):
                    broken.append(f"{name}.{column}")
    assert not broken, f"these columns do not hold what docs/columns.md says: {broken}"
    assert checked > 60


@pytest.mark.parametrize("column, damage", [("pct", 1.0), ("ci_low", 0.5), ("n_eff", 5.0),
                                            ("srs_ci_high", 0.5), ("df", 10.0)])
def test_a_share_table_column_off_by_a_little_fails_its_check(column, damage):
    table = pd.read_csv(paths.TABLES / "estimates.csv")
    row = table.index[table["pct"].notna() & table["deff"].notna() & table["df"].lt(40)][0]
    table.loc[row, column] += damage
    target = column if column != "df" else "n_eff"  # df is measured; n_eff's check uses it
    assert not np.all(column_dictionary.check_of("estimates", target)(table, run_level()))


def test_a_hidden_comparison_and_a_dropped_holm_fail_the_family_check():
    table = pd.read_csv(paths.TABLES / "focus_region_vs_rest.csv")
    check = column_dictionary.check_of("focus_region_vs_rest", "p_adjusted")
    assert np.all(check(table, run_level()))
    assert not np.all(check(table.assign(p_adjusted=table["p_value"]), run_level()))


def test_which_notebook_writes_each_table_comes_from_the_pipeline():
    for name in column_dictionary.TABLES:
        writer = column_dictionary.written_by(name)
        assert name in manifest.notebook(writer).tables
        assert "(0" not in column_dictionary.TABLES[name]  # no hand-written attribution
    assert column_dictionary.written_by("item_nonresponse") == "02_regional_comparison"
