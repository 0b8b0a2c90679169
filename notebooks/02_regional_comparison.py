# ---
# jupyter:
#   jupytext:
#     notebook_metadata_filter: -jupytext.text_representation.jupytext_version
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#   kernelspec:
#     display_name: Python (microcred)
#     language: python
#     name: microcred
# ---

# %% [markdown]
# # 2. Regional comparison
#
# Every estimate here carries its n and a confidence interval that respects the design: leaders are
# clustered in institutions, so variances count institutions (Taylor linearisation, institutions as
# clusters, one survey design for every estimate) and each group is a subpopulation of it, with the
# degrees of freedom of its own institutions. Shares carry Korn and Graubard's interval, as R's
# `svyciprop(method = "beta")`. A region is compared with **the rest of the sample**, never with a
# "global" figure that contains it: the press comparison of North America's 59% with a global 53%
# understates the gap, because the global share includes North America itself. Tests across a
# family of comparisons, declared in the codebook, are corrected for multiplicity over every
# comparison planned (Holm for the headline family, Benjamini–Hochberg for exploratory grids).
#
# Intervals describe sampling precision only. The sample is an opt-in sample of leaders close to
# one provider; no interval covers that selection.

# %% tags=["parameters"]
confidence_level = 0.95
min_group_size = 30
min_institutions = 5
disclosure_control = "on"
protection_width = 3
focus_region = "North America"
population_frame = ""  # CSV of population counts to rake to; empty: unweighted

# %%
import pandas as pd

from microcred.release import gate, tables, writer
from microcred.release.policy import NOT_SHOWN
from microcred.report import claims, context, plots, published, transparency
from microcred.statistics import composition, ranking
from microcred.statistics.compare import family
from microcred.statistics.design import SurveyDesign
from microcred.survey import codebook, dataset

# the data, the regions cleaning fixed, the disclosure policy, the figures' captions and every
# estimate released (the same cells hidden as in the barriers notebook)
analysis = context.load(confidence_level, min_group_size, min_institutions, disclosure_control,
                        protection_width)
cb, leaders, source, regions = analysis.cb, analysis.leaders, analysis.source, analysis.regions
policy, figures, released, design = analysis.policy, analysis.figures, analysis.released, analysis.design
level_pct = analysis.level_pct
cb_employers, employers = codebook.load("employers"), dataset.read_clean("employers")
employers_design = SurveyDesign.of(employers, confidence_level)  # each employer a unit of its own
print(f"{len(leaders):,} leaders in {leaders['iso3'].nunique()} countries; {len(employers):,} employers")
if source["employers"].get("left_out"):
    print(source["employers"]["left_out"])  # no employer section: its tables show nothing
few = context.check_focus(policy, leaders, "focus_region", focus_region, "region")
if few:
    print(few)  # the one message: every section below runs and says what it cannot show

# %% [markdown]
# ## 2.1 Every metric, for every group
#
# `tables/estimates.csv` holds one row per metric and group: the whole sample, each region, each
# country with at least `min_group_size` respondents, and (where the base allows) each answer on
# whether the institution offers micro-credentials. Groups below `min_group_size` respondents or
# `min_institutions` institutions keep their n and show no values. After the ten usual columns come
# the design effect `deff` (the variance with institutions as clusters over the simple-random-sampling
# variance p(1-p)/(n-1)), the effective sample size `n_eff` the interval uses (p(1-p) / variance,
# adjusted to the group's degrees of freedom; it may exceed n where leaders of one institution
# disagree more than chance), the simple-random-sampling (Clopper-Pearson) interval for comparison,
# and the degrees of freedom `df` (the group's institutions - 1). The whole-sample rows:

# %%
estimates = tables.estimates_table(released)
writer.write_table(estimates, "estimates", "Every metric by group: n, count, percent and interval")
headline = estimates[estimates["group_type"].eq("all")].set_index("metric")
headline[["n", "count", "pct", "ci_low", "ci_high", "deff", "n_eff", "srs_ci_low", "srs_ci_high", "df"]].round(2)

# %% [markdown]
# ## 2.2 Adoption by region

