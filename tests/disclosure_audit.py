"""An attacker's audit of everything a run releases: can any group under the thresholds be worked
back? Every released count (estimates, comparisons with the rest, region-balanced averages,
published-figure rows, lift, combinations) is written as a linear equation over the unknown
counts of the finest cells the data has (respondents cross-classified by every grouping the
outputs use); a protected group (a hidden cell, a residual such as "skipped the question", the
rest of a comparison) is worked back exactly when its indicator lies in the row space of the
released equations (a rank test). A weighted share (with a population frame) is the sum of its
atoms' counts, each times its weight: one more equation, the weights being known to a reader who
has the frame and the released sizes. Used by tests/test_disclosure_audit.py."""

from __future__ import annotations

import numpy as np
import pandas as pd

from microcred.release import selections, tables
from microcred.release.policy import Policy
from microcred.report import published
from microcred.statistics import estimate, multiselect
from microcred.statistics.compare import family
from microcred.statistics.design import SurveyDesign
from microcred.survey import region_schemes

KEYS = ("region", "country", "offers_mc", "offers_credit", "inst_type", "role")
COUNT_TABLES = ("estimates", "barriers_by_region", "barriers_by_situation", "non_offering")
COMPARISONS = ("focus_region_vs_rest", "countries_vs_rest", "barriers_focus_vs_rest")


class Atoms:
    """The finest cells of one metric's base: respondents with the same value of every key."""

    def __init__(self, frame: pd.DataFrame, base: np.ndarray, codes: np.ndarray, table: pd.DataFrame):
        self.base, self.codes = base, codes
        present, self.n = np.unique(codes[base], return_counts=True)
        self.table = table.iloc[present].reset_index(drop=True)
        self.position = np.full(len(table), -1)
        self.position[present] = np.arange(len(present))
        self.inst = frame["inst_id"].astype(str).to_numpy()
        self.columns = {k: self.table[k].to_numpy() for k in KEYS}

    def __len__(self):
        return len(self.table)

    def member(self, group_type: str, group) -> np.ndarray:
        if group_type == "all":
            return np.ones(len(self))
        if group_type == "country_offers_mc":
            country, offers = str(group).split("|")
            return ((self.columns["country"] == country) & (self.columns["offers_mc"] == offers)).astype(float)
        return (self.columns[group_type] == str(group)).astype(float)

    def size(self, vector: np.ndarray) -> tuple[int, int]:
        """Respondents and institutions of the union of atoms in `vector`."""
        inside = self.base & (self.position[self.codes] >= 0)
        inside[inside] = vector[self.position[self.codes[inside]]] > 0
        return int(inside.sum()), len(np.unique(self.inst[inside]))

    def type_of(self, group):
        for t in ("region", "country"):
            if (self.columns[t] == str(group)).any():
                return t
        return None


def _keys(frame: pd.DataFrame) -> tuple[np.ndarray, pd.DataFrame]:
    keys = frame[list(KEYS)].astype(object).where(frame[list(KEYS)].notna(), "∅").astype(str)
    codes, uniques = pd.MultiIndex.from_frame(keys).factorize()
    return codes, pd.DataFrame(list(uniques), columns=list(KEYS))


def audit(frame: pd.DataFrame, cb, tables: dict[str, pd.DataFrame], policy: Policy,
          weights: np.ndarray | None = None) -> list:
    """Every protected group (metric, description) whose count the released tables determine;
    `weights` (one per respondent) where the tables include weighted_estimates (the weighting
    classes must be unions of the atoms: frames by region and institution type are)."""
    codes, table = _keys(frame)
    leaks = []
    for metric in cb.metrics:
        base = estimate.indicator(frame, metric).notna().to_numpy()
        if base.any():
            atoms = Atoms(frame, base, codes, table)
            leaks += _audit_metric(atoms, metric, tables, policy, _weighted_row(atoms, metric.id,
                                                                                 tables, weights))
    if "barrier_lift" in tables:
        leaks += _audit_pairs(frame, cb, tables, policy)
    return leaks


def _weighted_row(atoms: Atoms, metric_id: str, tables, weights) -> list[np.ndarray]:
    """The weighted share as an equation: each atom's count times its respondents' weight."""
    table = tables.get("weighted_estimates")
    if weights is None or table is None:
        return []
    hit = table[table["metric"].eq(metric_id)]
    if hit.empty or pd.isna(hit["weighted_pct"].iat[0]):
        return []
    row = np.zeros(len(atoms))
    inside = atoms.base & (atoms.position[atoms.codes] >= 0)
    row[atoms.position[atoms.codes[inside]]] = np.asarray(weights, dtype=float)[inside]
    return [row]


