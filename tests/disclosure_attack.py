"""The project's disclosure audit: an outsider's attack on what microcred runs release. How
closely can a reader work back the counts the disclosure gate hides? (tests/test_disclosure_audit.py
runs it; it imports nothing of microcred, so that it attacks what is released, not the gate's idea
of it.)

The reader has the run folders (tables/*.csv, figures/*.json and *.svg, report/report.html), or
a run's tables alone (`Run.of`), and public knowledge: the instrument (data/external/codebook.yaml:
questions, routing, answer scales, metric definitions) and which country lies in which region
(data/external/region_schemes.csv over the country table of the `country_converter` package, as
the pipeline itself maps them).

The model. Respondents fall into cells: a geographic atom (each country a table lists; the
unlisted countries of each region, or of each pair of regions where runs under two region schemes
are attacked together) crossed with the institution's situation (offers micro-credentials: Yes,
No, Not sure, skipped; among Yes, awards credit: Yes, No, skipped). The unknowns are whole
numbers: respondents per cell, and per cell the answers of every question (each label of a
single-choice question, the answered flag and each option of a multi-select one; skipping is the
slack). Groupings released only on their own (institution type, role) get their own unknowns,
tied to the cells by their totals. Every released number becomes a linear equation or, where
rounded, a pair of inequalities over them: shown counts and n, counts from shown percent x n,
comparisons (group and rest), region-balanced and raw shares, published-figure rows, item
non-response, "Not sure" counts, figure captions (n by region, by country, of the focus groups),
answer distributions (tables/benefit_answers.csv, and the five-point bars read back from
figures/benefits_likert.svg), the dots and annotations of the other figures, means per respondent,
pairs and combinations of barriers (a block of its own over the 2^8 exact combinations). Bounds:
every unknown and every slack (skipped = respondents - answered) is >= 0, options are chosen by
those who answered, "None of these" excludes the others, each answer names at least one option
and at most `max_selected`.

For every hidden count (a cell a table lists without its value, a hidden n, what a family's
shown parts leave of its total: unlisted countries, skipped questions, and in the joint attack
every atom of the two schemes) the attack computes the least and greatest value a reader cannot
rule out: linear programme first (HiGHS through scipy), then the integer programme where the
rounded interval is narrow. A width of 0 is an exact pin, 1-2 a near pin; a count pinned at 0 or
at its n discloses an empty or unanimous group. Given the runs' clean microdata (truth), every
released equation is checked against the truth (a violated one is a bug of the attack) and every
interval must contain the true count. The protection rule (`Result.failures`, `required`): every
hidden count and answer must span the protection width, or what the whole sample's answers leave
it (`apriori`); a pin at 0 or n that a shown group's own 0 or n implies (`Target.told`) and a
count another run shows are not secrets; a hidden n is protected through its parent's count.

Usage (from the project's root, after `make report` or in a run's folder):
    python tests/disclosure_attack.py RUN [RUN ...] [--truth] [--rule WIDTH] [--json FILE]
Several RUNs (the same data under other parameters, e.g. region_scheme m49 and continent, given in
the schemes' order) are attacked jointly.
"""

from __future__ import annotations

import argparse
import html
import io
import itertools
import json
import math
import re
import sys
import time
import xml.etree.ElementTree as ET
from collections import defaultdict
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd
import yaml
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, linprog, milp

HALF_UNIT = 0.0005 + 1e-9  # tables print floats with three decimals (%.3f)
DRAWN = 1e-4  # a dot's position gives its percent to far better than this (SVG: 1e-6 pt)
ROUNDING = 1e-5  # solver tolerance allowed before an LP bound is rounded to a whole number
SITUATION = ("offers_mc", "offers_credit")  # groupings crossed with geography (nested by routing)
SKIP = None  # the value of a question a respondent skipped or was not asked
NEAR = 2  # widths 1..NEAR are near pins
MARGINAL_SKIP = "(skipped)"  # the group of a grouping released on its own who skipped it
ANSWERED = "(answered)"  # a multi-select question answered at all
MILP_WIDTH = NEAR + 1  # rounded LP intervals this narrow are tightened by the integer programme
MILP_SECONDS = 5.0  # per solve
MILP_BUDGET = 10.0  # per model
WIDE = 10  # an interval seen to be wider than this is not solved exactly (the report's widest bin)
SCOUTS = 16  # random objectives solved first
# figures whose dots or annotations are read back, and the question whose labels they name (None:
# the single-choice metrics)
DRAWN_FIGURES = {"adoption_by_region": None, "barriers_ranked": "barriers",
                 "growth_considerations": "growth_priorities", "barriers_heatmap": "barriers",
                 "barriers_by_situation": "barriers"}
GROUP_TABLES = ("estimates", "barriers_by_region", "barriers_by_situation", "non_offering",
                "institution_vs_respondent")
COMPARISONS = ("focus_region_vs_rest", "countries_vs_rest", "barriers_focus_vs_rest")
# "Leaders in X (n=...) against all other leaders (n=...)", "Differences between the shares of
# leaders in X (n=...) and of all other leaders (n=...)" and the older wordings: X and both n
CAPTION_GROUPS = (r"(?:Differences between (?:the shares of leaders in )?|Leaders in )?"
                  r"([^\n(]+?) \(n=([\d,]+)\) (?:and (?:of )?|against )"
                  r"all other (?:respondents|leaders) \(n=([\d,]+)\)")
SVG = "{http://www.w3.org/2000/svg}"
# Territories with no permanent civilian population, hence no institution: a reader assumes nobody
# answered from there (British Indian Ocean Territory alone would otherwise keep "Africa minus
# Sub-Saharan Africa" from being North Africa). The truth check would show a respondent there.
UNINHABITED = ("ATA", "ATF", "BVT", "HMD", "IOT", "SGS", "UMI")


# --------------------------------------------------------------------------- the instrument

@dataclass(frozen=True)
class Metric:
    id: str
    question: str
    kind: str  # "choice" or "multi"
    numerator: tuple[str, ...]  # labels that count (multi: the option's own label)
    among: tuple[tuple[str, str], ...]  # base conditions beyond answering
    label: str


@dataclass
class Instrument:
    """What the public codebook says: questions (routing, labels) and metrics."""
    questions: dict[str, dict]
    scales: dict[str, list[str]]
    metrics: dict[str, Metric]

    @classmethod
    def load(cls, path: Path) -> Instrument:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        leaders = raw["leaders"]
        questions = {q["id"]: q for q in leaders["questions"]}
        metrics = {}
        for m in leaders["metrics"]:
            among = tuple((m.get("among") or {}).items())
            if "multi" in m:
                for option in questions[m["multi"]]["options"]:
                    metrics[option["metric"]] = Metric(option["metric"], m["multi"], "multi",
                                                       (option["label"],), among, option["label"])
                continue
            numerator = m["numerator"]
            numerator = leaders["top_boxes"][numerator] if isinstance(numerator, str) else numerator
            metrics[m["id"]] = Metric(m["id"], m["column"], "choice", tuple(numerator), among,
                                      m["label"])
        return cls(questions, raw["scales"], metrics)

    def labels(self, question: str) -> list[str]:
        q = self.questions[question]
        if q["kind"] == "multi":
            return [o["label"] for o in q["options"]]
        return list(self.scales[q["scale"]])

    def asked(self, question: str) -> dict:
        asked = self.questions[question]["asked"]
        return asked if isinstance(asked, dict) else {}


# --------------------------------------------------------------------------- one run's release

@dataclass
class Run:
    """What one run releases, as a reader has it (`folder`: where its figures are, if read)."""
    folder: Path | None
    name: str
    tables: dict[str, pd.DataFrame]
    captions: dict[str, str]  # figure name -> title and caption
    report: str  # the report's text, tags stripped
    scheme: str
    thresholds: tuple[int, int]  # (min_group_size, min_institutions) as the report states them
    regions: list[str]
    countries: list[str]
    people: int | None = None  # respondents, where no dispositions table says

    @classmethod
    def read(cls, folder: Path) -> Run:
        folder = Path(folder)
        tables = {p.stem: pd.read_csv(p) for p in sorted((folder / "tables").glob("*.csv"))}
        captions = {}
        for p in sorted((folder / "figures").glob("*.json")):
            meta = json.loads(p.read_text(encoding="utf-8"))
            captions[p.stem] = f"{meta.get('title', '')}\n{meta.get('caption', '')}"
        page = (folder / "report" / "report.html").read_text(encoding="utf-8")
        text = html.unescape(re.sub(r"<[^>]+>", " ", re.sub(r"<(style|script)\b.*?</\1>", "", page,
                                                              flags=re.S)))
        text = re.sub(r"\s+", " ", text)
        scheme = re.search(r"region scheme (\w+)", text).group(1)
        found = re.search(r"fewer than (\d+) respondents or (\d+) institutions", text)
        thresholds = (int(found.group(1)), int(found.group(2))) if found else (0, 0)
        est = tables["estimates"]
        regions = list(dict.fromkeys(est.loc[est["group_type"].eq("region"), "group"]))
        return cls(folder, folder.name, tables, captions, text, scheme, thresholds, regions,
                   named_countries(tables, regions))

    @classmethod
    def of(cls, name: str, tables: dict[str, pd.DataFrame], scheme: str,
           thresholds: tuple[int, int], respondents: int) -> Run:
        """A release given as its tables (no figures, captions or report text: what they say
        is what the tables say, which tests of the figures check)."""
        est = tables["estimates"]
        regions = list(dict.fromkeys(est.loc[est["group_type"].eq("region"), "group"]))
        return cls(None, name, tables, {}, "", scheme, thresholds, regions,
                   named_countries(tables, regions), respondents)

    @property
    def respondents(self) -> int:
        if self.people is not None:
            return self.people
        d = self.tables["dispositions"]
        return int(d.loc[d["survey"].eq("leaders"), "rows_out"].iloc[-1])


def named_countries(tables: dict[str, pd.DataFrame], regions: list[str]) -> list[str]:
    """Every country a table names as a group: listed in the estimates, compared with the rest,
    or in a published-figure row."""
    names = []
    est = tables["estimates"]
    names += list(est.loc[est["group_type"].eq("country"), "group"])
    for name in (*COMPARISONS, "barriers_named_per_respondent"):
        if name in tables:
            names += [g for g in tables[name]["group"] if g not in regions and g != "rest"]
    published = tables.get("published_vs_reproduced")
    if published is not None:
        rows = published[published["group_type"].isin(["country", "country_offers_mc"])]
        names += [g.split("|")[0] for g in rows["group"]]
    return list(dict.fromkeys(names))


# --------------------------------------------------------------------------- geography

