"""Country spellings to ISO 3166 alpha-3 codes, and codes to regions.

A reviewed alias table (data/external/country_aliases.csv) is applied first, because the country
library silently maps some typos to the wrong country ("Nigera" to Niger) and some ambiguous names
to one reading ("Korea"). What neither resolves is rejected with its reason, never guessed."""

from __future__ import annotations

import logging
import re
import unicodedata
from functools import cache

import pandas as pd

from . import paths
from .params import REGION_SCHEMES


def fold(text: str) -> str:
    """Case, accents, punctuation and spacing folded away: the key spellings are matched on."""
    decomposed = unicodedata.normalize("NFKD", str(text))
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()
    return " ".join(re.sub(r"[^\w]+", " ", plain).split())


_FOLDED: dict[str, str] = {}  # distinct value -> fold(value), kept across calls


def fold_unique(values: pd.Series) -> pd.Series:
    """fold() of every value, computed once per distinct value with vectorised string methods
    and remembered (cleaning folds institution names twice); missing values fold to ''."""
    new = pd.Series([v for v in values.dropna().unique() if v not in _FOLDED], dtype=object)
    if len(new):
        plain = new.where(new.map(str.isascii).astype(bool))  # nothing to decompose: skip it
        accented = new[plain.isna()].str.normalize("NFKD").str.replace(COMBINING, "", regex=True)
        folded = (plain.fillna(accented).str.casefold().str.replace(r"[^\w]+", " ", regex=True)
                  .str.strip())
        _FOLDED.update(zip(new, folded))
    return values.map(_FOLDED).fillna("")


COMBINING = "[" + "".join(chr(c) for c in range(0x300, 0x370)) + "\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]"


@cache
def _converter():
    import country_converter as coco  # imported lazily: it is the slowest import of the package

    logging.getLogger("country_converter").setLevel(logging.CRITICAL)
    return coco.CountryConverter()


@cache
def aliases() -> pd.DataFrame:
    table = pd.read_csv(paths.COUNTRY_ALIASES, dtype=str, keep_default_na=False)
    if table["alias"].map(fold).ne(table["alias"]).any():
        raise ValueError(f"{paths.COUNTRY_ALIASES}: every alias must be written folded (see fold())")
    return table.set_index("alias")


def resolve_spellings(spellings: pd.Series) -> pd.DataFrame:
    """One row per distinct spelling: iso3 (empty when unresolved), how it was resolved, and why
    not. Works on unique values only, so the cost does not grow with the number of rows."""
    unique = pd.Series(spellings.dropna().unique(), dtype=str)
    keys = fold_unique(unique)
    table = aliases()
    out = pd.DataFrame({"spelling": unique, "key": keys})
    in_alias = keys.isin(table.index)
    out["iso3"] = keys.map(table["iso3"]).where(in_alias, "")
    out["how"] = ["alias table" if hit else "" for hit in in_alias]
    out["reason"] = ""
    flagged = in_alias & out["iso3"].eq("")
    out.loc[flagged, "reason"] = [
        f"{table.at[k, 'status'].replace('_', ' ')}: {table.at[k, 'note']}" for k in keys[flagged]
    ]
    rest = ~in_alias & keys.ne("")
    if rest.any():
        cc = _converter()
        found = cc.pandas_convert(keys[rest], to="ISO3", not_found=None)
        valid = pd.Series(found, index=keys[rest].index).where(lambda s: s.isin(set(cc.data.ISO3)))
        out.loc[rest, "iso3"] = valid.fillna("")
        out.loc[rest, "how"] = valid.notna().map({True: "country library", False: ""})
        out.loc[rest & out["iso3"].eq(""), "reason"] = "unknown country"
    out.loc[keys.eq(""), "reason"] = "no country given"
    return out


@cache
def country_table(scheme: str = "m49") -> pd.DataFrame:
    """Every ISO3 code with its short name and its region under `scheme`."""
    if scheme not in REGION_SCHEMES:
        raise ValueError(f"unknown region scheme {scheme!r}; choose one of {REGION_SCHEMES}")
    data = _converter().data[["ISO3", "name_short", "UNregion", "Continent_7"]].copy()
    rules = pd.read_csv(paths.REGION_SCHEMES, dtype=str)
    rules = rules[rules["scheme"] == scheme]
    column = {"subregion": "UNregion", "continent": "Continent_7", "iso3": "ISO3"}
    region = pd.Series(pd.NA, index=data.index, dtype="object")
    for match in ("subregion", "continent", "iso3"):  # iso3 overrides come last and win
        lookup = rules[rules["match"] == match].set_index("key")["region"]
        hit = data[column[match]].map(lookup)
        region = hit.where(hit.notna(), region)
    data["region"] = region
    return data.rename(columns={"ISO3": "iso3", "name_short": "country"})[["iso3", "country", "region"]]


def regions(scheme: str = "m49") -> list[str]:
    """The regions of a scheme, in the order of data/external/region_schemes.csv."""
    rules = pd.read_csv(paths.REGION_SCHEMES, dtype=str)
    return list(dict.fromkeys(rules.loc[rules["scheme"] == scheme, "region"]))


def attach_regions(iso3: pd.Series, scheme: str = "m49") -> pd.DataFrame:
    """Country name and region for each code (codes without a region come back with NA)."""
    table = country_table(scheme).set_index("iso3")
    return pd.DataFrame({"country": iso3.map(table["country"]), "region": iso3.map(table["region"])})
