"""Protection intervals: how closely a reader can work a hidden count back from everything shown,
and the further cells hidden until none comes back within the protection width.

What a reader knows, per metric: every shown count, every group's n, and that a count lies
between 0 and its n and is a whole number; the whole sample's count of each answer (a fact about
everyone, needing no protection). The respondents of the metric's base fall into atoms, the
finest groups the listed groups make (a listed country or a region's other countries, crossed
with the answers on offering micro-credentials and on credit); groupings released on their own
(institution type, role) are tied to the atoms by their totals only. The unknowns are how many
gave each answer in each atom; each shown number is an equation over them, and so is a child
metric's n (its base is an answer of its parent, e.g. the benefits among offering institutions),
over unknowns of its own, at most the parent's answer in each atom. The least and greatest value
a hidden count can take (a linear programme, its bounds rounded inward to whole numbers) is the
interval the reader is left with. The model knows each atom's size, which the tables do not say:
its intervals are never wider than a reader's.

Protected: the count of every hidden cell (and, for questions with more than two answers, the
count of each answer), and of every small group the listed groups leave over (a region's other
countries, those who skipped a question, a type or role not listed), wherever the run's releases
- and those of the region schemes before its own, which users publish beside it - hide them. Each
must be uncertain over `Policy.protection_width` whole numbers at least (the interval's width:
greatest minus least), or over as many as the whole sample's numbers leave it: a count of 0 in
the whole sample is 0 in every group, and a group of two holds 0, 1 or 2; a count of 0 or n that
a shown group holding it states for all its members needs none. While one is not, a shown number
that bounds it is hidden (a linear programme's dual values say which numbers bound it): a group's
answer distribution first, then a child metric's cell, then a cell, the smallest group first."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.optimize import linprog

from microcred.release.policy import Policy
from microcred.statistics.estimate import base_and_hit
from microcred.survey.codebook import Codebook, Metric

ALONE = ("inst_type", "role")  # groupings released on their own, tied to the rest by totals
NESTED = (("region", "country"), ("offers_mc", "offers_credit"))  # a total and its parts' type
ROUNDING = 1e-6  # solver tolerance before a bound is rounded to a whole number
SCOUTS = 12  # at most this many mixed objectives, each solved both ways, before single counts


@dataclass(frozen=True)
class Answers:
    """One metric's answers as a reader could count them: each respondent's answer as a position
    in `labels` (-1 outside the metric's base), and the positions the metric counts."""
    codes: np.ndarray
    labels: tuple[str, ...]
    counted: frozenset[int]

    @property
    def base(self) -> np.ndarray:
        """Whether each respondent is in the metric's base."""
        return self.codes >= 0


def answers(frame: pd.DataFrame, cb: Codebook) -> dict[str, Answers]:
    """Every metric's answers, by the labels of its question."""
    return {m.id: answers_of(frame, m, None if m.multi else cb.labels(m.column))
            for m in cb.metrics}


def answers_of(frame: pd.DataFrame, metric: Metric, labels: list[str] | None = None) -> Answers:
    """The metric's answers: each label of its question (`labels`), or (None, and for an option
    of a multi-select question) whether it counts or not."""
    in_base, hit = base_and_hit(frame, metric)
    if metric.multi or labels is None:
        labels, codes, counted = ["counted", "not counted"], np.where(hit, 0, 1), {0}
    else:
        codes = pd.Categorical(frame[metric.column], categories=labels).codes
        counted = {labels.index(label) for label in metric.numerator}
    return Answers(np.where(in_base, codes, -1).astype(np.int8), tuple(labels), frozenset(counted))


@dataclass(frozen=True)
class Cell:
    """A released cell as the interval rule sees it: its group, whether its count is shown, and
    who may hide it (`row`: its row of the table being protected; None: fixed, another release)."""
    row: int | None
    group_type: str
    group: object
    shown: bool
    answers_shown: bool = False  # its whole answer distribution shown too


@dataclass
class _Statement:
    owner: tuple | None  # ("cell", row) or ("answers", row); None: fixed
    columns: np.ndarray
    value: float
    child: bool = False  # a child's n (over the unknowns of the child's answers)
    whole: bool = False  # about the whole sample: known whatever is hidden


@dataclass
class _Target:
    what: str
    columns: np.ndarray
    row: int | None = None  # the hidden cell it is a count of
    required: int | None = None  # found when first needed
    alone: bool = False  # another release shows it: protected from this one's own numbers


@dataclass
class Outcome:
    """What the rule did for one metric: the rows it hid (its own, and children whose n it
    hid), the answer distributions it left out, and the counts it found too narrow."""
    hidden: list[int] = field(default_factory=list)
    answers_hidden: list[int] = field(default_factory=list)
    children_hidden: list[int] = field(default_factory=list)
    narrow: list[str] = field(default_factory=list)


class _AtomIndex:
    """Each respondent's atom over the listed groups of some groupings, found once for the
    metrics that list the same groups (over all respondents; a metric keeps its base's)."""

    def __init__(self, groups):
        self.groups, self.found = groups, {}

    def of(self, types: list[str], listed: dict) -> tuple[np.ndarray, dict, int]:
        """Each respondent's atom, each atom's code in each grouping, and how many atoms."""
        key = tuple((t, tuple(sorted(listed[t]))) for t in types)
        if key not in self.found:
            joint = np.zeros(self.groups.n, dtype=np.int64)
            codes = {}
            for t in types:
                codes[t] = np.where(np.isin(self.groups.codes[t], list(listed[t])),
                                    self.groups.codes[t], -1)
                joint = joint * (len(self.groups.lookup[t]) + 1) + codes[t] + 1
            atoms, every = np.unique(joint, return_inverse=True)
            component = {}
            for t in types:
                component[t] = np.zeros(len(atoms), dtype=np.int64)
                component[t][every] = codes[t]
            self.found[key] = (every.ravel(), component, len(atoms))
        return self.found[key]


class Reader:
    """Everything one metric's released cells tell a reader, as a linear programme over its
    atoms; `protect` hides cells until every protected count is uncertain enough."""

    def __init__(self, metric_id: str, answers: Answers, groups, cells: list[Cell], policy: Policy,
                 children: Sequence[tuple[str, int, list[tuple[Cell, int]]]] = (),
                 other_regions: tuple[str, ...] = (), index: _AtomIndex | None = None):
        self.metric, self.policy, self.cells = metric_id, policy, cells
        self.labels, self.groups, self.lookup = answers.labels, groups, groups.lookup
        listed: dict[str, set] = {}
        for cell in [*cells, *(c for _, _, rows in children for c, _ in rows)]:
            code = self._code(cell.group_type, cell.group)
            if code is not None:
                listed.setdefault(cell.group_type, set()).add(code)
        for t in other_regions:  # released by another run: its small groups are protected here too
            listed.setdefault(t, set()).update(self.lookup[t].values())
        self.main = sorted(t for t in listed if t != "all" and t not in ALONE)
        self.alone = sorted(t for t in listed if t in ALONE)
        self.base = answers.base
        self.answer = answers.codes[self.base].astype(np.int64)
        self.counted = np.array(sorted(answers.counted))
        self._atoms(listed, index or _AtomIndex(groups))
        self._children(children)
        self.statements = self._statements()
        self.targets = self._targets()

    # ----- the atoms and the unknowns
    def _code(self, group_type: str, group):
        if group_type == "all":
            return -1
        return self.lookup.get(group_type, {}).get(group)

    def _atoms(self, listed: dict, index: _AtomIndex) -> None:
        """Atoms: respondents of the base alike in every listed group of the main groupings (-1:
        none listed); each grouping released alone gets one unknown per group and answer. The
        unknowns' true values (`truth`): how many gave each answer there."""
        L = len(self.labels)
        every, component, count = index.of(self.main, listed)
        mine = every[self.base]
        present = np.bincount(mine, minlength=count) > 0  # the atoms with someone in the base
        self.atom_of = (np.cumsum(present) - 1)[mine]
        self.n_atoms = int(present.sum())
        self.atom_component = {t: component[t][present] for t in self.main}
        size = np.bincount(self.atom_of * L + self.answer, minlength=self.n_atoms * L)
        self.offset, parts = {}, [size]
        start = self.n_atoms * L
        for t in self.alone:
            width = len(self.lookup[t]) + 1
            self.offset[t] = start
            codes = self.groups.codes[t][self.base]
            parts.append(np.bincount((codes + 1) * L + self.answer, minlength=width * L))
            start += width * L
        self.truth = np.concatenate(parts).astype(float)
        self.n_vars = start

    def _children(self, children) -> None:
        """A child metric's n counts, in each group it shows, the respondents who gave its
        parent's answer and answered it: one more unknown per atom (at most those who gave the
        answer there), shared by children whose cells and n are alike (the options of one
        question)."""
        blocks: dict[tuple, tuple] = {}
        for _, label, rows in children:
            cells = [(c, n) for c, n in rows if c.shown and n
                     and self._code(c.group_type, c.group) is not None]
            key = (label, tuple((c.group_type, str(c.group), n, c.row is None) for c, n in cells))
            blocks.setdefault(key, (label, cells, []))[2].append([c.row for c, _ in cells])
        # (offset of its unknowns, parent's answer, [(group type, group, n, rows)])
        self.blocks = []
        for label, cells, rows in blocks.values():
            groups = [(c.group_type, c.group, n, tuple(r[k] for r in rows if r[k] is not None))
                      for k, (c, n) in enumerate(cells)]
            self.blocks.append((self.n_vars, label, groups))
            self.n_vars += self.n_atoms
        self.truth = np.concatenate([self.truth, np.zeros(self.n_vars - len(self.truth))])

    def columns(self, group_type: str, code: int, labels) -> np.ndarray:
        """The unknowns summed by the count of `labels` in a group (code -1 of a grouping: none
        of its listed groups)."""
        labels = np.asarray(sorted(labels))
        L = len(self.labels)
        if group_type in ALONE:
            return self.offset[group_type] + (code + 1) * L + labels
        inside = np.ones(self.n_atoms, bool) if group_type == "all" else \
            self.atom_component[group_type] == code
        return self.atom_columns(inside, labels)

    def atom_columns(self, inside: np.ndarray, labels) -> np.ndarray:
        """The unknowns of these answers (positions in the labels) in the atoms `inside`."""
        L = len(self.labels)
        return (np.flatnonzero(inside)[:, None] * L + np.asarray(labels)[None, :]).ravel()

    def _base_rows(self):
        """Each atom's and each group's answers add up to its size; the groups of a grouping
        released alone add up to everyone, answer by answer (equations); each child's answers
        in an atom are at most the parent's answer there (inequalities, right-hand side 0)."""
        L, rows, cols, values = len(self.labels), [], [], []
        r = 0
        for start, count in [(0, self.n_atoms)] + [(self.offset[t], len(self.lookup[t]) + 1)
                                                    for t in self.alone]:
            for k in range(count):
                rows += [r] * L
                cols += list(range(start + k * L, start + (k + 1) * L))
                values += [1.0] * L
                r += 1
        for t in self.alone:
            width = len(self.lookup[t]) + 1
            for label in range(L):
                theirs = [self.offset[t] + g * L + label for g in range(width)]
                ours = list(range(label, self.n_atoms * L, L))
                rows += [r] * (len(theirs) + len(ours))
                cols += theirs + ours
                values += [1.0] * len(theirs) + [-1.0] * len(ours)
                r += 1
        matrix = sparse.csr_array((values, (rows, cols)), shape=(r, self.n_vars))
        atoms = np.arange(self.n_atoms)
        # a child's answers in an atom: at most the parent's
        below = [sparse.csr_array((np.r_[np.ones(self.n_atoms), -np.ones(self.n_atoms)],
                                   (np.r_[atoms, atoms], np.r_[offset + atoms, atoms * L + label])),
                                  shape=(self.n_atoms, self.n_vars))
                 for offset, label, _ in self.blocks]
        upper = sparse.vstack(below).tocsr() if below else None
        return matrix, matrix @ self.truth, upper

    # ----- what is released
    def _statements(self) -> list[_Statement]:
        out, L = [], len(self.labels)
        everyone = self.columns("all", -1, range(L))
        for label in range(L):  # the whole sample's answers: facts about everyone
            columns = everyone[label::L]
            out.append(_Statement(None, columns, self.truth[columns].sum(), whole=True))
        for cell in self.cells:
            code = self._code(cell.group_type, cell.group)
            if code is None or not cell.shown:
                continue
            owner: tuple | None = None if cell.row is None else ("cell", cell.row)
            columns = self.columns(cell.group_type, code, self.counted)
            out.append(_Statement(owner, columns, self.truth[columns].sum()))
            if cell.answers_shown:
                owner = None if cell.row is None else ("answers", cell.row)
                for label in range(L):
                    columns = self.columns(cell.group_type, code, [label])
                    out.append(_Statement(owner, columns, self.truth[columns].sum()))
        for offset, _, groups in self.blocks:  # a child's n in each group it shows
            for group_type, group, n, rows in groups:
                code = self._code(group_type, group)
                inside = np.ones(self.n_atoms, bool) if group_type == "all" else \
                    self.atom_component[group_type] == code
                owner = ("child", rows, (group_type, group)) if rows else None
                out.append(_Statement(owner, offset + np.flatnonzero(inside), n, child=True))
        return out

    # ----- what is protected
    def _targets(self) -> list[_Target]:
        """The counts of every hidden cell and of every small group left over."""
        self._seen: set = set()
        out = []
        for cell in self.cells:
            if not cell.shown:
                out += self.cell_targets(cell)
        for what, inside in self._residuals():
            columns = partial(self.atom_columns, inside)
            out += self._counts(f"{self.metric} {what}", columns)
        for t in self.alone:
            listed = {self._code(c.group_type, c.group) for c in self.cells if c.group_type == t}
            for code in range(-1, len(self.lookup[t])):
                def members(t=t, c=code):
                    return self.groups.codes[t][self.base] == c

                if code not in listed and self._small(self._size(t, code), members):
                    out += self._counts(f"{self.metric} {t} {self._name(t, code)} (not listed)",
                                        lambda labels, t=t, c=code: self.columns(t, c, labels))
        return out

    def cell_targets(self, cell: Cell) -> list[_Target]:
        """A hidden cell's counts: its own and, for a question of more than two answers, each
        answer's; from this release's own numbers alone where another release shows them."""
        code = self._code(cell.group_type, cell.group)
        if code is None or not self._size(cell.group_type, code):
            return []
        key = (cell.group_type, cell.group)
        same = [c for c in self.cells if c is not cell and (c.group_type, c.group) == key]
        return self._counts(f"{self.metric} {cell.group_type} {cell.group}",
                            lambda labels: self.columns(cell.group_type, code, labels), cell.row,
                            count_alone=any(c.shown for c in same),
                            answers_alone=any(c.answers_shown for c in same))

    def _counts(self, what: str, columns_of, row=None, count_alone=False,
                answers_alone=False) -> list[_Target]:
        """The count a cell or group shows, and each answer's where a question has more than two;
        a count already protected under another name once."""
        each = [[label] for label in range(len(self.labels))] if len(self.labels) > 2 else []
        out = []
        for labels, suffix, alone in [(self.counted, "", count_alone)] + \
                [(s, f" = {self.labels[s[0]]}", answers_alone) for s in each]:
            columns = columns_of(labels)
            key = tuple(np.sort(columns))
            if len(columns) and key not in self._seen:
                self._seen.add(key)
                out.append(_Target(what + suffix, columns, row, alone=alone))
        return out

    def _size(self, group_type: str, code: int) -> int:
        """Respondents of a group in the metric's base."""
        return int(self.truth[self.columns(group_type, code, range(len(self.labels)))].sum())

    def _small(self, n: int, members) -> bool:
        """Whether a group of n respondents of the base is too small; its institutions counted
        (`members()`: a boolean over the base) only where they could be too few (n respondents
        span at least n / the most of one institution)."""
        if n == 0 or n < self.policy.min_group_size:
            return n > 0
        if n >= self.policy.min_institutions * self.groups.most_per_institution:
            return False
        institutions = self.groups.institutions[self.base][members()]
        return self.policy.too_small(n, len(np.unique(institutions)))

    def _name(self, group_type: str, code: int) -> str:
        names = {c: g for g, c in self.lookup[group_type].items()}
        return str(names.get(code, "(none)"))

    def _residuals(self) -> list[tuple[str, np.ndarray]]:
        """Small groups the listed ones leave over, as atoms: a grouping's unlisted part (those
        who skipped the offer question), a total's parts' remainder (a region's other countries,
        offering leaders who skipped the credit question), and, with regions of two schemes, the
        other countries shared by one region of each."""
        found, c = [], self.atom_component
        for t in self.main:
            found.append((f"none of the listed {t} groups", c[t] == -1))
        for parent, part in NESTED:
            for t in (p for p in self.main if p == parent or p.startswith(parent + ":")):
                if part not in self.main:
                    continue
                for code in np.unique(c[t][c[t] >= 0]):
                    found.append((f"{t} {self._name(t, code)} minus its listed {part} groups",
                                  (c[t] == code) & (c[part] == -1)))
        regions = [t for t in self.main if t == "region" or t.startswith("region:")]
        if len(regions) > 1 and "country" in self.main:
            others = np.unique(np.column_stack([c[t] for t in regions])[c["country"] == -1], axis=0)
            for codes in others:
                inside = c["country"] == -1
                for t, code in zip(regions, codes):
                    inside = inside & (c[t] == code)
                names = " & ".join(self._name(t, code) for t, code in zip(regions, codes))
                found.append((f"other countries of {names}", inside))
        shape = (self.n_atoms, len(self.labels))
        sizes = self.truth[: shape[0] * shape[1]].reshape(shape).sum(axis=1)
        return [(what, inside) for what, inside in found
                if self._small(int(sizes[inside].sum()), lambda i=inside: i[self.atom_of])]

    # ----- the rule
    def protect(self, width: int) -> Outcome:
        """Hide shown numbers until every protected count is uncertain over `width` whole numbers
        (or all the whole sample leaves it); what it hid. A count another release shows is
        protected from this release's own numbers alone (published alone, it must hold too).
        Hiding only widens intervals: a count once wide enough stays so, and only the narrow
        ones, one at a time, and the counts of cells newly hidden are looked at again."""
        outcome = Outcome()
        active = [True] * len(self.statements)
        base = self._base_rows()

        def switched_on(target) -> list[bool]:
            if not target.alone:
                return active
            return [on and (s.owner is not None or s.whole)
                    for s, on in zip(self.statements, active)]

        def narrower(programme, target) -> list[int] | None:
            """The statements bounding a target too narrow; None where it is wide enough."""
            lo, hi, binding = programme.interval(target)
            return binding if hi - lo < self._required(target, width, switched_on(target)) else None

        pending = list(self.targets)
        while pending:
            found: list[tuple[_Target, list[int] | None]] = []
            for alone in (False, True):
                mine = [t for t in pending if t.alone == alone]
                if mine:
                    programme = _Programme(base, self.statements, switched_on(mine[0]), self.n_vars)
                    found += programme.narrow(mine,
                                              lambda t: self._required(t, width, switched_on(t)))
            pending, hid = [], False
            for target, binding in found:
                outcome.narrow.append(target.what)
                programme = _Programme(base, self.statements, switched_on(target), self.n_vars)
                if hid:  # earlier hiding may have widened it already
                    binding = narrower(programme, target)
                while binding is not None:
                    owner = self._choose(binding, programme, target, switched_on(target))
                    if owner is None:  # what the releases beside it show is theirs to protect
                        lo, hi, _ = programme.interval(target)
                        if hi - lo < self._fixed_width(target, base):
                            raise RuntimeError(
                                f"{target.what}: no shown number can be hidden to protect it")
                        break
                    hid = True
                    for k, s in enumerate(self.statements):
                        active[k] = active[k] and not self._goes_with(s.owner, owner)
                    if owner[0] == "child":
                        outcome.children_hidden += list(owner[1])
                    else:
                        (outcome.hidden if owner[0] == "cell"
                         else outcome.answers_hidden).append(owner[1])
                    if owner[0] == "cell":
                        pending += self.cell_targets(self._cell(owner[1]))
                    programme = _Programme(base, self.statements, switched_on(target), self.n_vars)
                    binding = narrower(programme, target)
        return outcome

    def _goes_with(self, owner, hidden) -> bool:
        """Whether a statement goes when `hidden` is hidden: its own, a hidden cell's answer
        distribution and its children's n in the same group."""
        if owner is None:
            return False
        if owner == hidden:
            return True
        if hidden[0] != "cell" or owner[0] == "cell":
            return False
        cell = self._cell(hidden[1])
        return owner == ("answers", hidden[1]) or \
            (owner[0] == "child" and owner[2] == (cell.group_type, cell.group))

    def _cell(self, row: int) -> Cell:
        return next(c for c in self.cells if c.row == row)

    def _required(self, target: _Target, width: int, active: list[bool]) -> int:
        """How wide the target's interval must be: `width`, or as wide as the whole sample's
        answers leave it; nothing where a shown group holding it has none, or all, of its
        answers (a fact about everyone in the shown group)."""
        if self._told(target, active):
            return 0
        if target.required is None:
            size, counted, everyone = self._sizes(target.columns)
            target.required = int(min(width,
                                      min(size, counted) - max(0, size + counted - everyone)))
        return target.required

    def _fixed_width(self, target: _Target, base) -> int:
        """The target's width given the numbers this run cannot hide (the whole sample's, and
        the releases published beside it): hiding cannot widen it further."""
        fixed = [s.owner is None for s in self.statements]
        lo, hi, _ = _Programme(base, self.statements, fixed, self.n_vars).interval(target)
        return hi - lo

    def _sizes(self, columns: np.ndarray) -> tuple[float, float, float]:
        """For a count over `columns`: its group's size, and how often the whole sample gave
        the answers it counts, and the whole sample's size."""
        L = len(self.labels)
        rows, labels = np.unique(columns // L), np.unique(columns % L)
        size = self.truth[(rows[:, None] * L + np.arange(L)[None, :]).ravel()].sum()
        whole = self.truth[self.columns("all", -1, range(L))].reshape(-1, L).sum(axis=0)
        return size, whole[labels].sum(), whole.sum()

    def _told(self, target: _Target, active: list[bool]) -> bool:
        """Whether a shown number says the target's group gave none, or only, of its answers:
        a group holding it where nobody gave them (or more), or everybody gave them (or fewer)."""
        L = len(self.labels)
        mine = set(target.columns.tolist())
        rows, labels = set((target.columns // L).tolist()), set((target.columns % L).tolist())
        for s, on in zip(self.statements, active):
            if not on or s.child:
                continue
            if s.value == 0 and mine <= set(s.columns.tolist()):
                return True
            theirs = set((s.columns // L).tolist())
            if rows <= theirs and set((s.columns % L).tolist()) <= labels and \
                    s.value == self._sizes(s.columns)[0]:
                return True
        return False

    def _choose(self, binding: list[int], programme, target, active) -> tuple | None:
        """The shown number to hide: among those bounding the count (nonzero dual values), a
        group's answer distribution, then a child's n, then a cell, the smallest group first;
        never the whole sample's. Where the duals name none (a degenerate optimum), the first in
        that order whose hiding widens the interval."""
        owners = self._by_size({self.statements[k].owner for k in binding if active[k]})
        if owners:
            return owners[0]
        lo, hi, _ = programme.interval(target)
        for owner in self._by_size({s.owner for s, on in zip(self.statements, active) if on}):
            trial = [on and not self._goes_with(s.owner, owner)
                     for s, on in zip(self.statements, active)]
            low, high, _ = _Programme(programme.base, self.statements, trial,
                                      self.n_vars).interval(target)
            if high - low > hi - lo:
                return owner
        return None

    def _by_size(self, owners) -> list[tuple]:
        """Owners that may be hidden (not fixed, not the whole sample's cell), in the order the
        rule prefers."""
        def size(owner):
            group_type, group = owner[2] if owner[0] == "child" else \
                (self._cell(owner[1]).group_type, self._cell(owner[1]).group)
            return self._size(group_type, self._code(group_type, group))

        mayhide = [o for o in owners if o is not None and
                   (o[0] == "child" or self._cell(o[1]).group_type != "all")]
        # hiding an answer distribution leaves its cell, a child's n only that child's cell;
        # a parent's cell takes all its children's cells with it
        rank = {"answers": 0, "child": 1, "cell": 2}
        return sorted(mayhide, key=lambda o: (rank[o[0]], size(o), o[1]))


class _Programme:
    """The least and greatest value of sums of the unknowns under the base equations and the
    statements switched on."""

    def __init__(self, base, statements: list[_Statement], active: list[bool], n_vars: int):
        self.base, self.n_vars = base, n_vars
        self.kept = [k for k, on in enumerate(active) if on]
        matrix, values, self.a_ub = base
        self.a_eq = sparse.vstack([matrix,
                                   _rows([statements[k] for k in self.kept], n_vars)]).tocsr()
        self.b_eq = np.concatenate([values, [statements[k].value for k in self.kept]])
        self.b_ub = None if self.a_ub is None else np.zeros(self.a_ub.shape[0])
        self.n_base = matrix.shape[0]

    def solve(self, costs: np.ndarray):
        res = linprog(costs, A_ub=self.a_ub, b_ub=self.b_ub, A_eq=self.a_eq, b_eq=self.b_eq,
                      bounds=(0, None), method="highs")
        if res.status != 0:
            raise RuntimeError(f"the released numbers admit no table ({res.message})")
        return res

    def interval(self, target: _Target) -> tuple[int, int, list[int]]:
        """The whole numbers the target may take, and the statements bounding it (nonzero dual
        values at either end)."""
        costs = np.zeros(self.n_vars)
        costs[target.columns] = 1
        low, high = self.solve(costs), self.solve(-costs)
        binding = [self.kept[k - self.n_base] for res in (low, high)
                   for k in np.flatnonzero(np.abs(res.eqlin.marginals) > 1e-9) if k >= self.n_base]
        return (math.ceil(low.fun - ROUNDING), math.floor(-high.fun + ROUNDING), binding)

    def narrow(self, targets: list[_Target], required) -> list[tuple[_Target, list[int]]]:
        """The targets narrower than `required(target)`, each with the statements bounding it.
        Points found on the way (each a table a reader cannot rule out) show most targets wide
        enough without a programme of their own: objectives mixing the targets still in doubt,
        each pushed up or down at random (the same on every run), then each target alone."""
        matrix = _rows(targets, self.n_vars)
        low, high = np.full(len(targets), np.inf), np.full(len(targets), -np.inf)
        need = np.array([required(t) for t in targets], dtype=float)

        def doubtful() -> np.ndarray:
            return np.floor(high + ROUNDING) - np.ceil(low - ROUNDING) < need

        rng = np.random.default_rng(len(targets))
        left = doubtful()
        for k in range(SCOUTS):
            signs = np.where(left, 1.0 if k == 0 else rng.choice([-1.0, 1.0], len(targets)), 0.0)
            for sign in (1, -1):
                x = self.solve(sign * (signs @ matrix)).x
                values = matrix @ x
                np.minimum(low, values, out=low)
                np.maximum(high, values, out=high)
            before, left = left.sum(), doubtful()
            if before - left.sum() < 2:  # a round that shows fewer than two: each alone is cheaper
                break
        out = []
        for i in np.flatnonzero(doubtful()):
            lo, hi, binding = self.interval(targets[i])
            if hi - lo < need[i]:
                out.append((targets[i], binding))
        return out


def _rows(statements: list, n_vars: int) -> sparse.csr_array:
    """One row per statement (or target): ones at its columns."""
    lengths = [len(s.columns) for s in statements]
    return sparse.csr_array((np.ones(sum(lengths)), (np.repeat(np.arange(len(statements)), lengths),
                                                     np.concatenate([s.columns for s in statements])
                                                     if statements else np.array([], int))),
                            shape=(len(statements), n_vars))


def widen(table: pd.DataFrame, hidden: np.ndarray, why: np.ndarray, groups,
          answers: Mapping[str, Answers], conditions: Mapping[str, tuple[str, str]], policy: Policy,
          earlier: pd.DataFrame | None = None, distributions=None,
          other_regions: tuple[str, ...] = ()) -> np.ndarray:
    """The interval rule over a table the earlier rules have marked (`hidden`, `why`: updated
    here; cells it hides say 'interval'), metric by metric, parents before the metrics whose base
    is their answer (those inherit a parent's hidden cells). `groups`: each group type's codes
    (`gate._Groups`); `earlier`: another release's cells, fixed; `distributions`: the cells
    whose whole answer distribution would be shown; `other_regions`: the group types of other
    schemes' regions (their small groups are protected too). Returns which distributions are."""
    shown_answers = np.zeros(len(table), bool) if distributions is None else \
        np.asarray(distributions, bool) & ~hidden
    if policy.off:
        return shown_answers
    key = list(zip(table["group_type"], table["group"].astype(str)))
    rows = {m: list(i) for m, i in table.groupby("metric", sort=False).groups.items()}
    index = _AtomIndex(groups)
    fixed = {} if earlier is None else \
        {m: [Cell(None, t, g, not s, bool(a)) for t, g, s, a in
             zip(part["group_type"], part["group"], part["suppressed"].astype(bool),
                 part.get("answers_shown", pd.Series(False, index=part.index)))]
         for m, part in earlier.groupby("metric", sort=False)}
    for metric in sorted(rows, key=lambda m: m in conditions):
        if metric in conditions:  # hidden where the parent's cell of the same group is
            parent_hidden = {key[i] for i in rows[conditions[metric][0]] if hidden[i]}
            for i in rows[metric]:
                if key[i] in parent_hidden and not hidden[i]:
                    hidden[i], why[i] = True, "interval"
        if not answers[metric].base.any():
            continue  # nobody answered: nothing to work back
        cells = [Cell(i, table.at[i, "group_type"], table.at[i, "group"], not hidden[i],
                      bool(shown_answers[i])) for i in rows[metric]] + fixed.get(metric, [])
        children = []
        for child, (parent, value) in conditions.items():
            if parent == metric and child in rows:
                label = answers[metric].labels.index(value)
                mine = [Cell(i, table.at[i, "group_type"], table.at[i, "group"], not hidden[i])
                        for i in rows[child]] + fixed.get(child, [])
                children.append((child, label,
                                 [(c, _size(groups, answers[child], c)) for c in mine]))
        outcome = Reader(metric, answers[metric], groups, cells, policy, children, other_regions,
                         index).protect(policy.protection_width)
        for i in outcome.hidden + outcome.children_hidden:
            hidden[i], why[i], shown_answers[i] = True, "interval", False
        shown_answers[outcome.answers_hidden] = False
    return shown_answers & ~hidden


def _size(groups, answers: Answers, cell: Cell) -> int:
    """Respondents of a cell's group in the metric's base (a child metric's n)."""
    if cell.group_type == "all":
        return int(answers.base.sum())
    code = groups.lookup[cell.group_type].get(cell.group)
    return 0 if code is None else int((answers.base
                                       & (groups.codes[cell.group_type] == code)).sum())