def country_regions(region_schemes: Path, schemes: list[str]) -> pd.DataFrame:
    """Every country of the public country table with its region under each scheme (the rules
    of region_schemes.csv: subregion, then continent, then per-country overrides)."""
    import logging

    import country_converter as coco

    logging.getLogger("country_converter").setLevel(logging.CRITICAL)
    data = coco.CountryConverter().data[["ISO3", "name_short", "UNregion", "Continent_7"]]
    rules = pd.read_csv(region_schemes, dtype=str)
    out = pd.DataFrame({"iso3": data["ISO3"], "country": data["name_short"]})
    column = {"subregion": "UNregion", "continent": "Continent_7", "iso3": "ISO3"}
    for scheme in schemes:
        region = pd.Series(pd.NA, index=data.index, dtype="object")
        for match in ("subregion", "continent", "iso3"):
            lookup = rules[rules["scheme"].eq(scheme) & rules["match"]
                           .eq(match)].set_index("key")["region"]
            hit = data[column[match]].map(lookup)
            region = hit.where(hit.notna(), region)
        out[scheme] = region
    return out


@dataclass(frozen=True)
class Atom:
    """The finest geographic group a reader can form: a listed country, or the unlisted
    countries sharing one region under every scheme attacked."""
    name: str
    regions: tuple[str, ...]  # one per scheme
    country: str | None = None


def geography(runs: list[Run], region_schemes: Path) -> tuple[list[str], list[Atom]]:
    schemes = list(dict.fromkeys(r.scheme for r in runs))
    table = country_regions(region_schemes, schemes)
    by_name = table.set_index("country")
    listed = list(dict.fromkeys(c for r in runs for c in r.countries))
    present = {s: set().union(*(r.regions for r in runs if r.scheme == s)) for s in schemes}
    atoms = []
    for c in listed:
        regions = tuple(by_name.at[c, s] for s in schemes)
        atoms.append(Atom(c, regions, c))
    rest = table[~table["country"].isin(listed) & ~table["iso3"]
                 .isin(UNINHABITED)].dropna(subset=schemes)
    for regions in sorted(set(map(tuple, rest[schemes].to_numpy()))):
        if all(r in present[s] for r, s in zip(regions, schemes)):
            atoms.append(Atom("other " + " & ".join(dict.fromkeys(regions)), regions))
    return schemes, atoms


# --------------------------------------------------------------------------- linear model

class Model:
    """Whole-number unknowns (>= 0) and rows lo <= a.x <= hi, each with a name."""

    def __init__(self):
        self.keys, self.index, self.upper = [], {}, []
        self.rows: list[tuple[dict, float, float, str]] = []

    def var(self, key, upper: float = np.inf) -> int:
        if key not in self.index:
            self.index[key] = len(self.keys)
            self.keys.append(key)
            self.upper.append(upper)
        return self.index[key]

    def add(self, expr: dict, lo: float, hi: float, name: str) -> None:
        expr = {k: v for k, v in expr.items() if v}
        if expr:
            self.rows.append((expr, lo, hi, name))
        elif not lo - 1e-9 <= 0 <= hi + 1e-9:
            raise ValueError(f"released numbers contradict each other: {name}")

    def equal(self, expr: dict, value: float, name: str) -> None:
        self.add(expr, value, value, name)

    def within(self, expr: dict, lo: float, hi: float, name: str, whole: bool = True) -> None:
        """lo <= expr <= hi; where expr is a count (whole coefficients), to whole numbers."""
        if whole:
            lo, hi = math.ceil(lo - 1e-9), math.floor(hi + 1e-9)
        self.add(expr, lo, hi, name)

    def compile(self, keep=None):
        """The solver of the rows (those `keep(name)` keeps, where given)."""
        n = len(self.keys)
        rows_kept = [r for r in self.rows if keep is None or keep(r[3])]
        data, rows, cols = [], [], []
        for i, (expr, _, _, _) in enumerate(rows_kept):
            rows += [i] * len(expr)
            cols += list(expr)
            data += list(expr.values())
        a = sparse.csr_array((data, (rows, cols)), shape=(len(rows_kept), n))
        lo = np.array([r[1] for r in rows_kept], dtype=float)
        hi = np.array([r[2] for r in rows_kept], dtype=float)
        return Solver(a, lo, hi, np.array(self.upper, dtype=float))

    def violated(self, truth: np.ndarray, tol: float = 1e-6) -> list[str]:
        out = []
        for expr, lo, hi, name in self.rows:
            value = sum(truth[k] * v for k, v in expr.items())
            if value < lo - tol or value > hi + tol:
                out.append(f"{name}: truth {value:g} not in [{lo:g}, {hi:g}]")
        return out


def plus(*exprs: dict) -> dict:
    out = defaultdict(float)
    for e in exprs:
        for k, v in e.items():
            out[k] += v
    return {k: v for k, v in out.items() if v}


def minus(a: dict, b: dict) -> dict:
    return plus(a, {k: -v for k, v in b.items()})


def scaled(expr: dict, factor: float) -> dict:
    return {k: v * factor for k, v in expr.items()}


class Solver:
    """Least and greatest value of a linear expression over the model: the LP relaxation (each
    solve starts from the last one's basis, so a few dozen primal simplex steps instead of a
    fresh solve), and the integer programme on request."""

    def __init__(self, a, lo, hi, upper):
        self.a, self.lo, self.hi, self.upper = a, lo, hi, upper
        self._highs = _hot_start_highs(a, lo, hi, upper)
        self._cost_set = np.array([], dtype=np.int64)

    def interval(self, expr: dict) -> tuple[int, int]:
        """The LP bounds of expr, rounded inward to whole numbers."""
        lo, hi = self.bound(expr, 1)[0], self.bound(expr, -1)[0]
        return math.ceil(lo - ROUNDING), math.floor(hi + ROUNDING)

    def bound(self, expr: dict, sign: int) -> tuple[float, np.ndarray]:
        """min (sign 1) or max (sign -1) of expr over the LP relaxation, and a point attaining
        it."""
        columns = np.fromiter(expr, dtype=np.int64)
        value, x = self.optimum(columns, sign * np.fromiter(expr.values(), dtype=float))
        return sign * value, x

    def optimum(self, columns: np.ndarray, costs: np.ndarray) -> tuple[float, np.ndarray]:
        """min of costs . x[columns] over the LP relaxation, and the point."""
        if self._highs is not None:
            h = self._highs
            h.changeColsCost(len(self._cost_set), self._cost_set, np.zeros(len(self._cost_set)))
            h.changeColsCost(len(columns), columns, costs)
            self._cost_set = columns
            h.run()
            if h.modelStatusToString(h.getModelStatus()) == "Optimal":
                return h.getInfo().objective_function_value, np.asarray(h.getSolution().col_value)
        c = np.zeros(self.a.shape[1])
        c[columns] = costs
        res = linprog(c, A_ub=sparse.vstack([self.a, -self.a]),
                      b_ub=np.concatenate([self.hi, -self.lo]).clip(-1e12, 1e12),
                      bounds=list(zip(np.zeros(len(self.upper)),
                                      np.where(np.isfinite(self.upper), self.upper, None))),
                      method="highs")
        if res.status != 0:
            raise RuntimeError(f"LP failed ({res.message}): the released equations are "
                               "inconsistent or unbounded")
        return res.fun, res.x

    def integer(self, expr: dict, sign: int, current: int) -> tuple[int, bool]:
        """The whole-number min (sign 1) or max (sign -1), no looser than `current`, and whether
        the integer programme proved it."""
        c = np.zeros(self.a.shape[1])
        for k, v in expr.items():
            c[k] += sign * v
        res = milp(c, constraints=LinearConstraint(self.a, self.lo, self.hi),
                   bounds=Bounds(np.zeros(len(self.upper)), self.upper),
                   integrality=np.ones(len(self.upper)),
                   options={"time_limit": MILP_SECONDS, "disp": False})
        proven = res.status == 0 and res.fun is not None
        value = res.fun if proven else getattr(res, "mip_dual_bound", None)
        if value is None or not np.isfinite(value):
            return current, False
        value = sign * value
        if sign == 1:
            return max(math.ceil(value - ROUNDING), current), proven
        return min(math.floor(value + ROUNDING), current), proven


def _hot_start_highs(a, lo, hi, upper):
    """HiGHS as scipy bundles it, the model loaded once, primal simplex without presolve (so
    each new objective starts from the previous optimal basis). None where this scipy does not
    expose it: every solve is then a fresh `linprog`."""
    try:
        from scipy.optimize._highspy import _core as core
    except ImportError:
        return None
    h = core._Highs()
    for option, value in (("output_flag", False), ("presolve", "off"), ("simplex_strategy", 4)):
        h.setOptionValue(option, value)
    lp = core.HighsLp()
    csc = sparse.csc_array(a)
    lp.num_col_, lp.num_row_ = csc.shape[1], csc.shape[0]
    inf = core.kHighsInf
    lp.col_cost_ = np.zeros(csc.shape[1])
    lp.col_lower_ = np.zeros(csc.shape[1])
    lp.col_upper_ = np.where(np.isfinite(upper), upper, inf)
    lp.row_lower_ = np.where(np.isfinite(lo), lo, -inf)
    lp.row_upper_ = np.where(np.isfinite(hi), hi, inf)
    lp.a_matrix_.format_ = core.MatrixFormat.kColwise
    matrix = lp.a_matrix_
    matrix.start_, matrix.index_, matrix.value_ = csc.indptr, csc.indices, csc.data
    lp.a_matrix_.num_col_, lp.a_matrix_.num_row_ = csc.shape[1], csc.shape[0]
    h.passModel(lp)
    h.run()
    if h.modelStatusToString(h.getModelStatus()) != "Optimal":
        raise RuntimeError("the released equations are inconsistent: no table fits them all")
    return h


# --------------------------------------------------------------------------- the survey model

@dataclass
class Target:
    """A hidden count: what the reader would like to know, and the base it is a count of."""
    name: str
    expr: dict
    group: dict  # whose members the count is about: its n (a pair or combination: itself)
    kind: str  # "hidden cell", "hidden n", "residual", "atom", "pair", "combination"
    runs: tuple[str, ...]
    thresholds: tuple[int, int]
    answer: bool = False  # the count of one answer (not the metric's count)
    truth: int | None = None
    truth_n: int | None = None
    small: bool | None = None  # under the thresholds (respondents or institutions), by the truth
    lo: float | None = None
    hi: float | None = None
    exact_integer: bool = False  # both bounds proven by the integer programme
    solved: bool = True  # False: [lo, hi] are values seen, the interval is at least as wide
    n_lo: int | None = None  # without the truth: the group's size as a reader can bound it
    n_hi: int | None = None
    metric: str | None = None  # the count of which metric's answers (`labels`: None, its own)
    labels: tuple[str, ...] | None = None
    cells: frozenset | None = None  # the model's cells of its group (None: a grouping alone)
    whole: dict | None = None  # the same answers' count, and (whole_n) the base, over everyone
    whole_n: dict | None = None
    whole_truth: tuple[int, int] | None = None  # their true values
    told: bool = False  # a released group holding it has none, or all, of its answers
    before: int | None = None  # its width given the runs before its own alone (published first)
    options_width: float | None = None  # a pair's or combination's, given the options' counts

    @property
    def empty(self) -> bool:
        return self.truth_n == 0 or (self.truth_n is None and self.n_hi == 0)

    @property
    def at_bound(self) -> bool:
        """Pinned at 0 or at its group's n: an empty or unanimous group."""
        if self.truth is not None:
            return self.width == 0 and self.truth in (0, self.truth_n)
        return self.width == 0 and (self.lo == 0 or self.n_lo == self.n_hi == self.lo)

    @property
    def width(self) -> float:
        return self.hi - self.lo


