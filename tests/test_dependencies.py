"""Dependency hygiene: every third-party module the package, the notebooks or the tests import is
declared in pyproject.toml (the package's and the notebooks' in `dependencies`, the tests' there or
in the `test` extra), and every declared package is imported or has a stated use."""

from __future__ import annotations

import ast
import json
import re
import sys
import tomllib
from importlib.metadata import packages_distributions

from microcred.core import paths
from microcred.tooling import lockfile

# Declared, used, never imported: what each is for.
USED_WITHOUT_IMPORT = {
    "jupyterlab": "`make lab`",
    "ipykernel": "the kernel that runs the notebooks",
    "nbval": "pytest plugin comparing the executed notebooks",
    "pytest-xdist": "pytest plugin running the tests on every core (`python -m microcred test`)",
    "ruff": "lint",
    "mypy": "lint (type checks of the statistics and release layers)",
    "mutmut": "`make mutate` (mutation testing)",
    "nbstripout": "git filter that strips source notebooks (run by microcred.nbfilter)",
    "nbdime": "git diff driver for notebooks (see .gitattributes)",
    "pyreadstat": "SPSS exports (pandas reads .sav through it)",
    "openpyxl": "Excel exports (pandas reads .xlsx through it)",
}
# The package and the tests' own helper modules (conftest, disclosure_audit, ...).
LOCAL = {"microcred"} | {p.stem for p in (paths.ROOT / "tests").glob("*.py")}


def imported_modules(source: str) -> set[str]:
    modules = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            modules |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            modules.add(node.module.split(".")[0])
    return modules - LOCAL - set(sys.stdlib_module_names)


def notebook_code(path) -> str:
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    return "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")


def distributions(modules: set[str]) -> set[str]:
    """The installed distributions that provide these top-level modules."""
    provided = packages_distributions()
    missing = modules - set(provided)
    assert not missing, f"imported but not installed: {missing}"
    return {lockfile.normalise(d) for m in modules for d in provided[m]}


def declared(group: str) -> set[str]:
    project = tomllib.loads((paths.ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    specs = (project["dependencies"] if group == "dependencies"
             else project["optional-dependencies"][group])
    return {lockfile.normalise(re.split(r"[<>=!~\[ ;]", s)[0]) for s in specs}


def runtime_imports() -> set[str]:
    sources = [p.read_text(encoding="utf-8") for p in (paths.ROOT / "src").rglob("*.py")]
    sources += [notebook_code(p) for p in paths.NOTEBOOKS.glob("*.ipynb")]
    return set().union(*map(imported_modules, sources))


def imports_of_the_tests():
    return set().union(*(imported_modules(p.read_text(encoding="utf-8"))
                         for p in (paths.ROOT / "tests").glob("*.py")))


def test_the_import_scanner_finds_third_party_modules_only():
    source = ("import os, numpy.linalg\nfrom pandas import DataFrame\nfrom . import paths\n"
              "import microcred\n")
    assert imported_modules(source) == {"numpy", "pandas"}


def test_what_the_package_and_notebooks_import_is_a_declared_dependency():
    undeclared = distributions(runtime_imports()) - declared("dependencies")
    assert not undeclared, f"imported by the package or a notebook, not declared: {undeclared}"


def test_what_the_tests_import_is_declared():
    undeclared = distributions(imports_of_the_tests()) - declared("dependencies") - declared("test")
    assert not undeclared, f"imported by the tests, not declared: {undeclared}"


def test_every_declared_package_is_used():
    imported = distributions(runtime_imports() | imports_of_the_tests())
    unused = declared("dependencies") | declared("test")
    unused -= imported | set(USED_WITHOUT_IMPORT) | {"pytest"}
    assert not unused, f"declared in pyproject.toml but never imported: {unused}"
