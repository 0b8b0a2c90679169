"""The pipeline as pipeline.yaml writes it down once: the notebooks in order, what each reads
(modules, files, the outputs of the notebooks it comes after) and writes, and the report's
sections. The runner, the command line, the report and the tests all read it from here; which
package files a notebook's modules pull in is `tooling.dependencies`' concern."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

from microcred.core import paths

FIGURE_FILES = ("png", "svg", "json")  # what plots.Figures.save writes per figure

PACKAGE_PREFIX = "src/microcred/"  # inputs under it are the installed package's own files


@dataclass(frozen=True)
class Notebook:
    name: str
    after: tuple[str, ...]
    uses: tuple[str, ...]
    inputs: tuple[str, ...]
    file_parameters: tuple[str, ...]
    in_data: tuple[tuple[str, str], ...]  # (parameter, the clean data's column that has its values)
    tables: tuple[str, ...]
    figures: tuple[str, ...]
    files: tuple[str, ...]


@cache
def _manifest() -> dict:
    return yaml.safe_load(paths.MANIFEST.read_text(encoding="utf-8"))


@cache
def _notebooks() -> dict[str, Notebook]:
    fields = Notebook.__dataclass_fields__
    out = {}
    for name, spec in _manifest()["notebooks"].items():
        unknown = set(spec) - set(fields)
        if unknown:
            raise ValueError(f"{paths.MANIFEST.name}: {name} has unknown keys {sorted(unknown)}")
        out[name] = Notebook(name, **{k: tuple(_items(spec.get(k))) for k in fields if k != "name"})
        missing = set(out[name].after) - set(out)
        if missing:  # listed in reading order, so a notebook comes after the ones it needs
            raise ValueError(f"{paths.MANIFEST.name}: {name} comes after {sorted(missing)}, "
                             "which must be listed before it")
    return out


def _items(value) -> list:
    """A list as it is written, a mapping as its (key, value) pairs, nothing as empty."""
    return list(value.items()) if isinstance(value, dict) else list(value or ())


def notebooks() -> tuple[str, ...]:
    """Every notebook, in order (each after the ones it reads)."""
    return tuple(_notebooks())


def notebook(name: str) -> Notebook:
    """The notebook of that name, as pipeline.yaml describes it."""
    return _notebooks()[name]


def upstream(name: str) -> tuple[str, ...]:
    """Every notebook whose outputs this one may read: those it comes after, directly or not."""
    found = set(notebook(name).after)
    for other in reversed(notebooks()):
        if other in found:
            found |= set(notebook(other).after)
    return tuple(nb for nb in notebooks() if nb in found)


def downstream(name: str) -> tuple[str, ...]:
    """The notebook and every notebook that reads its outputs, directly or not, in order."""
    found = [name]
    for other in notebooks():
        if set(notebook(other).after) & set(found):
            found.append(other)
    return tuple(found)


def output_names(name: str) -> tuple[str, ...]:
    """Every file the notebook writes, relative to the project root (its executed copy aside)."""
    nb = notebook(name)
    out = []
    for table in nb.tables:
        out += [f"tables/{table}.csv", f"{paths.relative(paths.REPORT_TABLES)}/{table}.md",
                f"{paths.relative(paths.REPORT_TABLES)}/{table}.hidden.json"]
    for figure in nb.figures:
        out += [f"figures/{figure}.{kind}" for kind in FIGURE_FILES]
    return tuple(out + list(nb.files))


def executed(name: str) -> Path:
    """Where the executed copy of a notebook is kept (report/notebooks/)."""
    return paths.EXECUTED / f"{name}.ipynb"


@dataclass(frozen=True)
class Section:
    key: str  # its anchor in the page
    heading: str
    text: tuple[str, ...]  # the blocks of text it opens with
    figures: tuple[str, ...]
    tables: tuple[str, ...]


def report_sections() -> list[Section]:
    """The report's sections in order, each with its heading, text blocks, figures and tables."""
    parts = ("text", "figures", "tables")
    return [Section(k, v["heading"], *(tuple(v.get(f) or ()) for f in parts))
            for k, v in _manifest()["report_sections"].items()]


def input_file(name: str) -> Path:
    """A declared input: a project path, or the package's own file."""
    if name.startswith(PACKAGE_PREFIX):
        return paths.PACKAGE / name.removeprefix(PACKAGE_PREFIX)
    return paths.resolve(name)