# %%
adoption = ["offers_mc", "offers_credit", "plan_credit_5y", "adopt_5y"]
rows = tables.shown_rows(estimates, adoption, ["all", "region"]).copy()
rows["label"] = rows["metric"].map(lambda m: cb.metric(m).label)
rows["group"] = rows["group"].replace({"All": "All leaders"})
table = rows.pivot_table(index="group", columns="metric", values="pct", sort=False).reindex(columns=adoption)
fig, ax = plots.new_figure(height=5.2)
plots.interval_plot(ax, rows, "group", hue="label")
ax.set_xlabel(f"Share of leaders in the base (%), with {level_pct} intervals (Korn-Graubard)")
shown_regions = tables.shown_regions(released, cb.metric("offers_mc"), regions)
# a ranking of regions only where every region is shown (a hidden one could be the extreme), and
# worded by its probability (statistics.ranking): within sampling noise it is only described
offering = (ranking.groups(design, cb.metric("offers_mc"), "region", regions)
            if len(shown_regions) == len(regions) > 1 else None)
figures.save(fig, "adoption_by_region",
    "Leaders whose institution offers micro-credentials, by region: highest "
    f"{claims.extreme(offering, 'highest', confidence_level)}; lowest "
    f"{claims.extreme(offering, 'lowest', confidence_level)}"
    if offering else policy.cannot_show("Offering micro-credentials by region"),
    "Shares of leaders (each leader counted once; institution facts as each leader reported them). "
    "Offer micro-credentials and plan for-credit ones: all who answered; award credit: leaders at "
    "offering institutions; likely to adopt: leaders at non-offering institutions. Probabilities of "
    "being highest or lowest: design-based, institutions as clusters. n by region: "
    + ", ".join(f"{g} {n:,}" for g, n in leaders["region"].value_counts().items()) + ".")

# %%
table.round(1)


# %% [markdown]
# ## 2.3 The benefit battery, in full
#
# Diverging bars show the whole five-point scale, not only the top two boxes: disagreement to the
# left of zero, agreement to the right, the neutral middle split across zero. Items are ordered by
# overall agreement; each bar carries its n. The benefit items were asked of leaders whose
# institution offers micro-credentials; the career-outcomes item of everyone.

# %%
def agree(metric):
    pct = headline.at[metric.id, "pct"]
    return NOT_SHOWN if pd.isna(pct) else f"{pct:.0f}% agree"


items = [cb.metric(m) for m in tables.distributions(cb)]
items = sorted(items, key=lambda m: -headline.at[m.id, "pct"])
scale = cb.scales["agreement"]
# each group's five-point answers where the gate shows them: the figure draws this table only
answers = tables.answer_distributions(leaders, items, scale, released, regions)
writer.write_table(answers, "benefit_answers", "Five-point answers, overall and by region")
fig, axes = plots.new_figure(height=10, width=12, nrows=4, ncols=2, sharex=True, sharey=True)
for ax, metric in zip(axes.flat, items):
    counts = answers[answers["metric"].eq(metric.id)].pivot_table(
        index="group", columns="answer", values="count", sort=False).reindex(
        index=["All", *regions], columns=scale).fillna(0)
    plots.diverging_likert(ax, counts, scale)
    ax.set_title(f"{metric.label}: {agree(metric)}", loc="left")
    ax.get_legend().remove()
    ax.set_xlabel("")
axes.flat[-1].axis("off")
axes.flat[-2].legend(*axes.flat[0].get_legend_handles_labels(), ncol=3, fontsize=8, frameon=False,
                     loc="upper center", bbox_to_anchor=(0.5, -0.25))
axes.flat[-2].set_xlabel("Share of leaders (%): disagree left of zero, agree right")
agreement = (ranking.metrics(design, items)
             if headline.loc[[m.id for m in items], "pct"].notna().all() else None)
