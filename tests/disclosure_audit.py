"""What the disclosure audit (tests/test_disclosure_audit.py) attacks, made without running the
notebooks: every table of a run that the attack reads, built with the package calls the notebooks
make (tests check once that these are the committed tables, byte for byte); the held-out-style
exports it is run on, made by the project's generator with seeds the project never uses; and the
clean leaders of an export, as the cleaning notebook makes them, with each respondent's region
under every scheme (the truth the attack checks itself against)."""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from microcred.core import paths
from microcred.release import selections, tables
from microcred.release.gate import drop_internal
from microcred.release.policy import Policy
from microcred.report import context, published, transparency
from microcred.statistics import multiselect
from microcred.statistics.compare import family
from microcred.statistics.design import SurveyDesign
from microcred.survey import (
    analysis_data,
    codebook,
    countries,
    region_schemes,
    synthetic_design,
    validity,
)
from microcred.survey.reader import read_export
from microcred.synthetic import generator as synth

EXTERNAL = paths.ROOT / "data" / "external"  # the public files a reader has (the attack's)

# the tables the attack reads, as the notebooks write them
ATTACKED = ("estimates", "benefit_answers", "barriers_by_region", "barriers_by_situation",
            "non_offering", "focus_region_vs_rest", "countries_vs_rest", "barriers_focus_vs_rest",
            "barriers_named_per_respondent", "region_balanced", "published_vs_reproduced",
            "not_sure_sensitivity", "item_nonresponse", "institution_vs_respondent", "barrier_lift",
            "barrier_lift_intervals", "barrier_combinations")


def release(leaders: pd.DataFrame, employers: pd.DataFrame, policy: Policy, scheme: str = "m49",
            focus_region: str = "North America", focus_country: str = "United States",
            top: int = 10, institutions: pd.DataFrame | None = None) -> dict[str, pd.DataFrame]:
    """Every table of `ATTACKED` a run releases, as notebooks 02 and 03 make them."""
    cb, cbe = codebook.load("leaders"), codebook.load("employers")
    regions = [r for r in region_schemes.regions(scheme) if r in set(leaders["region"])]
    design, employers_design = SurveyDesign.of(leaders), SurveyDesign.of(employers)
    released = tables.release_table(design, cb, regions, policy, scheme, context.named_countries())
    estimates = tables.estimates_table(released)
    headline = [cb.metric(m) for m in cb.headline_metrics]
    barrier_metrics = cb.metrics_of("barriers")
    ids = [m.id for m in barrier_metrics]
    barrier_rows = released[released["metric"].isin(ids)]
    growth = [m.id for m in cb.metrics_of("growth_priorities")]
    large = tables.planned_countries(leaders, policy)
    released_employers = tables.release_groups(employers_design, cbe.metrics, "country",
                                               ["United States"], policy)
    focus = tables.compare_family(design, family(cb, "barriers_focus_vs_rest"), [focus_country],
                                  released, policy)
    named, _ = tables.named_per_respondent(design, leaders["country"].eq(focus_country),
                                           focus_country, focus)
    substantive = [i for i in ids if i != "barrier_none"]
    x = multiselect.selections(leaders, substantive, "barriers")
    answering = design.subset(leaders.index.isin(x.index))
    shown = selections.release_selections(x, answering.institutions, policy, top)
    labels = {m.id: m.label for m in barrier_metrics}
    overall = estimates[estimates["group_type"].eq("all")].set_index("metric")["pct"]
    items = sorted([cb.metric(m) for m in tables.distributions(cb)], key=lambda m: -overall[m.id])
    growth_rows = released[released["metric"].isin(growth) & released["group_type"].eq("all")]
    balanced = pd.DataFrame([tables.region_balanced_shown(design, released, m, regions)
                             for m in headline])
    balanced["label"] = [m.label for m in headline]
    balanced["difference"] = balanced["region_balanced_pct"] - balanced["raw_pct"]
    situation = pd.concat([barrier_rows[barrier_rows["group_type"].eq(column)
                                        & barrier_rows["group"].isin(set(leaders[column].dropna()))]
                           .assign(situation=title) for column, title in tables.SITUATIONS.items()])
    facts = [cb.metric("offers_mc"), cb.metric("offers_credit")]
    levels = [tables.shares(design, facts, policy=policy).assign(level="leaders")]
    if institutions is not None:
        levels.append(tables.shares(SurveyDesign.of(institutions), facts, policy=policy)
                      .assign(level="institutions"))
    out = {
        "estimates": estimates,
        "benefit_answers": tables.answer_distributions(leaders, items, cb.scales["agreement"],
                                                       released, regions),
        "barriers_by_region": barrier_rows[barrier_rows["group_type"].isin(["all", "region"])],
        "barriers_by_situation": situation,
        "non_offering": pd.concat([growth_rows.sort_values("pct", ascending=False),
                                   released[released["metric"].eq("adopt_5y")
                                            & released["group_type"].isin(["all", "region"])]]),
        "focus_region_vs_rest": tables.compare_family(design, family(cb, "focus_region_vs_rest"),
                                                      [focus_region], released, policy),
        "countries_vs_rest": tables.compare_family(design, family(cb, "countries_vs_rest"), large,
                                                   released, policy),
        "barriers_focus_vs_rest": focus,
        "barriers_named_per_respondent": named,
        "region_balanced": balanced,
        "published_vs_reproduced": published.compare(published.load(), design, employers_design,
                                                     cb, cbe, regions, released, released_employers,
                                                     policy),
        "not_sure_sensitivity": pd.concat(
            [tables.not_sure_sensitivity(survey, book.metrics, policy)
             for survey, book in [(design, cb), (employers_design, cbe)] if len(survey)],
            ignore_index=True),
        "item_nonresponse": transparency.item_nonresponse(leaders, cb),
        "institution_vs_respondent": pd.concat(levels),
        "barrier_lift": selections.shown_lift(x, shown).rename_axis("metric").reset_index(),
        "barrier_lift_intervals": selections.lift_intervals(x.rename(columns=labels), answering,
                                                            shown),
        "barrier_combinations": selections.combinations(x, labels, shown),
    }
    return {name: drop_internal(table) for name, table in out.items()}


