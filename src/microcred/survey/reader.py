"""Reading a survey export: a CSV with one or three header rows, an SPSS file or an Excel
workbook, every field as text first, and errors that name the file, the row and the column when
the file does not follow the codebook.

Rows are counted as records of the file, header rows and empty lines included (row 4 is the first
answer of a three-header export), so a spreadsheet shows the same number; in an SPSS file a row is
a case, in a workbook the sheet's row. An empty line, or a record of empty fields, is no response.
A record with more or fewer fields than the header is never padded or shifted: it is set aside
with its row and reason (`Export.malformed`, rejected by cleaning), and where most records are
so, or a quoted field runs to the end of the file, the file itself is broken and reading stops.
"""

from __future__ import annotations

import csv
import io
import itertools
import re
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from microcred.core.parallel import in_parallel
from microcred.survey import codebook as codebook_mod
from microcred.survey import countries
from microcred.survey.layout import (
    CHOICE_SEPARATOR,
    DATETIME_FORMAT,
    RESPONSE_ID,
    ExportError,
    Table,
    choices,
    header_row_count,
    import_id,
)
from microcred.survey.mapping import Mapping, MappingError

TRUE_VALUES, FALSE_VALUES = {"True", "true", "TRUE", "1"}, {"False", "false", "FALSE", "0"}


@dataclass
class Export:
    path: Path
    # validated; metadata typed, answers as text (categories in a CSV), NA for empty
    data: pd.DataFrame
    questions: dict[str, str]  # column id -> question text (empty with one header row)
    import_ids: dict[str, str]
    header_rows: int
    rows: np.ndarray | None = None  # record number of each data row, where not consecutive
    malformed: pd.DataFrame = field(default_factory=lambda: _malformed_frame([]))
    sheet: str | None = None  # the sheet read, in a workbook
    notes: list[str] = field(default_factory=list)  # what the reader did that the user should know

    def row_of(self, index) -> int:
        """The record number in the file of a data row (header rows included, 1-based)."""
        if self.rows is not None:
            return int(self.rows[index])
        return int(index) + self.header_rows + 1

    def response_rows(self) -> pd.Series:
        """The record number in the file of each ResponseId."""
        rows = self.rows
        if rows is None:
            rows = np.arange(len(self.data)) + self.header_rows + 1
        return pd.Series(np.asarray(rows, dtype=int), index=self.data["ResponseId"].astype(object))

    def without_records(self) -> Export:
        """The export with none of its records: one whose results are left out."""
        return replace(self, data=self.data.iloc[:0], malformed=self.malformed.iloc[:0], rows=None)

    def error(self, message: str, row: int | None = None, column: str | None = None) -> ExportError:
        """An ExportError naming this export (and sheet), the row and the column."""
        return ExportError(self.path, message, row=row, column=column, sheet=self.sheet)

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
    _check_columns(path, ids, cb, mapping, table.sheet)
    data = table.data
    data.columns = ids
    data = data.drop(columns=[c for c in mapping.ignore_columns if c in data.columns])
    if data.empty:
        raise ExportError(path, "the file has header rows but no responses", sheet=table.sheet)
    malformed = _malformed_frame(table.malformed, ids)
    export = Export(path, data, dict(zip(ids, table.questions)), dict(zip(ids, table.import_ids)),
                    table.header_rows, table.rows, malformed, table.sheet, table.notes)
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
                   for row, fields in malformed],
    }).astype({"row": int, "ResponseId": str, "reason": str})


HEAD_BYTES = 1 << 20  # enough for the three header rows, however long the question texts


