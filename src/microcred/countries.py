"""Country spellings to ISO 3166 alpha-3 codes, and codes to regions.

A reviewed alias table (data/external/country_aliases.csv) is applied first, because the country
library silently maps some typos to the wrong country ("Nigera" to Niger) and some ambiguous names
to one reading ("Korea"). An answer naming several countries ("USA / Canada") is not given to the
library, which would pick one. What none of this resolves is rejected with its reason, never
guessed.

pandas is imported inside the functions: the parameter check imports REGION_SCHEMES from here and
must start in a fraction of a second."""

from __future__ import annotations

import csv
import logging
import re
import unicodedata
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from functools import cache
from typing import TYPE_CHECKING

from . import paths

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd


@cache
def _scheme_rules() -> tuple[dict, ...]:
    with open(paths.REGION_SCHEMES, newline="", encoding="utf-8") as f:
        return tuple(csv.DictReader(f))


REGION_SCHEMES = tuple(dict.fromkeys(rule["scheme"] for rule in _scheme_rules()))


def fold(text: str) -> str:
    """Case, accents, punctuation and spacing folded away: the key spellings are matched on."""
    decomposed = unicodedata.normalize("NFKD", str(text))
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()
    return " ".join(re.sub(r"[^\w]+", " ", plain).split())


def fold_unique(values: pd.Series) -> pd.Series:
    """fold() of every value, computed once per distinct value; missing values fold to ''."""
    import pandas as pd

    codes, folded = fold_codes(values)
    return pd.Series(folded[codes], index=values.index)