item_names = {m.id: m.label.lower() for m in items}
figures.save(fig, "benefits_likert",
    f"Leaders agreeing, highest on {claims.extreme(agreement, 'highest', confidence_level, item_names)}; "
    f"lowest on {claims.extreme(agreement, 'lowest', confidence_level, item_names)}"
    if agreement else policy.cannot_show("Agreement with the benefits of micro-credentials"),
    f"Five-point answers of leaders by region, percent of those who answered (n={len(leaders):,} "
    "leaders; n of each group on its bar); the benefit items were asked of leaders at offering "
    "institutions, career outcomes of all; bars left of zero disagree, right agree; groups under "
    f"{min_group_size}, and groups whose answers would narrow a hidden count, not shown "
    "(tables/benefit_answers.csv). Probabilities of being highest or lowest: design-based, "
    "institutions as clusters.")

# %% [markdown]
# ## 2.4 The focus region against the rest
#
# The headline family (declared in the codebook): each headline metric, the focus region's leaders
# against every other leader, with the difference in percentage points, a design-based t-test and
# its interval from the same linearised standard error (the two groups subpopulations of one design,
# institutions as clusters, on Satterthwaite's degrees of freedom from their own institutions), so
# the test and the interval never disagree; Cohen's h; and p-values adjusted by Holm's method across
# every comparison the family plans, shown or hidden.

# %%
headline_metrics = [cb.metric(m) for m in cb.headline_metrics]
focus = tables.compare_family(design, family(cb, "focus_region_vs_rest"), [focus_region], released,
                              policy)
writer.write_table(focus, "focus_region_vs_rest", f"{focus_region} against the rest of the sample")
focus[["label", "n_group", "pct_group", "n_rest", "pct_rest", "diff_pp", "diff_low", "diff_high",
       "p_adjusted", "cohens_h"]].round(3)

# %%
fig, ax = plots.new_figure(height=5)
shown = focus.dropna(subset=["diff_pp", "p_adjusted"])
alpha = 1 - confidence_level
plots.forest(ax, shown, alpha=alpha)
ax.set_xlabel(f"{focus_region} minus the rest (percentage points), Holm-adjusted intervals")
n_sig = int((shown["p_adjusted"] < alpha).sum())
hidden = f" ({len(focus) - len(shown)} {NOT_SHOWN})" if len(shown) < len(focus) else ""
figures.save(fig, "focus_region_forest",
    f"Leaders in {focus_region} differ from other leaders on {n_sig} of {len(shown)} headline measures "
    f"(Holm-adjusted p < {alpha:g}){hidden}",
    f"Differences between the shares of leaders in {focus_region} "
    f"(n={int(leaders['region'].eq(focus_region).sum()):,}) and of all other leaders "
    f"(n={int(leaders['region'].ne(focus_region).sum()):,}). Each interval is drawn at the level its "
    f"Holm-adjusted p-value implies (1 - {alpha:g} x p / p adjusted): a point is filled exactly when "
    "its interval excludes 0; the unadjusted intervals are in tables/focus_region_vs_rest.csv.")

# %% [markdown]
# ## 2.5 The largest countries
#
# Countries with at least `min_group_size` respondents, each against the rest of the sample on the
# headline metrics. This grid is exploratory, so p-values are adjusted by Benjamini–Hochberg across
# every comparison it plans. Cells are differences in percentage points; a star marks an adjusted p
# below 0.05.

# %%
large = tables.planned_countries(leaders, policy)
grid = tables.compare_family(design, family(cb, "countries_vs_rest"), large, released, policy)
writer.write_table(grid, "countries_vs_rest", "Largest countries against the rest of the sample")
diff = grid.pivot(index="group", columns="label", values="diff_pp").astype(float)
stars = grid.pivot(index="group", columns="label", values="p_adjusted").astype(float).lt(0.05)
annot = diff.round(0).astype("Int64").astype(str).replace("<NA>", "") + stars.replace({True: "*", False: ""})
fig, ax = plots.new_figure(height=5, width=10)
plots.heatmap(ax, diff, cmap="PuOr", center=0, cbar_label="difference (pp)", annot=annot,
              hatch_hidden=True)
ax.set_xlabel("")
ax.set_ylabel("")
n_by = leaders["country"].value_counts()
figures.save(fig, "countries_vs_rest",
    f"Leaders in the {len(large)} largest countries against all other leaders on the headline measures"
    if large else f"No country has {min_group_size} respondents (leaders): no country is compared with the rest",
    "Percentage-point difference of each country's leaders from all other leaders; * Benjamini-Hochberg "
    "adjusted p < 0.05 over every comparison of the grid. Leaders per country, n: "
    + ", ".join(f"{c} {n_by[c]:,}" for c in large) + ".")

