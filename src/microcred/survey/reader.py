"""Reading a survey export: a CSV with one or three header rows, an SPSS file or an Excel
workbook, every field as text first, and errors that name the file, the row and the column when
the file does not follow the codebook.

Rows are counted as records of the file, header rows included (row 4 is the first answer of a
three-header export), so a spreadsheet shows the same number; in an SPSS file a row is a case.
A record with more or fewer fields than the header is never padded or shifted: it is set aside
with its row and reason (`Export.malformed`, rejected by cleaning), and where most records are
so, or a quoted field runs to the end of the file, the file itself is broken and reading stops.
"""

from __future__ import annotations

import csv
import io
import itertools
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from microcred.core.parallel import in_parallel
from microcred.survey import codebook as codebook_mod
from microcred.survey.layout import (
    DATETIME_FORMAT,
    RESPONSE_ID,
    ExportError,
    Table,
    header_row_count,
    import_id,
)
from microcred.survey.mapping import Mapping, MappingError

TRUE_VALUES, FALSE_VALUES = {"True", "true", "TRUE", "1"}, {"False", "false", "FALSE", "0"}


@dataclass
class Export:
    path: Path
    data: pd.DataFrame  # validated; metadata typed, answers as text (categories in a CSV), NA for empty
    questions: dict[str, str]  # column id -> question text (empty with one header row)
    import_ids: dict[str, str]
    header_rows: int
    rows: np.ndarray | None = None  # record number of each data row, where not consecutive
    malformed: pd.DataFrame = field(default_factory=lambda: _malformed_frame([]))

    def row_of(self, index) -> int:
        """The record number in the file of a data row (header rows included, 1-based)."""
        if self.rows is not None:
            return int(self.rows[index])
        return int(index) + self.header_rows + 1

    @property
    def n_records(self) -> int:
        """Every response record of the file: the data and the malformed records set aside."""
        return len(self.data) + len(self.malformed)


def read_export(path, survey: str = "leaders", mapping: Mapping | None = None) -> Export:
    """A CSV export (one or three header rows), an SPSS file (.sav) or an Excel workbook (.xlsx),
    read into the same text table and checked against the same codebook."""
    path = Path(path)
    cb = codebook_mod.load(survey)
    mapping = mapping or Mapping()
    _check_mapping(mapping, cb)
    table = _reader(path)(path, cb, mapping)
    ids = [mapping.columns.get(c) or table.platform_ids.get(c, c) for c in table.columns]
    _check_columns(path, ids, cb, mapping)
    data = table.data
    data.columns = ids
    data = data.drop(columns=[c for c in mapping.ignore_columns if c in data.columns])
    if data.empty:
        raise ExportError(path, "the file has header rows but no responses")
    malformed = _malformed_frame(table.malformed, ids)
    export = Export(path, data, dict(zip(ids, table.questions)), dict(zip(ids, table.import_ids)),
                    table.header_rows, table.rows, malformed)
    _validate(export, cb, mapping)
    pa.default_memory_pool().release_unused()  # Arrow's pool keeps what it freed otherwise
    return export


def _malformed_frame(malformed: list[tuple[int, list[str]]], ids: list[str] = ()) -> pd.DataFrame:
    """Each malformed record's row, ResponseId (where its field is still in place) and reason."""
    width = len(ids)
    at = ids.index("ResponseId") if "ResponseId" in ids else None

    def response_id(fields):
        value = fields[at] if at is not None and at < len(fields) else ""
        return value if RESPONSE_ID.match(value) else ""

    return pd.DataFrame({
        "row": [row for row, _ in malformed],
        "ResponseId": [response_id(fields) for _, fields in malformed],
        "reason": [f"malformed record: row {row} has {len(fields)} fields, the header has "
                   f"{width} (a field lost, added or cut off); its answers cannot be placed"
                   for row, fields in malformed]}).astype({"row": int, "ResponseId": str, "reason": str})


HEAD_BYTES = 1 << 20  # enough for the three header rows, however long the question texts


def _read_csv(path: Path, cb, mapping=None) -> Table:
    header = _first_records(path, _head(path))
    n_header = header_row_count(path, header, cb)
    width = len(header[0])
    for number in range(1, n_header):
        if len(header[number]) != width:
            raise ExportError(path, f"header row {number + 1} has {len(header[number])} fields, "
                              f"row 1 has {width}: the header rows are damaged", row=number + 1)
    ids = [(mapping.columns.get(c) if mapping else None) or c for c in header[0]]
    data, rows, malformed = _records(path, n_header, width, _categorical(ids, cb),
                                     _parsed_kinds(ids, cb), _arrow_text(ids, cb))
    questions = header[1] if n_header == 3 else []
    imports = [import_id(v) for v in header[2]] if n_header == 3 else []
    return Table(header[0], data, n_header, questions, imports, rows, malformed)


