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

WRITERS = {"csv": lambda frame, path: write_export(path, frame), "sav": write_sav,
           "xlsx": write_xlsx}


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
    pd.testing.assert_frame_equal(result.rejected.assign(**blanks),
                                  csv_result.rejected.assign(**blanks))
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
                                            (pd.Timestamp("2024-05-06 09:30:00"),
                                             "2024-05-06 09:30:00")])
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
    frame = frame.rename(
        columns=lambda c: c.replace("barriers_", "Q12_", 1) if c[-1].isdigit() else c)
    labels = {k: v for k, v in meta.variable_value_labels.items() if not k.startswith("barriers_")}
    pyreadstat.write_sav(frame, path, variable_value_labels=labels)
    data = read_export(path, mapping=Mapping(columns={"Q12": "barriers"})).data
    expected = raw_leaders["barriers"].where(raw_leaders["barriers"].ne(""))
    assert data["barriers"].equals(expected)


# --------------------------------------------------------------------------- issue 24: workbooks
# Every sheet is considered; what would change the answers read (merged cells, formulas without
# a computed value, records on several sheets) is refused naming the sheet and the cells; title
# rows and other sheets are left out with a note; a workbook's size is bounded.

def _book(tmp_path, sheets: dict, name: str = "book.xlsx", edit=None):
    """A workbook of sheets given as lists of rows (the export's rows as text); `edit(sheet)`
    changes the one named 'export' before saving."""
    import openpyxl

    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
        if edit and title == "export":
            edit(sheet)
    book.save(tmp_path / name)
    return tmp_path / name


def _rows(frame: pd.DataFrame) -> list[list]:
    """The export's rows as a workbook holds them: the header, then each record (text)."""
    return [list(frame.columns)] + frame.astype(object).where(frame.ne(""), None).values.tolist()


@pytest.fixture(scope="module")
def small(raw_leaders):
    return raw_leaders.iloc[:40].reset_index(drop=True)


def test_records_on_two_sheets_are_refused_naming_them(tmp_path, small):
    rows = _rows(small)
    path = _book(tmp_path, {"export": rows[:21], "export (2)": [rows[0], *rows[21:]]})
    with pytest.raises(ExportError,
                       match=r"records on 2 sheets \('export', 'export \(2\)'\)") as err:
        read_export(path)
    assert err.value.sheet == "export (2)" and "sheet 'export (2)'" in str(err.value)


def test_a_readme_sheet_before_the_export_is_left_out_with_a_note(tmp_path, small):
    readme = [["This workbook holds the survey export."], ["Sheet 'export': one row per response."]]
    export = read_export(_book(tmp_path, {"README": readme, "export": _rows(small)}))
    assert len(export.data) == len(small) and export.row_of(0) == 2
    assert export.notes == ["sheet 'export' read",
                            "sheet 'README' left out: no header row of the codebook's column ids"]


def test_title_rows_above_the_header_are_left_out_and_rows_keep_the_sheets_numbers(tmp_path, small):
    frame = small.copy()
    frame.loc[6, "offers_mc"] = "Perhaps"
    title = [["Micro-credentials: survey of higher-education leaders"], ["Exported 2024-08-01"], []]
    path = _book(tmp_path, {"export": title + _rows(frame)})
    with pytest.raises(ExportError, match="'Perhaps'") as err:
        read_export(path)
    assert (err.value.sheet, err.value.row, err.value.column) == ("export", 11, "offers_mc")
    export = read_export(_book(tmp_path, {"export": title + _rows(small)}))
    assert len(export.data) == len(small) and export.row_of(0) == 5
    assert export.notes[1] == ("sheet 'export': rows 1 to 2 above the header row (row 4) left out: "
                               "'Micro-credentials: survey of higher-education leaders'")


def test_a_sheet_without_the_codebooks_ids_names_what_its_first_row_reads(tmp_path):
    path = _book(tmp_path, {"a": [["Title"], ["x", "y"]], "b": [["Other"]]})
    with pytest.raises(ExportError, match="no sheet has a header row of the codebook's column ids "
                       r"\(sheet 'a' row 1 reads 'Title'; sheet 'b' row 1 reads 'Other'\)"):
        read_export(path)


def test_merged_cells_are_refused_naming_the_ranges_and_the_column(tmp_path, small):
    column = list(small.columns).index("career_outcomes") + 1  # AE

    def merge(sheet):
        sheet.merge_cells(start_row=4, end_row=6, start_column=column, end_column=column)
        sheet.merge_cells(start_row=9, end_row=10, start_column=column, end_column=column)

    with pytest.raises(ExportError, match=r"merged cells \(AE4:AE6, AE9:AE10\) in column\(s\) "
                       "'career_outcomes'") as err:
        read_export(_book(tmp_path, {"export": _rows(small)}, edit=merge))
    assert (err.value.sheet, err.value.row) == ("export", 4)


