"""Disclosure control: the one rule deciding which numbers may leave the analysis.

A group is *too small* when it has fewer than `min_group_size` respondents or fewer than
`min_institutions` institutions (no respondent at all counts as too small). Its cells keep their
identifying keys and n and lose every other value (primary suppression). Because the outputs
together let a reader subtract, add and average, hiding a small group is not enough: within every
family of a total and its parts that the outputs show (all and its regions, offer groups, types
and roles; a region and its countries; offering institutions and their credit groups; a group and
the rest), what the shown parts leave of a shown total is a group too (the people who skipped a
question are one), and it must be empty or large enough. Where it is not, the smallest shown part
is hidden as well (secondary suppression), across all tables at once, until every family holds.
Derived numbers (comparisons, region-balanced shares, lift, means per group, claims) are made from
shown cells only or hidden with them.

Then protection intervals (`release.intervals`): a reader also knows that a count lies between 0
and its n and is a whole number, so every hidden count, and every small group's, must stay
uncertain over the policy's protection width given everything shown; where it does not, a shown
number bounding it is hidden too. A release under a region scheme is protected together with the
releases of the same respondents under the schemes before it (`release.variants`).

A metric whose base is another metric's answer (the benefits among offering institutions, the plans
among the others) has an n that counts that answer in the group: its cell is hidden wherever the
parent metric's cell of the same group is hidden, and a hidden cell of such a metric hides its n
too (otherwise the hidden parent's split comes back from the children's n).

The thresholds and their floors are the policy's (`release.policy`); this module applies them."""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial

import numpy as np
import pandas as pd

from microcred.core.parallel import in_parallel
from microcred.release import intervals
from microcred.release.policy import DisclosureError, Policy

COUNT_COLUMNS = ("n", "n_group", "n_rest")  # sizes of the groups, shown for hidden cells too


# a total and the group type of its parts; `all` is the parent of every group type
FAMILIES = (("region", "country"), ("offers_mc", "offers_credit"))


def value_columns(frame: pd.DataFrame) -> list[str]:
    """Every numeric column except the group sizes: what a hidden cell loses. Read from the frame,
    so columns added later (design effects, equivalence tests) are hidden without a list."""
    types = pd.api.types
    return [c for c in frame.columns if c not in COUNT_COLUMNS and c != "suppressed"
            and types.is_numeric_dtype(frame[c]) and not types.is_bool_dtype(frame[c])]


def hide(frame: pd.DataFrame, mask) -> pd.DataFrame:
    """`frame` with every value of the rows in `mask` blanked (and marked suppressed); a row
    whose mark is missing is hidden too (the gate fails closed)."""
    out = frame.copy()
    mask = pd.Series(mask, index=out.index).fillna(True).astype(bool)
    columns = value_columns(out)
    if mask.any():  # (integer columns become float only where something is hidden)
        out[columns] = out[columns].astype(float)
        out.loc[mask, columns] = np.nan
    if "suppressed" in out:
        out["suppressed"] = out["suppressed"].astype(bool) | mask
    return out


def check_released(frame: pd.DataFrame) -> None:
    """Refuse a table that shows a value in a row it marks as suppressed."""
    if "suppressed" in frame:
        hidden = frame.loc[frame["suppressed"].astype(bool), value_columns(frame)]
        if hidden.notna().any().any():
            raise DisclosureError("a table shows values in rows marked suppressed")


def members(frame: pd.DataFrame, group_type: str, group) -> np.ndarray:
    """Whether each respondent is in the group (everyone for "all")."""
    if group_type == "all":
        return np.ones(len(frame), dtype=bool)
    return frame[group_type].astype(object).eq(group).to_numpy()


def institution_numbers(frame: pd.DataFrame) -> np.ndarray:
    """Each respondent's institution as a number, for counting institutions against the
    threshold (see `number_institutions`); without `inst_id` (employers) each respondent is
    their own."""
    if "inst_id" not in frame:
        return np.arange(len(frame))
    return number_institutions(frame["inst_id"])


def number_institutions(ids) -> np.ndarray:
    """Institution ids as numbers, for counting institutions against the threshold. Respondents
    who name no institution (a missing id) count together, as one: they may well share one, and
    counting them apart could only show more. (Their variance treats each as a cluster of their
    own: `design.clusters`.)"""
    return pd.factorize(pd.Series(ids), use_na_sentinel=False)[0]