@dataclass(frozen=True)
class Fact:
    """A shown group where nobody (`full` False) or everybody (True) gave the answers counted:
    a fact about everyone in it, and so about every group inside it."""
    metric: str
    answers: frozenset
    cells: frozenset
    full: bool


class Survey:
    """The unknowns, and the expressions of released quantities over them. A question's answers
    are split only by the situation groupings it is released by (`dims`): merging the cells no
    release tells apart loses nothing and keeps the model small."""

    def __init__(self, instrument: Instrument, schemes: list[str], atoms: list[Atom], total: int,
                 dims: dict[str, set[str]]):
        self.instrument, self.schemes, self.atoms = instrument, schemes, atoms
        self.model = Model()
        self.total = total
        self._routed_states, self._base_states = {}, {}
        self.states = self._states()
        self.cells = [(g, s) for g in range(len(atoms)) for s in range(len(self.states))]
        self.population = {c: self.model.var(("P", *c), total) for c in self.cells}
        self.model.equal({v: 1 for v in self.population.values()}, total, "respondents")
        self._coarse: dict[str, dict] = {}  # question -> fine cell -> its merged cell
        self._members: dict[str, dict] = {}  # question -> merged cell -> fine cells
        self._answers: dict[tuple, dict] = {}  # (question, merged cell) -> label -> unknown
        self._marginals: dict[tuple, dict] = {}
        for question, spec in instrument.questions.items():
            if question in SITUATION or spec["kind"] not in ("choice", "multi"):
                continue
            if spec["kind"] == "choice" and not any(m.question == question
                                                    for m in instrument.metrics.values()):
                continue
            self._merge(question, dims.get(question, set()))
            if spec["kind"] == "choice":
                self._choice(question)
            else:
                self._multi(question)

    # ----- cells
    def _states(self) -> list[dict]:
        states = [{}]
        for q in SITUATION:
            states = [s | {q: v} for s in states
                      for v in (self.instrument.labels(q) + [SKIP] if self._routed(q, s)
                                else [SKIP])]
        return states

    def _routed(self, question: str, state: dict) -> bool:
        return all(state.get(c) == v for c, v in self.instrument.asked(question).items())

    def routed_cells(self, question: str, cells) -> list:
        if question not in self._routed_states:  # (asked once per question)
            self._routed_states[question] = [self._routed(question, s) for s in self.states]
        routed = self._routed_states[question]
        return [c for c in cells if routed[c[1]]]

    def _merge(self, question: str, dims: set[str]) -> None:
        kept = [d for d in SITUATION if d in dims]
        self._coarse[question] = {c: (c[0], tuple(self.states[c[1]][d] for d in kept))
                                  for c in self.routed_cells(question, self.cells)}
        members = defaultdict(list)
        for c, merged in self._coarse[question].items():
            members[merged].append(c)
        self._members[question] = dict(members)

    def _within(self, question: str, merged, unknowns: list[int], what: str) -> None:
        """What a merged cell's respondents answered is at most how many they are."""
        people = {self.population[c]: 1 for c in self._members[question][merged]}
        self.model.add(minus({x: 1 for x in unknowns}, people), -np.inf, 0,
                       f"{question} {what} within {self.cell_name(merged)}")

    def _choice(self, question: str) -> None:
        labels = self.instrument.labels(question)
        for merged in self._members[question]:
            xs = {label: self.model.var(("a", question, merged, label), self.total)
                  for label in labels}
            self._within(question, merged, list(xs.values()), "answers")
            self._answers[question, merged] = xs

    def _multi(self, question: str) -> None:
        for merged in self._members[question]:
            answered = self.model.var(("a", question, merged, ANSWERED), self.total)
            self._within(question, merged, [answered], "answered")
            options = {label: self.model.var(("a", question, merged, label), self.total)
                       for label in self.instrument.labels(question)}
            self._options_rules(question, answered, options, self.cell_name(merged))
            self._answers[question, merged] = {ANSWERED: answered, **options}

    def _options_rules(self, question: str, answered: int, options: dict, where: str) -> None:
        """Options are chosen by those who answered; an exclusive option excludes the others;
        each answer names at least one option and at most max_selected."""
        q = self.instrument.questions[question]
        exclusive = q.get("exclusive")
        for label, h in options.items():
            self.model.add({h: 1, answered: -1}, -np.inf, 0,
                           f"{question} {label} <= answered, {where}")
            if exclusive and label != exclusive:
                self.model.add({h: 1, options[exclusive]: 1, answered: -1}, -np.inf, 0,
                               f"{question} {label} excludes {exclusive}, {where}")
        self.model.add(plus({h: 1 for h in options.values()}, {answered: -1}), 0, np.inf,
                       f"{question} at least one option, {where}")
        most = q.get("max_selected", len(options) - (1 if exclusive else 0))
        substantive = {h: 1 for label, h in options.items() if label != exclusive}
        if exclusive:  # the others are at most `most` each, none where the exclusive is chosen
            substantive[options[exclusive]] = most
        self.model.add(plus(substantive, {answered: -most}), -np.inf, 0,
                       f"{question} at most {most} options, {where}")

    def cell_name(self, merged) -> str:
        g, values = merged
        values = [str(v) for v in values if v is not None]
        return f"[{self.atoms[g].name}{'; ' if values else ''}{', '.join(values)}]"

    # ----- groups
    def group_cells(self, run: Run, group_type: str, group) -> list | None:
        """The cells of a released group; None for a grouping released on its own."""
        if group_type == "all":
            return list(self.cells)
        if group_type == "region":
            k = self.schemes.index(run.scheme)
            return [c for c in self.cells if self.atoms[c[0]].regions[k] == group]
        if group_type == "country":
            return [c for c in self.cells if self.atoms[c[0]].country == group]
        if group_type in SITUATION:
            return [c for c in self.cells if self.states[c[1]][group_type] == group]
        if group_type == "country_offers_mc":
            country, offer = str(group).split("|")
            return [c for c in self.cells if self.atoms[c[0]].country == country
                    and self.states[c[1]]["offers_mc"] == offer]
        return None

    def in_base(self, metric: Metric, cells) -> list:
        if metric.question not in SITUATION:
            cells = self.routed_cells(metric.question, cells)
        if metric.id not in self._base_states:
            self._base_states[metric.id] = [all(s.get(col) == v for col, v in metric.among
                                                if col in SITUATION)
                                            for s in self.states]
        inside = self._base_states[metric.id]
        return [c for c in cells if inside[c[1]]]

    def answers(self, metric: Metric, cells, labels=None) -> dict:
        """Respondents of the cells in the metric's base giving one of `labels` (None: any
        answer, i.e. the base)."""
        out = defaultdict(float)
        cells = self.in_base(metric, cells)
        if metric.question in SITUATION:
            for c in cells:
                value = self.states[c[1]][metric.question]
                if value is not SKIP and (labels is None or value in labels):
                    out[self.population[c]] += 1
            return dict(out)
        q = metric.question
        merged = defaultdict(set)
        for c in cells:
            merged[self._coarse[q][c]].add(c)
        for cell, inside in merged.items():
            if len(inside) != len(self._members[q][cell]):
                raise ValueError(f"{metric.id}: a released group splits {self.cell_name(cell)}")
            answers = self._answers[q, cell]
            if metric.kind == "multi":
                keys = [ANSWERED] if labels is None else list(labels)
            else:
                keys = list(answers) if labels is None else list(labels)
            for key in keys:
                out[answers[key]] += 1
        return dict(out)

    def base(self, metric: Metric, cells) -> dict:
        return self.answers(metric, cells)

    def hits(self, metric: Metric, cells) -> dict:
        return self.answers(metric, cells, metric.numerator)

    def people(self, cells) -> dict:
        return {self.population[c]: 1 for c in cells}

    # ----- groupings released on their own (institution type, role)
    def marginal(self, grouping: str, metric: Metric) -> dict:
        """label -> {"base": expr, "hits": expr} of the grouping's own unknowns for the metric's
        question, tied to the cells by totals; every label of the grouping and those who skipped
        it are groups."""
        question = metric.question
        if (grouping, question) not in self._marginals:
            self._marginals[grouping, question] = self._make_marginal(grouping, question)
        out = {}
        for g, unknowns in self._marginals[grouping, question].items():
            if metric.kind == "multi":
                out[g] = {"base": {unknowns[ANSWERED]: 1},
                          "hits": {unknowns[metric.numerator[0]]: 1}}
            else:
                out[g] = {"base": {v: 1 for v in unknowns.values()},
                          "hits": {unknowns[label]: 1 for label in metric.numerator}}
        return out

    def _make_marginal(self, grouping: str, question: str) -> dict:
        groups = self.instrument.labels(grouping) + [MARGINAL_SKIP]
        multi = self.instrument.questions[question]["kind"] == "multi"
        keys = ([ANSWERED] if multi else []) + self.instrument.labels(question)
        made, parts = {}, defaultdict(dict)
        for g in groups:
            made[g] = {k: self.model.var(("m", grouping, question, g, k), self.total) for k in keys}
            if multi:
                options = {k: v for k, v in made[g].items() if k != ANSWERED}
                self._options_rules(question, made[g][ANSWERED], options, f"{grouping} {g}")
            for k, v in made[g].items():
                parts[k][v] = 1
        for k in keys:  # the grouping's groups add up to everyone's answers
            total = {self._answers[question, cell][k]: 1 for cell in self._members[question]}
            self.model.equal(minus(parts[k], total), 0,
                             f"{grouping} groups sum to all, {question} {k}")
        return made

    # ----- the truth (to check the attack, never to attack)
    def keys_of(self, row: dict) -> list[tuple]:
        """The unknowns one respondent of the clean data counts in."""
        state = {}
        for q in SITUATION:
            value = row[q] if isinstance(row[q], str) else SKIP
            state[q] = value if self._routed(q, state) else SKIP
        fine = (self._atom_of(row), self.states.index(state))
        keys = [("P", *fine)]
        for question, coarse in self._coarse.items():
            if fine in coarse:
                keys += [("a", question, coarse[fine], label)
                         for label in self._given(question, row)]
        for grouping, question in self._marginals:
            if fine in self._coarse[question]:
                group = row[grouping] if isinstance(row[grouping], str) else MARGINAL_SKIP
                keys += [("m", grouping, question, group, label)
                         for label in self._given(question, row)]
        return keys

    def _given(self, question: str, row: dict) -> list[str]:
        """A respondent's answer labels: the choice, or ANSWERED and the options chosen."""
        spec = self.instrument.questions[question]
        if spec["kind"] == "choice":
            return [row[question]] if isinstance(row[question], str) else []
        if row[f"{question}_answered"] != "True":
            return []
        return [ANSWERED] + [o["label"] for o in spec["options"] if row[o["metric"]] == "True"]

    def _atom_of(self, row: dict) -> int:
        for g, atom in enumerate(self.atoms):
            if atom.country == row["country"]:
                return g
        regions = tuple(row[f"region:{scheme}"] for scheme in self.schemes)
        for g, atom in enumerate(self.atoms):
            if atom.country is None and atom.regions == regions:
                return g
        raise RuntimeError(
            f"respondent {row['response_id']} ({row['country']}, {regions}): no atom")


