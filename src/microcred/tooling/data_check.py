"""Parameters whose value must be one the data has (pipeline.yaml's `in_data`: the focus region,
the focus country), checked before the notebooks that take them start, not ten seconds into one:

- against the region scheme, before anything runs (`check_scheme`): a focus region that is no
  region of the scheme cannot be in any data;
- against the clean data, once cleaning has run and before any analysis notebook starts
  (`check_clean`, called by the build);
- against an export, on demand (`check_export`: `python -m microcred params check --raw FILE`),
  the export cleaned in memory as 01_clean cleans it, with how well the region scheme covers it.

Each uses the notebooks' own check (`report.context.check_focus`, which lets any value pass for a
survey too small to show a group), so a value passes here exactly when it passes there."""

from __future__ import annotations

from pathlib import Path

from microcred.core import manifest, paths
from microcred.core.choices import ParameterError
from microcred.survey import region_schemes

REGION, SCHEME = "region", "region_scheme"  # the clean data's region column, and what sets it


def checked() -> list[tuple[str, str, str]]:
    """(notebook, parameter, column of the clean data) for every value to find in the data."""
    return [(nb, name, column) for nb in manifest.notebooks()
            for name, column in manifest.notebook(nb).in_data]


def _scheme(values: dict[str, dict]) -> str:
    return next(own[SCHEME] for own in values.values() if SCHEME in own)


def check_scheme(values: dict[str, dict]) -> None:
    """A value of the region column is a region of the chosen scheme."""
    scheme = _scheme(values)
    for notebook, name, column in checked():
        value = values[notebook][name]
        if column == REGION and value not in region_schemes.regions(scheme):
            raise ParameterError(f"parameter {name} = {value!r} is not a region of the {scheme!r} "
                                 f"scheme; its regions are {region_schemes.regions(scheme)}")


def check_clean(values: dict[str, dict], clean_leaders: Path) -> None:
    """Every value is in the clean data (the file cleaning wrote, in a run's staging folder)."""
    import pandas as pd

    columns = sorted({column for _, _, column in checked()})
    check_values(values,
                 pd.read_csv(clean_leaders, dtype=str, keep_default_na=False, usecols=columns))


def check_values(values: dict[str, dict], leaders) -> None:
    """Check each parameter value that must be in the data (the focus groups) against the clean
    leaders."""
    from microcred.release.policy import Policy
    from microcred.report.context import check_focus

    for notebook, name, column in checked():
        own = values[notebook]
        check_focus(Policy.from_params(own), leaders, name, own[name], column)


def check_export(values: dict[str, dict]) -> str:
    """Clean the leaders export as the cleaning notebook would, in memory, check every value
    against it, and say what was found (valid records, regions, the scheme's coverage)."""
    from microcred.survey import analysis_data, codebook, countries, validity
    from microcred.survey.reader import Mapping, read_export

    own = next(own for own in values.values() if "raw_leaders" in own)
    scheme = own[SCHEME]
    export = read_export(paths.resolve(own["raw_leaders"]), "leaders",
                         Mapping.from_params(own["mapping"]))
    resolved = countries.resolve_spellings(export.data["country"])
    rules = validity.leader_rules(resolved, own["speeder_fraction"],
                                  f"{own['repeat_window_hours']}h",
                                  scheme, own["response_statuses"])
    kept = validity.apply_rules(export.data, rules, export.malformed).kept
    if not len(kept):
        raise ParameterError(f"{paths.relative(export.path)}: no valid responses remain with these "
                             "parameters (`make report` writes why each record was rejected)")
    leaders = analysis_data.analysis_frame(kept, codebook.load("leaders"), resolved, scheme,
                                           own["hash_key"])
    check_values(values, leaders)
    return (f"{len(leaders):,} valid responses in {leaders[REGION].nunique()} regions of the "
            f"{scheme!r} scheme; {_coverage(export.data['country'], resolved, scheme)}")


def _coverage(spellings, resolved, scheme: str) -> str:
    """How many records name a country the scheme puts in no region (rule 5 rejects them)."""
    table = region_schemes.country_table(scheme).set_index("iso3")["region"]
    codes = spellings.map(resolved.set_index("spelling")["iso3"])
    uncovered = codes.notna() & codes.ne("") & codes.map(table).isna()
    if not uncovered.any():
        return "the scheme places every identified country"
    names = sorted(set(codes[uncovered]))
    return f"the scheme places no region for {int(uncovered.sum())} records ({', '.join(names)})"
