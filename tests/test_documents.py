"""Every document the repository points to is in the repository: a user who clones the project can
read its own data contract, methods and the files its comments cite."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from microcred.core import paths

# Where references are written: code, parameters, the codebook, notebooks, docs and READMEs.
SOURCES = ("src/microcred/**/*.py", "src/microcred/templates/*", "tests/*.py", "notebooks/*",
           "data/external/*", "data/*/README.md", "examples/**/*", "docs/*.md", "binder/*",
           "*.md", "*.yaml", "*.yml", "*.toml", "*.cff", "Makefile")
DOCUMENT = re.compile(r"(?<![\w/.-])((?:\.{1,2}/)?[\w-][\w./-]*\.md)\b")
MARKDOWN_LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")
OUTSIDE = re.compile(r"shared/reference|/work/")


def source_files() -> list[Path]:
    found = {p for pattern in SOURCES for p in paths.ROOT.glob(pattern) if p.is_file()}
    return sorted(p for p in found if p.suffix not in (".csv", ".png", ".svg", ".pdf")
                  and p.name != Path(__file__).name)  # this file cites missing ones on purpose


def tracked_names() -> set[str]:
    skip = {".git", ".venv", "build", "node_modules"}
    return {p.name for p in paths.ROOT.rglob("*.md")
            if not skip & set(p.relative_to(paths.ROOT).parts)}


def is_file_in_repository(reference: str, cited_in: Path) -> bool:
    """The target exists and lies inside the checkout: a path that climbs out of it (`../x.md`)
    is missing for a user who cloned only the repository, whatever sits beside it here."""
    root = paths.ROOT.resolve()
    targets = ((base / reference).resolve() for base in (paths.ROOT, cited_in.parent))
    return any(t.exists() and t.is_relative_to(root) for t in targets)


def missing_references(path: Path, names: set[str]) -> list[str]:
    """Documents named (`x.md` anywhere, or a path) and Markdown link targets that do not exist."""
    text = path.read_text(encoding="utf-8", errors="replace")
    missing = {r for r in DOCUMENT.findall(text)
               if (r not in names if "/" not in r else not is_file_in_repository(r, path))}
    if path.suffix == ".md":
        missing |= {t for t in MARKDOWN_LINK.findall(text)
                    if not re.match(r"[a-z]+:", t) and not is_file_in_repository(t, path)}
    return sorted(missing)


def test_the_sources_list_finds_the_files_that_cite_documents():
    files = {p.relative_to(paths.ROOT).as_posix() for p in source_files()}
    assert {"README.md", "params.yaml", "data/external/codebook.yaml",
            "src/microcred/survey/validity.py",
            "notebooks/01_clean.ipynb", "docs/data-contract.md", "docs/methods.md"} <= files


@pytest.mark.parametrize("cited", ["instrument.md", "../shared/reference/methods_notes.md",
                                   "docs/nowhere.md"])
def test_a_reference_to_a_missing_document_is_found(tmp_path, cited):
    path = tmp_path / "note.md"
    path.write_text(f"See {cited} section 2 and [this]({cited}).\n", encoding="utf-8")
    assert cited in missing_references(path, tracked_names())


def test_nothing_cites_a_document_that_is_not_in_the_repository():
    names = tracked_names()
    missing = {p.relative_to(paths.ROOT).as_posix(): m for p in source_files()
               if (m := missing_references(p, names))}
    assert not missing, f"references to documents that are not in the repository: {missing}"


def test_nothing_points_outside_the_repository():
    outside = [p.relative_to(paths.ROOT).as_posix() for p in source_files()
               if OUTSIDE.search(p.read_text(encoding="utf-8", errors="replace"))]
    assert not outside, f"files pointing outside the repository: {outside}"


def test_the_version_is_the_same_in_pyproject_citation_and_changelog():
    import tomllib

    import yaml

    version = tomllib.loads((paths.ROOT / "pyproject.toml").read_text())["project"]["version"]
    citation = yaml.safe_load((paths.ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    latest = re.search(r"^## (\S+)", (paths.ROOT / "CHANGELOG.md").read_text(encoding="utf-8"),
                       re.M)
    assert citation["version"] == version == latest[1]
