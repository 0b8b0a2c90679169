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
# # 3. Barriers: what holds institutions back, where, and for whom
#
# The barrier question is multi-select: each share is of the leaders who answered the question, and
# the shares do not sum to 100%. The press said lack of awareness (50%), curriculum integration (45%)
# and quality uncertainty (35%) lead globally, and that U.S. leaders name more barriers, doubt quality
# more often and struggle more with faculty buy-in. This notebook tests those claims with intervals
# and corrected p-values, looks at barriers by region and by the institution's situation, and at
# which barriers come together. It uses the same estimators as the regional comparison.

# %% tags=["parameters"]
focus_country = "United States"
confidence_level = 0.95
min_group_size = 30
min_institutions = 5
disclosure_control = "on"
protection_width = 3
top_combinations = 10

# %%
import pandas as pd

from microcred.release import selections, tables, writer
from microcred.release.policy import NOT_SHOWN
from microcred.report import claims, context, formatting, plots
from microcred.statistics import multiselect, ranking
from microcred.statistics.compare import family

# the data, the regions cleaning fixed, the disclosure policy, the figures' captions and every
# estimate released (the same cells hidden as in the regional notebook)
analysis = context.load(confidence_level, min_group_size, min_institutions, disclosure_control,
                        protection_width)
cb, leaders, regions = analysis.cb, analysis.leaders, analysis.regions
policy, figures, released, design = analysis.policy, analysis.figures, analysis.released, analysis.design
level_pct = analysis.level_pct
barrier_metrics = cb.metrics_of("barriers")
growth_metrics = cb.metrics_of("growth_priorities")
labels = {m.id: m.label for m in barrier_metrics + growth_metrics}
answered = leaders["barriers_answered"]
print(f"answered the barrier question: {int(answered.sum()):,} of {len(leaders):,}")
few = context.check_focus(policy, leaders, "focus_country", focus_country, "country")
if few:
    print(few)  # the one message: every section below runs and says what it cannot show

# %% [markdown]
# ## 3.1 How often each barrier is named

# %%
barrier_rows = released[released["metric"].isin([m.id for m in barrier_metrics])]
overall = barrier_rows[barrier_rows["group_type"].eq("all")]
by_region = barrier_rows[barrier_rows["group_type"].eq("region")]
writer.write_table(pd.concat([overall, by_region]), "barriers_by_region",
                    "Barriers named, overall and by region")
ranked = overall.sort_values("pct", ascending=False).assign(label=lambda t: t["metric"].map(labels))
ranked[["label", "n", "count", "pct", "ci_low", "ci_high"]].round(1)

# %%
fig, ax = plots.new_figure(height=4.2)
plots.interval_plot(ax, ranked.dropna(subset=["pct"]), "label")
ax.set_xlabel(f"Leaders naming the barrier (%), {level_pct} intervals (Korn-Graubard)")
lead = ranked.iloc[0]
barrier_order = ranking.metrics(design, barrier_metrics) if ranked["pct"].notna().all() else None
figures.save(fig, "barriers_ranked",
    f"Barrier named by the most leaders: {claims.extreme(barrier_order, 'highest', confidence_level, labels)}"
    if barrier_order else policy.cannot_show("Barriers named"),
    f"Share of leaders who answered the barrier question naming each barrier (n={int(lead['n']):,} "
    "leaders); several could be named, so shares do not sum to 100%. Probability of being the most "
    "named: design-based, institutions as clusters.")

# %%
matrix = by_region.assign(label=by_region["metric"].map(labels)).pivot(index="group", columns="label", values="pct")
matrix = matrix.reindex(index=regions, columns=ranked["label"]).astype(float)
n_region = by_region.groupby("group")["n"].first().reindex(regions)
matrix.index = plots.with_n(matrix.index, n_region)
fig, ax = plots.new_figure(height=4.6, width=10)
plots.heatmap(ax, matrix, cbar_label="% naming the barrier", hatch_hidden=True)
ax.set_xlabel("")
ax.set_ylabel("")
spread = (matrix.max() - matrix.min()).dropna().sort_values()
figures.save(fig, "barriers_heatmap",
    f"Barriers named by leaders, by region: in this sample the regions' shares are {spread.iat[-1]:.0f} "
    f"points apart on {spread.index[-1].lower()} (a description, not a test)"
    if len(spread) else policy.cannot_show("Barriers by region"),
    f"Percent of each region's leaders naming each barrier (n={int(answered.sum()):,} leaders; n per "
    f"region on the left); hatched, not shown: groups under {min_group_size} leaders or "
    f"{min_institutions} institutions, and groups that would let a hidden one be worked back.")