def _read_csv(path: Path, cb, mapping=None) -> Table:
    header = _first_records(path, _head(path))
    width = len(header[0])
    named = _named_width(header)
    # a row of another width than the ids is a (damaged) record, never a header row
    n_header = header_row_count(path, [row[:named] if len(row) == width else []
                                       for row in header], cb)
    for number in range(1, n_header):
        if len(header[number]) != width:
            raise ExportError(path, f"header row {number + 1} has {len(header[number])} fields, "
                              f"row 1 has {width}: the header rows are damaged", row=number + 1)
    ids = [(mapping.columns.get(c) if mapping else None) or c for c in header[0]]
    data, rows, malformed = _records(path, n_header, width, _categorical(ids, cb),
                                     _parsed_kinds(ids, cb), _arrow_text(ids, cb))
    notes = _drop_unnamed(path, data, named, width, rows, n_header)
    questions = header[1][:named] if n_header == 3 else []
    imports = [import_id(v) for v in header[2][:named]] if n_header == 3 else []
    return Table(header[0][:named], data, n_header, questions, imports, rows, malformed,
                 notes=notes)


def _named_width(header: list[list[str]]) -> int:
    """The columns up to the last with an id: some downloads end every row, header rows
    included, with a comma (an empty column after the last)."""
    width = len(header[0])
    while width > 1 and not header[0][width - 1] and not any(
            len(row) >= width and row[width - 1] for row in header[1:]):
        width -= 1
    return width


def _drop_unnamed(path: Path, data: pd.DataFrame, named: int, width: int, rows,
                  n_header) -> list[str]:
    """The trailing columns without an id are left out where every record leaves them empty;
    a value in one stops the run naming its row (it belongs to no column)."""
    if named == width:
        return []
    for position in range(named, width):
        filled = data[position].notna().to_numpy()
        if filled.any():
            at = int(np.argmax(filled))
            row = int(rows[at]) if rows is not None else at + n_header + 1
            raise ExportError(path, f"column {position + 1} has no id in the header row but holds "
                              f"a value ({data.at[at, position]!r}): give it an id, or delete it",
                              row=row)
    data.drop(columns=list(range(named, width)), inplace=True)
    return [f"column{'s' if width - named > 1 else ''} {named + 1}"
            f"{f' to {width}' if width - named > 1 else ''} of the file, with no id and empty in "
            "every row (a comma at the end of each line), left out"]


TEXT_KINDS = ("datetime", "number", "response_id")  # parsed or checked value by value


# values of their own per respondent, and institution names (nearly as many as respondents in
# a large survey: as categories they would cost more than they save; benchmarks/NOTES.md)
ARROW_TEXT_COLUMNS = ("IPAddress", "RecipientEmail", "LocationLatitude", "LocationLongitude",
                      "institution")


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
        with _no_field_limit():  # newline="": a line may end in CR only (Excel for Mac's CSV)
            records = list(itertools.islice(csv.reader(io.StringIO(text, newline="")), 3))
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
    blank, n_rows = _blank(table), table.num_rows + len(malformed)  # rows: blank ones included
    if blank is not None:
        table = table.filter(pc.invert(blank))
    total = table.num_rows + len(malformed)
    if len(malformed) * 2 > total:
        row, fields = malformed[0]
        raise ExportError(path, f"{len(malformed)} of {total} records have another number of "
                          f"fields than the header's {width} (this one has {len(fields)}): the "
                          "header row or the file is damaged", row=row)
    data = _to_pandas(_parsed(table, parse or {}), arrow_text)
    if not malformed and blank is None:
        return data, None, []
    rows = np.setdiff1d(np.arange(n_header + 1, n_header + 1 + n_rows), [r for r, _ in malformed])
    if blank is not None:  # numbers of the records Arrow read, the blank ones left out
        rows = rows[~blank.to_numpy(zero_copy_only=False)]
    return data, rows, malformed


def _blank(table: pa.Table) -> pa.ChunkedArray | None:
    """Which records are empty lines or hold only empty fields (None where none is): no response,
    but counted as rows, so that the rows named after one are those a spreadsheet shows."""
    if table.num_rows == 0:
        return None
    blank = pc.is_null(table.column(0))
    for column in table.columns[1:]:
        if not pc.any(blank).as_py():
            return None
        blank = pc.and_(blank, pc.is_null(column))
    return blank if pc.any(blank).as_py() else None