def test_a_merged_title_above_the_header_is_no_problem(tmp_path, small):
    def merge(sheet):
        sheet.merge_cells("A1:F1")

    rows = [["Micro-credentials survey"], [], *_rows(small)]
    assert len(read_export(_book(tmp_path, {"export": rows}, edit=merge)).data) == len(small)


def test_formulas_without_a_computed_value_are_refused_naming_the_cells(tmp_path, small):
    """Written by a program that stores formulas only (openpyxl, as here): a Duration so
    written would read as missing."""
    def formulas(sheet):
        for row in range(2, len(small) + 2):
            sheet[f"F{row}"] = f"=ROUND((B{row}-A{row})*86400,0)"

    with pytest.raises(ExportError,
                       match=r"formulas without a computed value in F2:F41 \(column\(s\) "
                       r"'Duration \(in seconds\)'\): .*open and save it in a spreadsheet "
                       "program") as err:
        read_export(_book(tmp_path, {"export": _rows(small)}, edit=formulas))
    assert err.value.row == 2


def test_a_password_protected_workbook_is_named_so(tmp_path):
    """tests/corpus/password_protected.xlsx: a small workbook encrypted with a password
    (ECMA-376 agile encryption, as Excel writes it; made once with msoffcrypto-tool)."""
    from pathlib import Path

    with pytest.raises(ExportError, match=r"a password-protected \(encrypted\) workbook: save it "
                       "without a password, or export CSV"):
        read_export(Path(__file__).parent / "corpus" / "password_protected.xlsx")
    old = tmp_path / "old.xlsx"  # a compound file without encryption: Excel 97-2003
    old.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504))
    with pytest.raises(ExportError, match=r"an Excel 97-2003 workbook \(.xls\)"):
        read_export(old)


def test_a_value_far_to_the_right_is_refused_within_bounded_memory(tmp_path, small):
    """One cell in column XFD made the reader build every row 16,384 cells wide."""
    def far(sheet):
        for row in range(1, 2001):
            sheet.cell(row=row, column=16_384, value="x")

    path = _book(tmp_path, {"export": _rows(small)}, edit=far)
    with pytest.raises(ExportError,
                       match=r"the sheet spans A1:XFD2000 \(16,384 columns, 2,000 rows\): "
                       "over the limit of 1,000 columns on a workbook's dimensions") as err:
        read_export(path)
    assert err.value.sheet == "export"
    _declared_size(path, "A1:AK41")  # a writer that records a wrong size: caught while reading
    with pytest.raises(ExportError, match=r"has a value in XFD1 \(column 16,384\): over the limit"):
        read_export(path)


def _declared_size(path, size: str) -> None:
    """Rewrite the sheet's recorded size (its <dimension> element)."""
    import re
    import zipfile

    with zipfile.ZipFile(path) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    name = "xl/worksheets/sheet1.xml"
    parts[name] = re.sub(rb'<dimension ref="[^"]*"', f'<dimension ref="{size}"'.encode(),
                         parts[name])
    with zipfile.ZipFile(path, "w") as archive:
        for part, data in parts.items():
            archive.writestr(part, data)


def test_a_workbook_beyond_the_size_limits_is_refused_naming_the_limit(tmp_path, small,
                                                                       monkeypatch):
    from microcred.survey import formats

    path = _book(tmp_path, {"export": _rows(small)})
    monkeypatch.setattr(formats, "MAX_CELLS", 500)
    with pytest.raises(ExportError, match="more than 500 values, the limit on a workbook's size; "
                       "export CSV instead"):
        read_export(path)
    monkeypatch.setattr(formats, "MAX_UNPACKED", 10_000)
    with pytest.raises(ExportError,
                       match=r"the workbook unpacks to [\d,]+ bytes, over the limit of "
                       "10,000 on a workbook's size"):
        read_export(path)


def test_spss_user_missing_values_read_as_not_answered_and_are_counted(tmp_path, raw_leaders):
    import pyreadstat

    path = write_sav(raw_leaders, tmp_path / "x.sav")
    frame, meta = pyreadstat.read_sav(path)
    frame.loc[[0, 1, 3], "career_outcomes"] = -99  # "seen but unanswered", declared missing
    labels = {**meta.variable_value_labels,
              "career_outcomes": {**meta.variable_value_labels["career_outcomes"],
                                  -99: "Seen but unanswered"}}
    pyreadstat.write_sav(frame, path, column_labels=meta.column_names_to_labels,
                         variable_value_labels=labels, missing_ranges={"career_outcomes": [-99]})
    export = read_export(path)
    assert export.data.loc[[0, 1, 3], "career_outcomes"].isna().all()
    assert export.notes == ["career_outcomes: 3 user-missing value(s) (-99 'Seen but unanswered') "
                            "read as not answered"]