# %% [markdown]
# ## 3.2 The focus country against the rest
#
# Every barrier, the focus country's leaders against all other leaders, with Holm-adjusted p-values
# across the barrier family (declared in the codebook); and the number of barriers named per leader,
# a mean compared as every share is (institutions as clusters, Satterthwaite's degrees of freedom).

# %%
in_focus = leaders["country"].eq(focus_country)
focus = tables.compare_family(design, family(cb, "barriers_focus_vs_rest"), [focus_country], released,
                              policy)
named, named_test = tables.named_per_respondent(design, in_focus, focus_country, focus)
writer.write_table(focus, "barriers_focus_vs_rest", f"Barriers: {focus_country} against the rest")
writer.write_table(named, "barriers_named_per_respondent", "Barriers named per respondent")
print(f"barriers named per leader: {focus_country} {named_test['mean_group']:.2f} vs rest "
      f"{named_test['mean_rest']:.2f} (design-based p {formatting.p_in_words(named_test['p_value'])})"
      if pd.notna(named_test["mean_group"]) else policy.cannot_show("barriers named per respondent"))
focus[["label", "n_group", "pct_group", "n_rest", "pct_rest", "diff_pp", "diff_low", "diff_high", "p_adjusted"]].round(3)

# %%
fig, ax = plots.new_figure(height=4.4)
shown = focus.dropna(subset=["diff_pp", "p_adjusted"]).sort_values("diff_pp", ascending=False)
alpha = 1 - confidence_level
if len(shown):
    plots.forest(ax, shown, alpha=alpha)
else:
    plots.nothing_to_show(ax, policy.cannot_show(f"{focus_country} against the rest"))
ax.set_xlabel(f"{focus_country} minus the rest (percentage points), Holm-adjusted intervals")
more = named_test["diff"] > 0 and named_test["p_value"] < alpha
figures.save(fig, "barriers_focus_forest",
    (f"{focus_country} leaders name more barriers than other leaders: "
     if more else f"Barriers named per leader, {focus_country} against other leaders, no clear difference: ")
    + f"{named_test['mean_group']:.1f} vs {named_test['mean_rest']:.1f} per leader (p {formatting.p_in_words(named_test['p_value'])})"
    if pd.notna(named_test["mean_group"]) else policy.cannot_show(f"Barriers of {focus_country} against the rest"),
    f"Leaders in {focus_country} (n={int(focus['n_group'].iat[0]):,}) against all other leaders "
    f"(n={int(focus['n_rest'].iat[0]):,}) who answered the barrier question. Each "
    f"interval is drawn at the level its Holm-adjusted p-value implies (1 - {alpha:g} x p / p adjusted): "
    "a point is filled exactly when its interval excludes 0; the unadjusted intervals are in "
    "tables/barriers_focus_vs_rest.csv." if len(focus) else
    f"Leaders in {focus_country} against all other leaders who answered the barrier question: not "
    f"compared, as the estimates do not list it (fewer than {min_group_size} leaders).")

# %% [markdown]
# ## 3.3 Barriers by the institution's situation
#
# Whether the institution offers micro-credentials, whether it awards credit for them, its type, and
# the respondent's role. Groups below the disclosure thresholds are hatched and not shown.

# %%
situation = pd.concat([
    barrier_rows[barrier_rows["group_type"].eq(column) & barrier_rows["group"].isin(set(leaders[column].dropna()))]
    .assign(situation=title) for column, title in tables.SITUATIONS.items()])
writer.write_table(situation, "barriers_by_situation", "Barriers by the institution's situation")
matrix = situation.assign(row=situation["situation"] + ": " + situation["group"].astype(str),
                          label=situation["metric"].map(labels))
matrix = matrix.pivot(index="row", columns="label", values="pct").reindex(
    index=list(dict.fromkeys(matrix["row"])), columns=ranked["label"]).astype(float)
fig, ax = plots.new_figure(height=7, width=10)
plots.heatmap(ax, matrix, cbar_label="% naming the barrier", hatch_hidden=True)
ax.set_xlabel("")
ax.set_ylabel("")
figures.save(fig, "barriers_by_situation",
    "Barriers named by leaders, by their institution's offer, credit and type and by their role",
    f"Percent of leaders naming each barrier within each group (n={int(answered.sum()):,} leaders who answered); hatched, "
    f"not shown: groups under {min_group_size} respondents or {min_institutions} institutions, and groups "
    "that would let a hidden one be worked back.")