def determined(known: list[np.ndarray], secret: np.ndarray) -> bool:
    """Whether the count `secret` (a vector of weights over the finest cells) follows from the
    counts `known` (one vector each): it does when it is a linear combination of them, that is
    when adding it leaves the rank unchanged."""
    if not known:
        return not np.any(secret)
    rows = np.vstack(known)
    return np.linalg.matrix_rank(np.vstack([rows, secret])) == np.linalg.matrix_rank(rows)


class _Groups:
    """Each group type's codes over the respondents and each institution's code, found once for
    every metric: the gate then counts groups and remainders with bincounts over codes instead of
    comparing a million labels per cell."""

    def __init__(self, frame: pd.DataFrame, group_types):
        self.n = len(frame)
        self.codes, self.lookup = {}, {}
        for group_type in group_types:
            if group_type != "all":
                codes, labels = pd.factorize(frame[group_type])  # NA: -1, no group
                self.codes[group_type] = codes
                self.lookup[group_type] = {label: k for k, label in enumerate(labels)}
        self.institutions = institution_numbers(frame)
        self.most_per_institution = int(np.bincount(self.institutions).max()) if len(frame) else 1
        self._joint: dict[tuple[str, str], tuple] = {}  # (parent, part type) -> (key, width)

    def code(self, group_type: str, group) -> int | None:
        """The group's code (-1 for `all`), None where no respondent is in it."""
        return -1 if group_type == "all" else self.lookup[group_type].get(group)

    def mask(self, group_type: str, code: int | None) -> np.ndarray:
        if group_type == "all":
            return np.ones(self.n, dtype=bool)
        return self.codes[group_type] == code if code is not None else np.zeros(self.n, dtype=bool)

    def sizes(self, group_type: str, base: np.ndarray) -> np.ndarray:
        """Respondents in the base per code of the type."""
        return _count(self.codes[group_type] + 1, base, len(self.lookup[group_type]) + 1)[1:]

    def joint(self, parent_type: str, part_type: str) -> tuple[np.ndarray, int]:
        """Each respondent's (parent code, part code) as one key, and the part's width; found
        once for every metric."""
        if (parent_type, part_type) not in self._joint:
            width = len(self.lookup[part_type]) + 1
            key = (self.codes[parent_type] + 1) * width + self.codes[part_type] + 1
            self._joint[parent_type, part_type] = key, width
        return self._joint[parent_type, part_type]


def _count(keys: np.ndarray, base: np.ndarray, length: int) -> np.ndarray:
    """np.bincount(keys[base], minlength=length) without copying the selected keys out: the base
    as 0/1 weights (whole numbers, so exact)."""
    return np.bincount(keys, weights=base, minlength=length).astype(np.int64)


def protect(table: pd.DataFrame, frame: pd.DataFrame, policy: Policy,
            answers: Mapping[str, intervals.Answers],
            conditions: Mapping[str, tuple[str, str]] | None = None,
            earlier: pd.DataFrame | None = None, distributions=None,
            other_regions: tuple[str, ...] = ()) -> pd.DataFrame:
    """Every rule after the primary one, over all the cells of `table` (estimate rows: metric,
    group_type, group, n, suppressed, ...; `answers`: each metric's answers, see
    `intervals.answers_of`; `conditions`: the parent metric and answer a conditional metric's
    base counts, e.g. offers_credit: (offers_mc, Yes)): the families' remainders
    (`protect_families`), then the protection intervals (`intervals.widen`) over these cells,
    the cells of `earlier` (a release of the same respondents under an earlier region scheme,
    its region column named `region:<scheme>`: hidden cells it hides are hidden here too) and,
    where `distributions` marks cells whose whole answer distribution would be shown, those
    distributions (column `answers_shown`: which are). `other_regions`: frame columns of the
    other region schemes' regions, whose small groups are protected too. Adds `hidden_by`
    ('primary', 'secondary', 'interval' or '')."""
    table = table.reset_index(drop=True)
    metrics = set(table["metric"])
    conditions = {m: c for m, c in (conditions or {}).items() if c[0] in metrics}
    parents = {m: p for m, (p, _) in conditions.items()}
    types = set(table["group_type"]) | set(other_regions) | \
        (set(earlier["group_type"]) if earlier is not None else set())
    groups = _Groups(frame, types)
    hidden, why = _families(table, groups, policy, {m: a.base for m, a in answers.items()}, parents)
    if earlier is not None:
        _hide_as_before(table, hidden, why, earlier)
    shown_answers = intervals.widen(table, hidden, why, groups, answers, conditions, policy,
                                    earlier, distributions, tuple(other_regions))
    out = _hidden_table(table, hidden, why, parents)
    if distributions is not None:
        out["answers_shown"] = shown_answers
    return out


