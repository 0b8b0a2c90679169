"""Validation of the clean data with pandera, built from the codebook: a clean file that breaks
a rule of the instrument stops the run, with every failing row and column listed."""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa

from microcred.core import files
from microcred.core.paths import relative
from microcred.survey.codebook import Codebook
from microcred.survey.layout import RESPONSE_ID


def leaders_schema(cb: Codebook, regions: list[str]) -> pa.DataFrameSchema:
    """The pandera schema the clean leaders data must meet."""
    columns = {
        "response_id": pa.Column(str, pa.Check.str_matches(RESPONSE_ID.pattern), unique=True),
        "inst_id": pa.Column(str, pa.Check.str_length(16, 16), nullable=True),  # no name given
        "iso3": pa.Column(str, pa.Check.str_matches(r"^[A-Z]{3}$")),
        "country": pa.Column(str),
        "region": pa.Column(str, pa.Check.isin(regions)),
    }
    for q in cb.questions:
        if q.get("personal") or q["id"] == "country":
            continue
        if q["kind"] == "choice":
            columns[q["id"]] = pa.Column("category", pa.Check.isin(cb.labels(q["id"])),
                                         nullable=True)
        elif q["kind"] == "multi":
            columns[f"{q['id']}_answered"] = pa.Column(bool)
            columns[f"{q['id']}_count"] = pa.Column("Int64", pa.Check.ge(0), nullable=True)
            for m in cb.metrics_of(q["id"]):
                columns[m.id] = pa.Column("boolean", nullable=True)
    checks = [pa.Check(lambda df, q=q: _routed(df, q), error=f"{q['id']} answered but not asked "
                       f"({_condition(q)})")
              for q in cb.questions if isinstance(q.get("asked"), dict) and q["id"] in _kept(cb)]
    checks.append(pa.Check(lambda df: _exclusive_alone(df, cb),
                           error="'None of these' with a barrier"))
    return pa.DataFrameSchema(columns, checks=checks, strict=True, coerce=False)


def _kept(cb: Codebook) -> set[str]:
    return {q["id"] for q in cb.questions if not q.get("personal")}


def _condition(q: dict) -> str:
    """Who a routed question is asked, in words: 'asked where offers_mc is 'Yes''."""
    (column, value), = q["asked"].items()
    return f"asked where {column} is {value!r}"


def _routed(df: pd.DataFrame, q: dict) -> pd.Series:
    """A question shown only to some (skip logic) is empty for everyone else."""
    (column, value), = q["asked"].items()
    answered = df[f"{q['id']}_answered"] if q["kind"] == "multi" else df[q["id"]].notna()
    return ~answered | df[column].eq(value).fillna(False).astype(bool)


def _exclusive_alone(df: pd.DataFrame, cb: Codebook) -> pd.Series:
    metrics = cb.metrics_of("barriers")
    none = [m.id for m in metrics if m.label == cb.question("barriers").get("exclusive")]
    if not none:
        return pd.Series(True, index=df.index)
    return ~(df[none[0]].fillna(False).astype(bool) & df["barriers_count"].fillna(0).gt(0))


def employers_schema(cb: Codebook) -> pa.DataFrameSchema:
    """The pandera schema the clean employers data must meet."""
    columns = {"response_id": pa.Column(str, unique=True),
               "iso3": pa.Column(str, pa.Check.str_matches(r"^[A-Z]{3}$")),
               "country": pa.Column(str), "region": pa.Column(str, nullable=True)}
    for q in cb.questions:
        if q["kind"] == "choice":
            columns[q["id"]] = pa.Column("category", pa.Check.isin(cb.labels(q["id"])),
                                         nullable=True)
    return pa.DataFrameSchema(columns, strict=True)


class ValidationFailed(ValueError):
    """The clean data break a rule of the codebook: says which response, column and check."""


def validate(frame: pd.DataFrame, schema: pa.DataFrameSchema, failures_path,
             export=None) -> pd.DataFrame:
    """Validate every check at once; on failure write each failing row, column and check to
    `failures_path` (beside rejected.csv) and stop the run naming the first of them, by its row
    in the `export` (a reader.Export) the clean data came from, where given."""
    try:
        return schema.validate(frame, lazy=True)
    except pa.errors.SchemaErrors as err:
        files.write_csv(err.failure_cases, failures_path)
        notes = export.notes if export is not None else []
        noted = f" (the reader noted: {'; '.join(notes)})" if notes else ""
        raise ValidationFailed(f"{describe(err.failure_cases, frame, export)}; every failure is "
                               f"listed in {relative(failures_path)}{noted}") from None


def describe(failures: pd.DataFrame, frame: pd.DataFrame, export=None) -> str:
    """The first failure in words: response (and its row in the export, or else in the clean
    data), column, value, check."""
    first = failures.iloc[0]
    where = []
    if pd.notna(first["index"]) and first["index"] in frame.index:
        row = frame.index.get_loc(first["index"])
        response = frame.at[first["index"], "response_id"] if "response_id" in frame else None
        rows = export.response_rows() if export is not None else {}
        place = (f"row {rows[response]} of {relative(export.path)}" if response in rows
                 else f"row {row + 1} of the clean data")
        where.append(f"response {response} ({place})" if response else place)
    if pd.notna(first["column"]):
        where.append(f"column '{first['column']}'")
    more = f" ({len(failures)} failures in all)" if len(failures) > 1 else ""
    return (f"the clean data break the codebook{more}: {', '.join(where) or 'the table'}: "
            f"value {first['failure_case']!r} fails {first['check']}")
