"""Each validity rule on hand-made records, the accounting of apply_rules, institutions, and the
multi-select columns."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import pytest

from microcred.statistics.design import SurveyDesign
from microcred.survey import (
    analysis_data,
    codebook,
    countries,
    folding,
    provenance,
    pseudonyms,
    region_schemes,
    schema,
    validity,
)
from microcred.survey.layout import ExportError
from microcred.survey.provenance import is_synthetic
from microcred.survey.reader import read_export
from microcred.synthetic import generator as synth


def records(**columns) -> pd.DataFrame:
    n = len(next(iter(columns.values())))
    base = {"ResponseId": [f"R_{i:015d}" for i in range(n)], "Status": ["IP Address"] * n,
            "Finished": [True] * n, "Progress": [100] * n}
    return pd.DataFrame({**base, **columns})


def test_live_responses_drops_previews_and_spam():
    r = records(Status=["IP Address", "Survey Preview", "Spam", "IP Address"])
    assert list(validity.live_responses(r).ne("")) == [False, True, True, False]


def test_complete_responses_needs_finished_and_progress_100():
    r = records(Finished=[True, False, True], Progress=[100, 100, 90])
    reason = validity.complete_responses(r)
    assert list(reason.ne("")) == [False, True, True]
    assert "90%" in reason.iat[2]


def test_repeat_by_email_keeps_the_latest_and_ignores_case_and_spaces():
    r = records(RecipientEmail=["a@x.edu", " A@X.EDU ", "", ""],
                IPAddress=["1.1.1.1", "2.2.2.2", "3.3.3.3", "4.4.4.4"],
                institution=["U", "U", "U", "U"],
                RecordedDate=pd.to_datetime(["2024-05-02", "2024-05-01", "2024-05-01",
                                             "2024-05-01"]))
    reason = validity.latest_submission_per_person(r)
    assert list(reason.ne("")) == [False, True, False, False]


def test_repeat_by_ip_and_institution_within_the_window_only():
    r = records(RecipientEmail=["", "", "", ""], IPAddress=["9.9.9.9"] * 4,
                institution=["Univ. of X", "univ of x", "Other College", "Univ of X"],
                RecordedDate=pd.to_datetime(["2024-05-01 08:00", "2024-05-01 20:00",
                                             "2024-05-01 09:00", "2024-05-09 08:00"]))
    reason = validity.latest_submission_per_person(r, "24h")
    # first is 12 h before the second of the same institution: a repeat; the last is a week later
    assert list(reason.ne("")) == [True, False, False, False]


def test_speeders_against_the_median_of_what_is_kept():
    r = records(**{"Duration (in seconds)": [900, 800, 1000, 200, 299, 300]})
    reason = validity.speeders(r, 1 / 3)  # median 550 -> threshold 183.3
    assert list(reason.ne("")) == [False] * 6
    reason = validity.speeders(r, 0.5)  # threshold 275
    assert list(reason.ne("")) == [False, False, False, True, False, False]


def test_a_missing_duration_is_a_reason_to_go_not_a_pass():
    r = records(**{"Duration (in seconds)": [900, None, 1000, 100, 800]})
    reason = validity.speeders(r, 1 / 3)  # median 850 of the four given -> threshold 283
    assert list(reason.ne("")) == [False, True, False, True, False]
    assert reason.iat[1] == "duration missing: the speeder rule cannot be applied"
    nothing = validity.speeders(records(**{"Duration (in seconds)": [None, None]}), 1 / 3)
    assert nothing.eq("duration missing: the speeder rule cannot be applied").all()


def test_unidentified_country_is_rejected_with_its_reason():
    r = records(country=["Mexico", "Korea", None, "Atlantis"])
    resolved = countries.resolve_spellings(r["country"])
    reason = validity.identifiable_country(r, resolved)
    assert reason.iat[0] == ""
    assert "ambiguous" in reason.iat[1]
    assert "no country given" in reason.iat[2]
    assert "unknown country" in reason.iat[3]


def test_apply_rules_accounts_for_every_record():
    r = records(Status=["IP Address", "Spam", "IP Address", "IP Address"],
                Finished=[True, True, False, True])
    out = validity.apply_rules(r, [validity.Step("live", validity.live_responses, validity.STATUS),
                               validity.Step("complete", validity.complete_responses,
                                             validity.COMPLETION)])
    assert len(out.kept) + len(out.rejected) == len(r)
    assert list(out.dispositions["removed"]) == [1, 1]
    assert list(out.dispositions["rows_out"]) == [3, 2]
    assert set(out.rejected["rule"]) == {"live", "complete"}


def test_institution_id_is_keyed_and_ignores_case_accents_and_punctuation():
    names = pd.Series(["Universidad Autónoma de X", "universidad autonoma de x.", "Other"])
    countries = pd.Series(["MEX"] * 3)
    ids = pseudonyms.institution_id(names, countries, "key")
    assert ids.iat[0] == ids.iat[1] != ids.iat[2]
    assert pseudonyms.institution_id(names, countries, "another key").iat[0] != ids.iat[0]


def test_one_name_in_two_countries_is_two_institutions_and_one_country_however_spelt_is_one():
    names = pd.Series(["National University", "national university", "National University.",
                       "National University"])
    spellings = pd.Series(["Nigeria", "NIGERIA", "Ghana", "nigeria"])
    resolved = countries.resolve_spellings(spellings)
    ids = pseudonyms.institution_id(names, analysis_data.iso3_codes(spellings, resolved), "key")
    assert ids.iat[0] == ids.iat[1] == ids.iat[3] != ids.iat[2]
    assert SurveyDesign.of(pd.DataFrame({"inst_id": ids})).n_psu == 2


def test_institution_facts_majority_then_most_senior_role(cb):
    frame = pd.DataFrame({
        "response_id": list("abcde"), "inst_id": ["i1", "i1", "i1", "i2", "i2"],
        "iso3": "MEX", "country": "Mexico", "region": "Latin America and the Caribbean",
        "role": pd.Categorical(["Dean", "Director", "Dean", "Director", "President or Chancellor"],
                               categories=cb.labels("role"), ordered=True),
        "offers_mc": pd.Categorical(["Yes", "No", "Yes", "Yes", "No"],
                                    categories=cb.labels("offers_mc")),
        "offers_credit": pd.Categorical(["Yes", None, "Yes", "No", None],
                                        categories=cb.labels("offers_credit")),
    })
    facts = analysis_data.institution_facts(frame, cb).set_index("inst_id")
    assert facts.at["i1", "offers_mc"] == "Yes"  # two of three
    assert facts.at["i2", "offers_mc"] == "No"  # a tie goes to the president
    assert bool(facts.at["i1", "offers_mc_disagree"])
    assert not bool(facts.at["i1", "offers_credit_disagree"])


def test_institution_facts_credit_only_where_the_institution_offers(cb):
    """An institution resolved as not offering has no credit fact, whatever its leaders said:
    no credit value, no disagreement on it, and the answers it gave counted as set aside."""
    frame = pd.DataFrame({
        "response_id": list("abcdef"), "inst_id": ["i1", "i1", "i2", "i3", "i3", "i3"],
        "iso3": "MEX", "country": "Mexico", "region": "Latin America and the Caribbean",
        "role": pd.Categorical(["Dean", "Director", "Dean", "Dean", "Director", "Other"],
                               categories=cb.labels("role"), ordered=True),
        "offers_mc": pd.Categorical(["No", "Yes", "Not sure", "Yes", "Yes", "No"],
                                    categories=cb.labels("offers_mc")),
        "offers_credit": pd.Categorical([None, "Yes", None, "Yes", "No", None],
                                        categories=cb.labels("offers_credit")),
    })
    facts = analysis_data.institution_facts(frame, cb).set_index("inst_id")
    assert facts.at["i1", "offers_mc"] == "No"  # a tie goes to the dean
    assert pd.isna(facts.at["i1", "offers_credit"]) and facts.at["i1",
                                                                 "offers_credit_set_aside"] == 1
    assert not facts.at["i1", "offers_credit_disagree"]
    assert pd.isna(facts.at["i2", "offers_credit"]) and facts.at["i2",
                                                                 "offers_credit_set_aside"] == 0
    assert facts.at["i3", "offers_credit"] == "Yes" and facts.at["i3", "offers_credit_disagree"]
    assert facts.at["i3", "offers_credit_set_aside"] == 0
    not_offering = facts["offers_mc"].ne("Yes")
    assert facts.loc[not_offering, "offers_credit"].isna().all()


def test_multi_select_parsing_keeps_not_answered_apart(cb):
    answers = pd.Series(["Lack of awareness,Faculty buy-in", None, "None of these",
                         "Faculty buy-in"])
    cols = analysis_data.multi_select_columns(answers, cb, "barriers")
    assert list(cols["barriers_answered"]) == [True, False, True, True]
    assert cols["barrier_faculty"].tolist() == [True, pd.NA, False, True]
    assert cols["barrier_none"].tolist() == [False, pd.NA, True, False]
    assert cols["barriers_count"].tolist() == [2, pd.NA, 0, 1]


def test_is_synthetic_reads_the_marker(raw_leaders):
    assert is_synthetic(raw_leaders)
    assert not is_synthetic(raw_leaders.assign(ExternalReference=""))


def test_the_synthetic_marker_is_checked_per_file_and_half_marked_files_are_refused(
        export_file, raw_leaders):
    assert provenance.synthetic_file(read_export(export_file()))
    unmarked = export_file(raw_leaders.assign(ExternalReference=""))
    assert not provenance.synthetic_file(read_export(unmarked))
    mixed = raw_leaders.copy()
    mixed.loc[5:, "ExternalReference"] = ""
    export = read_export(export_file(mixed))
    with pytest.raises(ExportError, match="5 of 1,205 records carry the synthetic reconstruction's "
                       "marker") as err:
        provenance.synthetic_file(export)
    assert (err.value.row, err.value.column) == (9, "ExternalReference")


@pytest.mark.parametrize("leaders_synthetic,employers_synthetic", [(True, True), (False, False),
                                                                   (False, True), (True, False)])
def test_the_employer_export_follows_the_leaders(export_file, leaders_synthetic,
                                                 employers_synthetic):
    frame = synth.employers_export()
    employers = read_export(export_file(frame if employers_synthetic else
                                        frame.assign(ExternalReference=""), three_headers=False),
                            "employers")
    why = provenance.employers_left_out(leaders_synthetic, employers)
    assert (why == "") == (leaders_synthetic == employers_synthetic)
    if why:
        assert "the employer results are left out" in why and "raw_employers" in why
        assert ("leaders export is not the synthetic" in why) == (not leaders_synthetic)


def test_an_export_left_out_is_cleaned_as_no_records_at_all(export_file):
    employers = read_export(export_file(synth.employers_export(), three_headers=False),
                            "employers").without_records()
    resolved = countries.resolve_spellings(employers.data["country"])
    cleaned = validity.apply_rules(employers.data, validity.employer_rules(resolved),
                                   employers.malformed)
    validity.require_valid(cleaned, employers.path)  # none read, none rejected: nothing to say
    frame = analysis_data.analysis_frame(cleaned.kept, codebook.load("employers"), resolved, "m49",
                                         "k")
    cb = codebook.load("employers")
    assert schema.validate(frame, schema.employers_schema(cb), export_file().parent / "f.csv").empty


@pytest.mark.parametrize("scheme", ["m49", "continent"])
def test_analysis_frame_has_no_personal_column(cb, raw_leaders, scheme):
    r = raw_leaders.head(50).copy()
    resolved = countries.resolve_spellings(r["country"])
    frame = analysis_data.analysis_frame(r, cb, resolved, scheme, "k")
    assert not set(cb.personal_columns) & set(frame.columns)


def test_schema_failures_name_response_and_column_and_are_written(cb, clean_default, tmp_path):

    frame = clean_default[0].copy()
    frame.loc[2, "region"] = "Atlantis"
    with pytest.raises(schema.ValidationFailed) as err:
        schema.validate(frame, schema.leaders_schema(cb, region_schemes.regions()),
                        tmp_path / "f.csv")
    message = str(err.value)
    assert "{" not in message  # words, not the schema library's JSON
    failures = pd.read_csv(tmp_path / "f.csv")
    assert {"column", "check", "failure_case", "index"} <= set(failures.columns)
    assert "Atlantis" in set(failures["failure_case"])
    assert f"response {frame.at[2, 'response_id']} (row 3 of the clean data)" in message
    assert "column 'region'" in message and "'Atlantis'" in message and "f.csv" in message


def test_schema_failures_name_the_row_of_the_export_and_what_the_reader_noted(cb, clean_default,
                                                                             tmp_path):
    frame = clean_default[0].copy()
    export = replace(clean_default[3],
                     notes=["offers_mc: 3 user-missing value(s) (-99) read as not answered"])
    frame.loc[2, ["offers_mc", "offers_credit"]] = ["No", "Yes"]  # answered, yet not asked
    with pytest.raises(schema.ValidationFailed) as err:
        schema.validate(frame, schema.leaders_schema(cb, region_schemes.regions()),
                        tmp_path / "f.csv", export)
    row = export.response_rows()[frame.at[2, "response_id"]]
    message = str(err.value)
    response = frame.at[2, "response_id"]
    assert f"response {response} (row {row} of data/raw/leaders_survey_export.csv)" in message
    assert "offers_credit answered but not asked (asked where offers_mc is 'Yes')" in message
    assert message.endswith("(the reader noted: offers_mc: 3 user-missing value(s) (-99) read as "
                            "not answered)")


# --------------------------------------------------------------------------- status (rule 1)

STATUSES = ["IP Address", "Offline", "Imported", "Survey Test", "Survey Preview", "Spam",
            "Offline Survey Preview", "Something new"]


def test_test_responses_and_unknown_statuses_are_rejected_with_their_reason():
    reason = validity.live_responses(records(Status=STATUSES))
    assert list(reason.eq("")) == [True, True, False, False, False, False, False, False]
    assert reason.iat[3] == "status is Survey Test"
    assert reason.iat[7] == "unknown status 'Something new' (not in the codebook)"


def test_which_statuses_count_is_a_parameter():
    reason = validity.live_responses(records(Status=STATUSES),
                                     ["IP Address", "Offline", "Imported"])
    assert list(reason.eq(""))[:4] == [True, True, True, False]


def test_statuses_parameter_must_name_known_statuses(cb):
    validity.check_statuses(["IP Address", "Imported"], cb)
    for wrong in (["IP adress"], "IP Address", []):
        with pytest.raises(ValueError, match="parameter response_statuses"):
            validity.check_statuses(wrong, cb)


@pytest.mark.parametrize("code,label", [("0", "IP Address"), ("1", "Survey Preview"),
                                        ("2", "Survey Test"), ("4", "Imported"), ("8", "Spam"),
                                        ("9", "Survey Preview Spam"), ("12", "Imported Spam"),
                                        ("16", "Offline"), ("17", "Offline Survey Preview")])
def test_numeric_status_codes_of_a_values_export_are_understood(export_file, raw_leaders, code,
                                                                  label):
    from microcred.survey.reader import read_export

    frame = raw_leaders.copy()
    frame.loc[5, "Status"] = code
    frame.loc[frame["Status"].eq("IP Address"), "Status"] = "0"
    data = read_export(export_file(frame)).data
    assert data.loc[5, "Status"] == label
    assert data["Status"].eq("IP Address").sum() == raw_leaders["Status"].eq("IP Address").sum() - (
        raw_leaders.loc[5, "Status"] == "IP Address") + (label == "IP Address")


def test_other_statuses_no_longer_stop_the_file(export_file, raw_leaders):
    from microcred.survey.reader import read_export

    frame = raw_leaders.copy()
    frame.loc[[3, 4, 5, 6], "Status"] = ["Survey Test", "Imported", "Offline", "Banana"]
    frame.loc[[3, 5], "DistributionChannel"] = ["test", "offline"]  # as the platform writes them
    export = read_export(export_file(frame))
    resolved = countries.resolve_spellings(export.data["country"])
    cleaned = validity.apply_rules(export.data, validity.leader_rules(resolved, 1 / 3))
    reasons = cleaned.rejected.set_index("ResponseId")["reason"]
    ids = frame["ResponseId"]
    assert reasons[ids[3]] == "status is Survey Test" and reasons[ids[4]] == "status is Imported"
    assert "unknown status 'Banana'" in reasons[ids[6]]
    assert ids[5] not in reasons.index or not reasons[ids[5]].startswith("status")


# --------------------------------------------------------------------------- countries (rule 5)

def test_several_countries_and_places_without_a_region_are_rejected_with_their_reason():
    r = records(country=["USA / Canada", "Canada, USA", "US & Canada", "Antarctica",
                         "Bouvet Island", "Mexico"])
    resolved = countries.resolve_spellings(r["country"])
    m49 = validity.identifiable_country(r, resolved, "m49")
    assert all("several countries named (CAN, USA)" in m49.iat[i] for i in range(3))
    assert "no region in the 'm49' scheme for Antarctica (ATA)" in m49.iat[3]
    assert m49.iat[5] == ""
    continent = validity.identifiable_country(r, resolved, "continent")
    assert "no region in the 'continent' scheme" in continent.iat[4]


def test_a_country_without_a_region_no_longer_stops_cleaning(cb, export_file, raw_leaders,
                                                              clean_default):
    from microcred.survey.reader import read_export

    frame = raw_leaders.copy()
    valid = clean_default[2].kept["ResponseId"].iat[0]
    frame.loc[frame["ResponseId"].eq(valid), "country"] = "Antarctica"
    export = read_export(export_file(frame))
    resolved = countries.resolve_spellings(export.data["country"])
    cleaned = validity.apply_rules(export.data,
                                   validity.leader_rules(resolved, 1 / 3, "24h", "m49"))
    assert cleaned.rejected["reason"].str.contains("Antarctica").sum() == 1
    leaders = analysis_data.analysis_frame(cleaned.kept, cb, resolved, "m49", "k")
    schema.leaders_schema(cb, region_schemes.regions("m49")).validate(leaders)


# --------------------------------------------------------------------------- malformed records

def test_records_set_aside_by_the_reader_are_rejected_first():
    r = records(Status=["IP Address", "Spam"])
    malformed = pd.DataFrame({"row": [7], "ResponseId": [""],
                              "reason": ["malformed record: row 7"]})
    out = validity.apply_rules(r, [validity.Step("live", validity.live_responses, validity.STATUS)],
                               malformed)
    assert len(out.kept) + len(out.rejected) == 3
    assert out.dispositions.iloc[0].to_dict() == {"step": 0, "rule": validity.MALFORMED,
                                                  "rows_in": 3,
                                                  "removed": 1, "rows_out": 2}
    assert list(out.rejected.columns) == ["ResponseId", "step", "rule", "reason"]


def test_email_key_folds_arrow_and_python_strings_as_strip_and_casefold_do():
    emails = [" A@X.edu ", "a@x.EDU\x1c", "Straße@X.de", "\u00a0b@y.org\u2003", "", "  ", None]
    expected = [e.strip().casefold() or None if isinstance(e, str) else None for e in emails]
    for dtype in (object, analysis_data.ARROW_TEXT):
        key = validity.email_key(pd.Series(emails, dtype=dtype))
        assert [None if pd.isna(k) else k for k in key] == expected


def test_institution_id_is_the_keyed_hash_of_each_country_and_folded_name():
    import hashlib

    names = pd.Series(["Univ. of X", "univ of x", "École Normale", None, "Other", " -- ",
                       "Univ of X"], dtype="category")
    iso3 = pd.Series(["USA", "USA", "FRA", "USA", "GBR", "GBR", "CAN"])
    secret = hashlib.blake2b(b"key", digest_size=32).digest()
    folded = [folding.fold(n) if isinstance(n, str) else "" for n in names]
    expected = [hashlib.blake2b(f"{c}\x1f{f}".encode(), key=secret, digest_size=8).hexdigest()
                if f else None  # no name given (or nothing left once folded): no pseudonym
                for c, f in zip(iso3, folded)]
    ids = pseudonyms.institution_id(names, iso3, "key")
    assert [None if pd.isna(i) else i for i in ids] == expected
    assert expected[3] is None and expected[5] is None and expected[0] != expected[6]


def test_respondents_who_name_no_institution_are_clusters_of_their_own():

    names = pd.Series(["Univ. of X", None, "univ of x", "", None, "Other"])
    ids = pseudonyms.institution_id(names, pd.Series(["USA"] * 6), "key")
    frame = pd.DataFrame({"inst_id": ids})
    codes = SurveyDesign.of(frame).clusters
    assert codes[0] == codes[2]  # one institution, however it is written
    assert len({codes[1], codes[3], codes[4]}) == 3 and not {codes[1], codes[3],
                                                             codes[4]} & {codes[0], codes[5]}


def test_each_rule_sees_only_what_the_earlier_rules_kept_and_the_records_are_filtered_once():
    r = records(Status=["IP Address", "Spam", "IP Address", "IP Address", "IP Address"],
                **{"Duration (in seconds)": [900, 1, 800, 100, 1000]}, comments=list("abcde"))
    seen = []

    def spy(kept):
        seen.append(list(kept.columns))
        return validity.speeders(kept, 0.5)  # median of the four kept (850), not of all five (800)

    out = validity.apply_rules(r, [validity.Step("live", validity.live_responses, validity.STATUS),
                               validity.Step("speeders", spy, validity.DURATION)])
    assert out.kept["ResponseId"].tolist() == [r["ResponseId"][i] for i in (0, 2, 4)]
    assert out.kept.columns.tolist() == r.columns.tolist()  # every column, filtered at the end
    assert seen == [list(validity.DURATION)]  # a rule reads its inputs only
    assert out.rejected["reason"].str.contains("under 425 s").sum() == 1


def test_multi_select_count_is_the_substantive_options_chosen(cb):
    answers = pd.Series(["Lack of awareness,Faculty buy-in,Other", None, "None of these", ""],
                        dtype="category")
    cols = analysis_data.multi_select_columns(answers, cb, "barriers")
    flags = cols[[m.id for m in cb.metrics_of("barriers") if m.id != "barrier_none"]]
    expected = flags.sum(axis=1).astype("Int64").where(cols["barriers_answered"])
    assert cols["barriers_count"].tolist() == expected.tolist()


def test_a_rule_whose_reasons_are_not_its_records_is_refused():
    r = records(Status=["IP Address", "Spam", "IP Address"])
    shuffled = validity.Step("shuffled", lambda kept: validity.live_responses(kept)[::-1],
                             validity.STATUS)
    with pytest.raises(ValueError, match="'shuffled' returned reasons for other records"):
        validity.apply_rules(r, [shuffled])


def test_leaders_who_name_no_institution_pass_the_schema_and_stay_out_of_the_institutions(
        clean_default, cb, tmp_path):

    _, _, cleaned, _ = clean_default
    kept = cleaned.kept.copy()
    blank = kept.index[:: 40]
    kept.loc[blank, "institution"] = None
    resolved = countries.resolve_spellings(kept["country"])
    frame = analysis_data.analysis_frame(kept, cb, resolved, "m49", "test-key")
    assert frame["inst_id"].isna().sum() == len(blank)
    regions = sorted(frame["region"].unique())
    schema.validate(frame, schema.leaders_schema(cb, regions), tmp_path / "failures.csv")
    institutions = analysis_data.institution_facts(frame, cb)
    assert institutions["n_leaders"].sum() == len(frame) - len(blank)
    assert institutions["inst_id"].notna().all()


def test_repeat_by_ip_needs_a_named_institution():
    """Two leaders on one network who both leave the institution blank (or write only
    punctuation) are not the same person: a blank names no institution."""
    r = records(RecipientEmail=["", "", "", ""], IPAddress=["9.9.9.9"] * 4,
                institution=["", " -- ", None, "Univ. of X"],
                RecordedDate=pd.to_datetime(["2024-05-01 08:00", "2024-05-01 09:00",
                                             "2024-05-01 10:00", "2024-05-01 11:00"]))
    assert list(validity.latest_submission_per_person(r, "24h").ne("")) == [False] * 4