def _audit_metric(atoms: Atoms, metric, tables, policy, extra_rows=()) -> list:
    rows, protected = list(extra_rows), []

    def protect_if_small(vector, what):
        if vector.any():
            n, inst = atoms.size(vector)
            if n > 0 and policy.too_small(n, inst):
                protected.append((vector, what))

    listed = {}
    for name in COUNT_TABLES:
        table = tables.get(name)
        if table is None:
            continue
        part = table[table["metric"].eq(metric.id)]
        for r in part.itertuples():
            v = atoms.member(r.group_type, r.group)
            listed.setdefault(r.group_type, {})[str(r.group)] = v
            if pd.notna(r.count):
                rows.append(v)
            elif v.any():
                protected.append((v, f"{name}: {r.group_type} {r.group} hidden"))
    # residuals of every family the tables list: the total minus all its listed parts
    everyone = np.ones(len(atoms))
    for group_type, parts in listed.items():
        if group_type == "all":
            continue
        covered = np.clip(sum(parts.values()), 0, 1)
        protect_if_small(everyone - covered, f"all minus every {group_type} listed")
        if group_type == "country":
            for region in atoms.table["region"].unique():
                inside = atoms.member("region", region)
                protect_if_small(inside * (1 - covered), f"{region} minus its listed countries")
        if group_type == "offers_credit":
            offering = atoms.member("offers_mc", "Yes")
            protect_if_small(offering * (1 - covered), "offering, credit question skipped")
    for name in COMPARISONS:
        table = tables.get(name)
        if table is None:
            continue
        for r in table[table["metric"].eq(metric.id)].itertuples():
            group_type = atoms.type_of(r.group)
            if group_type is None:
                continue
            v = atoms.member(group_type, r.group)
            if pd.notna(r.pct_group):
                rows.append(v)
            if pd.notna(r.pct_rest):
                rows.append(everyone - v)
            protect_if_small(v, f"{name}: {r.group}")
            protect_if_small(everyone - v, f"{name}: rest of {r.group}")
    balanced = tables.get("region_balanced")
    if balanced is not None:
        hit = balanced[balanced["metric"].eq(metric.id)]
        if not hit.empty and pd.notna(hit["region_balanced_pct"].iat[0]):
            rows.append(_balanced_row(atoms, tables, metric.id, int(hit["regions"].iat[0])))
    published = tables.get("published_vs_reproduced")
    if published is not None:
        hit = published[published["metric"].eq(metric.id) & published["unit"].eq("percent")
                        & published["reproduced"].notna()]
        for r in hit.itertuples():
            if r.group_type in ("all", "region", "country", "offers_mc", "country_offers_mc"):
                v = atoms.member(r.group_type, r.group)
                rows.append(v)
                protect_if_small(v, f"published {r.figure_id}")
    return [(metric.id, what) for what in _determined(rows, protected)]


def _balanced_row(atoms, tables, metric_id, n_regions) -> np.ndarray:
    """The region-balanced share: a mean of region shares, i.e. sum of count_r / n_r. Which
    regions it averages: the shown ones when their number matches, else every region."""
    est = tables["estimates"]
    regions = est[est["metric"].eq(metric_id) & est["group_type"].eq("region")]
    shown = regions[regions["count"].notna()]
    chosen = shown if len(shown) == n_regions else regions[regions["n"] > 0]
    row = np.zeros(len(atoms))
    for r in chosen.itertuples():
        row += atoms.member("region", r.group) / max(r.n, 1)
    return row


def _determined(rows, protected, tol=1e-8) -> list[str]:
    if not rows or not protected:
        return []
    matrix = np.vstack(rows)
    u, s, vt = np.linalg.svd(matrix, full_matrices=False)
    basis = vt[s > tol * max(s.max(), 1)]
    out = []
    for vector, what in protected:
        residual = vector - basis.T @ (basis @ vector)
        if np.abs(residual).max() < 1e-6:
            out.append(what)
    return sorted(set(out))


