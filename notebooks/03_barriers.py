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
focus_region = "North America"
region_scheme = "m49"
confidence_level = 0.95
min_group_size = 30
min_institutions = 5
top_combinations = 10

# %%
import pandas as pd

from microcred import barriers, codebook, countries, dataset, estimate, outputs, plots
from microcred.params import check_choice

cb = codebook.load("leaders")
leaders = dataset.read_clean("leaders")
source = dataset.provenance()
regions = [r for r in countries.regions(region_scheme) if r in set(leaders["region"])]
check_choice("focus_country", focus_country, leaders["country"])
check_choice("focus_region", focus_region, leaders["region"])
plots.configure(source["synthetic"])
level_pct = f"{confidence_level:.0%}"
disclosure = dict(level=confidence_level, min_n=min_group_size, min_institutions=min_institutions)
barrier_metrics = cb.metrics_of("barriers")
growth_metrics = cb.metrics_of("growth_priorities")
labels = {m.id: m.label for m in barrier_metrics + growth_metrics}
answered = leaders["barriers_answered"]
print(f"answered the barrier question: {int(answered.sum()):,} of {len(leaders):,}")

# %% [markdown]
# ## 3.1 How often each barrier is named

# %%
overall = estimate.shares(leaders, barrier_metrics, **disclosure)
by_region = estimate.shares(leaders, barrier_metrics, "region", "region", groups=regions, **disclosure)
by_region = estimate.suppress_complements(pd.concat([overall, by_region], ignore_index=True),
                                          min_group_size).query("group_type == 'region'")
outputs.write_table(pd.concat([overall, by_region]), "barriers_by_region",
                    "Barriers named, overall and by region")
ranked = overall.sort_values("pct", ascending=False).assign(label=lambda t: t["metric"].map(labels))
ranked[["label", "n", "count", "pct", "ci_low", "ci_high"]].round(1)

# %%
fig, ax = plots.new_figure(height=4.2)
plots.interval_plot(ax, ranked, "label")
ax.set_xlabel(f"Leaders naming the barrier (%), {level_pct} Wilson intervals")
lead = ranked.iloc[0]
plots.save_figure(fig, "barriers_ranked",
    f"{lead['label']} is the barrier named most often ({lead['pct']:.0f}%)",
    f"Share of leaders who answered the barrier question naming each barrier (n={int(lead['n']):,}); "
    "several could be named, so shares do not sum to 100%.")

# %%
matrix = by_region.assign(label=by_region["metric"].map(labels)).pivot(index="group", columns="label", values="pct")
matrix = matrix.reindex(index=regions, columns=ranked["label"])
n_region = by_region.groupby("group")["n"].first().reindex(regions)
matrix.index = plots.with_n(matrix.index, n_region)
fig, ax = plots.new_figure(height=4.6, width=10)
plots.heatmap(ax, matrix, cbar_label="% naming the barrier")
ax.set_xlabel(""); ax.set_ylabel("")
spread = (matrix.max() - matrix.min()).sort_values()
plots.save_figure(fig, "barriers_heatmap",
    f"Regions differ most on {spread.index[-1].lower()} ({spread.iat[-1]:.0f} points apart)",
    f"Percent of each region's leaders naming each barrier (n={int(answered.sum()):,}; n per region "
    f"on the left); cells of groups under {min_group_size} are left empty.")

# %% [markdown]
# ## 3.2 The focus country against the rest
#
# Every barrier, the focus country against all other respondents, with Holm-adjusted p-values
# across the barrier family; and the number of barriers named per respondent (Welch's t-test).

# %%
in_focus = leaders["country"].eq(focus_country)
focus = estimate.compare_family(leaders, barrier_metrics, in_focus, focus_country,
                                confidence_level, "holm", min_group_size)
focus = estimate.hide_suppressed(focus, estimate.estimates_table(leaders, cb, regions, **disclosure))
count = leaders["barriers_count"].astype(float)
named = pd.DataFrame([{"group": focus_country, **estimate.mean_with_interval(count[in_focus], confidence_level)},
                      {"group": "rest", **estimate.mean_with_interval(count[~in_focus], confidence_level)}])