# %% [markdown]
# ## 3.4 Which barriers come together
#
# Lift compares how often two barriers are named together with what independence would give: above
# 1, they come together more than by chance. The diagonal is left empty, and so is any pair named
# together by fewer than `min_group_size` leaders or `min_institutions` institutions (lift and the
# barrier counts would give its count back). Combinations named by so few are not listed. And where
# the counts shown (every barrier, the pairs shown, the combinations listed) would still add up to a
# hidden pair's or combination's count, the smallest pair or combination shown is hidden as well.
#
# A lift from a rare barrier rests on a handful of respondents, so pairs are ranked by the lower
# bound of the lift's interval (delta method on the log lift, institutions as clusters), and only
# pairs that enough respondents name together are ranked at all (the disclosure threshold).

# %%
substantive = [m.id for m in barrier_metrics if m.id != "barrier_none"]
x = multiselect.selections(leaders, substantive, "barriers")
answering = design.subset(leaders.index.isin(x.index))  # a subpopulation: the design's institutions
released_selections = selections.release_selections(x, answering.institutions, policy, top_combinations)
released_lift = selections.shown_lift(x, released_selections)
lift = released_lift.rename(index=labels, columns=labels)
writer.write_table(released_lift.rename_axis("metric").reset_index(), "barrier_lift",
                    "Lift of each pair of barriers")
lifts = selections.lift_intervals(x.rename(columns=labels), answering, released_selections)
writer.write_table(lifts, "barrier_lift_intervals",
                    "Pairs of barriers ranked by the lower bound of their lift's interval")
combos = selections.combinations(x, labels, released_selections)
writer.write_table(combos, "barrier_combinations", "Most common combinations of barriers")
fig, ax = plots.new_figure(height=5.2, width=8)
plots.heatmap(ax, lift, fmt=".2f", cmap="PuOr", center=1, cbar_label="lift", hatch_hidden=True,
              triangle="lower")
ax.set_xlabel("")
ax.set_ylabel("")
top = lifts.iloc[0] if len(lifts) else None
figures.save(fig, "barrier_lift",
    f"Leaders name {top['first'].lower()} and {top['second'].lower()} together {top['lift']:.2f} times as "
    f"often as chance would give ({level_pct} interval {top['ci_low']:.2f} to {top['ci_high']:.2f}: of the "
    "pairs shown, the highest lower bound)"
    if top is not None else policy.cannot_show("Pairs of barriers"),
    f"Lift of each pair of barriers among the leaders who answered (n={len(x):,} leaders); 1 means as "
    "often as chance would give; hatched, not shown: pairs named together by too few to show.")

# %%
combos.round(1)

# %%
lifts.head(5).round(2)

# %% [markdown]
# ## 3.5 Institutions not yet offering micro-credentials
#
# Leaders at institutions that do not offer micro-credentials named up to three considerations in
# their growth strategy, and said how likely they are to adopt micro-credentials in five years.

# %%
growth = released[released["metric"].isin([m.id for m in growth_metrics]) & released["group_type"].eq("all")]
growth = growth.assign(label=lambda t: t["metric"].map(labels)).sort_values("pct", ascending=False)
adopt = released[released["metric"].eq("adopt_5y") & released["group_type"].isin(["all", "region"])]
writer.write_table(pd.concat([growth.drop(columns="label"), adopt]), "non_offering",
                    "Institutions not offering: growth considerations and adoption")
fig, ax = plots.new_figure(height=4)
plots.interval_plot(ax, growth.dropna(subset=["pct"]), "label")
ax.set_xlabel(f"Leaders at non-offering institutions naming it among the top three (%), {level_pct} intervals")
growth_order = ranking.metrics(design, growth_metrics) if growth["pct"].notna().all() else None
figures.save(fig, "growth_considerations",
    "Growth consideration named by the most leaders at non-offering institutions: "
    + claims.extreme(growth_order, "highest", confidence_level, labels)
    if growth_order else policy.cannot_show("Growth considerations"),
    "Leaders at institutions not offering micro-credentials who answered (n="
    + (f"{int(growth['n'].iat[0]):,}" if pd.notna(growth["n"].iat[0]) else NOT_SHOWN) + " leaders); "
    "up to three could be named. Probability of being the most named: design-based, institutions "
    "as clusters.")

# %%
adopt[["group", "n", "pct", "ci_low", "ci_high", "suppressed"]].round(1)

# %% [markdown]
# ## 3.6 Findings
#
# Each claim of the coverage, with its unit, the numbers that test it, the test, and whether the test
# supports it.

# %%
findings = claims.findings(ranked, barrier_order, named_test, focus, growth, growth_order, focus_country,
                           labels, confidence_level)
writer.write_table(findings, "barrier_findings", "Barrier findings, each with its numbers")
findings
