"""Countries to regions, under each scheme of data/external/region_schemes.csv (the instrument's
`m49`, and `continent`).

pandas is imported inside the functions: the parameter check imports REGION_SCHEMES from here and
must start in a fraction of a second."""

from __future__ import annotations

import csv
from functools import cache
from typing import TYPE_CHECKING

from microcred.core import paths
from microcred.survey.countries import converter

if TYPE_CHECKING:
    import pandas as pd


@cache
def _scheme_rules() -> tuple[dict, ...]:
    with open(paths.REGION_SCHEMES, newline="", encoding="utf-8") as f:
        return tuple(csv.DictReader(f))


REGION_SCHEMES = tuple(dict.fromkeys(rule["scheme"] for rule in _scheme_rules()))


@cache
def country_table(scheme: str = "m49") -> pd.DataFrame:
    """Every ISO3 code with its short name and its region under `scheme`."""
    import pandas as pd

    if scheme not in REGION_SCHEMES:
        raise ValueError(f"unknown region scheme {scheme!r}; choose one of {REGION_SCHEMES}")
    data = converter().data[["ISO3", "name_short", "UNregion", "Continent_7"]].copy()
    rules = pd.DataFrame([rule for rule in _scheme_rules() if rule["scheme"] == scheme])
    column = {"subregion": "UNregion", "continent": "Continent_7", "iso3": "ISO3"}
    region = pd.Series(pd.NA, index=data.index, dtype="object")
    for match in ("subregion", "continent", "iso3"):  # iso3 overrides come last and win
        lookup = rules[rules["match"] == match].set_index("key")["region"]
        hit = data[column[match]].map(lookup)
        region = hit.where(hit.notna(), region)
    data["region"] = region
    data = data.rename(columns={"ISO3": "iso3", "name_short": "country"})
    return data[["iso3", "country", "region"]]


def regions(scheme: str = "m49") -> list[str]:
    """The regions of a scheme, in the order of data/external/region_schemes.csv."""
    return list(dict.fromkeys(r["region"] for r in _scheme_rules() if r["scheme"] == scheme))


def attach_regions(iso3: pd.Series, scheme: str = "m49") -> pd.DataFrame:
    """Country name and region for each code (codes without a region come back with NA)."""
    import pandas as pd

    table = country_table(scheme).set_index("iso3")
    return pd.DataFrame({"country": iso3.map(table["country"]),
                         "region": iso3.map(table["region"])})


def placed(resolved: pd.DataFrame, scheme: str) -> pd.DataFrame:
    """`resolved`, where a country no region of `scheme` covers (Antarctica; under `continent`
    also Bouvet Island and others) is unresolved with that reason: it cannot be analysed by
    region."""
    table = country_table(scheme).set_index("iso3")
    unplaced = resolved["iso3"].ne("") & resolved["iso3"].map(table["region"]).isna()
    out = resolved.copy()
    codes = out.loc[unplaced, "iso3"]
    out.loc[unplaced, "reason"] = (f"no region in the '{scheme}' scheme for "
                                   + codes.map(table["country"]) + " (" + codes + ")")
    out.loc[unplaced, ["iso3", "how"]] = ""
    return out
