"""The export reader, and the corpus of bad exports: each case gives a clear error naming the
file, the row and the column, or reads cleanly so that the rules can account for every row."""

from __future__ import annotations

import pandas as pd
import pytest

from microcred import codebook, synth
from microcred.export import ExportError, Mapping, read_export


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
    ("Likert label in another case", "career_outcomes", "strongly agree", "did you mean 'Strongly agree'"),
    ("Likert label in another language", "career_outcomes", "Muy de acuerdo", "mapping.labels"),
    ("unknown multi-select option", "barriers", "Lack of awareness,Lack of funding", "'Lack of funding'"),
    ("status outside its set", "Status", "Imported", "not one of the allowed answers"),
    ("finished neither true nor false", "Finished", "Yes", "True/False"),
    ("progress above 100", "Progress", "150", "outside 0 to 100"),
    ("duration not a number", "Duration (in seconds)", "ten", "not a number"),
    ("date in another format", "RecordedDate", "06/05/2024 09:30", "date-time"),
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


def test_row_with_too_many_fields(tmp_path, export_file):
    lines = export_file(three_headers=False).read_text(encoding="utf-8-sig").split("\n")
    target = next(i for i, line in enumerate(lines) if i > 3 and '"' not in line)
    lines[target] += ",extra"
    path = tmp_path / "wide.csv"
    path.write_text("\n".join(lines), encoding="utf-8")
    with pytest.raises(ExportError, match="fields, the header has") as err:
        read_export(path)
    assert err.value.row == target + 1


def test_unterminated_quote(tmp_path, export_file):
    text = export_file(three_headers=False).read_text(encoding="utf-8-sig")
    path = tmp_path / "quote.csv"
    path.write_text(text.rstrip("\n") + ',"never closed\n', encoding="utf-8")
    with pytest.raises(ExportError, match="never closed|fields"):
        read_export(path)


def test_generator_export_is_valid_for_the_employer_codebook():
    frame = synth.employers_export()
    assert list(frame.columns) == codebook.load("employers").columns
