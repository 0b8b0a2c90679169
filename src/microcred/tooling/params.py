"""Parameters: read params.yaml, give each notebook exactly the parameters it declares, and check
names, types, ranges and shapes of all of them before anything runs (naming the parameter)."""

from __future__ import annotations

import ast
import json
import math
import sys
from functools import cache
from pathlib import Path

import yaml

from microcred.core import manifest, paths
from microcred.core.choices import ParameterError
from microcred.survey.mapping import Mapping, MappingError
from microcred.survey.region_schemes import REGION_SCHEMES

NOTEBOOKS = manifest.notebooks()
RANGES = {  # name: (low, high, closed); open intervals exclude their bounds
    "confidence_level": (0, 1, False),
    "speeder_fraction": (0, 1, False),
    "min_group_size": (0, None, True),
    "min_institutions": (0, None, True),
    "protection_width": (0, None, True),
    "repeat_window_hours": (0, 24 * 365 * 10, True),  # ten years: any survey's whole fieldwork
    "top_combinations": (1, None, True),
}
LARGEST_WHOLE_NUMBER = 2**53  # of any parameter: every whole number up to it is exact as a float

# A parameters file is a page of settings; these bound what reading one may cost (an alias bomb of
# 1 KB expands to a billion values, 20,000 nested brackets exhaust the parser's recursion).
MAX_FILE_BYTES = 1 << 20
MAX_NESTING = 32  # lists and mappings within each other
MAX_VALUES = 100_000  # values in the file once every alias is expanded
MAX_TEXT = 10_000  # characters of one value


@cache
def declared(notebook: str) -> dict:
    """The notebook's parameters cell, evaluated: names and default values (literals only)."""
    nb = json.loads((paths.NOTEBOOKS / f"{notebook}.ipynb").read_text(encoding="utf-8"))
    cells = [c for c in nb["cells"] if "parameters" in c.get("metadata", {}).get("tags", [])]
    if len(cells) != 1:
        raise ParameterError(f"{notebook}: needs exactly one cell tagged 'parameters', has "
                             f"{len(cells)}")
    values = {}
    for node in ast.parse("".join(cells[0]["source"])).body:
        if not (isinstance(node, ast.Assign) and len(node.targets) == 1):
            raise ParameterError(f"{notebook}: the parameters cell may only assign literals")
        values[node.targets[0].id] = ast.literal_eval(node.value)
    return values


class _BoundedLoader(yaml.SafeLoader):
    """YAML's safe loader within the limits above: it counts the values each node stands for,
    aliases expanded, and how deep it is, and stops naming the parameter at the first excess."""

    def __init__(self, stream, name: str):
        super().__init__(stream)
        self.file, self.where, self.values = name, [], {}  # values: node -> its expanded count

    def compose_node(self, parent, index):
        if index is not None:  # a mapping's value (index: its key) or a list's item
            self.where.append(f"[{index}]" if isinstance(index, int) else str(index.value))
        if len(self.where) > MAX_NESTING:
            raise self.limit(f"is nested more than {MAX_NESTING} levels deep (the limit on "
                             "nesting)")
        node = super().compose_node(parent, index)
        if isinstance(node, yaml.ScalarNode) and len(node.value) > MAX_TEXT:
            raise self.limit(f"has a value of {len(node.value):,} characters (the limit on a "
                             f"value's size is {MAX_TEXT:,})")
        if id(node) not in self.values:  # an alias is its anchor's node, counted once
            children = (node.value if isinstance(node, yaml.SequenceNode) else
                        [n for pair in node.value for n in pair] if isinstance(node,
                                                                               yaml.MappingNode)
                        else [])
            self.values[id(node)] = 1 + sum(self.values[id(child)] for child in children)
        if self.values[id(node)] > MAX_VALUES:
            raise self.limit(f"expands to over {MAX_VALUES:,} values once its aliases are expanded "
                             "(the limit on YAML aliases); write the values out")
        if index is not None:
            self.where.pop()
        return node

    def limit(self, problem: str) -> ParameterError:
        name = ".".join(self.where).replace(".[", "[") or "(the whole file)"
        name = name if len(name) <= 60 else name[:60] + "…"
        return ParameterError(f"{self.file}: parameter {name} {problem}")


