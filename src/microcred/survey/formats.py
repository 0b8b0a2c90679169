"""SPSS (.sav) and Excel (.xlsx) exports turned into the text table a CSV export gives, so that
the reader checks them against the same codebook with the same errors.

What a CSV carries as text, these formats carry typed: answers as numeric codes with value labels
(SPSS), dates as dates, numbers as numbers. Each is written back as the CSV writes it: a value
label becomes the answer label, a date "2024-05-06 09:30:00", a whole number "100". SPSS names
cannot hold spaces or brackets, so the platform writes `Duration (in seconds)` as
`Duration__in_seconds_`; such names are matched to the codebook's ids."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import numpy as np
import pandas as pd

from microcred.survey.layout import DATETIME_FORMAT, ExportError, Table, header_row_count, import_id


def text(value) -> str | None:
    """One typed cell as the CSV export writes it (None where empty)."""
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NaT:
        return None
    if isinstance(value, bool | np.bool_):
        return str(bool(value))
    if isinstance(value, dt.datetime | pd.Timestamp):
        return value.strftime(DATETIME_FORMAT)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float | np.floating):
        return str(int(value)) if float(value).is_integer() else repr(float(value))
    return str(value) if str(value) != "" else None


def spss_name(column_id: str) -> str:
    """The name the survey platform gives a column in SPSS: every character SPSS does not allow
    in a name becomes '_' ("Duration (in seconds)" -> "Duration__in_seconds_")."""
    return re.sub(r"[^A-Za-z0-9_.@#$]", "_", column_id)[:64]


def platform_ids(names: list[str], cb) -> dict[str, str]:
    """Names as the platform writes them in SPSS (also in another case, e.g. ResponseID) mapped to
    the codebook's ids; names already ids are left alone."""
    by_name = {spss_name(c).casefold(): c for c in cb.columns}
    return {n: by_name[n.casefold()] for n in names
            if n not in cb.columns and n.casefold() in by_name}


# --------------------------------------------------------------------------- SPSS

def read_sav(path: Path, cb, mapping) -> Table:
    import pyreadstat

    try:
        frame, meta = pyreadstat.read_sav(path)
    except pyreadstat.ReadstatError as err:
        raise ExportError(path, f"cannot be read as an SPSS file: {err}") from None
    data = pd.DataFrame({c: _spss_text(frame[c], meta.variable_value_labels.get(c))
                         for c in frame.columns}, dtype=object)
    data = _join_split_multi(data, cb, mapping)
    labels = [meta.column_names_to_labels.get(c) or "" for c in data.columns]
    columns = list(data.columns)
    data.columns = range(len(columns))
    return Table(columns, data, header_rows=0, questions=labels,
                 platform_ids=platform_ids(columns, cb))


def _join_split_multi(data: pd.DataFrame, cb, mapping) -> pd.DataFrame:
    """The platform writes a multi-select question to SPSS as one variable per option (`Q12_1`,
    `Q12_2`, ...: the option's label where chosen, empty where not); the codebook has one
    column of the chosen labels joined by ','. Option k is the codebook's k-th option where
    the variable carries no label of its own."""
    multi = {q["id"] for q in cb.questions if q["kind"] == "multi"}
    names = {spss_name(q).casefold(): q for q in multi}
    groups: dict[str, list[tuple[int, str]]] = {}
    for column in data.columns:
        found = re.fullmatch(r"(.+)_(\d+)", column)
        if not found or column in cb.columns or column in mapping.columns:
            continue
        prefix, k = found.group(1), int(found.group(2))
        question = mapping.columns.get(prefix) or names.get(prefix.casefold())
        if question in multi:
            groups.setdefault(prefix, []).append((k, column))
    for prefix, options in groups.items():
        question = mapping.columns.get(prefix) or names[prefix.casefold()]
        labels = cb.labels(question)
        joined = pd.Series("", index=data.index, dtype=object)
        for k, column in sorted(options):
            chosen = data[column].notna() & data[column].ne("0")
            own = labels[k - 1] if k <= len(labels) else f"option {k}"  # the reader names it
            label = data[column].where(data[column].isin(labels), own)
            joined = joined + ("," + label).where(chosen, "")
        at = data.columns.get_loc(options[0][1])
        data = data.drop(columns=[c for _, c in options])
        data.insert(min(at, len(data.columns)), prefix, joined.str[1:].where(joined.ne(""), np.nan))
    return data


def _spss_text(values: pd.Series, value_labels: dict | None) -> list:
    """A variable as text: a code with a value label becomes the label, anything else the text
    the CSV export would hold. Works on distinct values: an export repeats few of them."""
    codes, distinct = pd.factorize(values, use_na_sentinel=True)
    labels = value_labels or {}
    as_text = [labels.get(v, text(v)) if not _is_missing(v) else None for v in distinct]
    lookup = np.array(as_text + [None], dtype=object)  # code -1 (missing) -> None
    lookup[pd.isna(lookup)] = np.nan  # missing as the CSV reader has it
    return list(lookup[codes])


def _is_missing(value) -> bool:
    return value is None or value is pd.NaT or (isinstance(value, float) and np.isnan(value))


# --------------------------------------------------------------------------- Excel

def read_xlsx(path: Path, cb, mapping) -> Table:
    """The first sheet, laid out as the CSV export (one or three header rows); a row is the
    sheet's row number. Cells beyond the last column id are empty or the row is malformed."""
    import openpyxl

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as err:  # openpyxl raises several kinds for a file that is not a workbook
        raise ExportError(path, f"cannot be read as an Excel workbook: {err}") from None
    sheet = book.worksheets[0]
    sheet.reset_dimensions()  # some writers record a wrong sheet size; read what is there
    try:
        cells = [[text(v) for v in row] for row in sheet.iter_rows(values_only=True)]
    finally:
        book.close()
    records = [(number, row) for number, row in enumerate(cells, 1) if any(v is not None for v in row)]
    if not records:
        raise ExportError(path, "the file is empty")
    columns = _trimmed(records[0][1])
    width = len(columns)
    header = [[c or "" for c in _trimmed(row)] for _, row in records[:3]] + [[]] * 3
    n_header = header_row_count(path, header[:3], cb)
    good, rows, malformed = [], [], []
    for number, row in records[n_header:]:
        if any(v is not None for v in row[width:]):
            malformed.append((number, [c or "" for c in _trimmed(row)]))
        else:
            good.append(row[:width] + [None] * (width - len(row)))
            rows.append(number)
    data = pd.DataFrame(good, columns=range(width), dtype=object)
    data = data.where(data.notna(), np.nan)  # missing as the CSV reader has it
    questions = header[1] if n_header == 3 else []
    imports = [import_id(v) for v in header[2]] if n_header == 3 else []
    return Table([c or "" for c in columns], data, n_header, questions, imports,
                 np.asarray(rows), malformed)


def _trimmed(row: list) -> list:
    """A sheet row without the empty cells after its last value."""
    end = len(row)
    while end and row[end - 1] is None:
        end -= 1
    return list(row[:end])


READERS = {".sav": read_sav, ".xlsx": read_xlsx}
