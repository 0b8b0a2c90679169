"""The bad-input corpus of issue 24 beyond the reader (whose cases are in test_export.py,
test_formats.py and test_project.py): what a respondent types never reaches a spreadsheet as a
formula, and a report on your own leaders export never shows the bundled synthetic employers as
yours."""

from __future__ import annotations

import csv
import io
import json
import re

import pandas as pd
import pytest

from microcred.core import files
from microcred.survey import countries
from microcred.synthetic import generator as synth
from microcred.tooling.sandbox import make, make_sandbox

from conftest import write_export

PAYLOADS = ['=HYPERLINK("http://x","y")', "+cmd|' /C calc'!A0", "@SUM(1+1)", "-2+3", "\t=1+1",
            "\r=1+1"]


def test_text_a_spreadsheet_would_run_as_a_formula_is_written_as_text():
    frame = pd.DataFrame({"spelling": [*PAYLOADS, "Mexico\r=1+1", "Mexico", "-2", "+3.5", None],
                          "n": range(len(PAYLOADS) + 5)})
    rows = list(csv.reader(io.StringIO(files.csv_bytes(frame).decode("utf-8"), newline="")))
    assert len(rows) == len(frame) + 1  # a carriage return in a cell starts no row
    written = [row[0] for row in rows[1:]]
    assert written[:len(PAYLOADS)] == [f"'{p}".replace("\r", "\n") for p in PAYLOADS]
    assert written[len(PAYLOADS):] == ["Mexico\n=1+1", "Mexico", "-2", "+3.5", ""]  # names, numbers


def test_categories_are_made_safe_too_and_a_safe_frame_is_not_copied():
    frame = pd.DataFrame({"c": pd.Categorical(["=1+1", "ok", "=1+1"])})
    assert files.formula_safe(frame)["c"].tolist() == ["'=1+1", "ok", "'=1+1"]
    safe = pd.DataFrame({"c": ["a", "b"], "x": [-1.5, 2.0]})
    assert files.formula_safe(safe) is safe


def test_formula_payloads_typed_as_a_country_reach_the_unresolved_spellings_as_text(tmp_path):
    """As 01_clean writes data/interim/unresolved_spellings.csv, which the analyst opens."""
    spellings = pd.Series([*PAYLOADS, "Mexico"])
    resolved = countries.resolve_spellings(spellings)
    unresolved = resolved[resolved["iso3"].eq("")]
    assert len(unresolved) == len(PAYLOADS)
    path = files.write_csv(unresolved[["spelling", "reason"]],
                           tmp_path / "unresolved_spellings.csv")
    text = io.StringIO(path.read_text(encoding="utf-8"), newline="")
    first = [row[0] for row in csv.reader(text)]
    assert all(cell.startswith("'") for cell in first[1:])


@pytest.mark.slow
def test_your_own_export_beside_the_bundled_synthetic_employers_gets_no_employer_results(tmp_path):
    """`make report RAW=your.csv` leaves raw_employers at the bundled synthetic export: the
    employer results are left out, the report says so, and no table shows synthetic employers."""
    folder = make_sandbox(tmp_path)
    write_export(folder / "data" / "raw" / "mine.csv",
                 synth.leaders_export().assign(ExternalReference=""))
    make(folder, "report", "RAW=data/raw/mine.csv")
    provenance = json.loads((folder / "data" / "processed" / "provenance.json").read_text())
    assert not provenance["synthetic"] and provenance["employers"]["synthetic"]
    assert "the employer results are left out" in provenance["employers"]["left_out"]
    assert provenance["valid_employers"] == 0
    assert len(pd.read_csv(folder / "data" / "processed" / "employers_clean.csv")) == 0
    us = pd.read_csv(folder / "tables" / "employers_us_vs_rest.csv")
    assert us["n_group"].eq(0).all() and us["pct_group"].isna().all()
    page = (folder / "report" / "report.html").read_text(encoding="utf-8")
    assert ("records; the employer results are left out: the leaders export is not the "
            "synthetic") in page
    assert not re.search(r"[1-9][\d,]* employers\.", page)  # the transparency statement: 0
    assert "Synthetic data" not in page
