"""Which pairs and combinations of a multi-select question's options may be shown (primary and
secondary suppression over every combination a reader cannot rule out), and the tables of lifts
and combinations built from them."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
import pandas as pd

from microcred.release.gate import determined, number_institutions
from microcred.release.policy import Policy
from microcred.statistics import multiselect
from microcred.statistics.design import SurveyDesign


@dataclass(frozen=True)
class Released:
    """What the tables of option pairs and combinations may show: the pairs of options (column
    positions i < j) whose count, lift and interval are shown, the exact combinations listed
    (code, count), most common first; bit i of a code: option i chosen), and how many of each
    the disclosure rules hid."""
    pairs: frozenset[tuple[int, int]]
    combinations: tuple[tuple[int, int], ...]
    hidden: dict[str, dict[str, int]]

    def shows_pair(self, i: int, j: int) -> bool:
        """Whether the pair of options i and j is shown."""
        return (min(i, j), max(i, j)) in self.pairs


def release_selections(x: pd.DataFrame, institutions, policy: Policy, top: int) -> Released:
    """Which pairs and combinations may be shown. Primary: a pair named together, or a
    combination chosen, by a group too small under the policy is hidden (at most `top`
    combinations are listed). Secondary: the counts shown (all respondents, each option, each
    pair shown, each combination listed, those who chose none) are sums of the counts of the
    exact combinations, every one a reader cannot rule out; while they determine a hidden pair's
    or combination's count (`gate.determined`), the smallest pair or combination shown
    whose hiding ends such a leak is hidden too."""
    inst, codes = number_institutions(institutions), _combination_codes(x)
    atoms = _possible_combinations(x.shape[1], codes)
    atom_of = np.searchsorted(atoms, codes)
    has = (atoms[None, :] >> np.arange(x.shape[1])[:, None]) & 1  # option i in combination k
    pairs = list(itertools.combinations(range(x.shape[1]), 2))
    shown, secret = {}, []  # shown: item -> (count, its vector over the combinations)
    for i, j in pairs:
        both = (x.iloc[:, i] & x.iloc[:, j]).astype(bool).to_numpy()
        n, vector = int(both.sum()), (has[i] & has[j]).astype(float)
        if not policy.too_small(n, len(np.unique(inst[both]))):
            shown[(i, j)] = (n, vector)
        elif n:
            secret.append(vector)
    counts = np.bincount(atom_of, minlength=len(atoms))
    spread = pd.Series(inst).groupby(atom_of).nunique().reindex(range(len(atoms)), fill_value=0)
    # ties: by code
    by_count = sorted(np.flatnonzero(counts).tolist(), key=lambda k: (-counts[k], atoms[k]))
    small = [k for k in by_count if policy.too_small(int(counts[k]), int(spread[k]))]
    listed = [k for k in by_count if k not in small][:top]
    primary = {"pairs": len(pairs) - len(shown), "combinations": len(small)}
    # nobody's choice (the empty combination) is shown anyway, as the count of "None of these"
    secret += [np.eye(len(atoms))[k] for k in small if atoms[k] != 0]
    shown |= {k: (int(counts[k]), np.eye(len(atoms))[k]) for k in listed}
    secondary = {"pairs": 0, "combinations": 0}
    # all respondents, each option's count and those who chose none of them ("None of these")
    known = [np.ones(len(atoms)), *has.astype(float), (atoms == 0).astype(float)]

    def given_back(items) -> list[np.ndarray]:
        rows = [*known, *(shown[it][1] for it in items)]
        return [v for v in secret if determined(rows, v)]

    while shown and (leaks := given_back(shown)):
        smallest_first = sorted(shown, key=lambda it: (shown[it][0], str(it)))
        # the smallest shown count whose hiding ends a leak; failing one, the smallest
        item = next((it for it in smallest_first
                     if len(given_back([o for o in shown if o != it])) < len(leaks)),
                    smallest_first[0])
        secret.append(shown.pop(item)[1])
        secondary["pairs" if isinstance(item, tuple) else "combinations"] += 1
    return Released(frozenset(p for p in pairs if p in shown),
                    tuple((int(atoms[k]), int(counts[k])) for k in listed if k in shown),
                    {kind: {"primary": primary[kind], "secondary": secondary[kind]}
                     for kind in ("pairs", "combinations")})


def _possible_combinations(options: int, codes: np.ndarray) -> np.ndarray:
    """The combinations a reader of the tables cannot rule out: all 2^options of them (which
    ones nobody chose is not shown), or, beyond 12 options, those chosen (a stricter test)."""
    return np.arange(2 ** options) if options <= 12 else np.unique(codes)


def _combination_codes(x: pd.DataFrame) -> np.ndarray:
    """Each respondent's exact combination of options as a number (bit i: column i chosen)."""
    return sum(x[c].to_numpy().astype("int64") << i for i, c in enumerate(x.columns))


def lift_intervals(x: pd.DataFrame, design: SurveyDesign, released: Released) -> pd.DataFrame:
    """`multiselect.pair_lifts` of the pairs `released` shows; `design`: the subpopulation of
    the rows of `x` (those who answered the question)."""
    table = multiselect.pair_lifts(x, design, released.shows_pair)
    table.attrs["hidden"] = released.hidden["pairs"]
    return table


def shown_lift(x: pd.DataFrame, released: Released) -> pd.DataFrame:
    """Lift of each pair of options, where `released` shows the pair (lift times the counts
    shown elsewhere would give a hidden pair's count back); never the diagonal (an option with
    itself says nothing)."""
    lift = multiselect.cooccurrence(x)["lift"].copy()
    for i in range(x.shape[1]):
        for j in range(x.shape[1]):
            if not (i != j and released.shows_pair(i, j)):
                lift.iat[i, j] = np.nan
    lift.attrs["hidden"] = released.hidden["pairs"]  # for the methods section
    return lift


def combinations(x: pd.DataFrame, labels: dict[str, str], released: Released) -> pd.DataFrame:
    """The most common exact combinations chosen, as many as `released` lists."""
    codes = [code for code, _ in released.combinations]
    out = pd.DataFrame({
        "combination": [" + ".join(labels[c] for i, c in enumerate(x.columns) if code >> i & 1)
                        or "(none)" for code in codes],
        "count": [count for _, count in released.combinations]})
    out["pct"] = 100 * out["count"] / len(x)
    out["options"] = [bin(code).count("1") for code in codes]
    out.attrs["hidden"] = released.hidden["combinations"]
    return out
