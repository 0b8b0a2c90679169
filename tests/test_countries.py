"""Countries: spellings to ISO codes through the reviewed aliases and the library, and codes to
the instrument's regions, checked against an independent list for every country in the data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from microcred.core import paths
from microcred.survey import countries, folding, region_schemes, synthetic_design

# The instrument's regions (docs/data-contract.md section 3) for the sample's countries, written out
# by hand from the UN M49 sub-regions: an independent check of the region table and the library.
EXPECTED_REGION = {
    "North America": "USA CAN",
    "Latin America and the Caribbean": "MEX COL BRA PER CHL ARG ECU GTM CRI DOM PAN URY BOL VEN "
                                       "JAM PRY SLV TTO PRI",
    "Europe": "GBR ESP DEU FRA ITA NLD PRT POL IRL GRC ROU UKR BEL CHE SWE AUT FIN DNK NOR CZE "
              "HUN SRB",
    "Middle East and North Africa": "SAU EGY ARE TUR JOR MAR LBN QAT IRN KWT OMN TUN IRQ BHR DZA",
    "Sub-Saharan Africa": "NGA KEN GHA ZAF ETH UGA TZA CMR RWA ZMB ZWE SEN",
    "Asia Pacific": "IND PHL MYS IDN PAK AUS BGD VNM THA CHN SGP JPN KOR NPL LKA KAZ HKG NZL UZB",
}
EXPECTED = {iso: region for region, codes in EXPECTED_REGION.items() for iso in codes.split()}


def test_fold_removes_case_accents_punctuation_and_spacing():
    assert folding.fold("  Méx-ico. ") == "mex ico"
    assert folding.fold("U.S.A.") == "u s a"


@pytest.mark.parametrize("spelling,iso3", [
    ("USA ", "USA"), ("México", "MEX"), ("Columbia", "COL"), ("Nigera", "NGA"), ("Bharat", "IND"),
    ("Holland", "NLD"), ("Türkiye", "TUR"), ("Côte d'Ivoire", "CIV"), ("uk", "GBR"), ("KSA", "SAU"),
])
def test_spellings_resolve(spelling, iso3):
    assert countries.resolve_spellings(pd.Series([spelling]))["iso3"].iat[0] == iso3


@pytest.mark.parametrize("spelling,reason", [
    ("Korea", "ambiguous"), ("Congo", "ambiguous"), ("NA", "ambiguous"), ("N/A", "not a country"),
    ("Atlantis", "unknown country"), ("  ", "no country given"),
])
def test_ambiguous_and_unknown_are_never_guessed(spelling, reason):
    row = countries.resolve_spellings(pd.Series([spelling])).iloc[0]
    assert row["iso3"] == "" and reason in row["reason"]


def test_every_alias_is_written_folded_and_resolves_to_a_real_code():
    table = countries.aliases()
    known = set(region_schemes.country_table()["iso3"])
    assert set(table.loc[table["status"].eq("resolved"), "iso3"]) <= known


def test_region_of_every_sample_country_under_m49():
    table = region_schemes.country_table("m49").set_index("iso3")
    wrong = {iso: table.at[iso, "region"] for iso, region in EXPECTED.items()
             if table.at[iso, "region"] != region}
    assert not wrong


def test_continent_scheme_puts_mexico_in_north_america():
    table = region_schemes.country_table("continent").set_index("iso3")
    assert table.at["MEX", "region"] == table.at["USA", "region"] == "North America"


def test_every_synthetic_spelling_resolves_to_its_own_country():
    design = synthetic_design.load()
    spec = {**design["countries"], **design["employers"]["countries"]}
    names = [(iso, name) for iso, c in spec.items() for name in c["names"]]
    typed = [(iso, variant) for iso, name in names
             for variant in (name, name.lower(), name.upper(), f" {name}  ")]
    resolved = countries.resolve_spellings(pd.Series([v for _, v in typed])).set_index("spelling")
    wrong = [(iso, v) for iso, v in typed if resolved.at[v, "iso3"] != iso]
    assert not wrong


def test_no_country_in_the_default_clean_data_falls_to_a_wrong_region(clean_default):
    leaders = clean_default[0]
    pairs = leaders[["iso3", "region"]].drop_duplicates()
    assert len(pairs) == leaders["iso3"].nunique() == len(EXPECTED)
    assert all(EXPECTED[r.iso3] == r.region for r in pairs.itertuples())


@pytest.mark.parametrize("spelling",
                         ["USA / Canada", "Canada, USA", "US & Canada", "USA and Canada",
                                      "Mexico; Colombia", "Korea / Japan"])
def test_answers_naming_several_countries_are_not_guessed(spelling):
    row = countries.resolve_spellings(pd.Series([spelling])).iloc[0]
    assert row["iso3"] == "" and "several countries named" in row["reason"]


@pytest.mark.parametrize("spelling,iso3", [
    ("Trinidad and Tobago", "TTO"), ("Trinidad & Tobago", "TTO"), ("Bosnia & Herzegovina", "BIH"),
    ("Korea, Republic of", "KOR"), ("Mexico / México", "MEX"), ("Congo, Democratic Republic of the",
                                                                "COD"),
])
def test_a_country_whose_name_holds_and_or_a_comma_is_one_country(spelling, iso3):
    assert countries.resolve_spellings(pd.Series([spelling]))["iso3"].iat[0] == iso3


def test_no_name_of_the_library_reads_as_several_countries():
    data = countries.converter().data
    names = pd.Series(pd.concat([data["name_short"], data["name_official"]]).unique())
    resolved = countries.resolve_spellings(names)
    assert not resolved["reason"].str.startswith("several").any(), \
        resolved.loc[resolved["reason"].str.startswith("several"), "spelling"].tolist()


def test_region_schemes_come_from_the_data_file():
    rules = pd.read_csv(paths.REGION_SCHEMES)
    assert region_schemes.REGION_SCHEMES == tuple(rules["scheme"].unique())


def test_a_place_without_a_region_is_unresolved_with_its_reason():
    resolved = countries.resolve_spellings(pd.Series(["Antarctica", "Bouvet Island", "Mexico"]))
    m49 = region_schemes.placed(resolved, "m49").set_index("spelling")
    assert m49.at["Antarctica",
                  "iso3"] == "" and "'m49' scheme for Antarctica" in m49.at["Antarctica", "reason"]
    assert m49.at["Mexico", "iso3"] == "MEX"
    continent = region_schemes.placed(resolved, "continent").set_index("spelling")
    assert continent.at["Bouvet Island", "iso3"] == ""


def test_the_analysis_does_not_import_the_parameter_module():
    import subprocess
    import sys

    code = ("import sys, microcred.survey.countries, microcred.survey.reader; "
            "print('microcred.tooling.params' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


FOLD_CASES = ["  Méx-ico. ", "U.S.A.", "Straße", "ÉCOLE  supérieure", "under_score", "tab\there",
              "Ǆemal", "ﬁnance", "Ωmega Univ.", "", "   ", "São Paulo", "a\u200bb", "İstanbul"]


@pytest.mark.parametrize("as_category", [False, True])
def test_fold_codes_folds_each_value_as_fold_does(as_category):
    values = pd.Series([*FOLD_CASES, None, "U.S.A."], dtype="category" if as_category else object)
    if as_category:  # a filtered frame keeps categories no row uses: never folded, never returned
        values = values.cat.add_categories(["Unused place"])
    codes, folded = folding.fold_codes(values)
    expected = [folding.fold(v) if isinstance(v, str) else "" for v in values]
    assert list(folded[codes]) == expected
    assert folding.fold_unique(values).tolist() == expected
    assert len(folded) == len(FOLD_CASES) + 1  # each distinct value folded once, and a missing one
    assert "unused place" not in set(folded)


def test_folding_keeps_no_state_between_calls():
    assert not any(isinstance(v, dict) for k, v in vars(countries).items()
                   if not k.startswith("__"))


def test_accented_latin_text_folded_by_arrow_folds_as_fold_does():
    """Every letter of Latin-1 and Latin Extended-A (and a few beyond, left to Python), in
    random names: the Arrow path for accented Latin text against fold()."""
    rng = np.random.default_rng(7)
    letters = [chr(c) for c in range(1, 0x80)] + [chr(c) for c in range(0xa0, 0x250)]
    names = ["".join(rng.choice(letters, int(rng.integers(1, 12)))) for _ in range(5000)]
    names += [chr(c) for c in range(0xa0, 0x250)] + ["École Supérieure", "Ǆemal", "Ωmega"]
    assert list(folding.fold_many(names)) == [folding.fold(n) for n in names]


def test_numbers_are_never_read_as_iso_codes_by_the_library():
    """The library reads '24' as Angola's ISO numeric code: a drop-down's 24 (Brazil in an
    alphabetical list of UN members) must not become Angola."""
    out = countries.resolve_spellings(pd.Series(["24", "528", " 122 ", "+528", "Mexico"]))
    numbers = out[out["spelling"].ne("Mexico")]
    assert numbers["iso3"].eq("").all() and numbers["reason"].str.startswith("a number").all()
    assert out.set_index("spelling").at["Mexico", "iso3"] == "MEX"


def test_iso_numeric_codes_are_read_only_when_asked_for():
    answers = pd.Series(["528", "76", "076", "484", "India", None, "999"])
    read = countries.from_iso_numeric(answers)
    assert read.tolist()[:5] == ["NLD", "BRA", "BRA", "MEX", "India"]
    assert pd.isna(read.iat[5]) and read.iat[6] == "999"  # no such code: rejected as a number
    resolved = countries.resolve_spellings(read).set_index("spelling")
    assert resolved.at["NLD", "iso3"] == "NLD" and resolved.at["999", "iso3"] == ""
