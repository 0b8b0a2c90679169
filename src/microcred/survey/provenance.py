"""Where the clean data came from (which files, their hashes, the settings of the cleaning, whether
each file is the synthetic reconstruction): written beside the clean data, read by every later
notebook and by the report.

The synthetic marker is checked per file, and the employer export follows the leaders': its
results are used only where it is of the same kind (both the reconstruction, or neither), so that
a report on your own leaders export never prints the bundled synthetic employers as yours."""

from __future__ import annotations

import hashlib
import json

import pandas as pd

from microcred.core import files, paths
from microcred.core.paths import relative
from microcred.survey.markers import SYNTHETIC


def is_synthetic(records: pd.DataFrame) -> bool:
    """The synthetic reconstruction marks every record it writes (see markers.SYNTHETIC)."""
    return bool(len(records)) and bool(records["ExternalReference"].eq(SYNTHETIC).all())


def synthetic_file(export) -> bool:
    """Whether one export (a reader.Export) is the synthetic reconstruction. A file where some
    records carry the marker and others do not is neither, and is refused: a report on it could
    be labelled neither way."""
    marked = export.data["ExternalReference"].eq(SYNTHETIC).fillna(False).astype(bool)
    if marked.any() and not marked.all():
        first = marked.index[~marked.to_numpy()][0]
        raise export.error(f"{int(marked.sum()):,} of {len(marked):,} records carry the synthetic "
                           f"reconstruction's marker ({SYNTHETIC!r}) and the others do not: a "
                           "file is the reconstruction or an export, not both; remove the "
                           "synthetic records", row=export.row_of(first),
                           column="ExternalReference")
    return is_synthetic(export.data)


def employers_left_out(leaders_synthetic: bool, employers_export) -> str:
    """Why the employer export's results are left out ('' where they are used): it must be of
    the leaders' kind, the synthetic reconstruction for the reconstruction's leaders, your own
    for yours (the parameter raw_employers keeps its bundled synthetic default otherwise)."""
    if synthetic_file(employers_export) == leaders_synthetic:
        return ""
    kinds = ("is the synthetic reconstruction", "is not") if leaders_synthetic else (
        "is not the synthetic reconstruction", "is")
    return (f"the employer results are left out: the leaders export {kinds[0]} and the employer "
            f"export (parameter raw_employers = {relative(employers_export.path)}) {kinds[1]}; "
            "give raw_employers an employer export of the same kind to include them")


def describe_sources(leaders_export, employers_export, synthetic: bool, n_leaders: int,
               n_employers: int, settings: dict, employers_left_out: str = "") -> dict:
    """What the clean data came from: read by every later notebook and by the report."""
    def describe(export):
        return {"file": relative(export.path), "records": export.n_records,
                "sha256": hashlib.sha256(export.path.read_bytes()).hexdigest(),
                "synthetic": synthetic_file(export)}

    employers = {**describe(employers_export), "left_out": employers_left_out}
    return {"synthetic": synthetic, "leaders": describe(leaders_export), "employers": employers,
            "valid_leaders": n_leaders, "valid_employers": n_employers, **settings}


def write_provenance(info: dict) -> None:
    """Write the provenance beside the clean data."""
    files.write_json(info, paths.PROVENANCE)


def read_provenance() -> dict:
    """What the clean data came from, as `write_provenance` wrote it."""
    return json.loads(paths.PROVENANCE.read_text(encoding="utf-8"))
