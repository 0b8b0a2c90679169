"""The export reader, and the corpus of bad exports: each case gives a clear error naming the
file, the row and the column, or reads cleanly so that the rules can account for every row."""

from __future__ import annotations

import csv
import io

import pandas as pd
import pyarrow as pa
import pytest
from platform_exports import numeric_values

from microcred.survey import codebook
from microcred.survey.layout import ExportError
from microcred.survey.mapping import Mapping, MappingError
from microcred.survey.reader import read_export
from microcred.synthetic import generator as synth
from microcred.tooling import params

from conftest import write_export


def first_data_row(three_headers=True) -> int:
    return 4 if three_headers else 2


def test_reads_three_header_rows_and_keeps_question_text(export_file, raw_leaders):
    export = read_export(export_file())
    assert export.header_rows == 3
    assert len(export.data) == len(raw_leaders)
    assert export.questions["offers_mc"] == codebook.load().question("offers_mc")["text"]
    assert export.import_ids["StartDate"] == "startDate"


def test_reads_a_plain_csv_with_one_header_row(export_file, raw_leaders):
    export = read_export(export_file(three_headers=False))
    assert export.header_rows == 1 and len(export.data) == len(raw_leaders)


def test_na_stays_a_value_and_quoted_commas_and_line_breaks_survive(export_file, raw_leaders):
    frame = raw_leaders.copy()
    frame.loc[0, "country"] = "NA"
    frame.loc[1, "comments"] = 'one, two\nthree "quoted"'
    export = read_export(export_file(frame))
    assert export.data.loc[0, "country"] == "NA"
    assert export.data.loc[1, "comments"] == 'one, two\nthree "quoted"'


def test_finished_accepts_one_and_zero(export_file, raw_leaders):
    frame = raw_leaders.copy()
    frame["Finished"] = frame["Finished"].map({"True": "1", "False": "0"})
    data = read_export(export_file(frame)).data
    assert data["Finished"].dtype == bool
    assert data["Finished"].sum() == (raw_leaders["Finished"] == "True").sum()


def test_byte_order_mark_is_optional(tmp_path, export_file):
    path = export_file()
    plain = tmp_path / "no_bom.csv"
    plain.write_bytes(path.read_bytes().removeprefix(b"\xef\xbb\xbf"))
    assert list(read_export(plain).data.columns) == list(read_export(path).data.columns)


def test_a_field_over_128_kib_is_read_in_any_position(export_file, raw_leaders):
    frame = raw_leaders.copy()
    long = "word " * 40_000  # 200 kB: over the csv module's default field limit
    frame.loc[0, "StartDate"] = frame.loc[0, "StartDate"]  # the first answer of the first record
    frame.loc[0, "comments"] = frame.loc[len(frame) - 1, "comments"] = long
    for three_headers in (True, False):
        data = read_export(export_file(frame, three_headers=three_headers)).data
        assert data.loc[0, "comments"] == data.loc[len(frame) - 1, "comments"] == long


def test_a_one_header_export_whose_first_answer_is_over_128_kib(tmp_path, cb, raw_leaders):
    columns = ["comments"] + [c for c in cb.columns if c != "comments"]
    frame = raw_leaders[columns].copy()
    frame.loc[0, "comments"] = "x" * (200 << 10)
    export = read_export(write_export(tmp_path / "long.csv", frame, three_headers=False))
    assert export.data.loc[0, "comments"] == "x" * (200 << 10)


def test_mapping_renames_columns_and_relabels_answers(export_file, raw_leaders):
    frame = raw_leaders.rename(columns={"country": "Q1"})
    frame["offers_mc"] = frame["offers_mc"].replace({"Yes": "Yes, we do"})
    mapping = Mapping.from_params({"columns": {"Q1": "country"},
                                   "labels": {"offers_mc": {"Yes, we do": "Yes"}}})
    data = read_export(export_file(frame), mapping=mapping).data
    assert (data["offers_mc"] == "Yes").sum() == (raw_leaders["offers_mc"] == "Yes").sum()


# --------------------------------------------------------------------------- the bad corpus