def situation_dims(runs: list[Run], instrument: Instrument) -> dict[str, set[str]]:
    """The situation groupings each question is released by (its cells must keep them apart),
    and those its metrics' bases name beyond the question's own routing."""
    dims = defaultdict(set)
    for run in runs:
        for name in (*GROUP_TABLES, "published_vs_reproduced"):
            table = run.tables.get(name)
            if table is None or "group_type" not in table:
                continue
            for metric_id, group_type in set(zip(table["metric"], table["group_type"])):
                metric = instrument.metrics.get(metric_id)
                if metric is None:
                    continue
                if group_type == "country_offers_mc":
                    group_type = "offers_mc"
                if group_type in SITUATION:
                    dims[metric.question].add(group_type)
    for metric in instrument.metrics.values():
        asked = instrument.asked(metric.question) if metric.question in instrument.questions else {}
        dims[metric.question] |= {col for col, v in metric.among if col in SITUATION
                                  and asked.get(col) != v}
    for question in dims:
        if "offers_credit" in dims[question]:  # credit groups are parts of the offering group
            dims[question].add("offers_mc")
    return dims


# --------------------------------------------------------------------------- released equations

def secrets(survey: Survey, metric: Metric, cells: list, name: str, kind: str, runs: tuple,
            thresholds: tuple) -> list[Target]:
    """A group's count the reader should not learn; and, for a single-choice question with more
    answers than two, the count of each answer (`Target.answer`): a group where nobody, or
    everybody, gave one answer is disclosed too."""
    base = survey.base(metric, cells)
    if not base:
        return []
    everyone, group = survey.cells, frozenset(cells)
    out = [Target(name, survey.hits(metric, cells), base, kind, runs, thresholds, metric=metric.id,
                  cells=group, whole=survey.hits(metric,
                                                 everyone), whole_n=survey.base(metric, everyone))]
    labels = survey.instrument.labels(metric.question)
    if metric.kind == "choice" and len(labels) > 2:
        out += [Target(f"{name} = {label}", survey.answers(metric, cells, [label]),
                       base, kind, runs,
                       thresholds, answer=True, metric=metric.id, labels=(label,), cells=group,
                       whole=survey.answers(metric, everyone, [label]),
                       whole_n=survey.base(metric, everyone)) for label in labels]
    return [t for t in out if t.expr]


def rounded(expr_count: dict, expr_n: dict | float, pct: float, name: str, model: Model,
            half: float = HALF_UNIT) -> None:
    """count / n * 100 = pct to within `half` (three decimals): count within
    n (pct -+ half) / 100."""
    if isinstance(expr_n, (int, float)):
        lo, hi = expr_n * (pct - half) / 100, expr_n * (pct + half) / 100
        model.within(expr_count, lo, hi, name)
    else:  # n unknown: 100 count - (pct -+ half) n  >=< 0 (not to whole numbers)
        model.add(minus(scaled(expr_count, 100), scaled(expr_n, pct - half)), 0, np.inf, name)
        model.add(minus(scaled(expr_count, 100), scaled(expr_n, pct + half)), -np.inf, 0, name)