TEXT_KINDS = ("datetime", "number", "response_id")  # parsed or checked value by value


# values of their own per respondent, and institution names (nearly as many as respondents in
# a large survey: as categories, 800,000 names cost 0.8 s to become pandas' categories)
ARROW_TEXT_COLUMNS = ("IPAddress", "RecipientEmail", "LocationLatitude", "LocationLongitude", "institution")


def _categorical(ids: list[str], cb) -> frozenset[int]:
    """Positions of the columns read as categories: every column whose values repeat (answers
    from a list, countries, names), so that each distinct value is held, checked and folded
    once."""
    kinds = _kinds(cb)
    return frozenset(i for i, c in enumerate(ids)
                     if kinds.get(c) not in TEXT_KINDS and c not in ARROW_TEXT_COLUMNS)


def _arrow_text(ids: list[str], cb) -> frozenset[int]:
    """Positions of the columns of `ARROW_TEXT_COLUMNS` and the ResponseId: they stay Arrow strings
    (`pd.ArrowDtype`), checked, compared and folded by Arrow's kernels, instead of becoming a
    million Python strings each."""
    kinds = _kinds(cb)
    return frozenset(i for i, c in enumerate(ids)
                     if kinds.get(c) == "response_id" or c in ARROW_TEXT_COLUMNS)


def _kinds(cb) -> dict[str, str]:
    return {item["id"]: item["kind"] for item in [*cb.export_metadata, *cb.questions]}


def _parsed_kinds(ids: list[str], cb) -> dict[int, str]:
    """Positions of the date and number columns, with their kind."""
    kinds = {item["id"]: item["kind"] for item in cb.export_metadata}
    return {i: kinds[c] for i, c in enumerate(ids) if kinds.get(c) in ("datetime", "number")}


def _parsed(table: pa.Table, parse: dict[int, str]) -> pa.Table:
    """Dates and numbers parsed by Arrow where every value of the column parses, to the values
    and types pandas gives (dates in ns; whole numbers as integers, floats where any is missing
    or fractional). A column with any other value stays text: validation names the value
    (pandas refuses 30 February and 'nan', where Arrow would roll over or accept)."""
    columns = sorted(parse)
    values = in_parallel([partial(_parsed_column, table.column(i), parse[i]) for i in columns])
    for i, value in zip(columns, values):
        if value is not None:
            table = table.set_column(i, table.field(i).name, value)
    return table


def _parsed_column(column: pa.ChunkedArray, kind: str):
    """The column parsed, or None where it stays text."""
    try:
        return _datetime(column) if kind == "datetime" else _number(column)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None


WRITTEN_IN_FULL = r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$"  # DATETIME_FORMAT, every field padded


def _datetime(column):
    """A column counts as parsed only where every value is written in full ('2024-05-06
    09:30:00'); Arrow's cast then checks each field's range (it refuses 30 February, where its
    strptime would roll over to March). Anything else (a non-padded date too) is left to
    pandas."""
    if pc.all(pc.match_substring_regex(column, WRITTEN_IN_FULL)).as_py() not in (True, None):
        return None
    return pc.cast(column, pa.timestamp("s")).cast(pa.timestamp("ns"))


def _number(column):
    try:
        return pc.cast(column, pa.int64())
    except pa.ArrowInvalid:
        value = pc.cast(column, pa.float64())
    return None if pc.any(pc.is_nan(value)).as_py() else value  # 'nan' is not a number


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


@contextmanager
def _no_field_limit():
    """The csv module refuses fields over 128 KiB; a free-text answer may be longer. The limit
    is the process's: one thread at a time lifts and restores it (Arrow's parser threads hand
    malformed records over side by side)."""
    with _FIELD_LIMIT:
        limit = csv.field_size_limit()
        csv.field_size_limit(sys.maxsize)
        try:
            yield
        finally:
            csv.field_size_limit(limit)


_FIELD_LIMIT = threading.Lock()


def _first_records(path: Path, text: str) -> list[list[str]]:
    try:
        with _no_field_limit():
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


