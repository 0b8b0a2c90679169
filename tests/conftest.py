"""Shared fixtures: the codebook, small hand-made exports, and a scratch copy of the project in
which the end-to-end tests run the pipeline without touching the committed outputs."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from microcred.core import paths
from microcred.survey import analysis_data, codebook, countries, validity
from microcred.synthetic import generator as synth
from microcred.tooling.sandbox import make, make_sandbox

ROOT = paths.ROOT
FULL_AUDIT = os.environ.get("MICROCRED_AUDIT") == "full"  # `make audit`: every export and pair


def pytest_collection_modifyitems(config, items):
    """The audit's larger exports and pairs (marked `audit_full`) run under `make audit` only."""
    if FULL_AUDIT:
        return
    skip = pytest.mark.skip(reason="the disclosure audit's larger cases: `make audit`")
    for item in items:
        if "audit_full" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def cb():
    return codebook.load("leaders")


@pytest.fixture(scope="session")
def raw_leaders() -> pd.DataFrame:
    """The default synthetic export as the generator makes it (strings, export order)."""
    return synth.leaders_export()


def write_export(path: Path, frame: pd.DataFrame, three_headers: bool = True) -> Path:
    header = list(synth.header_rows(codebook.load())) if three_headers else None
    path.write_bytes(synth.to_csv_bytes(frame, header))
    return path


@pytest.fixture
def export_file(tmp_path, raw_leaders):
    """Write a (possibly altered) copy of the default export and return its path."""
    def make(frame: pd.DataFrame | None = None, name: str = "export.csv", three_headers=True):
        return write_export(tmp_path / name, raw_leaders if frame is None else frame, three_headers)
    return make


@pytest.fixture(scope="session")
def clean_default():
    """The default exports cleaned in-process, as 01_clean does: (leaders, employers, cleaned)."""
    from microcred.survey.reader import read_export

    def run(path, survey, rules):
        export = read_export(path, survey)
        resolved = countries.resolve_spellings(export.data["country"])
        cleaned = validity.apply_rules(export.data, rules(resolved))
        frame = analysis_data.analysis_frame(cleaned.kept, codebook.load(survey), resolved, "m49",
                                             "test-key")
        return frame, cleaned, export

    leaders, cleaned, export = run(paths.LEADERS_EXPORT, "leaders",
                                   lambda r: validity.leader_rules(r, 1 / 3, "24h"))
    employers, _, _ = run(paths.EMPLOYERS_EXPORT, "employers", validity.employer_rules)
    return leaders, employers, cleaned, export


@pytest.fixture(scope="session")
def built(tmp_path_factory):
    """One fresh `make report` in a scratch copy, shared by the end-to-end tests that read it or
    change it and put it back (each marked `xdist_group("built")`, so one worker builds it once)."""
    folder = make_sandbox(tmp_path_factory.mktemp("fresh"))
    make(folder, "report")
    return folder


@pytest.fixture
def raking_example() -> tuple[pd.DataFrame, dict]:
    """300 respondents in three regions and two institution types, and margins to rake them to
    (totals of 600, twice the sample)."""
    rng = np.random.default_rng(9)
    sample = pd.DataFrame({"region": rng.choice(["A", "B", "C"], 300, p=[0.6, 0.3, 0.1]),
                           "inst_type": rng.choice(["x", "y"], 300)})
    targets = {"region": {"A": 100.0, "B": 200.0, "C": 300.0},
               "inst_type": {"x": 250.0, "y": 350.0}}
    return sample, targets
