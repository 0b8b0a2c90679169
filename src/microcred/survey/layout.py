"""What every export format shares before the codebook: the error that names file, row and
column, the text table a reader produces, the date-time format, ResponseIds, and how the header
rows (column ids; question text; import ids) are told apart."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

RESPONSE_ID = re.compile(r"^R_[A-Za-z0-9]{15}$")

DATETIME_FORMAT = "%Y-%m-%d %H:%M:%S"


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


def is_import_row(cells: list[str]) -> bool:
    return bool(cells) and all(import_id(c) is not None for c in cells)


def import_id(cell) -> str | None:
    try:
        value = json.loads(cell)
    except (json.JSONDecodeError, TypeError):
        return None
    return value.get("ImportId") if isinstance(value, dict) else None


def header_row_count(path: Path, header: list[list[str]], cb) -> int:
    if is_import_row(header[2]):
        return 3
    if is_import_row(header[1]):
        raise ExportError(path, "row 2 holds import ids but the question-text row is missing: "
                          "an export has one header row or three", row=2)
    texts = {q["text"] for q in cb.questions}
    if sum(c in texts for c in header[1]) >= 3:
        raise ExportError(path, "row 2 holds question text but row 3 is not the import-id row: "
                          "an export has one header row or three", row=3)
    return 1