def _records(path: Path, n_header: int, width: int, categorical=frozenset(), parse=None,
             arrow_text=frozenset()):
    """The data records, parsed by Arrow's CSV reader (quoted newlines included). A record with
    another number of fields than the header is set aside with its row (Arrow hands each one
    over instead of padding it). Columns numbered in `categorical` (answers from a short list)
    arrive as categories: their few distinct values are checked, folded and grouped once; those
    in `arrow_text` as Arrow strings."""
    cut = threading.Event()  # set when the file ends inside a quoted field: the parse gives up
    with ThreadPoolExecutor(1) as pool:  # the scan (one core) while Arrow parses (in C++)
        parsing = pool.submit(_arrow_table, path, n_header, width, categorical, True, cut)
        scan = _scan(path)
        if scan.ends_in_quote:
            cut.set()
    if scan.ends_in_quote:  # reported before anything the parse found, once it has stopped
        raise _unterminated_quote(path, scan.last_quote)
    table, malformed = parsing.result()
    if malformed and any(row is None for row, _ in malformed):  # rows are known on one thread
        table, malformed = _arrow_table(path, n_header, width, categorical, threads=False)
    total = table.num_rows + len(malformed)
    if len(malformed) * 2 > total:
        row, fields = malformed[0]
        raise ExportError(path, f"{len(malformed)} of {total} records have another number of "
                          f"fields than the header's {width} (this one has {len(fields)}): the "
                          "header row or the file is damaged", row=row)
    data = _to_pandas(_parsed(table, parse or {}), arrow_text)
    if not malformed:
        return data, None, []
    rows = np.setdiff1d(np.arange(n_header + 1, n_header + 1 + total), [r for r, _ in malformed])
    return data, rows, malformed


def _to_pandas(table: pa.Table, arrow_text) -> pd.DataFrame:
    """The table as pandas, columns numbered; those in `arrow_text` keep their Arrow strings."""
    kept = {i: pd.arrays.ArrowExtensionArray(_contiguous(table.column(i))) for i in sorted(arrow_text)}
    rest = table.drop_columns([table.column_names[i] for i in kept])
    del table
    # Arrow's buffers freed as each column is converted; the few numeric and date columns
    # consolidated (splitting them into blocks of their own cost 0.2-0.3 s at a million records)
    data = rest.to_pandas(self_destruct=True)
    del rest
    pa.default_memory_pool().release_unused()  # and handed back to the system, not kept pooled
    data.columns = [i for i in range(len(data.columns) + len(kept)) if i not in kept]
    for i, values in kept.items():  # in order of position, so each lands in its place
        data.insert(i, i, values)
    return data


def _contiguous(column: pa.ChunkedArray) -> pa.ChunkedArray:
    """The column's blocks as one, where its offsets allow (under 2 GiB of text): taking rows
    from one block costs a fraction of finding each row's block among a hundred."""
    return pa.chunked_array([column.combine_chunks()]) if column.nbytes < 2**31 else column


BLOCK_BYTES = 1 << 22  # Arrow parses in blocks (4 MiB: 0.5 s faster than 16 at a million records,


def _arrow_table(path: Path, n_header: int, width: int, categorical, threads: bool,
                 cut: threading.Event | None = None):
    """Arrow's table of the records of the right length, and the others as (row, fields). A
    record longer than a block is read again with larger blocks, unless `cut` is set (the file
    ends inside a quoted field: the record runs to the end and the read is of no use)."""
    malformed = []

    def set_aside(record):
        with _no_field_limit():
            fields = next(csv.reader(io.StringIO(record.text)), [])
        malformed.append((record.number, fields))
        return "skip"

    names = [str(i) for i in range(width)]
    text = pa.dictionary(pa.int32(), pa.string())
    types = {name: text if i in categorical else pa.string() for i, name in enumerate(names)}
    block = BLOCK_BYTES
    while True:
        try:
            table = pacsv.read_csv(
                path, read_options=pacsv.ReadOptions(skip_rows=n_header, column_names=names,
                                                     use_threads=threads, block_size=block),
                parse_options=pacsv.ParseOptions(newlines_in_values=True,
                                                 invalid_row_handler=set_aside),
                convert_options=pacsv.ConvertOptions(column_types=types, null_values=[""],
                                                     strings_can_be_null=True))
            return table, malformed
        except pa.ArrowInvalid as err:
            if "straddling" in str(err) and block < path.stat().st_size and not (cut and cut.is_set()):
                block, malformed = block * 8, []
                continue
            if "UTF8" in str(err) or "UTF-8" in str(err):
                raise _first_undecodable(path) from None
            raise ExportError(path, f"the file cannot be read as CSV: {err}") from None


@dataclass
class _Scan:
    ends_in_quote: bool  # the file ends inside a quoted field
    last_quote: int  # byte offset of the last quote character (-1: none)


def _scan(path: Path, chunk: int = 1 << 24) -> _Scan:
    """One pass over the bytes: a file ends inside a quoted field when it holds an odd number of
    quote characters (an escaped quote is a pair) and the last one opens a field."""
    inside, last_quote, before, tail, offset = 0, -1, b"", b"", 0
    with open(path, "rb") as f:
        while block := f.read(chunk):
            last = block.rfind(b'"')
            if last >= 0:
                last_quote, before = offset + last, block[last - 1 : last] if last else tail
            inside = (inside + block.count(b'"')) & 1
            tail, offset = block[-1:], offset + len(block)
    opens_field = before in (b"", b",", b"\n", b"\r") or (before, last_quote) == (b"\xbf", 3)
    return _Scan(bool(inside) and opens_field, last_quote)


