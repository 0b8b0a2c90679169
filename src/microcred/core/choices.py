"""A parameter's value checked against what the data has (a region scheme, a focus region or
country), and the error every parameter check raises, naming the parameter. The notebooks and the
parameter module both use it; it imports nothing of the project, so editing the parameter module
leaves the analysis up to date."""

from __future__ import annotations


class ParameterError(ValueError):
    """A parameter is unknown, of the wrong type or out of range. Names the parameter."""


def check_choice(name: str, value: str, available) -> None:
    """A focus region or country must be one the data has."""
    available = sorted(set(available))
    if value not in available:
        raise ParameterError(f"parameter {name} = {value!r} is not in the data; "
                             f"it has {available}")