# --------------------------------------------------------------------------- held-out exports

def clean(path: Path, scheme: str = "m49") -> pd.DataFrame:
    """An export's clean leaders, as 01_clean makes them (default cleaning parameters)."""
    export = read_export(path, "leaders")
    resolved = countries.resolve_spellings(export.data["country"])
    kept = validity.apply_rules(export.data, validity.leader_rules(resolved, 1 / 3, "24h")).kept
    return analysis_data.analysis_frame(kept, codebook.load("leaders"), resolved, scheme,
                                        "audit-key")


def truth(leaders: pd.DataFrame) -> pd.DataFrame:
    """The clean leaders with each respondent's region under every scheme (`region:<scheme>`),
    as the attack places a respondent of the truth."""
    return leaders.assign(**{f"region:{s}": region_schemes.attach_regions(leaders["iso3"],
                                                                          s)["region"]
                             for s in region_schemes.REGION_SCHEMES})


def write(path: Path, frame: pd.DataFrame) -> Path:
    """An export as a survey platform writes it (three header rows)."""
    path.write_bytes(synth.to_csv_bytes(frame, list(synth.header_rows(codebook.load()))))
    return path


def valid(frame: pd.DataFrame) -> pd.DataFrame:
    """The records of an export that cleaning keeps."""
    with tempfile.TemporaryDirectory() as folder:
        kept = clean(write(Path(folder) / "export.csv", frame))
    return frame[frame["ResponseId"].isin(set(kept["response_id"]))]


def varied_design(seed: int, size: int, sigma: float = 0.8) -> dict:
    """The default design with every country's size drawn anew around its own (lognormal), then
    scaled to `size` valid responses: mid-sized countries near the thresholds, as real exports
    have them (a plain rescale of the default design has no country between 15 and 45)."""
    design_ = synthetic_design.load()
    rng = np.random.default_rng(seed)
    for spec in design_["countries"].values():
        spec["n"] = max(1, round(spec["n"] * float(np.exp(rng.normal(0, sigma)))))
    return synth._scaled(design_, size)


def small_region_design(region: list[str], sizes: dict[str, int]) -> dict:
    """The default design with one region's countries (ISO3 codes `region`) cut to `sizes`."""
    design_ = synthetic_design.load()
    for iso in region:
        if iso in sizes:
            design_["countries"][iso]["n"] = sizes[iso]
        else:
            del design_["countries"][iso]
    return design_


MENA = ["SAU", "EGY", "ARE", "TUR", "JOR", "MAR", "LBN", "QAT", "IRN", "KWT", "OMN", "TUN", "IRQ",
        "BHR", "DZA"]
MENA_24 = {"SAU": 4, "EGY": 3, "ARE": 3, "TUR": 2, "JOR": 2, "MAR": 2, "LBN": 1, "QAT": 1, "IRN": 1,
           "KWT": 1, "OMN": 1, "TUN": 1, "IRQ": 1, "BHR": 1}  # 24 leaders; Algeria left out

# held-out-style exports: name -> how it is made (seeds the project's generator never uses)
EXPORTS = {
    "120 responses": lambda: valid(synth.leaders_export(seed=121)).sample(120, random_state=121),
    "300 responses": lambda: valid(synth.leaders_export()).sample(300, random_state=300),
    "1,500 responses": lambda: synth.leaders_export(seed=1503, design=varied_design(1503, 1500)),
    "Middle East and North Africa of 24":
        lambda: synth.leaders_export(seed=2424, design=small_region_design(MENA, MENA_24)),
}
