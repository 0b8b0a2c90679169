"""What every export format shares before the codebook: the error that names file, row and
column, the text table a reader produces, the date-time format, the separator of a multi-select
answer's options, ResponseIds, and how the header rows (column ids; question text; import ids)
are told apart."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

RESPONSE_ID = re.compile(r"^R_[A-Za-z0-9]{15}$")

DATETIME_FORMAT = "%Y-%m-%d %H:%M:%S"

# Between the options of one multi-select answer, as the survey platform writes them to a CSV
# export ("Lack of awareness,Quality uncertainty"); the options of an SPSS or Excel export are
# joined with it, and the generator writes it.
CHOICE_SEPARATOR = ","


def choices(answer: str) -> list[str]:
    """The options of one multi-select answer, without the spaces around them."""
    return [option.strip() for option in answer.split(CHOICE_SEPARATOR)]


class ExportError(ValueError):
    """The export does not follow the codebook. Says where: file (and sheet), row, column."""

    def __init__(self, path, message: str, row: int | None = None, column: str | None = None,
                 sheet: str | None = None):
        self.path, self.row, self.column, self.reason = Path(path), row, column, message
        self.sheet = sheet
        where = [str(path)] + ([f"sheet '{sheet}'"] if sheet is not None else [])
        if row is not None:
            where.append(f"row {row}")
        if column is not None:
            where.append(f"column '{column}'")
        super().__init__(f"{', '.join(where)}: {message}")


@dataclass
class Table:
    """A file's records as text, before the codebook: column ids as written, question texts and
    import ids where the file has them, the data (NA where empty) and the malformed records."""

    columns: list[str]
    data: pd.DataFrame
    header_rows: int
    questions: list[str] = field(default_factory=list)
    import_ids: list[str | None] = field(default_factory=list)
    rows: np.ndarray | None = None
    malformed: list[tuple[int, list[str]]] = field(default_factory=list)  # (row, fields)
    platform_ids: dict[str, str] = field(default_factory=dict)  # a format's own names -> ids
    sheet: str | None = None  # the workbook's sheet read
    notes: list[str] = field(default_factory=list)  # what the reader did that the user should know


def is_import_row(cells: list[str]) -> bool:
    """Whether a header row is the platform's row of JSON import ids."""
    return bool(cells) and all(import_id(c) is not None for c in cells)


def import_id(cell) -> str | None:
    """The ImportId of a header cell written as JSON; None otherwise."""
    try:
        value = json.loads(cell)
    except (json.JSONDecodeError, TypeError):
        return None
    return value.get("ImportId") if isinstance(value, dict) else None


def header_row_count(path: Path, header: list[list[str]], cb, sheet: str | None = None) -> int:
    """One header row (column ids) or three (ids, question text, import ids); any other layout
    is refused, saying which it looks like."""
    if legacy_layout(header[0]):
        named = {c.casefold() for c in header[0] + header[1]}
        missing = [m["id"] for m in cb.export_metadata if m["id"].casefold() not in named]
        raise ExportError(path, "the survey platform's legacy export layout (columns V1 to V10, "
                          f"their names in row 2): it lacks {missing}, which the validity rules "
                          "need; download the export again in the platform's current CSV format",
                          row=1, sheet=sheet)
    if is_import_row(header[2]):
        return 3
    if is_import_row(header[1]):
        raise ExportError(path, "row 2 holds import ids but the question-text row is missing: "
                          "an export has one header row or three", row=2, sheet=sheet)
    text = _question_text(header, cb)
    if text:
        raise ExportError(path, f"row 2 holds question text ({text}), a header row in any "
                          "language, but row 3 is not the import-id row: an export has one header "
                          "row or three; download it again with its three header rows, or delete "
                          "row 2", row=2, sheet=sheet)
    return 1


def legacy_layout(ids: list[str]) -> bool:
    """The platform's layout before 2018: metadata in columns named V1, V2, ... V10."""
    return ids[:3] == ["V1", "V2", "V3"]


def _question_text(header: list[list[str]], cb) -> str:
    """Evidence that row 2 is the question-text header row, in whatever language: the codebook's
    own question texts, or a row whose ResponseId and StartDate cells are no ResponseId and no
    date ('' where it is a record)."""
    ids, second = header[0], header[1]
    texts = {q["text"] for q in cb.questions}
    if sum(c in texts for c in second) >= 3:
        return "the codebook's question texts"
    cells = dict(zip(ids, second))
    response, start = cells.get("ResponseId"), cells.get("StartDate")
    if response and start and not RESPONSE_ID.match(response) and not start[:1].isdigit():
        return f"{response!r} under ResponseId, {start!r} under StartDate"
    return ""
