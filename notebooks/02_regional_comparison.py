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
# clusters) and each share's Wilson interval uses its effective sample size n / deff. A region is compared
# with **the rest of the sample**, never with a "global" figure that contains it: the press
# comparison of North America's 59% with a global 53% understates the gap, because the global
# share includes North America itself. Tests across a family of comparisons are corrected for
# multiplicity (Holm for the headline family, Benjamini–Hochberg for exploratory grids).
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
from microcred.report import context, plots, published, transparency
from microcred.statistics import composition
from microcred.survey import codebook, dataset

# the data, the regions cleaning fixed, the disclosure policy, the figures' captions and every
# estimate released (the same cells hidden as in the barriers notebook)
analysis = context.load(confidence_level, min_group_size, min_institutions, disclosure_control,
                        protection_width)
cb, leaders, source, regions = analysis.cb, analysis.leaders, analysis.source, analysis.regions
policy, figures, released = analysis.policy, analysis.figures, analysis.released
level_pct = analysis.level_pct
cb_employers, employers = codebook.load("employers"), dataset.read_clean("employers")
print(f"{len(leaders):,} leaders in {leaders['iso3'].nunique()} countries; {len(employers):,} employers")
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
# variance), the effective sample size `n_eff` = n / deff, and the simple-random-sampling interval for
# comparison; the reported interval is Wilson on n / deff (a deff below 1 is not credited). The
# whole-sample rows:

# %%
estimates = tables.estimates_table(released)
writer.write_table(estimates, "estimates", "Every metric by group: n, count, percent and interval")
headline = estimates[estimates["group_type"].eq("all")].set_index("metric")
headline[["n", "count", "pct", "ci_low", "ci_high", "deff", "n_eff", "srs_ci_low", "srs_ci_high"]].round(2)

# %% [markdown]
# ## 2.2 Adoption by region

# %%
adoption = ["offers_mc", "offers_credit", "plan_credit_5y", "adopt_5y"]
rows = estimates[estimates["metric"].isin(adoption) & estimates["group_type"].isin(["all", "region"])
                 & ~estimates["suppressed"]].copy()