def _edit(frame: pd.DataFrame, row: int, column: str, value: str) -> pd.DataFrame:
    frame = frame.copy()
    frame.loc[row, column] = value
    return frame


BAD_VALUES = [  # (case, column, value, expected words in the message)
    ("value outside its allowed set", "offers_mc", "Maybe", "not one of the allowed answers"),
    ("Likert label in another case", "career_outcomes", "strongly agree",
     "did you mean 'Strongly agree'"),
    ("Likert label in another language", "career_outcomes", "Muy de acuerdo", "mapping.labels"),
    ("unknown multi-select option", "barriers", "Lack of awareness,Lack of funding",
     "'Lack of funding'"),
    ("finished neither true nor false", "Finished", "Yes", "True/False"),
    ("progress above 100", "Progress", "150", "outside 0 to 100"),
    ("duration not a number", "Duration (in seconds)", "ten", "not a number"),
    ("date in another format", "RecordedDate", "06/05/2024 09:30", "date-time"),
    ("a day the calendar lacks", "RecordedDate", "2024-02-30 09:30:00", "date-time"),
    ("29 February of a common year", "StartDate", "2023-02-29 09:30:00", "date-time"),
    ("an hour past the day's last", "EndDate", "2024-05-06 24:00:00", "date-time"),
    ("duration 'nan'", "Duration (in seconds)", "nan", "not a number"),
    ("malformed response id", "ResponseId", "12345", "ResponseId"),
]


@pytest.mark.parametrize("case,column,value,words", BAD_VALUES, ids=[c[0] for c in BAD_VALUES])
def test_bad_value_names_file_row_and_column(export_file, raw_leaders, case, column, value, words):
    path = export_file(_edit(raw_leaders, 6, column, value))
    with pytest.raises(ExportError) as err:
        read_export(path)
    assert err.value.row == 6 + first_data_row()
    assert err.value.column == column
    assert words in str(err.value) and str(path) in str(err.value)


def test_duplicate_response_id_names_the_second_row(export_file, raw_leaders):
    frame = _edit(raw_leaders, 9, "ResponseId", raw_leaders.loc[2, "ResponseId"])
    with pytest.raises(ExportError, match="repeats an earlier ResponseId") as err:
        read_export(export_file(frame))
    assert (err.value.row, err.value.column) == (9 + first_data_row(), "ResponseId")


def test_empty_file(tmp_path):
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    with pytest.raises(ExportError, match="the file is empty"):
        read_export(path)


def test_header_rows_without_responses(export_file, raw_leaders):
    with pytest.raises(ExportError, match="no responses"):
        read_export(export_file(raw_leaders.iloc[:0]))


def test_question_text_row_missing(tmp_path, raw_leaders):
    texts, imports = synth.header_rows(codebook.load())
    path = tmp_path / "two_headers.csv"
    path.write_bytes(synth.to_csv_bytes(raw_leaders, [imports]))
    with pytest.raises(ExportError, match="question-text row is missing") as err:
        read_export(path)
    assert err.value.row == 2


def test_import_id_row_missing(tmp_path, raw_leaders):
    texts, imports = synth.header_rows(codebook.load())
    path = tmp_path / "no_import_ids.csv"
    path.write_bytes(synth.to_csv_bytes(raw_leaders, [texts]))
    with pytest.raises(ExportError, match="row 3 is not the import-id row"):
        read_export(path)


def test_missing_required_column(export_file, raw_leaders):
    with pytest.raises(ExportError, match=r"required column\(s\) \['role'\] missing") as err:
        read_export(export_file(raw_leaders.drop(columns="role"), three_headers=False))
    assert err.value.column == "role" and err.value.row == 1


def test_unknown_column(export_file, raw_leaders):
    with pytest.raises(ExportError, match="unknown column") as err:
        read_export(export_file(raw_leaders.assign(Q_RecaptchaScore="0.9"), three_headers=False))
    assert err.value.column == "Q_RecaptchaScore"


def test_unknown_column_can_be_ignored_by_mapping(export_file, raw_leaders):
    path = export_file(raw_leaders.assign(Q_RecaptchaScore="0.9"), three_headers=False)
    data = read_export(path, mapping=Mapping(ignore_columns=["Q_RecaptchaScore"])).data
    assert "Q_RecaptchaScore" not in data


