"""Reading a survey export: one or three header rows, every field as text first, and errors that
name the file, the row and the column when the file does not follow the codebook.

Rows are counted as records of the file, header rows included (row 4 is the first answer of a
three-header export), so a spreadsheet shows the same number.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from . import codebook as codebook_mod

RESPONSE_ID = re.compile(r"^R_[A-Za-z0-9]{15}$")
DATETIME_FORMAT = "%Y-%m-%d %H:%M:%S"
TRUE_VALUES, FALSE_VALUES = {"True", "true", "TRUE", "1"}, {"False", "false", "FALSE", "0"}


class ExportError(ValueError):
    """The export does not follow the codebook. Says where: file, row, column."""

    def __init__(self, path, message: str, row: int | None = None, column: str | None = None):
        self.path, self.row, self.column, self.reason = Path(path), row, column, message
        where = [str(path)]
        if row is not None:
            where.append(f"row {row}")
        if column is not None:
            where.append(f"column '{column}'")
        super().__init__(f"{', '.join(where)}: {message}")


@dataclass
class Mapping:
    """How a researcher's export maps onto the codebook (the `mapping` block of a params file)."""

    columns: dict[str, str] = field(default_factory=dict)  # their column id -> codebook id
    labels: dict[str, dict[str, str]] = field(default_factory=dict)  # column or scale -> {theirs: ours}
    ignore_columns: list[str] = field(default_factory=list)  # columns of theirs to leave out

    @classmethod
    def from_params(cls, block: dict | None) -> Mapping:
        block = block or {}
        unknown = set(block) - {"columns", "labels", "ignore_columns"}
        if unknown:
            raise ValueError(f"mapping: unknown keys {sorted(unknown)}; "
                             "use columns, labels and ignore_columns")
        return cls(block.get("columns") or {}, block.get("labels") or {},
                   block.get("ignore_columns") or [])


@dataclass
class Export:
    path: Path
    data: pd.DataFrame  # validated; metadata typed, answers as text with NA for empty
    questions: dict[str, str]  # column id -> question text (empty with one header row)
    import_ids: dict[str, str]
    header_rows: int

    def row_of(self, index) -> int:
        """The record number in the file of a data row (header rows included, 1-based)."""
        return int(index) + self.header_rows + 1


def read_export(path, survey: str = "leaders", mapping: Mapping | None = None) -> Export:
    path = Path(path)
    cb = codebook_mod.load(survey)
    mapping = mapping or Mapping()
    header = _first_records(path, _head(path))
    n_header = _header_row_count(path, header, cb)
    ids = [mapping.columns.get(c, c) for c in header[0]]
    _check_columns(path, ids, cb, mapping)
    data = _parse(path, n_header)
    data.columns = ids
    data = data.drop(columns=[c for c in mapping.ignore_columns if c in data.columns])
    if data.empty:
        raise ExportError(path, "the file has header rows but no responses")
    questions = dict(zip(ids, header[1])) if n_header == 3 else {}
    imports = dict(zip(ids, (_import_id(v) for v in header[2]))) if n_header == 3 else {}
    export = Export(path, data, questions, imports, n_header)
    _validate(export, cb, mapping)
    return export


HEAD_BYTES = 1 << 20  # enough for the three header rows, however long the question texts


def _head(path: Path) -> str:
    """The start of the file, decoded: where the header rows are. The rest is parsed by pandas."""
    with open(path, "rb") as f:
        raw = f.read(HEAD_BYTES)
    if not raw.strip():
        raise ExportError(path, "the file is empty")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        if err.start < len(raw) - 3:  # not merely a character cut at the end of the chunk
            raise _not_utf8(path, raw, err.start) from None
        return raw[: err.start].decode("utf-8-sig")


def _not_utf8(path: Path, raw: bytes, position: int) -> ExportError:
    row = raw[:position].count(b"\n") + 1
    return ExportError(path, f"the file is not UTF-8 (byte {position}); re-save it as UTF-8 CSV",
                       row=row)


def _first_records(path: Path, text: str) -> list[list[str]]:
    try:
        records = list(itertools.islice(csv.reader(io.StringIO(text)), 3))
    except csv.Error as err:
        raise ExportError(path, f"cannot read the header rows: {err}") from None
    if len(records[0]) == 1 and ";" in records[0][0]:
        raise ExportError(path, "the header row has one column holding ';': the file is "
                          "semicolon-separated (a spreadsheet re-save?); export it as "
                          "comma-separated CSV", row=1)
    while len(records) < 3:
        records.append([])
    return records


def _is_import_row(cells: list[str]) -> bool:
    return bool(cells) and all(_import_id(c) is not None for c in cells)


def _import_id(cell: str) -> str | None:
    try:
        value = json.loads(cell)
    except (json.JSONDecodeError, TypeError):
        return None
    return value.get("ImportId") if isinstance(value, dict) else None


def _header_row_count(path: Path, header: list[list[str]], cb) -> int:
    if _is_import_row(header[2]):
        return 3
    if _is_import_row(header[1]):
        raise ExportError(path, "row 2 holds import ids but the question-text row is missing: "
                          "an export has one header row or three", row=2)
    texts = {q["text"] for q in cb.questions}
    if sum(c in texts for c in header[1]) >= 3:
        raise ExportError(path, "row 2 holds question text but row 3 is not the import-id row: "
                          "an export has one header row or three", row=3)
    return 1


