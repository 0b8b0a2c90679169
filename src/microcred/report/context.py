"""What the analysis notebooks (the regional comparison, the barriers) start from, made in one
place: the clean leaders and their survey design (built once: institutions as clusters, the
confidence level), the regions cleaning fixed (read from its provenance, never chosen again), the
disclosure policy, how figures are saved, and every estimate they release, protected together
(primary and secondary suppression, then the protection intervals), so both notebooks hide the
same cells."""

from __future__ import annotations

from typing import NamedTuple

import pandas as pd

from microcred.core.choices import check_choice
from microcred.release import tables
from microcred.release.policy import Policy
from microcred.report import plots, published
from microcred.statistics.design import SurveyDesign
from microcred.survey import codebook, dataset, region_schemes
from microcred.survey.provenance import read_provenance


class Context(NamedTuple):
    cb: codebook.Codebook
    leaders: pd.DataFrame
    source: dict  # cleaning's provenance
    regions: list[str]  # the scheme's regions the data has, in the scheme's order
    policy: Policy
    figures: plots.Figures
    level_pct: str  # the confidence level as the text shows it, e.g. "95%"
    released: pd.DataFrame
    design: SurveyDesign  # the leaders' survey design, every estimator's input


def load(confidence_level: float, min_group_size: int, min_institutions: int,
         disclosure_control: str, protection_width: int = Policy.protection_width) -> Context:
    """Everything the analysis notebooks start from, for these parameters."""
    cb = codebook.load("leaders")
    leaders = dataset.read_clean("leaders")
    source = read_provenance()
    regions = [r for r in region_schemes.regions(source["region_scheme"])
               if r in set(leaders["region"])]
    policy = Policy.from_params({"min_group_size": min_group_size,
                                 "min_institutions": min_institutions,
                                 "disclosure_control": disclosure_control,
                                 "protection_width": protection_width})
    design = SurveyDesign.of(leaders, confidence_level)
    released = tables.release_table(design, cb, regions, policy, source["region_scheme"],
                                    named_countries())
    return Context(cb, leaders, source, regions, policy, plots.setup(source["synthetic"]),
                   f"{confidence_level:.0%}", released, design)


def named_countries() -> list[str]:
    """The countries (and country|offer groups) the published figures name: the comparison names
    them whatever their size, so the released estimates list them and the disclosure rules
    protect their cells."""
    figures = published.load()
    rows = figures[figures["survey"].str.startswith("leaders")
                   & figures["group_type"].isin(["country", "country_offers_mc"])]
    return sorted(set(rows["group"]) | {group.split("|")[0] for group in rows["group"]})


def check_focus(policy: Policy, leaders: pd.DataFrame, name: str, value: str,
                column: str) -> str | None:
    """The one message for a survey too small to show any group (the notebook prints it and
    every section says what it cannot show), or None once the focus parameter is checked
    against the data: a survey that small has no focus to check."""
    few = policy.too_few(len(leaders))
    if few is None:
        check_choice(name, value, leaders[column])
    return few