def fold_codes(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """The folds of the distinct values of `values` (each folded once; for a categorical, each
    category in use) and each value's code into them: `folded[codes]` is fold() of every value,
    '' for a missing one. Two spellings that fold alike keep an entry each (merging them would
    hash every fold once more than it saves). Nothing is remembered between calls."""
    import numpy as np

    codes, chunks = fold_chunks(values)
    return codes, np.concatenate(list(chunks))


def fold_chunks(values: pd.Series, size: int = 1 << 17) -> tuple[np.ndarray, Iterator[np.ndarray]]:
    """`fold_codes`, its folds handed over chunk by chunk, in order: a worker thread folds the
    chunks one after another (in Arrow's kernels, which leave the interpreter free), ahead of
    the caller, which works through each as soon as it is folded. The last chunk is the fold of
    a missing value, ''. Close the chunks (`contextlib.closing`) to stop the worker early."""
    import numpy as np

    codes, distinct = _distinct(values)
    return np.where(codes < 0, len(distinct), codes), _folded_in_order(distinct, size)


def _folded_in_order(distinct, size: int) -> Iterator[np.ndarray]:
    import numpy as np

    worker = ThreadPoolExecutor(1)
    try:
        yield from worker.map(_fold_many, [distinct[i:i + size] for i in range(0, len(distinct), size)])
    finally:  # closed early: the chunks not yet started are dropped
        worker.shutdown(cancel_futures=True)
    yield np.array([""], dtype=object)


def _distinct(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Codes into the distinct values (-1 where missing) and those values: a categorical's
    categories that occur (a filtered frame keeps every category of the file), else factorised."""
    import numpy as np
    import pandas as pd

    if not isinstance(values.dtype, pd.CategoricalDtype):
        return pd.factorize(values)
    codes = values.cat.codes.to_numpy()
    used = np.flatnonzero(np.bincount(codes + 1, minlength=len(values.cat.categories) + 1)[1:])
    renumber = np.full(len(values.cat.categories) + 1, -1)  # last entry: code -1 stays -1
    renumber[used] = np.arange(len(used))
    return renumber[codes], values.cat.categories.to_numpy(object)[used]


def _fold_many(texts) -> np.ndarray:
    """fold() of each text. Text in plain ASCII (nearly every name) folds in Arrow: nothing to
    decompose, case folding is lowering, and `\\w` is [a-z0-9_] there; so does accented Latin
    text whose letters decompose to plain ones (see `_marks_dropped`). Other text takes the
    Unicode path in pandas."""
    import numpy as np
    import pandas as pd
    import pyarrow as pa
    import pyarrow.compute as pc

    text = pa.array(texts, type=pa.string())
    plain = pc.string_is_ascii(text).to_numpy(zero_copy_only=False)
    out = _ascii_fold(text)
    other = np.flatnonzero(~plain)
    accented = other[pc.match_substring_regex(text.take(other), LATIN).to_numpy(zero_copy_only=False)]
    if len(accented):
        stripped = _marks_dropped(text.take(accented))
        now_plain = pc.string_is_ascii(stripped).to_numpy(zero_copy_only=False)
        out[accented[now_plain]] = _ascii_fold(stripped.filter(now_plain))
        plain[accented[now_plain]] = True
    if not plain.all():
        other = pd.Series(texts, dtype=object)[~plain]
        out[~plain] = (other.str.normalize("NFKD").str.replace(COMBINING, "", regex=True)
                       .str.casefold().str.replace(r"[^\w]+", " ", regex=True).str.strip()).to_numpy()
    return out


def _ascii_fold(text) -> np.ndarray:
    """fold() of plain-ASCII text in Arrow. Arrow's regular-expression replacement is slow per
    string, so it runs only on the texts it would change (punctuation, spaces to squeeze or trim):
    a third of institution names."""
    import numpy as np
    import pyarrow.compute as pc

    lower = pc.ascii_lower(text)
    out = lower.to_numpy(zero_copy_only=False)
    changed = np.flatnonzero(pc.match_substring_regex(lower, r"[^a-z0-9_ ]|  |^ | $")
                             .to_numpy(zero_copy_only=False))
    spaced = pc.replace_substring_regex(lower.take(changed), r"[^a-z0-9_]+", " ")
    out[changed] = pc.utf8_trim(spaced, " ").to_numpy(zero_copy_only=False)
    return out


# Latin-1 and Latin Extended-A only: assigned in Unicode 1.1, whose decompositions never change,
# so Arrow's tables (another Unicode version than Python's) decompose them as Python does
LATIN = "^[\\x{0}-\\x{17f}]*$"


def _marks_dropped(text):
    """NFKD with the combining marks of Latin letters (U+0300 to U+036F) dropped, in Arrow: 'é'
    becomes 'e'. Where the result is plain ASCII, it folds as plain text."""
    import pyarrow.compute as pc

    return pc.replace_substring_regex(pc.utf8_normalize(text, "NFKD"), "[\\x{300}-\\x{36f}]", "")


COMBINING = "[" + "".join(chr(c) for c in range(0x300, 0x370)) + "\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]"


@cache
def _converter():
    import country_converter as coco  # imported lazily: it is the slowest import of the package

    logging.getLogger("country_converter").setLevel(logging.CRITICAL)
    return coco.CountryConverter()


@cache
def aliases() -> pd.DataFrame:
    import pandas as pd

    table = pd.read_csv(paths.COUNTRY_ALIASES, dtype=str, keep_default_na=False)
    if table["alias"].map(fold).ne(table["alias"]).any():
        raise ValueError(f"{paths.COUNTRY_ALIASES}: every alias must be written folded (see fold())")
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
    rest = ~in_alias & keys.ne("")
    if rest.any():
        cc = _converter()
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
    ambiguous = found["key"].where(found["reason"].str.startswith("ambiguous"))  # "Korea": a country
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
    data = _converter().data
    return frozenset((code, fold(name)) for code, short, official in
                     zip(data.ISO3, data.name_short, data.name_official)
                     for name in (short, official))


@cache
def country_table(scheme: str = "m49") -> pd.DataFrame:
    """Every ISO3 code with its short name and its region under `scheme`."""
    import pandas as pd

    if scheme not in REGION_SCHEMES:
        raise ValueError(f"unknown region scheme {scheme!r}; choose one of {REGION_SCHEMES}")
    data = _converter().data[["ISO3", "name_short", "UNregion", "Continent_7"]].copy()
    rules = pd.DataFrame([rule for rule in _scheme_rules() if rule["scheme"] == scheme])
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
    return list(dict.fromkeys(r["region"] for r in _scheme_rules() if r["scheme"] == scheme))


def attach_regions(iso3: pd.Series, scheme: str = "m49") -> pd.DataFrame:
    """Country name and region for each code (codes without a region come back with NA)."""
    import pandas as pd

    table = country_table(scheme).set_index("iso3")
    return pd.DataFrame({"country": iso3.map(table["country"]), "region": iso3.map(table["region"])})


def placed(resolved: pd.DataFrame, scheme: str) -> pd.DataFrame:
    """`resolved`, where a country no region of `scheme` covers (Antarctica; under `continent`
    also Bouvet Island and others) is unresolved with that reason: it cannot be analysed by region."""
    table = country_table(scheme).set_index("iso3")
    unplaced = resolved["iso3"].ne("") & resolved["iso3"].map(table["region"]).isna()
    out = resolved.copy()
    codes = out.loc[unplaced, "iso3"]
    out.loc[unplaced, "reason"] = (f"no region in the '{scheme}' scheme for "
                                   + codes.map(table["country"]) + " (" + codes + ")")
    out.loc[unplaced, ["iso3", "how"]] = ""
    return out