def _check_columns(path: Path, ids: list[str], cb, mapping: Mapping) -> None:
    seen: dict[str, int] = {}
    for position, column in enumerate(ids, start=1):
        if column in seen:
            raise ExportError(path, f"column id '{column}' appears twice (columns {seen[column]} "
                              f"and {position}); ids must be unique", row=1, column=column)
        seen[column] = position
    expected = set(cb.columns)
    unknown = [c for c in ids if c not in expected and c not in mapping.ignore_columns]
    if unknown:
        raise ExportError(path, f"unknown column(s) {unknown}: not in the codebook; map them in "
                          "the params file (mapping.columns) or list them in "
                          "mapping.ignore_columns", row=1, column=unknown[0])
    missing = [c for c in cb.columns if c not in ids]
    if missing:
        raise ExportError(path, f"required column(s) {missing} missing", row=1, column=missing[0])


def _parse(path: Path, n_header: int) -> pd.DataFrame:
    try:
        data = pd.read_csv(path, header=None, skiprows=n_header, dtype=str, encoding="utf-8-sig",
                           keep_default_na=False, na_values=[""], engine="c")
    except pd.errors.ParserError as err:
        raise _parser_error(path, str(err)) from None
    except pd.errors.EmptyDataError:
        raise ExportError(path, "the file has header rows but no responses") from None
    except UnicodeDecodeError:
        raw = path.read_bytes()
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError as err:
            raise _not_utf8(path, raw, err.start) from None
        raise
    return data


def _parser_error(path: Path, message: str) -> ExportError:
    fields = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", message)
    if fields:
        expected, line, saw = map(int, fields.groups())
        return ExportError(path, f"the row has {saw} fields, the header has {expected} (an "
                           "unquoted comma?)", row=line)
    eof = re.search(r"EOF inside string starting at row (\d+)", message)
    if eof:
        return ExportError(path, "a quoted field is never closed (unterminated quote); the file "
                           "ends inside it", row=int(eof.group(1)) + 1)
    return ExportError(path, f"the file cannot be read as CSV: {message}")


# --------------------------------------------------------------------------- validation

def _validate(export: Export, cb, mapping: Mapping) -> None:
    data = export.data
    for meta in cb.export_metadata:
        data[meta["id"]] = _typed_metadata(export, meta, cb)
    for q in cb.questions:
        column = q["id"]
        relabel = {**mapping.labels.get(q.get("scale"), {}), **mapping.labels.get(column, {})}
        if relabel:
            data[column] = data[column].replace(relabel)
        if q["kind"] == "choice":
            _check_labels(export, column, data[column], cb.labels(column))
        elif q["kind"] == "multi":
            _check_multi(export, column, cb.labels(column))


def _typed_metadata(export: Export, meta: dict, cb) -> pd.Series:
    column, kind = meta["id"], meta["kind"]
    values = export.data[column]
    present = values.notna()
    if kind == "datetime":
        typed = pd.to_datetime(values, format=DATETIME_FORMAT, errors="coerce")
        _fail_where(export, column, present & typed.isna(), "is not a date-time like "
                    "'2024-05-06 09:30:00'")
        return typed
    if kind == "number":
        typed = pd.to_numeric(values, errors="coerce")
        _fail_where(export, column, present & typed.isna(), "is not a number")
        low, high = meta.get("min", float("-inf")), meta.get("max", float("inf"))
        _fail_where(export, column, typed.notna() & ~typed.between(low, high),
                    f"is outside {low} to {high}")
        return typed
    if kind == "boolean":
        known = values.isin(TRUE_VALUES | FALSE_VALUES)
        _fail_where(export, column, present & ~known, "is not True/False (or 1/0)")
        return values.isin(TRUE_VALUES)
    if kind == "response_id":
        _fail_where(export, column, ~present, "is empty; every submission has a ResponseId")
        _fail_where(export, column, ~values.str.match(RESPONSE_ID.pattern).fillna(False),
                    "is not a ResponseId ('R_' and 15 letters or digits)")
        _fail_where(export, column, values.duplicated(keep="first"),
                    "repeats an earlier ResponseId; ResponseIds are unique per submission")
        return values
    if kind == "choice":
        _check_labels(export, column, values, cb.scales[meta["scale"]])
    return values


def _fail_where(export: Export, column: str, bad: pd.Series, problem: str) -> None:
    if bad.any():
        first = bad.idxmax()
        value = export.data.at[first, column]
        more = f" ({int(bad.sum())} rows in all)" if bad.sum() > 1 else ""
        raise ExportError(export.path, f"value {value!r} {problem}{more}",
                          row=export.row_of(first), column=column)


def _check_multi(export: Export, column: str, allowed: list[str]) -> None:
    """Each selected label of a multi-select answer, checked once per distinct answer."""
    values = export.data[column]
    distinct = pd.Series(values.dropna().unique())
    labels = distinct.str.split(",").explode().str.strip()
    wrong = labels[~labels.isin(allowed)]
    if wrong.empty:
        return
    first = values.index[values.eq(distinct[wrong.index[0]])][0]
    raise ExportError(export.path, f"value {wrong.iat[0]!r} is not one of the allowed answers "
                      f"{allowed}; map other wordings in the params file (mapping.labels)",
                      row=export.row_of(first), column=column)


def _check_labels(export: Export, column: str, values: pd.Series, allowed: list[str]) -> None:
    distinct = pd.Series(values.dropna().unique())
    wrong = distinct[~distinct.isin(allowed)]
    if wrong.empty:
        return
    value = wrong.iat[0]
    first = values.index[values.eq(value)][0]
    hint = next((a for a in allowed if a.casefold() == str(value).strip().casefold()), None)
    advice = (f"did you mean {hint!r}? " if hint else "") + (
        "map other wordings in the params file (mapping.labels)")
    raise ExportError(export.path, f"value {value!r} is not one of the allowed answers "
                      f"{allowed}; {advice}", row=export.row_of(first), column=column)