def test_duplicated_column_ids(tmp_path, export_file):
    text = export_file(three_headers=False).read_text(encoding="utf-8-sig")
    header, rest = text.split("\n", 1)
    path = tmp_path / "dup.csv"
    path.write_text(header.replace("inst_type", "role", 1) + "\n" + rest, encoding="utf-8")
    with pytest.raises(ExportError, match="appears twice") as err:
        read_export(path)
    assert err.value.column == "role"


def test_not_utf8(tmp_path, export_file):
    path = tmp_path / "latin1.csv"
    path.write_bytes(export_file().read_text(encoding="utf-8-sig").encode("latin-1", "replace"))
    with pytest.raises(ExportError, match="not UTF-8") as err:
        read_export(path)
    assert err.value.row is not None


def test_semicolon_separated_resave(tmp_path, raw_leaders):
    path = tmp_path / "semicolon.csv"
    raw_leaders.to_csv(path, sep=";", index=False)
    with pytest.raises(ExportError, match="semicolon"):
        read_export(path)


def test_unterminated_quote(tmp_path, export_file):
    text = export_file(three_headers=False).read_text(encoding="utf-8-sig")
    path = tmp_path / "quote.csv"
    path.write_text(text.rstrip("\n") + ',"never closed\n', encoding="utf-8")
    with pytest.raises(ExportError, match="never closed|fields"):
        read_export(path)


def test_generator_export_is_valid_for_the_employer_codebook():
    frame = synth.employers_export()
    assert list(frame.columns) == codebook.load("employers").columns


# --------------------------------------------------------------------------- record shapes
# A record with another number of fields than the header is set aside with its row and reason,
# never padded or shifted; where the file itself is broken, reading stops naming the row.

def _as_text(data: pd.DataFrame) -> pd.DataFrame:
    """The reader's columns as text with NaN for empty (categories and None are its own forms)."""
    return data.astype(object).where(data.notna())


def _records(path) -> list[str]:
    """The file's records as raw text (the default export quotes every field with a line break,
    so a record ends at a line break outside quotes)."""
    text = path.read_text(encoding="utf-8-sig")
    records, current = [], ""
    for line in text.split("\n"):
        current = f"{current}\n{line}" if current else line
        if current.count('"') % 2 == 0:
            records.append(current)
            current = ""
    return records


def _write(path, records, bom=True):
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + "\n".join(records).encode("utf-8"))
    return path


def _drop_field(record: str, position: int) -> str:
    fields = next(csv.reader([record]))
    del fields[position]
    return _csv_line(fields)


def _csv_line(fields) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="").writerow(fields)
    return out.getvalue()


SHAPES = {  # damage to one record: (how, expected field count change)
    "one extra field": lambda r: r + ",extra",
    "one missing field": lambda r: _drop_field(r, 20),
    "a field lost before the last (shifted left)": lambda r: _drop_field(r, 33),
    "an empty extra field": lambda r: r + ",",
}


@pytest.mark.parametrize("three_headers", [True, False], ids=["three headers", "one header"])
@pytest.mark.parametrize("shape", SHAPES, ids=list(SHAPES))
@pytest.mark.parametrize("which", ["first", "middle", "last"])
def test_a_record_of_another_length_is_set_aside_with_its_row(tmp_path, export_file, raw_leaders,
                                                                  shape, which, three_headers):
    records = _records(export_file(three_headers=three_headers))
    n_header = 3 if three_headers else 1
    target = {"first": n_header, "middle": n_header + 57, "last": len(records) - 2}[which]
    records[target] = SHAPES[shape](records[target])
    export = read_export(_write(tmp_path / "damaged.csv", records))
    assert len(export.data) == len(raw_leaders) - 1 and export.n_records == len(raw_leaders)
    bad = export.malformed.iloc[0]
    assert len(export.malformed) == 1 and bad["row"] == target + 1
    assert f"row {target + 1} has" in bad["reason"] and "the header has 37" in bad["reason"]
    lost = raw_leaders.iloc[target - n_header]
    assert bad["ResponseId"] == lost["ResponseId"]
    assert lost["ResponseId"] not in set(export.data["ResponseId"])
    kept = raw_leaders[raw_leaders["ResponseId"].ne(lost["ResponseId"])].reset_index(drop=True)
    columns = ["ResponseId", "country", "growth_priorities", "comments"]  # nothing shifted
    pd.testing.assert_frame_equal(_as_text(export.data[columns]),
                                  kept[columns].mask(kept[columns].eq("")))
    # rows after the damaged record keep their own numbers (records[-1] is the final newline's)
    assert export.row_of(len(export.data) - 1) == len(records) - 1 - (which == "last")