named_test = estimate.compare_means(count, in_focus)
outputs.write_table(focus, "barriers_focus_vs_rest", f"Barriers: {focus_country} against the rest")
outputs.write_table(named.assign(p_value=named_test["p_value"]), "barriers_named_per_respondent",
                    "Barriers named per respondent")
print(f"barriers named per respondent: {focus_country} {named_test['mean_group']:.2f} vs rest "
      f"{named_test['mean_rest']:.2f} (Welch p = {named_test['p_value']:.2g})")
focus[["label", "n_group", "pct_group", "n_rest", "pct_rest", "diff_pp", "diff_low", "diff_high", "p_adjusted"]].round(3)

# %%
fig, ax = plots.new_figure(height=4.4)
shown = focus.dropna(subset=["diff_pp"]).sort_values("diff_pp", ascending=False)
plots.forest(ax, shown)
ax.set_xlabel(f"{focus_country} minus the rest (percentage points), {level_pct} Newcombe intervals")
top = shown.iloc[0]
plots.save_figure(fig, "barriers_focus_forest",
    f"{focus_country} leaders name more barriers: {named_test['mean_group']:.1f} vs {named_test['mean_rest']:.1f} each",
    f"{focus_country} (n={int(top['n_group']):,}) against all other leaders (n={int(top['n_rest']):,}) who "
    "answered the barrier question; filled points: Holm-adjusted p < 0.05.")

# %% [markdown]
# ## 3.3 Barriers by the institution's situation
#
# Whether the institution offers micro-credentials, whether it awards credit for them, its type, and
# the respondent's role. Groups below the disclosure thresholds are left empty.

# %%
situations = {"offers_mc": "Offers micro-credentials", "offers_credit": "Awards credit",
              "inst_type": "Institution type", "role": "Role"}
parts = []
for column, title in situations.items():
    table = estimate.shares(leaders, barrier_metrics, column, column,
                            groups=[g for g in cb.labels(column) if g in set(leaders[column].dropna())], **disclosure)
    parts.append(table.assign(situation=title))
situation = estimate.suppress_complements(pd.concat([overall, *parts], ignore_index=True),
                                          min_group_size).query("group_type != 'all'")
outputs.write_table(situation, "barriers_by_situation", "Barriers by the institution's situation")
matrix = situation.assign(row=situation["situation"] + ": " + situation["group"].astype(str),
                          label=situation["metric"].map(labels))
matrix = matrix.pivot(index="row", columns="label", values="pct").reindex(
    index=list(dict.fromkeys(matrix["row"])), columns=ranked["label"])
fig, ax = plots.new_figure(height=7, width=10)
plots.heatmap(ax, matrix, cbar_label="% naming the barrier")
ax.set_xlabel(""); ax.set_ylabel("")
plots.save_figure(fig, "barriers_by_situation",
    "Barriers by the institution's offer, credit, type and the respondent's role",
    f"Percent naming each barrier within each group (n={int(answered.sum()):,} who answered); empty "
    f"cells: groups under {min_group_size} respondents or {min_institutions} institutions.")

# %% [markdown]
# ## 3.4 Which barriers come together
#
# Lift compares how often two barriers are named together with what independence would give: above
# 1, they come together more than by chance. The diagonal is left empty. Combinations named by fewer
# than `min_group_size` leaders are not listed.

# %%
substantive = [m.id for m in barrier_metrics if m.id != "barrier_none"]
x = barriers.selections(leaders, substantive, "barriers")
pairs = barriers.cooccurrence(x)
lift = pairs["lift"].rename(index=labels, columns=labels)
for i in range(len(lift)):
    lift.iat[i, i] = float("nan")
outputs.write_table(pairs["lift"].rename_axis("metric").reset_index(), "barrier_lift",
                    "Lift of each pair of barriers")