# %% [markdown]
# ## 2.6 Employers: the United States against the rest
#
# The companion employer survey's two items; the press said U.S. employers were within two points
# of the global averages. First they are compared with the other employers, not with a total that
# contains them. Then the claim itself is tested as a claim of similarity must be: two one-sided
# tests at ±2 points on the difference between U.S. employers and the global average (the overlap of
# the two counted), supported only if the 90% interval lies inside ±2 points. Point estimates within
# 2 points are "reproduced as published"; that alone does not support the claim.

# %%
released_employers = tables.release_groups(employers_design, cb_employers.metrics, "country",
                                           ["United States"], policy)
us_employers = tables.compare_family(employers_design, family(cb_employers, "employers_us_vs_rest"),
                                     ["United States"], released_employers, policy)
writer.write_table(us_employers, "employers_us_vs_rest", "U.S. employers against the other employers")
us_employers[["label", "n_group", "pct_group", "n_rest", "pct_rest", "diff_pp", "diff_low",
              "diff_high", "p_adjusted"]].round(2)

# %%
in_scope = published.in_scope(published.load())
equivalence = gate.comparisons(
    published.equivalence_tests(in_scope, design, employers_design, cb, cb_employers),
    released_employers, "country")
writer.write_table(equivalence, "equivalence_tests",
                    "Claims of similarity: two one-sided tests at the claimed margin")
equivalence[["label", "pct_group", "pct_all", "diff_pp", "ci90_low", "ci90_high", "margin_pp",
             "p_tost", "equivalent"]].round(3)

# %% [markdown]
# ## 2.7 How much the sample's make-up shapes the headline numbers
#
# Three checks. First, institution facts counted once per institution (majority of its leaders, ties to
# the most senior) beside the respondent-level shares the report quotes. Second, a region-balanced
# global share, each region weighted equally (post-stratification to a frame of equal regions), beside
# the raw share, which the United States and India dominate: both with intervals, the difference with
# its own, and Kish's weighting design effect of equal regions. Third, "Not sure": it sits in the base
# of the yes/no/not-sure items as the published figures read them; the shares are shown with it in
# and out of the base.

# %%
institutions = dataset.read_institutions()
facts = [cb.metric("offers_mc"), cb.metric("offers_credit")]
institutions_design = SurveyDesign.of(institutions, confidence_level)  # each institution once
levels = pd.concat([tables.shares(design, facts, policy=policy).assign(level="leaders"),
                    tables.shares(institutions_design, facts, policy=policy).assign(level="institutions")])
writer.write_table(levels, "institution_vs_respondent", "Institution facts at two levels")
balanced = pd.DataFrame([tables.region_balanced_shown(design, released, m, regions)
                         for m in headline_metrics])
balanced["label"] = [m.label for m in headline_metrics]
balanced["difference"] = balanced["region_balanced_pct"] - balanced["raw_pct"]
writer.write_table(balanced, "region_balanced", "Raw and region-balanced global shares")
levels[["level", "metric", "n", "pct", "ci_low", "ci_high"]].round(1)

# %%
fig, ax = plots.new_figure(height=5)
plots.dumbbell(ax, balanced, "label", "raw_pct", "region_balanced_pct",
               ("raw (as sampled)", "each region weighted equally"))
ax.set_xlabel("Share (%)")
biggest = composition.biggest_gap(balanced)
averaged = int(balanced["regions"].min()) if len(balanced) else 0
left_out = "" if averaged == len(regions) else \
    f" (regions under the disclosure threshold are left out, not averaged: {averaged} of {len(regions)} regions)"
figures.save(fig, "region_balanced",
    f"Weighting regions equally moves headline shares of leaders by up to {abs(biggest['difference']):.1f} points"
    if biggest is not None else policy.cannot_show("Region-balanced shares"),
    f"Raw shares of leaders weight regions by their number of leaders; balanced shares give each of the "
    f"{averaged} regions equal weight{left_out}. n={len(leaders):,} leaders.")

