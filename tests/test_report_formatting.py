"""Tables for readers (report.formatting): one formatter for HTML, PDF and Word, so every format
reads "51.0 (47.5–54.4)", "< 0.001", "1,058" and "not shown" alike, and none says nan, 94.0 for
a count, -0.0 or an empty table."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from microcred.core import paths
from microcred.report import document, formatting
from microcred.report.formatting import HIDDEN, MINUS

WHY = "no value is shown for a group of fewer than 30 respondents"
RAW_NUMBER = re.compile(r"\bnan\b|^-0\.0|e-\d|\[nan")


@pytest.mark.parametrize(("value", "expected"), [
    (1058.0, "1,058"), (94.0, "94"), (0.0, "0"), (np.nan, None), (None, None)])
def test_counts_read_as_integers(value, expected):
    assert formatting.integer(value) == expected


@pytest.mark.parametrize(("center", "low", "high", "expected"), [
    (50.962, 47.514, 54.4, "51.0 (47.5–54.4)"),
    (-2.82, -6.121, 0.48, f"{MINUS}2.8 ({MINUS}6.1 to 0.5)"),
    (-0.04, -1.0, 1.0, f"0.0 ({MINUS}1.0 to 1.0)"),  # no "-0.0"
    (1058.0, np.nan, np.nan, "1,058.0"),  # no "[nan, nan]"
    (np.nan, 1.0, 2.0, None)])
def test_an_interval_sits_beside_its_estimate(center, low, high, expected):
    assert formatting.interval(center, low, high) == expected


@pytest.mark.parametrize(("p", "expected"), [
    (7.33e-10, "< 0.001"), (0.000999, "< 0.001"), (0.001, "0.0010"), (0.0141, "0.014"),
    (0.141, "0.14"), (0.703, "0.70"), (1.0, "1.0"), (np.nan, None)])
def test_p_values_read_below_a_thousandth_or_to_two_significant_digits(p, expected):
    assert formatting.p_value(p) == expected


def test_a_hidden_row_says_not_shown_with_a_footnote_and_a_missing_value_says_it_does_not_apply():
    frame = pd.DataFrame({"metric": ["offers_mc", "adopt_5y"], "n": [1040.0, 12.0],
                          "pct": [50.962, np.nan], "ci_low": [47.5, np.nan],
                          "ci_high": [54.4, np.nan], "suppressed": [False, True],
                          "note": ["", ""]})
    frame.loc[0, "note"] = np.nan
    table = formatting.view("anything", frame, WHY, synthetic=True)
    assert table.columns == ("Measure", "n", "% (interval)", "Note")
    assert table.rows[0][:3] == ("Institution offers micro-credentials", "1,040",
                                 "51.0 (47.5–54.4)")
    assert table.rows[1][2] == HIDDEN and (1, 2) in table.hidden
    assert table.hidden_note == f"Not shown: {WHY}."
    assert table.rows[0][3] == formatting.NOT_APPLICABLE
    assert "does not apply" in " ".join(table.notes)
    assert table.source_note.startswith("Source: tables/anything.csv")
    assert "SYNTHETIC DATA" in table.source_note


def test_a_comparison_puts_the_adjusted_p_beside_the_unadjusted_one_and_names_the_method():
    frame = pd.read_csv(paths.TABLES / "focus_region_vs_rest.csv")
    table = formatting.view("focus_region_vs_rest", frame, WHY, synthetic=False)
    assert table.columns[-2:] == ("p", "Holm-adjusted\np")
    assert table.columns[1].startswith(frame["group"].iat[0])
    assert len(table.columns) <= 8


def every_view() -> list[formatting.ReaderTable]:
    return [formatting.view(p.stem, document.read_table(p.stem), WHY, True)
            for p in sorted(paths.TABLES.glob("*.csv"))]


def test_no_table_of_the_run_reads_nan_a_float_count_or_a_raw_column_name():
    tables = every_view()
    assert tables, "run `make report`"
    for table in tables:
        cells = [c for row in table.rows for c in row]
        numbers = [c for row in table.rows for c, numeric in zip(row, table.numeric) if numeric]
        assert not [c for c in numbers if RAW_NUMBER.search(c)], table.name
        assert not [c for c in cells if re.search(r"\bnan\b", c)], table.name  # text too
        counts = [j for j, c in enumerate(table.columns) if c.split("\n")[-1] == "n"]
        assert not [r[j] for r in table.rows for j in counts if "." in r[j]], table.name
        assert not [c for c in table.columns if "_" in c], (table.name, table.columns)
        assert all(c.strip() for c in cells), table.name


def test_every_placed_table_is_formatted_by_its_own_view():
    placed = {t for s in document.content.SECTIONS for t in s.tables}
    assert placed <= set(formatting.VIEWS) | {"barrier_findings"}
