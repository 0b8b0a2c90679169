"""Parameters: read params.yaml, give each notebook exactly the parameters it declares, check
names, types and ranges before anything runs, and keep a stamp per notebook that changes only
when that notebook's effective parameters change (Make reruns what depends on it)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import yaml

from . import paths
from .countries import REGION_SCHEMES
from .mapping import Mapping, MappingError

NOTEBOOKS = ("01_clean", "02_regional_comparison", "03_barriers", "04_report")
STAMPS = paths.ROOT / "build" / "stamps"


class ParameterError(ValueError):
    """A parameter is unknown, of the wrong type or out of range. Names the parameter."""


def declared(notebook: str) -> dict:
    """The notebook's parameters cell, evaluated: names and default values (literals only)."""
    import ast

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


def effective(notebook: str, params_file: Path, raw: str | None = None) -> dict:
    """The parameters one notebook runs with: its declared defaults, overridden by the file's
    `common` keys it declares and its own section, and by RAW for the cleaning step."""
    spec = yaml.safe_load(Path(params_file).read_text(encoding="utf-8")) or {}
    unknown_sections = set(spec) - {"common", *NOTEBOOKS}
    if unknown_sections:
        raise ParameterError(f"{params_file}: unknown section(s) {sorted(unknown_sections)}; "
                             f"sections are common and {', '.join(NOTEBOOKS)}")
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


RANGES = {
    "confidence_level": (0, 1, False),  # open interval
    "speeder_fraction": (0, 1, False),
    "min_group_size": (0, None, True),
    "min_institutions": (0, None, True),
    "repeat_window_hours": (0, None, True),
    "top_combinations": (1, None, True),
}


def check(name: str, value, default) -> None:
    """Type (that of the declared default) and range of one parameter."""
    expected = type(default)
    if expected is float and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    if not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
        raise ParameterError(f"parameter {name} = {value!r} should be {expected.__name__}")
    if name in RANGES:
        low, high, closed = RANGES[name]
        below = value < low if closed else value <= low
        above = high is not None and (value > high if closed else value >= high)
        if below or above:
            bounds = f"[{low}, {high if high is not None else '∞'})" if closed else f"({low}, {high})"
            raise ParameterError(f"parameter {name} = {value!r} is outside {bounds}")
    if name == "region_scheme":
        if value not in REGION_SCHEMES:
            raise ParameterError(f"parameter region_scheme = {value!r}; choose one of {REGION_SCHEMES}")
    if name == "mapping":
        try:
            Mapping.from_params(value)
        except MappingError as err:
            raise ParameterError(str(err)) from None


def check_choice(name: str, value: str, available) -> None:
    """A focus region or country must be one the data has."""
    available = sorted(set(available))
    if value not in available:
        raise ParameterError(f"parameter {name} = {value!r} is not in the data; "
                             f"it has {available}")


def write_stamps(params_file: Path, raw: str | None = None, folder: Path = STAMPS) -> dict:
    """One JSON stamp per notebook, rewritten only when its content changes."""
    folder.mkdir(parents=True, exist_ok=True)
    out = {}
    for notebook in NOTEBOOKS:
        values = effective(notebook, params_file, raw)
        text = json.dumps(values, sort_keys=True, indent=1) + "\n"
        stamp = folder / f"{notebook}.json"
        if not stamp.exists() or stamp.read_text(encoding="utf-8") != text:
            tmp = stamp.with_suffix(".tmp")
            tmp.write_text(text, encoding="utf-8")
            tmp.replace(stamp)
        out[notebook] = values
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m microcred.params", description=__doc__)
    parser.add_argument("command", choices=["check", "stamp"])
    parser.add_argument("--params", default="params.yaml")
    parser.add_argument("--raw", default="")
    args = parser.parse_args(argv)
    try:
        values = write_stamps(paths.resolve(args.params), args.raw or None) if args.command == "stamp" \
            else {nb: effective(nb, paths.resolve(args.params), args.raw or None) for nb in NOTEBOOKS}
    except (ParameterError, FileNotFoundError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    clean = values["01_clean"]
    print(clean["raw_leaders"], clean["raw_employers"])  # read by the Makefile
    return 0


if __name__ == "__main__":
    sys.exit(main())