# %%
not_sure = pd.concat([tables.not_sure_sensitivity(survey, book.metrics, policy)
                      for survey, book in [(design, cb), (employers_design, cb_employers)]
                      if len(survey)],
                     ignore_index=True)
writer.write_table(not_sure, "not_sure_sensitivity",
                    '"Not sure" per item, and the shares with it in and out of the base')
not_sure[["label", "n_answered", "not_sure_pct", "pct_not_sure_in", "pct_not_sure_out", "difference"]].round(1)

# %% [markdown]
# ### Weights
#
# Without a population frame (the `population_frame` parameter, empty by default) every number here
# is unweighted, and the diagnostics say so. With one (a CSV of counts by, for example, region and
# institution type; `data/external/population_frame_example.csv` is an illustrative example, not real
# statistics), respondents are raked to its margins and the headline shares are shown weighted beside
# unweighted, with the weighting design effect, the effective n and the range of the weights. No
# weight corrects self-selection into an opt-in sample. A metric is shown weighted only when every
# weighting class of its base (the respondents sharing one weight) passes the disclosure thresholds:
# the weights and the released counts would otherwise give a hidden group's count back. Item
# non-response per question closes the section.

# %%
weighting_diagnostics, weighted = tables.weighted_estimates(design, population_frame, headline_metrics,
                                                            policy)
writer.write_table(weighting_diagnostics, "weighting_diagnostics", "Weighting: how, and what it costs")
writer.write_table(weighted, "weighted_estimates",  # no rows when unweighted
                    "Headline shares raked to the population frame")
writer.write_table(transparency.item_nonresponse(leaders, cb), "item_nonresponse",
                    "Item non-response: asked, answered, missing")
weighting_diagnostics.round(2) if not population_frame else weighted.round(1)

# %% [markdown]
# ## 2.8 Published against reproduced
#
# Each published figure in scope (one the instrument defines a base for), the pipeline's own
# estimate with its interval, the difference, and whether it lies within rounding (±0.5 points).
# On the synthetic reconstruction, which is calibrated to these very figures, agreement checks the
# pipeline (reading, cleaning, bases, estimators), not the survey: it is not a finding. A claim of
# similarity ("within X points") also gets `supported_by_test`, the verdict of the equivalence test
# above, beside `within_rounding`; so does a ranking ("Europe least likely to offer"), by the
# probability that the region named is the lowest: a ranking within sampling noise is not supported.
# Where sources disagree on a base, the primary reading is reproduced and the other is listed as an
# `alternative` row for comparison. Counts and qualitative claims are checked too.

# %%
published_figures = published.load()
comparison = published.compare(published_figures, design, employers_design, cb, cb_employers, regions,
                               released, released_employers, policy)
writer.write_table(comparison, "published_vs_reproduced", "Published figures against the pipeline")
primary = comparison[comparison["role"].isin(["primary", "qualitative"])]
print(f"primary figures and claims within rounding: {int(primary['within_rounding'].eq(True).sum())} of {len(primary)}")
print(transparency.reproduction_note(comparison, source["synthetic"]))
comparison[["figure_id", "metric", "group", "role", "published", "reproduced", "n", "within_rounding",
            "claim", "supported_by_test"]].round(2)

# %%
percent = comparison[comparison["unit"].eq("percent") & comparison["reproduced"].notna()].copy()
for column in ("published", "reproduced", "ci_low", "ci_high"):
    percent[column] = percent[column].astype(float)
fig, ax = plots.new_figure(height=5.5, width=6.5)
plots.published_scatter(ax, percent)
n_ok = int(percent.loc[percent["role"].eq("primary"), "within_rounding"].eq(True).sum())
figures.save(fig, "published_vs_reproduced",
    f"{n_ok} of {int(percent['role'].eq('primary').sum())} published percentages of leaders and employers "
    "reproduced within rounding",
    f"Each point a published figure against the pipeline's estimate (leaders, or employers), with its {level_pct} interval "
    f"(n={len(leaders):,} leaders, {len(employers):,} employers); alternative readings included.")
