"""Every path of the project, from its root, so that code behaves the same under papermill,
nbval, JupyterLab and pytest whatever the working directory.

MICROCRED_ROOT points the whole project (inputs and outputs) at another folder laid out the same
way; the end-to-end tests run the pipeline in a scratch copy with it. Without it the root is the
source tree the package sits in, or, for an installed package, the current directory.
MICROCRED_STAGING points only the outputs of a run (clean data and its diagnostics, figures,
tables, report) at a staging folder, which the build publishes once every notebook of the run has
succeeded (into the root, or into a run folder of its own: runs/<name>/)."""

import os
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1]


def _root() -> Path:
    if os.environ.get("MICROCRED_ROOT"):
        return Path(os.environ["MICROCRED_ROOT"])
    source_tree = PACKAGE.parents[1]
    return source_tree if (source_tree / "pipeline.yaml").is_file() else Path.cwd()


ROOT = _root().resolve()
OUTPUT_ROOT = Path(os.environ.get("MICROCRED_STAGING") or ROOT).resolve()

# inputs
DATA = ROOT / "data"
RAW = DATA / "raw"
EXTERNAL = DATA / "external"
NOTEBOOKS = ROOT / "notebooks"
PARAMS = ROOT / "params.yaml"
MANIFEST = ROOT / "pipeline.yaml"
TEMPLATES = PACKAGE / "report" / "templates"
DOCS = ROOT / "docs"
COLUMN_DICTIONARY = DOCS / "columns.md"
LOCK = ROOT / "requirements.lock"
CONDA_ENVIRONMENT = ROOT / "environment.yml"

LEADERS_EXPORT = RAW / "leaders_survey_export.csv"
EMPLOYERS_EXPORT = RAW / "employers_survey_export.csv"

CODEBOOK = EXTERNAL / "codebook.yaml"
PUBLISHED_FIGURES = EXTERNAL / "published_figures.csv"
RECONSTRUCTION_TARGETS = EXTERNAL / "reconstruction_targets.csv"
SYNTHETIC_DESIGN = EXTERNAL / "synthetic_design.yaml"
SURVEY_METADATA = EXTERNAL / "survey_metadata.yaml"  # facts for the transparency statement
COUNTRY_ALIASES = EXTERNAL / "country_aliases.csv"
REGION_SCHEMES = EXTERNAL / "region_schemes.csv"

# outputs of a run (under the staging folder while a run is in progress)
INTERIM = OUTPUT_ROOT / "data" / "interim"  # what cleaning set aside, and why
PROCESSED = OUTPUT_ROOT / "data" / "processed"
FIGURES = OUTPUT_ROOT / "figures"
TABLES = OUTPUT_ROOT / "tables"
REPORT = OUTPUT_ROOT / "report"
REPORT_HTML = REPORT / "report.html"
REPORT_TABLES = REPORT / "tables"
EXECUTED = REPORT / "notebooks"
OUTPUT_FOLDERS = ("data/interim", "data/processed", "figures", "tables", "report")  # staged

REJECTED = INTERIM / "rejected.csv"
VALIDATION_FAILURES = INTERIM / "validation_failures.csv"  # written when validation stops a run

CLEAN_LEADERS = PROCESSED / "leaders_clean.csv"
CLEAN_INSTITUTIONS = PROCESSED / "institutions_clean.csv"
CLEAN_EMPLOYERS = PROCESSED / "employers_clean.csv"
PROVENANCE = PROCESSED / "provenance.json"

# the build's own: the default run's state, the staging folders, the cache of notebook results,
# the lock that lets one run at a time work in this checkout; named runs; the benchmark; mutation
# testing's work (mutmut's copy of the package and its results) and its list of equivalent
# mutants
BUILD = ROOT / "build"
BUILD_STATE = BUILD / "state.json"
STAGING = BUILD / "staging"
CACHE = BUILD / "cache"
RUN_LOCK = BUILD / "run.lock"
RUNS = ROOT / "runs"
BENCHMARKS = ROOT / "benchmarks"
MUTANTS = ROOT / "mutants"
EQUIVALENT_MUTANTS = ROOT / "tests" / "mutation" / "equivalent.yaml"


def resolve(path: str | Path) -> Path:
    """A path given relative to the project root (as in params.yaml), or an absolute one."""
    path = Path(path)
    return path if path.is_absolute() else ROOT / path


def relative(path: Path) -> str:
    """How a file is named in outputs: relative to the root (or to the staging folder, which
    stands for it during a run), never an absolute machine path."""
    path = Path(path).resolve()
    for base in (OUTPUT_ROOT, ROOT):
        try:
            return path.relative_to(base).as_posix()
        except ValueError:
            pass
    return path.name