def test_a_first_record_with_a_field_added_is_a_damaged_record_not_a_header_row(
        tmp_path, export_file, raw_leaders):
    """One header row, then a record with an extra field in front: shifted, its ResponseId and
    StartDate cells read as question text would, but a header row is as wide as the ids."""
    records = _records(export_file(raw_leaders.head(2), three_headers=False))
    records[1] = _csv_line(["x", *next(csv.reader([records[1]]))])
    export = read_export(_write(tmp_path / "shifted.csv", records))
    assert export.malformed["row"].tolist() == [2]
    assert export.data["ResponseId"].tolist() == [raw_leaders["ResponseId"].iat[1]]


def test_a_download_cut_after_a_field_is_not_kept(tmp_path, export_file, raw_leaders):
    records = _records(export_file())
    last = next(csv.reader([records[-2]]))  # records[-1] is the empty text after the final newline
    records[-2] = _csv_line(last[:12])
    export = read_export(_write(tmp_path / "cut.csv", records[:-1]))
    assert export.malformed["row"].tolist() == [len(records) - 1]
    assert "has 12 fields" in export.malformed["reason"].iat[0]
    assert len(export.data) == len(raw_leaders) - 1


def test_a_download_cut_inside_a_quoted_field_stops_naming_its_row(tmp_path, raw_leaders):
    frame = raw_leaders.copy()
    frame.loc[len(frame) - 1, "comments"] = "one, two\nthree"
    text = write_export(tmp_path / "x.csv", frame).read_bytes()
    path = tmp_path / "cut.csv"
    path.write_bytes(text[: text.rindex(b"one, two") + 5])
    with pytest.raises(ExportError, match="never closed") as err:
        read_export(path)
    assert err.value.row == len(frame) + 3


def test_most_records_another_length_means_a_damaged_header(tmp_path, export_file):
    records = _records(export_file(three_headers=False))
    records[0] = records[0].replace(",comments", "")  # the last column id lost
    with pytest.raises(ExportError, match="header row or the file is damaged") as err:
        read_export(_write(tmp_path / "header.csv", records))
    assert err.value.row == 2


def test_a_damaged_question_text_row_stops_naming_it(tmp_path, export_file):
    records = _records(export_file())
    records[1] = records[1] + ",extra"
    with pytest.raises(ExportError, match="header rows are damaged") as err:
        read_export(_write(tmp_path / "header.csv", records))
    assert err.value.row == 2


def test_the_only_record_of_another_length_stops_naming_it(tmp_path, export_file):
    records = _records(export_file(three_headers=False))
    records = [records[0], records[1] + ",extra"]
    with pytest.raises(ExportError, match="1 of 1 records") as err:
        read_export(_write(tmp_path / "one.csv", records))
    assert err.value.row == 2


def test_quoted_line_breaks_do_not_shift_the_row_named(tmp_path, raw_leaders):
    frame = raw_leaders.copy()
    frame["comments"] = "line one\nline two\r\nline three"
    frame.loc[30, "offers_mc"] = "Maybe"
    with pytest.raises(ExportError) as err:
        read_export(write_export(tmp_path / "breaks.csv", frame))
    assert err.value.row == 30 + first_data_row()