def _audit_pairs(frame, cb, tables, policy) -> list:
    """Pairs of barriers and exact combinations: atoms are the combinations themselves, every one
    a reader cannot rule out (which combinations nobody chose is not released: taking only
    those chosen would credit the attacker with it)."""
    substantive = [m.id for m in cb.metrics_of("barriers") if m.id != "barrier_none"]
    answered = frame["barriers_answered"].astype(bool)
    x = frame.loc[answered, substantive].fillna(False).astype(int)
    inst = frame.loc[answered, "inst_id"].astype(str)
    codes = sum(x[c].to_numpy().astype("int64") << i for i, c in enumerate(substantive))
    combos = np.arange(2 ** len(substantive))
    index = {c: k for k, c in enumerate(combos)}
    has = np.array([[bool(c >> i & 1) for c in combos] for i in range(len(substantive))], float)
    N = len(x)
    rows = [np.ones(len(combos))]
    rows += [has[i] for i, m in enumerate(substantive) if _total_shown(tables, m)]
    if _total_shown(tables, "barrier_none"):  # those who chose none of them
        rows.append((combos == 0).astype(float))  # (and it is not protected below)
    lift = tables["barrier_lift"].set_index("metric")
    protected = []
    for i, a in enumerate(substantive):
        for j, b in enumerate(substantive):
            if j <= i:
                continue
            v = has[i] * has[j]
            if a in lift.index and b in lift.columns and pd.notna(lift.at[a, b]):
                rows.append(v)
            both = (x[a] & x[b]).astype(bool).to_numpy()
            if both.sum() and policy.too_small(int(both.sum()), inst[both].nunique()):
                protected.append((v, f"pair {a} & {b}"))
    combos_table = tables.get("barrier_combinations")
    labels = {m.id: m.label for m in cb.metrics_of("barriers")}
    names = {" + ".join(labels[c] for i, c in enumerate(substantive) if code >> i & 1) or "(none)": code
             for code in combos}
    if combos_table is not None:
        for name in combos_table["combination"]:
            if name in names:
                v = np.zeros(len(combos))
                v[index[names[name]]] = 1
                rows.append(v)
    none_shown = _total_shown(tables, "barrier_none")
    for code in np.unique(codes):  # the combinations chosen: an empty one has no one to protect
        if code == 0 and none_shown:  # released as the count of "None of these"
            continue
        members = codes == code
        if policy.too_small(int(members.sum()), inst[members].nunique()):  # listed or not
            v = np.zeros(len(combos))
            v[index[code]] = 1
            protected.append((v, f"combination {code}"))
    del N
    return [("barriers", what) for what in _determined(rows, protected)]


def _total_shown(tables, metric_id: str) -> bool:
    """Whether an option's count over all respondents is released (estimates, group `all`)."""
    estimates = tables.get("estimates")
    if estimates is None:
        return True
    row = estimates[estimates["metric"].eq(metric_id) & estimates["group_type"].eq("all")]
    return not row.empty and pd.notna(row["count"].iat[0])


def read_released(folder) -> dict[str, pd.DataFrame]:
    from pathlib import Path

    return {p.stem: pd.read_csv(p) for p in sorted(Path(folder).glob("*.csv"))}


def release(leaders, employers, cb, cb_employers, policy: Policy, focus_region: str,
            focus_country: str = "United States", top: int = 10) -> dict[str, pd.DataFrame]:
    """Every table the regional and barrier notebooks release, made with the same package calls
    (faster than running the notebooks), as they would be written."""
    from microcred.release.gate import drop_internal
    from microcred.release.selections import release_selections

    regions = [r for r in region_schemes.regions("m49") if r in set(leaders["region"])]
    design, employers_design = SurveyDesign.of(leaders), SurveyDesign.of(employers)
    released = tables.release_table(design, cb, regions, policy)
    headline = [cb.metric(m) for m in cb.headline_metrics]
    barrier_metrics = cb.metrics_of("barriers")
    growth_ids = [m.id for m in cb.metrics_of("growth_priorities")]
    ids = [m.id for m in barrier_metrics]
    rows = released[released["metric"].isin(ids)]
    large = tables.planned_countries(leaders, policy)
    released_employers = tables.release_groups(employers_design, cb_employers.metrics, "country",
                                               ["United States"], policy)
    focus = tables.compare_family(design, family(cb, "barriers_focus_vs_rest"), [focus_country],
                                  released, policy)
    substantive = [i for i in ids if i != "barrier_none"]
    x = multiselect.selections(leaders, substantive, "barriers")
    shown = release_selections(x, leaders.loc[x.index, "inst_id"], policy, top)
    labels = {m.id: m.label for m in barrier_metrics}
    balanced = pd.DataFrame([tables.region_balanced_shown(design, released, m, regions)
                             for m in headline])
    released_tables = {
        "estimates": tables.estimates_table(released),
        "barriers_by_region": rows[rows["group_type"].isin(["all", "region"])],
        "barriers_by_situation": rows[rows["group_type"].isin(list(tables.SITUATIONS))],
        "non_offering": released[(released["metric"].isin(growth_ids) & released["group_type"].eq("all"))
                                 | (released["metric"].eq("adopt_5y")
                                    & released["group_type"].isin(["all", "region"]))],
        "focus_region_vs_rest": tables.compare_family(design, family(cb, "focus_region_vs_rest"),
                                                      [focus_region], released, policy),
        "countries_vs_rest": tables.compare_family(design, family(cb, "countries_vs_rest"), large,
                                                   released, policy),
        "barriers_focus_vs_rest": focus,
        "region_balanced": balanced,
        "published_vs_reproduced": published.compare(published.load(), design, employers_design, cb,
                                                     cb_employers, regions, released,
                                                     released_employers, policy),
        "barrier_lift": selections.shown_lift(x, shown).rename_axis("metric").reset_index(),
        "barrier_combinations": selections.combinations(x, labels, shown),
    }
    return {k: drop_internal(v) for k, v in released_tables.items()}


