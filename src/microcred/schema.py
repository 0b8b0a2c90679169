"""Validation of the clean data with pandera, built from the codebook: a clean file that breaks
a rule of the instrument stops the run, with every failing row and column listed."""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa

from .codebook import Codebook


def leaders_schema(cb: Codebook, regions: list[str]) -> pa.DataFrameSchema:
    columns = {
        "response_id": pa.Column(str, pa.Check.str_matches(r"^R_[A-Za-z0-9]{15}$"), unique=True),
        "inst_id": pa.Column(str, pa.Check.str_length(16, 16)),
        "iso3": pa.Column(str, pa.Check.str_matches(r"^[A-Z]{3}$")),
        "country": pa.Column(str),
        "region": pa.Column(str, pa.Check.isin(regions)),
    }
    for q in cb.questions:
        if q.get("personal") or q["id"] == "country":
            continue
        if q["kind"] == "choice":
            columns[q["id"]] = pa.Column("category", pa.Check.isin(cb.labels(q["id"])), nullable=True)
        elif q["kind"] == "multi":
            columns[f"{q['id']}_answered"] = pa.Column(bool)
            columns[f"{q['id']}_count"] = pa.Column("Int64", pa.Check.ge(0), nullable=True)
            for m in cb.metrics_of(q["id"]):
                columns[m.id] = pa.Column("boolean", nullable=True)
    checks = [pa.Check(lambda df, q=q: _routed(df, q), error=f"{q['id']} answered but not asked")
              for q in cb.questions if isinstance(q.get("asked"), dict) and q["id"] in _kept(cb)]
    checks.append(pa.Check(lambda df: _exclusive_alone(df, cb), error="'None of these' with a barrier"))
    return pa.DataFrameSchema(columns, checks=checks, strict=True, coerce=False)


def _kept(cb: Codebook) -> set[str]:
    return {q["id"] for q in cb.questions if not q.get("personal")}


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
    columns = {"response_id": pa.Column(str, unique=True),
               "iso3": pa.Column(str, pa.Check.str_matches(r"^[A-Z]{3}$")),
               "country": pa.Column(str), "region": pa.Column(str, nullable=True)}
    for q in cb.questions:
        if q["kind"] == "choice":
            columns[q["id"]] = pa.Column("category", pa.Check.isin(cb.labels(q["id"])), nullable=True)
    return pa.DataFrameSchema(columns, strict=True)


def validate(frame: pd.DataFrame, schema: pa.DataFrameSchema, failures_path) -> pd.DataFrame:
    """Validate every check at once; on failure write each failing row, column and check to
    `failures_path` (beside rejected.csv) before stopping the run."""
    from . import outputs

    try:
        return schema.validate(frame, lazy=True)
    except pa.errors.SchemaErrors as err:
        outputs.write_csv(err.failure_cases, failures_path)
        raise
