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
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd

from microcred.survey.layout import (
    CHOICE_SEPARATOR,
    DATETIME_FORMAT,
    ExportError,
    Table,
    header_row_count,
    import_id,
)


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
    """An SPSS export as the reader's text table: value labels as answers, multi-selects joined."""
    import pyreadstat

    try:
        frame, meta = pyreadstat.read_sav(path, user_missing=True)
    except pyreadstat.ReadstatError as err:
        raise ExportError(path, f"cannot be read as an SPSS file: {err}") from None
    frame, notes = _user_missing_as_empty(frame, meta)
    data = pd.DataFrame({c: _spss_text(frame[c], meta.variable_value_labels.get(c))
                         for c in frame.columns}, dtype=object)
    data = _join_split_multi(data, cb, mapping)
    labels = [meta.column_names_to_labels.get(c) or "" for c in data.columns]
    columns = list(data.columns)
    data.columns = range(len(columns))
    return Table(columns, data, header_rows=0, questions=labels,
                 platform_ids=platform_ids(columns, cb), notes=notes)


def _user_missing_as_empty(frame: pd.DataFrame, meta) -> tuple[pd.DataFrame, list[str]]:
    """Values the file declares user-missing (the platform's -99, "seen but unanswered") are
    answers not given, as SPSS reads them; the note says how many, per variable, since a
    question left so can explain a routing error further on."""
    notes = []
    declared = {c: [(r["lo"], r["hi"]) for r in ranges]
                for c, ranges in meta.missing_ranges.items()}
    for column, values in meta.missing_user_values.items():
        declared.setdefault(column, []).extend((v, v) for v in values)
    for column, ranges in declared.items():
        values = frame[column]
        missing = np.zeros(len(values), dtype=bool)
        for low, high in ranges:
            within = values.ge(low) & values.le(high) if low != high else values.eq(low)
            missing |= within.to_numpy()
        if missing.any():
            codes = sorted(set(values[missing].map(text)))
            labels = meta.variable_value_labels.get(column, {})
            named = ", ".join(f"{c} {labels[float(c)]!r}" if _float(c) in labels else c
                              for c in codes)
            notes.append(f"{column}: {int(missing.sum())} user-missing value(s) ({named}) read as "
                         "not answered")
            frame[column] = values.mask(missing)
    return frame, notes


def _float(value: str) -> float | None:
    try:
        return float(value)
    except ValueError:
        return None


def _join_split_multi(data: pd.DataFrame, cb, mapping) -> pd.DataFrame:
    """The platform writes a multi-select question to SPSS as one variable per option (`Q12_1`,
    `Q12_2`, ...: the option's label where chosen, empty where not); the codebook has one
    column of the chosen labels joined by `CHOICE_SEPARATOR`. Option k is the codebook's k-th
    option where the variable carries no label of its own."""
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
            joined = joined + (CHOICE_SEPARATOR + label).where(chosen, "")
        at = data.columns.get_loc(options[0][1])
        data = data.drop(columns=[c for _, c in options])
        data.insert(min(at, len(data.columns)), prefix,
                    joined.str[len(CHOICE_SEPARATOR):].where(joined.ne(""), np.nan))
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
# A workbook is read sheet by sheet with openpyxl's streaming parser, only the cells that hold a
# value (a sheet's grid is never built: one value in column XFD would make every row 16,384
# cells), within limits on its size. Every sheet is looked at: the one whose header row holds the
# codebook's ids is read, title rows above that header are left out, and anything that would
# change the answers read (merged cells, formulas without a computed value, records on several
# sheets) stops the reader naming the sheet and the cells.

MAX_UNPACKED = 256 << 20  # bytes of a workbook's parts once decompressed (a zip bomb: gigabytes)
MAX_COLUMNS = 1_000  # columns of a sheet (an export has a few dozen; a sheet may have 16,384)
MAX_CELLS = 5_000_000  # values of a workbook (about 135,000 records of 37 answers)
HEADER_WITHIN = 20  # rows a sheet's header row may sit below title rows
COMPOUND_FILE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # an encrypted workbook, or an old .xls
LIMITS = "export CSV instead (it has no such limit)"


@dataclass
class _Sheet:
    title: str
    rows: list[tuple[int, list]]  # (the sheet's row number, its values as text), non-empty rows
    merged: list[str]  # merged ranges, e.g. 'AE4:AE6'
    uncached: list[tuple[int, int]]  # (row, column) of formulas saved without a computed value
    values: int  # how many cells hold a value


def read_xlsx(path: Path, cb, mapping) -> Table:
    """The sheet whose header row holds the codebook's column ids, laid out as the CSV export
    (one or three header rows); a row is the sheet's row number. Cells beyond the last column
    id are empty or the row is malformed."""
    import openpyxl

    _check_container(path)
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as err:  # openpyxl raises several kinds for a file that is not a workbook
        raise ExportError(path, f"cannot be read as an Excel workbook: {err}") from None
    try:
        sheets = []
        for worksheet in book.worksheets:
            left = MAX_CELLS - sum(s.values for s in sheets)
            sheets.append(_read_sheet(path, book, worksheet, left))
    finally:
        book.close()
    sheet, header_at, notes = _export_sheet(path, sheets, cb, mapping)
    return _table(path, sheet, header_at, notes, cb)


