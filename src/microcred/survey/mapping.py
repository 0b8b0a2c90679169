"""How a researcher's export maps onto the codebook: the `mapping` parameter of 01_clean.

Kept apart from the reader (and free of pandas) so that the parameter check can validate its
shape before anything runs, in the fraction of a second a `make` needs."""

from __future__ import annotations

from dataclasses import dataclass, field

KEYS = ("columns", "labels", "ignore_columns")
EXAMPLE = ("mapping:\n  columns: {Q1: country}\n  labels: {offers_mc: {'Yes, we do': 'Yes'}}\n"
           "  ignore_columns: [Q_RecaptchaScore]")


class MappingError(ValueError):
    """The `mapping` parameter has the wrong shape. Names the parameter and the key."""

    def __init__(self, where: str, problem: str):
        super().__init__(f"parameter {where} {problem}; expected, for example:\n{EXAMPLE}")


@dataclass
class Mapping:
    columns: dict[str, str] = field(default_factory=dict)  # their column id -> codebook id
    labels: dict[str, dict[str, str]] = field(default_factory=dict)  # column or scale -> {theirs: ours}
    ignore_columns: list[str] = field(default_factory=list)  # columns of theirs to leave out

    @classmethod
    def from_params(cls, block) -> Mapping:
        """The parameter's value, its shape checked completely. Numbers in labels (an export of
        numeric values) are read as the text the export carries: `{1: "Yes"}` maps "1"."""
        if block is None:
            return cls()
        if not isinstance(block, dict):
            raise MappingError("mapping", f"is a {type(block).__name__}, not a mapping of "
                               f"{', '.join(KEYS)}")
        unknown = sorted(map(str, set(block) - set(KEYS)))
        if unknown:
            raise MappingError("mapping", f"has unknown key(s) {unknown}; use {', '.join(KEYS)}")
        columns = _text_dict(block.get("columns"), "mapping.columns")
        labels = _dict(block.get("labels"), "mapping.labels")
        labels = {str(k): _text_dict(v, f"mapping.labels.{k}") for k, v in labels.items()}
        ignore = block.get("ignore_columns") or []
        if not isinstance(ignore, list) or not all(isinstance(c, str) for c in ignore):
            raise MappingError("mapping.ignore_columns", f"= {ignore!r} is not a list of column ids")
        return cls(columns, labels, ignore)


def _dict(value, where: str) -> dict:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise MappingError(where, f"= {value!r} is a {type(value).__name__}, not a mapping")
    return value


def _text_dict(value, where: str) -> dict[str, str]:
    """A {text: text} mapping; whole numbers are written as the export writes them."""
    out = {}
    for key, target in _dict(value, where).items():
        if not (_scalar(key) and _scalar(target)):
            raise MappingError(f"{where}", f"maps {key!r} to {target!r}; both must be text")
        out[_text(key)] = _text(target)
    return out


def _scalar(value) -> bool:
    return isinstance(value, str | int | float) and not isinstance(value, bool)


def _text(value) -> str:
    return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)
