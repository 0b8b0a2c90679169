"""SPSS (.sav) and Excel (.xlsx) exports: the same responses as the CSV give identical clean data,
and a bad value names its row and column as in a CSV."""

from __future__ import annotations

import pandas as pd
import pytest
from platform_exports import write_sav, write_xlsx

from microcred.survey import analysis_data, codebook, countries, validity
from microcred.survey.formats import spss_name, text
from microcred.survey.layout import ExportError
from microcred.survey.reader import read_export

from conftest import write_export

WRITERS = {"csv": lambda frame, path: write_export(path, frame), "sav": write_sav, "xlsx": write_xlsx}


def cleaned(path):
    export = read_export(path)
    resolved = countries.resolve_spellings(export.data["country"])
    result = validity.apply_rules(export.data, validity.leader_rules(resolved, 1 / 3, "24h"),
                               export.malformed)
    frame = analysis_data.analysis_frame(result.kept, codebook.load(), resolved, "m49", "key")
    return frame, result


@pytest.fixture(scope="module")
def three_formats(tmp_path_factory, raw_leaders):
    folder = tmp_path_factory.mktemp("formats")
    return {fmt: cleaned(write(raw_leaders, folder / f"export.{fmt}"))
            for fmt, write in WRITERS.items()}


@pytest.mark.parametrize("fmt", ["sav", "xlsx"])
def test_the_same_responses_give_identical_clean_data(three_formats, fmt):
    csv_frame, csv_result = three_formats["csv"]
    frame, result = three_formats[fmt]
    assert len(csv_frame) > 1000
    pd.testing.assert_frame_equal(frame, csv_frame)
    # SPSS pads text with blanks and drops trailing ones: a reason quoting "  " quotes ""
    blanks = {"reason": lambda r: r["reason"].str.replace(" ", "")}
    pd.testing.assert_frame_equal(result.rejected.assign(**blanks), csv_result.rejected.assign(**blanks))
    pd.testing.assert_frame_equal(result.dispositions, csv_result.dispositions)


def test_spss_names_value_labels_and_dates_are_read_as_the_csv_carries_them(tmp_path, raw_leaders):
    export = read_export(write_sav(raw_leaders, tmp_path / "export.sav"))
    data = export.data
    assert "Duration (in seconds)" in data and "Duration__in_seconds_" not in data
    assert data["Status"].eq("IP Address").sum() == raw_leaders["Status"].eq("IP Address").sum()
    assert set(data["offers_mc"].dropna()) <= {"Yes", "No", "Not sure"}
    assert data.loc[0, "StartDate"] == pd.Timestamp(raw_leaders.loc[0, "StartDate"])
    assert export.questions["offers_mc"] == codebook.load().question("offers_mc")["text"]
    assert export.row_of(0) == 1  # a case of the SPSS file


def test_spss_name_is_the_platforms():
    assert spss_name("Duration (in seconds)") == "Duration__in_seconds_"
    assert spss_name("barriers_8_TEXT") == "barriers_8_TEXT"


def test_platform_renamed_ids_in_another_case_are_matched(tmp_path, raw_leaders):
    frame = raw_leaders.rename(columns={"ResponseId": "ResponseID"})
    assert "ResponseId" in read_export(write_sav(frame, tmp_path / "x.sav")).data


@pytest.mark.parametrize("value,expected", [(100.0, "100"), (12.5, "12.5"), (float("nan"), None),
                                            (True, "True"), ("", None),
                                            (pd.Timestamp("2024-05-06 09:30:00"), "2024-05-06 09:30:00")])
def test_typed_cells_become_the_text_a_csv_carries(value, expected):
    assert text(value) == expected


def test_spss_code_without_a_label_names_case_and_column(tmp_path, raw_leaders):
    import pyreadstat

    path = write_sav(raw_leaders, tmp_path / "x.sav")
    frame, meta = pyreadstat.read_sav(path)
    frame.loc[6, "offers_mc"] = 7  # a code the value labels do not know
    pyreadstat.write_sav(frame, path, column_labels=meta.column_names_to_labels,
                         variable_value_labels=meta.variable_value_labels)
    with pytest.raises(ExportError, match="'7' is not one of the allowed answers") as err:
        read_export(path)
    assert (err.value.row, err.value.column) == (7, "offers_mc")


def test_spss_numeric_status_without_labels_is_understood(tmp_path, raw_leaders):
    import pyreadstat

    path = write_sav(raw_leaders, tmp_path / "x.sav")
    frame, meta = pyreadstat.read_sav(path)
    labels = {k: v for k, v in meta.variable_value_labels.items() if k != "Status"}
    pyreadstat.write_sav(frame, path, column_labels=meta.column_names_to_labels,
                         variable_value_labels=labels)
    data = read_export(path).data
    assert data["Status"].eq("IP Address").sum() == raw_leaders["Status"].eq("IP Address").sum()


def test_excel_bad_value_names_the_sheet_row_and_column(tmp_path, raw_leaders):
    frame = raw_leaders.copy()
    frame.loc[6, "career_outcomes"] = "strongly agree"
    with pytest.raises(ExportError, match="did you mean 'Strongly agree'") as err:
        read_export(write_xlsx(frame, tmp_path / "x.xlsx"))
    assert (err.value.row, err.value.column) == (6 + 4, "career_outcomes")


@pytest.mark.parametrize("suffix", [".sav", ".xlsx"])
def test_a_file_that_is_not_of_its_format_is_refused_clearly(tmp_path, suffix):
    path = tmp_path / f"export{suffix}"
    path.write_text("StartDate,EndDate\n", encoding="utf-8")
    with pytest.raises(ExportError, match="cannot be read as"):
        read_export(path)


def test_spss_multi_select_split_per_option_is_joined_even_without_labels(tmp_path, raw_leaders):
    import pyreadstat

    from microcred.survey.mapping import Mapping

    path = write_sav(raw_leaders, tmp_path / "x.sav")
    frame, meta = pyreadstat.read_sav(path)
    frame = frame.rename(columns=lambda c: c.replace("barriers_", "Q12_", 1) if c[-1].isdigit() else c)
    labels = {k: v for k, v in meta.variable_value_labels.items() if not k.startswith("barriers_")}
    pyreadstat.write_sav(frame, path, variable_value_labels=labels)
    data = read_export(path, mapping=Mapping(columns={"Q12": "barriers"})).data
    expected = raw_leaders["barriers"].where(raw_leaders["barriers"].ne(""))
    assert data["barriers"].equals(expected)
