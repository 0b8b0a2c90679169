# ---
# jupyter:
#   jupytext:
#     notebook_metadata_filter: -jupytext.text_representation.jupytext_version
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#   kernelspec:
#     display_name: Python (microcred)
#     language: python
#     name: microcred
# ---

# %% [markdown]
# # 1. Cleaning: from a raw survey export to valid responses
#
# This notebook turns a survey export that follows the project's codebook
# (`data/external/codebook.yaml`, the contract of `docs/data-contract.md`) into analysis data, and accounts
# for every record it reads. It applies the validity rules of the instrument in their order —
# previews and spam, unfinished responses, repeat submissions of one person, speeders, countries
# that cannot be identified — and writes:
#
# - `data/processed/leaders_clean.csv`, `institutions_clean.csv` and `employers_clean.csv`: typed,
#   pseudonymous analysis data (no names, e-mails, IP addresses, coordinates, institution names or
#   free text);
# - `data/interim/rejected.csv`: every removed record with its reason;
# - `tables/dispositions.csv` and a figure of the flow, in the spirit of AAPOR's disposition reports.
#
# The logic lives in the `microcred` package (`microcred.survey`: `reader`, `countries`, `validity`, `analysis_data`, `schema`); this
# notebook narrates and shows the counts.

# %% tags=["parameters"]
raw_leaders = "data/raw/leaders_survey_export.csv"
raw_employers = "data/raw/employers_survey_export.csv"
speeder_fraction = 0.3333333333333333
repeat_window_hours = 24
region_scheme = "m49"
hash_key = "microcred-synthetic-default"
mapping = {}
response_statuses = ["IP Address", "Offline"]

# %%
import pandas as pd

from microcred.core import files, paths
from microcred.core.choices import check_choice
from microcred.release import writer
from microcred.report import plots
from microcred.survey import (
    analysis_data,
    codebook,
    countries,
    provenance,
    region_schemes,
    schema,
    validity,
)
from microcred.survey.reader import Mapping, read_export

check_choice("region_scheme", region_scheme, region_schemes.REGION_SCHEMES)
cb = codebook.load("leaders")
cb_employers = codebook.load("employers")
validity.check_statuses(response_statuses, cb)

# %% [markdown]
# ## 1.1 Reading the export
#
# The reader takes a CSV export with one or three header rows (column ids, question text, import
# ids), an SPSS file (`.sav`) or an Excel workbook (`.xlsx`); it reads every field as text first (so
# a value such as `NA` stays a value), and stops with the file, row and column of anything that does
# not follow the codebook. A record with more or fewer fields than the header (a lost or added
# field, a cut download) is never padded or shifted: it is set aside with its row and rejected
# below. A `mapping` parameter maps another export's column ids and answer labels (or numeric
# codes) onto the codebook's. Whatever the reader decided on the way (which sheet of a workbook it
# read, SPSS user-missing values read as not answered) is printed below.

# %%
export = read_export(paths.resolve(raw_leaders), "leaders", Mapping.from_params(mapping))
records = export.data
synthetic = provenance.synthetic_file(export)
print(f"file: {paths.relative(export.path)}")
for note in export.notes:
    print(f"note: {note}")
print(f"header rows: {export.header_rows}; records: {export.n_records:,}; columns: {records.shape[1]}")
if len(export.malformed):
    print(f"malformed records set aside: {len(export.malformed):,} (rows {export.malformed['row'].tolist()[:10]})")
print(f"synthetic reconstruction: {synthetic}")

# %% [markdown]
# ## 1.2 Countries
#
# Every spelling is resolved once: first through the reviewed alias table
# (`data/external/country_aliases.csv`), then through the country library; a spelling that is
# ambiguous or unknown is not guessed — its records are rejected by rule 5 with the reason. What a
# respondent typed can be anything (an e-mail, an institution's name), so this notebook shows only
# how many spellings were resolved each way and how many records the unresolved ones hold; the
# unresolved spellings themselves go to `data/interim/unresolved_spellings.csv` (not committed) for
# the analyst to review.