rows["label"] = rows["metric"].map(lambda m: cb.metric(m).label)
rows["group"] = rows["group"].replace({"All": "All respondents"})
table = rows.pivot_table(index="group", columns="metric", values="pct", sort=False).reindex(columns=adoption)
fig, ax = plots.new_figure(height=5.2)
plots.interval_plot(ax, rows, "group", hue="label")
ax.set_xlabel(f"Share of respondents in the base (%), with {level_pct} intervals")
top = rows[rows["metric"].eq("offers_mc") & rows["group_type"].eq("region")].sort_values("pct")
among = "" if len(top) == len(regions) else f" among the {len(top)} regions shown"
figures.save(fig, "adoption_by_region",
    f"{top['group'].iat[-1]} leads on offering micro-credentials{among}; {top['group'].iat[0]} trails"
    if len(top) > 1 else policy.cannot_show("Offering micro-credentials by region"),
    "Offer micro-credentials and plan for-credit ones: all who answered; award credit: offering "
    "institutions; likely to adopt: non-offering institutions. n by region: "
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
axes.flat[-2].set_xlabel("Share of respondents (%): disagree left of zero, agree right")
best = items[0]
figures.save(fig, "benefits_likert",
    f"Agreement is near-universal on careers ({headline.at[best.id, 'pct']:.0f}%) and lowest on enrollment"
    if headline["pct"].notna().all() else policy.cannot_show("Agreement with the benefits of micro-credentials"),
    f"Five-point answers by region, percent of those who answered (n={len(leaders):,}; n of each "
    f"group on its bar); bars left of zero disagree, right agree; groups under {min_group_size}, and "
    "groups whose answers would narrow a hidden count, not shown (tables/benefit_answers.csv).")

# %% [markdown]
# ## 2.4 The focus region against the rest
#
# The headline family: each headline metric, the focus region against every other respondent, with
# the difference in percentage points, a design-adjusted Wald test and its interval from the same
# standard error (Agresti–Caffo adjusted shares, each group's variance times its design effect), so
# the test and the interval never disagree; Cohen's h; and p-values adjusted by Holm's method across
# the family.

# %%
headline_metrics = [cb.metric(m) for m in cb.headline_metrics]
focus = tables.compare_group(leaders, headline_metrics, "region", focus_region, released, policy,
                               confidence_level, "holm")
writer.write_table(focus, "focus_region_vs_rest", f"{focus_region} against the rest of the sample")
focus[["label", "n_group", "pct_group", "n_rest", "pct_rest", "diff_pp", "diff_low", "diff_high",
       "p_adjusted", "cohens_h"]].round(3)

# %%
fig, ax = plots.new_figure(height=5)
shown = focus.dropna(subset=["diff_pp"])
plots.forest(ax, shown)
ax.set_xlabel(f"{focus_region} minus the rest (percentage points), {level_pct} design-adjusted intervals")
n_sig = int((focus["p_adjusted"] < 0.05).sum())
hidden = f" ({len(focus) - len(shown)} {NOT_SHOWN})" if len(shown) < len(focus) else ""
figures.save(fig, "focus_region_forest",
    f"{focus_region} differs from the rest on {n_sig} of {len(shown)} headline measures{hidden}",
    f"Differences between {focus_region} (n={int(leaders['region'].eq(focus_region).sum()):,}) and "
    f"all other respondents (n={int(leaders['region'].ne(focus_region).sum()):,}); filled points: "
    "Holm-adjusted p < 0.05 across the family.")

# %% [markdown]
# ## 2.5 The largest countries
#
# Countries with at least `min_group_size` respondents, each against the rest of the sample on the
# headline metrics. This grid is exploratory, so p-values are adjusted by Benjamini–Hochberg across
# all of it. Cells are differences in percentage points; a star marks an adjusted p below 0.05.

# %%
n_by = leaders["country"].value_counts()
large = [c for c in estimates.loc[estimates["group_type"].eq("country"), "group"].unique()
         if n_by[c] >= min_group_size]  # (a smaller country the published figures name is listed too)
grid = tables.compare_grid(leaders, headline_metrics, "country", large, released, policy,
                             confidence_level)
writer.write_table(grid, "countries_vs_rest", "Largest countries against the rest of the sample")
diff = grid.pivot(index="group", columns="label", values="diff_pp").astype(float)
stars = grid.pivot(index="group", columns="label", values="p_adjusted").astype(float).lt(0.05)
annot = diff.round(0).astype("Int64").astype(str).replace("<NA>", "") + stars.replace({True: "*", False: ""})
fig, ax = plots.new_figure(height=5, width=10)
plots.heatmap(ax, diff, cmap="PuOr", center=0, cbar_label="difference (pp)", annot=annot)
ax.set_xlabel("")
ax.set_ylabel("")
figures.save(fig, "countries_vs_rest",
    f"The {len(large)} largest countries against the rest on the headline measures" if large
    else f"No country has {min_group_size} respondents: no country is compared with the rest",
    "Percentage-point difference of each country from all other respondents; * Benjamini-Hochberg "
    "adjusted p < 0.05. n: " + ", ".join(f"{c} {n_by[c]:,}" for c in large) + ".")

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
released_employers = tables.release_groups(employers, cb_employers.metrics, "country",
                                            ["United States"], policy, confidence_level)
us_employers = tables.compare_group(employers, cb_employers.metrics, "country", "United States",
                                      released_employers, policy, confidence_level, "holm")
writer.write_table(us_employers, "employers_us_vs_rest", "U.S. employers against the other employers")
us_employers[["label", "n_group", "pct_group", "n_rest", "pct_rest", "diff_pp", "diff_low",
              "diff_high", "p_adjusted"]].round(2)

# %%
claims = published.in_scope(published.load())
equivalence = gate.comparisons(
    published.equivalence_tests(claims, leaders, employers, cb, cb_employers), released_employers,
    "country")
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
levels = pd.concat([tables.shares(leaders, facts, level=confidence_level, policy=policy).assign(level="respondents"),
                    tables.shares(institutions, facts, level=confidence_level, policy=policy).assign(level="institutions")])
writer.write_table(levels, "institution_vs_respondent", "Institution facts at two levels")
balanced = pd.DataFrame([tables.region_balanced_shown(leaders, released, m, regions, confidence_level)
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
    f"Weighting regions equally moves headline shares by up to {abs(biggest['difference']):.1f} points"
    if biggest is not None else policy.cannot_show("Region-balanced shares"),
    f"Raw shares weight regions by their number of respondents; balanced shares give each of the "
    f"{averaged} regions equal weight{left_out}. n={len(leaders):,}.")

# %%
not_sure = pd.concat([tables.not_sure_sensitivity(leaders, cb.metrics, confidence_level, policy),
                      tables.not_sure_sensitivity(employers, cb_employers.metrics, confidence_level, policy)], ignore_index=True)
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
weighting_diagnostics, weighted = tables.weighted_estimates(leaders, population_frame, headline_metrics,
                                                            policy, confidence_level)
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
# similarity ("within X points") also gets `supported_by_equivalence_test`, the verdict of the
# equivalence test above, beside `within_rounding`.
# Where sources disagree on a base, the primary reading is reproduced and the other is listed as an
# `alternative` row for comparison. Counts and qualitative claims are checked too.

# %%
published_figures = published.load()
comparison = published.compare(published_figures, leaders, employers, cb, cb_employers, regions, released,
                               released_employers, confidence_level, policy)
writer.write_table(comparison, "published_vs_reproduced", "Published figures against the pipeline")
primary = comparison[comparison["role"].isin(["primary", "qualitative"])]
print(f"primary figures and claims within rounding: {int(primary['within_rounding'].eq(True).sum())} of {len(primary)}")
print(transparency.reproduction_note(comparison, source["synthetic"]))
comparison[["figure_id", "metric", "group", "role", "published", "reproduced", "n", "within_rounding",
            "claim", "supported_by_equivalence_test"]].round(2)

# %%
percent = comparison[comparison["unit"].eq("percent") & comparison["reproduced"].notna()].copy()
for column in ("published", "reproduced", "ci_low", "ci_high"):
    percent[column] = percent[column].astype(float)
fig, ax = plots.new_figure(height=5.5, width=6.5)
plots.published_scatter(ax, percent)
n_ok = int(percent.loc[percent["role"].eq("primary"), "within_rounding"].eq(True).sum())
figures.save(fig, "published_vs_reproduced",
    f"{n_ok} of {int(percent['role'].eq('primary').sum())} published percentages reproduced within rounding",
    f"Each point a published figure against the pipeline's estimate, with its {level_pct} interval "
    f"(n={len(leaders):,} leaders, {len(employers):,} employers); alternative readings included.")
