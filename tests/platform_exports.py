"""The default export written as the survey platform writes it in SPSS and Excel: answers as
numeric codes with value labels (SPSS), dates as dates, numbers as numbers, SPSS names without
spaces; and as its CSV download of numeric values (the platform's question ids, codes, code
lists for multi-select answers: the layout of the qualtRics package's test exports). Used by the
tests that compare the formats, and runnable to make a .sav by hand:
`python tests/platform_exports.py out.sav` (or out.xlsx)."""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

from microcred.survey import codebook
from microcred.survey.formats import spss_name
from microcred.synthetic import generator as synth

DATES = ["StartDate", "EndDate", "RecordedDate"]
NUMBERS = ["Progress", "Duration (in seconds)"]


def _coded(cb) -> dict[str, dict[str, int]]:
    """Label -> numeric code of every coded column: choice questions (1, 2, ... in scale order),
    Status (the platform's codes) and Finished (1/0)."""
    coded = {q["id"]: {label: i for i, label in enumerate(cb.labels(q["id"]), 1)}
             for q in cb.questions if q["kind"] == "choice"}
    coded["Status"] = {label: code for code, label in cb.raw["status_codes"].items()}
    coded["Finished"] = {"True": 1, "False": 0}
    return {column: codes for column, codes in coded.items() if column in cb.columns}


def write_sav(frame: pd.DataFrame, path: Path, survey: str = "leaders") -> Path:
    import pyreadstat

    cb = codebook.load(survey)
    out = frame.copy()
    coded = _coded(cb)
    for column, codes in coded.items():
        out[column] = out[column].map(codes).astype(float)  # empty answers: system-missing
    for column in DATES:
        if column in out:
            out[column] = pd.to_datetime(out[column], format="%Y-%m-%d %H:%M:%S")
    for column in NUMBERS:
        if column in out:
            out[column] = pd.to_numeric(out[column])
    texts = {q["id"]: q["text"] for q in cb.questions}
    labels = {spss_name(c): texts.get(c, c) for c in out.columns}
    value_labels = {spss_name(c): {code: label for label, code in codes.items()}
                    for c, codes in coded.items()}
    for q in (q for q in cb.questions if q["kind"] == "multi"):  # one variable per option
        chosen = out.pop(q["id"]).fillna("").str.split(",")
        for k, option in enumerate(cb.labels(q["id"]), 1):
            name = f"{spss_name(q['id'])}_{k}"
            out[name] = chosen.map(lambda c, o=option: 1.0 if o in c else float("nan"))
            labels[name], value_labels[name] = f"{q['text']} - {option}", {1: option}
    out.columns = [spss_name(c) for c in out.columns]
    pyreadstat.write_sav(out, path, column_labels=labels, variable_value_labels=value_labels)
    return path


def numeric_values(frame: pd.DataFrame, survey: str = "leaders") -> tuple[pd.DataFrame, dict]:
    """The export as the platform's download of numeric values, with the platform's default
    question ids (Q1, Q2, ... Q8_1 for a battery) and the mapping that reads it back: choice
    answers as codes 1..k in scale order, a multi-select answer as its options' codes ('2,5,7'),
    Status as the platform's codes, Finished as 1/0."""
    cb = codebook.load(survey)
    out = frame.copy()
    for column, codes in _coded(cb).items():
        out[column] = out[column].map(lambda v, c=codes: "" if v == "" else str(c[v]))
    labels = {q["scale"]: {i: label for i, label in enumerate(cb.scales[q["scale"]], 1)}
              for q in cb.questions if q["kind"] == "choice"}
    for q in (q for q in cb.questions if q["kind"] == "multi"):
        codes = {label: str(i) for i, label in enumerate(cb.labels(q["id"]), 1)}
        out[q["id"]] = out[q["id"]].map(
            lambda v, c=codes: ",".join(c[o] for o in v.split(",")) if v else "")
        labels[q["id"]] = {int(code): label for label, code in codes.items()}
    ids = {q["id"]: f"Q{k}" for k, q in enumerate(cb.questions, 1)}
    out.columns = [ids.get(c, c) for c in out.columns]
    return out, {"columns": {theirs: ours for ours, theirs in ids.items()}, "labels": labels}


def write_xlsx(frame: pd.DataFrame, path: Path, survey: str = "leaders") -> Path:
    import openpyxl

    cb = codebook.load(survey)
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("export")
    for header in (list(frame.columns), *synth.header_rows(cb)):
        sheet.append(list(header))
    typed = frame.copy().astype(object).where(frame.ne(""), None)
    for column in DATES:
        typed[column] = list(pd.to_datetime(frame[column], format="%Y-%m-%d %H:%M:%S"))
    for column in NUMBERS:
        typed[column] = pd.to_numeric(frame[column]).astype(object)
    typed["Finished"] = frame["Finished"].map({"True": True, "False": False})
    for row in typed.itertuples(index=False):
        sheet.append(list(row))
    book.save(path)
    return path


if __name__ == "__main__":
    target = Path(sys.argv[1])
    writer = write_sav if target.suffix == ".sav" else write_xlsx
    writer(synth.leaders_export(), target)
    print(f"wrote {target}")
