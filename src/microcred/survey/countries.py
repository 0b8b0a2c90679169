"""Country spellings to ISO 3166 alpha-3 codes (regions are `region_schemes`).

A reviewed alias table (data/external/country_aliases.csv) is applied first, because the country
library silently maps some typos to the wrong country ("Nigera" to Niger) and some ambiguous names
to one reading ("Korea"). An answer naming several countries ("USA / Canada") is not given to the
library, which would pick one. A number is not given to the library either: it reads numbers as
ISO 3166 numeric codes, so a drop-down's code 24 would become Angola; numbers are read as codes
only where the mapping says the column holds ISO numeric codes (`from_iso_numeric`). What none of
this resolves is rejected with its reason, never guessed.

pandas is imported inside the functions: the parameter check imports the region schemes, which read
the library through `converter`, and must start in a fraction of a second."""

from __future__ import annotations

import logging
import re
from functools import cache
from typing import TYPE_CHECKING

from microcred.core import paths
from microcred.survey.folding import fold, fold_unique

if TYPE_CHECKING:
    import pandas as pd


@cache
def converter():
    """country_converter's converter, quiet."""
    import country_converter as coco  # imported lazily: it is the slowest import of the package

    logging.getLogger("country_converter").setLevel(logging.CRITICAL)
    return coco.CountryConverter()


@cache
def aliases() -> pd.DataFrame:
    """The reviewed alias table (data/external/country_aliases.csv), checked to be written
    folded."""
    import pandas as pd

    table = pd.read_csv(paths.COUNTRY_ALIASES, dtype=str, keep_default_na=False)
    if table["alias"].map(fold).ne(table["alias"]).any():
        raise ValueError(f"{paths.COUNTRY_ALIASES}: every alias must be written folded (see "
                         "fold())")
    return table.set_index("alias")


def resolve_spellings(spellings: pd.Series) -> pd.DataFrame:
    """One row per distinct spelling: iso3 (empty when unresolved), how it was resolved, and why
    not. Works on unique values only, so the cost does not grow with the number of rows."""
    import pandas as pd

    unique = pd.Series(spellings.dropna().unique(), dtype=str)
    out = pd.DataFrame({"spelling": unique, **_lookup(fold_unique(unique))})
    several = _several_countries(unique, out["iso3"])
    out.loc[several.index, ["iso3", "how"]] = ""
    out.loc[several.index, "reason"] = "several countries named (" + several + "); not guessed"
    return out


def _lookup(keys: pd.Series) -> dict:
    """iso3, how and reason of folded spellings: the alias table first, then the library."""
    import pandas as pd

    table = aliases()
    in_alias = keys.isin(table.index)
    iso3 = keys.map(table["iso3"]).where(in_alias, "")
    how = pd.Series(["alias table" if hit else "" for hit in in_alias], index=keys.index)
    reason = pd.Series("", index=keys.index)
    flagged = in_alias & iso3.eq("")
    reason[flagged] = [f"{table.at[k, 'status'].replace('_', ' ')}: {table.at[k, 'note']}"
                       for k in keys[flagged]]
    number = keys.str.fullmatch(r"[\d ]+")  # folded: '+528' and '528.0' are numbers too
    reason[number & ~in_alias] = ("a number, not a country name (codes need the mapping: "
                                  "mapping.labels.country, or mapping.country_codes)")
    rest = ~in_alias & keys.ne("") & ~number
    if rest.any():
        cc = converter()
        codes = set(cc.data.ISO3)
        found = cc.convert(list(keys[rest]), to="ISO3", not_found=None, enforce_list=True)
        matches = pd.Series([sorted(set(f) & codes) for f in found], index=keys[rest].index)
        one = matches.str.len().eq(1)
        iso3[rest] = matches.str[0].where(one, "")
        how[rest] = one.map({True: "country library", False: ""})
        reason[rest] = matches.map(lambda m: "" if len(m) == 1 else "unknown country" if not m
                                   else f"several countries named ({', '.join(m)}); not guessed")
    reason[keys.eq("")] = "no country given"
    return {"key": keys, "iso3": iso3, "how": how, "reason": reason}


SEPARATORS = re.compile(r"\s*[/,&;+|]\s*|\s+(?:and|or|y|et|und)\s+", re.IGNORECASE)


def _several_countries(spellings: pd.Series, iso3: pd.Series) -> pd.Series:
    """The spellings whose parts (split at '/', ',', '&', 'and'...) name two or more countries,
    with the codes they name. A country's own name ("Trinidad and Tobago", "Korea, Republic of")
    is one country: its parts name it alone, or the whole is its name in the library."""
    import pandas as pd

    parts = spellings.str.split(SEPARATORS).explode().str.strip()
    parts = parts[parts.ne("") & spellings.str.contains(SEPARATORS).reindex(parts.index)]
    if parts.empty:
        return pd.Series(dtype=str)
    found = pd.DataFrame(_lookup(fold_unique(parts)), index=parts.index)
    # an ambiguous spelling ("Korea") still names a country
    ambiguous = found["key"].where(found["reason"].str.startswith("ambiguous"))
    named = found["iso3"].where(found["iso3"].ne(""), ambiguous).dropna()
    codes = named.groupby(level=0).agg(lambda c: ", ".join(sorted(set(c))))
    return codes[codes.str.contains(", ") & ~_is_own_name(spellings, iso3)[codes.index]]


def _is_own_name(spellings: pd.Series, iso3: pd.Series) -> pd.Series:
    """Whether each spelling, folded, is the library's short or official name of its code."""
    import pandas as pd

    names = _library_names()
    return pd.Series([(code, fold(s)) in names for s, code in zip(spellings, iso3)],
                     index=spellings.index, dtype=bool)


@cache
def _library_names() -> frozenset[tuple[str, str]]:
    data = converter().data
    return frozenset((code, fold(name)) for code, short, official in
                     zip(data.ISO3, data.name_short, data.name_official)
                     for name in (short, official))


def from_iso_numeric(answers: pd.Series) -> pd.Series:
    """Answers that are ISO 3166 numeric codes ('528', '76', '076') as the country's alpha-3 code,
    which the library resolves; other answers as they are (a number that is no code is then
    rejected as a number). Only for a column the mapping declares to hold these codes."""
    import pandas as pd

    data = converter().data
    by_code = dict(zip(pd.to_numeric(data["ISOnumeric"], errors="coerce"), data["ISO3"]))
    codes, distinct = pd.factorize(answers.astype(object))
    read = [by_code.get(int(v), v) if str(v).strip().isdigit() else v for v in distinct]
    lookup = pd.array([*read, None], dtype=object)
    return pd.Series(lookup[codes], index=answers.index).where(answers.notna())

