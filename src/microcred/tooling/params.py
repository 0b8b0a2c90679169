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
    "repeat_window_hours": (0, None, True),
    "top_combinations": (1, None, True),
}


@cache
def declared(notebook: str) -> dict:
    """The notebook's parameters cell, evaluated: names and default values (literals only)."""
    nb = json.loads((paths.NOTEBOOKS / f"{notebook}.ipynb").read_text(encoding="utf-8"))
    cells = [c for c in nb["cells"] if "parameters" in c.get("metadata", {}).get("tags", [])]
    if len(cells) != 1:
        raise ParameterError(f"{notebook}: needs exactly one cell tagged 'parameters', has {len(cells)}")
    values = {}
    for node in ast.parse("".join(cells[0]["source"])).body:
        if not (isinstance(node, ast.Assign) and len(node.targets) == 1):
            raise ParameterError(f"{notebook}: the parameters cell may only assign literals")
        values[node.targets[0].id] = ast.literal_eval(node.value)
    return values


def read_file(params_file: Path) -> dict:
    try:
        spec = yaml.safe_load(Path(params_file).read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as err:
        raise ParameterError(f"{paths.relative(params_file)} is not valid YAML: {err}") from None
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
            raise ParameterError(f"{params_file}: parameter common.{name} is not declared by any notebook")
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
            bounds = f"[{low}, {high if high is not None else '∞'})" if closed else f"({low}, {high})"
            raise ParameterError(f"parameter {name} = {value!r} is outside {bounds}")
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
