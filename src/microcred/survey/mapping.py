"""How a researcher's export maps onto the codebook: the `mapping` parameter of 01_clean.

Kept apart from the reader (and free of pandas) so that the parameter check can validate its
shape before anything runs, in the fraction of a second a `make` needs."""

from __future__ import annotations

from dataclasses import dataclass, field

KEYS = ("columns", "labels", "ignore_columns", "country_codes")
COUNTRY_CODES = ("iso_numeric",)  # what `country_codes` may declare the country column holds
EXAMPLE = ("mapping:\n  columns: {Q1: country}\n"
           "  labels: {offers_mc: {'Yes, we do': 'Yes', -99: null}}\n"
           "  ignore_columns: [Q_RecaptchaScore]\n  country_codes: iso_numeric   # only if so")


class MappingError(ValueError):
    """The `mapping` parameter has the wrong shape. Names the parameter and the key."""

    def __init__(self, where: str, problem: str):
        super().__init__(f"parameter {where} {problem}; expected, for example:\n{EXAMPLE}")


@dataclass
class Mapping:
    columns: dict[str, str] = field(default_factory=dict)  # their column id -> codebook id
    # column or scale -> {theirs: ours}; None (null) reads as not answered
    labels: dict[str, dict[str, str | None]] = field(default_factory=dict)
    ignore_columns: list[str] = field(default_factory=list)  # columns of theirs to leave out
    country_codes: str | None = None  # the country column holds codes: "iso_numeric"

    @classmethod
    def from_params(cls, block) -> Mapping:
        """The parameter's value, its shape checked completely. Numbers in labels (an export of
        numeric values) are read as the text the export carries: `{1: "Yes"}` maps "1"; a label
        mapped to null is read as not answered (a code such as SPSS's -99)."""
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
        labels = {str(k): _text_dict(v, f"mapping.labels.{k}", missing=True)
                  for k, v in labels.items()}
        ignore = block.get("ignore_columns") or []
        if not isinstance(ignore, list) or not all(isinstance(c, str) for c in ignore):
            raise MappingError("mapping.ignore_columns", f"= {_short(ignore)} is not a list of "
                               "column ids")
        codes = block.get("country_codes")
        if codes is not None and codes not in COUNTRY_CODES:
            raise MappingError("mapping.country_codes", f"= {_short(codes)} is not one of "
                               f"{list(COUNTRY_CODES)} (leave it out where countries are names)")
        return cls(columns, labels, ignore, codes)


def _dict(value, where: str) -> dict:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise MappingError(where, f"= {_short(value)} is a {type(value).__name__}, not a mapping")
    return value


def _text_dict(value, where: str, missing: bool = False) -> dict[str, str | None]:
    """A {text: text} mapping (text: None where `missing`); whole numbers are written as the
    export writes them."""
    out = {}
    for key, target in _dict(value, where).items():
        if not (_scalar(key) and (_scalar(target) or (missing and target is None))):
            raise MappingError(f"{where}", f"maps {_short(key)} to {_short(target)}; both must be "
                               "text" + (" (or null: not answered)" if missing else ""))
        out[_text(key)] = None if target is None else _text(target)
    return out


def _short(value, limit: int = 200) -> str:
    """A value as the message quotes it, cut short: a parameter may hold a long list."""
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + "…"


def _scalar(value) -> bool:
    return isinstance(value, str | int | float) and not isinstance(value, bool)


def _text(value) -> str:
    return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)