def protect_families(table: pd.DataFrame, frame: pd.DataFrame, policy: Policy,
                     bases: Mapping[str, pd.Series],
                     parents: Mapping[str, str] | None = None) -> pd.DataFrame:
    """The families' rule alone (secondary suppression over every family the table shows, for
    each metric, repeated until no family changes): `bases` the metric's base (a boolean per
    respondent), `parents` the metric whose answer a conditional base counts. Adds `hidden_by`."""
    table = table.reset_index(drop=True)
    parents = {m: p for m, p in (parents or {}).items() if p in set(table["metric"])}
    hidden, why = _families(table, _Groups(frame, table["group_type"].unique()), policy,
                            bases, parents)
    return _hidden_table(table, hidden, why, parents)


def _families(table: pd.DataFrame, groups: _Groups, policy: Policy, bases, parents):
    """Which cells the primary rule and the families' rule hide, and why: a shown total with a
    small remainder, or a hidden total with nothing left beyond its shown parts, gives a small
    group back, so its smallest shown part is hidden too; a conditional metric's cell is hidden
    where its parent's is (parents first, so that a child inherits its parent's final hiding)."""
    hidden = table["suppressed"].astype(bool).to_numpy().copy()
    why = np.where(hidden, "primary", "").astype(object)
    key = table["group_type"].astype(str) + "\x1f" + table["group"].astype(str)
    by_metric = dict(list(table.groupby("metric", sort=False)))
    order = sorted(by_metric, key=lambda m: m in parents)
    sized = in_parallel([partial(_Cells, by_metric[m], groups, np.asarray(bases[m], dtype=bool))
                         for m in order])
    for metric, cells in zip(order, sized):
        rows = by_metric[metric]
        if metric in parents:
            parent = table.index[table["metric"].eq(parents[metric])]
            hidden_keys = set(key[parent[hidden[parent]]])
            inherit = [i for i in rows.index if key[i] in hidden_keys and not hidden[i]]
            hidden[inherit], why[inherit] = True, "secondary"
        changed = True
        while changed:
            changed = False
            for parent, parts in cells.families():
                shown = [i for i in parts if not hidden[i]]
                n_left = cells.size[parent] - sum(cells.size[i] for i in
                                                  {cells.code[i]: i for i in shown}.values())
                small = n_left > 0 and policy.too_small(n_left, cells.institutions_left(
                    parent, shown, n_left, policy.min_institutions))
                if shown and ((not hidden[parent] and small) or (hidden[parent] and n_left == 0)):
                    smallest = min(shown, key=lambda i: (cells.size[i], i))
                    hidden[smallest], why[smallest] = True, "secondary"
                    changed = True
    return hidden, why


def _hide_as_before(table: pd.DataFrame, hidden: np.ndarray, why: np.ndarray,
                    earlier: pd.DataFrame) -> None:
    """Cells an earlier release of the same respondents hides stay hidden here: published side
    by side, the two show no cell either hides."""
    before = set(zip(earlier.loc[earlier["suppressed"].astype(bool), "metric"],
                     earlier.loc[earlier["suppressed"].astype(bool), "group_type"],
                     earlier.loc[earlier["suppressed"].astype(bool), "group"].astype(str)))
    for i, key in enumerate(zip(table["metric"], table["group_type"], table["group"].astype(str))):
        if key in before and not hidden[i]:
            hidden[i], why[i] = True, "interval"


def _hidden_table(table: pd.DataFrame, hidden: np.ndarray, why: np.ndarray,
                  parents) -> pd.DataFrame:
    out = hide(table, hidden)
    out["n"] = out["n"].astype("Int64")  # whole numbers in the CSV, blank where hidden below
    # a hidden conditional cell loses its n: it counts its parent's answer in the group
    out.loc[hidden & out["metric"].isin(list(parents)).to_numpy(), "n"] = pd.NA
    out["hidden_by"] = why
    return out


