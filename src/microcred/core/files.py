"""The byte writer: files written atomically (a temporary file renamed into place, so an
interrupted run never leaves half a file) and only when their bytes change (so Make and nbval
re-runs leave untouched files untouched). Tables as tidy CSV with fixed float formatting, and as
Markdown for papers, with no cell a spreadsheet would run as a formula. It knows nothing of what
may be shown: `release.writer` decides that."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

FLOAT_FORMAT = "%.3f"

P_VALUE_FORMAT = "{:.3g}"  # significant digits: a p-value of 2.4e-09 must not print as 0.000


def p_values_as_text(frame: pd.DataFrame) -> pd.DataFrame:
    """p-value columns (named p_*) written with significant digits, not decimals."""
    columns = [c for c in frame.columns
               if str(c).startswith("p_") and pd.api.types.is_float_dtype(frame[c])]
    if not columns:
        return frame
    return frame.assign(**{c: [("" if pd.isna(v) else P_VALUE_FORMAT.format(v)) for v in frame[c]]
                           for c in columns})


def write_bytes(path: Path, data: bytes) -> Path:
    """Write `data` to `path` atomically (a temporary file, then a rename), only when the bytes
    differ."""
    path = Path(path)
    if path.exists() and path.read_bytes() == data:
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(data)
    tmp.replace(path)
    return path


# how a cell a spreadsheet runs as a formula starts
FORMULA_START = ("=", "+", "-", "@", "\t", "\n")


def formula_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """Text a respondent typed reaches CSV files an analyst opens in a spreadsheet (a country
    spelling, a value quoted in a reason). A cell that a spreadsheet would run as a formula
    (`=HYPERLINK(...)`, `+cmd|...`, `@SUM(...)`, `-2+3`, or one after a tab or line break) gets a
    leading apostrophe, which makes it text; a number written with its sign (-2) stays as it is.
    A carriage return becomes a line feed: the CSV writer does not quote it, and a spreadsheet
    would start a new row there. Checked once per distinct value."""
    out = frame
    for position in range(frame.shape[1]):
        values = frame.iloc[:, position]
        categorical = isinstance(values.dtype, pd.CategoricalDtype)
        text = pd.api.types.is_object_dtype(values) or pd.api.types.is_string_dtype(values)
        if not (categorical or text):
            continue
        distinct = values.cat.categories if categorical else values.dropna().unique()
        changed = {v: safe for v in distinct if (safe := _as_text(v)) != v}
        if changed:
            out = out.copy() if out is frame else out
            out.isetitem(position,
                         values.cat.rename_categories([changed.get(v, v) for v in distinct])
                         if categorical else values.replace(changed))
    return out


def _as_text(value):
    """The cell as a spreadsheet will read it as text (any other value as it is)."""
    if not isinstance(value, str):
        return value
    text = value.replace("\r\n", "\n").replace("\r", "\n")
    if text.startswith(FORMULA_START) and not (text[0] in "+-" and is_number(text)):
        return f"'{text}"
    return text


def is_number(text: str) -> bool:
    """Whether Python reads the text as a number (as a float)."""
    try:
        float(text)
    except ValueError:
        return False
    return True


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """A table as the project's CSV bytes: p-values as text, cells safe from formula injection,
    a fixed float format."""
    text = formula_safe(p_values_as_text(frame)).to_csv(index=False, float_format=FLOAT_FORMAT,
                                                        lineterminator="\n")
    return text.encode("utf-8")


def write_csv(frame: pd.DataFrame, path: Path) -> Path:
    """Write a table as CSV (`csv_bytes`), atomically and only when its bytes change."""
    return write_bytes(path, csv_bytes(frame))


def write_json(data, path: Path) -> Path:
    """Write JSON with sorted keys and a final newline, atomically and only when it changes."""
    return write_bytes(path, (json.dumps(data, indent=2, sort_keys=True) + "\n").encode("utf-8"))


def markdown(frame: pd.DataFrame, title: str = "") -> str:
    """A table as Markdown (floats to one decimal, missing cells empty), under an optional title."""
    def cell(v):
        if isinstance(v, float):
            return "" if pd.isna(v) else f"{v:.1f}"
        if v is None or (not isinstance(v, str) and pd.isna(v)):
            return ""
        return str(v).replace("|", "\\|")

    frame = p_values_as_text(frame)
    lines = [f"**{title}**", ""] if title else []
    lines.append("| " + " | ".join(map(str, frame.columns)) + " |")
    lines.append("|" + "---|" * len(frame.columns))
    lines += ["| " + " | ".join(cell(v) for v in row) + " |"
              for row in frame.itertuples(index=False)]
    return "\n".join(lines) + "\n"
