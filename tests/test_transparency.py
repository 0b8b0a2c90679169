"""Claims tested as claims (equivalence beside reproduction), the transparency statement and the
wording of the reproduction of published figures."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from microcred.report import published, transparency
from microcred.statistics import weighting
from microcred.statistics.design import SurveyDesign
from microcred.survey import codebook

CLAIM = pd.DataFrame([{"figure_id": "X-1", "survey": "employers_2023",
                       "metric": "employer_us_within_2pp", "group_type": "country",
                       "group": "United States", "value": "", "unit": "ranking",
                       "role": "qualitative", "trust_tier": "B", "label": "within 2 points"}])


def employers(n_us: int, n_other: int, us_share: float, other_share: float) -> pd.DataFrame:
    def answers(n, share, yes, no):
        agree = int(round(n * share))
        return [yes] * agree + [no] * (n - agree)

    cb = codebook.load("employers")
    agree = (answers(n_us, us_share, "Strongly agree", "Strongly disagree")
             + answers(n_other, other_share, "Strongly agree", "Strongly disagree"))
    hire = answers(n_us, us_share, "Yes", "No") + answers(n_other, other_share, "Yes", "No")
    return pd.DataFrame({"country": ["United States"] * n_us + ["Other"] * n_other,
                         "distinguishes": cb.categorical("distinguishes", agree),
                         "hire_degree_plus_mc": cb.categorical("hire_degree_plus_mc", hire)})


def test_a_within_claim_on_point_estimates_is_not_an_equivalence(cb):
    cbe = codebook.load("employers")
    small = employers(200, 1400, 0.88, 0.88)
    tests = published.equivalence_tests(CLAIM, None, SurveyDesign.of(small), cb, cbe)
    assert len(tests) == 2 and tests["diff_pp"].abs().max() < 0.5
    assert not tests["equivalent"].any()  # 200 employers cannot show +-2 points
    large = employers(20000, 140000, 0.88, 0.88)
    assert published.equivalence_tests(CLAIM, None, SurveyDesign.of(large), cb,
                                       cbe)["equivalent"].all()


def test_the_reproduction_is_called_a_check_of_the_pipeline_never_a_finding():
    comparison = pd.DataFrame({"role": ["primary", "primary", "alternative"],
                               "within_rounding": [True, False, True]})
    synthetic = transparency.reproduction_note(comparison, synthetic=True)
    assert synthetic.startswith("1 of 2 published figures")
    assert "checks the pipeline" in synthetic and "not a finding" in synthetic
    real = transparency.reproduction_note(comparison, synthetic=False)
    assert "finding" not in real.replace("not that they hold", "")


def test_transparency_statement_carries_every_element_and_marks_assumed_dates(cb):
    frame = pd.DataFrame({"offers_mc": cb.categorical("offers_mc", ["Yes", "No", None, "Yes"])})
    for q in cb.questions:
        if q["kind"] == "choice" and q["id"] not in frame:
            frame[q["id"]] = "x"
        elif q["kind"] == "multi":
            frame[f"{q['id']}_answered"] = True
    nonresponse = transparency.item_nonresponse(frame, cb)
    row = nonresponse.set_index("question").loc["offers_mc"]
    assert (row["asked"], row["answered"], row["missing"]) == (4, 3, 1)
    assert nonresponse.set_index("question").loc["offers_credit", "asked"] == 2  # routed
    dispositions = pd.DataFrame({"survey": ["leaders"], "rule": ["speeders"], "removed": [3]})
    provenance = {"synthetic": True, "valid_leaders": 4, "valid_employers": 0,
                  "leaders": {"records": 7}}
    table = transparency.statement(transparency.load_metadata(), provenance, dispositions,
                                   weighting.diagnostics(None), nonresponse, 0.95)
    text = dict(zip(table["element"], table["disclosure"]))
    for element in ("Sponsor", "Fielded by", "Population", "Recruitment and sample", "Mode",
                    "Field dates", "Sample sizes", "Dispositions", "Weighting", "Precision",
                    "What precision does not cover", "Item non-response"):
        assert text[element]
    assert "ASSUMED" in text["Field dates"] and "unweighted" in text["Weighting"]
    assert "Self-selection" in text["What precision does not cover"]
    assert "speeders 3" in text["Dispositions"]
    assert np.isfinite(nonresponse["missing_pct"]).all()


def test_comparison_table_has_reproduction_and_equivalence_as_separate_columns():
    assert {"within_rounding", "supported_by_test"} <= set(published.COLUMNS)
    assert published.COLUMNS.index("supported_by_test") > published.COLUMNS.index("claim")
    assert pytest.approx(2.0) == float(published.WITHIN.search("employer_us_within_2pp").group(1))


def test_design_effect_note_says_the_synthetic_ones_are_assumed():
    estimates = pd.DataFrame({"deff": [0.9, 1.2, np.nan, 5.0],
                              "suppressed": [False, False, False, True]})
    synthetic = transparency.design_effect_note(estimates, synthetic=True)
    assert "from 0.90 to 1.20" in synthetic and "ASSUMED" in synthetic
    assert "ASSUMED" not in transparency.design_effect_note(estimates, synthetic=False)