class Release:
    """Adds one run's released numbers to the survey model and names its hidden counts."""

    def __init__(self, survey: Survey, run: Run):
        self.s, self.run, self.m = survey, run, survey.model
        self.instrument = survey.instrument
        self.targets: list[Target] = []
        self.figure_findings: list[str] = []  # values a figure draws that its table hides
        self.listed: dict[tuple[str, str], set] = defaultdict(set)  # (metric, group_type) -> groups
        # ... whose values are hidden
        self.hidden_groups: dict[tuple[str, str], set] = defaultdict(set)
        self.facts: list[Fact] = []  # shown groups where none, or all, gave an answer
        self.shown: list[tuple] = []  # (metric, answers or None, cells) of every count shown

    def metric(self, metric_id) -> Metric | None:
        return self.instrument.metrics.get(metric_id)

    def labels(self, question: str | None) -> dict[str, Metric]:
        """Metrics by their label: a multi-select question's options, or (None) the
        single-choice metrics (labels repeat across questions: "Other")."""
        return {m.label: m for m in self.instrument.metrics.values()
                if (m.question == question if question else m.kind == "choice")}

    def add_all(self) -> None:
        for name in GROUP_TABLES:
            if name in self.run.tables:
                self.group_table(name, self.run.tables[name])
        for name in COMPARISONS:
            if name in self.run.tables:
                self.comparison(name, self.run.tables[name])
        self.named_per_respondent()
        self.region_balanced()
        self.published()
        self.not_sure()
        self.item_nonresponse()
        self.captions()
        self.answer_table()
        self.likert()
        self.drawn_values()
        self.residuals()

    def where(self, table: str, row, what: str, group_type: str | None = None) -> str:
        group_type = group_type or row.group_type
        return f"{self.run.name}/{table}: {row.metric} {group_type} {row.group}: {what}"

    # ----- tables of groups
    def group_table(self, name: str, table: pd.DataFrame) -> None:
        if "level" in table:
            table = table[table["level"].eq("respondents")]
        for row in table.itertuples():
            metric = self.metric(row.metric)
            if metric is None:
                continue
            cells = self.s.group_cells(self.run, row.group_type, row.group)
            if cells is None:
                part = self.s.marginal(row.group_type, metric).get(row.group)
                if part is None:
                    continue
                base, hits = part["base"], part["hits"]
            else:
                base, hits = self.s.base(metric, cells), self.s.hits(metric, cells)
            self.listed[metric.id, row.group_type].add(row.group)
            if pd.isna(row.count) and pd.isna(row.pct):
                self.hidden_groups[metric.id, row.group_type].add(row.group)
            self.cell(name, row, base, hits, metric, cells)

    def cell(self, table, row, base, hits, metric, cells) -> None:
        """A row of n, count and percent: equations for what it shows, targets for what not."""
        name = f"{self.run.name}: {row.metric} {row.group_type} {row.group}"
        if pd.notna(row.n):
            self.m.equal(base, float(row.n), self.where(table, row, "n"))
        if pd.notna(row.count):
            self.m.equal(hits, float(row.count), self.where(table, row, "count"))
            if pd.notna(row.n):
                self.fact(metric, cells, float(row.count), float(row.n))
        elif pd.notna(row.pct):
            rounded(hits, float(row.n) if pd.notna(row.n) else base, float(row.pct),
                    self.where(table, row, "pct"), self.m)
        elif cells is None:
            self.hidden(name, hits, base, "hidden cell", metric)
        else:
            self.secret(metric, cells, name, "hidden cell")
        if pd.isna(row.n) and pd.isna(row.count):
            self.hidden(name + " (n)", base, base, "hidden n")

    def hidden(self, name: str, expr: dict, base: dict, kind: str,
               metric: Metric | None = None) -> None:
        if expr:
            everyone = self.s.cells
            self.targets.append(Target(
                name, expr, base, kind, (self.run.name,), self.run.thresholds,
                metric=metric.id if metric else None,
                whole=self.s.hits(metric, everyone) if metric else None,
                whole_n=self.s.base(metric, everyone) if metric else None))

    def fact(self, metric: Metric, cells, count: float, n: float, labels=None) -> None:
        """A shown count (of a group's model cells; `labels`: the answers, None: the metric's
        own), and where none, or all, gave the answers counted, a fact about them."""
        if cells is not None:
            self.shown.append((metric.id, labels, frozenset(cells)))
        if cells is not None and (count == 0 or count == n):
            answers = frozenset(labels or metric.numerator)
            self.facts.append(Fact(metric.id, answers, frozenset(cells), count == n))

    def secret(self, metric: Metric, cells: list, name: str, kind: str) -> None:
        self.targets += secrets(self.s, metric, cells, name, kind, (self.run.name,),
                                self.run.thresholds)

    # ----- a group against the rest
    def group_of(self, group: str) -> tuple[str, list]:
        group_type = "region" if group in self.run.regions else "country"
        return group_type, self.s.group_cells(self.run, group_type, group)

    def comparison(self, name: str, table: pd.DataFrame) -> None:
        for row in table.itertuples():
            metric = self.metric(row.metric)
            if metric is None:
                continue
            group_type, cells = self.group_of(row.group)
            rest = [c for c in self.s.cells if c not in set(cells)]
            for label, part, n, pct in ((" (group)", cells, row.n_group, row.pct_group),
                                        (" (rest)", rest, row.n_rest, row.pct_rest)):
                base, hits = self.s.base(metric, part), self.s.hits(metric, part)
                if pd.notna(n):
                    self.m.equal(base, float(n), self.where(name, row, "n" + label, group_type))
                if pd.notna(pct):
                    rounded(hits, float(n) if pd.notna(n) else base, float(pct),
                            self.where(name, row, "pct" + label, group_type), self.m)
                elif label == " (group)":  # hidden here, and perhaps listed nowhere else
                    self.secret(metric, part,
                                f"{self.run.name}: {row.metric} {group_type} {row.group}",
                                "hidden cell")

    def named_per_respondent(self) -> None:
        """Mean barriers named per respondent, focus country and rest: the sum of the option
        counts (the exclusive option not counted) is mean x n to three decimals."""
        table = self.run.tables.get("barriers_named_per_respondent")
        focus = self.run.tables.get("barriers_focus_vs_rest")
        if table is None or focus is None or focus.empty:
            return
        question = self.metric(focus["metric"].iat[0]).question
        exclusive = self.instrument.questions[question].get("exclusive")
        options = [m for m in self.instrument.metrics.values()
                   if m.question == question and m.label != exclusive]
        country = focus["group"].iat[0]
        _, cells = self.group_of(country)
        rest = [c for c in self.s.cells if c not in set(cells)]
        for row in table.itertuples():
            part = cells if row.group == country else rest
            if pd.isna(row.mean) or pd.isna(row.n):
                continue
            total = plus(*(self.s.hits(m, part) for m in options))
            self.m.equal(self.s.base(options[0], part), float(row.n),
                         f"{self.run.name}/barriers_named_per_respondent {row.group}: n")
            self.m.within(total, (row.mean - HALF_UNIT) * row.n, (row.mean + HALF_UNIT) * row.n,
                          f"{self.run.name}/barriers_named_per_respondent {row.group}: mean")

    def region_balanced(self) -> None:
        """The mean of the shown regions' shares, and their pooled (raw) share and n."""
        table, est = self.run.tables.get("region_balanced"), self.run.tables["estimates"]
        if table is None:
            return
        for row in table.itertuples():
            metric = self.metric(row.metric)
            if metric is None or pd.isna(row.region_balanced_pct):
                continue
            shown = est[est["metric"].eq(row.metric) & est["group_type"].eq("region")
                        & est["count"].notna() & est["n"].gt(0)]
            if len(shown) != int(row.regions):
                continue  # which regions are averaged is not certain
            cells = [c for g in shown["group"] for c in self.s.group_cells(self.run, "region", g)]
            name = f"{self.run.name}/region_balanced {row.metric}"
            self.m.equal(self.s.base(metric, cells), float(row.n), name + ": n")
            rounded(self.s.hits(metric, cells), float(row.n), float(row.raw_pct),
                    name + ": raw", self.m)
            mean = plus(
                        *(scaled(self.s.hits(metric,
                                             self.s.group_cells(self.run, "region", g)), 1 / n)
                          for g, n in zip(shown["group"], shown["n"])))
            k = int(row.regions)
            self.m.within(mean, k * (row.region_balanced_pct - HALF_UNIT) / 100,
                          k * (row.region_balanced_pct
                               + HALF_UNIT) / 100, name + ": balanced", whole=False)

    def published(self) -> None:
        table = self.run.tables.get("published_vs_reproduced")
        if table is None:
            return
        for row in table.itertuples():
            name = f"{self.run.name}/published_vs_reproduced {row.figure_id}"
            cells = self.s.group_cells(self.run, row.group_type, row.group)
            if cells is None:
                continue
            if row.unit in ("count", "count_lower_bound") and row.metric == "n_respondents":
                if pd.notna(row.reproduced):
                    self.m.equal(self.s.people(cells), float(row.reproduced), name)
                continue
            if row.unit != "percent":
                continue
            metric = self.metric(row.metric)
            if metric is not None:
                base, hits = self.s.base(metric, cells), self.s.hits(metric, cells)
            # credit as a share of all who answered offers_mc
            elif row.metric == "offers_credit_all":
                credit, offers = self.metric("offers_credit"), self.metric("offers_mc")
                skipped_credit = minus(self.s.answers(offers, cells, ["Yes"]),
                                       self.s.base(credit, cells))
                base, hits = minus(self.s.base(offers, cells),
                                   skipped_credit), self.s.hits(credit, cells)
            else:
                continue
            if pd.notna(row.n):
                self.m.equal(base, float(row.n), name + ": n")
            if pd.notna(row.reproduced):
                rounded(hits, float(row.n) if pd.notna(row.n) else base, float(row.reproduced),
                        name + ": pct", self.m)
            elif metric is not None:
                self.secret(metric, cells,
                            f"{self.run.name}: {row.metric} {row.group_type} {row.group}",
                            "hidden cell")

    def not_sure(self) -> None:
        table = self.run.tables.get("not_sure_sensitivity")
        if table is None:
            return
        for row in table.itertuples():
            metric = self.metric(row.metric)
            if metric is None:
                continue
            name = f"{self.run.name}/not_sure_sensitivity {row.metric}"
            self.m.equal(self.s.base(metric, self.s.cells), float(row.n_answered), name + ": n")
            self.m.equal(self.s.answers(metric, self.s.cells, ["Not sure"]), float(row.not_sure),
                         name + ": not sure")

    def item_nonresponse(self) -> None:
        """Per question: respondents routed to it, and how many answered."""
        table = self.run.tables.get("item_nonresponse")
        if table is None:
            return
        for row in table.itertuples():
            q = row.question
            metric = next((m for m in self.instrument.metrics.values() if m.question == q), None)
            if q not in self.instrument.questions or (metric is None and q not in SITUATION):
                continue  # institution type and role: everyone, and only released on their own
            routed = self.s.routed_cells(q, self.s.cells)
            name = f"{self.run.name}/item_nonresponse {q}"
            self.m.equal(self.s.people(routed), float(row.asked), name + ": asked")
            answered = replace(metric, among=())  # answered among those asked, whatever the base
            self.m.equal(self.s.base(answered, routed), float(row.answered), name + ": answered")

    # ----- figures
    def captions(self) -> None:
        """Numbers the captions carry: n by region and by country, the focus groups' n."""
        run, s = self.run, self.s
        text = run.captions.get("adoption_by_region", "")
        for region in run.regions:
            found = re.search(r"(?:^|[:,])\s*" + re.escape(region) + r" ([\d,]+)",
                              text.split("n by region:")[-1])
            if "n by region:" in text and found:
                self.m.equal(s.people(s.group_cells(run, "region", region)),
                             _number(found.group(1)),
                             f"{run.name}/adoption_by_region caption: n of {region}")
        text = run.captions.get("countries_vs_rest", "")
        for country in run.countries:
            found = re.search(r"(?:^|[:,])\s*" + re.escape(country) + r" ([\d,]+)",
                              text.split("n:")[-1])
            if found:
                self.m.equal(s.people(s.group_cells(run, "country", country)),
                             _number(found.group(1)),
                             f"{run.name}/countries_vs_rest caption: n of {country}")
        for figure, people in (("focus_region_forest", True), ("barriers_focus_forest", False)):
            found = re.search(CAPTION_GROUPS, run.captions.get(figure, ""))
            if not found:
                continue
            group = found.group(1).strip()
            _, cells = self.group_of(group)
            rest = [c for c in s.cells if c not in set(cells)]
            barrier = next(m for m in self.instrument.metrics.values() if m.question == "barriers")
            for part, value in ((cells, found.group(2)), (rest, found.group(3))):
                expr = s.people(part) if people else s.base(barrier, part)
                self.m.equal(expr, _number(value), f"{run.name}/{figure} caption: n")
        for figure, question in (("barriers_ranked", "barriers"), ("barrier_lift", "barriers"),
                                 ("growth_considerations", "growth_priorities")):
            found = re.search(r"\(n=([\d,]+)", run.captions.get(figure, ""))
            metric = next(m for m in self.instrument.metrics.values() if m.question == question)
            if found:
                self.m.equal(s.base(metric, s.cells), _number(found.group(1)),
                             f"{run.name}/{figure} caption: n")

    def answer_table(self) -> None:
        """Answer distributions (tables/benefit_answers.csv): each shown answer's count in its
        group, and the group's n."""
        table = self.run.tables.get("benefit_answers")
        if table is None:
            return
        for row in table.itertuples():
            metric = self.metric(row.metric)
            cells = self.s.group_cells(self.run, row.group_type, row.group)
            if metric is None or cells is None:
                continue
            name = self.where("benefit_answers", row, f"{row.answer}")
            if pd.notna(row.n):
                self.m.equal(self.s.base(metric, cells), float(row.n), name + " n")
            if pd.notna(row.count):
                self.m.equal(self.s.answers(metric, cells, [row.answer]), float(row.count), name)
                if pd.notna(row.n):
                    self.fact(metric, cells, float(row.count), float(row.n), (row.answer,))

    def likert(self) -> None:
        path = self.run.folder / "figures" / "benefits_likert.svg" if self.run.folder else None
        if path is None or not path.exists():
            return
        labels = self.labels(None)
        for title, rows in read_likert(path):
            metric = labels.get(title.split(":")[0].strip())
            if metric is None:
                continue
            scale = self.instrument.labels(metric.question)
            for group, n, shares in rows:
                group_type = "all" if group == "All" else "region"
                cells = self.s.group_cells(self.run, group_type, group)
                name = f"{self.run.name}/benefits_likert.svg: {metric.id} {group}"
                self.m.equal(self.s.base(metric, cells), n, name + " n")
                if group in self.hidden_groups.get((metric.id, group_type), set()):
                    self.figure_findings.append(
                        f"{name}: draws the answers of a cell the tables hide")
                for label, share in zip(scale, shares):
                    count = share * n
                    if abs(count - round(count)) > 0.01:
                        print(
                            f"warning: {name} {label}: {count:.4f} is not a whole count; not used",
                              file=sys.stderr)
                        continue
                    self.m.equal(self.s.answers(metric, cells, [label]), round(count),
                                 f"{name} {label}")
                    self.fact(metric, cells, round(count), n, (label,))

    def drawn_values(self) -> None:
        """Percentages the dot-and-interval charts and the annotated heatmaps draw, read back
        from their SVG: equations (a dot to DRAWN, an annotation to its rounding), and a finding
        wherever the table hides the cell drawn."""
        if self.run.folder is None:
            return
        folder = self.run.folder / "figures"
        drawn = []  # (figure, metric, group_type, group, value, half a unit)
        for figure, question in DRAWN_FIGURES.items():
            if figure not in ("barriers_heatmap",
                              "barriers_by_situation") and (folder / f"{figure}.svg").exists():
                labels = self.labels(question)
                for row, series, value in read_interval_plot(folder / f"{figure}.svg"):
                    metric = labels.get(series if series else row)
                    group = row if series else "All"
                    group = "All" if group in ("All respondents", "All leaders") else group
                    if metric is not None:
                        drawn.append((figure, metric, "all" if group == "All" else "region", group,
                                      value, DRAWN))
        situation = self.run.tables.get("barriers_by_situation")
        titles = dict(zip(situation["situation"],
                          situation["group_type"])) if situation is not None else {}
        for figure in ("barriers_heatmap", "barriers_by_situation"):
            if not (folder / f"{figure}.svg").exists():
                continue
            labels = self.labels(DRAWN_FIGURES[figure])
            for row, column, text in read_heatmap(folder / f"{figure}.svg"):
                metric, value = labels.get(column), _value(text)
                if metric is None or value is None:
                    continue
                if figure == "barriers_heatmap":
                    group_type, group = "region", re.sub(r" \(n=[\d,]+\)$", "", row)
                else:
                    title, _, group = row.partition(": ")
                    group_type = titles.get(title)
                drawn.append((figure, metric, group_type, group, value, 0.5))
        for figure, metric, group_type, group, value, half in drawn:
            cells = self.s.group_cells(self.run, group_type, group) if group_type else None
            if cells is None:
                continue
            name = f"{self.run.name}/{figure}.svg: {metric.id} {group_type} {group}"
            rounded(self.s.hits(metric, cells), self.s.base(metric, cells), value, name,
                    self.m, half)
            if group in self.hidden_groups.get((metric.id, group_type), set()):
                self.figure_findings.append(f"{name}: draws {value:.4g}% of a cell the tables hide")

    # ----- what the shown parts of a family leave of its total
    def residuals(self) -> None:
        """What the listed parts of each family leave of its total, per metric: the unlisted
        countries of each region, anyone in no listed region, those who skipped the offer (or,
        among offering leaders, the credit) question, the unlisted groups of a grouping released
        on its own."""
        s, run = self.s, self.run
        scheme = s.schemes.index(run.scheme)
        for metric in self.instrument.metrics.values():
            listed = {t: g for (m, t), g in self.listed.items() if m == metric.id}
            if "country" in listed:
                for region in run.regions:
                    inside = s.group_cells(run, "region", region)
                    rest = [c for c in inside if s.atoms[c[0]].country not in listed["country"]]
                    if 0 < len(rest) < len(inside):
                        self.residual(metric, rest, f"{region} minus its listed countries")
            if "region" in listed:
                rest = [c for c in s.cells if s.atoms[c[0]].regions[scheme] not in listed["region"]]
                self.residual(metric, rest, "all minus the listed regions")
            for q in SITUATION:
                if q in listed:
                    parent = [c for c in s.cells if q != "offers_credit"
                              or s.states[c[1]]["offers_mc"] == "Yes"]
                    rest = [c for c in parent if s.states[c[1]][q] not in listed[q]]
                    self.residual(metric, rest, f"{q} not among the listed groups")
            for grouping, groups in listed.items():
                if s.group_cells(run, grouping, next(iter(groups))) is None:
                    for g, part in s.marginal(grouping, metric).items():
                        if g not in groups:
                            self.hidden(f"{run.name}: {metric.id} {grouping} {g} (not listed)",
                                        part["hits"], part["base"], "residual", metric)

    def residual(self, metric: Metric, cells: list, what: str) -> None:
        if self.s.base(metric, cells):
            self.secret(metric, cells, f"{self.run.name}: {metric.id} {what}", "residual")


