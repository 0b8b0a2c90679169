"""Every validity rule at its boundary: the record just inside stays, the one just outside goes.
A comparison turned from `<` to `<=` (or back) fails here, not only in the end-to-end test."""

from __future__ import annotations

import pandas as pd
import pytest

from microcred.survey import validity
from microcred.survey.validity import Step, apply_rules


def records(**columns) -> pd.DataFrame:
    n = len(next(iter(columns.values())))
    base = {"ResponseId": [f"R_{i:015d}" for i in range(n)], "Status": ["IP Address"] * n,
            "Finished": [True] * n, "Progress": [100] * n}
    return pd.DataFrame({**base, **columns})


def gone(reasons: pd.Series) -> list[bool]:
    return list(reasons.ne(""))


@pytest.mark.parametrize("fraction", [0.5, 1 / 3])
def test_a_duration_exactly_at_the_speeder_threshold_stays_and_a_second_under_it_goes(fraction):
    median = 600.0
    threshold = median * fraction
    durations = [threshold, threshold - 1, threshold + 1, median, median, 2 * median, 3 * median]
    r = records(**{"Duration (in seconds)": durations})
    assert r["Duration (in seconds)"].median() == median
    assert gone(validity.speeders(r, fraction)) == [False, True, False, False, False, False, False]


def test_the_speeder_threshold_is_the_fraction_of_the_median_not_of_the_mean():
    r = records(**{"Duration (in seconds)": [100.0, 200.0, 300.0, 10_000.0]})
    # median 250 -> threshold 125 (the mean, 2,650, would give 1,325 and take three)
    reasons = validity.speeders(r, 0.5)
    assert gone(reasons) == [True, False, False, False]
    assert reasons.iat[0] == "speeder (under 125 s, 0.5 of the median duration)"


def test_progress_must_be_exactly_100_and_the_response_finished():
    r = records(Finished=[True, True, False, True], Progress=[100, 99, 100, 101])
    reasons = validity.complete_responses(r)
    assert gone(reasons) == [False, True, True, True]
    assert reasons.iat[1] == "unfinished (progress 99%)"


def test_without_a_progress_column_finished_alone_decides():
    r = records(Finished=[True, False]).drop(columns="Progress")
    assert gone(validity.complete_responses(r)) == [False, True]


def repeat_pair(gap: str) -> pd.DataFrame:
    first = pd.Timestamp("2024-05-01 08:00")
    return records(RecipientEmail=["", ""], IPAddress=["9.9.9.9"] * 2,
                   institution=["Univ of X", "Univ of X"],
                   RecordedDate=[first, first + pd.Timedelta(gap)])


@pytest.mark.parametrize("gap, repeat", [("24h", True), ("24h 1s", False), ("23h 59min", True)])
def test_a_repeat_by_ip_is_within_the_window_inclusive(gap, repeat):
    reasons = validity.latest_submission_per_person(repeat_pair(gap), "24h")
    assert gone(reasons) == [repeat, False]  # the later submission is the one kept


def test_of_one_person_s_submissions_the_latest_is_kept_whatever_the_file_order():
    r = records(RecipientEmail=["a@x.edu", "a@x.edu", "a@x.edu"], IPAddress=["1", "2", "3"],
                institution=["U", "V", "W"],
                RecordedDate=pd.to_datetime(["2024-05-03", "2024-05-01", "2024-05-02"]))
    reasons = validity.latest_submission_per_person(r)
    assert gone(reasons) == [False, True, True]
    assert reasons.iat[1] == "repeat submission (same e-mail); a later one is kept"


def test_a_repeat_by_ip_is_not_counted_again_when_the_e_mail_already_took_it():
    first = pd.Timestamp("2024-05-01 08:00")
    r = records(RecipientEmail=["a@x.edu", "a@x.edu"], IPAddress=["9.9.9.9"] * 2,
                institution=["U", "U"], RecordedDate=[first, first + pd.Timedelta("1h")])
    reasons = validity.latest_submission_per_person(r, "24h")
    assert list(reasons) == ["repeat submission (same e-mail); a later one is kept", ""]


def test_one_ip_address_with_two_institutions_is_two_people():
    r = records(RecipientEmail=["", ""], IPAddress=["9.9.9.9"] * 2, institution=["U", "V"],
                RecordedDate=pd.to_datetime(["2024-05-01 08:00", "2024-05-01 09:00"]))
    assert gone(validity.latest_submission_per_person(r, "24h")) == [False, False]


def test_only_the_statuses_given_count_as_real():
    r = records(Status=["IP Address", "Offline", "Imported", "Survey Preview"])
    assert gone(validity.live_responses(r)) == [False, False, True, True]
    assert gone(validity.live_responses(r, ("Imported",))) == [True, True, False, True]
    assert validity.live_responses(r).iat[3] == "status is Survey Preview"


def test_an_empty_e_mail_matches_no_other():
    key = validity.email_key(pd.Series(["", " ", None, "a@x.edu"]))
    assert key.isna().tolist() == [True, True, True, False]


def test_the_disposition_of_each_rule_counts_what_it_took():
    r = records(**{"Duration (in seconds)": [100.0, 600.0, 700.0, 800.0]},
                Finished=[True, True, False, True])
    cleaned = apply_rules(r, [Step("complete", validity.complete_responses, validity.COMPLETION),
                              Step("speeders", lambda k: validity.speeders(k, 0.5),
                                   validity.DURATION)])
    assert cleaned.dispositions.to_dict("records") == [
        {"step": 1, "rule": "complete", "rows_in": 4, "removed": 1, "rows_out": 3},
        {"step": 2, "rule": "speeders", "rows_in": 3, "removed": 1, "rows_out": 2}]
    assert list(cleaned.kept["ResponseId"]) == [f"R_{i:015d}" for i in (1, 3)]


def test_no_valid_response_left_stops_with_the_count_of_each_rule():
    r = records(Finished=[False, False])
    cleaned = apply_rules(r, [Step("complete", validity.complete_responses, validity.COMPLETION)])
    with pytest.raises(validity.NoValidResponses,
                       match=r"all 2 records were rejected \(complete: 2\)"):
        validity.require_valid(cleaned, "x.csv")
    no_records = apply_rules(r.iloc[:0], [Step("complete", validity.complete_responses,
                                               validity.COMPLETION)])
    validity.require_valid(no_records, "empty.csv")  # no records at all: nothing to say
