"""Each validity rule on hand-made records, the accounting of apply_rules, institutions, and the
multi-select columns."""

from __future__ import annotations

import pandas as pd
import pytest

from microcred import clean, countries


def records(**columns) -> pd.DataFrame:
    n = len(next(iter(columns.values())))
    base = {"ResponseId": [f"R_{i:015d}" for i in range(n)], "Status": ["IP Address"] * n,
            "Finished": [True] * n, "Progress": [100] * n}
    return pd.DataFrame({**base, **columns})


def test_live_responses_drops_previews_and_spam():
    r = records(Status=["IP Address", "Survey Preview", "Spam", "IP Address"])
    assert list(clean.live_responses(r).ne("")) == [False, True, True, False]


def test_complete_responses_needs_finished_and_progress_100():
    r = records(Finished=[True, False, True], Progress=[100, 100, 90])
    reason = clean.complete_responses(r)
    assert list(reason.ne("")) == [False, True, True]
    assert "90%" in reason.iat[2]


def test_repeat_by_email_keeps_the_latest_and_ignores_case_and_spaces():
    r = records(RecipientEmail=["a@x.edu", " A@X.EDU ", "", ""],
                IPAddress=["1.1.1.1", "2.2.2.2", "3.3.3.3", "4.4.4.4"],
                institution=["U", "U", "U", "U"],
                RecordedDate=pd.to_datetime(["2024-05-02", "2024-05-01", "2024-05-01", "2024-05-01"]))
    reason = clean.latest_submission_per_person(r)
    assert list(reason.ne("")) == [False, True, False, False]


def test_repeat_by_ip_and_institution_within_the_window_only():
    r = records(RecipientEmail=["", "", "", ""], IPAddress=["9.9.9.9"] * 4,
                institution=["Univ. of X", "univ of x", "Other College", "Univ of X"],
                RecordedDate=pd.to_datetime(["2024-05-01 08:00", "2024-05-01 20:00",
                                             "2024-05-01 09:00", "2024-05-09 08:00"]))
    reason = clean.latest_submission_per_person(r, "24h")
    # first is 12 h before the second of the same institution: a repeat; the last is a week later
    assert list(reason.ne("")) == [True, False, False, False]


def test_speeders_against_the_median_of_what_is_kept():
    r = records(**{"Duration (in seconds)": [900, 800, 1000, 200, 299, 300]})
    reason = clean.speeders(r, 1 / 3)  # median 550 -> threshold 183.3
    assert list(reason.ne("")) == [False] * 6
    reason = clean.speeders(r, 0.5)  # threshold 275
    assert list(reason.ne("")) == [False, False, False, True, False, False]


def test_unidentified_country_is_rejected_with_its_reason():
    r = records(country=["Mexico", "Korea", None, "Atlantis"])
    resolved = countries.resolve_spellings(r["country"])
    reason = clean.identifiable_country(r, resolved)
    assert reason.iat[0] == ""
    assert "ambiguous" in reason.iat[1]
    assert "no country given" in reason.iat[2]
    assert "unknown country" in reason.iat[3]


def test_apply_rules_accounts_for_every_record():
    r = records(Status=["IP Address", "Spam", "IP Address", "IP Address"],
                Finished=[True, True, False, True])
    out = clean.apply_rules(r, [("live", clean.live_responses), ("complete", clean.complete_responses)])
    assert len(out.kept) + len(out.rejected) == len(r)
    assert list(out.dispositions["removed"]) == [1, 1]
    assert list(out.dispositions["rows_out"]) == [3, 2]
    assert set(out.rejected["rule"]) == {"live", "complete"}


def test_institution_id_is_keyed_and_ignores_case_accents_and_punctuation():
    names = pd.Series(["Universidad Autónoma de X", "universidad autonoma de x.", "Other"])
    ids = clean.institution_id(names, "key")
    assert ids.iat[0] == ids.iat[1] != ids.iat[2]
    assert clean.institution_id(names, "another key").iat[0] != ids.iat[0]


def test_institution_facts_majority_then_most_senior_role(cb):
    frame = pd.DataFrame({
        "response_id": list("abcde"), "inst_id": ["i1", "i1", "i1", "i2", "i2"],
        "iso3": "MEX", "country": "Mexico", "region": "Latin America and the Caribbean",
        "role": pd.Categorical(["Dean", "Director", "Dean", "Director", "President or Chancellor"],
                               categories=cb.labels("role"), ordered=True),
        "offers_mc": pd.Categorical(["Yes", "No", "Yes", "Yes", "No"], categories=cb.labels("offers_mc")),
        "offers_credit": pd.Categorical(["Yes", None, "Yes", "No", None], categories=cb.labels("offers_credit")),
    })
    facts = clean.institution_facts(frame, cb).set_index("inst_id")
    assert facts.at["i1", "offers_mc"] == "Yes"  # two of three
    assert facts.at["i2", "offers_mc"] == "No"  # a tie goes to the president
    assert bool(facts.at["i1", "offers_mc_disagree"]) and not bool(facts.at["i1", "offers_credit_disagree"])


def test_multi_select_parsing_keeps_not_answered_apart(cb):
    answers = pd.Series(["Lack of awareness,Faculty buy-in", None, "None of these", "Faculty buy-in"])
    cols = clean.multi_select_columns(answers, cb, "barriers")
    assert list(cols["barriers_answered"]) == [True, False, True, True]
    assert cols["barrier_faculty"].tolist() == [True, pd.NA, False, True]
    assert cols["barrier_none"].tolist() == [False, pd.NA, True, False]
    assert cols["barriers_count"].tolist() == [2, pd.NA, 0, 1]


def test_is_synthetic_reads_the_marker(raw_leaders):
    assert clean.is_synthetic(raw_leaders)
    assert not clean.is_synthetic(raw_leaders.assign(ExternalReference=""))


@pytest.mark.parametrize("scheme", ["m49", "continent"])
def test_analysis_frame_has_no_personal_column(cb, raw_leaders, scheme):
    r = raw_leaders.head(50).copy()
    resolved = countries.resolve_spellings(r["country"])
    frame = clean.analysis_frame(r, cb, resolved, scheme, "k")
    assert not set(cb.personal_columns) & set(frame.columns)


def test_schema_failures_are_written_with_row_and_column(cb, raw_leaders, tmp_path):
    import pandera.pandas as pa

    from microcred import schema

    r = raw_leaders.head(40).copy()
    frame = clean.analysis_frame(r, cb, countries.resolve_spellings(r["country"]), "m49", "k")
    frame.loc[0, "region"] = "Atlantis"
    with pytest.raises(pa.errors.SchemaErrors):
        schema.validate(frame, schema.leaders_schema(cb, countries.regions()), tmp_path / "f.csv")
    failures = pd.read_csv(tmp_path / "f.csv")
    assert {"column", "check", "failure_case", "index"} <= set(failures.columns)
    assert "Atlantis" in set(failures["failure_case"])