def conditions(metrics) -> dict[str, tuple[str, str]]:
    """Metric id -> the metric whose answer its base counts and that answer (its `among`)."""
    ids = {m.id for m in metrics}
    return {m.id: (column, value) for m in metrics for column, value in m.among if column in ids}


class _Cells:
    """One metric's rows of the table: each row's group code and size within the metric's base."""

    def __init__(self, rows: pd.DataFrame, groups: _Groups, base: np.ndarray):
        self.rows, self.groups, self.base = rows, groups, base
        self.type = dict(zip(rows.index, rows["group_type"]))
        self.code = {i: groups.code(t, g)
                     for i, t, g in zip(rows.index, rows["group_type"], rows["group"])}
        counts = {t: groups.sizes(t, base) for t in set(self.type.values()) if t != "all"}
        self.size = {i: int(base.sum()) if t == "all" else
                     (int(counts[t][self.code[i]]) if self.code[i] is not None else 0)
                     for i, t in self.type.items()}

    def families(self) -> list[tuple[int, list[int]]]:
        """(total, parts) pairs: `all` and each group type; each region and its countries,
        offering institutions and their credit groups (parts contained in the total)."""
        by_type = {t: list(idx) for t, idx in self.rows.groupby("group_type", sort=False)
                   .groups.items()}
        out = [(p, by_type[t]) for p in by_type.get("all", []) for t in by_type if t != "all"]
        for parent_type, part_type in FAMILIES:
            if parent_type not in by_type or part_type not in by_type:
                continue
            inside = self._within(parent_type, part_type)
            for p in by_type[parent_type]:
                parts = [i for i in by_type[part_type] if self.size[i] and self.code[p] is not None
                         and inside[self.code[p], self.code[i]] == self.size[i]]
                if parts:
                    out.append((p, parts))
        return out

    def _within(self, parent_type: str, part_type: str) -> np.ndarray:
        """Respondents in the base per (parent code, part code): a part lies in a parent when
        all of its respondents are there."""
        key, width = self.groups.joint(parent_type, part_type)
        joint = _count(key, self.base, (len(self.groups.lookup[parent_type]) + 1) * width)
        return joint.reshape(-1, width)[1:, 1:]

    def institutions_left(self, parent: int, shown: list[int], n_left: int, needed: int) -> int:
        """Institutions of the parent's respondents outside the shown parts. Counted only where
        they could be fewer than `needed`: n respondents span at least n / (most respondents of
        one institution) institutions."""
        g = self.groups
        if n_left >= needed * g.most_per_institution:
            return needed
        left = self.base & g.mask(self.type[parent], self.code[parent])
        for i in shown:
            left &= ~g.mask(self.type[i], self.code[i])
        return len(np.unique(g.institutions[left]))


def small_weighting_class(frame: pd.DataFrame, classes: list[str], base, policy: Policy) -> bool:
    """Whether a weighting class (the base's respondents sharing one combination of the frame's
    margin levels, so one weight) is too small. A weighted share is a known mix of its classes'
    counts: with the classes' weights and sizes released, it gives a hidden class's count back
    (with the unweighted total, two), so it is shown only when every class is large enough."""
    rows = frame.loc[np.asarray(base, dtype=bool)]
    if rows.empty:
        return True
    inst = pd.Series(institution_numbers(rows), index=rows.index)
    sizes = rows.assign(_inst=inst).groupby(list(classes), dropna=False, observed=True)["_inst"] \
        .agg(["size", "nunique"])
    return any(policy.too_small(int(n), int(k)) for n, k in zip(sizes["size"], sizes["nunique"]))


def is_shown(released: pd.DataFrame, metric: str, group_type: str, group) -> bool:
    """Whether the released cell (metric, group type, group) shows its values: the one answer
    to "is this cell shown" for notebooks, the report and the published comparison."""
    hit = released[released["metric"].eq(metric) & released["group_type"].eq(group_type)
                   & released["group"].astype(str).eq(str(group))]
    return len(hit) == 1 and not bool(hit["suppressed"].iat[0])


