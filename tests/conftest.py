"""Shared fixtures: the codebook, small hand-made exports, and a scratch copy of the project in
which the end-to-end tests run the pipeline without touching the committed outputs."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from microcred import codebook, paths, synth

ROOT = paths.ROOT


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


def make_sandbox(folder: Path) -> Path:
    """A copy of the project's inputs (no outputs) in `folder`, sharing the environment."""
    for part in ("notebooks", "data/external", "data/raw"):
        shutil.copytree(ROOT / part, folder / part)
    for name in ("params.yaml", "Makefile", "pyproject.toml", "requirements.lock"):
        shutil.copy(ROOT / name, folder / name)
    (folder / ".venv").symlink_to(ROOT / ".venv")
    return folder


def run_notebooks(folder: Path, *notebooks: str, params: str = "params.yaml", raw: str = "",
                  check: bool = True) -> subprocess.CompletedProcess:
    """Run notebooks in a sandbox with the project's runner (what `make` calls)."""
    env = {**os.environ, "MICROCRED_ROOT": str(folder)}
    result = None
    for nb in notebooks or ("01_clean", "02_regional_comparison", "03_barriers", "04_report"):
        result = subprocess.run([sys.executable, "-m", "microcred.run", nb, "--params", params,
                                 "--raw", raw], cwd=folder, env=env, capture_output=True, text=True)
        if result.returncode != 0:
            if check:
                raise AssertionError(f"{nb} failed:\n{result.stderr[-3000:]}")
            return result
    return result


@pytest.fixture(scope="session")
def clean_default():
    """The default exports cleaned in-process, as 01_clean does: (leaders, employers, cleaned)."""
    from microcred import clean, countries
    from microcred.export import read_export

    def run(path, survey, rules):
        export = read_export(path, survey)
        resolved = countries.resolve_spellings(export.data["country"])
        cleaned = clean.apply_rules(export.data, rules(resolved))
        frame = clean.analysis_frame(cleaned.kept, codebook.load(survey), resolved, "m49", "test-key")
        return frame, cleaned, export

    leaders, cleaned, export = run(paths.LEADERS_EXPORT, "leaders",
                                   lambda r: clean.leader_rules(r, 1 / 3, "24h"))
    employers, _, _ = run(paths.EMPLOYERS_EXPORT, "employers", clean.employer_rules)
    return leaders, employers, cleaned, export