# %%
resolved = countries.resolve_spellings(records["country"])
usage = records["country"].value_counts(dropna=False).rename("records")
spellings = resolved.join(usage, on="spelling").sort_values(["iso3", "records"], ascending=[True, False])
unresolved = spellings[spellings["iso3"].eq("")]
files.write_csv(unresolved[["spelling", "reason", "records"]], paths.INTERIM / "unresolved_spellings.csv")
print(spellings["how"].replace("", "unresolved").value_counts().to_string())
unresolved.groupby("reason").agg(spellings=("spelling", "size"), records=("records", "sum"))

# %% [markdown]
# ## 1.3 The validity rules, in order
#
# Each rule removes records from what the previous ones kept; malformed records, if any, go first
# (step 0). Rule 1 keeps the statuses of the `response_statuses` parameter (by default `IP Address`
# and `Offline`; add `Imported` to count imported responses); previews, tests, spam and unknown
# statuses go. Rule 3 treats as one person the same
# non-empty e-mail (without case or spaces) or the same IP address and institution within the
# repeat window, and keeps the latest submission. Rule 4's threshold is a fraction of the median
# duration of the records kept by rules 1 to 3.

# %%
rules = validity.leader_rules(resolved, speeder_fraction, f"{repeat_window_hours}h", region_scheme,
                           response_statuses)
leaders_cleaned = validity.apply_rules(records, rules, export.malformed)
files.write_csv(leaders_cleaned.rejected, paths.REJECTED)  # kept even if nothing is valid
validity.require_valid(leaders_cleaned, export.path)
leaders_cleaned.dispositions

# %%
n_raw, n_kept, n_rejected = export.n_records, len(leaders_cleaned.kept), len(leaders_cleaned.rejected)
assert n_kept + n_rejected == n_raw, "records lost"
print(f"raw {n_raw:,} = clean {n_kept:,} + rejected {n_rejected:,}")

# %% [markdown]
# ## 1.4 Analysis data: typed and pseudonymous
#
# Answers become ordered categories and multi-select questions one boolean per option (empty where
# the question was not answered, so "chose nothing" and "was not asked" stay apart). Institutions
# get a pseudonym: a keyed hash (BLAKE2b in keyed mode, key `hash_key`) of the name with case, accents,
# punctuation and spacing folded. Personal columns do not pass this step.

# %%
leaders = analysis_data.analysis_frame(leaders_cleaned.kept, cb, resolved, region_scheme, hash_key)
schema.validate(leaders, schema.leaders_schema(cb, region_schemes.regions(region_scheme)), paths.VALIDATION_FAILURES,
                export)
assert not set(cb.personal_columns) & set(leaders.columns)
print(f"valid responses: {len(leaders):,}")
print(f"institutions: {leaders['inst_id'].nunique():,}")
print(f"countries: {leaders['iso3'].nunique()}")

# %% [markdown]
# ## 1.5 Regions
#
# Regions follow the `region_scheme` parameter. `m49` (the default) is the instrument's scheme
# built on UN M49 sub-regions: North America is Northern America (the United States and Canada),
# Mexico is in Latin America and the Caribbean, and Iran is counted with the Middle East and North
# Africa. `continent` is the seven-continent scheme, which puts Mexico, Central America and the
# Caribbean in North America. Mexico is the third-largest country of the sample, so the choice
# moves North American figures.

# %%
leaders.groupby("region").agg(respondents=("response_id", "size"),
                              institutions=("inst_id", "nunique"),
                              countries=("iso3", "nunique")).sort_values("respondents", ascending=False)

# %% [markdown]
# ## 1.6 Institutions
#
# Whether an institution offers micro-credentials, and whether it awards credit for them, are facts
# about the institution, yet several of its leaders may answer. Each fact is resolved once per
# institution: the majority of its leaders' answers, ties going to the most senior role. Credit is
# asked only where micro-credentials are offered, so an institution resolved as not offering has no
# credit fact: the credit answers some of its leaders gave are set aside (counted, not used). The
# institution table keeps how many leaders answered and whether they disagreed.

