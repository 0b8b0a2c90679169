"""The clean data as the analysis notebooks read it: typed again from the codebook (categories
in their order, nullable booleans), whatever notebook or test asks."""

from __future__ import annotations

import pandas as pd

from microcred.core import paths
from microcred.survey import codebook as codebook_mod
from microcred.survey.analysis_data import INSTITUTION_FACTS

BOOLEAN = {"True": True, "False": False}


def _typed(frame: pd.DataFrame, cb) -> pd.DataFrame:
    for q in cb.questions:
        if q["kind"] == "choice" and q["id"] in frame:
            frame[q["id"]] = cb.categorical(q["id"], frame[q["id"]])
        elif q["kind"] == "multi" and f"{q['id']}_answered" in frame:
            frame[f"{q['id']}_answered"] = frame[f"{q['id']}_answered"].map(BOOLEAN).astype(bool)
            frame[f"{q['id']}_count"] = pd.to_numeric(frame[f"{q['id']}_count"]).astype("Int64")
            for m in cb.metrics_of(q["id"]):
                frame[m.id] = frame[m.id].map(BOOLEAN).astype("boolean")
    return frame


def read_clean(survey: str = "leaders") -> pd.DataFrame:
    """The clean data of one survey, typed as the codebook says."""
    path = {"leaders": paths.CLEAN_LEADERS, "employers": paths.CLEAN_EMPLOYERS}[survey]
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])
    return _typed(frame, codebook_mod.load(survey))


def read_institutions() -> pd.DataFrame:
    """The clean institutions, one row each, with their facts typed."""
    frame = pd.read_csv(paths.CLEAN_INSTITUTIONS, dtype={"n_leaders": int}, keep_default_na=False,
                        na_values=[""])
    cb = codebook_mod.load()
    for fact in INSTITUTION_FACTS:
        frame[fact] = cb.categorical(fact, frame[fact])
    return frame
