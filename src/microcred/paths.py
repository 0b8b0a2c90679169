"""Every path of the project, from its root, so that code behaves the same under papermill,
nbval, JupyterLab and pytest whatever the working directory.

MICROCRED_ROOT points the whole project (inputs and outputs) at another folder laid out the same
way; the end-to-end tests run the pipeline in a scratch copy with it."""

import os
from pathlib import Path

ROOT = Path(os.environ.get("MICROCRED_ROOT") or Path(__file__).resolve().parents[2]).resolve()

DATA = ROOT / "data"
RAW = DATA / "raw"
EXTERNAL = DATA / "external"
INTERIM = DATA / "interim"
PROCESSED = DATA / "processed"

FIGURES = ROOT / "figures"
TABLES = ROOT / "tables"
REPORT = ROOT / "report"
NOTEBOOKS = ROOT / "notebooks"

LEADERS_EXPORT = RAW / "leaders_survey_export.csv"
EMPLOYERS_EXPORT = RAW / "employers_survey_export.csv"

CODEBOOK = EXTERNAL / "codebook.yaml"
PUBLISHED_FIGURES = EXTERNAL / "published_figures.csv"
RECONSTRUCTION_TARGETS = EXTERNAL / "reconstruction_targets.csv"
SYNTHETIC_DESIGN = EXTERNAL / "synthetic_design.yaml"
COUNTRY_ALIASES = EXTERNAL / "country_aliases.csv"
REGION_SCHEMES = EXTERNAL / "region_schemes.csv"

CLEAN_LEADERS = PROCESSED / "leaders_clean.csv"
CLEAN_INSTITUTIONS = PROCESSED / "institutions_clean.csv"
CLEAN_EMPLOYERS = PROCESSED / "employers_clean.csv"
PROVENANCE = PROCESSED / "provenance.json"
REJECTED = INTERIM / "rejected.csv"
VALIDATION_FAILURES = INTERIM / "validation_failures.csv"


def resolve(path: str | Path) -> Path:
    """A path given relative to the project root (as in params.yaml), or an absolute one."""
    path = Path(path)
    return path if path.is_absolute() else ROOT / path


def relative(path: Path) -> str:
    """How a file is named in outputs: relative to the root, never an absolute machine path."""
    try:
        return Path(path).resolve().relative_to(ROOT).as_posix()
    except ValueError:
        return Path(path).name