# %%
institutions = analysis_data.institution_facts(leaders, cb)
several = institutions[institutions["n_leaders"] > 1]
print(f"institutions: {len(institutions):,}; with several leaders: {len(several):,}")
print(f"leaders disagreeing on offering micro-credentials: {int(several['offers_mc_disagree'].sum())} institutions")
print(f"leaders disagreeing on awarding credit: {int(several['offers_credit_disagree'].sum())} institutions")
print(f"credit answers set aside at institutions resolved as not offering: "
      f"{int(institutions['offers_credit_set_aside'].sum())}")

# %% [markdown]
# ## 1.7 The employer survey
#
# The companion employer survey has its own small instrument (country and two items) and the same
# rules where they apply: previews and spam, unfinished responses, unidentified countries. Its
# export follows the leaders': its results are used only where it is of the same kind (both the
# synthetic reconstruction, or both not), so that a report on your own leaders export never shows
# the bundled synthetic employers as yours; otherwise the employer results are left out, and the
# report says so.

# %%
employer_export = read_export(paths.resolve(raw_employers), "employers")
employers_left_out = provenance.employers_left_out(synthetic, employer_export)
if employers_left_out:
    print(employers_left_out)
employer_input = employer_export.without_records() if employers_left_out else employer_export
employer_resolved = countries.resolve_spellings(employer_input.data["country"])
employers_cleaned = validity.apply_rules(employer_input.data, validity.employer_rules(employer_resolved, response_statuses),
                                      employer_input.malformed)
validity.require_valid(employers_cleaned, employer_input.path)
employers = analysis_data.analysis_frame(employers_cleaned.kept, cb_employers, employer_resolved, region_scheme, hash_key)
schema.validate(employers, schema.employers_schema(cb_employers), paths.VALIDATION_FAILURES, employer_input)
assert len(employers_cleaned.kept) + len(employers_cleaned.rejected) == employer_input.n_records
print(f"employers: raw {employer_input.n_records:,} = clean {len(employers):,} + rejected {len(employers_cleaned.rejected):,}")
print(f"countries: {employers['iso3'].nunique()}")

# %% [markdown]
# ## 1.8 Outputs
#
# The rejected file keeps each removed record's response id, survey, step, rule and reason — and
# nothing personal. The flow figure shows how many records each rule removed.

# %%
rejected = pd.concat([leaders_cleaned.rejected.assign(survey="leaders"),
                      employers_cleaned.rejected.assign(survey="employers")], ignore_index=True)
dispositions = pd.concat([leaders_cleaned.dispositions.assign(survey="leaders"),
                          employers_cleaned.dispositions.assign(survey="employers")], ignore_index=True)
files.write_csv(leaders, paths.CLEAN_LEADERS)
files.write_csv(institutions, paths.CLEAN_INSTITUTIONS)
files.write_csv(employers, paths.CLEAN_EMPLOYERS)
files.write_csv(rejected[["ResponseId", "survey", "step", "rule", "reason"]], paths.REJECTED)
writer.write_table(dispositions[["survey", "step", "rule", "rows_in", "removed", "rows_out"]],
                    "dispositions", "Dispositions: records in, removed and kept at each rule")
provenance.write_provenance(provenance.describe_sources(
    export, employer_export, synthetic, len(leaders), len(employers),
    {"region_scheme": region_scheme, "speeder_fraction": speeder_fraction,
     "repeat_window_hours": repeat_window_hours, "response_statuses": response_statuses},
    employers_left_out))
print(rejected.groupby(["survey", "rule"], sort=False).size().to_string())

# %%
figures = plots.setup(synthetic)
fig, ax = plots.new_figure(height=3.4)
plots.disposition_flow(ax, leaders_cleaned.dispositions, n_raw)
figures.save(
    fig, "dispositions",
    f"{n_kept:,} of {n_raw:,} leader records are valid responses",
    f"Records kept after each validity rule, in order (leaders survey, n={n_raw:,} raw records). "
    "Labels give the records each rule removed.")