def test_a_stray_quote_inside_an_unquoted_field_reads_as_text(tmp_path, export_file):
    records = _records(export_file(three_headers=False))
    fields = next(csv.reader([records[5]]))
    records[5] = _csv_line(fields[:-1]) + ',a 5" screen'  # by hand: the quote not escaped
    export = read_export(_write(tmp_path / "stray.csv", records))
    assert export.data.loc[4, "comments"] == 'a 5" screen' and export.malformed.empty


# --------------------------------------------------------------------------- mapping shape

@pytest.mark.parametrize("block,words", [
    (["columns", "labels"], "parameter mapping is a list"),
    ({"colums": {"Q1": "country"}}, "unknown key(s) ['colums']"),
    ({"columns": ["Q1", "country"]}, "parameter mapping.columns"),
    ({"labels": {"offers_mc": "Yes"}}, "parameter mapping.labels.offers_mc"),
    ({"labels": {"offers_mc": {"Yes, we do": ["Yes"]}}}, "parameter mapping.labels.offers_mc"),
    ({"ignore_columns": "Q_RecaptchaScore"}, "parameter mapping.ignore_columns"),
])
def test_mapping_of_the_wrong_shape_names_the_parameter(block, words):
    with pytest.raises(MappingError) as err:
        Mapping.from_params(block)
    assert words in str(err.value)


def test_mapping_reads_numeric_codes_as_the_export_writes_them():
    mapping = Mapping.from_params({"labels": {"offers_mc": {1: "Yes", 2.0: "No"}}})
    assert mapping.labels == {"offers_mc": {"1": "Yes", "2": "No"}}


@pytest.mark.parametrize("block,words", [(["columns"], "parameter mapping = ['columns']"),
                                         ({"colums": {}}, "parameter mapping has unknown key")])
def test_params_check_refuses_a_mapping_of_the_wrong_shape(block, words):

    with pytest.raises(params.ParameterError) as err:
        params.check("mapping", block, {})
    assert words in str(err.value)


def test_a_bad_value_after_a_malformed_record_names_its_own_row(tmp_path, raw_leaders):
    frame = raw_leaders.copy()
    frame.loc[40, "offers_mc"] = "Perhaps"
    records = _records(write_export(tmp_path / "x.csv", frame))
    records[10] = _drop_field(records[10], 5)
    with pytest.raises(ExportError, match="Perhaps") as err:
        read_export(_write(tmp_path / "damaged.csv", records))
    assert (err.value.row, err.value.column) == (40 + first_data_row(), "offers_mc")


@pytest.mark.parametrize("block,words", [
    ({"columns": {"Q1": "contry"}}, "maps onto ['contry'], not columns of the codebook"),
    ({"labels": {"ofers_mc": {"Oui": "Yes"}}}, "names ['ofers_mc']: neither a column nor a scale"),
])
def test_mapping_onto_what_the_codebook_lacks_names_the_parameter(export_file, block, words):
    with pytest.raises(MappingError, match="parameter mapping") as err:
        read_export(export_file(), mapping=Mapping.from_params(block))
    assert words in str(err.value)


def test_dates_and_numbers_parsed_by_the_reader_are_those_pandas_gives(export_file, raw_leaders):
    data = read_export(export_file(raw_leaders)).data
    for column in ("StartDate", "RecordedDate"):
        expected = pd.to_datetime(raw_leaders[column], format="%Y-%m-%d %H:%M:%S")
        pd.testing.assert_series_equal(data[column], expected, check_names=False)
    for column in ("Progress", "Duration (in seconds)"):
        expected = pd.to_numeric(raw_leaders[column].mask(raw_leaders[column].eq("")))
        pd.testing.assert_series_equal(data[column], expected, check_names=False)


def test_per_respondent_values_and_institution_names_stay_arrow_strings(export_file, raw_leaders):
    data = read_export(export_file(raw_leaders)).data
    for column in ("ResponseId", "IPAddress", "RecipientEmail", "LocationLatitude", "institution"):
        assert isinstance(data[column].dtype, pd.ArrowDtype)
        assert data[column].fillna("").tolist() == raw_leaders[column].tolist()
    assert isinstance(data["country"].dtype, pd.CategoricalDtype)  # a few hundred spellings


