"""Publishing a released table: refused if it shows a value in a row it marks as suppressed;
tables/<name>.csv and report/tables/<name>.md with the same rows, and how many cells the gate hid
(report/tables/<name>.hidden.json, for the methods section), through the byte writer."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from microcred.core import files, paths
from microcred.release import gate


def write_table(frame: pd.DataFrame, name: str, title: str = "") -> Path:
    """tables/<name>.csv, and report/tables/<name>.md with the same rows; how many cells the
    disclosure gate hid goes to report/tables/<name>.hidden.json for the methods section."""
    gate.check_released(frame)
    files.write_json(gate.hidden_counts(frame), paths.REPORT_TABLES / f"{name}.hidden.json")
    frame = gate.drop_internal(frame)
    path = files.write_csv(frame, paths.TABLES / f"{name}.csv")
    files.write_bytes(paths.REPORT_TABLES / f"{name}.md",
                      files.markdown(frame, title).encode("utf-8"))
    return path