def _check_container(path: Path) -> None:
    """A workbook is a zip of XML parts: an encrypted one is a compound file instead, and a zip
    that unpacks to more than MAX_UNPACKED is refused before anything is unpacked."""
    import zipfile

    with open(path, "rb") as f:
        head = f.read(len(COMPOUND_FILE))
    if head == COMPOUND_FILE:
        encrypted = "EncryptionInfo".encode("utf-16-le") in path.read_bytes()
        raise ExportError(path, "a password-protected (encrypted) workbook: save it without a "
                          "password, or export CSV" if encrypted else "an Excel 97-2003 workbook "
                          "(.xls), not .xlsx: save it as .xlsx, or export CSV")
    try:
        with zipfile.ZipFile(path) as archive:
            unpacked = sum(member.file_size for member in archive.infolist())
    except zipfile.BadZipFile as err:
        raise ExportError(path, f"cannot be read as an Excel workbook: {err}") from None
    if unpacked > MAX_UNPACKED:
        raise ExportError(path, f"the workbook unpacks to {unpacked:,} bytes, over the limit of "
                          f"{MAX_UNPACKED:,} on a workbook's size; {LIMITS}")


def _read_sheet(path: Path, book, worksheet, cells_left: int) -> _Sheet:
    """One sheet's values as text, row by row, within the limits on columns and cells (the
    size the sheet declares is checked first: a lie is caught while reading)."""
    title = worksheet.title
    declared = (worksheet.max_column or 0, worksheet.max_row or 0)
    if declared[0] > MAX_COLUMNS:
        raise _too_wide(path, title, f"spans {worksheet.calculate_dimension()} ({declared[0]:,} "
                        f"columns, {declared[1]:,} rows)")
    rows, merged, count = [], [], 0
    with book._archive.open(worksheet._worksheet_path) as source:  # as openpyxl's own reader does
        parser = _sheet_parser()(source, book.shared_strings, data_only=True, epoch=book.epoch,
                                 date_formats=book._date_formats,
                                 timedelta_formats=book._timedelta_formats)
        for number, cells in parser.parse():
            values = {c["column"]: value for c in cells if (value := text(c["value"])) is not None}
            if not values:
                continue
            last = max(values)
            if last > MAX_COLUMNS:
                raise _too_wide(path, title, f"has a value in {_letter(last)}{number} "
                                f"(column {last:,})")
            count += len(values)
            if count > cells_left:
                raise ExportError(path, f"the workbook holds more than {MAX_CELLS:,} values, the "
                                  f"limit on a workbook's size; {LIMITS}", sheet=title)
            rows.append((number, [values.get(k) for k in range(1, last + 1)]))
        if parser.merged_cells is not None:
            merged = [m.ref for m in parser.merged_cells.mergeCell]
    return _Sheet(title, rows, merged, parser.uncached, count)


def _too_wide(path: Path, title: str, what: str) -> ExportError:
    return ExportError(path, f"the sheet {what}: over the limit of {MAX_COLUMNS:,} columns on a "
                       "workbook's dimensions; delete what lies beyond the export's columns, or "
                       "export CSV", sheet=title)


@cache
def _sheet_parser():
    """openpyxl's sheet parser (imported for a workbook only), noting formulas saved without a
    computed value (data_only reads those as empty: a Duration so written would read as missing)."""
    from openpyxl.worksheet._reader import FORMULA_TAG, VALUE_TAG, WorkSheetParser

    class SheetParser(WorkSheetParser):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.uncached = []

        def parse_cell(self, element):
            cell = super().parse_cell(element)
            computed = element.findtext(VALUE_TAG) or element.get("t") == "str"  # "" is computed
            if element.find(FORMULA_TAG) is not None and not computed:
                self.uncached.append((cell["row"], cell["column"]))
            return cell

    return SheetParser


