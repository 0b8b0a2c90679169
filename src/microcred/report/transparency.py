"""What a reader needs to judge the survey: a transparency statement after the AAPOR Transparency
Initiative's disclosure elements (sponsor, who fielded it, population and recruitment, mode, field
dates, sample sizes and dispositions, weighting, how precision was computed and what it does not
cover, item non-response), and honest wording for the reproduction of published figures.

The survey's facts are data (data/external/survey_metadata.yaml); the counts come from the run."""

from __future__ import annotations

import pandas as pd
import yaml

from microcred.core import paths
from microcred.survey import synthetic_design


def load_metadata(path=paths.SURVEY_METADATA) -> dict:
    """The survey's published facts (data/external/survey_metadata.yaml)."""
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def item_nonresponse(frame: pd.DataFrame, cb) -> pd.DataFrame:
    """Per closed question: respondents it was asked of (its routing), how many answered, and the
    share who did not."""
    rows = []
    for q in cb.questions:
        if q.get("personal") or q["kind"] not in ("choice", "multi"):
            continue
        asked = pd.Series(True, index=frame.index)
        for column, value in (q["asked"] if isinstance(q["asked"], dict) else {}).items():
            asked &= frame[column].astype(object).eq(value)
        if q["kind"] == "multi":
            answered = frame[f"{q['id']}_answered"].astype(bool)
        else:
            answered = frame[q["id"]].notna()
        n_asked, n_answered = int(asked.sum()), int((asked & answered).sum())
        rows.append({"question": q["id"], "asked": n_asked, "answered": n_answered,
                     "missing": n_asked - n_answered,
                     "missing_pct": 100 * (n_asked - n_answered) / n_asked if n_asked else None})
    return pd.DataFrame(rows, columns=["question", "asked", "answered", "missing", "missing_pct"])


def statement(metadata: dict, provenance: dict, dispositions: pd.DataFrame,
              weighting: pd.DataFrame, nonresponse: pd.DataFrame, level: float) -> pd.DataFrame:
    """The transparency statement, one row per disclosure element."""
    synthetic = provenance.get("synthetic", False)
    dates = metadata["field_dates"]["published"]
    if synthetic:
        fieldwork = synthetic_design.load().get("fieldwork", {})
        dates += (f" The synthetic data assumes fieldwork from {fieldwork.get('start', '?')} to "
                  f"{fieldwork.get('end', '?')} (ASSUMED, not a fact of the survey).")
    leaders = dispositions[dispositions["survey"].eq("leaders")]
    removed = "; ".join(f"{r.rule} {int(r.removed):,}" for r in leaders.itertuples())
    w = weighting.iloc[0]
    weights = ("None: every share is unweighted." if w["weighting"] == "unweighted" else
               f"Raked to the margins ({w['margins']}) of the population frame {w['frame']}; "
               f"Kish weighting design effect {w['kish_deff']:.2f}, effective n {w['n_eff']:,.0f}, "
               f"weights from {w['weight_min']:.2f} to {w['weight_max']:.2f} times their mean.")
    worst = nonresponse.sort_values("missing_pct", ascending=False).head(3)
    items = "; ".join(f"{r.question} {r.missing_pct:.1f}%" for r in worst.itertuples())
    elements = {
        "Data": ("SYNTHETIC reconstruction calibrated to the published figures, not the survey's "
                 "responses." if synthetic else "The export named in the provenance."),
        "Survey": metadata["survey"],
        "Sponsor": metadata["sponsor"],
        "Fielded by": metadata["fielded_by"],
        "Population": metadata["population"],
        "Recruitment and sample": metadata["recruitment"],
        "Mode": metadata["mode"],
        "Languages": metadata["languages"],
        "Field dates": dates,
        "Questionnaire": metadata["questionnaire"],
        "Sample sizes": (f"Published: {metadata['published_sample']}. This run: "
                         f"{provenance['valid_leaders']:,} valid leader responses of "
                         f"{provenance['leaders']['records']:,} records; "
                         f"{provenance['valid_employers']:,} employers."),
        "Dispositions": (f"Records removed by rule, in order: {removed}. No response rate: no "
                         "frame."),
        "Weighting": weights,
        "Precision": (f"{level:.0%} intervals. Leaders are clustered in institutions: one survey "
                      "design for every estimate, variances linearised with institutions as "
                      "clusters, each group a subpopulation with the degrees of freedom of its own "
                      "institutions. Share intervals are Korn and Graubard's (as R's svyciprop, "
                      "method beta); comparisons use one linearised standard error for the test "
                      "and the interval, on Satterthwaite's degrees of freedom; multiplicity is "
                      "adjusted over every planned comparison of a family. Equivalence claims use "
                      "two one-sided tests; rankings are claimed only with their probability."),
        "What precision does not cover": (
            "Self-selection into an opt-in sample, non-response, coverage and measurement error: "
            "no interval or weight corrects them."),
        "Item non-response": (f"Highest among those asked: {items}; every question in "
                              "tables/item_nonresponse.csv."),
        "Companion employer survey": metadata["companion_survey"],
    }
    return pd.DataFrame({"element": list(elements), "disclosure": list(elements.values())})


def design_effect_note(estimates: pd.DataFrame, synthetic: bool) -> str:
    """The range of the design effects shown, and where they come from on synthetic data."""
    deff = pd.to_numeric(estimates.loc[~estimates["suppressed"].astype(bool), "deff"],
                         errors="coerce").dropna()
    if deff.empty:
        return "No design effect could be computed (no estimate shown varies)."
    text = (f"Design effects of the {len(deff):,} shares shown (institutions as clusters) run from "
            f"{deff.min():.2f} to {deff.max():.2f} (median {deff.median():.2f}); each interval "
            "uses the effective sample size p(1-p)/variance on its group's degrees of freedom "
            "(Korn and Graubard), which exceeds n where the design effect is below 1.")
    if synthetic:
        rates = synthetic_design.load().get("institution_clustering") or {}
        described = ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in rates.items())
        text += (" On the synthetic data these come from ASSUMED rates at which leaders of one "
                 f"institution agree ({described or 'see the reconstruction design'}; "
                 "data/external/synthetic_design.yaml), not from the survey: real design effects "
                 "may be larger or smaller.")
    return text


def reproduction_note(comparison: pd.DataFrame, synthetic: bool) -> str:
    """How to read the published-against-reproduced table: on the synthetic reconstruction,
    agreement checks the pipeline, not the survey; a reproduced claim is never a finding."""
    primary = comparison[comparison["role"].isin(["primary", "qualitative"])]
    agree = int(primary["within_rounding"].fillna(False).astype(bool).sum())
    tested = primary["supported_by_test"].dropna() if "supported_by_test" in primary else []
    unsupported = int((~pd.Series(tested, dtype=object).astype(bool)).sum())
    counted = f"{agree} of {len(primary)} published figures and claims in scope"
    if unsupported:
        counted += (f" (in their point estimates; {unsupported} of the {len(tested)} rankings and "
                    "claims of similarity among them are not supported by their tests)")
    if synthetic:
        return (f"{counted} come out as published. The data is a synthetic reconstruction "
                "calibrated to these very figures, so this checks the pipeline (reading, "
                "cleaning, bases, estimators), not the survey: it is not a finding and lends the "
                "published figures no support.")
    return (f"{counted} come out as published on this export. Agreement shows that the "
            "published figures can be recomputed from it, not that they hold beyond the sample.")
