"""Optional weights: raking the respondents to the margins of a population frame the user supplies
(a CSV of counts, one column per classification, e.g. `region` and `inst_type`, and `count`), with
`svy`'s raking (with one classification, raking is post-stratification). Without a frame the
analysis is unweighted and says so.

Weights adjust the sample's make-up, not its self-selection: an opt-in sample raked to a frame of
institutions is still opt-in. Raking matches each margin of the frame separately (e.g. region, and
institution type), never their cross-classification. Weighted shares treat the weights as fixed
in their variance (no credit for the calibration), with institutions as clusters."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import cast

import numpy as np
import pandas as pd

from microcred.statistics.design import SurveyDesign, kish_deff
from microcred.statistics.estimate import shares
from microcred.survey.codebook import Metric

UNWEIGHTED = "unweighted"

WEIGHTED_COLUMNS = ["metric", "label", "n", "unweighted_pct", "weighted_pct", "ci_low", "ci_high",
                    "deff", "n_eff", "difference"]


# added where there are weighted shares (the unweighted run's empty table keeps its header)
GATE_COLUMNS = ["suppressed", "note"]

DIAGNOSTIC_COLUMNS = ["weighting", "frame", "margins", "n", "kish_deff", "n_eff", "weight_min",
                      "weight_max", "weight_ratio"]


def read_frame(path: str | Path) -> pd.DataFrame:
    """A population frame: classification columns and a non-negative `count` per cell."""
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, comment="#")
    if "count" not in frame or len(frame.columns) < 2:
        raise ValueError(f"{path}: a population frame needs a 'count' column and at least one "
                         f"classification column; it has {list(frame.columns)}")
    counts = pd.to_numeric(frame["count"], errors="coerce")
    bad = frame.index[counts.isna() | (counts < 0)]
    if len(bad):
        raise ValueError(f"{path}, row {bad[0] + 2}, column count: not a non-negative number "
                         f"({frame.at[bad[0], 'count']!r})")
    return frame.assign(count=counts.astype(float))


def margins(frame: pd.DataFrame) -> dict[str, dict[str, float]]:
    """The frame's total count at each level of each classification."""
    variables = [c for c in frame.columns if c != "count"]
    return {v: frame.groupby(v, sort=True)["count"].sum().to_dict() for v in variables}


def rake(sample: pd.DataFrame, targets: dict[str, dict[str, float]], tol: float = 1e-10,
         max_iter: int = 1000) -> np.ndarray:
    """Weights, one per row of `sample` in its order and averaging 1, whose distribution over
    every margin of `targets` matches the frame's (iterative proportional fitting by `svy`).
    Levels of the frame with no respondent are dropped from their margin (no one can carry
    them); a respondent whose level is missing from the frame, or who has no value, stops the
    weighting with the variable named."""
    import polars as pl
    import svy

    data = {"_row": np.arange(len(sample)), "_w": np.ones(len(sample))}
    controls: dict[str, dict] = {}
    for variable, levels in targets.items():
        if variable not in sample:
            raise ValueError(f"population frame: column {variable!r} is not in the clean data")
        values = sample[variable].astype(object)
        if values.isna().any():
            raise ValueError(f"population frame: {int(values.isna().sum())} respondents have no "
                             f"{variable!r}; they cannot be weighted to the frame")
        unknown = sorted(set(values) - set(levels))
        if unknown:
            raise ValueError(f"population frame: {variable!r} has no count for {unknown}")
        present = {k: v for k, v in levels.items() if k in set(values)}
        total = sum(present.values())
        # as shares of the sample size: margins then agree even where levels had to be dropped,
        # and the weights average 1
        controls[variable] = {k: v / total * len(sample) for k, v in present.items()}
        data[variable] = values.astype(str).to_numpy()
    sample_svy = svy.Sample(pl.DataFrame(data), svy.Design(wgt="_w"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        raked = sample_svy.weighting.rake(controls=controls, wgt_name="_raked", tol=tol,
                                          max_iter=max_iter)
    weighted = cast(pl.DataFrame, raked.data)  # svy keeps the eager frame it was given
    return weighted.sort("_row")["_raked"].to_numpy()


def diagnostics(weights: np.ndarray | None, frame_path: str = "",
                variables: list[str] | None = None) -> pd.DataFrame:
    """One row: how the analysis is weighted, Kish's weighting design effect, the effective n
    and the range of the weights; "unweighted" without a frame."""
    if weights is None:
        return pd.DataFrame([{"weighting": UNWEIGHTED, "frame": "", "margins": "", "n": np.nan,
                              "kish_deff": 1.0, "n_eff": np.nan, "weight_min": np.nan,
                              "weight_max": np.nan, "weight_ratio": np.nan}],
                            columns=DIAGNOSTIC_COLUMNS)
    w = np.asarray(weights, dtype=float)
    deff = kish_deff(w)
    return pd.DataFrame([{"weighting": "raked to the frame's margins", "frame": str(frame_path),
                          "margins": ", ".join(variables or []), "n": len(w), "kish_deff": deff,
                          "n_eff": len(w) / deff, "weight_min": w.min() / w.mean(),
                          "weight_max": w.max() / w.mean(), "weight_ratio": w.max() / w.min()}],
                        columns=DIAGNOSTIC_COLUMNS)


def weighted_shares(design: SurveyDesign, metrics: list[Metric],
                    weights: np.ndarray) -> pd.DataFrame:
    """Each metric's unweighted and weighted share of the whole sample, through the one share
    estimator (`estimate.shares`) of the design without and with the weights: the weighted one
    with its Korn-Graubard interval (clustering and weighting together, institutions as
    clusters, weights fixed). `suppressed` and `note` are filled by the gate
    (`release.tables.weighted_estimates`)."""
    raw = shares(design.weighted(None), metrics)
    weighted = shares(design.weighted(weights), metrics)
    return pd.DataFrame({
        "metric": weighted["metric"], "label": [m.label for m in metrics], "n": weighted["n"],
        "unweighted_pct": raw["pct"], "weighted_pct": weighted["pct"],
        "ci_low": weighted["ci_low"], "ci_high": weighted["ci_high"], "deff": weighted["deff"],
        "n_eff": weighted["n_eff"], "difference": weighted["pct"] - raw["pct"],
        "suppressed": False, "note": ""}, columns=WEIGHTED_COLUMNS + GATE_COLUMNS)