def _number(text: str) -> float:
    return float(text.replace(",", ""))


# --------------------------------------------------------------------------- reading SVG figures

def read_svg(path: Path) -> ET.Element:
    parser = ET.XMLParser(target=ET.TreeBuilder(insert_comments=True))
    return ET.parse(path, parser).getroot()


def svg_texts(element: ET.Element) -> list[tuple[str, float, float]]:
    """(text, x, y) of every text matplotlib drew (svg.fonttype: path keeps the text in a
    comment before its glyphs; the position is the glyphs' translation)."""
    out = []
    for g in element.iter(SVG + "g"):
        if not (g.get("id") or "").startswith("text_"):
            continue
        comment = next((c.text.strip() for c in g if c.tag is ET.Comment), None)
        moved = next((t.get("transform") for t in g.iter(SVG + "g") if t.get("transform")), "")
        found = re.search(r"translate\(([-\d.e]+) ([-\d.e]+)\)", moved)
        if comment is not None and found:
            out.append((comment, float(found.group(1)), float(found.group(2))))
    return out


def svg_rectangles(element: ET.Element) -> list[tuple[str, float, float, float, float]]:
    """(fill, x0, x1, y0, y1) of every four-cornered patch (bars)."""
    out = []
    for g in element.findall(SVG + "g"):
        if not (g.get("id") or "").startswith("patch_"):
            continue
        path = g.find(SVG + "path")
        fill = re.search(r"fill: (#[0-9a-fA-F]{6})",
                         path.get("style", "")) if path is not None else None
        numbers = [float(v)
                   for v in re.findall(r"[-\d.e]+", path.get("d", ""))] if path is not None else []
        if fill and len(numbers) == 8:
            xs, ys = numbers[0::2], numbers[1::2]
            out.append((fill.group(1).lower(), min(xs), max(xs), min(ys), max(ys)))
    return out


def read_likert(path: Path) -> list[tuple[str, list[tuple[str, float, list[float]]]]]:
    """Per panel of a diverging five-point bar chart: its title and, per drawn bar, the group,
    its n (the "n=" label) and the share of each answer (segment width over the bar's width,
    colours in the order first drawn: the scale's). A bar's group is the y tick label at its
    height (panels side by side share their rows; only the left one is labelled)."""
    figure = read_svg(path).find(SVG + "g")
    panels = [g for g in figure.findall(SVG + "g") if (g.get("id") or "").startswith("axes_")]
    rows = [tick for panel in panels for tick in _ticks(panel, "y")]
    out = []
    for panel in panels:
        bars = svg_rectangles(panel)
        texts = svg_texts(panel)
        titles = sorted((t for t in texts if ":" in t[0]), key=lambda t: t[2])
        title = titles[0][0] if titles else None  # the topmost (the x label is at the bottom)
        if len(bars) < 2 or title is None:
            continue
        background, bars = bars[0], bars[1:]
        inside = [r for r in rows if background[3] <= r[1] <= background[4]]
        colours = list(dict.fromkeys(b[0] for b in bars))[:5]
        drawn = []
        for text, _, y in texts:
            if not text.startswith("n=") or not inside:
                continue
            group, height = min(inside, key=lambda r: abs(r[1] - y))
            widths = [sum(b[2] - b[1] for b in bars if b[0] == colour
                          and abs((b[3] + b[4]) / 2 - height) < 1e-3) for colour in colours]
            if sum(widths) > 0:
                drawn.append((group, _number(text[2:]), [w / sum(widths) for w in widths]))
        out.append((title, drawn))
    return out


def _ticks(panel: ET.Element, axis: str) -> list[tuple[str, float]]:
    """(label, position) of an axis' ticks: the tick mark's x (axis "x") or y (axis "y")."""
    out = []
    for tick in panel.iter(SVG + "g"):
        if not (tick.get("id") or "").startswith(f"{axis}tick_"):
            continue
        mark = next(tick.iter(SVG + "use"), None)
        label = svg_texts(tick)
        if mark is not None and label:
            out.append((label[0][0], float(mark.get(axis))))
    return out


def _value(text: str) -> float | None:
    try:
        return float(text.replace("\u2212", "-").replace(",", ""))
    except ValueError:
        return None


def _markers(panel: ET.Element, shape: str = "C") -> list[tuple[float, float, str]]:
    """(x, y, fill) of every marker drawn with a marker path containing `shape` (C: curves, a
    dot), legends excepted."""
    dots = {p.get("id") for p in panel.iter(SVG + "path") if p.get("id")
            and shape in p.get("d", "")}
    legend = {id(u) for g in panel.iter(SVG + "g") if (g.get("id") or "").startswith("legend_")
              for u in g.iter(SVG + "use")}
    out = []
    for use in panel.iter(SVG + "use"):
        ref = use.get("{http://www.w3.org/1999/xlink}href", "")[1:]
        if ref in dots and id(use) not in legend:
            fill = re.search(r"fill: (#[0-9a-fA-F]{6})", use.get("style", ""))
            out.append((float(use.get("x")), float(use.get("y")),
                        fill.group(1).lower() if fill else ""))
    return out


def read_interval_plot(path: Path) -> list[tuple[str, str | None, float]]:
    """(row label, series label or None, value) of every dot of a dot-and-interval chart: the
    dot's x read on the x axis (a line through the labelled ticks), its row the nearest y tick,
    its series the legend entry of its colour."""
    root = read_svg(path)
    panel = next(g for g in root.find(SVG + "g").findall(SVG + "g")
                 if (g.get("id") or "").startswith("axes_"))
    xs = [(v, x) for label, x in _ticks(panel, "x") if (v := _value(label)) is not None]
    rows = _ticks(panel, "y")
    if len(xs) < 2 or not rows:
        return []
    slope, intercept = np.polyfit([x for _, x in xs], [v for v, _ in xs], 1)
    series = {}
    for g in root.iter(SVG + "g"):  # in the panel, or outside it under the figure
        if (g.get("id") or "").startswith("legend_"):
            colours = [m[2] for m in _legend_markers(g)]
            labels = [t[0] for t in svg_texts(g)]
            series = dict(zip(colours, labels))
    out = []
    for x, y, fill in _markers(panel):
        row = min(rows, key=lambda r: abs(r[1] - y))[0]
        out.append((row, series.get(fill), slope * x + intercept))
    return out


def _legend_markers(legend: ET.Element) -> list[tuple[float, float, str]]:
    out = []
    for use in legend.iter(SVG + "use"):
        fill = re.search(r"fill: (#[0-9a-fA-F]{6})", use.get("style", ""))
        if fill and (not out or out[-1][2] != fill.group(1).lower()):
            out.append((float(use.get("x")), float(use.get("y")), fill.group(1).lower()))
    return out


def read_heatmap(path: Path) -> list[tuple[str, str, str]]:
    """(row label, column label, annotation) of every annotated cell of a heatmap: each
    annotation placed in the nearest row and column of the tick labels."""
    panel = next(g for g in read_svg(path).find(SVG + "g").findall(SVG + "g")
                 if (g.get("id") or "").startswith("axes_"))
    columns, rows = _ticks(panel, "x"), _ticks(panel, "y")
    if not columns or not rows:
        return []
    ticks = {id(t) for g in panel.iter(SVG + "g") if re.match(r"[xy]tick_", g.get("id") or "")
             for t in g.iter(SVG + "g")}
    out = []
    for g in panel.findall(SVG + "g"):
        if not (g.get("id") or "").startswith("text_") or id(g) in ticks:
            continue
        for text, x, y in svg_texts(g):
            width = 0.6 * 7.5 * len(text) * 0.75  # about half an em per character, centred
            column = min(columns, key=lambda c: abs(c[1] - (x + width / 2)))[0]
            row = min(rows, key=lambda r: abs(r[1] - y))[0]
            out.append((row, column, text))
    return out


# --------------------------------------------------------------------------- pairs and combinations

def pairs_block(runs: list[Run], instrument: Instrument):
    """The exact combinations of a multi-select question's options (bar the exclusive one) as
    unknowns, over everyone who answered it: each option's count and the exclusive option's
    (those who chose no other), the pairs shown (their lift to three decimals, or their count),
    the combinations listed. Hidden: every pair not shown, every combination not listed."""
    lift_metrics = list(runs[0].tables["barrier_lift"]["metric"])
    question = instrument.metrics[lift_metrics[0]].question
    q = instrument.questions[question]
    exclusive = q.get("exclusive")
    options = [o for o in q["options"] if o["label"] != exclusive]
    ids = [o["metric"] for o in options]
    position = {o["label"]: i for i, o in enumerate(options)}
    k = len(options)
    model = Model()
    z = [model.var(("z", code)) for code in range(2 ** k)]
    everyone = {v: 1 for v in z}

    def having(*chosen):
        return {z[c]: 1 for c in range(2 ** k) if all(c >> i & 1 for i in chosen)}

    targets = []
    for run in runs:
        est = run.tables["estimates"]
        overall = est[est["group_type"].eq("all")].set_index("metric")
        answered = float(overall.at[ids[0], "n"])
        model.equal(everyone, answered, f"{run.name}: answered {question}")
        counts = {i: float(overall.at[m, "count"]) for i, m in enumerate(ids)
                  if pd.notna(overall.at[m, "count"])}
        for i, count in counts.items():
            model.equal(having(i), count, f"{run.name}: {ids[i]} all")
        none = next((o["metric"] for o in q["options"] if o["label"] == exclusive), None)
        if none in overall.index and pd.notna(overall.at[none, "count"]):
            model.equal({z[0]: 1}, float(overall.at[none, "count"]), f"{run.name}: {none} all")
        shown = {}
        intervals = run.tables.get("barrier_lift_intervals")
        for r in (intervals.itertuples() if intervals is not None else []):
            i, j = sorted((position[r.first], position[r.second]))
            shown[i, j] = float(r.count)
        lift = run.tables["barrier_lift"].set_index("metric")
        for i, j in itertools.combinations(range(k), 2):
            name = f"{run.name}: pair {ids[i]} & {ids[j]}"
            value = lift.at[ids[i], ids[j]] if ids[i] in lift.index and ids[j] in lift else np.nan
            if (i, j) in shown:
                model.equal(having(i, j), shown[i, j], name + " (lift intervals)")
            if pd.notna(value) and i in counts and j in counts:  # lift = n_ij n / (n_i n_j)
                scale = counts[i] * counts[j] / answered
                model.within(having(i, j), (value - HALF_UNIT) * scale, (value + HALF_UNIT) * scale,
                             name + " (lift)")
            if pd.isna(value) and (i, j) not in shown:
                targets.append(Target(name, having(i, j), having(i, j), "pair", (run.name,),
                                      run.thresholds,
                                      options_width=_within(counts, (i, j), answered)))
        listed = set()
        combinations = run.tables.get("barrier_combinations")
        for r in (combinations.itertuples() if combinations is not None else []):
            code = 0 if r.combination == "(none)" else sum(2 ** position[p]
                                                           for p in r.combination.split(" + "))
            listed.add(code)
            model.equal({z[code]: 1}, float(r.count), f"{run.name}: combination {r.combination}")
        for code in range(1, 2 ** k):
            if code not in listed:
                name = " + ".join(ids[i].split("_", 1)[-1] for i in range(k) if code >> i & 1)
                options = tuple(i for i in range(k) if code >> i & 1)
                targets.append(Target(f"{run.name}: combination {name}", {z[code]: 1}, {z[code]: 1},
                                      "combination", (run.name,), run.thresholds,
                                      options_width=_within(counts, options, None)))
    return Block(model, targets, combination_keys(ids, question))