def _unterminated_quote(path: Path, offset: int) -> ExportError:
    """The row where the quoted field that runs to the end of the file starts."""
    prefix = path.read_bytes()[:offset].decode("utf-8-sig", errors="replace")
    with _no_field_limit():
        records = sum(1 for fields in csv.reader(io.StringIO(prefix)) if fields)
    starts_record = not prefix or prefix.endswith(("\n", "\r"))
    return ExportError(path, "a quoted field is never closed (unterminated quote, or a download "
                       "cut inside a field); the file ends inside it",
                       row=records + (1 if starts_record else 0))


def _first_undecodable(path: Path) -> ExportError:
    raw = path.read_bytes()
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as err:
        return _not_utf8(path, raw, err.start)
    return ExportError(path, "the file cannot be decoded as UTF-8")


def _check_mapping(mapping: Mapping, cb) -> None:
    """What the mapping names on the codebook's side exists there (a misspelling would do
    nothing and leave the export's labels unmapped)."""
    targets = sorted(set(mapping.columns.values()) - set(cb.columns))
    if targets:
        raise MappingError("mapping.columns", f"maps onto {targets}, not columns of the codebook")
    keys = sorted(set(mapping.labels) - set(cb.columns) - set(cb.scales))
    if keys:
        raise MappingError("mapping.labels", f"names {keys}: neither a column nor a scale of the "
                           "codebook")


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


def _reader(path: Path):
    """CSV unless the name says SPSS or Excel (their libraries are imported only then)."""
    if path.suffix.lower() in (".sav", ".xlsx"):
        from microcred.survey import formats

        return formats.READERS[path.suffix.lower()]
    return _read_csv


def _validate(export: Export, cb, mapping: Mapping) -> None:
    data = export.data
    for meta in cb.export_metadata:
        data[meta["id"]] = _typed_metadata(export, meta, cb)
    for q in cb.questions:
        column = q["id"]
        relabel = {**mapping.labels.get(q.get("scale"), {}), **mapping.labels.get(column, {})}
        if relabel:
            data[column] = data[column].astype(object).replace(relabel)
        if q["kind"] == "choice":
            _check_labels(export, column, data[column], cb.labels(column))
        elif q["kind"] == "multi":
            _check_multi(export, column, cb.labels(column))


def _typed_metadata(export: Export, meta: dict, cb) -> pd.Series:
    column, kind = meta["id"], meta["kind"]
    values = export.data[column]
    present = values.notna()
    if kind == "datetime":
        if pd.api.types.is_datetime64_dtype(values):  # parsed by the reader
            return values
        typed = pd.to_datetime(values, format=DATETIME_FORMAT, errors="coerce")
        _fail_where(export, column, present & typed.isna(), "is not a date-time like "
                    "'2024-05-06 09:30:00'")
        return typed
    if kind == "number":
        parsed = pd.api.types.is_numeric_dtype(values)  # by the reader
        typed = values if parsed else pd.to_numeric(values, errors="coerce")
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
        _fail_where(export, column, ~_is_response_id(values),
                    "is not a ResponseId ('R_' and 15 letters or digits)")
        _fail_where(export, column, _repeats(values),
                    "repeats an earlier ResponseId; ResponseIds are unique per submission")
        return values
    if kind == "status":  # numeric codes become labels; other values are for rule 1 to reject
        codes = {str(code): label for code, label in cb.raw["status_codes"].items()}
        return values.astype(object).replace(codes) if values.isin(codes).any() else values
    if kind == "choice":
        _check_labels(export, column, values, cb.scales[meta["scale"]])
    return values


def _repeats(values: pd.Series) -> pd.Series:
    """Where a value repeats an earlier one. Arrow's distinct values settle the usual answer,
    none, in a fraction of the time of marking each value (a million ResponseIds: 0.15 s against
    0.45); only an export with a repeat has its repeats found."""
    if isinstance(values.dtype, pd.ArrowDtype) and len(pc.unique(pa.array(values.array))) == len(values):
        return pd.Series(False, index=values.index)
    return values.duplicated(keep="first")


def _is_response_id(values: pd.Series) -> pd.Series:
    """Whether each value is a ResponseId. Arrow strings are matched by Arrow's regular
    expressions; where one is refused, Python's decide for the column (their `$` also matches
    before a final newline), so every export gets the same answer."""
    matched = values.str.match(RESPONSE_ID.pattern, na=False).astype(bool)
    if isinstance(values.dtype, pd.ArrowDtype) and not matched.all():
        return _is_response_id(values.astype(object))
    return matched


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
    distinct = pd.Series(values.unique()).dropna()  # a category's codes, not a copy of the column
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
