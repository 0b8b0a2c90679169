"""The kept records turned into typed, pseudonymous analysis data: answers as the codebook's
categories, multi-select questions as one boolean per option, institutions as pseudonyms, and
one row per institution with its facts resolved once. No personal column passes."""

from __future__ import annotations

from functools import partial

import numpy as np
import pandas as pd
import pyarrow as pa

from microcred.core.parallel import in_parallel
from microcred.survey import region_schemes
from microcred.survey.codebook import Codebook
from microcred.survey.layout import choices
from microcred.survey.pseudonyms import institution_id

ARROW_TEXT = pd.ArrowDtype(pa.string())  # a value per respondent: no million Python strings


def analysis_frame(kept: pd.DataFrame, cb: Codebook, resolved: pd.DataFrame, scheme: str,
                   key: str) -> pd.DataFrame:
    """Typed, pseudonymous respondent data: no personal column survives this function. The
    pseudonyms (one keyed hash per institution, in Python) are computed while the answers are
    typed (mostly array passes, which leave the interpreter free)."""
    out = pd.DataFrame({"response_id": kept["ResponseId"].astype(ARROW_TEXT)}, index=kept.index)
    pseudonyms, answers = in_parallel([partial(_pseudonyms, kept, resolved, key)
                                       if "institution" in kept else lambda: None,
                                       partial(_typed_answers, kept, cb, resolved, scheme)])
    if pseudonyms is not None:
        out["inst_id"] = pseudonyms
    return out.join(answers).reset_index(drop=True)


def _pseudonyms(kept: pd.DataFrame, resolved: pd.DataFrame, key: str) -> pd.Series:
    """Each respondent's institution pseudonym, keyed on the resolved country and the name: one
    name in two countries is two institutions (and two clusters), one country however spelt."""
    return institution_id(kept["institution"], iso3_codes(kept["country"], resolved), key)


def iso3_codes(spellings: pd.Series, resolved: pd.DataFrame) -> pd.Categorical:
    """Each respondent's ISO code as a categorical, from the distinct spellings (a few hundred,
    however many respondents): no string per respondent."""
    codes, distinct = pd.factorize(spellings)
    iso3 = pd.Index(distinct).map(resolved.set_index("spelling")["iso3"])
    categories, per_spelling = np.unique(iso3.astype(str), return_inverse=True)
    return pd.Categorical.from_codes(np.where(codes >= 0, per_spelling[codes], -1),
                                     categories=categories)


def _typed_answers(kept: pd.DataFrame, cb: Codebook, resolved: pd.DataFrame,
                   scheme: str) -> pd.DataFrame:
    """Country, region and every answer that is not personal, typed from the codebook."""
    iso3 = kept["country"].astype(object).map(resolved.set_index("spelling")["iso3"]).astype(object)
    out = pd.DataFrame({"iso3": iso3}, index=kept.index)
    out[["country", "region"]] = region_schemes.attach_regions(iso3, scheme)
    for q in cb.questions:
        if q.get("personal") or q["id"] == "country":
            continue
        if q["kind"] == "choice":
            out[q["id"]] = cb.categorical(q["id"], kept[q["id"]])
        elif q["kind"] == "multi":
            out = out.join(multi_select_columns(kept[q["id"]], cb, q["id"]))
    return out


def multi_select_columns(answers: pd.Series, cb: Codebook, question: str) -> pd.DataFrame:
    """One nullable boolean per option (NA where the question was not answered), the answered
    flag, and the number of options chosen. Parses and counts each distinct answer once."""
    codes, distinct = pd.factorize(answers)  # code -1: not answered
    chosen = [set(choices(str(d))) for d in distinct]
    answered = codes >= 0
    cols = {f"{question}_answered": pd.Series(answered, index=answers.index)}
    metrics = cb.metrics_of(question)
    exclusive = cb.question(question).get("exclusive")
    counted = np.zeros(len(distinct) + 1, dtype=np.int64)  # last: not answered
    for metric in metrics:
        flags = np.array([metric.label in c for c in chosen] + [False])
        cols[metric.id] = pd.array(flags[codes], dtype="boolean")
        cols[metric.id][~answered] = pd.NA
        counted += flags * (metric.label != exclusive)  # the substantive options chosen
    cols[f"{question}_count"] = pd.array(counted[codes], dtype="Int64")
    cols[f"{question}_count"][~answered] = pd.NA
    return pd.DataFrame(cols, index=answers.index)


INSTITUTION_FACTS = ("offers_mc", "offers_credit")  # facts about the institution, not opinions


def institution_facts(clean: pd.DataFrame, cb: Codebook, facts=INSTITUTION_FACTS):
    """One row per institution: each fact resolved once by majority of its leaders' answers,
    ties going to the most senior role answering; and whether its leaders disagreed.

    A fact the instrument asks only where another holds (credit, asked where micro-credentials
    are offered) exists only where the institution resolved that way: elsewhere it is missing
    (not applicable, outside any base), its leaders are not counted as disagreeing, and
    `<fact>_set_aside` counts the answers its leaders gave all the same."""
    rank = {label: i for i, label in enumerate(cb.labels("role"))}
    by_seniority = clean.assign(_rank=clean["role"].map(rank).astype(float)).sort_values(
        ["inst_id", "_rank", "response_id"], kind="stable")
    base = by_seniority.groupby("inst_id", sort=True).agg(
        iso3=("iso3", "first"), country=("country", "first"), region=("region", "first"),
        n_leaders=("response_id", "size")).astype({"n_leaders": "int64"})  # not Arrow's int
    for fact in facts:
        answered = by_seniority.dropna(subset=[fact])
        counts = answered.groupby(["inst_id", fact],
                                  observed=True).size().rename("votes").reset_index()
        first_rank = answered.groupby(["inst_id", fact], observed=True)["_rank"].min().to_numpy()
        counts["seniority"] = -first_rank
        winner = counts.sort_values(["inst_id", "votes", "seniority"],
                                    ascending=[True, False, False],
                                    kind="stable").drop_duplicates("inst_id").set_index("inst_id")
        asked = cb.question(fact)["asked"]
        applies = _routing_holds(base, asked)
        base[fact] = cb.categorical(fact, winner[fact].reindex(base.index).where(applies))
        answers = counts.groupby("inst_id").size().reindex(base.index)
        base[f"{fact}_disagree"] = answers.gt(1) & applies
        if isinstance(asked, dict):
            answers = answered.groupby("inst_id").size().reindex(base.index, fill_value=0)
            base[f"{fact}_set_aside"] = answers.where(~applies, 0)
    return base.reset_index()


def _routing_holds(institutions: pd.DataFrame, asked) -> pd.Series:
    """Where a question's routing condition ({fact: value}, or "all") holds for the institution."""
    holds = pd.Series(True, index=institutions.index)
    for column, value in (asked.items() if isinstance(asked, dict) else []):
        holds &= institutions[column].eq(value).fillna(False).astype(bool)
    return holds