# --------------------------------------------------------------------------- bounds

def bounds_leaks(frame: pd.DataFrame, cb, tables: dict[str, pd.DataFrame]) -> list:
    """Hidden cells of a parent metric (one whose answer is another metric's base, e.g.
    offers_mc) whose count every released number pins to one value, bounds included: the count
    of each answer per finest cell is unknown (>= 0, summing to the cell's size); shown counts are
    equalities; the n of a child metric (its base: the parent's answer, minus who skipped) is at
    most that answer's count in the group, shown or as the rest of a comparison. A linear
    programme gives the least and greatest count of each hidden cell; equal means worked back."""
    from scipy.optimize import linprog

    ids = {m.id for m in cb.metrics}  # read from the codebook, not from the gate it checks
    parents = {m.id: column for m in cb.metrics for column, _ in m.among if column in ids}
    est = tables["estimates"]
    est = est[est["group_type"].isin(["all", "region", "country"])]
    leaks = []
    for parent in sorted(set(parents.values())):
        metric = cb.metric(parent)
        children = {m.id: dict(m.among)[parent] for m in cb.metrics if parents.get(m.id) == parent}
        answered = frame[metric.column].notna().to_numpy()
        sub = frame.loc[answered]
        labels = list(cb.labels(metric.column))
        keys = list(est.loc[est["metric"].isin([parent, *children]), ["group_type", "group"]]
                    .drop_duplicates().itertuples(index=False, name=None))
        member = np.array([np.ones(len(sub), bool) if t == "all" else
                           sub[t].astype(object).eq(g).to_numpy() for t, g in keys])
        signature, atom = np.unique(member.T, axis=0, return_inverse=True)
        size = np.bincount(atom.ravel(), minlength=len(signature))
        k, width = len(signature), len(labels)

        def count_of(vector, answers, k=k, width=width, labels=labels):
            """Coefficients of the count of `answers` over the atoms."""
            row = np.zeros(k * width)
            for a in answers:
                row[labels.index(a)::width] = vector
            return row

        a_eq = [np.kron(np.eye(k), np.ones(width))]  # each atom's answers sum to its size
        b_eq, a_ub, b_ub = [size.astype(float)], [], []
        for i, (t, g) in enumerate(keys):
            v = signature[:, i].astype(float)
            cells = est[est["group_type"].eq(t) & est["group"].astype(str).eq(str(g))]
            own = cells[cells["metric"].eq(parent) & cells["count"].notna()]
            if len(own):
                a_eq.append(count_of(v, metric.numerator)[None])
                b_eq.append([float(own["count"].iat[0])])
            for child, answer in children.items():
                n = cells.loc[cells["metric"].eq(child), "n"].dropna()
                if len(n):  # n of the child <= count of the answer in the group
                    a_ub.append(-count_of(v, [answer]))
                    b_ub.append(-float(n.max()))
            for name in COMPARISONS:  # the child's n in the group and in the rest
                comp = tables.get(name)
                if comp is None or t not in ("region", "country"):
                    continue
                hit = comp[comp["group"].astype(str).eq(str(g)) & comp["metric"].isin(list(children))]
                for r in hit.itertuples():
                    for n, vec in ((r.n_group, v), (r.n_rest, 1 - v)):
                        if pd.notna(n):
                            a_ub.append(-count_of(vec, [children[r.metric]]))
                            b_ub.append(-float(n))
        a_eq, b_eq = np.vstack(a_eq), np.concatenate(b_eq)
        ub = dict(A_ub=np.vstack(a_ub), b_ub=np.array(b_ub)) if a_ub else {}
        for i, (t, g) in enumerate(keys):
            cell = est[est["metric"].eq(parent) & est["group_type"].eq(t) & est["group"].astype(str).eq(str(g))]
            if cell.empty or pd.notna(cell["count"].iat[0]) or not signature[:, i].any():
                continue
            c = count_of(signature[:, i].astype(float), metric.numerator)
            low = linprog(c, A_eq=a_eq, b_eq=b_eq, bounds=(0, None), method="highs", **ub)
            high = linprog(-c, A_eq=a_eq, b_eq=b_eq, bounds=(0, None), method="highs", **ub)
            if low.status == 0 and high.status == 0 and np.ceil(low.fun - 1e-6) >= np.floor(-high.fun + 1e-6):
                leaks.append((parent, f"{t} {g}: count {round(low.fun)} worked back from bounds"))
    return leaks