def _letter(column: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(column)


def _export_sheet(path: Path, sheets: list[_Sheet], cb, mapping) -> tuple[_Sheet, int, list[str]]:
    """The sheet holding the export, the position of its header row among its rows, and notes
    on what was left out. A sheet holds the export where one of its first rows has at least
    three of the codebook's column ids (or ids the mapping names); a workbook of one sheet
    without such a row is read from its first row (its ids are then named as unknown)."""
    known = set(cb.columns) | set(mapping.columns) | set(mapping.ignore_columns)
    found = {}
    for sheet in sheets:
        at = next((i for i, (_, row) in enumerate(sheet.rows[:HEADER_WITHIN])
                   if sum(v in known for v in row) >= 3), None)
        if at is not None:
            found[sheet.title] = (sheet, at)
    with_records = [t for t, (sheet, at) in found.items() if len(sheet.rows) > at + 1]
    if len(with_records) > 1:
        raise ExportError(path,
                          f"records on {len(with_records)} sheets "
                          f"({', '.join(map(repr, with_records))}), "
                          "each under a header row: an export is read from one sheet; put the "
                          "records on one sheet, or export CSV", sheet=with_records[1])
    filled = [s for s in sheets if s.rows]
    if not found:
        if len(filled) != 1:
            described = "; ".join(f"sheet '{s.title}' row {s.rows[0][0]} reads "
                                  f"{_shown(s.rows[0][1])}"
                                  for s in filled) or "every sheet is empty"
            raise ExportError(path, "no sheet has a header row of the codebook's column ids "
                              f"({described})")
        found[filled[0].title] = (filled[0], 0)
    sheet, at = found[(with_records or list(found))[0]]
    notes = [f"sheet '{sheet.title}' read"]
    if at:
        notes.append(f"sheet '{sheet.title}': row{'s' if at > 1 else ''} "
                     f"{_span([n for n, _ in sheet.rows[:at]])} above the header row "
                     f"(row {sheet.rows[at][0]}) left out: {_shown(sheet.rows[0][1])}")
    notes += [f"sheet '{s.title}' left out: no header row of the codebook's column ids"
              for s in filled if s is not sheet]
    return sheet, at, notes if len(sheets) > 1 or at else []


def _shown(row: list) -> str:
    values = [v for v in row if v is not None][:3]
    return ", ".join(repr(v[:60]) for v in values)


def _span(numbers: list[int]) -> str:
    return str(numbers[0]) if len(numbers) == 1 else f"{numbers[0]} to {numbers[-1]}"


def _table(path: Path, sheet: _Sheet, header_at: int, notes: list[str], cb) -> Table:
    records = sheet.rows[header_at:]
    columns = _trimmed(records[0][1])
    width = len(columns)
    header = [[c or "" for c in _trimmed(row)] for _, row in records[:3]] + [[]] * 3
    n_header = header_row_count(path, header[:3], cb, sheet.title)
    _check_cells(path, sheet, records[0][0], columns)
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
                 np.asarray(rows), malformed, sheet=sheet.title, notes=notes)


def _check_cells(path: Path, sheet: _Sheet, header_row: int, columns: list) -> None:
    """Merged cells and formulas without a computed value, from the header row down, stop the
    reader: either would read answers as missing that the workbook shows."""
    from openpyxl.utils.cell import range_boundaries  # (column, row, last column, last row)

    def named(column: int) -> str:
        return repr(columns[column - 1]) if column <= len(columns) and columns[column - 1] else \
            _letter(column)

    merged = sorted(((ref, range_boundaries(ref)) for ref in sheet.merged),
                    key=lambda m: (m[1][1], m[1][0]))  # by first row, then column
    merged = [(ref, bounds) for ref, bounds in merged if bounds[3] >= header_row]
    if merged:
        where = sorted({named(bounds[0]) for _, bounds in merged})
        raise ExportError(path,
                          f"merged cells ({_listed([ref for ref, _ in merged])}) in column(s) "
                          f"{', '.join(where)}: a merged range keeps its value in its first "
                          "cell, so the rows below it would read as unanswered; unmerge them "
                          "(each row its own answer), or export CSV", row=merged[0][1][1],
                          sheet=sheet.title)
    uncached = sorted((c, r) for r, c in sheet.uncached if r >= header_row)
    if uncached:
        ranges = _column_ranges(uncached)
        where = sorted({named(c) for c, _ in uncached})
        raise ExportError(path,
                          f"formulas without a computed value in {_listed(ranges)} (column(s) "
                          f"{', '.join(where)}): the workbook was saved by a program that does not "
                          "compute formulas; open and save it in a spreadsheet program, or export "
                          "CSV", row=uncached[0][1], sheet=sheet.title)


def _column_ranges(cells: list[tuple[int, int]]) -> list[str]:
    """(column, row) cells, sorted, as ranges of consecutive rows: F4:F1208."""
    ranges, start = [], None
    for i, (column, row) in enumerate(cells):
        start = (column, row) if start is None else start
        following = cells[i + 1] if i + 1 < len(cells) else None
        if following != (column, row + 1):
            letter = _letter(column)
            ranges.append(f"{letter}{start[1]}" + (f":{letter}{row}" if row != start[1] else ""))
            start = None
    return ranges


def _listed(items: list[str], shown: int = 5) -> str:
    more = f", ... {len(items)} in all" if len(items) > shown else ""
    return ", ".join(items[:shown]) + more


def _trimmed(row: list) -> list:
    """A sheet row without the empty cells after its last value."""
    end = len(row)
    while end and row[end - 1] is None:
        end -= 1
    return list(row[:end])


READERS = {".sav": read_sav, ".xlsx": read_xlsx}