def _to_pandas(table: pa.Table, arrow_text) -> pd.DataFrame:
    """The table as pandas, columns numbered; those in `arrow_text` keep their Arrow strings."""
    kept = {i: pd.arrays.ArrowExtensionArray(_contiguous(table.column(i)))
            for i in sorted(arrow_text)}
    rest = table.drop_columns([table.column_names[i] for i in kept])
    del table
    # Arrow's buffers freed as each column is converted; the few numeric and date columns
    # consolidated (blocks of their own cost more: benchmarks/NOTES.md)
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


BLOCK_BYTES = 1 << 22  # Arrow parses in blocks of 4 MiB (faster than 16: benchmarks/NOTES.md)


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
                parse_options=pacsv.ParseOptions(newlines_in_values=True, ignore_empty_lines=False,
                                                 invalid_row_handler=set_aside),
                convert_options=pacsv.ConvertOptions(column_types=types, null_values=[""],
                                                     strings_can_be_null=True))
            return table, malformed
        except pa.ArrowInvalid as err:
            cut_short = cut is not None and cut.is_set()
            if "straddling" in str(err) and block < path.stat().st_size and not cut_short:
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
        records = sum(1 for fields in csv.reader(io.StringIO(prefix, newline="")) if fields)
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


PLATFORM_ID = re.compile(r"Q\d+(_\d+)*(_TEXT)?")  # the survey platform's default question ids


def _check_columns(path: Path, ids: list[str], cb, mapping: Mapping,
                   sheet: str | None = None) -> None:
    fail = partial(ExportError, path, row=1, sheet=sheet)
    seen: dict[str, int] = {}
    for position, column in enumerate(ids, start=1):
        if column in seen:
            raise fail(f"column id '{column}' appears twice (columns {seen[column]} and "
                       f"{position}); ids must be unique", column=column)
        seen[column] = position
    expected = set(cb.columns)
    unknown = [c for c in ids if c not in expected and c not in mapping.ignore_columns]
    if unknown and sum(bool(PLATFORM_ID.fullmatch(c)) for c in unknown) * 2 > len(unknown):
        raise fail(f"unknown column(s) {unknown}: the survey platform's own question ids (Q1, "
                   "Q2, ...), not the codebook's; map each onto the codebook's id in the params "
                   "file (mapping.columns; the question-text header row says which is which, and "
                   "examples/qualtrics_default_ids/params.yaml is a worked example)",
                   column=unknown[0])
    if unknown:
        raise fail(f"unknown column(s) {unknown}: not in the codebook; map them in the params "
                   "file (mapping.columns) or list them in mapping.ignore_columns",
                   column=unknown[0])
    missing = [c for c in cb.columns if c not in ids]
    if missing:
        raise fail(f"required column(s) {missing} missing", column=missing[0])


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
            data[column] = _relabelled(data[column], relabel, q["kind"] == "multi")
        if column == COUNTRY:
            data[column] = _countries(export, data[column], mapping)
        if q["kind"] == "choice":
            _check_labels(export, column, data[column], cb.labels(column), q.get("scale"))
        elif q["kind"] == "multi":
            _check_multi(export, column, cb.labels(column))


def _relabelled(values: pd.Series, relabel: dict[str, str | None], multi: bool) -> pd.Series:
    """Answers mapped through mapping.labels, each distinct answer once: a multi-select answer
    option by option ('1,3' -> 'Lack of awareness,Quality uncertainty'); a label mapped to null
    reads as not answered."""
    codes, distinct = pd.factorize(values.astype(object))
    if multi:
        mapped = [_joined([relabel.get(o, o) for o in choices(v)]) for v in distinct]
    else:
        mapped = [relabel.get(v, v) for v in distinct]
    lookup = np.array([*mapped, None], dtype=object)  # code -1 (missing) stays missing
    return pd.Series(lookup[codes], index=values.index).where(lambda v: v.notna(), np.nan)


def _joined(options: list[str | None]) -> str | None:
    chosen = [o for o in options if o is not None]
    return CHOICE_SEPARATOR.join(chosen) if chosen else None