def test_response_ids_are_judged_alike_as_arrow_and_python_strings():
    from microcred.survey.reader import _is_response_id

    ids = ["R_abcdefghijklmno", "R_abcdefghijklmn", "R_abcdefghijklmno\n", "r_abcdefghijklmno",
           "R_abcdefghijklmn\u00e9", None]
    python = _is_response_id(pd.Series(ids, dtype=object)).tolist()
    assert _is_response_id(pd.Series(ids, dtype=pd.ArrowDtype(pa.string()))).tolist() == python
    assert python == [True, False, True, False, False, False]  # Python's $ allows a final newline


@pytest.mark.parametrize("arrow", [True, False])
def test_repeated_values_are_found_with_and_without_arrow(arrow):
    from microcred.survey.reader import _repeats

    values = ["R_a", "R_b", "R_c", "R_b", "R_d", "R_a"]
    series = pd.Series(values, dtype=pd.ArrowDtype(pa.string()) if arrow else object)
    assert _repeats(series).tolist() == [False, False, False, True, False, True]
    assert not _repeats(series.drop_duplicates()).any()


def test_an_export_cut_inside_a_quoted_field_is_named_while_long_records_are_set_aside(tmp_path):
    """The quote scan runs beside Arrow's parse, which hands malformed records (here with a
    field over the csv module's 128 KiB) to Python at the same time: the cut is still reported,
    and the csv module's field limit is left as it was."""
    import csv as csv_module

    header = "a,b,c\n"
    long_bad = "".join(f'1,"{"x" * 200_000}"\n' for _ in range(3))  # two fields: malformed
    good = "".join(f"{i},{i},{i}\n" for i in range(2000))
    path = tmp_path / "cut.csv"
    path.write_text(header + long_bad + good + '7,8,"never closed\n' + good, encoding="utf-8")
    limit = csv_module.field_size_limit()
    from microcred.survey.reader import _records

    for _ in range(5):
        with pytest.raises(ExportError, match="quoted field is never closed"):
            _records(path, 1, 3)
        assert csv_module.field_size_limit() == limit


# --------------------------------------------------------------------------- issue 24: layouts
# Real platform layouts and the line endings, empty columns and empty lines that spreadsheets
# leave: each read as the default export, or refused with a message naming the layout.

def test_cr_only_line_endings_read_as_the_default(tmp_path, export_file, raw_leaders):
    path = tmp_path / "mac.csv"  # Excel for Mac's CSV: CR ends each line, LF stays in answers
    path.write_bytes(export_file().read_bytes().replace(b"\n", b"\r"))
    export = read_export(path)
    assert export.header_rows == 3 and len(export.data) == len(raw_leaders)
    assert export.data["ResponseId"].tolist() == raw_leaders["ResponseId"].tolist()


def test_an_empty_column_after_the_last_is_left_out_with_a_note(tmp_path, export_file, raw_leaders):
    path = tmp_path / "trailing.csv"
    path.write_bytes(export_file().read_bytes().replace(b"\n", b",\n"))
    export = read_export(path)
    assert export.header_rows == 3 and len(export.data) == len(raw_leaders)
    assert list(export.data.columns) == codebook.load().columns
    assert export.notes == ["column 38 of the file, with no id and empty in every row (a comma at "
                            "the end of each line), left out"]


def test_a_value_in_a_column_without_an_id_names_its_row(tmp_path, export_file):
    path = tmp_path / "trailing.csv"
    lines = export_file(three_headers=False).read_bytes().replace(b"\n", b",\n").split(b"\n")
    lines[5] = lines[5] + b"stray"
    path.write_bytes(b"\n".join(lines))
    with pytest.raises(ExportError, match="column 38 has no id in the header row but holds a value "
                       r"\('stray'\)") as err:
        read_export(path)
    assert err.value.row == 6


def test_rows_named_after_an_empty_line_are_the_files(tmp_path, raw_leaders):
    frame = raw_leaders.copy()
    frame.loc[20, "offers_mc"] = "Perhaps"  # record 21: line 24, or 25 after an empty line
    records = _records(write_export(tmp_path / "x.csv", frame))
    records.insert(13, "")  # an empty line after the tenth record
    with pytest.raises(ExportError, match="'Perhaps'") as err:
        read_export(_write(tmp_path / "blank.csv", records))
    assert err.value.row == 25