def _within(counts: dict, options: tuple, answered) -> float:
    """How wide the whole sample's shown option counts leave those who chose all of `options`:
    at most the least of their counts; for a pair, at least as many as the two counts overlap
    among those who answered (`answered`; None: no lower bound). Unknown counts: no limit."""
    if any(i not in counts for i in options):
        return math.inf
    least = min(counts[i] for i in options)
    overlap = max(0, sum(counts[i] for i in options) - answered) if answered else 0
    return least - overlap


# --------------------------------------------------------------------------- the truth

def read_truth(runs: list[Run]) -> pd.DataFrame:
    """The runs' clean leaders (data/processed/leaders_clean.csv), one row per respondent, with
    the region of each run's scheme."""
    frames = [pd.read_csv(r.folder / "data" / "processed" / "leaders_clean.csv", dtype=str,
                          keep_default_na=False, na_values=[""]) for r in runs]
    truth = frames[0].set_index("response_id")
    for run, frame in zip(runs, frames):
        other = frame.set_index("response_id")
        if set(other.index) != set(truth.index):
            raise SystemExit(f"{run.name}: not the same respondents as {runs[0].name}")
        truth[f"region:{run.scheme}"] = other["region"]
    return truth.reset_index()


class Truth:
    """Which unknowns each respondent counts in: the true value of every unknown, and the
    respondents and institutions of any group. Used to check the attack, never by it."""

    def __init__(self, model: Model, frame: pd.DataFrame, keys_of):
        rows, cols = [], []
        for i, row in enumerate(frame.to_dict("records")):
            for key in keys_of(row):
                if key not in model.index:
                    raise RuntimeError(f"respondent {row['response_id']}: no unknown {key}")
                rows.append(i)
                cols.append(model.index[key])
        self.matrix = sparse.csr_array((np.ones(len(rows)), (rows, cols)),
                                       shape=(len(frame), len(model.keys)))
        self.values = np.asarray(self.matrix.sum(axis=0)).ravel()
        self.institutions = frame["inst_id"].fillna("").to_numpy()

    def value(self, expr: dict) -> int:
        return int(round(sum(self.values[k] * v for k, v in expr.items())))

    def size(self, group: dict) -> tuple[int, int]:
        """Respondents and institutions of a group (an expression whose unknowns count its
        members once each)."""
        columns = np.fromiter(group, dtype=np.int64)
        inside = np.asarray(self.matrix[:, columns].sum(axis=1)).ravel() > 0
        return int(inside.sum()), len(set(self.institutions[inside]))


def combination_keys(option_metrics: list[str], question: str):
    """A respondent of the truth in the combinations model: the combination they chose."""
    def keys_of(row: dict) -> list[tuple]:
        if row[f"{question}_answered"] != "True":
            return []
        return [("z", sum(2 ** i for i, m in enumerate(option_metrics) if row[m] == "True"))]
    return keys_of


# --------------------------------------------------------------------------- the attack

@dataclass
class Result:
    name: str
    targets: list[Target]
    violated: list[str] = field(default_factory=list)
    wrong: list[Target] = field(default_factory=list)
    findings: list[str] = field(default_factory=list)
    seconds: float = 0.0
    unknowns: int = 0
    equations: int = 0

    @staticmethod
    def matters(t: Target, kind: str = "count") -> bool:
        """Hidden counts that matter: every hidden cell's count; residuals, atoms, pairs and
        combinations where their group is small (by the truth; without it, all of them); never
        an empty group. kind="answer": the count of each answer of the same groups; kind="n":
        the hidden n of conditional cells."""
        own = {"count": not t.answer and t.kind != "hidden n", "answer": t.answer,
               "n": t.kind == "hidden n"}[kind]
        if t.empty or not own:
            return False
        return t.kind in ("hidden cell", "hidden n") or t.small is None or t.small

    def protected(self, kind: str = "count") -> list[Target]:
        return [t for t in self.targets if self.matters(t, kind)]

    def exact(self, kind: str = "count") -> list[Target]:
        return [t for t in self.protected(kind) if t.width == 0]

    def near(self, kind: str = "count") -> list[Target]:
        return [t for t in self.protected(kind) if 0 < t.width <= NEAR]

    def failures(self, width: int) -> list[Target]:
        """Counts that matter (each hidden count and answer, not a hidden n), worked back to an
        interval narrower than the protection rule asks (`required`); needs the truth."""
        return [t for t in self.protected("count") + self.protected("answer")
                if t.solved and t.width < required(t, width)]


def apriori(t: Target) -> float:
    """The width the whole sample's answers leave a count (where the truth gives them): a group
    of n, of whom the whole sample's N gave them C times, holds between max(0, n + C - N) and
    min(n, C)."""
    if t.options_width is not None:
        return t.options_width
    if t.whole_truth is None or t.truth_n is None:
        return math.inf
    count, everyone = t.whole_truth
    return min(t.truth_n, count) - max(0, t.truth_n + count - everyone)


def required(t: Target, width: int) -> int:
    """How wide a count's interval must be: `width`, or as wide as the whole sample's answers
    leave it (`apriori`); nothing where a shown group holding it has none or all of them (a fact
    about everyone there: `Target.told`); no wider than the runs published before its own leave
    it (`Target.before`)."""
    if t.told:
        return 0
    if t.before is not None:
        width = min(width, t.before)
    return min(width, apriori(t))


def attack(runs: list[Run | Path], truth: pd.DataFrame | bool = False, external: Path | None = None,
           milp_budget: float = MILP_BUDGET, wide: float = WIDE, by_rule: bool = False) -> Result:
    """Attack one run, or several runs of the same respondents jointly (a run: its folder, or a
    `Run`). With `truth` (True: each folder's data/processed/leaders_clean.csv; or the clean
    leaders themselves, with a column region:<scheme> per run's scheme), check the model and
    every interval against it. `external`: the public files (codebook.yaml, region_schemes.csv;
    default: the first folder's data/external). A count seen to span `wide` whole numbers is not
    solved further (its interval is at least that wide); `by_rule`: nor one seen to span as many
    as the whole sample leaves it (`apriori`), which is all the protection rule asks."""
    start = time.perf_counter()
    runs = [r if isinstance(r, Run) else Run.read(r) for r in runs]
    external = external or runs[0].folder / "data" / "external"
    instrument = Instrument.load(external / "codebook.yaml")
    frame = read_truth(runs) if truth is True else (_as_read(truth) if truth is not False else None)
    result = Result(" + ".join(r.name for r in runs), [])
    blocks = [survey_block(runs, instrument, external)]
    if any("barrier_lift" in r.tables for r in runs):
        blocks.append(pairs_block(runs, instrument))
    for block in blocks:
        model, keys_of = block.model, block.keys_of
        shown = {tuple(sorted(e.items())) for e, lo, hi, _ in model.rows if lo == hi}
        # a count one run hides and another shows is shown
        targets = [t for t in _unique(block.targets) if tuple(sorted(t.expr.items())) not in shown]
        result.findings += block.findings
        checker = Truth(model, frame, keys_of) if frame is not None else None
        if checker:
            result.violated += model.violated(checker.values)
        result.unknowns += len(model.keys)
        result.equations += len(model.rows)
        for t in targets:
            if checker:
                t.truth = checker.value(t.expr)
                t.truth_n, institutions = checker.size(t.group)
                t.small = t.truth_n < t.thresholds[0] or institutions < t.thresholds[1]
                if t.whole is not None:
                    t.whole_truth = (checker.value(t.whole), checker.value(t.whole_n))
        solver = model.compile()
        _solve(solver, targets, lambda t: Result.matters(t, "count"), milp_budget,
               (lambda t: min(wide, apriori(t))) if by_rule else (lambda t: wide))
        empty = _provably_empty(solver, block.population)
        for t in targets:
            t.told = t.solved and t.width == 0 and _told(t, block.facts, instrument, empty)
        targets = _not_shown(targets, block.shown, empty)
        _widths_before(model, runs, targets, wide)
        if not checker:  # a pin's group: how large a reader knows it to be (empty: no leak)
            for t in targets:
                if t.solved and t.width <= NEAR:
                    t.n_lo, t.n_hi = solver.interval(t.group)
                    t.small = t.n_hi < t.thresholds[0]
        result.targets += targets
    if frame is not None:
        result.wrong = [t for t in result.targets if t.solved and not t.lo <= t.truth <= t.hi]
    result.seconds = time.perf_counter() - start
    return result


def _told(t: Target, facts: list[Fact], instrument: Instrument, empty) -> bool:
    """Whether a pin at 0 or at its group's n is a fact about a shown group holding it (bar cells
    the release shows to be empty): nobody there gave these answers (or any of more), or
    everybody gave them (or some of fewer)."""
    if t.metric is None or t.cells is None:
        return False
    answers = frozenset(t.labels or instrument.metrics[t.metric].numerator)
    at_zero = t.lo == 0
    at_n = t.truth is not None and t.truth_n is not None and t.lo == t.truth_n
    for f in facts:
        if f.metric != t.metric or not all(empty(c) for c in t.cells - f.cells):
            continue
        if (at_zero and not f.full and answers <= f.answers) or (at_n and f.full
                                                                 and f.answers <= answers):
            return True
    return False


