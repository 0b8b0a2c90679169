"""The tested record of what blocks pandas 3 (docs/pandas3.md) stays true: the lock pins the
versions that were tested, pandas stays below 3 while the record says it is blocked, and the
change that would unblock it keeps working on the current pins."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pandas as pd
import pytest

from microcred.core import paths
from microcred.survey import countries
from microcred.tooling import lockfile

RECORD = paths.ROOT / "docs" / "pandas3.md"
INTEGER_COLUMNS = ["ISOnumeric", "UNcode", "FAOcode", "GBDcode", "EURO", "UN", "UNmember",
                   "obsolete", "GEOnumeric"]
STRING_COLUMNS = ["ISO2", "ISO3", "regex", "name_short", "name_official"]


def country_table_for_coco() -> pd.DataFrame:
    """country_converter's own table, read so that pandas 3 keeps `NA` (Namibia) and empty codes
    as text: the change docs/pandas3.md proposes for countries.converter()."""
    import country_converter as coco

    table = pd.read_csv(Path(coco.__file__).parent / "country_data.tsv", sep="\t", dtype=str,
                        keep_default_na=False, na_values=[""], encoding="utf-8")
    present = [c for c in INTEGER_COLUMNS if c in table]
    table = table.astype({c: "Float64" for c in present}).astype({c: "Int64" for c in present})
    table[STRING_COLUMNS] = table[STRING_COLUMNS].fillna("")
    return table


def versions_in_record() -> dict[str, str]:
    """Package versions in the record's table, e.g. {'country-converter': '1.3.2'}."""
    rows = re.findall(r"^\| `([\w-]+)` ([\d.]+) ", RECORD.read_text(encoding="utf-8"), flags=re.M)
    return {lockfile.normalise(name): version for name, version in rows}


def locked() -> dict[str, str]:
    return lockfile.versions(lockfile.LOCK.read_text(encoding="utf-8"))


def test_the_record_names_the_blockers_with_the_versions_it_tested():
    assert set(versions_in_record()) == {"country-converter", "seaborn"}


@pytest.mark.parametrize("package", ["country-converter", "seaborn"])
def test_the_lock_pins_the_version_the_record_tested(package):
    assert locked()[package] == versions_in_record()[package], (
        f"the lock now pins {package} {locked()[package]}: try pandas 3 again as docs/pandas3.md "
        "describes and update the record (the blocker may be lifted)")


def test_pandas_stays_below_3_while_the_record_says_it_is_blocked():
    blocked = "| **yes** |" in RECORD.read_text(encoding="utf-8")
    project = tomllib.loads((paths.ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    pandas_spec = next(d for d in project["dependencies"] if d.startswith("pandas"))
    assert blocked == ("<3" in pandas_spec), \
        "pyproject.toml's pandas cap disagrees with docs/pandas3.md"
    assert blocked == (int(locked()["pandas"].split(".")[0]) < 3)


def test_the_unblocking_change_resolves_countries_as_the_library_does():
    import country_converter as coco

    ours = coco.CountryConverter(country_data=country_table_for_coco())
    theirs = countries.converter()
    spellings = pd.Series(["namibia", "NA", "france", "usa", "mexico", "korea", "cote d ivoire",
                           "holland", "nowhere"])
    assert (ours.pandas_convert(spellings, to="ISO3", not_found=None).tolist()
            == theirs.pandas_convert(spellings, to="ISO3", not_found=None).tolist())
    columns = ["ISO3", "name_short", "UNregion", "Continent_7"]
    pd.testing.assert_frame_equal(ours.data[columns].reset_index(drop=True),
                                  theirs.data[columns].reset_index(drop=True), check_dtype=False)