def _load_yaml(params_file: Path):
    """The file's YAML, read as UTF-8 within the limits on size, nesting, aliases and values."""
    name = paths.relative(params_file)
    raw = Path(params_file).read_bytes()
    if len(raw) > MAX_FILE_BYTES:
        raise ParameterError(f"{name} has {len(raw):,} bytes: over the limit of {MAX_FILE_BYTES:,} "
                             "for a parameters file")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = raw[: err.start].count(b"\n") + 1
        raise ParameterError(f"{name} is not UTF-8 text (byte {err.start}, line {line}); save it "
                             "as UTF-8") from None
    loader = _BoundedLoader(text, name)
    try:
        spec = loader.get_single_data()
    except yaml.YAMLError as err:
        raise ParameterError(f"{name} is not valid YAML: {err}") from None
    finally:
        loader.dispose()
    _check_text(spec, name, [])
    return spec


def _check_text(value, name: str, where: list) -> None:
    """Every text of the file is Unicode that can be written out (YAML's escapes let a file hold
    a lone surrogate, "\\udc80", which no file, hash or message can take)."""
    items = (value.items() if isinstance(value, dict)
             else enumerate(value) if isinstance(value, list) else ())
    for key, item in items:
        _check_text(key, name, where)
        _check_text(item, name, [*where, key])
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as err:
            parameter = ".".join(map(str, where)) or "(a name)"
            raise ParameterError(f"{name}: parameter {parameter} is not valid Unicode text (a lone "
                                 f"surrogate, {value[err.start]!r}, at character "
                                 f"{err.start + 1})") from None


def read_file(params_file: Path) -> dict:
    """The parameters file's sections (common and one per notebook), each a mapping; unknown
    sections refused."""
    spec = _load_yaml(params_file) or {}
    if not isinstance(spec, dict):
        raise ParameterError(f"{paths.relative(params_file)}: expected sections "
                             f"(common, {', '.join(NOTEBOOKS)}), found {type(spec).__name__}")
    unknown_sections = set(spec) - {"common", *NOTEBOOKS}
    if unknown_sections:
        raise ParameterError(f"{params_file}: unknown section(s) {sorted(unknown_sections)}; "
                             f"sections are common and {', '.join(NOTEBOOKS)}")
    for section, block in spec.items():
        if block is not None and not isinstance(block, dict):
            raise ParameterError(f"{params_file}: section {section} should map names to values")
    return spec


def effective(notebook: str, params_file: Path, raw: str | None = None) -> dict:
    """The parameters one notebook runs with: its declared defaults, overridden by the file's
    `common` keys it declares and its own section, and by RAW for the cleaning step."""
    spec = read_file(params_file)
    defaults = declared(notebook)
    common = spec.get("common") or {}
    declared_anywhere = set().union(*(declared(nb) for nb in NOTEBOOKS))
    for name in common:
        if name not in declared_anywhere:
            raise ParameterError(f"{params_file}: parameter common.{name} is not declared by any "
                                 "notebook")
    own = spec.get(notebook) or {}
    for name in own:
        if name not in defaults:
            raise ParameterError(f"{params_file}: parameter {notebook}.{name} is unknown; "
                                 f"{notebook} takes {sorted(defaults)}")
    values = {**defaults, **{k: v for k, v in common.items() if k in defaults}, **own}
    if raw and "raw_leaders" in values:
        values["raw_leaders"] = raw
    for name, value in values.items():
        check(name, value, defaults[name])
    return values


