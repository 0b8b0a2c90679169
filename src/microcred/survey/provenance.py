"""Where the clean data came from (which files, their hashes, the settings of the cleaning, whether
the data is the synthetic reconstruction): written beside the clean data, read by every later
notebook and by the report."""

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


def describe_sources(leaders_export, employers_export, synthetic: bool, n_leaders: int,
               n_employers: int, settings: dict) -> dict:
    """What the clean data came from: read by every later notebook and by the report."""
    def describe(export):
        return {"file": relative(export.path), "records": export.n_records,
                "sha256": hashlib.sha256(export.path.read_bytes()).hexdigest()}

    return {"synthetic": synthetic, "leaders": describe(leaders_export),
            "employers": describe(employers_export), "valid_leaders": n_leaders,
            "valid_employers": n_employers, **settings}


def write_provenance(info: dict) -> None:
    files.write_json(info, paths.PROVENANCE)


def read_provenance() -> dict:
    return json.loads(paths.PROVENANCE.read_text(encoding="utf-8"))