def test_empty_lines_and_records_of_empty_fields_are_no_responses(tmp_path, export_file,
                                                                  raw_leaders):
    records = _records(export_file())
    records[10:10] = ["", "," * 36]  # an empty line and a spreadsheet's empty row
    export = read_export(_write(tmp_path / "blank.csv", records))
    assert len(export.data) == export.n_records == len(raw_leaders)
    assert export.row_of(6) == 10 and export.row_of(7) == 13  # rows 11 and 12 are no records


def test_a_question_text_row_in_another_language_without_import_ids_is_named(tmp_path, raw_leaders):
    cb = codebook.load()
    german = [{"StartDate": "Anfangsdatum", "ResponseId": "Antwort-ID"}.get(c, f"Frage {c}")
              for c in cb.columns]
    path = tmp_path / "german.csv"
    path.write_bytes(synth.to_csv_bytes(raw_leaders, [german]))
    with pytest.raises(ExportError, match="row 2 holds question text .'Antwort-ID' under "
                       "ResponseId, 'Anfangsdatum' under StartDate., a header row in any language, "
                       "but row 3 is not the import-id row") as err:
        read_export(path)
    assert err.value.row == 2


def test_a_question_text_row_in_another_language_with_import_ids_is_read(tmp_path, raw_leaders):
    texts, imports = synth.header_rows(codebook.load())
    path = tmp_path / "german.csv"
    path.write_bytes(synth.to_csv_bytes(raw_leaders, [[f"Frage: {t}" for t in texts], imports]))
    export = read_export(path)
    assert export.header_rows == 3 and len(export.data) == len(raw_leaders)


def test_the_legacy_v1_to_v10_layout_is_named_with_what_it_lacks(tmp_path, raw_leaders):
    legacy = {"ResponseId": "ResponseID", "Status": "Status", "StartDate": "StartDate",
              "EndDate": "EndDate", "Finished": "Finished", "IPAddress": "IPAddress",
              "RecipientEmail": "EmailAddress", "ExternalReference": "ExternalDataReference"}
    meta = [*legacy.values(), "ResponseSet", "Name"]
    frame = raw_leaders.rename(columns={v: k for k, v in legacy.items()})
    frame = frame[[c for c in frame.columns if c in meta or c in codebook.load().columns[17:]]]
    names = [f"V{i}" for i in range(1, 11)]
    frame = frame.rename(columns=dict(zip(frame.columns[:8], names)))
    path = tmp_path / "legacy.csv"
    path.write_bytes(synth.to_csv_bytes(frame, [list(legacy.values()) + list(frame.columns[8:])]))
    with pytest.raises(ExportError, match="legacy export layout") as err:
        read_export(path)
    assert "lacks ['Progress', 'Duration (in seconds)', 'RecordedDate'" in str(err.value)
    assert err.value.row == 1


def test_the_platforms_own_question_ids_are_named_as_such(tmp_path, raw_leaders):
    frame, _ = numeric_values(raw_leaders)
    with pytest.raises(ExportError,
                       match=r"the survey platform's own question ids \(Q1, Q2, ...\), "
                       r"not the codebook's; map each onto the codebook's id in the params file "
                       r"\(mapping.columns"):
        read_export(write_export(tmp_path / "numeric.csv", frame))


def test_the_numeric_values_download_is_read_through_its_mapping(tmp_path, raw_leaders):
    """Codes of every scale and code lists of multi-select answers ('1,3,5'), Status 0 and
    Finished 1: the same answers as the choice-text export."""
    frame, mapping = numeric_values(raw_leaders)
    data = read_export(write_export(tmp_path / "numeric.csv", frame),
                       mapping=Mapping.from_params(mapping)).data
    expected = read_export(write_export(tmp_path / "text.csv", raw_leaders)).data
    for column in ("Status", "Finished", "role", "career_outcomes", "barriers",
                   "growth_priorities"):
        assert _as_text(data[[column]]).equals(_as_text(expected[[column]])), column