def check(name: str, value, default) -> None:
    """Type (that of the declared default), finiteness and range of one parameter."""
    expected = type(default)
    if expected is float and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    if not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
        raise ParameterError(f"parameter {name} = {value!r} should be {expected.__name__}")
    if isinstance(value, float) and not math.isfinite(value):
        raise ParameterError(f"parameter {name} = {value!r} should be a finite number")
    if name in RANGES:
        low, high, closed = RANGES[name]
        below = value < low if closed else value <= low
        above = high is not None and (value > high if closed else value >= high)
        if below or above:
            bounds = (f"({low}, {high})" if not closed else f"[{low}, ∞)" if high is None
                      else f"[{low}, {high}]")
            raise ParameterError(f"parameter {name} = {value!r} is outside {bounds}")
    if isinstance(value, int | float) and abs(value) > LARGEST_WHOLE_NUMBER:
        raise ParameterError(f"parameter {name} = {value!r} is beyond the largest number a "
                             f"parameter takes (2**53)")
    if name == "region_scheme" and value not in REGION_SCHEMES:
        raise ParameterError(f"parameter region_scheme = {value!r}; choose one of {REGION_SCHEMES}")
    if name == "mapping":
        try:
            Mapping.from_params(value)
        except MappingError as err:
            raise ParameterError(str(err)) from None


def check_files(notebook: str, values: dict) -> None:
    """Parameters naming a file the notebook reads (pipeline.yaml says which) name one that exists;
    one declared empty by default (an optional file, such as a population frame) may stay empty."""
    for name in manifest.notebook(notebook).file_parameters:
        if values[name] == "" == declared(notebook)[name]:
            continue
        path = paths.resolve(values[name])
        if not path.is_file():
            raise ParameterError(f"parameter {name} = {values[name]!r}: no such file ({path})")
        if name == "population_frame":
            check_population_frame(values[name], path)


def check_population_frame(value: str, path: Path) -> None:
    """The frame is read as the weighting reads it, so that a file that is not a CSV frame (a
    workbook renamed .csv, JSON) stops the run before anything runs, naming the parameter."""
    import pandas as pd

    from microcred.statistics.weighting import read_frame

    try:
        read_frame(path)
    except UnicodeDecodeError as err:
        raise ParameterError(f"parameter population_frame = {value!r}: {paths.relative(path)} is "
                             f"not UTF-8 CSV text (byte {err.start}): a workbook or another binary "
                             "file? Save it as CSV UTF-8") from None
    except pd.errors.ParserError as err:
        raise ParameterError(f"parameter population_frame = {value!r}: {paths.relative(path)} "
                             f"cannot be read as CSV ({err})") from None
    except ValueError as err:  # read but not a frame: its reason names the file
        raise ParameterError(f"parameter population_frame = {value!r}: {err}") from None


def check_policy(values: dict, params_file: Path) -> None:
    """The disclosure floor: the rule's own module decides (it imports pandas, so this runs only
    when something is about to run, not on a `make report` with nothing to do)."""
    if "min_group_size" in values:
        from microcred.release.policy import DisclosureError, Policy

        try:
            Policy.from_params(values)
        except DisclosureError as err:
            raise ParameterError(f"{params_file}: {err}") from None


def validate(params_file: Path, raw: str | None = None, deep: bool = True) -> dict[str, dict]:
    """Every notebook's effective parameters, all checked; `deep` also checks that the files
    they name exist and the disclosure floor (skipped when nothing is about to run)."""
    values = {nb: effective(nb, params_file, raw) for nb in NOTEBOOKS}
    if deep:
        for notebook, own in values.items():
            check_files(notebook, own)
            check_policy(own, params_file)
    return values


def main(argv=None) -> int:
    """`python -m microcred.tooling.params check ...` is `python -m microcred params check ...`."""
    from microcred.tooling.cli import main as command_line

    return command_line(["params", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    sys.exit(main())