def primary(table: pd.DataFrame, frame: pd.DataFrame, by: str | None, policy: Policy,
            bases: Mapping[str, np.ndarray]) -> pd.DataFrame:
    """Primary suppression of shares (rows: metric x group of the grouping `by`, or everyone):
    a group with too few respondents or institutions in the metric's base (`bases`: a boolean
    per respondent) keeps its n and loses every value."""
    keys = frame[by] if by else pd.Series("All", index=frame.index)
    keys = keys if isinstance(keys.dtype, pd.CategoricalDtype) else keys.astype("category")
    codes, labels = keys.cat.codes.to_numpy(), list(keys.cat.categories)
    inst = institution_numbers(frame)
    # a group of n respondents spans at least n / (most leaders of one institution) institutions,
    # so institutions need counting only in groups small enough to fall below the threshold
    per_institution = int(np.bincount(inst).max()) if len(inst) else 1
    hidden = []
    for metric, group, n in zip(table["metric"], table["group"], table["n"]):
        n, institutions = int(n), policy.min_institutions
        if n < policy.min_institutions * per_institution:
            g = labels.index(group) if group in labels else None
            members = np.asarray(bases[metric], dtype=bool) & (codes == g)
            institutions = len(np.unique(inst[members])) if n else 0
        hidden.append(policy.too_small(n, institutions))
    return hide(table, hidden)


HIDDEN_BY = ("primary", "secondary", "interval")  # why a cell is hidden: each rule


def hidden_counts(table: pd.DataFrame) -> dict:
    """Cells hidden by each rule (the primary rule, the families' rule, the protection
    intervals: cells hidden beyond the first two), for the methods section."""
    if "hidden_by" not in table:
        if "suppressed" not in table:  # lift pairs, unlisted combinations: counted where made
            counted = table.attrs.get("hidden", {})
            return {k: int(counted.get(k, 0)) for k in HIDDEN_BY}
        return {"primary": int(table["suppressed"].sum()), "secondary": 0, "interval": 0}
    return {k: int(table["hidden_by"].eq(k).sum()) for k in HIDDEN_BY}


def listed(table: pd.DataFrame, released: pd.DataFrame, group_type: str) -> np.ndarray:
    """Which rows of a comparison table name a group the released estimates list, or an empty
    one: a group with respondents that the estimates do not list is not named at all."""
    keys = released[released["group_type"].eq(group_type)]
    known = set(zip(keys["metric"], keys["group"].astype(str)))
    return np.array([(m, str(g)) in known or n == 0
                     for m, g, n in zip(table["metric"], table["group"], table["n_group"])],
                    dtype=bool)


def comparisons(table: pd.DataFrame, released: pd.DataFrame, group_type: str,
                rest_too_small=None) -> pd.DataFrame:
    """A group against the rest, shown only where the group's cell is shown in the protected
    estimates of the same metric (so the rest is the shown total minus a shown part) and the rest
    itself is large enough. A group with respondents that the estimates do not list is not named
    at all (its rows are left out): its counts would be hidden cells the gate never protected.
    Marks `hidden_by` for the methods section."""
    keys = released[released["group_type"].eq(group_type)]
    status = {(m, str(g)): (s, w, pd.isna(n)) for m, g, s, w, n in
              zip(keys["metric"], keys["group"], keys["suppressed"],
                  keys.get("hidden_by", pd.Series("", index=keys.index)), keys["n"])}
    table = table[listed(table, released, group_type)].reset_index(drop=True)
    hidden, why, no_n = [], [], []
    for m, g in zip(table["metric"], table["group"]):
        s, w, n_hidden = status.get((m, str(g)), (True, "primary", False))
        rest_small = bool(rest_too_small(m, g)) if rest_too_small else False
        hidden.append(bool(s) or rest_small)
        no_n.append(bool(s) and n_hidden)
        why.append(w or ("primary" if s else "") or ("secondary" if rest_small else ""))
    out = hide(table, hidden)
    # a hidden conditional-base cell hides its n, and the rest's n (the total minus it) with it
    sizes = [c for c in ("n_group", "n_rest") if c in out]
    out[sizes] = out[sizes].astype("Int64")
    out.loc[np.array(no_n, dtype=bool), sizes] = pd.NA
    out["hidden_by"] = why
    return out


def drop_internal(frame: pd.DataFrame) -> pd.DataFrame:
    """The table as written: without the gate's bookkeeping; counts stay whole numbers where
    nothing in the table is hidden."""
    out = frame.drop(columns=[c for c in ("hidden_by", "answers_shown") if c in frame])
    if "count" in out and pd.api.types.is_float_dtype(out["count"]) and out["count"].notna().all() \
            and (out["count"] % 1 == 0).all():
        out["count"] = out["count"].astype("int64")
    return out