combos = barriers.combinations(x, labels, top_combinations, min_group_size)
outputs.write_table(combos, "barrier_combinations", "Most common combinations of barriers")
fig, ax = plots.new_figure(height=5.2, width=8)
plots.heatmap(ax, lift, fmt=".2f", cmap="PuOr", center=1, cbar_label="lift")
ax.set_xlabel(""); ax.set_ylabel("")
pair = lift.stack().idxmax()
plots.save_figure(fig, "barrier_lift",
    f"{pair[0]} and {pair[1].lower()} come together most (lift {lift.stack().max():.2f})",
    f"Lift of each pair of barriers among the leaders who answered (n={len(x):,}); 1 means as often "
    "as chance would give.")

# %%
combos.round(1)

# %% [markdown]
# ## 3.5 Institutions not yet offering micro-credentials
#
# Leaders at institutions that do not offer micro-credentials named up to three considerations in
# their growth strategy, and said how likely they are to adopt micro-credentials in five years.

# %%
growth = estimate.shares(leaders, growth_metrics, **disclosure).assign(label=lambda t: t["metric"].map(labels))
growth = growth.sort_values("pct", ascending=False)
adopt = estimate.suppress_complements(pd.concat([
    estimate.shares(leaders, [cb.metric("adopt_5y")], **disclosure),
    estimate.shares(leaders, [cb.metric("adopt_5y")], "region", "region", groups=regions, **disclosure)],
    ignore_index=True), min_group_size)
outputs.write_table(pd.concat([growth.drop(columns="label"), adopt]), "non_offering",
                    "Institutions not offering: growth considerations and adoption")
fig, ax = plots.new_figure(height=4)
plots.interval_plot(ax, growth, "label")
ax.set_xlabel(f"Leaders at non-offering institutions naming it among the top three (%), {level_pct} intervals")
plots.save_figure(fig, "growth_considerations",
    f"{growth['label'].iat[0]} leads the growth considerations ({growth['pct'].iat[0]:.0f}%)",
    f"Leaders at institutions not offering micro-credentials who answered (n={int(growth['n'].iat[0]):,}); "
    "up to three could be named.")

# %%
adopt[["group", "n", "pct", "ci_low", "ci_high", "suppressed"]].round(1)


# %% [markdown]
# ## 3.6 Findings
#
# Each claim of the coverage, with the numbers that test it.

# %%
def row(metric):
    return focus.set_index("metric").loc[metric]

findings = pd.DataFrame([
    {"claim": f"Lack of awareness, curriculum integration and quality uncertainty lead",
     "evidence": "; ".join(f"{r.label} {r.pct:.1f}% [{r.ci_low:.1f}, {r.ci_high:.1f}]" for r in ranked.head(3).itertuples()),
     "holds": list(ranked["metric"].head(3)) == ["barrier_awareness", "barrier_curriculum", "barrier_quality"]},
    {"claim": f"{focus_country} leaders name more barriers than the rest",
     "evidence": f"{named_test['mean_group']:.2f} vs {named_test['mean_rest']:.2f} per respondent, Welch p = {named_test['p_value']:.2g}",
     "holds": named_test["diff"] > 0 and named_test["p_value"] < 0.05},
    *[{"claim": f"{focus_country} leaders name {labels[m].lower()} more often",
       "evidence": f"{row(m).pct_group:.1f}% vs {row(m).pct_rest:.1f}%, difference {row(m).diff_pp:.1f} pp "
                   f"[{row(m).diff_low:.1f}, {row(m).diff_high:.1f}], Holm p = {row(m).p_adjusted:.2g}",
       "holds": row(m).diff_pp > 0 and row(m).p_adjusted < 0.05}
      for m in ("barrier_quality", "barrier_faculty")],
    {"claim": "Career prospects lead the growth considerations of non-offering institutions",
     "evidence": f"{growth['pct'].iat[0]:.1f}% [{growth['ci_low'].iat[0]:.1f}, {growth['ci_high'].iat[0]:.1f}], n={int(growth['n'].iat[0]):,}",
     "holds": growth["metric"].iat[0] == "growth_career"},
])
outputs.write_table(findings, "barrier_findings", "Barrier findings, each with its numbers")
findings
