"""Property tests: random exports with noisy values and damaged record shapes. Every record is
kept intact, rejected with a reason, or the run stops naming its row; clean + rejected = raw."""

from __future__ import annotations

import csv
import io

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from microcred.survey import analysis_data, codebook, countries, region_schemes, validity
from microcred.survey.layout import ExportError
from microcred.survey.reader import read_export

from conftest import write_export

NOISE = {  # every value here is one the reader accepts: the rules decide
    "Status": st.sampled_from(["IP Address", "Survey Preview", "Spam", "Survey Test", "Imported",
                               "Offline", "0", "2", "16", "Something new"]),
    "Finished": st.sampled_from(["True", "False", "1", "0"]),
    "Progress": st.integers(0, 100).map(str),
    "Duration (in seconds)": st.integers(0, 5000).map(str),
    "country": st.sampled_from(["Mexico", "méxico ", "Korea", "", "NA", "Atlantis", "U.S.",
                                "Bharat", "USA / Canada", "Antarctica"]),
    "RecipientEmail": st.sampled_from(["", "same@x.edu", " SAME@x.edu", "other@y.edu"]),
    "IPAddress": st.sampled_from(["1.1.1.1", "2.2.2.2"]),
    "offers_mc": st.sampled_from(["Yes", "No", "Not sure", ""]),
}
SETTINGS = settings(max_examples=40, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])


def sample(draw, raw, max_size=25) -> pd.DataFrame:
    rows = draw(st.lists(st.integers(0, len(raw) - 1), min_size=1, max_size=max_size))
    frame = raw.iloc[rows].copy().reset_index(drop=True)
    frame["ResponseId"] = [f"R_{i:015d}" for i in range(len(frame))]
    return frame


@st.composite
def noisy_exports(draw, raw):
    frame = sample(draw, raw)
    for i in range(len(frame)):
        for column, values in NOISE.items():
            if draw(st.booleans()):
                frame.loc[i, column] = draw(values)
    return frame


def clean_all(export):
    resolved = countries.resolve_spellings(export.data["country"])
    rules = validity.leader_rules(resolved, 1 / 3, "24h", "m49")
    return validity.apply_rules(export.data, rules, export.malformed), resolved


@SETTINGS
@given(data=st.data())
def test_every_record_is_kept_or_rejected_with_a_reason(tmp_path, raw_leaders, data):
    frame = data.draw(noisy_exports(raw_leaders))
    export = read_export(write_export(tmp_path / "noisy.csv", frame))  # every value is readable
    cleaned, resolved = clean_all(export)
    assert len(cleaned.kept) + len(cleaned.rejected) == len(frame)
    accounted = set(cleaned.kept["ResponseId"]) | set(cleaned.rejected["ResponseId"])
    assert accounted == set(frame["ResponseId"])
    assert cleaned.rejected["reason"].str.len().gt(0).all()
    out = analysis_data.analysis_frame(cleaned.kept, codebook.load(), resolved, "m49", "k")
    assert list(out["response_id"]) == list(cleaned.kept["ResponseId"])
    assert out["region"].notna().all()
    assert out["iso3"].isin(region_schemes.country_table()["iso3"]).all()
    assert not set(codebook.load().personal_columns) & set(out.columns)


# --------------------------------------------------------------------------- damaged shapes

def line(fields) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="").writerow(fields)
    return out.getvalue()


@st.composite
def damaged_exports(draw, raw):
    """An export whose records may lose a field, gain one, or (the last) be cut after a field.
    Returns the frame written, its text, and the damaged records' rows in the file."""
    frame = sample(draw, raw, max_size=15)
    width = frame.shape[1]
    records = [list(map(str, row)) for row in frame.itertuples(index=False)]
    damaged = {}
    for i in draw(st.sets(st.integers(0, len(records) - 1), max_size=len(records))):
        last = i == len(records) - 1
        how = draw(st.sampled_from(["drop", "extra", "cut"] if last else ["drop", "extra"]))
        if how == "drop":
            del records[i][draw(st.integers(0, width - 1))]
        elif how == "extra":
            records[i].insert(draw(st.integers(0, width)), draw(st.sampled_from(["", "x", "a,b"])))
        else:
            records[i] = records[i][: draw(st.integers(1, width - 1))]
        damaged[i + 2] = how  # one header row: record i is row i + 2
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    text = newline.join([line(frame.columns)] + [line(r) for r in records])
    if draw(st.booleans()):
        text += newline
    return frame, text, damaged


def _as_text(data: pd.DataFrame) -> pd.DataFrame:
    """The reader's columns as text with NaN for empty (categories and None are its own forms)."""
    return data.astype(object).where(data.notna())


@SETTINGS
@given(data=st.data())
def test_damaged_records_are_kept_intact_rejected_with_their_row_or_named(tmp_path, raw_leaders,
                                                                           data):
    frame, text, damaged = data.draw(damaged_exports(raw_leaders))
    path = tmp_path / "damaged.csv"
    path.write_bytes(text.encode("utf-8"))
    try:
        export = read_export(path)
    except ExportError as err:  # the file itself is broken: the run stops naming a damaged row
        assert err.row in damaged, (err, damaged)
        assert len(damaged) * 2 > len(frame) or len(frame) == len(damaged)
        return
    assert sorted(export.malformed["row"]) == sorted(damaged)
    assert export.malformed["reason"].str.contains("fields, the header has").all()
    intact = frame.drop(index=[row - 2 for row in damaged]).reset_index(drop=True)
    pd.testing.assert_frame_equal(_as_text(export.data[["ResponseId", "country", "comments"]]),
                                  intact[["ResponseId", "country", "comments"]].mask(intact.eq("")))
    assert [export.row_of(i) for i in range(len(export.data))] == \
        [row for row in range(2, len(frame) + 2) if row not in damaged]
    cleaned, _ = clean_all(export)
    assert len(cleaned.kept) + len(cleaned.rejected) == len(frame) == export.n_records
    assert cleaned.rejected["reason"].str.len().gt(0).all()
    assert (cleaned.rejected["step"] == 0).sum() == len(damaged)
    assert set(cleaned.kept["ResponseId"]) <= set(intact["ResponseId"])