def _not_shown(targets: list[Target], shown: list, empty) -> list[Target]:
    """The targets no run shows: a count one run hides and another shows (its group the same
    respondents, bar cells the release shows to be empty) is shown."""
    by_key = defaultdict(list)
    for metric, labels, cells in shown:
        by_key[metric, labels].append(cells)

    def known(t: Target) -> bool:
        if t.cells is None or t.width > 0:
            return False
        return any(all(empty(c) for c in t.cells ^ cells) for cells in by_key[t.metric, t.labels])
    return [t for t in targets if not known(t)]


def _provably_empty(solver: Solver, population: dict):
    """Whether the release shows a cell to have nobody: found for all cells at once, by
    maximising the respondents of the cells not yet seen to hold someone until none is (a few
    programmes, not one per cell)."""
    empty = None

    def is_empty(cell) -> bool:
        nonlocal empty
        if empty is None:
            left = set(population)
            while left:
                keys = list(left)
                _, x = solver.bound({population[c]: 1 for c in keys}, -1)
                held = {c for c in keys if x[population[c]] > ROUNDING}
                if not held:
                    break
                left -= held
            empty = left
        return cell in empty
    return is_empty


def _widths_before(model: Model, runs: list[Run], targets: list[Target], wide: float) -> None:
    """For a narrow count of a run published after others (the runs are given in the order they
    are protected in, the first scheme first), its width given the runs before it alone: what
    they narrow is theirs to protect (`Target.before`)."""
    if len({r.scheme for r in runs}) < len(runs):
        return  # runs of one scheme are not protected in turn: each must hold against all
    for k, run in enumerate(runs[1:], start=1):
        mine = [t for t in targets if t.runs == (run.name,) and t.solved and t.width < wide
                and t.kind in ("hidden cell", "residual")]
        if not mine:
            continue
        later = tuple(f"{r.name}{sep}" for r in runs[k:] for sep in ("/", ":"))
        solver = model.compile(keep=lambda name, later=later: not name.startswith(later))
        for t in mine:
            lo, hi = solver.interval(t.expr)
            t.before = hi - lo


def _as_read(frame: pd.DataFrame) -> pd.DataFrame:
    """Clean data as its CSV file reads (text; blanks missing), as `read_truth` gives it."""
    return pd.read_csv(io.StringIO(frame.to_csv(index=False)), dtype=str, keep_default_na=False,
                       na_values=[""])


def survey_block(runs: list[Run], instrument: Instrument, external: Path):
    """The model of the respondents' cells with every run's released equations, the hidden
    counts to attack, and how to place a respondent of the truth in it."""
    schemes, atoms = geography(runs, external / "region_schemes.csv")
    survey = Survey(instrument, schemes, atoms, runs[0].respondents,
                    situation_dims(runs, instrument))
    targets, findings, facts, shown = [], [], [], []
    for run in runs:
        release = Release(survey, run)
        release.add_all()
        targets += release.targets
        findings += release.figure_findings
        facts += release.facts
        shown += release.shown
        weighted = run.tables.get("weighted_estimates")
        if weighted is not None and "weighted_pct" in weighted and weighted[
            "weighted_pct"].notna().any():
            findings.append(
                f"{run.name}: weighted shares are released and NOT modelled by this attack")
    if len(runs) > 1:  # every atom of the schemes together: the groups two runs give
        thresholds = tuple(max(r.thresholds[i] for r in runs) for i in range(2))
        for g, atom in enumerate(atoms):
            if atom.country:
                continue
            cells = [c for c in survey.cells if c[0] == g]
            for metric in instrument.metrics.values():
                targets += secrets(survey, metric, cells, f"joint: {metric.id} {atom.name}", "atom",
                                   tuple(r.name for r in runs), thresholds)
    return Block(survey.model, targets, survey.keys_of, findings, facts, survey.population, shown)


@dataclass
class Block:
    """A model, its hidden counts, how a respondent of the truth counts in it, and what its
    reading found beyond intervals (figures drawing hidden cells, releases not modelled)."""
    model: Model
    targets: list[Target]
    keys_of: object
    findings: list[str] = field(default_factory=list)
    facts: list[Fact] = field(default_factory=list)
    population: dict = field(default_factory=dict)  # cell -> the unknown of its respondents
    shown: list = field(default_factory=list)  # (metric, answers, cells) of every count shown


def _unique(targets: list[Target]) -> list[Target]:
    """One target per distinct expression (the same count named by two tables or two runs)."""
    seen, out = {}, []
    for t in targets:
        key = tuple(sorted(t.expr.items()))
        if key in seen:
            continue
        seen[key] = t
        out.append(t)
    return out


def _solve(solver: Solver, targets: list[Target], tighten, budget: float, enough) -> None:
    """Each target's least and greatest value: the LP relaxation's, rounded inward to whole
    numbers; then, for the targets `tighten` selects whose interval is at most MILP_WIDTH wide,
    the integer programme's (within `budget` seconds in all). Every LP point found is a
    table the reader cannot rule out: a target seen to span `enough(t)` whole numbers is not
    solved further (its interval is at least that wide; `t.solved` is False)."""
    if not targets:
        return
    rows, cols, data = [], [], []
    for i, t in enumerate(targets):
        rows += [i] * len(t.expr)
        cols += list(t.expr)
        data += list(t.expr.values())
    values = sparse.csr_array((data, (rows, cols)), shape=(len(targets), solver.a.shape[1]))
    seen_lo, seen_hi = np.full(len(targets), np.inf), np.full(len(targets), -np.inf)

    def seen(x: np.ndarray) -> None:
        v = values @ x
        np.minimum(seen_lo, v, out=seen_lo)
        np.maximum(seen_hi, v, out=seen_hi)

    rng = np.random.default_rng(0)  # a few random objectives first: spread-out points
    every = np.arange(solver.a.shape[1])
    for _ in range(SCOUTS):
        seen(solver.optimum(every, rng.normal(size=len(every)))[1])
    for i, t in enumerate(targets):
        lo, hi = math.ceil(seen_lo[i] - ROUNDING), math.floor(seen_hi[i] + ROUNDING)
        if hi - lo >= enough(t):  # the whole numbers it surely spans are enough
            t.lo, t.hi, t.solved = lo, hi, False
            continue
        lo = 0.0  # a count with positive weights is never below 0: a point at 0 is its least
        if seen_lo[i] > ROUNDING or min(t.expr.values()) < 0:
            lo, x = solver.bound(t.expr, 1)
            seen(x)
        hi, x = solver.bound(t.expr, -1)
        seen(x)
        t.lo, t.hi = math.ceil(lo - ROUNDING), math.floor(hi + ROUNDING)
    deadline = time.perf_counter() + budget
    for t in sorted((t for t in targets if t.solved and 0 < t.width <= MILP_WIDTH and tighten(t)),
                    key=lambda t: t.width):
        if time.perf_counter() > deadline:
            break
        t.lo, low_proven = solver.integer(t.expr, 1, t.lo)
        t.hi, high_proven = solver.integer(t.expr, -1, t.hi)
        t.exact_integer = low_proven and high_proven


# --------------------------------------------------------------------------- reporting

def summary(result: Result) -> dict:
    protected = result.protected()
    widths = pd.Series([t.width for t in protected], dtype=float)
    exact, near = result.exact(), result.near()
    return {
        "runs": result.name, "seconds": round(result.seconds, 1), "unknowns": result.unknowns,
        "equations": result.equations, "hidden counts attacked": len(protected),
        "exact pins": len(exact), "near pins": len(near),
        "exact pins of small groups": sum(bool(t.small) for t in exact),
        "near pins of small groups": sum(bool(t.small) for t in near),
        "exact pins at 0 or n": sum(t.at_bound for t in exact),
        "hidden answers attacked": len(result.protected("answer")),
        "hidden answers exact": len(result.exact("answer")),
        "hidden answers near": len(result.near("answer")),
        "hidden n attacked": len(result.protected("n")), "hidden n exact": len(result.exact("n")),
        "hidden n near": len(result.near("n")),
        "width distribution": {
            "0": int((widths == 0).sum()), "1-2": int(((widths > 0) & (widths <= 2)).sum()),
            "3-5": int(((widths > 2) & (widths <= 5)).sum()),
            "6-10": int(((widths > 5) & (widths <= 10)).sum()), ">10": int((widths > 10).sum())},
        "narrow intervals proven by the integer programme": sum(t.exact_integer
                                                                for t in result.targets),
        "intervals not solved (seen wide enough)": sum(not t.solved for t in result.targets),
        "figure findings": len(result.findings),
        "equations violated by the truth": len(result.violated),
        "intervals missing the truth": len(result.wrong),
    }


def describe(t: Target) -> str:
    truth = "" if t.truth is None else f"; truth {t.truth} of {t.truth_n}"
    return f"[{t.lo:g}, {t.hi:g}] {t.name} ({t.kind}{truth})"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("runs", nargs="+", type=Path)
    parser.add_argument("--truth", action="store_true",
                        help="check the model and every interval against each run's clean data")
    parser.add_argument("--json", type=Path, help="write every interval here")
    parser.add_argument("--show", type=int, default=40, help="pins to list")
    parser.add_argument("--milp-budget", type=float, default=MILP_BUDGET,
                        help="seconds of integer programming per model (default %(default)s)")
    parser.add_argument("--rule", type=int, metavar="WIDTH",
                        help="with --truth: list the counts narrower than the protection rule asks")
    args = parser.parse_args(argv)
    result = attack(args.runs, args.truth, milp_budget=args.milp_budget)
    print(json.dumps(summary(result), indent=2))
    if args.rule is not None and args.truth:
        failing = sorted(result.failures(args.rule), key=lambda t: t.name)
        print(f"\nnarrower than the rule asks ({len(failing)}):")
        for t in failing[: args.show]:
            print(f"  {describe(t)}: needs {required(t, args.rule)}")
    for title, items in (("exact pins", result.exact()), ("near pins", result.near()),
                         ("hidden answers exact", result.exact("answer")),
                         ("hidden answers near", result.near("answer")),
                         ("hidden n exact", result.exact("n")), ("hidden n near",
                                                                 result.near("n"))):
        print(f"\n{title} ({len(items)}):")
        for t in sorted(items, key=lambda t: t.name)[: args.show]:
            print("  " + describe(t))
    if result.findings:
        print("\nFINDINGS:")
        for f in result.findings:
            print("  " + f)
    if result.violated:
        print("\nEQUATIONS THE TRUTH VIOLATES (bugs of the attack):")
        for v in result.violated[:50]:
            print("  " + v)
    if result.wrong:
        print("\nINTERVALS MISSING THE TRUTH (bugs of the attack):")
        for t in result.wrong[:50]:
            print("  " + describe(t))
    if args.json:
        targets = [{"name": t.name, "kind": t.kind, "answer": t.answer, "solved": t.solved,
                    "lo": t.lo, "hi": t.hi, "truth": t.truth, "n": t.truth_n, "small": t.small,
                    "integer": t.exact_integer} for t in result.targets]
        args.json.write_text(json.dumps({"summary": summary(result), "targets": targets},
                                        indent=1) + "\n")
    return 1 if result.violated or result.wrong else 0


if __name__ == "__main__":
    sys.exit(main())