COUNTRY = "country"
WHOLE_NUMBER = r"\s*\d+\s*"


def _countries(export: Export, values: pd.Series, mapping: Mapping) -> pd.Series:
    """Country answers: ISO 3166 numeric codes read as such where the mapping says the column
    holds them; otherwise answers that are mostly numbers (a drop-down's codes) stop the run,
    since the country library would read them as ISO codes (a drop-down's 122 is not Canada's
    124, but its 24 is Angola's). A few numbers among names are rejected by rule 5."""
    if mapping.country_codes == "iso_numeric":
        return countries.from_iso_numeric(values)
    counts = values.value_counts()  # each distinct answer once (the reader's categories)
    numbers = counts[counts.index.astype(str).str.fullmatch(WHOLE_NUMBER)]
    if numbers.sum() * 2 > counts.sum():
        first = values.index[values.isin(numbers.index)][0]
        raise export.error(
            f"{numbers.sum():,} of {counts.sum():,} answers are numbers, not country names (this "
            f"one {values[first]!r}): a drop-down exported as codes, or ISO 3166 numeric codes? "
            "Map a drop-down's codes onto country names in the params file (mapping.labels."
            "country: {1: Afghanistan, 2: Albania, ...}), or say that they are ISO numeric codes "
            "(mapping.country_codes: iso_numeric)", row=export.row_of(first), column=COUNTRY)
    return values


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
    none, in a fraction of the time of marking each value (benchmarks/NOTES.md); only an export
    with a repeat has its repeats found."""
    arrow = isinstance(values.dtype, pd.ArrowDtype)
    if arrow and len(pc.unique(pa.array(values.array))) == len(values):
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
        raise export.error(f"value {value!r} {problem}{more}", row=export.row_of(first),
                           column=column)


def _check_multi(export: Export, column: str, allowed: list[str]) -> None:
    """Each selected label of a multi-select answer, checked once per distinct answer."""
    values = export.data[column]
    distinct = pd.Series(values.dropna().unique())
    labels = distinct.str.split(CHOICE_SEPARATOR).explode().str.strip()
    wrong = labels[~labels.isin(allowed)]
    if wrong.empty:
        return
    first = values.index[values.eq(distinct[wrong.index[0]])][0]
    raise export.error(f"value {wrong.iat[0]!r} is not one of the allowed answers {allowed}; "
                       f"{_advice(wrong.iat[0], allowed, column)}", row=export.row_of(first),
                       column=column)


def _check_labels(export: Export, column: str, values: pd.Series, allowed: list[str],
                  scale: str | None = None) -> None:
    distinct = pd.Series(values.unique()).dropna()  # a category's codes, not a copy of the column
    wrong = distinct[~distinct.isin(allowed)]
    if wrong.empty:
        return
    value = wrong.iat[0]
    first = values.index[values.eq(value)][0]
    raise export.error(f"value {value!r} is not one of the allowed answers {allowed}; "
                       f"{_advice(value, allowed, scale or column)}", row=export.row_of(first),
                       column=column)


def _advice(value, allowed: list[str], key: str) -> str:
    """What to do about an answer that is not a label: a near miss, a numeric code (an export of
    numeric values: map the codes), a negative code (one for 'not answered')."""
    text = str(value).strip()
    hint = next((a for a in allowed if a.casefold() == text.casefold()), None)
    if hint:
        return f"did you mean {hint!r}? map other wordings in the params file (mapping.labels)"
    if re.fullmatch(r"-\d+", text):
        return (f"{text} is a code for a missing answer (as SPSS's user-missing -99)? map it to "
                f"null in the params file to read it as not answered (mapping.labels.{key}: "
                f"{{{text}: null}})")
    if re.fullmatch(r"\d+", text):
        return (f"a number, not an answer label: a download of numeric values? map the codes onto "
                f"the labels in the params file (mapping.labels.{key}: {{1: {allowed[0]!r}, 2: "
                f"{allowed[1]!r}, ...}})")
    return "map other wordings in the params file (mapping.labels)"