def test_numeric_codes_without_a_label_mapping_say_what_to_map(tmp_path, raw_leaders):
    frame, mapping = numeric_values(raw_leaders)
    with pytest.raises(ExportError,
                       match=r"value '1' is not one of the allowed answers .*a number, "
                       r"not an answer label: a download of numeric values\? map the codes onto "
                       r"the labels in the params file \(mapping.labels.role: \{1: 'President or "
                       "Chancellor'"):
        read_export(write_export(tmp_path / "numeric.csv", frame),
                    mapping=Mapping(columns=mapping["columns"]))
    labels = {k: v for k, v in mapping["labels"].items() if k != "barriers"}
    with pytest.raises(ExportError,
                       match=r"mapping.labels.barriers: \{1: 'Lack of awareness'") as err:
        read_export(write_export(tmp_path / "numeric.csv", frame),
                    mapping=Mapping.from_params({"columns": mapping["columns"], "labels": labels}))
    assert err.value.column == "barriers"


def test_a_missing_answer_code_is_named_and_can_be_mapped_to_not_answered(export_file, raw_leaders):
    frame = raw_leaders.copy()
    rows = frame.index[frame["career_outcomes"].ne("")][:3]
    frame.loc[rows, "career_outcomes"] = "-99"
    with pytest.raises(ExportError, match=r"-99 is a code for a missing answer .*mapping.labels."
                       r"agreement: \{-99: null\}") as err:
        read_export(export_file(frame))
    assert err.value.row == rows[0] + first_data_row()
    data = read_export(export_file(frame), mapping=Mapping.from_params(
        {"labels": {"career_outcomes": {-99: None}}})).data
    assert data.loc[rows, "career_outcomes"].isna().all()
    assert data["career_outcomes"].notna().sum() == raw_leaders["career_outcomes"].ne("").sum() - 3


def test_a_code_mapped_to_null_in_a_multi_select_answer_drops_that_option(export_file, raw_leaders):
    frame = _edit(raw_leaders, 0, "barriers", "Faculty buy-in,-99")
    data = read_export(export_file(frame), mapping=Mapping.from_params(
        {"labels": {"barriers": {-99: None}}})).data
    assert data.loc[0, "barriers"] == "Faculty buy-in"


def test_country_answers_that_are_numbers_stop_the_run_naming_the_mapping(export_file, raw_leaders):
    frame = raw_leaders.assign(country=[str(i % 193 + 1) for i in range(len(raw_leaders))])
    with pytest.raises(ExportError,
                       match=r"answers are numbers, not country names .*mapping.labels."
                       r"country.*mapping.country_codes: iso_numeric") as err:
        read_export(export_file(frame))
    assert (err.value.row, err.value.column) == (first_data_row(), "country")


def test_a_few_numbers_among_country_names_are_read_for_rule_5_to_reject(export_file, raw_leaders):
    frame = _edit(raw_leaders, 3, "country", "24")
    assert read_export(export_file(frame)).data.loc[3, "country"] == "24"


def test_iso_numeric_country_codes_are_read_where_the_mapping_says_so(export_file, raw_leaders):
    frame = raw_leaders.copy()
    frame["country"] = frame["country"].replace({"Netherlands": "528", "Brazil": "76",
                                                 "Mexico": "484"})
    mapping = Mapping.from_params({"country_codes": "iso_numeric"})
    country = read_export(export_file(frame), mapping=mapping).data["country"]
    assert set(country[frame["country"].eq("484")]) == {"MEX"}
    assert set(country[frame["country"].eq("528")]) == {"NLD"}
    assert country[raw_leaders["country"].eq("India")].eq("India").all()  # names stay names


def test_a_mapping_of_country_codes_names_what_it_takes():
    with pytest.raises(MappingError,
                       match=r"mapping.country_codes = 'iso2' is not one of \['iso_numeric'\]"):
        Mapping.from_params({"country_codes": "iso2"})


def test_a_long_value_in_a_mapping_error_is_cut_short():
    with pytest.raises(MappingError) as err:
        Mapping.from_params({"ignore_columns": [["x"] * 10_000]})
    assert len(str(err.value)) < 600
